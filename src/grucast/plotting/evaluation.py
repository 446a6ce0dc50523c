"""Figures of evaluation results: error by horizon step, and models side by side."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from grucast.plotting._common import FORECAST, MUTED, as_values, display_name, new_axes

__all__ = ["plot_comparison", "plot_horizon_errors"]

# How a metric column reads on an axis; other names are shown with spaces for underscores.
_METRIC_LABELS = {
    "mae": "MAE",
    "rmse": "RMSE",
    "mse": "MSE",
    "mape": "MAPE (%)",
    "smape": "sMAPE (0–200)",
    "mase": "MASE",
    "r2": "R²",
    "train_seconds": "training time (s)",
    "latency_ms": "latency (ms)",
    "parameters": "parameters",
}

# Line styles that set baselines apart from models in plot_horizon_errors.
_BASELINE_STYLES = {
    "naive": {"color": "0.45", "linestyle": ":"},
    "seasonal_naive": {"color": "#e07b00", "linestyle": "--"},
}


def plot_horizon_errors(
    per_step: Mapping[str, Sequence[float | None]],
    *,
    metric: str = "mae",
    unit: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """An error metric against the horizon step, one line per forecast.

    Shows how fast each forecast degrades with lead time. Lines named ``naive``
    and ``seasonal_naive`` are drawn as grey dotted and orange dashed reference
    lines; every other label is a model, drawn solid. The y axis starts at zero
    when every value is non-negative, so the gaps between lines read as ratios.

    Args:
        per_step: ``{label: values}`` with the metric at steps 1..H, the same H
            for every label (e.g. ``{"gru": [...], "naive": [...],
            "seasonal_naive": [...]}``). A None value (undefined metric) is a gap.
        metric: the metric's name; the y-axis label is its upper-case form.
        unit: the metric's unit, appended to the y-axis label (e.g. ``"MW"``).
        ax: the axes to draw on; a new figure when None.

    Returns:
        The axes drawn on.

    Raises:
        TypeError: if ``per_step`` is not a mapping or holds non-numbers.
        ValueError: if it is empty, or its sequences are empty or differ in length.
    """
    where = "plot_horizon_errors"
    if not isinstance(per_step, Mapping):
        raise TypeError(f"{where}: per_step must be a dict {{label: values per step}}, got {type(per_step).__name__}")
    if not per_step:
        raise ValueError(f"{where}: per_step is empty; pass at least one {{label: values per step}}.")
    series = {label: as_values(values, f"per_step[{label!r}]", where) for label, values in per_step.items()}
    lengths = {label: len(values) for label, values in series.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"{where}: every label needs the same number of steps, got {lengths}.")
    horizon = next(iter(lengths.values()))
    if horizon == 0:
        raise ValueError(f"{where}: the sequences in per_step are empty; there is no step to plot.")

    ax = new_axes(ax, (8.0, 4.5), where)
    steps = np.arange(1, horizon + 1)
    marker_size = 4 if horizon <= 48 else 2
    models = 0
    for label, values in series.items():
        style = _BASELINE_STYLES.get(str(label))
        if style is None:
            style = {"color": FORECAST if models == 0 else f"C{models + 1}", "linestyle": "-"}
            models += 1
        ax.plot(steps, values, marker="o", markersize=marker_size, linewidth=1.6, label=display_name(label), **style)

    everything = np.concatenate(list(series.values()))
    if np.nanmin(everything) >= 0:
        ax.set_ylim(bottom=0)
    ax.set_xlim(0.5, horizon + 0.5)
    if horizon <= 24:
        ax.set_xticks(steps)  # every step fits, and step 1 is always labelled
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    name = metric.upper()
    ax.set_xlabel("horizon step (steps ahead)")
    ax.set_ylabel(f"{name} ({unit})" if unit else name)
    ax.set_title(f"{name} by horizon step")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return ax


def _metric_label(metric: str) -> str:
    return _METRIC_LABELS.get(metric, display_name(metric))


def _value_text(value: float) -> str:
    """A bar's value: 4 significant digits, thousands grouped for big numbers."""
    if not np.isfinite(value):
        return "n/a"
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def plot_comparison(
    table: pd.DataFrame,
    *,
    metrics: Sequence[str] = ("mae", "train_seconds"),
    higher_is_better: Collection[str] = ("r2",),
    axes: Sequence[Axes] | None = None,
) -> list[Axes]:
    """Models side by side: one horizontal bar chart per metric, the best bar highlighted.

    Each metric gets its own panel (its own scale), with a bar per row of
    ``table`` in table order, top to bottom, the value written at the end of each
    bar and the best bar in blue with a bold value (the lowest, or the highest for
    metrics in ``higher_is_better``). A missing value (NaN) leaves its bar out and
    prints "n/a".

    Unlike the other functions, this one draws several axes, so it takes and
    returns a list of them.

    Args:
        table: a DataFrame with a ``model`` column and a numeric column per metric
            (e.g. the table of ``compare_models``).
        metrics: the columns to draw, one panel each, left to right.
        higher_is_better: the metrics whose best value is the largest.
        axes: one axes per metric to draw on; a new figure with one row of
            panels when None.

    Returns:
        The axes, one per metric, in the order of ``metrics``.

    Raises:
        TypeError: if ``table`` is not a DataFrame or a metric column is not numeric.
        ValueError: if a column is missing, the table has no rows, ``metrics`` is
            empty, or ``axes`` has the wrong length.
    """
    where = "plot_comparison"
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{where}: table must be a pandas DataFrame, got {type(table).__name__}")
    if isinstance(metrics, str):
        metrics = (metrics,)
    metrics = list(metrics)
    if not metrics:
        raise ValueError(f"{where}: metrics is empty; name at least one column to draw.")
    missing = [name for name in ["model", *metrics] if name not in table.columns]
    if missing:
        raise ValueError(
            f"{where}: table has no column {', '.join(map(repr, missing))} (columns: {list(table.columns)})."
        )
    if len(table) == 0:
        raise ValueError(f"{where}: table has no rows; there is no model to compare.")
    values = {}
    for metric in metrics:
        column = pd.to_numeric(table[metric], errors="coerce")
        if column.isna().any() and not table[metric][column.isna()].isna().all():
            raise TypeError(f"{where}: column {metric!r} must hold numbers, got {table[metric].dtype}")
        values[metric] = column.to_numpy(dtype=np.float64)

    if axes is None:
        height = max(2.4, 1.2 + 0.45 * len(table))
        _, grid = plt.subplots(1, len(metrics), figsize=(3.8 * len(metrics) + 1.2, height), sharey=True, squeeze=False)
        axes = list(grid[0])
    else:
        axes = list(axes)
        if len(axes) != len(metrics):
            raise ValueError(f"{where}: got {len(axes)} axes for {len(metrics)} metrics; pass one axes per metric.")
        for panel in axes:
            if not isinstance(panel, Axes):
                raise TypeError(f"{where}: axes must hold matplotlib Axes, got {type(panel).__name__}")

    names = [display_name(name) for name in table["model"]]
    rows = np.arange(len(names))
    for panel, metric in zip(axes, metrics):
        data = values[metric]
        known = np.isfinite(data)
        colors = [MUTED] * len(names)
        best = None
        if known.any():
            best = int(np.nanargmax(data) if metric in higher_is_better else np.nanargmin(data))
            colors[best] = FORECAST
        bars = panel.barh(rows, np.where(known, data, 0.0), color=colors, height=0.65)
        for number, bar in enumerate(bars):
            if not known[number]:
                bar.set_visible(False)
        texts = panel.bar_label(bars, labels=[_value_text(v) for v in data], padding=3, fontsize="small")
        if best is not None:
            texts[best].set_fontweight("bold")
        panel.set_yticks(rows, names)
        panel.set_ylim(len(names) - 0.5, -0.5)  # first row of the table on top
        # Room at the bar ends for the printed values.
        low = min(0.0, np.nanmin(data)) if known.any() else 0.0
        high = max(0.0, np.nanmax(data)) if known.any() else 1.0
        span = (high - low) or 1.0
        panel.set_xlim(low - (0.25 * span if low < 0 else 0.0), high + 0.25 * span)
        direction = "higher" if metric in higher_is_better else "lower"
        panel.set_title(f"{_metric_label(metric)}\n({direction} is better)", fontsize="medium")
        panel.grid(True, axis="x", alpha=0.3)
        panel.set_axisbelow(True)
        for side in ("top", "right"):
            panel.spines[side].set_visible(False)
    return axes


