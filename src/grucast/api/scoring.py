"""Score a forecaster on a split, beside the naive baselines, on the very same windows."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grucast.data.frame import SeriesSet
from grucast.data.pipeline import WindowedData
from grucast.evaluation import ForecastMetrics, evaluate_many, naive_forecast, seasonal_naive_forecast
from grucast.evaluation.probabilistic import evaluate_quantiles, interval_scores
from grucast.grouping import group_rows


@dataclass
class Scores:
    """A model's and its baselines' accuracy on one split.

    Attributes:
        model: the model's metrics (overall, per series, per step).
        baselines: ``{"naive": ..., "seasonal_naive": ...}`` on the same windows.
        season: the seasonal period of the seasonal naive forecast and of MASE.
        windows: the arrays behind the numbers: ``actual``, ``forecast``, ``lower``,
            ``upper``, ``naive``, ``seasonal_naive`` ``(W, H)``; ``series`` and
            ``origin`` ``(W,)``.
    """

    model: ForecastMetrics
    baselines: dict[str, ForecastMetrics]
    season: int
    windows: dict[str, np.ndarray] = field(repr=False, default_factory=dict)
    level: float | None = None
    intervals: dict[str, dict[str, float]] = field(default_factory=dict)
    quantiles: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The metrics.json layout: overall metrics up front, details below."""
        out = {
            "model": dict(self.model.overall),
            "baselines": {name: dict(m.overall) for name, m in self.baselines.items()},
            "season": self.season,
            "windows": int(len(self.windows.get("actual", ()))),
            "per_series": {
                "model": self.model.to_dict()["per_series"],
                **{name: m.to_dict()["per_series"] for name, m in self.baselines.items()},
            },
            "per_step": {
                "model": self.model.to_dict()["per_step"],
                **{name: m.to_dict()["per_step"] for name, m in self.baselines.items()},
            },
            "notes": _condensed_notes([*self.model.notes, *(n for m in self.baselines.values() for n in m.notes)]),
        }
        if self.intervals:
            out["intervals"] = {"level": self.level, **self.intervals}
        if self.quantiles:
            out["quantiles"] = {
                name: {"overall": scores["overall"], "per_step": scores["per_step"]}
                for name, scores in self.quantiles.items()
            }
        return out


def _condensed_notes(notes: list[str]) -> list[str]:
    """Unique notes, with the per-step ones folded into one line per kind of problem."""
    kept, per_step = [], {}
    for note in dict.fromkeys(notes):
        where, _, what = note.partition(": ")
        if where.startswith("step "):
            kind = what.split(":")[0]
            per_step.setdefault(kind, []).append(int(where.split()[1]))
        else:
            kept.append(note)
    for kind, steps in per_step.items():
        kept.append(f"{len(steps)} horizon step(s) ({min(steps)}..{max(steps)}): {kind}")
    return kept


