"""Naive and seasonal naive forecasts, from each window's history."""

from __future__ import annotations

import time

import numpy as np

from methods import Output


def seasonal_naive(history: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """``(H,)``: step ``h`` repeats the value one whole number of seasons before it.

    ``f_h = y[n - m + ((h - 1) mod m)]`` (0-based ``y`` of length ``n``); with
    ``season`` 1, or a history shorter than one season, the last value.
    """
    if season <= 1 or len(history) < season:
        return np.full(horizon, history[-1], dtype=np.float64)
    last_season = history[-season:]
    return last_season[np.arange(horizon) % season].astype(np.float64)


def run(subset, options: dict) -> Output:
    method = options["method"]
    season = subset.season if method == "seasonal_naive" else 1
    start = time.perf_counter()
    forecast = np.stack([seasonal_naive(subset.history(w), subset.horizon, season) for w in range(subset.n_windows)])
    seconds = time.perf_counter() - start
    return Output(forecast, 0.0, seconds, np.__version__, settings={"season": season})
