"""Time columns: text, numbers and datetimes into the times a series is modelled on.

**Formats.** ISO 8601 (``2024-01-31 13:00:00``, with or without the time of day, a
``T``, fractions or a UTC offset) is read directly. Numeric dates with the year last
(``31/01/2024``, ``31.01.24``, ``1-31-2024 1:00 PM``) are read field by field: the
order of day and month is settled by ``dayfirst=`` when given, by a value above 12
when there is one, by dots (``31.01.2024`` is always day-first), and otherwise by
regularity: of the two readings, the one that puts every series on a regular grid
wins (with a note); when both or neither do, the column is refused with a message
that names ``dayfirst``. Two-digit years are 1969-2068. ``2024Q1`` is a quarter
start and ``2024-W05`` an ISO week's Monday; other text (``5 Jan 2024``) goes to
pandas, one format per column. ``time_format=`` (a ``strftime`` format) overrides
all of this.

**Numbers.** Whole numbers are an integer step index, except numbers that are
plainly times: ``20240131`` (also with hours, minutes and seconds appended) and Unix
times in seconds, milliseconds, microseconds or nanoseconds since 1970 (values that
land between 1980 and 2100). Those are converted, with a note;
``time_format='step'`` keeps them as steps, and ``'unix_s'``, ``'unix_ms'``,
``'unix_us'``, ``'unix_ns'`` force a unit. Whole numbers that could be Excel date
serials (days since 1899-12-30, 1970 to 2100) stay steps with a note;
``time_format='excel'`` reads them (and fractional ones) as dates.

**Time zones.** The times a series is modelled on are naive ``datetime64[ns]``; a
:class:`TimeBasis` remembers how they relate to the user's clock, so forecasts can
be written back in it (:func:`output_times`):

(a) one UTC offset throughout (``+01:00`` on every row): the model works on the
    local wall clock, as written; the offset is kept.
(b) offsets that change (daylight saving) in data whose local clock time is the same
    on every row (daily or coarser data at local midnight): the model works on the
    local dates, so a daily series across a clock change stays on its grid; the zone
    (or the offsets) is kept.
(c) offsets that change in sub-daily data, or sub-daily data in a zone that has
    daylight saving: the model works in UTC, where the grid is regular; forecasts
    are converted back to the zone (to UTC when no zone is known).
(d) ``timezone=`` (an IANA name such as ``"Europe/Paris"``) places naive local times
    in that zone (a repeated hour at a clock change is taken in file order, first
    the summer one; a time that does not exist is an error), or converts times that
    carry offsets into it; then (a)-(c) apply. Naive sub-daily times with a repeated
    or missing hour where a common zone changes its clocks, and no ``timezone``, are
    refused with a message that says so (see :func:`daylight_saving_zones`).

Time-zone-aware columns (Parquet, DataFrames) keep their IANA zone.
"""

from __future__ import annotations

import re
import warnings
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone as fixed_timezone
from typing import Literal

import numpy as np
import pandas as pd

from grucast.data._text import format_time
from grucast.data.errors import DataError
from grucast.data.numbers import as_text, is_text_column, strip_text
from grucast.errors import option

_DAY_NS = 86_400 * 10**9
_MINUTE_NS = 60 * 10**9

# A date written with numbers: year first (2024-01-31) or last (31/01/2024, 1.31.24),
# an optional time of day (13:00, 1:00 PM, 13:00:00.5) and an optional UTC offset.
_DATE = (
    r"(?P<a>\d{1,4})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})"
    r"(?:(?:T|\s+)(?P<H>\d{1,2})(?::(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?)?"
    r"\s*(?P<p>[AaPp]\.?[Mm]\.?)?)?"
    r"\s*(?P<z>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?"
)
_DATE_RE = re.compile(_DATE)
_ISO_NAIVE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?")
_QUARTER = re.compile(r"(?:(?P<y1>\d{4})\s*-?\s*Q(?P<q1>[1-4])|Q(?P<q2>[1-4])\s*-?\s*(?P<y2>\d{4}))", re.IGNORECASE)
_ISO_WEEK = re.compile(r"(?P<y>\d{4})-?W(?P<w>\d{2})")
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?")
_ZONE_TAIL = re.compile(r"(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)\s*$")

#: ``time_format`` values that are not ``strftime`` formats.
UNIX_UNITS = {"unix_s": "s", "unix_ms": "ms", "unix_us": "us", "unix_ns": "ns"}
_UNIX_NAMES = {"s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds"}
# Unix times whose dates fall between 1980 and 2100, per unit.
_UNIX_RANGE = (315_532_800, 4_102_444_800)
# Excel date serials between 1970 and 2100.
_EXCEL_RANGE = (25_569, 73_051)
# Numbers that are dates written as digits: digit count -> format.
_DIGIT_DATES = {8: "%Y%m%d", 10: "%Y%m%d%H", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}

#: Zones checked when naive local times repeat or skip an hour (a clock change).
DST_ZONES: tuple[str, ...] = (
    "Europe/London", "Europe/Paris", "Europe/Athens", "America/New_York", "America/Chicago", "America/Denver",
    "America/Los_Angeles", "America/Halifax", "America/Santiago", "America/Asuncion", "America/Havana",
    "America/Mexico_City", "America/Sao_Paulo", "Australia/Sydney", "Australia/Adelaide", "Pacific/Auckland",
    "Asia/Jerusalem", "Asia/Tehran", "Asia/Beirut", "Africa/Cairo",
)


# --------------------------------------------------------------------- time basis


