"""Score a forecaster on a split, beside the naive baselines, on the very same windows."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grucast.data.pipeline import WindowedData
from grucast.evaluation import ForecastMetrics, evaluate_forecasts, naive_forecast, seasonal_naive_forecast


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

    def to_dict(self) -> dict[str, Any]:
        """The metrics.json layout: overall metrics up front, details below."""
        return {
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


def score_windows(windows: WindowedData, forecasts: dict[str, np.ndarray], season: int) -> Scores:
    """Metrics of ``forecasts`` (from :meth:`Forecaster.forecast_windows`) and of the baselines.

    MASE is scaled by each series' in-sample seasonal naive error on its training part.

    Args:
        windows: the windows the forecasts were made on (for the series and their split).
        forecasts: ``actual``, ``forecast``, ``series``, ``origin`` (and interval bounds).
        season: seasonal period of the seasonal naive forecast and MASE.
    """
    data = windows.data
    horizon = forecasts["actual"].shape[1]
    series_index = forecasts["series"]
    # Baseline convention: origin o means the last observed row is o - 1.
    origins = forecasts["origin"] + 1
    baselines = {"naive": np.empty_like(forecasts["actual"]), "seasonal_naive": np.empty_like(forecasts["actual"])}
    fallback = 0
    for index, series in enumerate(data):
        rows = np.flatnonzero(series_index == index)
        if len(rows) == 0:
            continue
        baselines["naive"][rows] = naive_forecast(series.target, origins[rows], horizon)
        # Seasonal naive needs a season of history; before that it is the naive forecast.
        seasonal = origins[rows] >= season
        fallback += int((~seasonal).sum())
        baselines["seasonal_naive"][rows] = baselines["naive"][rows]
        if seasonal.any():
            baselines["seasonal_naive"][rows[seasonal]] = seasonal_naive_forecast(
                series.target, origins[rows[seasonal]], horizon, season
            )
    labels = np.array(data.names, dtype=object)[series_index]
    train = {s.name: s.target[: windows.plan[s.name].train_end] for s in data}
    model = evaluate_forecasts(forecasts["actual"], forecasts["forecast"], labels, train, season)
    scored = {name: evaluate_forecasts(forecasts["actual"], values, labels, train, season) for name, values in baselines.items()}
    if fallback:
        scored["seasonal_naive"] = dataclasses.replace(
            scored["seasonal_naive"],
            notes=scored["seasonal_naive"].notes
            + (f"{fallback} window(s) with less than a season of history use the naive forecast as seasonal naive",),
        )
    return Scores(model=model, baselines=scored, season=season, windows={**forecasts, **baselines})
