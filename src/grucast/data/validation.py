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
from typing import Literal

import numpy as np
import pandas as pd

from grucast.data._text import format_time
from grucast.data.errors import DataError
from grucast.data.frame import Series
from grucast.data.frequency import Frequency, check_grid, infer_frequency

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
    """Parse a time column into ``datetime64[ns]`` timestamps or ``int64`` steps.

    Integer columns are step indexes. Everything else is parsed as datetimes;
    time-zone-aware values are converted to UTC (and a note says so).

    Args:
        column: the raw column.
        name: its name, for messages.
        rows: the 1-based row number of each value.
        time_format: a ``strftime`` format for the values, if pandas cannot guess it.

    Returns:
        The parsed times and any notes.

    Raises:
        DataError: a missing or unparseable time value.
    """
    notes: list[str] = []
    empty = column.isna().to_numpy()
    if empty.any():
        row = int(rows[np.argmax(empty)])
        raise DataError(f"missing time value in column {name!r} at row {row}; every row needs a time")
    if pd.api.types.is_integer_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=np.int64), notes
    if pd.api.types.is_float_dtype(column):
        values = column.to_numpy(dtype=np.float64)
        fractional = values != np.round(values)
        if fractional.any():
            bad = int(np.argmax(fractional))
            raise DataError(
                f"time column {name!r} holds numbers, and {values[bad]!r} at row {int(rows[bad])} is not a whole step; "
                "use whole-number steps or timestamps"
            )
        return values.astype(np.int64), notes
    try:
        parsed = pd.to_datetime(column, errors="coerce", format=time_format)
    except ValueError:
        # Mixed UTC offsets: bring them to one zone.
        parsed = pd.to_datetime(column, errors="coerce", format=time_format, utc=True)
    unparsed = parsed.isna().to_numpy()
    if unparsed.any():
        bad = int(np.argmax(unparsed))
        hint = "check time_format"
        if time_format is None:
            hint = "write times as ISO 8601 (2024-01-31 13:00:00) or pass time_format="
        raise DataError(
            f"cannot parse time value {column.iloc[bad]!r} in column {name!r} at row {int(rows[bad])}; {hint}"
        )
    if getattr(parsed.dt, "tz", None) is not None:
        notes.append(f"time column {name!r} had time zones; converted every time to UTC and dropped the zone")
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.to_numpy(dtype="datetime64[ns]"), notes


def to_numeric(column: pd.Series, name: str, rows: np.ndarray, series_of_row: np.ndarray | None = None) -> np.ndarray:
    """Convert a value column to ``float64``, refusing text and infinities.

    Args:
        column: the raw column.
        name: its name, for messages.
        rows: the 1-based row number of each value.
        series_of_row: the series name of each row (long format), for messages.

    Raises:
        DataError: a value that is not a number, naming it and its row.
    """

    def where(index: int) -> str:
        if series_of_row is None:
            return f"at row {int(rows[index])}"
        return f"at row {int(rows[index])} (series {str(series_of_row[index])!r})"

    if pd.api.types.is_numeric_dtype(column):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        text = np.isnan(values) & column.notna().to_numpy()
        if text.any():
            bad = int(np.argmax(text))
            value = str(column.iloc[bad])
            raise DataError(
                f"column {name!r} has a non-numeric value {value!r} {where(bad)}; fix it in the file, "
                f"or if it marks a missing reading pass na_values=[{value!r}] and choose a missing policy"
            )
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
        raise DataError(
            f"series {name!r}: time {format_time(time[first])} appears more than once (rows {int(rows[first])} and "
            f"{int(rows[first + 1])}); keep one row per time, e.g. average duplicates with groupby(...).mean()"
        )
    frequency = _frequency(name, time, freq)
    grid = check_grid(time, frequency, name, rows)
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


def _frequency(name: str, time: np.ndarray, freq: str | Frequency | None) -> Frequency:
    is_step = not np.issubdtype(time.dtype, np.datetime64)
    if freq is None:
        return infer_frequency(time, name)
    frequency = Frequency.parse(freq)
    if is_step and not frequency.is_step:
        raise DataError(
            f"series {name!r}: freq={frequency.alias!r} needs timestamps, but the times are integer steps; "
            "pass time_col= with a datetime column, or leave freq out"
        )
    if not is_step and frequency.is_step:
        raise DataError(
            f"series {name!r}: freq='step' is for integer steps, but the times are timestamps; leave freq out"
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
                "missing='interpolate', 'ffill' or 'drop', or pass the right freq="
            )
        if absent.any():
            row, column = np.argwhere(absent)[0]
            count = int(absent.sum())
            more = f" and {count - 1} more" if count > 1 else ""
            raise DataError(
                f"series {name!r}: missing value in column {column_names[column]!r} at row {int(rows[row])} "
                f"({format_time(time[row])}){more}; fill it in the file or choose missing='interpolate', "
                "'ffill' or 'drop'"
            )
        return time, columns, []
    if missing == "drop":
        notes = []
        keep = ~absent.any(axis=1)
        if not keep.all():
            notes.append(f"series {name!r}: dropped {int((~keep).sum())} row(s) with missing values (missing='drop')")
        if len(gaps):
            notes.append(
                f"series {name!r}: kept {len(gaps)} gap(s) in the {frequency.description} grid as they are "
                f"(missing='drop'), first at {format_time(gaps[0])}; rows either side of a gap are consecutive steps"
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
            f"{_POLICY_WORDS[missing]} (missing={missing!r})"
        )
    if first > 0 or last < len(time):
        notes.append(
            f"series {name!r}: dropped {first} leading and {len(time) - last} trailing row(s) with missing values "
            "and nothing to fill them from"
        )
    return time[kept], columns[kept], notes