@dataclass(frozen=True)
class TimeBasis:
    """How a series set's naive internal times relate to the user's clock.

    Attributes:
        zone: the user's zone: an IANA name (``"Europe/Paris"``), ``"UTC"``, a fixed
            offset (``"+01:00"``), or ``None`` when the data carried changing offsets
            and no zone was named.
        clock: ``"local"`` when the internal times are the user's wall clock,
            ``"utc"`` when they are UTC.
    """

    zone: str | None
    clock: Literal["local", "utc"] = "local"

    def describe(self) -> str:
        where = self.zone or "local time"
        return f"{where}, modelled on {'the local clock' if self.clock == 'local' else 'UTC'}"


def output_times(times: np.ndarray, basis: TimeBasis | None, *, aware: bool = True) -> pd.Index:
    """The times to write for internal times (history or forecast steps).

    Args:
        times: internal times, ``datetime64[ns]`` (or ``int64`` steps, returned as
            they are).
        basis: the set's :class:`TimeBasis`; ``None`` for naive data (unchanged).
        aware: ``True`` for time-zone-aware timestamps in the user's zone (UTC for
            (c) without a zone); ``False`` for the user's local wall clock, naive.

    Returns:
        A ``DatetimeIndex`` (aware or naive) or, for steps, an integer ``Index``.
        Local times that a clock change skips (possible only for local-clock data
        at the hour of the change) move forward by the change; a repeated local
        time is taken as standard time.
    """
    values = np.asarray(times)
    if not np.issubdtype(values.dtype, np.datetime64):
        return pd.Index(values.astype(np.int64))
    index = pd.DatetimeIndex(values.astype("datetime64[ns]"))
    if basis is None:
        return index
    if basis.clock == "utc":
        stamped = index.tz_localize("UTC")
        if basis.zone is not None:
            stamped = stamped.tz_convert(tzinfo(basis.zone))
    else:
        if basis.zone is None:
            return index
        stamped = index.tz_localize(
            tzinfo(basis.zone), ambiguous=np.zeros(len(index), dtype=bool), nonexistent="shift_forward"
        )
    return stamped.tz_localize(None) if not aware else stamped


def tzinfo(zone: str) -> datetime.tzinfo:
    """A ``tzinfo`` for a zone name: IANA, ``"UTC"`` or a fixed offset ``"+01:00"``."""
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", zone)
    if match:
        minutes = int(match.group(2)) * 60 + int(match.group(3))
        return fixed_timezone(timedelta(minutes=minutes if match.group(1) == "+" else -minutes))
    return zoneinfo.ZoneInfo(zone)


def check_timezone(zone: str | None) -> str | None:
    """Validate a user's ``timezone``: an IANA name, ``"UTC"`` or ``"+01:00"``."""
    if zone is None:
        return None
    if not isinstance(zone, str) or not zone.strip():
        raise DataError(f"timezone must be an IANA name such as 'Europe/Paris', got {zone!r}")
    zone = zone.strip()
    if re.fullmatch(r"[+-]\d{2}:?\d{2}", zone):
        return f"{zone[:3]}:{zone[-2:]}"
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise DataError(
            f"unknown time zone {zone!r}; use an IANA name such as {option('timezone', 'Europe/Paris')}, "
            f"{option('timezone', 'America/New_York')} or {option('timezone', 'UTC')}"
        ) from None
    return zone


