r"""Calendar features computed from timestamps: known covariates for free.

Each feature is a position :math:`v` within a cycle of length :math:`P`:

========================  ==================  ==============================
feature                   raw value           cycle :math:`P`
========================  ==================  ==============================
``hour``                  0..23               24
``day_of_week``           0 (Monday)..6       7
``day_of_month``          1..31               days in that month
``month``                 1..12               12
``day_of_year``           1..366              days in that year (365 or 366)
========================  ==================  ==============================

The cyclical encoding maps each to a point on the unit circle,

.. math::
    \bigl(\sin(2\pi\,u / P),\ \cos(2\pi\,u / P)\bigr), \qquad u = v - v_{\min},

so that the last hour of a day sits next to the first (a raw ``hour`` puts 23 and 0
far apart). The raw encoding keeps :math:`v` itself, as seed 004 does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from pandas.tseries.offsets import Day, Tick

from grucast.data._text import quote_list
from grucast.data.errors import DataError
from grucast.data.frequency import Frequency

CalendarEncoding = Literal["cyclical", "raw"]

#: Every calendar feature this module computes.
CALENDAR_FEATURES: tuple[str, ...] = ("hour", "day_of_week", "day_of_month", "month", "day_of_year")

_DAY_NS = 86_400 * 10**9

# The length of each feature's cycle, for judging whether training data covers it.
CYCLE_DAYS: dict[str, float] = {"hour": 1, "day_of_week": 7, "day_of_month": 31, "month": 365.25, "day_of_year": 365.25}


def covered_features(features: Sequence[str], span_days: float, cycles: float = 2.0) -> tuple[str, ...]:
    """The features whose cycle fits ``cycles`` times into a training span of ``span_days``.

    A model cannot learn what a month means from four months of data: in the test
    period it meets month values it never saw, and forecasts drift. Seeing a cycle at
    least twice lets it tell the season apart from a trend.
    """
    return tuple(f for f in features if span_days >= cycles * CYCLE_DAYS[f])


def default_calendar(frequency: Frequency) -> tuple[str, ...]:
    """The calendar features that vary within a series of this frequency.

    Sub-daily series get hour, day of week, month and day of year (seed 004's
    set); daily and business-day series swap the hour for the day of month;
    weekly series get month and day of year; twice-monthly series the day of month
    and the month; monthly, quarterly and other multi-month series the month (the
    quarter's position shows in it); integer steps and yearly series none.
    """
    if frequency.is_step:
        return ()
    offset = frequency.offset
    if isinstance(offset, (Tick, Day)):
        nanos = pd.Timedelta(offset).value
        if nanos < _DAY_NS:
            return ("hour", "day_of_week", "month", "day_of_year")
        if nanos < 7 * _DAY_NS:
            return ("day_of_week", "day_of_month", "month", "day_of_year")
        if nanos < 28 * _DAY_NS:
            return ("month", "day_of_year")
        return ("month",) if nanos < 366 * _DAY_NS else ()
    if isinstance(offset, pd.offsets.BusinessDay):
        return ("day_of_week", "day_of_month", "month", "day_of_year")
    if isinstance(offset, pd.offsets.Week):
        return ("month", "day_of_year")
    if isinstance(offset, (pd.offsets.SemiMonthBegin, pd.offsets.SemiMonthEnd)):
        return ("day_of_month", "month")
    months = {
        pd.offsets.MonthBegin: 1, pd.offsets.MonthEnd: 1, pd.offsets.BusinessMonthBegin: 1,
        pd.offsets.BusinessMonthEnd: 1, pd.offsets.QuarterBegin: 3, pd.offsets.QuarterEnd: 3,
        pd.offsets.BQuarterBegin: 3, pd.offsets.BQuarterEnd: 3,
    }
    step = next((count for kind, count in months.items() if isinstance(offset, kind)), None)
    if step is not None and step * offset.n < 12:
        return ("month",)
    return ()


def calendar_names(features: Sequence[str], encoding: CalendarEncoding = "cyclical") -> tuple[str, ...]:
    """Column names of :func:`calendar_features`: ``hour_sin, hour_cos, ...`` or ``hour, ...``."""
    _check(features, encoding)
    if encoding == "raw":
        return tuple(features)
    return tuple(f"{feature}_{part}" for feature in features for part in ("sin", "cos"))


def calendar_features(
    time: np.ndarray, features: Sequence[str], encoding: CalendarEncoding = "cyclical"
) -> np.ndarray:
    """Calendar features of each timestamp.

    Args:
        time: ``(T,)`` ``datetime64`` timestamps.
        features: names from :data:`CALENDAR_FEATURES`.
        encoding: ``"cyclical"`` (a sin, cos pair per feature) or ``"raw"``.

    Returns:
        ``(T, F)`` float64, with columns named by :func:`calendar_names`
        (``F = 2 * len(features)`` cyclical, ``len(features)`` raw).

    Raises:
        DataError: an unknown feature or encoding, or integer steps in place of
            timestamps.
    """
    _check(features, encoding)
    if not np.issubdtype(np.asarray(time).dtype, np.datetime64):
        raise DataError(
            "calendar features need timestamps, but the series is indexed by integer steps; pass time_col= "
            "with a datetime column, or calendar=None"
        )
    stamps = pd.DatetimeIndex(time)
    columns = []
    for feature in features:
        value, start, period = _position(stamps, feature)
        if encoding == "raw":
            columns.append(value)
        else:
            angle = 2.0 * np.pi * (value - start) / period
            columns += [np.sin(angle), np.cos(angle)]
    if not columns:
        return np.zeros((len(stamps), 0))
    return np.column_stack(columns).astype(np.float64)


def _position(stamps: pd.DatetimeIndex, feature: str) -> tuple[np.ndarray, int, np.ndarray | float]:
    # (raw value, its smallest value, cycle length)
    if feature == "hour":
        return stamps.hour.to_numpy(np.float64), 0, 24.0
    if feature == "day_of_week":
        return stamps.day_of_week.to_numpy(np.float64), 0, 7.0
    if feature == "day_of_month":
        return stamps.day.to_numpy(np.float64), 1, stamps.days_in_month.to_numpy(np.float64)
    if feature == "month":
        return stamps.month.to_numpy(np.float64), 1, 12.0
    days_in_year = np.where(stamps.is_leap_year, 366.0, 365.0)
    return stamps.day_of_year.to_numpy(np.float64), 1, days_in_year


def _check(features: Sequence[str], encoding: str) -> None:
    if isinstance(features, str):
        raise TypeError(f"calendar features must be a sequence of names, got the string {features!r}")
    unknown = [feature for feature in features if feature not in CALENDAR_FEATURES]
    if unknown:
        raise DataError(
            f"unknown calendar feature {unknown[0]!r}; choose from {quote_list(CALENDAR_FEATURES)}"
        )
    if encoding not in ("cyclical", "raw"):
        raise DataError(f"calendar encoding must be 'cyclical' or 'raw', got {encoding!r}")
