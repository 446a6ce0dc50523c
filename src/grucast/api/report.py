"""Plots and a Markdown report for a run folder (the only API module that imports matplotlib)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from grucast.api.forecaster import Forecaster
from grucast.api.scoring import REPORT_SERIES, Scores

_TABLE_METRICS = ("mae", "rmse", "smape", "mase", "r2", "mape")


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.4g}"


def metrics_table(metrics: dict[str, Any]) -> str:
    """Model and baselines, one row each, as a Markdown table."""
    rows = [("**" + metrics.get("model_name", "model") + "**", metrics["model"])] + list(metrics["baselines"].items())
    lines = ["| forecast | " + " | ".join(m.upper() if m != "smape" else "sMAPE (0–200)" for m in _TABLE_METRICS) + " |"]
    lines.append("|---|" + "---:|" * len(_TABLE_METRICS))
    for label, values in rows:
        lines.append(f"| {label} | " + " | ".join(_cell(values.get(m)) for m in _TABLE_METRICS) + " |")
    return "\n".join(lines)


def write_plots_and_report(
    out: Path, forecaster: Forecaster, scores: Scores, metrics: dict[str, Any], future: pd.DataFrame | None
) -> list[Path]:
    """Draw the run's figures into ``out/plots`` and write ``out/report.md``; returns the PNG paths.

    Args:
        out: the run folder.
        forecaster: the fitted forecaster.
        scores: its test scores.
        metrics: the content of ``metrics.json``.
        future: the forecasts past the end (``future.csv``), or ``None`` when there are none.
    """
    from grucast import plotting

    plots = out / "plots"
    plots.mkdir(exist_ok=True)
    written = []
    history = forecaster.fit_result_.history if forecaster.fit_result_ else []
    if history:
        written.append(plotting.save_figure(plotting.plot_loss_curves(history), plots / "loss_curves.png"))

    data = forecaster.windows_.data
    w = scores.windows
    horizon = forecaster.settings_.horizon
    level = forecaster.settings_.interval_level
    figures_per_series = []
    for index, series in enumerate(data.series[:REPORT_SERIES]):
        rows = np.flatnonzero(w["series"] == index)
        if len(rows) == 0:
            continue
        # One-step-ahead view of the test period: each window's first step.
        first = rows[np.argsort(w["origin"][rows])]
        times = series.time[w["origin"][first] + 1]
        ax = plotting.plot_test_period(
            times,
            w["actual"][first, 0],
            w["forecast"][first, 0],
            lower=w["lower"][first, 0],
            upper=w["upper"][first, 0],
            baseline=w["seasonal_naive"][first, 0],
            level=level,
            title=f"{series.name}: 1-step-ahead test forecasts",
            ylabel=data.target,
        )
        name = f"test_{index}_{_safe(series.name)}.png"
        written.append(plotting.save_figure(ax, plots / name))
        figures_per_series.append((series.name, name))

    if future is not None:
        first_series = data.series[0]
        tail = min(len(first_series), 4 * horizon)
        ax = plotting.plot_forecast(
            first_series.time[-tail:],
            first_series.target[-tail:],
            future[future.series == first_series.name],
            level=level,
            title=f"{first_series.name}: the next {horizon} steps",
            ylabel=data.target,
        )
        written.append(plotting.save_figure(ax, plots / "future.png"))

    per_step = {"model": [], "naive": [], "seasonal_naive": []}
    for step in range(1, horizon + 1):
        per_step["model"].append(scores.model.per_step[step]["mae"])
        for name in ("naive", "seasonal_naive"):
            per_step[name].append(scores.baselines[name].per_step[step]["mae"])
    per_step[metrics.get("model_name", "model")] = per_step.pop("model")
    written.append(plotting.save_figure(plotting.plot_horizon_errors(per_step, metric="mae"), plots / "horizon_mae.png"))

    coverage = _coverage_per_step(scores, metrics.get("model_name", "model"))
    if coverage:
        ax = plotting.plot_horizon_errors(coverage, metric="coverage")
        ax.axhline(level, color="0.2", linewidth=1.0, linestyle="-.", label=f"nominal {100 * level:g} %")
        ax.set_ylim(0, 1.02)
        ax.set_title(f"{100 * level:g} % interval: share of test values inside, by horizon step")
        ax.legend(loc="lower left", fontsize="small")
        written.append(plotting.save_figure(ax, plots / "interval_coverage.png"))

    reliability = _reliability(scores)
    if reliability:
        levels = list(next(iter(reliability.values())))
        shares = {metrics.get("model_name", "model") if name == "model" else name: list(values.values())
                  for name, values in reliability.items()}
        written.append(plotting.save_figure(plotting.plot_reliability(levels, shares), plots / "reliability.png"))

    (out / "report.md").write_text(
        _report_text(
            forecaster, metrics, figures_per_series, bool(history), future is not None, bool(coverage),
            bool(reliability),
        )
    )
    return written


def _reliability(scores: Scores) -> dict[str, dict[float, float]]:
    """Share of actual values at or below each quantile forecast, for the model and the baselines' quantiles."""
    if "model" not in scores.reliability:
        return {}
    levels = list(scores.reliability["model"])
    return {name: values for name, values in scores.reliability.items() if list(values) == levels}


