"""WindowPipeline: leak-free splits, train-only statistics, inversion, forecasting inputs, save/load."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import torch

from grucast.data import DataError, SeriesSet, WindowPipeline, from_dataframe
from grucast.data.features import covered_features


def prepare_windows(data: SeriesSet, **settings):
    return WindowPipeline(**settings).fit_transform(data)


def ramp() -> SeriesSet:
    return SeriesSet.from_arrays({"r": np.arange(100.0)})


def all_windows(dataset):
    return dataset[torch.arange(len(dataset))]


def test_windows_by_hand_on_a_ramp():
    # Targets equal their row numbers: train 0..79, val 80..89, test 90..99.
    prepared = prepare_windows(
        ramp(), lookback=4, horizon=2, test_size=10, val_size=10, scaler="none", window_norm="none"
    )
    train, val, test = (all_windows(prepared.split(part)) for part in ("train", "val", "test"))
    assert (len(prepared.train), len(prepared.val), len(prepared.test)) == (75, 9, 9)
    assert train["x"][0, :, 0].tolist() == [0, 1, 2, 3] and train["y"][0, :, 0].tolist() == [4, 5]
    assert train["y"][-1, :, 0].tolist() == [78, 79]
    assert val["x"][0, :, 0].tolist() == [76, 77, 78, 79] and val["y"][0, :, 0].tolist() == [80, 81]
    assert val["y"][-1, :, 0].tolist() == [88, 89]
    assert test["x"][0, :, 0].tolist() == [86, 87, 88, 89] and test["y"][0, :, 0].tolist() == [90, 91]
    assert test["y"][-1, :, 0].tolist() == [98, 99]
    # No target crosses into a later part; inputs only look back.
    assert train["x"].max() < 80 and train["y"].max() < 80
    assert val["y"].min() >= 80 and val["y"].max() < 90 and test["y"].min() >= 90
    assert test["start"].tolist() == list(range(86, 95))


def hourly_set(values: np.ndarray, temp: np.ndarray) -> SeriesSet:
    times = pd.date_range("2023-01-01", periods=len(values) // 2, freq="h")
    sites = ["a"] * len(times) + ["b"] * len(times)
    frame = pd.DataFrame({"site": sites, "time": list(times) * 2, "load": values, "temp": temp})
    return from_dataframe(frame, time_col="time", target="load", series_col="site", known_covariates="temp")


@pytest.mark.parametrize("scaler", ["standard", "minmax", "robust"])
@pytest.mark.parametrize("window_norm", ["auto", "mean_std"])
def test_changing_only_the_test_period_changes_nothing_in_training(scaler, window_norm):
    rng = np.random.default_rng(0)
    n = 400
    values = np.r_[np.sin(np.arange(n) / 5) + rng.normal(0, 0.1, n), 50 + np.cos(np.arange(n) / 7)]
    temp = rng.normal(10, 3, 2 * n)
    base = hourly_set(values, temp)
    settings = dict(lookback=24, horizon=6, test_size=0.2, val_size=0.1, scaler=scaler, window_norm=window_norm)
    prepared = prepare_windows(base, **settings)
    test_rows = np.r_[np.zeros(n - 80), np.ones(80), np.zeros(n - 80), np.ones(80)].astype(bool)
    assert prepared.plan["a"].val_end == n - 80
    changed_values, changed_temp = values.copy(), temp.copy()
    changed_values[test_rows] = rng.normal(1e4, 1e3, test_rows.sum())  # a wild test period
    changed_temp[test_rows] = -1e3
    changed = prepare_windows(hourly_set(changed_values, changed_temp), **settings)
    assert changed.pipeline.to_dict() == prepared.pipeline.to_dict()  # scaler, every "auto" choice
    for part in ("train", "val"):
        before, after = all_windows(prepared.split(part)), all_windows(changed.split(part))
        for key in before:
            torch.testing.assert_close(before[key], after[key], rtol=0, atol=0)
    assert not torch.equal(all_windows(prepared.test)["y"], all_windows(changed.test)["y"])


def test_scaler_statistics_come_from_training_rows_only():
    rng = np.random.default_rng(1)
    n = 300
    values = np.r_[rng.normal(5, 2, n), rng.normal(-3, 1, n)]
    data = hourly_set(values, rng.normal(0, 1, 2 * n))
    prepared = prepare_windows(data, lookback=12, horizon=3, scaler="standard", calendar=())
    end = prepared.plan["a"].train_end
    assert end == 240
    row = prepared.pipeline.scaler_.index("b")
    assert prepared.pipeline.scaler_.center_[row, 0] == pytest.approx(values[n : n + end].mean())
    assert prepared.pipeline.scaler_.scale_[row, 0] == pytest.approx(values[n : n + end].std())
    assert prepared.pipeline.scaler_.center_[row, 0] != pytest.approx(values[n:].mean())


def test_inverse_target_gives_back_the_data():
    rng = np.random.default_rng(2)
    prices = np.r_[100 + np.cumsum(rng.normal(0.5, 1, 300)), 20 + np.cumsum(rng.normal(0.1, 0.2, 300))]
    data = hourly_set(prices, rng.normal(0, 1, 600))
    prepared = prepare_windows(data, lookback=10, horizon=4, scaler="minmax", window_norm="auto")
    assert prepared.pipeline.window_norm_ == "last"  # a trending series leaves its training range
    batch = all_windows(prepared.test)
    restored = prepared.pipeline.inverse(batch["y"], batch, data, clip=False)[..., 0]
    pairs = zip(batch["series"].tolist(), batch["start"].tolist())
    expected = np.stack([data.series[s].target[start + 10 : start + 14] for s, start in pairs])
    np.testing.assert_allclose(restored, expected, rtol=1e-5)


def test_feature_layout_and_calendar():
    rng = np.random.default_rng(3)
    data = hourly_set(rng.normal(0, 1, 200), rng.normal(0, 1, 200))
    prepared = prepare_windows(data, lookback=8, horizon=2, scaler="none", window_norm="none", calendar=["hour"])
    assert prepared.pipeline.feature_names_ == ("load", "temp", "hour_sin", "hour_cos")
    assert prepared.pipeline.n_known_ == 3
    batch = prepared.train[torch.tensor([0])]
    hours = np.arange(8, 10)  # targets at 08:00 and 09:00 on the first day
    np.testing.assert_allclose(batch["known_future"][0, :, 1].numpy(), np.sin(2 * np.pi * hours / 24), atol=1e-6)
    np.testing.assert_allclose(batch["known_future"][0, :, 0].numpy(), data["a"].known[8:10, 0], rtol=1e-6)


def test_forecast_batch_uses_the_last_rows_and_future_times():
    data = SeriesSet.from_arrays(
        {"x": np.arange(50.0), "y": np.arange(50.0) ** 0.5},
        time=pd.date_range("2024-01-01", periods=50, freq="h").to_numpy(),
        frequency="h",
    )
    prepared = prepare_windows(data, lookback=5, horizon=3, scaler="standard", window_norm="none", calendar=["hour"])
    batch, times = prepared.pipeline.forecast_inputs(data)
    assert batch["x"].shape == (2, 5, 3) and batch["known_future"].shape == (2, 3, 2)
    expected = prepared.pipeline.scaler_.transform("x", 0, np.arange(45.0, 50.0))
    np.testing.assert_allclose(batch["x"][0, :, 0].numpy(), expected, rtol=1e-6)
    assert times[0, 0] == np.datetime64("2024-01-03T02:00")
    hour_sin = prepared.pipeline.scaler_.transform("x", 1, np.sin(2 * np.pi * np.array([2, 3, 4]) / 24))
    np.testing.assert_allclose(batch["known_future"][0, :, 0].numpy(), hour_sin, rtol=1e-5)


def test_forecast_needs_future_known_covariates():
    rng = np.random.default_rng(4)
    data = hourly_set(rng.normal(0, 1, 200), rng.normal(0, 1, 200))
    prepared = prepare_windows(data, lookback=8, horizon=2)
    with pytest.raises(DataError, match=re.escape("forecasting past the end needs the future values of the known "
                                                  "covariates 'temp' for the next 2 steps of each series")):
        prepared.pipeline.forecast_inputs(data)
    batch, _ = prepared.pipeline.forecast_inputs(data, {"a": np.zeros(2), "b": np.ones(2)})
    # temp + (sin, cos) of hour: ~8 days of hours cover the daily cycle twice,
    # but not the weekly or yearly ones, so "auto" keeps the hour alone.
    assert batch["known_future"].shape == (2, 2, 3)


def test_a_saved_pipeline_transforms_new_data_like_the_fitted_one():
    import json

    first = prepare_windows(ramp(), lookback=4, horizon=2, window_norm="none")
    saved = json.loads(json.dumps(first.pipeline.to_dict()))
    loaded = WindowPipeline.from_dict(saved)
    assert loaded.to_dict() == first.pipeline.to_dict()
    again = loaded.transform(SeriesSet.from_arrays({"r": np.arange(100.0) * 3}))
    np.testing.assert_array_equal(loaded.scaler_.center_, first.pipeline.scaler_.center_)
    # Scaled with the first data's statistics (mean 39.5 of rows 0..79), not refitted on the tripled ramp.
    x = again.train[torch.tensor([0])]["x"][0, :, 0]
    np.testing.assert_allclose(x.numpy(), first.pipeline.scaler_.transform("r", 0, np.arange(4.0) * 3), rtol=1e-6)


def test_calendar_for_integer_steps_is_refused():
    with pytest.raises(DataError, match=re.escape("calendar features need timestamps, but the series is indexed by "
                                                  "integer steps")):
        prepare_windows(ramp(), lookback=4, horizon=2, calendar=["hour"])
    assert prepare_windows(ramp(), lookback=4, horizon=2).pipeline.calendar_ == ()


def test_series_in_another_order_are_scaled_and_restored_by_name():
    data = SeriesSet.from_arrays({"a": np.arange(60.0), "b": 100 + 2 * np.arange(60.0)})
    pipeline = WindowPipeline(4, 2, window_norm="none").fit(data)
    swapped = SeriesSet.from_arrays({"b": data["b"].target, "a": data["a"].target})
    again = pipeline.transform(swapped)
    batch = again.test[torch.arange(len(again.test))]
    restored = pipeline.inverse(batch["y"], batch, swapped)[..., 0]
    model_units = pipeline.to_model_units(restored, batch, swapped)
    np.testing.assert_allclose(model_units.numpy(), batch["y"].numpy(), rtol=1e-5, atol=1e-6)
    pairs = zip(batch["series"].tolist(), batch["start"].tolist())
    expected = np.stack([swapped.series[s].target[start + 4 : start + 6] for s, start in pairs])
    np.testing.assert_allclose(restored, expected, rtol=1e-5)
    with pytest.raises(DataError, match=re.escape("series 'c' were not in the training data, so they have no fitted "
                                                  "scaler; the model knows 'a', 'b'")):
        pipeline.transform(SeriesSet.from_arrays({"c": np.arange(60.0)}))


def test_auto_calendar_keeps_only_cycles_the_training_part_covers_twice():
    assert covered_features(("hour", "day_of_week", "month", "day_of_year"), span_days=13.9) == ("hour",)
    assert covered_features(("hour", "day_of_week", "month", "day_of_year"), span_days=14.0) == ("hour", "day_of_week")
    assert covered_features(("hour", "month"), span_days=730.5) == ("hour", "month")
    rng = np.random.default_rng(5)
    long = prepare_windows(hourly_set(rng.normal(0, 1, 24 * 40), rng.normal(0, 1, 24 * 40)), lookback=8, horizon=2)
    # 40 days, 80 % for training: 32 days cover hours and weeks, not months.
    assert long.pipeline.calendar_ == ("hour", "day_of_week")


def test_auto_window_norm_picks_last_for_a_random_walk_and_none_for_seasonal_load():
    from grucast.data.window_norm import wanders

    rng = np.random.default_rng(2)
    walk = 100 * np.exp(np.cumsum(rng.normal(0.0006, 0.018, 2000)))
    hours = np.arange(2000)
    load = 50 + 10 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 2, 2000)
    wave = np.sin(np.linspace(0, 2 * np.pi, 2000))
    # Levels persist and steps do not: a random walk; a smooth wave's steps persist too.
    assert wanders(walk) and not wanders(load) and not wanders(wave)
    for values, expected in ((walk, "last"), (load, "mean_std")):
        prepared = prepare_windows(SeriesSet.from_arrays(values), lookback=10, horizon=1, calendar=())
        assert prepared.pipeline.window_norm_ == expected


def test_a_collection_of_short_and_long_series_is_windowed_with_padding():
    # Monthly-like: lengths 20, 40 and 200; lookback 24 and horizon 6 do not fit the short ones.
    lengths = {"short": 20, "mid": 40, "long": 200, "tiny": 5}
    data = SeriesSet.from_arrays({name: 1.0 + np.arange(n, dtype=float) % 7 for name, n in lengths.items()})
    pipeline = WindowPipeline(24, 6, test_size=6, val_size=6, window_norm="none", scaler="none")
    windows = pipeline.fit_transform(data)
    assert pipeline.padded_ and pipeline.feature_names_ == ("value", "observed") and pipeline.n_known_ == 1
    assert pipeline.excluded_ == ("tiny",) and windows.data.names == ("short", "mid", "long")
    assert pipeline.notes_ == ("1 series left out, too short to hold their test part and one row before it: 'tiny'",)
    # Training windows: every target start from row 1 to the last full horizon of the training part.
    assert windows.train.counts() == [8 - 6, 28 - 6, 188 - 6]
    assert len(windows.val) == 3 and len(windows.test) == 3
    batch = windows.test[torch.arange(3)]
    observed = batch["x"][:, :, 1]
    assert observed.sum(dim=1).tolist() == [14, 24, 24]  # "short" has 14 rows before its test part
    assert (batch["x"][0, :10] == 0).all()  # padded rows: target and "observed" both zero
    inputs, times = pipeline.forecast_inputs(data)
    assert inputs["x"].shape == (3, 24, 2) and inputs["x"][0, :, 1].sum() == 20 and times.shape == (3, 6)


def test_long_series_are_not_padded():
    data = SeriesSet.from_arrays({"a": np.sin(np.arange(300.0))})
    pipeline = WindowPipeline(24, 6, window_norm="none").fit(data)
    assert not pipeline.padded_ and "observed" not in pipeline.feature_names_