def _offset_text(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _has_daylight_saving(zone: str, years: np.ndarray) -> bool:
    if re.fullmatch(r"[+-]\d{2}:\d{2}", zone) or zone.upper() == "UTC":
        return False
    info = zoneinfo.ZoneInfo(zone)
    for year in np.unique(np.concatenate([years, years + 1])):
        year = int(min(max(year, 1900), 2200))
        if datetime(year, 1, 1, tzinfo=info).utcoffset() != datetime(year, 7, 1, tzinfo=info).utcoffset():
            return True
    return False


def daylight_saving_zones(wall: np.datetime64, kind: Literal["repeated", "missing"]) -> list[str]:
    """Common zones in which a local time is repeated or skipped by a clock change.

    Args:
        wall: a naive local time.
        kind: ``"repeated"`` (the autumn change) or ``"missing"`` (spring).
    """
    stamp = pd.DatetimeIndex([wall])
    found = []
    for zone in DST_ZONES:
        if kind == "repeated":
            placed = stamp.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward")
        else:
            placed = stamp.tz_localize(zone, ambiguous=np.array([True]), nonexistent="NaT")
        if placed.isna().all():
            found.append(zone)
    return found


def local_clock_zones(utc: np.ndarray) -> list[str]:
    """Common zones (:data:`DST_ZONES`) in which UTC times all show the same local time of day.

    Zones where that time is midnight come first.
    """
    index = pd.DatetimeIndex(np.asarray(utc, dtype="datetime64[ns]")).tz_localize("UTC")
    found = []
    for zone in DST_ZONES:
        local = index.tz_convert(zone)
        minutes = local.hour * 60 + local.minute
        if (minutes == minutes[0]).all():
            found.append((int(minutes[0]) != 0, zone))
    return [zone for _late, zone in sorted(found, key=lambda item: item[0])]


# --------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class ParsedTime:
    """A parsed time column.

    Attributes:
        time: ``datetime64[ns]`` internal times or ``int64`` steps, one per row.
        basis: how the times relate to the user's clock (``None``: naive or steps).
        notes: what was detected or converted.
        naive_local: the times are naive local times as written (no zone known), so
            a repeated or missing hour may be a clock change.
    """

    time: np.ndarray
    basis: TimeBasis | None
    notes: tuple[str, ...]
    naive_local: bool


def looks_like_time(text: str) -> bool:
    """True when ``text`` reads as a date or a date and time (for header checks)."""
    text = text.strip()
    return bool(
        _DATE_RE.fullmatch(text) or _QUARTER.fullmatch(text) or _ISO_WEEK.fullmatch(text)
        or re.fullmatch(r"\d{4}-\d{2}", text)
    )


def looks_like_time_of_day(text: str) -> bool:
    """True for ``13:00``, ``13:00:00``, ``1:00 PM``."""
    return bool(_TIME_OF_DAY.fullmatch(text.strip()))


def is_date_only(values: pd.Series) -> bool:
    """True when every present value is a date without a time of day."""
    present = values.dropna()
    if present.empty:
        return False
    if pd.api.types.is_datetime64_any_dtype(present):
        stamps = pd.DatetimeIndex(present)
        return bool((stamps == stamps.normalize()).all())
    sample = present.iloc[:200]
    for value in sample:
        if isinstance(value, (datetime, pd.Timestamp)):
            if pd.Timestamp(value) != pd.Timestamp(value).normalize():
                return False
        elif isinstance(value, date):
            continue
        elif isinstance(value, str):
            match = _DATE_RE.fullmatch(value.strip())
            if not match or match.group("H") is not None:
                return False
        else:
            return False
    return True


def parse_time(
    column: pd.Series,
    name: str,
    rows: np.ndarray,
    *,
    time_format: str | None = None,
    dayfirst: bool | None = None,
    timezone: str | None = None,
    labels: np.ndarray | None = None,
) -> ParsedTime:
    """Parse a time column (see the module docstring for the rules).

    Args:
        column: the raw column: text, numbers or datetimes.
        name: its name, for messages.
        rows: the 1-based row number of each value.
        time_format: a ``strftime`` format, or ``"step"``/``"unix_s"``/... .
        dayfirst: ``True``/``False`` to settle ``01/02/2024``; ``None`` to detect.
        timezone: the user's zone (IANA), or ``None``.
        labels: the series of each row (long format), for regularity checks and
            the order of repeated hours.

    Raises:
        DataError: a missing or unreadable time, an ambiguous day/month order,
            mixed formats, or a local time that does not exist in ``timezone``.
    """
    zone_option = check_timezone(timezone)
    parsed, notes = _read(column, name, rows, time_format, dayfirst, labels)
    if parsed.steps is not None:
        if zone_option is not None:
            raise DataError(
                f"time column {name!r} holds integer steps, which have no time zone; leave "
                f"{option('timezone')} out, or give timestamps"
            )
        return ParsedTime(parsed.steps, None, tuple(notes), False)
    return _place(parsed, zone_option, name, rows, labels, notes)


def _read(
    column: pd.Series,
    name: str,
    rows: np.ndarray,
    time_format: str | None,
    dayfirst: bool | None,
    labels: np.ndarray | None,
) -> tuple[_Times, list[str]]:
    # Check the settings and the missing values, then read the column as it is written.
    if time_format is not None and not isinstance(time_format, str):
        raise DataError(f"time_format must be a strftime format such as '%d.%m.%Y %H:%M', got {time_format!r}")
    if dayfirst is not None and not isinstance(dayfirst, (bool, np.bool_)):
        raise DataError(f"dayfirst must be True or False, got {dayfirst!r}")
    column = as_text(column)
    missing = np.array(column.isna().to_numpy(), dtype=bool)
    if is_text_column(column):
        missing |= np.asarray(strip_text(column) == "", dtype=bool)
    elif column.dtype == object:
        missing |= column.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool)
    if missing.any():
        row = int(rows[np.argmax(missing)])
        hint = "every row needs a time"
        if row == 1 and not missing.all():
            hint += " (a second header line, such as units, belongs in the column names or nowhere)"
        raise DataError(f"missing time value in column {name!r} at row {row}; {hint}")
    reader = _Reader(column, name, rows, time_format, dayfirst, labels)
    return reader.read(), reader.notes


def parse_time_like(
    column: pd.Series,
    name: str,
    rows: np.ndarray,
    basis: TimeBasis | None,
    *,
    time_format: str | None = None,
    dayfirst: bool | None = None,
) -> np.ndarray:
    """Parse another file's times (future covariates) onto the clock of existing series.

    The history's :class:`TimeBasis` decides: on a UTC clock, times with offsets
    become UTC and naive ones are placed in the basis' zone; on a local clock,
    times with offsets are shown in the zone (or kept as written when the history
    had offsets but no zone) and naive ones are taken as written.

    Args:
        column, name, rows, time_format, dayfirst: as :func:`parse_time`.
        basis: the history's :attr:`grucast.data.SeriesSet.time_basis`.

    Returns:
        Internal times comparable with the history's, or ``int64`` steps.

    Raises:
        DataError: unreadable times, or naive times for a UTC-clock history with no
            zone to place them in.
    """
    raw, _notes = _read(column, name, rows, time_format, dayfirst, None)
    if raw.steps is not None:
        return raw.steps
    if basis is None:
        return raw.wall
    if raw.offsets is None:
        if basis.clock == "local":
            return raw.wall
        if basis.zone is None:
            raise DataError(
                f"time column {name!r} has no UTC offsets, but the history's times had changing offsets and no zone; "
                f"write these times with offsets too, or pass {option('timezone')}"
            )
        wall, offsets = _localize(raw.wall, basis.zone, name, rows, None)
        return wall - (offsets * _MINUTE_NS).astype("timedelta64[ns]")
    utc = raw.wall - (raw.offsets * _MINUTE_NS).astype("timedelta64[ns]")
    if basis.clock == "utc":
        return utc
    if basis.zone is None:
        return raw.wall
    return _aware(pd.DatetimeIndex(utc).tz_localize("UTC").tz_convert(tzinfo(basis.zone))).wall


@dataclass
class _Times:
    # What a reader found: steps, or wall-clock times with per-row offsets (minutes)
    # and the zone they came with.
    steps: np.ndarray | None = None
    wall: np.ndarray | None = None
    offsets: np.ndarray | None = None
    zone: str | None = None


