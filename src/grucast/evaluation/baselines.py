r"""Benchmark forecasts that any model must beat: naive and seasonal naive.

Both are computed for a batch of forecast origins of one series at once, by index
arithmetic (no loop over windows), so they can be scored on exactly the test
windows a model is scored on.

Origin convention: an origin :math:`o` is the index of the first value to forecast.
The values :math:`y_0, \dots, y_{o-1}` are observed (so :math:`T = o - 1` is the
last observed index, and there are :math:`o` observed values), and step
:math:`h = 1, \dots, H` forecasts :math:`y_{o-1+h}`. Row ``k`` of the result holds
the ``horizon`` forecasts from ``origins[k]``. This matches a window whose targets
start at ``o``: ``series[o : o + horizon]`` are the actuals of that row. An origin
may equal ``len(series)``: it forecasts the steps after the end.
"""

from __future__ import annotations

import re

import numpy as np
from numpy.typing import ArrayLike

from grucast import checks

__all__ = [
    "BASELINE_NAMES",
    "baseline_forecasts",
    "naive_forecast",
    "season_for_frequency",
    "seasonal_naive_forecast",
]

#: The baselines, in the order reports list them (the keys of ``metrics.json["baselines"]``).
BASELINE_NAMES: tuple[str, ...] = ("naive", "seasonal_naive")


# ---------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------


def _check_series(series: ArrayLike) -> np.ndarray:
    values = np.asarray(series)
    if values.dtype.kind not in "iuf":
        raise TypeError(f"series must hold numbers (int or float), got an array of dtype {values.dtype}")
    if values.ndim != 1:
        raise ValueError(f"series must be 1-D (one series, oldest first), got shape {values.shape}")
    return values.astype(np.float64, copy=False)


def _check_origins(origins: ArrayLike, length: int, history: int, method: str) -> np.ndarray:
    """Origins as int64, each with at least ``history`` observed values and not past the end."""
    points = np.asarray(origins)
    if points.dtype.kind not in "iu":
        raise TypeError(f"origins must be integer indices, got an array of dtype {points.dtype}")
    if points.ndim != 1:
        raise ValueError(f"origins must be 1-D (one index per forecast), got shape {points.shape}")
    points = points.astype(np.int64, copy=False)
    if points.size == 0:
        return points
    early = points < history
    if early.any():
        first = int(points[np.argmax(early)])
        raise ValueError(
            f"origin {first} has {max(first, 0)} observed value(s), but the {method} forecast needs at least "
            f"{history}; use origins >= {history}"
            + (" or a smaller season" if history > 1 else "")
        )
    late = points > length
    if late.any():
        first = int(points[np.argmax(late)])
        raise ValueError(
            f"origin {first} is past the end of the series ({length} values); the last usable origin is "
            f"{length}, which forecasts the steps after the last value"
        )
    return points


def _gather(values: np.ndarray, index: np.ndarray, origins: np.ndarray) -> np.ndarray:
    """``values[index]``, refusing to build a forecast from NaN or inf."""
    forecast = values[index]
    bad = ~np.isfinite(forecast)
    if bad.any():
        row, col = np.unravel_index(int(np.argmax(bad)), bad.shape)
        raise ValueError(
            f"the series has a missing or infinite value at index {int(index[row, col])}, used by the forecast "
            f"from origin {int(origins[row])}; fill missing values before forecasting"
        )
    return forecast


# ---------------------------------------------------------------------------
# Forecasts
# ---------------------------------------------------------------------------


def naive_forecast(series: ArrayLike, origins: ArrayLike, horizon: int) -> np.ndarray:
    r"""The last observed value, repeated over the horizon.

    .. math::
        \hat y_{T+h} = y_T, \qquad h = 1, \dots, H

    where :math:`T = o - 1` is the last observed index for origin :math:`o` (see
    the module docstring for the convention) and :math:`H` the horizon.

    Args:
        series: one series, 1-D, oldest first.
        origins: ``(N,)`` integer origins, each in ``1 .. len(series)``.
        horizon: :math:`H`, the number of steps to forecast.

    Returns:
        ``(N, horizon)`` float64 forecasts; row ``k`` is the forecast from
        ``origins[k]``.

    Raises:
        ValueError: an origin has no observed value or is past the end, the series
            is not 1-D, or a value used is NaN or inf.
        TypeError: the series is not numeric, origins are not integers, or
            ``horizon`` is not an int.
    """
    horizon = checks.positive_int().check("horizon", horizon, "forecast at least one step")
    values = _check_series(series)
    points = _check_origins(origins, len(values), 1, "naive")
    # (N, 1) index of the last observed value, broadcast over the horizon.
    last = np.broadcast_to((points - 1)[:, None], (len(points), horizon))
    return _gather(values, last, points)