def plot_reliability(
    nominal: Sequence[float],
    empirical: Mapping[str, Sequence[float]],
    *,
    ax: Axes | None = None,
) -> Axes:
    r"""Reliability of quantile forecasts: the share of actual values at or below each
    quantile forecast against the quantile's level.

    A calibrated quantile :math:`\hat q_\tau` has :math:`P(y \le \hat q_\tau) = \tau`,
    so its point lies on the diagonal; points above it are quantiles set too high.

    Args:
        nominal: the levels :math:`\tau`, increasing, in (0, 1).
        empirical: ``{label: shares}``, one share per level for each forecast (the
            model, the baselines' residual quantiles).
        ax: the axes to draw on; a new figure when None.

    Returns:
        The axes drawn on.

    Raises:
        ValueError: levels outside (0, 1), or shares of another length.
    """
    where = "plot_reliability"
    levels = as_values(nominal, "nominal", where)
    if len(levels) == 0 or (levels <= 0).any() or (levels >= 1).any():
        raise ValueError(f"{where}: nominal levels must lie in (0, 1), got {levels.tolist()}")
    ax = new_axes(ax, (5.5, 5.0), where)
    ax.plot([0, 1], [0, 1], color="0.3", linewidth=1.0, linestyle="-.", label="calibrated")
    models = 0
    for label, shares in empirical.items():
        values = as_values(shares, f"empirical[{label!r}]", where)
        if len(values) != len(levels):
            raise ValueError(f"{where}: empirical[{label!r}] has {len(values)} shares for {len(levels)} levels")
        style = _BASELINE_STYLES.get(str(label))
        if style is None:
            style = {"color": FORECAST if models == 0 else f"C{models + 1}", "linestyle": "-"}
            models += 1
        ax.plot(levels, values, marker="o", markersize=4, linewidth=1.4, label=display_name(label), **style)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("quantile level")
    ax.set_ylabel("share of actual values at or below the quantile")
    ax.set_title("Quantile reliability on the test period")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    return ax