class _Reader:
    def __init__(self, column, name, rows, time_format, dayfirst, labels) -> None:
        self.column = column
        self.name = name
        self.rows = rows
        self.time_format = time_format
        self.dayfirst = dayfirst
        self.labels = labels
        self.notes: list[str] = []

    def where(self, index: int) -> str:
        return f"in column {self.name!r} at row {int(self.rows[index])}"

    # ---------------------------------------------------------------- dispatch

    def read(self) -> _Times:
        column = self.column
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            return _aware(pd.DatetimeIndex(column))
        if pd.api.types.is_datetime64_dtype(column):
            return _Times(wall=column.to_numpy(dtype="datetime64[ns]"))
        if pd.api.types.is_bool_dtype(column):
            raise DataError(f"time column {self.name!r} holds true/false values; name the column of times")
        if pd.api.types.is_numeric_dtype(column):
            return self.numbers(column.to_numpy(dtype=np.float64))
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = as_text(column.astype(object))
        if is_text_column(column):
            return self.text(strip_text(column).reset_index(drop=True))
        values = column.to_numpy(dtype=object)
        is_text = np.array([isinstance(v, str) for v in values], dtype=bool)
        if is_text.all():
            return self.text(pd.Series(values, dtype="str").str.strip())
        is_stamp = np.array([isinstance(v, (datetime, date, pd.Timestamp, np.datetime64)) for v in values])
        if is_stamp.all():
            stamps = pd.to_datetime(pd.Series(values, dtype=object))
            if isinstance(stamps.dtype, pd.DatetimeTZDtype):
                return _aware(pd.DatetimeIndex(stamps))
            return _Times(wall=stamps.to_numpy(dtype="datetime64[ns]"))
        if is_stamp.any() and is_text.any():
            bad = int(np.argmax(is_text))
            raise DataError(
                f"time column {self.name!r} mixes cells that are dates with cells that are text ({values[bad]!r} at "
                f"row {int(self.rows[bad])}): a spreadsheet converted only the dates it could read in its own "
                "day/month order, so the converted ones may be wrong too; format the whole column as text (or as "
                "dates) and save again"
            )
        numbers = np.array([isinstance(v, (int, float, np.integer, np.floating)) for v in values])
        if numbers.all():
            return self.numbers(values.astype(np.float64))
        if numbers.any() and (is_text | is_stamp).any():
            number, other = int(np.argmax(numbers)), int(np.argmax(~numbers))
            raise DataError(
                f"time column {self.name!r} mixes numbers ({values[number]!r} at row {int(self.rows[number])}) with "
                f"dates or text ({values[other]!r} at row {int(self.rows[other])}); write every time the same way"
            )
        bad = int(np.argmax(~(numbers | is_text | is_stamp)))
        raise DataError(f"cannot read time value {values[bad]!r} {self.where(bad)}; give dates or whole-number steps")

    # ---------------------------------------------------------------- numbers

    def numbers(self, values: np.ndarray) -> _Times:
        name = self.name
        fmt = self.time_format
        if fmt == "excel":
            # Excel's serial dates: days (and fractions of a day) since 1899-12-30.
            stamps = np.datetime64("1899-12-30", "ns") + np.round(values * _DAY_NS / 10**6).astype(np.int64) * 10**6
            return _Times(wall=stamps.astype("datetime64[ns]"))
        if fmt is not None and fmt not in UNIX_UNITS and fmt != "step":
            whole = values == np.round(values)
            text = np.where(whole, np.round(values).astype(np.int64).astype(str), values.astype(str))
            return self.with_format(pd.Series(text, dtype=object), fmt)
        fractional = values != np.round(values)
        low, high = _UNIX_RANGE
        scale = next((10**k for k in (0, 3, 6, 9) if ((values >= low * 10**k) & (values <= high * 10**k)).all()), None)
        if fmt in UNIX_UNITS or (fmt is None and scale is not None and len(values) > 1):
            unit = UNIX_UNITS[fmt] if fmt in UNIX_UNITS else {1: "s", 10**3: "ms", 10**6: "us", 10**9: "ns"}[scale]
            stamps = pd.to_datetime(values, unit=unit, utc=True)
            if fmt is None:
                self.notes.append(
                    f"time column {name!r} holds numbers such as {_number(values[0])} that read as Unix times in "
                    f"{_UNIX_NAMES[unit]} ({format_time(stamps[0].tz_localize(None))} UTC); converted them to UTC "
                    f"times; if they are step numbers, pass {option('time_format', 'step')}"
                )
            return _aware(pd.DatetimeIndex(stamps))
        excel = bool(((values >= _EXCEL_RANGE[0]) & (values <= _EXCEL_RANGE[1])).all())
        if fractional.any():
            bad = int(np.argmax(fractional))
            hint = "use whole-number steps or timestamps"
            if excel:
                hint = f"if they are Excel date serials, pass {option('time_format', 'excel')}"
            raise DataError(
                f"time column {name!r} holds numbers, and {_number(values[bad])} at row {int(self.rows[bad])} is not "
                f"a whole step; {hint}"
            )
        steps = values.astype(np.int64)
        if fmt is None:
            dates = _digit_dates(steps)
            if dates is not None:
                wall, pattern = dates
                self.notes.append(
                    f"time column {name!r} holds numbers such as {steps[0]} that read as dates written as digits "
                    f"({pattern}: {format_time(wall[0])}); converted them; if they are step numbers, pass "
                    f"{option('time_format', 'step')}"
                )
                return _Times(wall=wall)
            if excel and fmt is None and len(steps) > 1:
                first = np.datetime64("1899-12-30") + np.timedelta64(int(steps[0]), "D")
                self.notes.append(
                    f"time column {name!r} holds whole numbers such as {steps[0]}, read as steps; they could be Excel "
                    f"date serials ({steps[0]} is {first}); if so, pass {option('time_format', 'excel')}"
                )
        return _Times(steps=steps)

    # ---------------------------------------------------------------- text

    def text(self, text: pd.Series) -> _Times:
        if self.time_format == "step":
            raise DataError(
                f"{option('time_format', 'step')} needs whole numbers, but column {self.name!r} holds text such as "
                f"{text.iloc[0]!r}; leave {option('time_format')} out"
            )
        if self.time_format in UNIX_UNITS or self.time_format == "excel":
            numbers = pd.to_numeric(text, errors="coerce")
            if numbers.isna().any():
                bad = int(np.argmax(numbers.isna().to_numpy()))
                raise DataError(f"cannot read {text.iloc[bad]!r} {self.where(bad)} as a Unix time; give whole numbers")
            return self.numbers(numbers.to_numpy(dtype=np.float64))
        if self.time_format is not None:
            return self.with_format(text, self.time_format)
        # Each distinct time parsed once: in a file of many series the same times repeat
        # (300 days for 30 million rows), and parsing them row by row costs both time and memory.
        codes, distinct = pd.factorize(text)
        distinct = pd.Series(distinct, dtype="str")
        if distinct.str.fullmatch(_ISO_NAIVE.pattern).all():
            wall = pd.to_datetime(distinct, format="ISO8601", errors="coerce")
            if not wall.isna().any():
                return _Times(wall=wall.to_numpy(dtype="datetime64[ns]")[codes])
        fields = _extract(text, _DATE)
        matched = fields["a"].notna().to_numpy()
        if matched.all():
            return self.numeric_dates(text, fields)
        if matched.any():
            bad = int(np.argmax(~matched))
            good = int(np.argmax(matched))
            if _parses_alone(text.iloc[bad]):
                raise DataError(
                    f"time column {self.name!r} mixes formats: {text.iloc[bad]!r} at row {int(self.rows[bad])} is "
                    f"written differently from {text.iloc[good]!r} at row {int(self.rows[good])}; write every time "
                    f"the same way, or pass {option('time_format')}"
                )
            self.cannot_parse(text, bad)
        return self.other_text(text)

    def with_format(self, text: pd.Series, fmt: str) -> _Times:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                parsed = pd.to_datetime(text, format=fmt, errors="coerce")
            except ValueError as error:
                if "%z" not in fmt and "%Z" not in fmt:
                    raise DataError(f"time_format {fmt!r} is not a valid strftime format ({error})") from None
                parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
                offsets = _tail_offsets(text)
                if offsets is None or parsed.isna().any():
                    self.cannot_parse(text, int(np.argmax(parsed.isna().to_numpy())), fmt)
                utc = parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
                return _Times(wall=utc + (offsets * _MINUTE_NS).astype("timedelta64[ns]"), offsets=offsets)
        if parsed.isna().any():
            self.cannot_parse(text, int(np.argmax(parsed.isna().to_numpy())), fmt)
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            return _aware(pd.DatetimeIndex(parsed))
        return _Times(wall=parsed.to_numpy(dtype="datetime64[ns]"))

    def cannot_parse(self, text: pd.Series, bad: int, fmt: str | None = None) -> None:
        if fmt is not None:
            hint = f"check {option('time_format', fmt)}"
        else:
            hint = f"write times as ISO 8601 (2024-01-31 13:00:00) or pass {option('time_format')}"
        if text.iloc[bad].strip().lower() == self.name.strip().lower():
            hint = "the row repeats the header (files joined together?); remove it"
        raise DataError(
            f"cannot parse time value {text.iloc[bad]!r} in column {self.name!r} at row {int(self.rows[bad])}; {hint}"
        )

    def other_text(self, text: pd.Series) -> _Times:
        weeks = _extract(text, _ISO_WEEK.pattern)
        if weeks.notna().all(axis=1).all():
            # ISO weeks (2024-W05) start on Monday.
            monday = pd.to_datetime(weeks["y"] + "-W" + weeks["w"] + "-1", format="%G-W%V-%u", errors="coerce")
            if monday.isna().any():
                self.cannot_parse(text, int(np.argmax(monday.isna().to_numpy())))
            return _Times(wall=monday.to_numpy(dtype="datetime64[ns]"))
        quarters = _extract(text, _QUARTER.pattern, re.IGNORECASE)
        if quarters.notna().any(axis=1).all():
            year = quarters["y1"].fillna(quarters["y2"]).astype(int)
            quarter = quarters["q1"].fillna(quarters["q2"]).astype(int)
            wall = pd.to_datetime(pd.DataFrame({"year": year, "month": 3 * quarter - 2, "day": 1}))
            return _Times(wall=wall.to_numpy(dtype="datetime64[ns]"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                parsed = pd.to_datetime(text, errors="coerce", dayfirst=bool(self.dayfirst))
            except ValueError:
                raise DataError(
                    f"time column {self.name!r} has times with different UTC offsets in a format other than ISO 8601; "
                    "write them as ISO 8601 (2024-01-31 13:00:00+01:00)"
                ) from None
        failed = parsed.isna().to_numpy()
        if failed.any():
            bad = int(np.argmax(failed))
            if failed.all() or not _parses_alone(text.iloc[bad]):
                self.cannot_parse(text, bad)
            good = int(np.argmax(~failed))
            raise DataError(
                f"time column {self.name!r} mixes formats: {text.iloc[bad]!r} at row {int(self.rows[bad])} is written "
                f"differently from {text.iloc[good]!r} at row {int(self.rows[good])}; write every time the same way, "
                f"or pass {option('time_format')}"
            )
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            return _aware(pd.DatetimeIndex(parsed))
        return _Times(wall=parsed.to_numpy(dtype="datetime64[ns]"))

    # ---------------------------------------------------------------- numeric dates

    def numeric_dates(self, text: pd.Series, fields: pd.DataFrame) -> _Times:
        a_len = fields["a"].str.len().to_numpy()
        c_len = fields["c"].str.len().to_numpy()
        a = fields["a"].astype(int).to_numpy()
        b = fields["b"].astype(int).to_numpy()
        c = fields["c"].astype(int).to_numpy()
        year_first = a_len == 4
        year_last = (a_len <= 2) & ((c_len == 4) | (c_len == 2))
        if not (year_first.all() or year_last.all()):
            first = int(np.argmax(year_first))
            other = int(np.argmax(~year_first))
            raise DataError(
                f"time column {self.name!r} mixes formats: {text.iloc[first]!r} at row {int(self.rows[first])} and "
                f"{text.iloc[other]!r} at row {int(self.rows[other])}; write every time the same way, or pass "
                f"{option('time_format')}"
            )
        clock, offsets = self.clock_and_offsets(text, fields)
        if year_first.all():
            wall = self.assemble(text, a, b, c, clock, "year first", option("time_format"))
            return _Times(wall=wall, offsets=offsets)
        year = c.copy()
        if (c_len == 2).any():
            if not (c_len == 2).all():
                bad = int(np.argmax(c_len == 2))
                raise DataError(
                    f"time column {self.name!r} mixes two- and four-digit years ({text.iloc[bad]!r} at row "
                    f"{int(self.rows[bad])}); write every year with four digits"
                )
            year = np.where(c <= 68, 2000 + c, 1900 + c)
            years = np.unique(year)
            if len(years) > 1 and np.diff(years).max() > 20:
                raise DataError(
                    f"time column {self.name!r} has two-digit years that read as both {years[0]} and {years[-1]} "
                    "(00-68 are 2000-2068, 69-99 are 1969-1999) with a long hole between; write four-digit years"
                )
            self.notes.append(
                f"time column {self.name!r} has two-digit years; read them as {years[0]}-{years[-1]} "
                "(00-68 are 2000-2068, 69-99 are 1969-1999)"
            )
        dotted = bool((fields["sep"] == ".").all())
        dayfirst = self.day_order(text, a, b, year, clock, dotted)
        day, month = (a, b) if dayfirst else (b, a)
        hint = option("dayfirst", not dayfirst) if self.dayfirst is not None else option("time_format")
        wall = self.assemble(text, year, month, day, clock, "day first" if dayfirst else "month first", hint)
        return _Times(wall=wall, offsets=offsets)

    def clock_and_offsets(self, text: pd.Series, fields: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
        # Nanoseconds since midnight of each row, and the UTC offset in minutes (or None).
        def number(key: str) -> np.ndarray:
            return pd.to_numeric(fields[key], errors="coerce").fillna(0).to_numpy(dtype=np.int64)

        hour, minute, second = number("H"), number("M"), number("S")
        fraction = fields["f"].fillna("0").str.ljust(9, "0")
        nanos = pd.to_numeric(fraction).to_numpy(dtype=np.int64)
        half = fields["p"].fillna("").str.upper().str.replace(".", "", regex=False).to_numpy(dtype=object)
        has_half = half != ""
        if has_half.any():
            wrong = has_half & ((hour < 1) | (hour > 12))
            if wrong.any():
                bad = int(np.argmax(wrong))
                raise DataError(f"time value {text.iloc[bad]!r} {self.where(bad)} has an hour outside 1-12 with AM/PM")
            hour = np.where(has_half, hour % 12 + np.where(half == "PM", 12, 0), hour)
        end_of_day = (hour == 24) & (minute == 0) & (second == 0) & (nanos == 0)
        invalid = ((hour > 23) & ~end_of_day) | (minute > 59) | (second > 59)
        if invalid.any():
            bad = int(np.argmax(invalid))
            raise DataError(f"time value {text.iloc[bad]!r} {self.where(bad)} has no such time of day")
        if end_of_day.any():
            first = int(np.argmax(end_of_day))
            self.notes.append(
                f"time column {self.name!r} writes midnight as 24:00 of the day before ({text.iloc[first]!r} at row "
                f"{int(self.rows[first])}); read it as 00:00 of the next day"
            )
        clock = (hour * 3600 + minute * 60 + second) * 10**9 + nanos
        zones = fields["z"]
        has_zone = zones.notna().to_numpy()
        if not has_zone.any():
            return clock, None
        if not has_zone.all():
            with_zone, without = int(np.argmax(has_zone)), int(np.argmax(~has_zone))
            raise DataError(
                f"time column {self.name!r} has times with a UTC offset ({text.iloc[with_zone]!r} at row "
                f"{int(self.rows[with_zone])}) and without ({text.iloc[without]!r} at row {int(self.rows[without])}); "
                "write every time the same way"
            )
        return clock, _offset_minutes(zones)

    def assemble(
        self,
        text: pd.Series,
        year: np.ndarray,
        month: np.ndarray,
        day: np.ndarray,
        clock: np.ndarray,
        order: str,
        hint: str,
    ) -> np.ndarray:
        days = _dates(year, month, day)
        invalid = np.isnat(days)
        if invalid.any():
            bad = int(np.argmax(invalid))
            raise DataError(
                f"time value {text.iloc[bad]!r} {self.where(bad)} is not a date (read {order}: year {year[bad]}, "
                f"month {month[bad]}, day {day[bad]}); fix it, or pass {hint}"
            )
        return days + clock.astype("timedelta64[ns]")

    def day_order(
        self, text: pd.Series, first: np.ndarray, second: np.ndarray, year: np.ndarray, clock: np.ndarray, dotted: bool
    ) -> bool:
        name = self.name
        if self.dayfirst is not None:
            return bool(self.dayfirst)
        by_day_invalid = np.isnat(_dates(year, second, first))
        by_month_invalid = np.isnat(_dates(year, first, second))
        neither = by_day_invalid & by_month_invalid
        if neither.any():
            bad = int(np.argmax(neither))
            raise DataError(
                f"time value {text.iloc[bad]!r} {self.where(bad)} is not a date, read day-first or month-first; fix "
                "it in the file"
            )
        can_dayfirst = not by_day_invalid.any()
        can_monthfirst = not by_month_invalid.any()
        example = text.iloc[int(np.argmax(first != second))] if (first != second).any() else text.iloc[0]
        if can_dayfirst and not can_monthfirst:
            if dotted:
                return True
            bad = int(np.argmax(by_month_invalid))
            self.notes.append(
                f"time column {name!r}: read dates day-first ({text.iloc[bad]!r} at row {int(self.rows[bad])} "
                "cannot be month-first)"
            )
            return True
        if can_monthfirst and not can_dayfirst:
            bad = int(np.argmax(by_day_invalid))
            self.notes.append(
                f"time column {name!r}: read dates month-first ({text.iloc[bad]!r} at row {int(self.rows[bad])} "
                "cannot be day-first)"
            )
            return False
        if not can_dayfirst and not can_monthfirst:
            day_bad = int(np.argmax(by_day_invalid))
            month_bad = int(np.argmax(by_month_invalid))
            raise DataError(
                f"time column {name!r} has dates that are only day-first ({text.iloc[month_bad]!r} at row "
                f"{int(self.rows[month_bad])}) and dates that are only month-first ({text.iloc[day_bad]!r} at row "
                f"{int(self.rows[day_bad])}); write every date the same way"
            )
        if (first == second).all():
            return True
        if dotted:
            # 31.01.2024: dots go with day-first dates wherever they are used.
            return True
        # Both orders give valid dates: the one that makes the series regular wins.
        from grucast.data.frequency import irregularity

        by_day = _dates(year, second, first) + clock.astype("timedelta64[ns]")
        by_month = _dates(year, first, second) + clock.astype("timedelta64[ns]")
        score_day = irregularity(by_day, self.labels)
        score_month = irregularity(by_month, self.labels)
        day_reading = _reading(example, True)
        month_reading = _reading(example, False)
        if 10 * score_day < score_month or 10 * score_month < score_day:
            dayfirst = score_day < score_month
            chosen, other = ("day-first", "month-first") if dayfirst else ("month-first", "day-first")
            self.notes.append(
                f"time column {name!r}: dates such as {example!r} can be day-first ({day_reading}) or month-first "
                f"({month_reading}); read them {chosen}, the reading that puts the data on a regular grid "
                f"({min(score_day, score_month)} irregular times against {max(score_day, score_month)} {other}); "
                f"if that is wrong, pass {option('dayfirst', not dayfirst)}"
            )
            return dayfirst
        raise DataError(
            f"time column {name!r}: dates such as {example!r} can be day-first ({day_reading}) or month-first "
            f"({month_reading}), and both readings are equally regular; pass {option('dayfirst', True)} or "
            f"{option('dayfirst', False)}"
        )


def _extract(text: pd.Series, pattern: str, flags: int = 0) -> pd.DataFrame:
    """``str.extract`` of a whole-value pattern, run once per distinct value (positional rows)."""
    codes, uniques = pd.factorize(text)
    found = pd.Series(np.asarray(uniques, dtype=object), dtype=object).str.extract(f"^(?:{pattern})$", flags=flags)
    return found.iloc[codes].reset_index(drop=True)


def _reading(example: str, dayfirst: bool) -> str:
    match = _DATE_RE.fullmatch(example.strip())
    a, b, c = int(match.group("a")), int(match.group("b")), int(match.group("c"))
    if len(match.group("c")) == 2:
        c = 2000 + c if c <= 68 else 1900 + c
    day, month = (a, b) if dayfirst else (b, a)
    return f"{day} {date(2000, month, 1).strftime('%B')} {c}"


def _dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    frame = pd.DataFrame({"year": year, "month": month, "day": day})
    valid = (frame["month"].between(1, 12)) & (frame["day"].between(1, 31)) & frame["year"].between(1678, 2261)
    out = np.full(len(frame), np.datetime64("NaT"), dtype="datetime64[ns]")
    if valid.any():
        parsed = pd.to_datetime(frame[valid], errors="coerce")
        out[valid.to_numpy()] = parsed.to_numpy(dtype="datetime64[ns]")
    return out


def _offset_minutes(zones: pd.Series) -> np.ndarray:
    text = zones.astype(str).str.upper()
    utc = text.isin(["Z", "UTC", "GMT"]).to_numpy()
    digits = text.str.replace(":", "", regex=False)
    sign = np.where(digits.str[0] == "-", -1, 1)
    hours = pd.to_numeric(digits.str[1:3], errors="coerce").fillna(0).to_numpy(dtype=np.int64)
    minutes = pd.to_numeric(digits.str[3:5], errors="coerce").fillna(0).to_numpy(dtype=np.int64)
    return np.where(utc, 0, sign * (hours * 60 + minutes)).astype(np.int64)


def _tail_offsets(text: pd.Series) -> np.ndarray | None:
    tails = _extract(text, r".*?" + _ZONE_TAIL.pattern)[0]
    if tails.isna().any():
        return None
    return _offset_minutes(tails)


def _parses_alone(value: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pd.Timestamp(value)
        except (ValueError, TypeError, OverflowError):
            return False
    return True


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(float(value))


def _digit_dates(steps: np.ndarray) -> tuple[np.ndarray, str] | None:
    if len(steps) < 2 or (steps < 0).any():
        return None
    lengths = np.unique(np.char.str_len(steps.astype(str)))
    if len(lengths) != 1 or int(lengths[0]) not in _DIGIT_DATES:
        return None
    fmt = _DIGIT_DATES[int(lengths[0])]
    parsed = pd.to_datetime(pd.Series(steps.astype(str)), format=fmt, errors="coerce")
    if parsed.isna().any() or not parsed.dt.year.between(1800, 2200).all():
        return None
    label = fmt.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD").replace("%H", "HH").replace(
        "%M", "mm").replace("%S", "ss")
    return parsed.to_numpy(dtype="datetime64[ns]"), label


def _aware(stamps: pd.DatetimeIndex) -> _Times:
    tz = stamps.tz
    key = getattr(tz, "key", None)
    name = str(tz)
    zone = key if key else ("UTC" if name in ("UTC", "utc") else None)
    wall = stamps.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    utc = stamps.tz_convert("UTC").tz_localize(None).to_numpy(dtype="datetime64[ns]")
    offsets = ((wall - utc).astype(np.int64) // _MINUTE_NS).astype(np.int64)
    return _Times(wall=wall, offsets=offsets, zone=zone)


# --------------------------------------------------------------------- zones


def _place(
    parsed: _Times, zone_option: str | None, name: str, rows: np.ndarray, labels: np.ndarray | None, notes: list[str]
) -> ParsedTime:
    wall, offsets, zone = parsed.wall, parsed.offsets, parsed.zone
    if offsets is None and zone_option is None:
        return ParsedTime(wall, None, tuple(notes), True)
    if zone_option is not None:
        if offsets is None:
            wall, offsets = _localize(wall, zone_option, name, rows, labels)
            notes.append(f"time column {name!r}: placed the local times in {zone_option}")
        else:
            utc = wall - (offsets * _MINUTE_NS).astype("timedelta64[ns]")
            stamps = pd.DatetimeIndex(utc).tz_localize("UTC").tz_convert(tzinfo(zone_option))
            converted = _aware(stamps)
            if (converted.offsets != offsets).any():
                notes.append(f"time column {name!r}: converted the times to {zone_option}")
            wall, offsets = converted.wall, converted.offsets
        zone = zone_option
    utc = wall - (offsets * _MINUTE_NS).astype("timedelta64[ns]")
    distinct = np.unique(offsets)
    local_constant = len(np.unique(wall.astype(np.int64) % _DAY_NS)) == 1
    years = pd.DatetimeIndex(wall[[0, -1]]).year.to_numpy()
    changing_zone = zone is not None and _has_daylight_saving(zone, years)
    offset_words = ", ".join(_offset_text(int(m)) for m in distinct[:4])
    if len(distinct) == 1 and (not changing_zone or local_constant):
        kept = zone or ("UTC" if distinct[0] == 0 else _offset_text(int(distinct[0])))
        if not (zone == "UTC" and zone_option is None and parsed.zone == "UTC" and distinct[0] == 0):
            notes.append(
                f"time column {name!r}: every time has the UTC offset {offset_words}; modelled on the local clock as "
                f"written, and kept the zone {kept} for the forecasts"
            )
        return ParsedTime(wall, TimeBasis(kept, "local"), tuple(notes), False)
    if local_constant:
        kept = (
            f"forecasts are given in {zone}" if zone is not None
            else f"forecasts are given as local times without an offset (pass {option('timezone')} to add one)"
        )
        seasonal = ", daylight saving" if len(distinct) == 2 and distinct[1] - distinct[0] <= 60 else ""
        notes.append(
            f"time column {name!r}: the UTC offset changes ({offset_words}{seasonal}) but every time is "
            f"{format_time(wall[0])[11:] or '00:00'} local; modelled on the local dates, {kept}"
        )
        return ParsedTime(wall, TimeBasis(zone, "local"), tuple(notes), False)
    target = zone or "UTC"
    why = f"the UTC offset changes ({offset_words})" if len(distinct) > 1 else f"{zone} has daylight saving"
    notes.append(
        f"time column {name!r}: {why} in sub-daily data; modelled in UTC (a regular grid), forecasts are given in "
        f"{target}"
    )
    return ParsedTime(utc, TimeBasis(zone, "utc"), tuple(notes), False)


def _localize(
    wall: np.ndarray, zone: str, name: str, rows: np.ndarray, labels: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    index = pd.DatetimeIndex(wall)
    info = tzinfo(zone)
    summer = index.tz_localize(info, ambiguous=np.ones(len(index), dtype=bool), nonexistent="NaT")
    skipped = summer.isna()
    if skipped.any():
        bad = int(np.argmax(skipped))
        raise DataError(
            f"time {format_time(wall[bad])} in column {name!r} at row {int(rows[bad])} does not exist in {zone}: the "
            "clocks went forward over it; remove the row, or give the times in UTC"
        )
    winter = index.tz_localize(info, ambiguous=np.zeros(len(index), dtype=bool), nonexistent="NaT")
    repeated = np.asarray(summer != winter, dtype=bool)
    flags = np.ones(len(index), dtype=bool)
    if repeated.any():
        # A repeated local hour is taken in file order: first the summer one.
        keys = pd.DataFrame({"series": labels if labels is not None else "", "wall": wall})
        occurrence = keys.groupby(["series", "wall"]).cumcount().to_numpy()
        flags = np.where(repeated, occurrence == 0, True)
    placed = index.tz_localize(info, ambiguous=flags, nonexistent="raise")
    found = _aware(placed)
    return found.wall, found.offsets
