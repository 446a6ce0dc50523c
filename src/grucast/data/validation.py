"""Checks and repairs that turn raw columns into a valid :class:`Series`.

Each check raises :class:`DataError` with one line that names the series, the row
(1-based, counting data rows after the header) or the time, what is wrong, and how
to fix it. Repairs happen only where they are safe (sorting) or asked for (the
missing-value policy), and each one leaves a note.

Missing-value policies (``missing=``):

* ``"error"`` (default): a missing value or a gap in the time grid is an error.
* ``"interpolate"``: gaps become rows, then every missing value is interpolated
  linearly between its neighbours; rows at either end with nothing to interpolate
  from are dropped.
* ``"ffill"``: gaps become rows, then every missing value takes the last value
  seen; leading rows with no earlier value are dropped.
* ``"drop"``: rows with a missing value are dropped; gaps stay, so the rows on
  either side of a gap become consecutive steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import numpy as np
import pandas as pd
from pandas.tseries.offsets import Day, Tick

from grucast.data._text import format_time
from grucast.data.errors import DataError
from grucast.data.frame import Series
from grucast.data.frequency import Frequency, GridCheck, check_grid, infer_frequency
from grucast.data.numbers import CANDIDATES, NumberFormat, convert_column
from grucast.data import times
from grucast.data.times import daylight_saving_zones
from grucast.errors import option

MissingPolicy = Literal["error", "interpolate", "ffill", "drop"]
MISSING_POLICIES: tuple[str, ...] = ("error", "interpolate", "ffill", "drop")

_POLICY_WORDS = {"interpolate": "linear interpolation", "ffill": "the last value seen"}


def check_missing_policy(missing: str) -> None:
    """Raise unless ``missing`` is one of :data:`MISSING_POLICIES`."""
    if missing not in MISSING_POLICIES:
        raise DataError(f"missing must be one of 'error', 'interpolate', 'ffill', 'drop', got {missing!r}")


def parse_time(
    column: pd.Series, name: str, rows: np.ndarray, time_format: str | None = None
) -> tuple[np.ndarray, list[str]]:
    """A time column as internal times and notes (see :func:`grucast.data.times.parse_time`).

    Kept for callers of the earlier signature; new code should call
    :func:`grucast.data.times.parse_time` (which also returns the time basis) or,
    for times that must match existing series,
    :func:`grucast.data.times.parse_time_like`.
    """
    parsed = times.parse_time(column, name, rows, time_format=time_format)
    return parsed.time, list(parsed.notes)


class SupportsRowLookup(Protocol):
    """Anything that gives the series name of a row position (an array of names, or a lookup by code)."""

    def __getitem__(self, row: int) -> object: ...


def to_numeric(
    column: pd.Series,
    name: str,
    rows: np.ndarray,
    series_of_row: SupportsRowLookup | None = None,
    *,
    number_format: NumberFormat | None = None,
    na_values: Sequence[str] = (),
) -> np.ndarray:
    """Convert a value column to ``float64``, refusing text and infinities.

    Text is read with ``number_format`` (decimal mark and thousands separator; see
    :mod:`grucast.data.numbers`); missing markers (empty, ``NA``, ``NaN``, ``null``,
    ... and ``na_values``) become NaN; booleans become 1 and 0.

    Args:
        column: the raw column.
        name: its name, for messages.
        rows: the 1-based row number of each value.
        series_of_row: the series name of each row (long format), indexed by row
            position, for messages.
        number_format: how numbers are written; ``1234.5`` if omitted.
        na_values: extra strings that mark a missing value.

    Raises:
        DataError: a value that is not a number, naming it and its row.
    """
    fmt = number_format or NumberFormat()

    def where(index: int) -> str:
        if series_of_row is None:
            return f"at row {int(rows[index])}"
        return f"at row {int(rows[index])} (series {str(series_of_row[index])!r})"

    if pd.api.types.is_bool_dtype(column):
        values = column.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    elif pd.api.types.is_numeric_dtype(column):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        converted, _unit, bad = convert_column(column.astype(object), fmt, na_values)
        if converted is None:
            index = int(np.argmax(bad))
            value = column.iloc[index]
            text = str(value).strip()
            others = [other for other in CANDIDATES if other != fmt and other.matches(text)]
            if isinstance(value, str) and others:
                hint = f"the numbers are read with {fmt.describe()}; if this one is right, pass {others[0].settings()}"
            elif isinstance(value, str):
                hint = (
                    f"fix it in the file, or if it marks a missing reading pass {option('na_values', [text])} "
                    "and choose a missing policy"
                )
            else:
                hint = "fix it in the file"
            raise DataError(f"column {name!r} has a non-numeric value {text!r} {where(index)}; {hint}")
        values = converted.to_numpy(dtype=np.float64)
    infinite = np.isinf(values)
    if infinite.any():
        bad = int(np.argmax(infinite))
        raise DataError(
            f"column {name!r} has an infinite value {where(bad)}; replace it with a number or leave it empty"
        )
    return values


def build_series(
    name: str,
    time: np.ndarray,
    rows: np.ndarray,
    columns: np.ndarray,
    column_names: Sequence[str],
    n_known: int,
    *,
    freq: str | Frequency | None = None,
    missing: MissingPolicy = "error",
    local_clock: bool = False,
    grids: dict | None = None,
) -> tuple[Series, list[str]]:
    """Validate one series and build it.

    Args:
        name: the series name.
        time: ``(T,)`` parsed times, in file order.
        rows: ``(T,)`` 1-based file rows, for messages.
        columns: ``(T, 1 + K + P)`` values: target, then known, then past covariates.
        column_names: the names of those columns.
        n_known: ``K``, how many of the covariates are known ones.
        freq: the frequency, or ``None`` to infer it.
        missing: the missing-value policy (see the module docstring).
        local_clock: the times are naive local times with no zone known, so a
            repeated or missing hour where a common zone changes its clocks is
            refused as a daylight-saving change (whatever ``missing`` says).
        grids: a dict kept across the series of one file (and one ``freq``): the
            frequency and grid check of each distinct run of times, so that series
            with the same times (a collection's usual case) infer and check them once.

    Returns:
        The series and the notes on what was changed.

    Raises:
        DataError: duplicate times, irregular spacing, missing values or gaps under
            ``missing="error"``, too few rows, or a constant target.
    """
    notes: list[str] = []
    order = np.argsort(time, kind="stable")
    if (order != np.arange(len(time))).any():
        later = int(np.argmax(np.diff(time) < 0)) + 1
        notes.append(
            f"series {name!r}: rows were not in time order (row {int(rows[later])}, {format_time(time[later])}, "
            f"comes after {format_time(time[later - 1])}); sorted them by time"
        )
        time, rows, columns = time[order], rows[order], columns[order]
    repeated = np.diff(time.astype(np.int64)) == 0
    if repeated.any():
        first = int(np.argmax(repeated))
        if local_clock:
            _refuse_clock_change(name, time[first], rows[first : first + 2])
        raise DataError(
            f"series {name!r}: time {format_time(time[first])} appears more than once (rows {int(rows[first])} and "
            f"{int(rows[first + 1])}); keep one row per time, e.g. average duplicates with groupby(...).mean()"
        )
    frequency, grid = _frequency_and_grid(name, time, rows, freq, grids)
    if local_clock and len(grid.missing):
        _check_skipped_hour(name, grid.missing, frequency, rows, time)
    if len(grid.holidays):
        notes.append(
            f"series {name!r}: {len(grid.holidays)} weekday(s) absent (first {format_time(grid.holidays[0])}) "
            "taken as market holidays; steps are trading days"
        )
    time, columns, more_notes = _apply_missing_policy(
        name, time, rows, columns, column_names, grid.missing, frequency, missing
    )
    notes += more_notes
    if len(time) < 2:
        raise DataError(f"series {name!r} has {len(time)} usable row(s); a series needs at least 2")
    target = columns[:, 0]
    if (target == target[0]).all():
        raise DataError(
            f"series {name!r} is constant (every target value is {target[0]:g}); it has nothing to learn and cannot "
            "be scaled; remove it from the data"
        )
    series = Series(
        name=name,
        time=time,
        target=target,
        known=columns[:, 1 : 1 + n_known],
        past=columns[:, 1 + n_known :],
        frequency=frequency,
    )
    return series, notes


_GRIDS_KEPT = 256  # distinct runs of times remembered: 256 x a series' times in bytes at most


def _frequency_and_grid(
    name: str, time: np.ndarray, rows: np.ndarray, freq: str | Frequency | None, grids: dict | None
) -> tuple[Frequency, GridCheck]:
    # Both depend on the times alone (the name and rows only go into messages), so equal
    # times give equal answers; an error is raised for the first series that has them.
    if grids is None:
        frequency = _frequency(name, time, freq)
        return frequency, check_grid(time, frequency, name, rows)
    key = (time.dtype.str, time.tobytes())
    if key not in grids:
        if len(grids) >= _GRIDS_KEPT:
            grids.clear()
        grids[key] = _frequency_and_grid(name, time, rows, freq, None)
    return grids[key]


def _POLICY_CHOICES() -> str:
    # Evaluated when a message is built: option() follows the caller's interface.
    return f"{option('missing', 'interpolate')}, {option('missing', 'ffill')} or {option('missing', 'drop')}"


def _refuse_clock_change(name: str, when: np.datetime64, rows: np.ndarray) -> None:
    zones = daylight_saving_zones(when, "repeated")
    if not zones:
        return
    raise DataError(
        f"series {name!r}: time {format_time(when)} appears twice (rows {int(rows[0])} and {int(rows[1])}), as a "
        f"local time does when clocks go back at the end of daylight saving (as in {zones[0]} that day); pass "
        f"the zone, e.g. {option('timezone', zones[0])}, so the repeated hour can be placed (or "
        f"{option('timezone', 'UTC')} if the times are UTC)"
    )


def _check_skipped_hour(
    name: str, gaps: np.ndarray, frequency: Frequency, rows: np.ndarray, time: np.ndarray
) -> None:
    # A run of missing grid points one hour long where a common zone springs forward.
    offset = frequency.offset
    if not isinstance(offset, (Tick, Day)):
        return
    spacing = pd.Timedelta(offset).value
    hour = 3_600 * 10**9
    if spacing > hour or hour % spacing:
        return
    stamps = gaps.astype(np.int64)
    breaks = np.flatnonzero(np.diff(stamps) != spacing) + 1
    for run in np.split(np.arange(len(gaps)), breaks):
        if len(run) * spacing != hour:
            continue
        start = gaps[run[0]]
        zones = daylight_saving_zones(start, "missing")
        if zones:
            after = int(np.searchsorted(time, start)) - 1
            raise DataError(
                f"series {name!r}: the hour from {format_time(start)} is missing (after row {int(rows[after])}), as a "
                f"local hour is when clocks go forward for daylight saving (as in {zones[0]} that day); pass the "
                f"zone, e.g. {option('timezone', zones[0])}, so the times can be placed (or "
                f"{option('timezone', 'UTC')} if the times are UTC)"
            )


def _frequency(name: str, time: np.ndarray, freq: str | Frequency | None) -> Frequency:
    is_step = not np.issubdtype(time.dtype, np.datetime64)
    if freq is None:
        return infer_frequency(time, name)
    frequency = Frequency.parse(freq)
    if is_step and not frequency.is_step:
        raise DataError(
            f"series {name!r}: {option('freq', frequency.alias)} needs timestamps, but the times are integer steps; "
            f"pass {option('time_col')} with a datetime column, or leave {option('freq')} out"
        )
    if not is_step and frequency.is_step:
        raise DataError(
            f"series {name!r}: {option('freq', 'step')} is for integer steps, but the times are timestamps; "
            f"leave {option('freq')} out"
        )
    return frequency


def _apply_missing_policy(
    name: str,
    time: np.ndarray,
    rows: np.ndarray,
    columns: np.ndarray,
    column_names: Sequence[str],
    gaps: np.ndarray,
    frequency: Frequency,
    missing: MissingPolicy,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    absent = np.isnan(columns)
    if missing == "error":
        if len(gaps):
            after = int(np.searchsorted(time, gaps[0])) - 1
            raise DataError(
                f"series {name!r}: {len(gaps)} time(s) missing from the {frequency.description} grid, first "
                f"{format_time(gaps[0])} (after row {int(rows[after])}); fill the gaps in the file, choose "
                f"{_POLICY_CHOICES()}, or pass the right {option('freq')}"
            )
        if absent.any():
            row, column = np.argwhere(absent)[0]
            count = int(absent.sum())
            more = f" and {count - 1} more" if count > 1 else ""
            raise DataError(
                f"series {name!r}: missing value in column {column_names[column]!r} at row {int(rows[row])} "
                f"({format_time(time[row])}){more}; fill it in the file or choose {_POLICY_CHOICES()}"
            )
        return time, columns, []
    if missing == "drop":
        notes = []
        keep = ~absent.any(axis=1)
        if not keep.all():
            notes.append(
                f"series {name!r}: dropped {int((~keep).sum())} row(s) with missing values "
                f"({option('missing', 'drop')})"
            )
        if len(gaps):
            notes.append(
                f"series {name!r}: kept {len(gaps)} gap(s) in the {frequency.description} grid as they are "
                f"({option('missing', 'drop')}), first at {format_time(gaps[0])}; rows either side of a gap are "
                "consecutive steps"
            )
        return time[keep], columns[keep], notes
    # interpolate / ffill: put the gaps in as empty rows, then fill every column.
    inserted = np.zeros(len(time), dtype=bool)
    if len(gaps):
        full = np.union1d(time, gaps)
        filled = np.full((len(full), columns.shape[1]), np.nan)
        filled[np.searchsorted(full, time)] = columns
        inserted = ~np.isin(full, time)
        time, columns = full, filled
    before = np.isnan(columns)
    frame = pd.DataFrame(columns)
    if missing == "interpolate":
        frame = frame.interpolate(method="linear", limit_area="inside")
    else:
        frame = frame.ffill()
    columns = frame.to_numpy(dtype=np.float64)
    # What is still empty sits at the ends: nothing before (or after) to fill from.
    complete = ~np.isnan(columns).any(axis=1)
    first = int(np.argmax(complete)) if complete.any() else len(time)
    last = len(time) - int(np.argmax(complete[::-1])) if complete.any() else len(time)
    kept = slice(first, last)
    filled_values = int((before[kept] & ~inserted[kept, None]).sum())
    filled_times = int(inserted[kept].sum())
    notes = []
    if filled_values or filled_times:
        notes.append(
            f"series {name!r}: filled {filled_values} missing value(s) and {filled_times} missing time(s) with "
            f"{_POLICY_WORDS[missing]} ({option('missing', missing)})"
        )
    if first > 0 or last < len(time):
        notes.append(
            f"series {name!r}: dropped {first} leading and {len(time) - last} trailing row(s) with missing values "
            "and nothing to fill them from"
        )
    return time[kept], columns[kept], notes
