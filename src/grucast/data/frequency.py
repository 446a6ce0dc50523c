"""The spacing of a series: inferred from its timestamps, or given by the user.

A frequency is a pandas offset alias (``"h"``, ``"D"``, ``"B"``, ``"15min"``,
``"MS"``, ``"QS-JAN"``, ``"W-SUN"``, ...) or ``"step"`` for a plain integer index.

Inference reads calendar frequencies from timestamps at midnight: weekly on one
weekday (``W-MON`` .. ``W-SUN``), twice a month (``SMS``: 1st and 15th; ``SME``: 15th
and month end), monthly, quarterly and yearly at the start or end of the period
(``MS``/``ME``, ``QS-JAN``/``QE-DEC`` and the other anchors, ``YS-JAN``/``YE-DEC``,
multiples such as ``2MS``), and on the first or last business day of the month
(``BMS``/``BME``). Everything else is a fixed spacing (``15min``, ``2h``, ``3D``).

Business days are special: markets close on holidays, so a business-day series may
skip up to :data:`MAX_HOLIDAY_RUN` weekdays in a row without that counting as a gap.
Its steps are then trading days, not calendar days, and the series is regular in
those steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Day, Tick

from grucast.data._text import format_time
from grucast.data.errors import DataError
from grucast.data.times import local_clock_zones
from grucast.errors import option

#: Longest run of missing weekdays that a business-day series treats as market holidays
#: (Golden Week and the Spring Festival close Chinese exchanges for up to 5 weekdays).
#: Longer runs are gaps, handled by the missing-value policy.
MAX_HOLIDAY_RUN = 5

_DAY_NS = 86_400 * 10**9

_WEEKDAY_NAMES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAY_WORDS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
_MONTH_WORDS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Fixed spacings: offset class name -> (singular description, unit for multiples).
_TICK_WORDS = {
    "Nano": ("every nanosecond", "nanoseconds"),
    "Micro": ("every microsecond", "microseconds"),
    "Milli": ("every millisecond", "milliseconds"),
    "Second": ("every second", "seconds"),
    "Minute": ("every minute", "minutes"),
    "Hour": ("hourly", "hours"),
    "Day": ("daily", "days"),
}


@dataclass(frozen=True)
class Frequency:
    """The step between consecutive rows of a series.

    Args:
        alias: a pandas offset alias such as ``"h"``, ``"D"``, ``"B"``, ``"15min"``,
            ``"MS"``, or ``"step"`` for an integer step index.
        step: the spacing of an integer step index (only with ``alias="step"``).
    """

    alias: str
    step: int = 1

    @classmethod
    def parse(cls, freq: str | Frequency) -> Frequency:
        """A :class:`Frequency` from a user's alias.

        Args:
            freq: a pandas alias (``"h"``, ``"D"``, ``"B"``, ``"15min"``, ``"MS"``),
                ``"step"``, or a :class:`Frequency`.

        Raises:
            DataError: the alias is not one pandas knows.
        """
        if isinstance(freq, Frequency):
            return freq
        if not isinstance(freq, str):
            raise TypeError(f"freq must be a string such as 'h', 'D' or 'B', got {type(freq).__name__} {freq!r}")
        if freq == "step":
            return cls("step")
        try:
            offset = to_offset(freq)
        except ValueError:
            raise DataError(
                f"unknown frequency {freq!r}; use a pandas offset alias such as 'h' (hourly), 'D' (daily), "
                "'B' (business days), '15min' or 'MS' (month start)"
            ) from None
        return cls(offset.freqstr)

    @property
    def is_step(self) -> bool:
        """True for an integer step index, which has no calendar."""
        return self.alias == "step"

    @property
    def is_business_days(self) -> bool:
        """True for business days, whose series may skip market holidays."""
        return self.alias == "B"

    @property
    def offset(self) -> pd.DateOffset:
        """The pandas offset of a calendar frequency."""
        if self.is_step:
            raise ValueError("an integer step index has no calendar offset")
        return to_offset(self.alias)

    @property
    def description(self) -> str:
        """A human name: ``hourly``, ``every 15 minutes``, ``quarterly (quarter start: Jan, Apr, Jul, Oct)``."""
        if self.is_step:
            return "integer steps" if self.step == 1 else f"integer steps of {self.step}"
        offset = self.offset
        n = offset.n
        kind = type(offset).__name__
        if kind in _TICK_WORDS:
            one, unit = _TICK_WORDS[kind]
            if kind == "Day" and n == 7:
                return "weekly"
            return one if n == 1 else f"every {n} {unit}"
        if kind == "BusinessDay":
            return "business days" if n == 1 else f"every {n} business days"
        if kind == "Week":
            on = f"({_WEEKDAY_WORDS[offset.weekday]})" if offset.weekday is not None else "(7 days)"
            return f"weekly {on}" if n == 1 else f"every {n} weeks {on}"
        words = {
            "MonthBegin": ("monthly", "months", "month start"),
            "MonthEnd": ("monthly", "months", "month end"),
            "BusinessMonthBegin": ("monthly", "months", "first business day"),
            "BusinessMonthEnd": ("monthly", "months", "last business day"),
        }
        if kind.startswith("SemiMonth"):
            day = offset.day_of_month
            detail = f"1st and {day}th" if kind == "SemiMonthBegin" else f"{day}th and month end"
            return f"twice a month ({detail})" if n == 1 else f"every {n} half-months ({detail})"
        if kind in words:
            one, unit, detail = words[kind]
            return f"{one} ({detail})" if n == 1 else f"every {n} {unit} ({detail})"
        if kind in ("QuarterBegin", "QuarterEnd", "BQuarterBegin", "BQuarterEnd"):
            month = offset.startingMonth
            months = ", ".join(_MONTH_WORDS[(month - 1 + 3 * k) % 12] for k in range(4))
            edge = "start" if kind.endswith("Begin") else "end"
            business = "business " if kind.startswith("B") else ""
            detail = f"quarter {business}{edge}: {months}"
            return f"quarterly ({detail})" if n == 1 else f"every {n} quarters ({detail})"
        if kind in ("YearBegin", "YearEnd", "BYearBegin", "BYearEnd"):
            edge = "start" if kind.endswith("Begin") else "end"
            detail = f"{edge} of {_MONTH_WORDS[offset.month - 1]}"
            return f"yearly ({detail})" if n == 1 else f"every {n} years ({detail})"
        return f"every {self.alias}"

    def grid(self, start: object, end: object) -> np.ndarray:
        """Every point of this frequency from ``start`` to ``end``, both included.

        Returns:
            ``datetime64[ns]`` timestamps, or ``int64`` steps for a step index.
        """
        if self.is_step:
            return np.arange(int(start), int(end) + 1, self.step, dtype=np.int64)
        return pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq=self.offset).to_numpy("datetime64[ns]")

    def future(self, last: object, count: int) -> np.ndarray:
        """The ``count`` points that follow ``last`` (forecast times).

        Business-day futures skip weekends only: future holidays are not known.
        """
        if self.is_step:
            return int(last) + self.step * np.arange(1, count + 1, dtype=np.int64)
        stamps = pd.date_range(pd.Timestamp(last), periods=count + 1, freq=self.offset)
        return stamps[1:].to_numpy("datetime64[ns]")


def infer_frequency(time: np.ndarray, series: str) -> Frequency:
    """Infer the frequency of one series from its sorted, unique times.

    The most common spacing decides, so gaps and a few holidays do not mislead it.
    Daily spacing over weekdays only is read as business days; spacing of 28 to 31
    days on month starts (or month ends) as monthly.

    Args:
        time: sorted unique ``datetime64[ns]`` timestamps or ``int64`` steps.
        series: the series name, for messages.

    Raises:
        DataError: fewer than two rows, so there is no spacing to read.
    """
    if len(time) < 2:
        raise DataError(
            f"series {series!r} has {len(time)} row(s), too few to infer its frequency; "
            f"give it more rows or pass {option('freq')} (e.g. 'h' or 'D')"
        )
    if np.issubdtype(time.dtype, np.datetime64):
        time = time.astype("datetime64[ns]", copy=False)  # the arithmetic below counts nanoseconds
    ints = time.astype(np.int64)
    diffs = np.diff(ints)
    values, counts = np.unique(diffs, return_counts=True)
    # The most common spacing. On a tie, the largest one whose grid holds every
    # row (fewest gaps), else the smallest.
    tied = values[counts == counts.max()]
    offsets = ints - ints[0]
    aligned = [int(c) for c in tied if (offsets % c == 0).all()]
    spacing = aligned[-1] if aligned else int(tied[0])
    if not np.issubdtype(time.dtype, np.datetime64):
        return Frequency("step", step=spacing)
    # Integer arithmetic on the nanoseconds (a DatetimeIndex per series costs more than the rest).
    if spacing >= 7 * _DAY_NS and (ints % _DAY_NS == 0).all():  # every time at midnight
        calendar = _calendar_frequency(pd.DatetimeIndex(time), spacing, series)
        if calendar is not None:
            return calendar
    if spacing == _DAY_NS and (diffs > _DAY_NS).any():
        # 1970-01-01 was a Thursday: day_of_week = (days since then + 3) mod 7, Monday = 0.
        weekday = (ints // _DAY_NS + 3) % 7
        if (weekday < 5).all():
            # Weekdays only, with some spacing over a weekend: trading days.
            return Frequency("B")
    if spacing % _DAY_NS == 0:
        days = spacing // _DAY_NS
        return Frequency("D" if days == 1 else f"{days}D")
    return Frequency(to_offset(pd.Timedelta(spacing, unit="ns")).freqstr)


def _calendar_frequency(stamps: pd.DatetimeIndex, spacing: int, series: str) -> Frequency | None:
    """A weekly, semi-monthly, monthly, quarterly or yearly frequency, if the dates follow one."""
    days = spacing / _DAY_NS
    weekdays = np.unique(stamps.day_of_week)
    if days % 7 == 0 and len(weekdays) == 1 and days <= 28:
        weeks = int(days // 7)
        name = _WEEKDAY_NAMES[int(weekdays[0])]
        return Frequency.parse(f"W-{name}" if weeks == 1 else f"{weeks}W-{name}")
    day = stamps.day.to_numpy()
    month_end = stamps.is_month_end
    if 12 <= days <= 17:
        if set(np.unique(day)) <= {1, 15}:
            return Frequency.parse("SMS")
        if ((day == 15) | month_end).all():
            return Frequency.parse("SME")
        return None
    if days < 27:
        return None
    months = stamps.year.to_numpy() * 12 + stamps.month.to_numpy() - 1
    steps = np.diff(months)
    if (steps <= 0).any():
        return None
    k = int(np.gcd.reduce(steps))
    dates = stamps.to_numpy().astype("datetime64[D]")
    first_of_month = stamps.to_period("M").to_timestamp().to_numpy().astype("datetime64[D]")
    last_of_month = (stamps.to_period("M").to_timestamp(how="end")).normalize().to_numpy().astype("datetime64[D]")
    if (day == 1).all():
        kind = "start"
    elif month_end.all():
        kind = "end"
    elif (dates == np.busday_offset(first_of_month, 0, roll="forward")).all():
        kind = "business start"
    elif (dates == np.busday_offset(last_of_month, 0, roll="backward")).all():
        kind = "business end"
    else:
        unique_days = np.unique(day)
        if len(unique_days) == 1:
            raise DataError(
                f"series {series!r}: every time falls on day {int(unique_days[0])} of its month, which no monthly "
                "frequency has (month start 'MS' is day 1, month end 'ME' the last day); move the dates to the first "
                "(or last) day of their month"
            )
        return None
    month = int(stamps.month[0])
    if k == 3:
        anchor = (month - 1) % 3 + (1 if "start" in kind else 10)
        stem = {"start": "QS", "end": "QE", "business start": "BQS", "business end": "BQE"}[kind]
        return Frequency.parse(f"{stem}-{_MONTH_NAMES[anchor - 1]}")
    if k == 12:
        stem = {"start": "YS", "end": "YE", "business start": "BYS", "business end": "BYE"}[kind]
        return Frequency.parse(f"{stem}-{_MONTH_NAMES[month - 1]}")
    stem = {"start": "MS", "end": "ME", "business start": "BMS", "business end": "BME"}[kind]
    return Frequency.parse(stem if k == 1 else f"{k}{stem}")


def irregularity(time: np.ndarray, labels: np.ndarray | None = None) -> int:
    """How far times are from regular grids: a count of faults, summed over series.

    Each series (rows sharing a label) counts its repeated times, its steps against
    the direction of the file (the smaller of forward and backward steps), and, on
    the grid of its inferred frequency, the times off it and the grid points
    missing. Zero means every series is regular. Used to tell ``01/02/2024``
    day-first from month-first.

    Args:
        time: ``datetime64[ns]`` times in file order.
        labels: the series of each row, or ``None`` for one series.
    """
    if labels is None:
        groups = [np.arange(len(time))]
    else:
        groups = list(pd.Series(np.arange(len(time))).groupby(np.asarray(labels), sort=False).indices.values())
    total = 0
    for index in groups:
        own = time[index]
        steps = np.diff(own.astype(np.int64))
        total += int(min((steps < 0).sum(), (steps > 0).sum()))
        unique = np.unique(own)
        total += len(own) - len(unique)
        if len(unique) < 3:
            continue
        try:
            frequency = infer_frequency(unique, "")
        except DataError:
            total += len(unique)
            continue
        total += _grid_faults(unique, frequency)
    return total


def _grid_faults(time: np.ndarray, frequency: Frequency) -> int:
    offset = frequency.offset
    if isinstance(offset, (Tick, Day)):
        spacing = pd.Timedelta(offset).value
        since = time.astype(np.int64) - time.astype(np.int64)[0]
        off = int((since % spacing != 0).sum())
        expected = int(since[-1] // spacing) + 1
        return off + max(expected - (len(time) - off), 0)
    grid = frequency.grid(time[0], time[-1])
    on = np.isin(time, grid)
    return int((~on).sum()) + len(grid) - int(on.sum())


@dataclass(frozen=True)
class GridCheck:
    """How a series' times sit on the grid of its frequency.

    Attributes:
        missing: grid points with no row (gaps), ``datetime64[ns]`` or ``int64``.
        holidays: weekdays a business-day series skips as market holidays.
    """

    missing: np.ndarray
    holidays: np.ndarray


def _refuse_shifted_clock(time: np.ndarray, bad: int, frequency: Frequency, series: str, rows: np.ndarray) -> None:
    # Daily (or coarser) times that move by one hour: local midnight written in UTC,
    # across a daylight-saving change.
    offset = frequency.offset
    if isinstance(offset, (Tick, Day)) and pd.Timedelta(offset).value < _DAY_NS:
        return
    hour = 3_600 * 10**9
    shift = int((time[bad].astype(np.int64) - time[0].astype(np.int64)) % _DAY_NS)
    if shift not in (hour, _DAY_NS - hour):
        return
    zones = local_clock_zones(time[: bad + 1])
    if not zones:
        return
    raise DataError(
        f"series {series!r}: time {format_time(time[bad])} at row {int(rows[bad])} is one hour off the "
        f"{frequency.description} grid that starts at {format_time(time[0])}, as local times written in UTC are "
        f"across a daylight-saving change (the local clock is the same every day in {zones[0]}); pass the zone, "
        f"e.g. {option('timezone', zones[0])}, to model local dates"
    )


def _refuse_off_grid(
    time: np.ndarray, on_grid: np.ndarray, frequency: Frequency, series: str, rows: np.ndarray
) -> None:
    if on_grid.all():
        return
    bad = int(np.argmax(~on_grid))
    start = format_time(time[0])
    _refuse_shifted_clock(time, bad, frequency, series, rows)
    raise DataError(
        f"series {series!r}: time {format_time(time[bad])} at row {int(rows[bad])} is off the "
        f"{frequency.description} grid that starts at {start} (irregular spacing); resample the data "
        f"to a regular frequency first, or pass {option('freq')} with the spacing you want"
    )


def check_grid(time: np.ndarray, frequency: Frequency, series: str, rows: np.ndarray) -> GridCheck:
    """Check that every time of a series lies on the grid of its frequency.

    Args:
        time: sorted unique times of the series.
        frequency: its frequency.
        series: the series name, for messages.
        rows: the 1-based file row of each time, for messages.

    Returns:
        The gaps, and for business days the skipped holidays.

    Raises:
        DataError: a time lies off the grid (irregular spacing).
    """
    if not frequency.is_step and isinstance(frequency.offset, (Tick, Day)):
        # A fixed spacing: the grid is arithmetic, no need to build it.
        spacing = pd.Timedelta(frequency.offset).value
        nanoseconds = time.astype("datetime64[ns]").astype(np.int64)  # whatever unit the times came in
        since = nanoseconds - nanoseconds[0]
        _refuse_off_grid(time, since % spacing == 0, frequency, series, rows)
        present = np.zeros(int(since[-1] // spacing) + 1, dtype=bool)
        present[since // spacing] = True
        gaps = np.flatnonzero(~present).astype(np.int64) * np.timedelta64(spacing, "ns")
        absent = (time[0] + gaps).astype(time.dtype)
        return GridCheck(missing=absent, holidays=absent[:0])
    grid = frequency.grid(time[0], time[-1])
    _refuse_off_grid(time, np.isin(time, grid), frequency, series, rows)
    absent = grid[~np.isin(grid, time)]
    empty = absent[:0]
    if not frequency.is_business_days or len(absent) == 0:
        return GridCheck(missing=absent, holidays=empty)
    # Group missing weekdays into runs of consecutive business days.
    position = np.searchsorted(grid, absent)
    run_id = np.concatenate([[0], np.cumsum(np.diff(position) > 1)])
    run_length = np.bincount(run_id)[run_id]
    holiday = run_length <= MAX_HOLIDAY_RUN
    return GridCheck(missing=absent[~holiday], holidays=absent[holiday])
