"""Every metric against hand arithmetic, and the messages of its refusals."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from grucast.evaluation import UndefinedMetricError, mae, mape, mase, mase_scale, mse, r2, rmse, smape

# The running example: y = [1, 2, 3, 4], y_hat = [2, 2, 1, 5], so e = y - y_hat = [-1, 0, 2, -1].
Y = np.array([1.0, 2.0, 3.0, 4.0])
Y_HAT = np.array([2.0, 2.0, 1.0, 5.0])

PAIR_METRICS = [mse, rmse, mae, mape, smape, r2]


def test_mse_rmse_mae_by_hand():
    # e^2 = [1, 0, 4, 1], sum 6, n = 4 -> MSE = 1.5, RMSE = sqrt(1.5)
    assert mse(Y, Y_HAT) == pytest.approx(1.5)
    assert rmse(Y, Y_HAT) == pytest.approx(math.sqrt(1.5))
    # |e| = [1, 0, 2, 1], sum 4, n = 4 -> MAE = 1.0
    assert mae(Y, Y_HAT) == pytest.approx(1.0)


def test_mape_by_hand_in_percent():
    # 100/4 * (1/1 + 0/2 + 2/3 + 1/4) = 25 * 23/12 = 47.9166...
    assert mape(Y, Y_HAT) == pytest.approx(25 * 23 / 12)


def test_smape_by_hand_on_the_0_200_scale():
    # 200/4 * (1/(1+2) + 0/(2+2) + 2/(3+1) + 1/(4+5)) = 50 * (1/3 + 1/2 + 1/9) = 50 * 17/18 = 47.22...
    assert smape(Y, Y_HAT) == pytest.approx(50 * 17 / 18)


def test_smape_scale_one_point():
    # y = 100, y_hat = 50: 200 * 50 / (100 + 50) = 66.67, not 16.67 (seed 004) nor 33.3 (a 0-100 scale)
    assert smape([100.0], [50.0]) == pytest.approx(200 / 3)


def test_smape_bounds_and_the_zero_over_zero_case():
    # Opposite signs: 200 * 2 / (1 + 1) = 200, the top of the scale.
    assert smape([1.0], [-1.0]) == pytest.approx(200.0)
    # Both zero is a perfect forecast (0/0 defined as 0); then 2/(1+3) -> 200/2 * (0 + 0.5) = 50.
    assert smape([0.0, 1.0], [0.0, 3.0]) == pytest.approx(50.0)
    assert smape([0.0, 0.0], [0.0, 0.0]) == 0.0


def test_seed_004_smape_is_a_quarter_of_the_real_one():
    # Seed 004 divided each error by (y + y_hat), halved that, averaged and took 100 times it:
    # 100 * mean(|e| / (y + y_hat) / 2) = 50 * mean(|e| / (y + y_hat)), against 200 * mean(...) here.
    actual = np.array([100.0, 200.0, 300.0])
    forecast = np.array([50.0, 220.0, 290.0])
    seed_004 = 100 * np.mean(np.abs(actual - forecast) / (actual + forecast) / 2)
    assert smape(actual, forecast) == pytest.approx(4 * seed_004)
    # For the one-point example: the seed reports 16.67 where sMAPE is 66.67.
    assert 100 * (50 / 150) / 2 == pytest.approx(smape([100.0], [50.0]) / 4)


def test_r2_by_hand():
    # mean y = 2.5; SS_tot = 2.25 + 0.25 + 0.25 + 2.25 = 5; SS_res = 6 -> 1 - 6/5 = -0.2
    assert r2(Y, Y_HAT) == pytest.approx(-0.2)
    # y_hat = [1, 2, 3, 5]: SS_res = 1 -> 1 - 1/5 = 0.8
    assert r2(Y, [1.0, 2.0, 3.0, 5.0]) == pytest.approx(0.8)
    assert r2(Y, Y) == 1.0


def test_mase_season_1_by_hand():
    # train [1, 3, 2, 5]: |3-1| + |2-3| + |5-2| = 2 + 1 + 3 = 6 over T - m = 3 -> q = 2
    train = np.array([1.0, 3.0, 2.0, 5.0])
    assert mase_scale(train, season=1) == pytest.approx(2.0)
    # test y = [6, 4], y_hat = [5, 5]: MAE = (1 + 1)/2 = 1 -> MASE = 1/2
    assert mase([6.0, 4.0], [5.0, 5.0], train) == pytest.approx(0.5)


def test_mase_season_24_by_hand():
    # Day 1: 0..23. Day 2: day 1 plus 1, 2, 1, 2, ... (diffs sum 12*1 + 12*2 = 36).
    # Two more hours: day 2's first two hours plus 3 (diffs 3, 3). 26 diffs, sum 42 -> q = 42/26.
    day1 = np.arange(24.0)
    day2 = day1 + np.tile([1.0, 2.0], 12)
    tail = day2[:2] + 3.0
    train = np.concatenate([day1, day2, tail])
    assert len(train) == 50
    assert mase_scale(train, season=24) == pytest.approx(42 / 26)
    # y = [10, 20, 30], y_hat = [12, 20, 27]: MAE = (2 + 0 + 3)/3 = 5/3 -> MASE = (5/3) / (42/26)
    assert mase([10.0, 20.0, 30.0], [12.0, 20.0, 27.0], train, season=24) == pytest.approx((5 / 3) / (42 / 26))
    # Season 1 on the same data is a different scale (it must not be ignored).
    assert mase_scale(train, season=1) != pytest.approx(42 / 26)


def test_metrics_flatten_any_shape():
    # The same 4 values as a (2, 2) block give the same numbers as flat.
    for metric in PAIR_METRICS:
        assert metric(Y.reshape(2, 2), Y_HAT.reshape(2, 2)) == pytest.approx(metric(Y, Y_HAT))
    # Integers are accepted and give floats.
    assert mae([1, 2], [2, 2]) == 0.5 and isinstance(mae([1, 2], [2, 2]), float)


@pytest.mark.parametrize("metric", PAIR_METRICS, ids=lambda f: f.__name__)
def test_shape_mismatch_message(metric):
    message = (
        "y_true has shape (3, 24) but y_pred has (3, 12); pass actuals and forecasts for the same windows and steps"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        metric(np.ones((3, 24)), np.ones((3, 12)))


def test_mase_shape_mismatch_message():
    with pytest.raises(ValueError, match=re.escape("y_true has shape (2,) but y_pred has (3,)")):
        mase([1.0, 2.0], [1.0, 2.0, 3.0], [1.0, 2.0, 4.0])


def test_mape_refuses_zero_actuals():
    message = r"^MAPE is undefined: y_true contains 3 zeros, .*use smape or mase instead$"
    with pytest.raises(UndefinedMetricError, match=message):
        mape([0.0, 1.0, 0.0, 2.0, 0.0], [1.0, 1.0, 1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"y_true contains 1 zero, "):
        mape([0.0, 1.0], [1.0, 1.0])
    # Zero forecasts are fine: only actuals divide.
    assert mape([2.0], [0.0]) == pytest.approx(100.0)


def test_mase_refuses_a_short_training_part():
    message = (
        "y_train has 24 value(s), too few for the seasonal naive scale with season 24, which needs at least 25; "
        "pass a longer training part or a smaller season"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        mase([1.0], [1.0], np.arange(24.0), season=24)


def test_mase_refuses_a_zero_scale():
    # Constant training part: every naive error is zero.
    message = r"^MASE is undefined: .*season 1.*scale, is zero; use mae or smape instead$"
    with pytest.raises(UndefinedMetricError, match=message):
        mase([1.0], [2.0], [3.0, 3.0, 3.0])
    # Period 2 with season 2 is exact too, though season 1 is not: |2-1| = |1-2| = 1 -> q = 1.
    periodic = np.array([1.0, 2.0, 1.0, 2.0, 1.0, 2.0])
    with pytest.raises(UndefinedMetricError, match="season 2"):
        mase_scale(periodic, season=2)
    assert mase_scale(periodic, season=1) == 1.0


def test_mase_refuses_bad_training_input_and_season():
    message = "y_train must be the 1-D training part of one series, got shape (2, 3)"
    with pytest.raises(ValueError, match=re.escape(message)):
        mase_scale(np.ones((2, 3)))
    with pytest.raises(ValueError, match="season must be a positive integer, got 0; use 1 for no seasonality"):
        mase_scale([1.0, 2.0], season=0)
    with pytest.raises(TypeError, match="season must be a positive integer, got float 1.5"):
        mase_scale([1.0, 2.0], season=1.5)


def test_r2_refuses_constant_actuals():
    with pytest.raises(UndefinedMetricError, match=r"^R² is undefined: y_true is constant \(3 values, all 5\)"):
        r2([5.0, 5.0, 5.0], [4.0, 5.0, 6.0])
    # The mean of [0.1, 0.1, 0.1] is not exactly 0.1 in floating point; still constant.
    with pytest.raises(UndefinedMetricError, match="constant"):
        r2([0.1, 0.1, 0.1], [0.1, 0.2, 0.3])


def test_undefined_metric_error_is_a_value_error():
    assert issubclass(UndefinedMetricError, ValueError)


@pytest.mark.parametrize("metric", PAIR_METRICS, ids=lambda f: f.__name__)
def test_bad_values_are_refused(metric):
    with pytest.raises(ValueError, match=re.escape("y_pred contains 2 non-finite values (NaN or inf)")):
        metric([1.0, 2.0, 3.0], [1.0, np.nan, np.inf])
    with pytest.raises(ValueError, match="y_true is empty; pass at least one value"):
        metric([], [])
    with pytest.raises(TypeError, match="y_true must hold numbers"):
        metric(["a", "b"], [1.0, 2.0])