def _coverage_per_step(scores: Scores, model_name: str) -> dict[str, list[float]]:
    """Share of actual values inside each forecast's band, per horizon step (model and baselines' bands)."""
    if "model" not in scores.coverage_per_step:
        return {}
    return {model_name if name == "model" else name: values for name, values in scores.coverage_per_step.items()}


def interval_table(metrics: dict[str, Any]) -> str:
    """The prediction intervals of the model and the baselines, one row each, as a Markdown table."""
    intervals = metrics.get("intervals") or {}
    level = intervals.get("level")
    rows = [(name, values) for name, values in intervals.items() if name != "level"]
    if not rows or level is None:
        return ""
    model_name = metrics.get("model_name", "model")
    lines = [
        f"| forecast | coverage (nominal {100 * level:g} %) | mean width | interval score |",
        "|---|---:|---:|---:|",
    ]
    for name, values in rows:
        label = f"**{model_name}**" if name == "model" else name
        lines.append(
            f"| {label} | {100 * values['coverage']:.1f} % | {_cell(values['width'])} | "
            f"{_cell(values['interval_score'])} |"
        )
    return "\n".join(lines)


def quantile_table(metrics: dict[str, Any]) -> str:
    """Quantile scores (weighted quantile loss, CRPS from the quantiles, pinball per level) as a Markdown table."""
    quantiles = metrics.get("quantiles") or {}
    if not quantiles:
        return ""
    first = next(iter(quantiles.values()))["overall"]
    pinball = [key for key in first if key.startswith("pinball_")]
    keys = ["wql", "crps", *pinball]
    model_name = metrics.get("model_name", "model")
    lines = ["| forecast | " + " | ".join(k.replace("_", " ") for k in keys) + " |", "|---|" + "---:|" * len(keys)]
    for name, scores in quantiles.items():
        label = f"**{model_name}**" if name == "model" else name
        lines.append(f"| {label} | " + " | ".join(_cell(scores["overall"].get(k)) for k in keys) + " |")
    return "\n".join(lines)


def _interval_sentence(forecaster: Forecaster, metrics: dict[str, Any]) -> str:
    calibration = forecaster.calibration_
    level = f"{100 * calibration.level:g} %"
    caveat = " (too few calibration windows: see the notes)" if calibration.notes else ""
    return (
        f"{level} conformal intervals (calibrated on {calibration.windows} {calibration.source} windows{caveat}) "
        f"covered {100 * metrics['interval_coverage']:.1f} % of the test values."
    )


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)[:40]


def _report_text(
    forecaster: Forecaster,
    metrics: dict[str, Any],
    per_series: list[tuple[str, str]],
    has_history: bool,
    has_future: bool,
    has_coverage: bool = False,
    has_reliability: bool = False,
) -> str:
    s = forecaster.settings_
    data = forecaster.windows_.data
    lines = [
        f"# grucast run: {s.model}, lookback {s.lookback}, horizon {s.horizon}",
        "",
        f"{len(data)} series of `{data.target}` ({', '.join(data.names[:6])}{'…' if len(data) > 6 else ''}); "
        f"the last part of each series is the test period, never seen in training. "
        f"{metrics['windows']} test windows, season {metrics['season']} for the seasonal naive forecast and MASE.",
        "",
        "## Test accuracy",
        "",
        metrics_table(metrics),
        "",
        "sMAPE is on the 0–200 scale. MASE divides by the in-sample seasonal naive error of the "
        "training part: below 1 beats that naive forecast on its own training data.",
        "",
        f"Training: {metrics['train_seconds']:.1f} s, {metrics['epochs_run']} epochs "
        f"(best: {metrics['best_epoch']}), {metrics['optimiser_steps']:,} optimiser steps, "
        f"{metrics['parameters']:,} parameters. " + _interval_sentence(forecaster, metrics),
        "",
    ]
    if metrics.get("notes"):
        lines += ["Notes:", ""] + [f"- {note}" for note in metrics["notes"]] + [""]
    if has_history:
        lines += ["## Training", "", "![loss curves](plots/loss_curves.png)", ""]
    lines += ["## Test period", ""]
    lines += [f"![{name}](plots/{file})" for name, file in per_series]
    lines += ["", "## Error by horizon step", "", "![MAE per step](plots/horizon_mae.png)", ""]
    intervals = interval_table(metrics)
    if intervals:
        lines += [
            "## Prediction intervals", "", intervals, "",
            "The baselines' bands are the quantiles of their own errors on the calibration windows. The interval score "
            "adds the band's width and a penalty of 2/(1 - level) times each miss: lower is better.", "",
        ]
        quantiles = quantile_table(metrics)
        if quantiles:
            lines += [quantiles, "", "wql: pinball losses summed over levels, divided by the sum of |actual|; "
                      "crps: the continuous ranked probability score approximated from the quantiles.", ""]
        if has_coverage:
            lines += ["![coverage per step](plots/interval_coverage.png)", ""]
        if has_reliability:
            lines += ["![quantile reliability](plots/reliability.png)", ""]
    if has_future:
        lines += ["## The next steps", "", "![forecast](plots/future.png)", "", "All forecasts: `future.csv`.", ""]
    lines += ["Test forecasts: `forecasts.csv`.", ""]
    return "\n".join(lines)
