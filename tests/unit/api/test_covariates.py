"""Covariates end to end: known future drivers and static features change the forecasts."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from grucast.api import Forecaster
from grucast.data import DataError, Frequency, Series, SeriesSet
from grucast.data.future import FutureCovariates

FAST = dict(num_layers=1, lr=0.01, batch_size=128, patience=0, progress=False, threads=1, accelerator="cpu", seed=0)


def driven(with_driver: bool, rows: int = 2400, seed: int = 0) -> SeriesSet:
    """``y_t = 10 + 3 x_t + noise``, with ``x_t`` i.i.d.: only the step's own driver predicts it."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    y = 10 + 3 * x + rng.normal(0, 0.1, rows)
    times = pd.date_range("2023-01-01", periods=rows, freq="h").to_numpy()
    known = x[:, None] if with_driver else np.zeros((rows, 0))
    series = Series("s", times, y, known, np.zeros((rows, 0)), Frequency("h"))
    return SeriesSet((series,), target="y", known_covariates=("x",) if with_driver else ())


def test_a_known_driver_is_used_over_the_horizon():
    scores = {}
    for with_driver in (True, False):
        forecaster = Forecaster(lookback=24, horizon=6, hidden_size=16, epochs=6, calendar="none",
                                window_norm="none", **FAST)
        forecaster.fit(driven(with_driver))
        scores[with_driver] = forecaster.evaluate().model.overall["mae"]
    # Without the driver the best forecast is the mean (MAE about 3 * 0.8 = 2.4).
    assert scores[False] > 2.0
    assert scores[True] <= scores[False] / 3, scores


def bumps(with_static: bool, rows: int = 24 * 30, count: int = 4) -> SeriesSet:
    """Hourly series at 10 but for a daytime bump, ``10 + d * max(0, -cos(2 pi hour / 24))``, d = +10 or -10 by series.

    A 6-hour lookback that ends before 7:00 sees no bump, so when the horizon
    reaches into the day only a static label ("up" or "down") tells its sign.
    """
    rng = np.random.default_rng(1)
    times = pd.date_range("2023-01-01", periods=rows, freq="h")
    bump = np.maximum(0.0, -np.cos(2 * np.pi * np.asarray(times.hour) / 24))
    members = []
    for index in range(count):
        kind = "up" if index % 2 == 0 else "down"
        y = 10 + (10 if kind == "up" else -10) * bump + rng.normal(0, 0.05, rows)
        empty = np.zeros((rows, 0))
        static = (kind,) if with_static else ()
        members.append(Series(f"s{index}", times.to_numpy(), y, empty, empty, Frequency("h"), static))
    return SeriesSet(tuple(members), target="y", static_covariates=("kind",) if with_static else ())


def test_a_static_label_is_used():
    scores = {}
    for with_static in (True, False):
        # Window-relative inputs ("last"): a per-series scaler alone would give the sign away, since the
        # flat night sits below an "up" series' mean and above a "down" series' mean.
        forecaster = Forecaster(lookback=6, horizon=6, hidden_size=16, epochs=12, calendar=("hour",),
                                window_norm="last", loss="mae", test_size=24 * 6, val_size=24 * 3, **FAST)
        forecaster.fit(bumps(with_static))
        scores[with_static] = forecaster.evaluate().model.overall["mae"]
    # Without the label, a bump that starts in the horizon has an unknown sign.
    assert scores[False] > 0.8
    assert scores[True] <= scores[False] / 3, scores


def test_future_values_are_read_by_time_with_clear_errors():
    data = driven(True, rows=1200)
    forecaster = Forecaster(lookback=24, horizon=4, hidden_size=8, epochs=5, calendar="none", **FAST).fit(data)
    last = data["s"].time[-1]
    steps = last + np.arange(1, 6) * np.timedelta64(1, "h")
    future = FutureCovariates.from_arrays(["x"], {"s": np.array([1.0, -1.0, 2.0, 0.0, 9.0])}, {"s": steps})
    out = forecaster.predict(data, future)
    assert out.time.tolist() == list(pd.DatetimeIndex(steps[:4]))
    # A positive driver value raises the forecast, by about 3 per unit: the model learned the slope.
    assert out.value.iloc[0] - out.value.iloc[1] > 4
    by_position = forecaster.predict(data, {"s": np.array([1.0, -1.0, 2.0, 0.0])})
    np.testing.assert_allclose(by_position.value, out.value)
    with pytest.raises(DataError, match=re.escape("forecasting past the end needs the future values of the known "
                                                  "covariates 'x' for the next 4 steps of each series; give them "
                                                  "in future")):
        forecaster.predict(data)
    gap = FutureCovariates.from_arrays(["x"], {"s": np.array([1.0, 2.0, 3.0])}, {"s": steps[[0, 1, 3]]})
    with pytest.raises(DataError, match=re.escape("the future values for series 's' have no row at 2023-02-20 "
                                                  "02:00:00 (forecast step 3 of 4); give the known covariates at "
                                                  "each of the 4 steps after the series' last time, from 2023-02-20")):
        forecaster.predict(data, gap)
    empty = FutureCovariates.from_arrays(["x"], {"s": np.array([1.0, np.nan, 3.0, 4.0])}, {"s": steps[:4]})
    with pytest.raises(DataError, match=re.escape("the future value of known covariate 'x' for series 's' at "
                                                  "2023-02-20 01:00:00 is empty")):
        forecaster.predict(data, empty)


def test_the_known_covariates_of_the_test_period_are_used_and_never_seen_in_training():
    data = driven(True, rows=800)
    forecaster = Forecaster(lookback=24, horizon=4, hidden_size=8, epochs=2, calendar="none", test_size=100,
                            val_size=100, **FAST).fit(data)
    series = data["s"]
    x = series.known.copy()
    x[-100:] += 5.0  # the test period only
    changed = SeriesSet((Series("s", series.time, series.target, x, series.past, series.frequency),),
                        target="y", known_covariates=("x",))
    before, after = forecaster.windows(data), forecaster.windows(changed)
    for part in ("train", "val"):
        first, second = before.split(part), after.split(part)
        index = np.arange(len(first))
        for key, value in first[index].items():
            np.testing.assert_array_equal(value.numpy(), second[index][key].numpy(), err_msg=f"{part} {key}")
    test_before, test_after = forecaster.forecast_windows(data), forecaster.forecast_windows(changed)
    np.testing.assert_array_equal(test_before["actual"], test_after["actual"])
    assert np.abs(test_before["forecast"] - test_after["forecast"]).min() > 0.1  # every test forecast moved
    refit = Forecaster(**forecaster.get_params()).fit(changed)
    assert refit.pipeline_.to_dict() == forecaster.pipeline_.to_dict()  # scalers and choices from training rows
