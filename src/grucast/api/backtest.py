"""Rolling-origin backtests over the test period, with or without refitting."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from grucast import checks
from grucast.api.forecaster import Forecaster
from grucast.api.scoring import Scores, score_windows
from grucast.data.frame import SeriesSet
from grucast.errors import InputError, option


@dataclass
class Backtest:
    """Scores of a rolling-origin backtest.

    Attributes:
        folds: one entry per refit (one in all without refitting): the fold's
            first test time per series and its :class:`Scores`.
        pooled: the model and baselines over every fold's windows together.
        stride: steps between forecast origins.
        refits: how many times the model was trained.
    """

    folds: list[dict[str, Any]]
    pooled: dict[str, Any]
    stride: int
    refits: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "stride": self.stride,
            "refits": self.refits,
            "pooled": self.pooled,
            "folds": [
                {"first_test_time": f["first_test_time"], "windows": f["scores"].to_dict()["windows"],
                 "model": dict(f["scores"].model.overall),
                 "baselines": {k: dict(v.overall) for k, v in f["scores"].baselines.items()}}
                for f in self.folds
            ],
        }


def _every(forecasts: dict[str, np.ndarray], stride: int) -> dict[str, np.ndarray]:
    """Keep one origin every ``stride`` steps per series, counted back from its last window."""
    keep = np.zeros(len(forecasts["series"]), dtype=bool)
    for index in np.unique(forecasts["series"]):
        rows = np.flatnonzero(forecasts["series"] == index)
        keep[rows[np.argsort(forecasts["origin"][rows])][::-1][::stride]] = True
    return {key: value[keep] for key, value in forecasts.items()}


def truncate(data: SeriesSet, drop_last: int) -> SeriesSet:
    """The same series without their last ``drop_last`` rows."""
    members = []
    for s in data:
        end = len(s) - drop_last
        members.append(dataclasses.replace(s, time=s.time[:end], target=s.target[:end], known=s.known[:end], past=s.past[:end]))
    return dataclasses.replace(data, series=tuple(members))


def backtest(
    forecaster: Forecaster,
    data: SeriesSet,
    *,
    stride: int = 1,
    refits: int = 0,
    season: int | None = None,
    reresolve: bool = False,
) -> Backtest:
    """Forecast from rolling origins over the test period and score model and baselines.

    Without refitting, the fitted model forecasts from every ``stride``-th origin of
    the test period. With ``refits = K``, the test period is cut into ``K`` folds of
    consecutive origins; for fold :math:`i` a fresh model with the same settings is
    trained on everything before it (an expanding window) and forecasts its origins.

    Args:
        forecaster: a fitted forecaster (its settings are reused for refits).
        data: the series; split as in training.
        stride: steps between the forecast origins that are scored.
        refits: 0 to reuse the fitted model, else the number of folds to refit on.
        season: seasonal period for seasonal naive and MASE; the fitted one if omitted.
        reresolve: let each refit decide its "auto" settings (lookback, horizon,
            window normalisation, calendar, season) afresh from its own data,
            instead of reusing what the fitted forecaster resolved.
    """
    stride = checks.positive_int().check("stride", stride)
    refits = checks.non_negative_int().check("refits", refits)
    season = checks.positive_int(optional=True).check("season", season) or forecaster.settings_.season
    folds: list[dict[str, Any]] = []
    if refits == 0:
        folds.append(_fold(forecaster, data, stride, season))
    else:
        windows = forecaster.windows(data)
        test_rows = min(windows.plan[s.name].length - windows.plan[s.name].val_end for s in data)
        fold_rows = test_rows // refits
        horizon = forecaster.settings_.horizon
        if fold_rows < horizon:
            raise InputError(
                f"{refits} refits cut the test period ({test_rows} steps) into folds shorter than the horizon "
                f"({horizon}); use fewer {option('refits')} or a larger {option('test_size')}"
            )
        params = forecaster.get_params() if reresolve else forecaster.settings_.to_dict()
        for fold in range(refits):
            tail = (refits - 1 - fold) * fold_rows
            part = truncate(data, tail) if tail else data
            fresh = Forecaster(**params).set_params(test_size=fold_rows, progress=False)
            fresh.fit(part)
            folds.append(_fold(fresh, part, stride, season))
    pooled = _pool(folds)
    return Backtest(folds=folds, pooled=pooled, stride=stride, refits=refits)


def _fold(forecaster: Forecaster, data: SeriesSet, stride: int, season: int) -> dict[str, Any]:
    windows = forecaster.windows(data)
    forecasts = _every(forecaster._forecast_windows(windows, "test"), stride)
    scores = score_windows(windows, forecasts, season)
    first = {s.name: str(s.time[windows.plan[s.name].val_end]) for s in data}
    return {"first_test_time": first, "scores": scores, "windows": windows}


def _pool(folds: list[dict[str, Any]]) -> dict[str, Any]:
    """Model and baseline metrics over all folds' windows (MASE scales from the last fold's training part)."""
    last = folds[-1]
    merged = {key: np.concatenate([f["scores"].windows[key] for f in folds]) for key in folds[0]["scores"].windows}
    scores: Scores = score_windows(last["windows"], merged, last["scores"].season)
    return {"model": dict(scores.model.overall), "baselines": {k: dict(v.overall) for k, v in scores.baselines.items()},
            "windows": int(len(merged["actual"])), "season": scores.season}