def baseline_windows(
    data: SeriesSet, series_index: np.ndarray, origin: np.ndarray, horizon: int, season: int
) -> tuple[dict[str, np.ndarray], int]:
    """The naive and seasonal naive forecasts of windows, and how many windows lacked a season.

    Args:
        data: the series.
        series_index: ``(W,)`` each window's series, by position in ``data``.
        origin: ``(W,)`` each window's last input row (its forecast origin).
        horizon: steps forecast.
        season: the seasonal period; a window with less than a season of history
            gets the naive forecast as its seasonal naive one.

    Returns:
        ``{"naive": (W, H), "seasonal_naive": (W, H)}`` and the number of windows that fell back.
    """
    first = origin + 1  # the baselines' origin: the first value forecast
    out = {"naive": np.empty((len(origin), horizon)), "seasonal_naive": np.empty((len(origin), horizon))}
    steps = np.arange(1, horizon + 1)
    # h - m * ceil(h / m): the lag back from the last observed value (see seasonal_naive_forecast).
    back = steps - season * ((steps + season - 1) // season)
    groups = group_rows(series_index)
    fallback = 0
    # The formulas of naive_forecast and seasonal_naive_forecast, gathered directly: the
    # windows' origins lie inside their series by construction; a non-finite value used
    # is caught below by the checked functions, which name it.
    for index, rows in groups:
        target = data.series[index].target
        last = first[rows] - 1
        out["naive"][rows] = target[last][:, None]
        seasonal = first[rows] >= season
        fallback += int(len(rows) - seasonal.sum())
        out["seasonal_naive"][rows] = np.where(
            seasonal[:, None], target[np.maximum(last[:, None] + back, 0)], out["naive"][rows]
        )
    if np.isfinite(out["naive"]).all() and np.isfinite(out["seasonal_naive"]).all():
        return out, fallback
    fallback = 0
    for index, rows in groups:
        series = data.series[index]
        out["naive"][rows] = naive_forecast(series.target, first[rows], horizon)
        seasonal = first[rows] >= season
        fallback += int((~seasonal).sum())
        out["seasonal_naive"][rows] = out["naive"][rows]
        if seasonal.any():
            out["seasonal_naive"][rows[seasonal]] = seasonal_naive_forecast(
                series.target, first[rows[seasonal]], horizon, season
            )
    return out, fallback


def quantile_keys(forecasts: dict[str, np.ndarray], prefix: str = "") -> list[tuple[float, str]]:
    """``(level, key)`` of the quantile columns ``{prefix}q<level>`` among ``forecasts``, by level."""
    found = []
    for key in forecasts:
        if key.startswith(prefix + "q"):
            try:
                found.append((float(key[len(prefix) + 1 :]), key))
            except ValueError:
                continue
    return sorted(found)


def score_windows(windows: WindowedData, forecasts: dict[str, np.ndarray], season: int, level: float | None = None) -> Scores:
    """Metrics of ``forecasts`` (from :meth:`Forecaster.forecast_windows`) and of the baselines.

    MASE is scaled by each series' in-sample seasonal naive error on its training part.
    When ``forecasts`` hold a band (``lower``, ``upper``) and the baselines' bands
    (``naive_q<level>``...), they are scored too at ``level``, and quantile columns
    (``q<level>``) with the quantile scores of :mod:`grucast.evaluation.probabilistic`.

    Args:
        windows: the windows the forecasts were made on (for the series and their split).
        forecasts: ``actual``, ``forecast``, ``series``, ``origin``, and optionally
            ``lower``, ``upper``, the baselines' point forecasts and bands, and quantiles.
        season: seasonal period of the seasonal naive forecast and MASE.
        level: the nominal coverage of the ``lower``/``upper`` band.
    """
    data = windows.data
    horizon = forecasts["actual"].shape[1]
    series_index = forecasts["series"]
    baselines, fallback = baseline_windows(data, series_index, forecasts["origin"], horizon, season)
    labels = np.array(data.names, dtype=object)[series_index]
    train = {s.name: s.target[: windows.plan[s.name].train_end] for s in data}
    actual = forecasts["actual"]
    scored = evaluate_many(actual, {"model": forecasts["forecast"], **baselines}, labels, train, season)
    model = scored.pop("model")
    if fallback:
        scored["seasonal_naive"] = dataclasses.replace(
            scored["seasonal_naive"],
            notes=scored["seasonal_naive"].notes
            + (f"{fallback} window(s) with less than a season of history use the naive forecast as seasonal naive",),
        )
    intervals, quantiles = {}, {}
    if level is not None and "lower" in forecasts:
        low, high = round((1 - level) / 2, 10), round((1 + level) / 2, 10)
        intervals["model"] = interval_scores(actual, forecasts["lower"], forecasts["upper"], level)
        for name in baselines:
            bands = dict(quantile_keys(forecasts, f"{name}_"))
            if low in bands and high in bands:
                intervals[name] = interval_scores(actual, forecasts[bands[low]], forecasts[bands[high]], level)
    model_levels = quantile_keys(forecasts)
    if model_levels:
        levels = [value for value, _ in model_levels]
        stack = np.stack([forecasts[key] for _, key in model_levels], axis=-1)
        quantiles["model"] = evaluate_quantiles(actual, stack, levels, labels)
        for name in baselines:
            bands = dict(quantile_keys(forecasts, f"{name}_"))
            if all(value in bands for value in levels):
                band_stack = np.stack([forecasts[bands[value]] for value in levels], axis=-1)
                quantiles[name] = evaluate_quantiles(actual, band_stack, levels, labels)
    return Scores(
        model=model, baselines=scored, season=season, windows={**forecasts, **baselines}, level=level,
        intervals=intervals, quantiles=quantiles,
    )