def seasonal_naive_forecast(series: ArrayLike, origins: ArrayLike, horizon: int, season: int) -> np.ndarray:
    r"""The value one season earlier: the last observed cycle, repeated over the horizon.

    .. math::
        \hat y_{T+h} = y_{T + h - m \lceil h / m \rceil}, \qquad h = 1, \dots, H

    where :math:`T = o - 1` is the last observed index for origin :math:`o`,
    :math:`m` the season and :math:`H` the horizon. :math:`m \lceil h/m \rceil` is
    the smallest multiple of the season that reaches back into the observed part,
    so a horizon longer than the season repeats the last cycle again. With
    :math:`m = 1` this is the naive forecast.

    Args:
        series: one series, 1-D, oldest first.
        origins: ``(N,)`` integer origins, each in ``season .. len(series)`` (a
            full season of history is needed).
        horizon: :math:`H`, the number of steps to forecast.
        season: :math:`m`, the seasonal period in steps (see
            :func:`season_for_frequency`).

    Returns:
        ``(N, horizon)`` float64 forecasts; row ``k`` is the forecast from
        ``origins[k]``.

    Raises:
        ValueError: an origin has fewer than ``season`` observed values or is past
            the end, the series is not 1-D, or a value used is NaN or inf.
        TypeError: the series is not numeric, origins are not integers, or
            ``horizon`` or ``season`` is not an int.
    """
    horizon = checks.positive_int().check("horizon", horizon, "forecast at least one step")
    season = checks.positive_int().check("season", season, "use 1 for no seasonality")
    values = _check_series(series)
    points = _check_origins(origins, len(values), season, "seasonal naive")
    steps = np.arange(1, horizon + 1)
    # h - m * ceil(h / m), an offset from T in -(m - 1) .. 0: m = 3 gives -2, -1, 0, -2, -1, 0, ...
    offset = steps - season * ((steps + season - 1) // season)
    index = (points - 1)[:, None] + offset[None, :]  # (N, H), each >= o - m >= 0
    return _gather(values, index, points)


def baseline_forecasts(series: ArrayLike, origins: ArrayLike, horizon: int, season: int) -> dict[str, np.ndarray]:
    """Both baselines for the same origins.

    Args:
        series: one series, 1-D, oldest first.
        origins: ``(N,)`` integer origins, each in ``season .. len(series)``.
        horizon: the number of steps to forecast.
        season: the seasonal period in steps.

    Returns:
        ``{"naive": (N, horizon), "seasonal_naive": (N, horizon)}``.

    Raises:
        ValueError, TypeError: as :func:`seasonal_naive_forecast`.
    """
    return {
        "naive": naive_forecast(series, origins, horizon),
        "seasonal_naive": seasonal_naive_forecast(series, origins, horizon, season),
    }


# ---------------------------------------------------------------------------
# Season from a frequency
# ---------------------------------------------------------------------------

_MINUTES_PER_DAY = 24 * 60
# Unit spellings (pandas offset aliases, current and legacy) -> a unit kind.
_UNITS = {
    "min": "minute", "T": "minute",
    "h": "hour", "H": "hour",
    "D": "day", "d": "day",
    "B": "business_day",
    "W": "week",
    "M": "month", "ME": "month", "MS": "month", "BM": "month", "BME": "month", "BMS": "month",
    "Q": "quarter", "QE": "quarter", "QS": "quarter", "BQ": "quarter", "BQE": "quarter", "BQS": "quarter",
    # Frequencies with no conventional season: valid, season 1.
    "s": "other", "S": "other", "ms": "other", "L": "other", "us": "other", "U": "other",
    "ns": "other", "N": "other", "bh": "other", "BH": "other", "C": "other",
    "SM": "semi_month", "SME": "semi_month", "SMS": "semi_month",
    "Y": "other", "YE": "other", "YS": "other", "BY": "other", "BYE": "other", "BYS": "other",
    "A": "other", "AS": "other", "BA": "other", "BAS": "other",
}
# Steps per cycle of the calendar units: business days per week, the others per year.
_PER_CYCLE = {"business_day": 5, "week": 52, "semi_month": 24, "month": 12, "quarter": 4}
_WEEKDAYS = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"}
_MONTHS = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
_ALIAS = re.compile(r"(\d*)([A-Za-z]+)(?:-([A-Za-z]{3}|\d{1,2}))?")


def season_for_frequency(freq: object) -> int:
    r"""The usual seasonal period, in steps, for a sampling frequency.

    ==================================  ============================
    frequency (pandas alias)            season
    ==================================  ============================
    ``min``, ``T`` (minutely)           60 (an hour)
    ``h``, ``H`` (hourly)               24 (a day)
    ``D`` (daily)                       7 (a week)
    ``B`` (business days)               5 (a trading week)
    ``W``, ``W-SUN``, ``7D`` (weekly)   52 (a year)
    ``M``, ``ME``, ``MS``, ``BMS``      12 (a year)
    ``SMS``, ``SME``, ``SMS-15``        24 (a year of half-months)
    ``Q``, ``QE``, ``QS``, ``QS-OCT``   4 (a year)
    ``YS``, ``YE-DEC`` (yearly)         1 (no season within a year)
    seconds, ``step``, ...              1 (no conventional season)
    ==================================  ============================

    Multiples: a step of several minutes or hours that divides a day evenly gets
    the number of steps per day (``15min`` -> 96, ``30min`` -> 48, ``2h`` -> 12; one
    that does not, such as ``7h``, gets 1). A step of exactly one day or one week
    written in other units is treated as such (``24h`` -> 7, ``7D`` -> 52). A
    multiple of weeks, months or quarters that divides the year gets the periods
    per year (``3MS`` -> 4, ``2Q`` -> 2, ``2W-SUN`` -> 26); other multiples get 1.
    Anchors such as ``-SUN``, ``-DEC`` or the day of a semi-month (``SMS-10``) do
    not change the season.

    Args:
        freq: a pandas offset alias, ``"step"`` (an integer index), or a
            :class:`grucast.data.Frequency` (its ``alias`` is used).

    Returns:
        The season :math:`m \ge 1`.

    Raises:
        ValueError: ``freq`` is not an alias this function knows.
        TypeError: ``freq`` is not a string.
    """
    alias = getattr(freq, "alias", freq)  # a grucast.data.Frequency
    if not isinstance(alias, str):
        raise TypeError(f"freq must be a string such as 'h', 'D' or 'B', got {type(freq).__name__} {freq!r}")
    text = alias.strip()
    if text == "step":
        return 1
    match = _ALIAS.fullmatch(text)
    unit = _UNITS.get(match.group(2)) if match else None
    anchor = match.group(3).upper() if match and match.group(3) else None
    days = {str(day) for day in range(2, 29)}
    anchored = {"week": _WEEKDAYS, "quarter": _MONTHS, "other": _MONTHS, "semi_month": days}
    if unit is None or (anchor is not None and anchor not in anchored.get(unit, set())):
        raise ValueError(
            f"unknown frequency {alias!r}; use a pandas offset alias such as 'h' (hourly), 'D' (daily), "
            "'B' (business days), 'W-SUN' (weekly), 'MS' (monthly), 'QS' (quarterly) or '15min', "
            "or pass the season yourself"
        )
    multiple = int(match.group(1)) if match.group(1) else 1
    if multiple < 1:
        raise ValueError(f"frequency {alias!r} has a zero multiple; use a step of at least 1")
    if unit == "other":
        return 1
    if unit in ("minute", "hour", "day"):
        minutes = multiple * {"minute": 1, "hour": 60, "day": _MINUTES_PER_DAY}[unit]
        if minutes == 1:
            return 60
        if minutes == _MINUTES_PER_DAY:
            return 7
        if minutes == 7 * _MINUTES_PER_DAY:
            return 52
        if minutes < _MINUTES_PER_DAY and _MINUTES_PER_DAY % minutes == 0:
            return _MINUTES_PER_DAY // minutes
        return 1
    per_cycle = _PER_CYCLE[unit]
    return per_cycle // multiple if per_cycle % multiple == 0 else 1
