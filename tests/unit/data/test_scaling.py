"""Scalers: statistics per series from training rows, round trips, saving."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

from grucast.data import NotFittedError, SeriesScaler

TRAIN = {
    "a": [np.array([1.0, 2.0, 3.0, 4.0, 10.0]), np.array([5.0, 5.0, 5.0, 5.0, 5.0])],
    "b": [np.array([-2.0, 0.0, 2.0, 4.0, 6.0]), np.array([0.0, 1.0, 0.0, 1.0, 0.0])],
}


@pytest.mark.parametrize(
    "kind,center,scale",
    [
        ("standard", [[4.0, 5.0], [2.0, 0.4]], [[np.std([1, 2, 3, 4, 10]), 1.0], [np.sqrt(8.0), np.sqrt(0.24)]]),
        ("minmax", [[1.0, 5.0], [-2.0, 0.0]], [[9.0, 1.0], [8.0, 1.0]]),
        ("robust", [[3.0, 5.0], [2.0, 0.0]], [[2.0, 1.0], [4.0, 1.0]]),
        ("none", [[0.0, 0.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 1.0]]),
    ],
)
def test_statistics(kind, center, scale):
    scaler = SeriesScaler(kind).fit(TRAIN, ["y", "c"])
    np.testing.assert_allclose(scaler.center_, center)
    np.testing.assert_allclose(scaler.scale_, scale)
    assert scaler.series_ == ("a", "b") and scaler.columns_ == ("y", "c")


def test_minmax_maps_training_rows_to_unit_range_and_back():
    scaler = SeriesScaler("minmax").fit(TRAIN, ["y", "c"])
    scaled = scaler.transform("b", 0, TRAIN["b"][0])
    np.testing.assert_allclose(scaled, [0.0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(scaler.inverse_transform("b", 0, scaled), TRAIN["b"][0])


def test_inverse_target_gathers_per_series_without_a_loop():
    scaler = SeriesScaler("standard").fit(TRAIN, ["y", "c"])
    values = torch.zeros(3, 2, 1)
    series = torch.tensor([1, 0, 1])
    restored = scaler.inverse_target(values, series)
    assert restored.shape == (3, 2, 1)
    np.testing.assert_allclose(restored[:, 0, 0].numpy(), [2.0, 4.0, 2.0])


def test_dict_round_trip_through_json():
    scaler = SeriesScaler("robust").fit(TRAIN, ["y", "c"])
    state = json.loads(json.dumps(scaler.to_dict()))
    again = SeriesScaler.from_dict(state)
    assert again.kind == "robust" and again.series_ == scaler.series_ and again.columns_ == scaler.columns_
    np.testing.assert_array_equal(again.center_, scaler.center_)
    np.testing.assert_array_equal(again.scale_, scaler.scale_)


def test_not_fitted():
    with pytest.raises(NotFittedError, match=re.escape("this SeriesScaler is not fitted yet; call fit() with the "
                                                       "training rows first")):
        SeriesScaler().transform("a", 0, np.zeros(2))


def test_unknown_kind_and_series():
    with pytest.raises(ValueError, match=re.escape("SeriesScaler: kind must be one of 'standard', 'minmax', "
                                                   "'robust', 'none', got 'log'")):
        SeriesScaler("log")
    scaler = SeriesScaler().fit(TRAIN, ["y", "c"])
    with pytest.raises(KeyError, match=re.escape("the scaler was not fitted on series 'z'; it knows 'a', 'b'")):
        scaler.index("z")


@pytest.mark.parametrize("kind", ["standard", "minmax", "robust", "none"])
def test_series_reduced_together_equal_numpy_per_series(kind, monkeypatch):
    """Thousands of series of every length (none, one, hundreds), reduced in blocks of 7
    series: each statistic equals numpy's on that series alone (a sum in another order
    may differ in the last bits), a constant column gets s = 1, and a NaN stays a NaN."""
    import grucast.data.scaling as scaling

    monkeypatch.setattr(scaling, "_SERIES_PER_PASS", 7)
    rng = np.random.default_rng(0)
    train = {
        f"s{i}": [rng.normal(rng.uniform(-100, 1000), rng.uniform(0.1, 50), n), np.full(n, 3.0)]
        for i, n in enumerate(rng.integers(0, 300, 500))
    }
    train["nan"] = [np.array([1.0, np.nan]), np.array([1.0, 2.0])]
    scaler = SeriesScaler(kind).fit(train, ["y", "flat"])
    for row, columns in enumerate(train.values()):
        for j, value in enumerate(columns):
            if kind == "none" or not len(value):
                center, spread = 0.0, 1.0
            elif kind == "standard":
                center, spread = value.mean(), value.std()
            elif kind == "minmax":
                center, spread = value.min(), value.max() - value.min()
            else:
                low, center, high = np.quantile(value, [0.25, 0.5, 0.75])
                spread = high - low
            expected = [center, spread if spread > 0 else 1.0]
            np.testing.assert_allclose([scaler.center_[row, j], scaler.scale_[row, j]], expected, rtol=1e-13)
    assert scaler.scale_[:-1, 1].tolist() == [1.0] * 500
    assert bool(np.isnan(scaler.center_[-1, 0])) is (kind != "none")
