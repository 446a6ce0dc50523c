"""Aggregation overall, per series and per horizon step on a tiny hand-worked example."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from grucast.evaluation import METRIC_NAMES, evaluate_forecasts, evaluate_many, mase, naive_forecast, r2, seasonal_naive_forecast

# Three windows of horizon 2: two of series "a", one of series "b".
Y_TRUE = np.array([[6.0, 8.0], [8.0, 10.0], [12.0, 11.0]])
Y_PRED = np.array([[5.0, 8.0], [8.0, 12.0], [12.0, 13.0]])
# |error|:             [1, 0]      [0, 2]       [0, 2]
SERIES = np.array(["a", "a", "b"])
# Season-1 scales: a: |2-0| = |4-2| = 2 -> q_a = 2;  b: |11-10| = |10-11| = |11-10| = 1 -> q_b = 1.
TRAIN = {"a": np.array([0.0, 2.0, 4.0]), "b": np.array([10.0, 11.0, 10.0, 11.0])}


def test_per_series_by_hand():
    result = evaluate_forecasts(Y_TRUE, Y_PRED, SERIES, TRAIN)
    a, b = result.per_series["a"], result.per_series["b"]
    # a: |e| = [1, 0, 0, 2] -> MAE 3/4, MSE (1 + 4)/4, MASE 0.75 / 2
    assert a["mae"] == pytest.approx(0.75) and a["mse"] == pytest.approx(1.25) and a["mase"] == pytest.approx(0.375)
    # b: |e| = [0, 2] -> MAE 1, MSE 2, MASE 1 / 1
    assert b["mae"] == pytest.approx(1.0) and b["mse"] == pytest.approx(2.0) and b["mase"] == pytest.approx(1.0)
    # Per-series MASE is exactly mase() on that series.
    assert a["mase"] == pytest.approx(mase(Y_TRUE[:2], Y_PRED[:2], TRAIN["a"]))
    # b: MAPE = 100/2 * (0/12 + 2/11)
    assert b["mape"] == pytest.approx(50 * 2 / 11)


def test_overall_pools_scaled_errors():
    overall = evaluate_forecasts(Y_TRUE, Y_PRED, SERIES, TRAIN).overall
    assert list(overall) == list(METRIC_NAMES)
    # |e| = [1, 0, 0, 2, 0, 2] -> MAE 5/6, MSE (1 + 4 + 4)/6 = 1.5
    assert overall["mae"] == pytest.approx(5 / 6)
    assert overall["mse"] == pytest.approx(1.5)
    assert overall["rmse"] == pytest.approx(math.sqrt(1.5))
    # Scaled by own series: a [1/2, 0, 0, 2/2], b [0/1, 2/1] -> (0.5 + 1 + 2)/6 = 3.5/6,
    # the count-weighted mean of 0.375 and 1, not their plain mean 0.6875.
    assert overall["mase"] == pytest.approx(3.5 / 6)
    # MAPE: 100/6 * (1/6 + 0/8 + 0/8 + 2/10 + 0/12 + 2/11)
    assert overall["mape"] == pytest.approx(100 / 6 * (1 / 6 + 2 / 10 + 2 / 11))
    # sMAPE: 200/6 * (1/11 + 2/22 + 2/24)
    assert overall["smape"] == pytest.approx(200 / 6 * (1 / 11 + 2 / 22 + 2 / 24))
    assert overall["r2"] == pytest.approx(r2(Y_TRUE, Y_PRED))


def test_per_step_by_hand():
    per_step = evaluate_forecasts(Y_TRUE, Y_PRED, SERIES, TRAIN).per_step
    assert list(per_step) == [1, 2]
    # Step 1: |e| = [1, 0, 0] -> MAE 1/3; scaled [1/2, 0, 0] -> MASE 1/6
    assert per_step[1]["mae"] == pytest.approx(1 / 3) and per_step[1]["mase"] == pytest.approx(1 / 6)
    # Step 2: |e| = [0, 2, 2] -> MAE 4/3; scaled [0, 2/2, 2/1] -> MASE 1
    assert per_step[2]["mae"] == pytest.approx(4 / 3) and per_step[2]["mase"] == pytest.approx(1.0)


def test_season_sets_the_mase_scale():
    # Season 2 on b = [10, 11, 10, 11] is exact (scale 0): b has no MASE, and the overall leaves it out.
    train = {"a": np.array([0.0, 2.0, 4.0, 6.0]), "b": TRAIN["b"]}
    result = evaluate_forecasts(Y_TRUE, Y_PRED, SERIES, train, season=2)
    # a with season 2: |4-0| = |6-2| = 4 -> q_a = 4; a's |e| sum 3 over 4 values -> 3/16
    assert result.per_series["a"]["mase"] == pytest.approx(3 / 16)
    assert result.per_series["b"]["mase"] is None
    assert result.overall["mase"] == pytest.approx(3 / 16)
    assert any(note.startswith("series 'b': MASE is undefined") for note in result.notes)
    assert "overall and per-step mase leave out series 'b', which have no MASE scale" in result.notes
    assert result.season == 2


def test_undefined_metrics_are_none_with_a_note():
    y_true = Y_TRUE.copy()
    y_true[2, 0] = 0.0  # a zero actual in series b, step 1
    result = evaluate_forecasts(y_true, Y_PRED, SERIES, TRAIN)
    assert result.overall["mape"] is None and result.per_series["b"]["mape"] is None
    assert result.per_step[1]["mape"] is None
    assert result.per_series["a"]["mape"] is not None and result.per_step[2]["mape"] is not None
    note = (
        "series 'b': MAPE is undefined: y_true contains 1 zero, which would divide by zero; use smape or mase instead"
    )
    assert note in result.notes
    # The other metrics are still there.
    assert result.overall["smape"] is not None


def test_labels_keep_order_of_first_appearance_and_json_round_trip():
    labels = np.array(["z", "a", "z"])
    train = {"z": TRAIN["a"], "a": TRAIN["b"]}
    result = evaluate_forecasts(Y_TRUE, Y_PRED, labels, train)
    assert list(result.per_series) == ["z", "a"]
    assert all(type(label) is str for label in result.per_series)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["overall"]["mae"] == pytest.approx(5 / 6)
    assert set(data["per_step"]) == {"1", "2"}


def test_integer_labels():
    result = evaluate_forecasts(Y_TRUE, Y_PRED, np.array([7, 7, 3]), {7: TRAIN["a"], 3: TRAIN["b"]})
    assert list(result.per_series) == [7, 3]
    assert result.per_series[3]["mae"] == pytest.approx(1.0)


def test_baselines_scored_on_the_same_windows():
    # A period-4 series: seasonal naive with season 4 is exact, naive is not.
    series = np.tile([1.0, 5.0, 3.0, 7.0], 10)
    train_end, horizon = 24, 4
    origins = np.arange(train_end, len(series) - horizon + 1)
    y_true = np.stack([series[o : o + horizon] for o in origins])
    labels = np.full(len(origins), "s")
    train = {"s": series[:train_end]}
    seasonal = evaluate_forecasts(y_true, seasonal_naive_forecast(series, origins, horizon, 4), labels, train)
    naive = evaluate_forecasts(y_true, naive_forecast(series, origins, horizon), labels, train)
    assert seasonal.overall["mae"] == 0.0 and seasonal.overall["mase"] == 0.0
    # Season-1 scale of the 24 training values: 23 differences, |5-1|, |3-5|, |7-3|, |1-7| = 4, 2, 4, 6
    # five times (sum 80) then 4, 2, 4 (sum 10) -> q = 90/23.
    assert naive.overall["mase"] == pytest.approx(naive.overall["mae"] / (90 / 23))
    assert naive.overall["mae"] > 0


def test_input_errors():
    message = "y_true must be (windows, horizon), got shape (3,); for one-step forecasts pass y_true.reshape(-1, 1)"
    with pytest.raises(ValueError, match=re.escape(message)):
        evaluate_forecasts(np.ones(3), np.ones(3), SERIES, TRAIN)
    with pytest.raises(ValueError, match=re.escape("y_true has shape (3, 2) but y_pred has (3, 1)")):
        evaluate_forecasts(Y_TRUE, Y_PRED[:, :1], SERIES, TRAIN)
    with pytest.raises(ValueError, match=re.escape("one label per window, shape (3,), got shape (2,)")):
        evaluate_forecasts(Y_TRUE, Y_PRED, SERIES[:2], TRAIN)
    with pytest.raises(ValueError, match=re.escape("series 'b' has test windows but no training part in train")):
        evaluate_forecasts(Y_TRUE, Y_PRED, SERIES, {"a": TRAIN["a"]})



def test_training_parts_shorter_than_a_season_fall_back_to_the_naive_scale():
    # Season 24 needs 25 training values; a (3) and b (4) have fewer: the lag-1 scales q_a = 2, q_b = 1 apply.
    result = evaluate_forecasts(Y_TRUE, Y_PRED, SERIES, TRAIN, season=24)
    assert result.per_series["a"]["mase"] == pytest.approx((1 + 0 + 0 + 2) / 4 / 2)
    assert result.per_series["b"]["mase"] == pytest.approx((0 + 2) / 2 / 1)
    assert result.notes == (
        "2 series have fewer than 25 training values ('a', 'b'): their MASE is scaled by the in-sample naive "
        "(lag-1) error, or left out with a single value",
    )
    single = evaluate_forecasts(Y_TRUE[2:], Y_PRED[2:], SERIES[2:], {"b": np.array([3.0])}, season=4)
    assert single.per_series["b"]["mase"] is None and single.overall["mae"] == 1.0


def test_evaluate_many_scores_each_forecast_as_evaluate_forecasts_does():
    # Equal notes too: one forecast's notes do not leak into the next one's.
    rng = np.random.default_rng(5)
    actual = rng.normal(5, 2, (12, 3))
    actual[0, 0] = 0.0  # MAPE undefined in series "a"
    labels = np.array(["a", "b", "c"] * 4)
    train = {"a": rng.normal(5, 2, 10), "b": np.ones(6), "c": rng.normal(5, 2, 2)}  # b: no scale; c: short
    forecasts = {"model": actual + rng.normal(0, 1, (12, 3)), "naive": actual + 1.0}
    many = evaluate_many(actual, forecasts, labels, train, season=2)
    assert list(many) == ["model", "naive"]
    for name, forecast in forecasts.items():
        one = evaluate_forecasts(actual, forecast, labels, train, season=2)
        assert many[name] == one
