"""A small run's forecasts, pinned: refactors must not change what users get for a seed.

The numbers were produced by this exact run before the fitted-pipeline refactor
(issue 10) and must stay the same on the CPU (same data, settings and seed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from grucast.api import Forecaster
from grucast.data import from_dataframe

VALUES = [19.829847, 20.778072, 21.77067, 23.119903, 34.716369, 35.710833, 36.683581, 38.059216]
LOWER = [18.408702, 19.539049, 20.513149, 22.169611, 33.306126, 34.481315, 35.435706, 37.116213]
TEST_FORECASTS = [
    [20.118885, 20.971055, 22.461669, 23.734458],
    [21.291485, 22.112332, 23.482515, 24.555284],
    [22.204639, 22.996813, 24.070554, 24.819658],
]


def two_sites():
    rng = np.random.default_rng(7)
    rows = 24 * 30
    parts = []
    for site, level in (("a", 20.0), ("b", 35.0)):
        steps = np.arange(rows)
        load = level + 5 * np.sin(2 * np.pi * steps / 24) + rng.normal(0, 0.5, rows)
        times = pd.date_range("2023-05-01", periods=rows, freq="h")
        parts.append(pd.DataFrame({"site": site, "time": times, "load": load.round(4)}))
    return from_dataframe(pd.concat(parts, ignore_index=True), time_col="time", target="load", series_col="site")


def test_a_seeded_run_gives_the_pinned_forecasts():
    forecaster = Forecaster("gru", lookback=24, horizon=4, hidden_size=8, num_layers=1, epochs=2, batch_size=64,
                            lr=0.01, seed=3, threads=1, progress=False, accelerator="cpu")
    forecaster.fit(two_sites())
    future = forecaster.predict()
    np.testing.assert_allclose(future.value.to_numpy(), VALUES, rtol=0, atol=2e-6)
    np.testing.assert_allclose(future.lower.to_numpy(), LOWER, rtol=0, atol=2e-6)
    windows = forecaster.forecast_windows()
    np.testing.assert_allclose(windows["forecast"][:3], TEST_FORECASTS, rtol=0, atol=2e-6)
