"""Forecasts drawn against what was observed: the next steps, and a test period."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from grucast import checks

from grucast.plotting._common import (
    BAND_ALPHA,
    BASELINE,
    FORECAST,
    OBSERVED,
    as_times,
    as_values,
    band_label,
    check_level,
    check_pair,
    format_time_axis,
    legend_above_data,
    new_axes,
    same_length,
)

__all__ = ["plot_forecast", "plot_test_period"]


def _check_kinds(where: str, first: tuple[str, np.ndarray], second: tuple[str, np.ndarray]) -> None:
    """Datetimes and numbers cannot share an x axis."""
    (name_a, a), (name_b, b) = first, second
    if (a.dtype.kind == "M") != (b.dtype.kind == "M"):
        kind_a = "datetimes" if a.dtype.kind == "M" else "numbers"
        kind_b = "datetimes" if b.dtype.kind == "M" else "numbers"
        raise TypeError(f"{where}: {name_a} holds {kind_a} but {name_b} holds {kind_b}. Use one kind of time for both.")


def _forecast_columns(forecast: Any, where: str) -> dict[str, np.ndarray | None]:
    """The columns of a forecast frame as arrays (``lower`` and ``upper`` None when absent)."""
    if not isinstance(forecast, pd.DataFrame):
        raise TypeError(f"{where}: forecast must be a pandas DataFrame, got {type(forecast).__name__}")
    missing = [name for name in ("time", "value") if name not in forecast.columns]
    if missing:
        raise ValueError(
            f"{where}: forecast has no column {', '.join(map(repr, missing))} (columns: {list(forecast.columns)}). "
            "It needs 'time' and 'value', and optionally 'lower' and 'upper'."
        )
    if "series" in forecast.columns and forecast["series"].nunique() > 1:
        names = list(forecast["series"].unique()[:3])
        raise ValueError(
            f"{where}: forecast holds {forecast['series'].nunique()} series ({names}...). "
            "Select one first, e.g. forecast[forecast.series == name]."
        )
    if len(forecast) == 0:
        raise ValueError(f"{where}: forecast has no rows.")
    has_lower, has_upper = "lower" in forecast.columns, "upper" in forecast.columns
    if has_lower != has_upper:
        raise ValueError(
            f"{where}: forecast has a '{'lower' if has_lower else 'upper'}' column without its partner. "
            "Give both 'lower' and 'upper', or neither."
        )
    return {
        "time": as_times(forecast["time"], "forecast['time']", where),
        "value": as_values(forecast["value"].to_numpy(), "forecast['value']", where),
        "lower": as_values(forecast["lower"].to_numpy(), "forecast['lower']", where) if has_lower else None,
        "upper": as_values(forecast["upper"].to_numpy(), "forecast['upper']", where) if has_upper else None,
    }


def plot_forecast(
    history_time: Any,
    history_value: Any,
    forecast: pd.DataFrame,
    *,
    actual_time: Any = None,
    actual_value: Any = None,
    level: float | None = None,
    title: str | None = None,
    ylabel: str | None = None,
    history_points: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """The end of the observed series, the forecast after it, and its interval.

    Draws the last ``history_points`` observations as a dark line, a dotted
    vertical line at the last observation (the forecast origin), the forecast as a
    blue line with its ``lower``–``upper`` interval shaded, and, when given, the
    values that actually came over the forecast period. The legend sits in a strip
    above the data.

    Args:
        history_time: times of the observed series, datetimes or integer steps.
        history_value: its values, same length.
        forecast: a DataFrame with columns ``time`` and ``value`` and optionally
            ``lower`` and ``upper`` (as returned by ``Forecaster.predict`` for one
            series). Its times must be of the same kind as ``history_time``.
        actual_time: times of the actual values over the forecast period.
        actual_value: those values; give both or neither.
        level: coverage of the interval (0.9 for 90 %), shown in the legend.
        title: the title; "Forecast of the next N steps" when None.
        ylabel: the y-axis label, with its unit (e.g. ``"load (MW)"``).
        history_points: how many of the last observations to show; four times
            the forecast length when None.
        ax: the axes to draw on; a new figure when None.

    Returns:
        The axes drawn on.

    Raises:
        TypeError: for non-numeric values, a frame that is not a DataFrame, or
            datetimes mixed with integer steps.
        ValueError: for missing columns, several series in ``forecast``, arrays
            of different lengths, a lone interval bound or ``level`` outside (0, 1).
    """
    where = "plot_forecast"
    check_level(where, level)
    if (actual_time is None) != (actual_value is None):
        raise ValueError(f"{where}: pass both actual_time and actual_value, or neither.")
    times = as_times(history_time, "history_time", where)
    values = as_values(history_value, "history_value", where)
    same_length(where, ("history_time", times), ("history_value", values))
    columns = _forecast_columns(forecast, where)
    _check_kinds(where, ("history_time", times), ("forecast['time']", columns["time"]))
    actual_times = actual_values = None
    if actual_time is not None:
        actual_times = as_times(actual_time, "actual_time", where)
        actual_values = as_values(actual_value, "actual_value", where)
        same_length(where, ("actual_time", actual_times), ("actual_value", actual_values))
        _check_kinds(where, ("history_time", times), ("actual_time", actual_times))
    if history_points is None:
        history_points = 4 * len(columns["value"])
    checks.positive_int().check(f"{where}: history_points", history_points)

    ax = new_axes(ax, (10.0, 4.5), where)
    times, values = times[-history_points:], values[-history_points:]
    if len(times):
        ax.plot(times, values, color=OBSERVED, linewidth=1.4, label="history")
        ax.axvline(times[-1], color="0.55", linestyle=":", linewidth=1.0)
    # Drawn in legend order; zorder keeps the actual values above the forecast.
    ax.plot(columns["time"], columns["value"], color=FORECAST, linewidth=1.8, label="forecast", zorder=2)
    if columns["lower"] is not None:
        ax.fill_between(
            columns["time"], columns["lower"], columns["upper"],
            color=FORECAST, alpha=BAND_ALPHA, linewidth=0, label=band_label(level), zorder=1,
        )
    _fan(ax, columns["time"], forecast)
    if actual_times is not None:
        ax.plot(actual_times, actual_values, color=OBSERVED, linewidth=1.3, linestyle="--", label="actual", zorder=3)

    format_time_axis(ax, columns["time"])
    if ylabel:
        ax.set_ylabel(ylabel)
    steps = len(columns["value"])
    ax.set_title(title or f"Forecast of the next {steps} step{'s' if steps != 1 else ''}")
    ax.grid(True, alpha=0.3)
    legend_above_data(ax)
    return ax


def plot_test_period(
    times: Any,
    actual: Any,
    forecast: Any,
    *,
    lower: Any = None,
    upper: Any = None,
    level: float | None = None,
    baseline: Any = None,
    baseline_label: str = "seasonal naive",
    title: str | None = None,
    ylabel: str | None = None,
    max_points: int = 24 * 14,
    ax: Axes | None = None,
) -> Axes:
    """Actual values against the model's forecasts over a test period.

    Draws the actual values (dark), the forecasts (blue) with their interval
    shaded when ``lower`` and ``upper`` are given, and a baseline forecast (dashed
    orange) when given. A long test period would be an unreadable smear, so only
    the last ``max_points`` values are drawn and the title says so.

    Args:
        times: the time of each value, datetimes or integer steps (1-D).
        actual: the observed values, same length.
        forecast: the model's forecasts, same length.
        lower: lower interval bound, same length; give with ``upper``.
        upper: upper interval bound, same length; give with ``lower``.
        level: coverage of the interval (0.9 for 90 %), shown in the legend.
        baseline: a reference forecast (e.g. the seasonal naive one), same length.
        baseline_label: its name in the legend.
        title: the title; "Test period" when None. A note of the points shown
            is appended when the period is cut.
        ylabel: the y-axis label, with its unit (e.g. ``"load (MW)"``).
        max_points: the most values drawn (the last ones); default two weeks of
            hourly data.
        ax: the axes to draw on; a new figure when None.

    Returns:
        The axes drawn on.

    Raises:
        TypeError: for non-numeric values or times that are neither datetimes
            nor numbers.
        ValueError: for arrays of different lengths, a lone interval bound,
            ``level`` outside (0, 1) or ``max_points`` below 1.
    """
    where = "plot_test_period"
    check_level(where, level)
    check_pair(where, lower, upper)
    checks.positive_int().check(f"{where}: max_points", max_points)
    x = as_times(times, "times", where)
    if len(x) == 0:
        raise ValueError(f"{where}: times is empty; there is nothing to plot.")
    arrays = {"actual": as_values(actual, "actual", where), "forecast": as_values(forecast, "forecast", where)}
    for name, given in (("lower", lower), ("upper", upper), ("baseline", baseline)):
        if given is not None:
            arrays[name] = as_values(given, name, where)
    same_length(where, ("times", x), *arrays.items())

    total = len(x)
    shown = min(total, max_points)
    x = x[-shown:]
    arrays = {name: array[-shown:] for name, array in arrays.items()}

    ax = new_axes(ax, (11.0, 4.5), where)
    # The actual values are drawn last (thin, on top) so they stay visible where the
    # forecast is close; the wider blue line shows around them where it is not.
    ax.plot(x, arrays["forecast"], color=FORECAST, linewidth=1.7, label="forecast", zorder=2)
    if "lower" in arrays:
        ax.fill_between(
            x, arrays["lower"], arrays["upper"],
            color=FORECAST, alpha=BAND_ALPHA, linewidth=0, label=band_label(level), zorder=1,
        )
    if "baseline" in arrays:
        ax.plot(x, arrays["baseline"], color=BASELINE, linewidth=1.1, linestyle="--", label=baseline_label, zorder=2.5)
    ax.plot(x, arrays["actual"], color=OBSERVED, linewidth=1.0, label="actual", zorder=3)

    format_time_axis(ax, x)
    if ylabel:
        ax.set_ylabel(ylabel)
    heading = title or "Test period"
    if shown < total:
        heading += f" (last {shown} of {total} points)"
    ax.set_title(heading)
    ax.grid(True, alpha=0.3)
    legend_above_data(ax)
    return ax


def quantile_columns(frame: pd.DataFrame) -> dict[float, str]:
    """``{level: column}`` of a forecast frame's quantile columns (``q0.1``, ``q0.5``...), by level."""
    found = {}
    for column in frame.columns:
        if isinstance(column, str) and column.startswith("q"):
            try:
                level = float(column[1:])
            except ValueError:
                continue
            if 0 < level < 1:
                found[level] = column
    return dict(sorted(found.items()))


def _fan(ax: Axes, times: Any, forecast: pd.DataFrame) -> None:
    """Nested bands between each central pair of quantile columns, darker toward the median."""
    columns = quantile_columns(forecast)
    levels = list(columns)
    pairs = [(low, high) for low in levels for high in levels if low < 0.5 and abs(low + high - 1) < 1e-9]
    for rank, (low, high) in enumerate(sorted(pairs)):
        ax.fill_between(
            times, forecast[columns[low]].to_numpy(float), forecast[columns[high]].to_numpy(float),
            color=FORECAST, alpha=min(0.12 + 0.1 * rank, 0.5), linewidth=0, zorder=1,
            label=f"{100 * (high - low):g} % quantile band",
        )
