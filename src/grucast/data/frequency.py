"""The spacing of a series: inferred from its timestamps, or given by the user.

A frequency is a pandas offset alias (``"h"``, ``"D"``, ``"B"``, ``"15min"``,
``"MS"``, ...) or ``"step"`` for a plain integer index. Business days are special:
markets close on holidays, so a business-day series may skip up to
:data:`MAX_HOLIDAY_RUN` weekdays in a row without that counting as a gap. Its steps
are then trading days, not calendar days, and the series is regular in those steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from grucast.data._text import format_time
from grucast.data.errors import DataError

#: Longest run of missing weekdays that a business-day series treats as market holidays
#: (Golden Week and the Spring Festival close Chinese exchanges for up to 5 weekdays).
#: Longer runs are gaps, handled by the missing-value policy.
MAX_HOLIDAY_RUN = 5

_DAY_NS = 86_400 * 10**9

_TICK_NAMES = {
    "min": "every minute",
    "h": "hourly",
    "D": "daily",
    "7D": "weekly",
    "s": "every second",
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
        """A human name: ``hourly``, ``daily``, ``business days``, ``every 15min``."""
        if self.is_step:
            return "integer steps" if self.step == 1 else f"integer steps of {self.step}"
        if self.alias == "B":
            return "business days"
        if self.alias == "MS":
            return "monthly (month start)"
        if self.alias == "ME":
            return "monthly (month end)"
        if self.alias.startswith("W-"):
            return "weekly"
        return _TICK_NAMES.get(self.alias, f"every {self.alias}")

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
            "give it more rows or pass freq= (e.g. 'h' or 'D')"
        )
    diffs = np.diff(time.astype(np.int64))
    values, counts = np.unique(diffs, return_counts=True)
    # The most common spacing. On a tie, the largest one whose grid holds every
    # row (fewest gaps), else the smallest.
    tied = values[counts == counts.max()]
    offsets = time.astype(np.int64) - time.astype(np.int64)[0]
    aligned = [int(c) for c in tied if (offsets % c == 0).all()]
    spacing = aligned[-1] if aligned else int(tied[0])
    if not np.issubdtype(time.dtype, np.datetime64):
        return Frequency("step", step=spacing)
    stamps = pd.DatetimeIndex(time)
    if spacing == _DAY_NS and (stamps.day_of_week < 5).all() and (diffs > _DAY_NS).any():
        # Weekdays only, with some spacing over a weekend: trading days.
        return Frequency("B")
    if 28 * _DAY_NS <= spacing <= 31 * _DAY_NS and (stamps == stamps.normalize()).all():
        if (stamps.day == 1).all():
            return Frequency("MS")
        if stamps.is_month_end.all():
            return Frequency("ME")
    if spacing % _DAY_NS == 0:
        days = spacing // _DAY_NS
        return Frequency("D" if days == 1 else f"{days}D")
    return Frequency(to_offset(pd.Timedelta(spacing, unit="ns")).freqstr)


@dataclass(frozen=True)
class GridCheck:
    """How a series' times sit on the grid of its frequency.

    Attributes:
        missing: grid points with no row (gaps), ``datetime64[ns]`` or ``int64``.
        holidays: weekdays a business-day series skips as market holidays.
    """

    missing: np.ndarray
    holidays: np.ndarray


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
    grid = frequency.grid(time[0], time[-1])
    on_grid = np.isin(time, grid)
    if not on_grid.all():
        bad = int(np.argmax(~on_grid))
        start = format_time(time[0])
        raise DataError(
            f"series {series!r}: time {format_time(time[bad])} at row {int(rows[bad])} is off the "
            f"{frequency.description} grid that starts at {start} (irregular spacing); resample the data "
            "to a regular frequency first, or pass freq= with the spacing you want"
        )
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
