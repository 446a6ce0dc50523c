"""Quantile forecasts: monotone by construction, calibrated by CQR, scored beside the baselines' bands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from grucast.api import Forecaster
from grucast.api.intervals import cqr_shifts, nested
from grucast.data import from_dataframe
from grucast.models import MODELS, build_model


@pytest.mark.parametrize("name", sorted(MODELS))
def test_quantiles_never_cross(name):
    torch.manual_seed(0)
    model = build_model(name, input_size=3, horizon=4, hidden_size=8, quantiles=(0.05, 0.1, 0.5, 0.9, 0.95), n_future=2)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.normal_(0, 2)  # wild weights: monotone by construction, not by luck
        out = model(torch.randn(64, 12, 3), torch.randn(64, 4, 2))
    assert out.shape == (64, 4, 5)
    assert (out.diff(dim=-1) >= 0).all()  # never crossing (a gap can underflow to zero in float32)


def test_cqr_shifts_by_hand():
    # 4 windows, 1 step; quantiles 0.25 / 0.75 (a 50 % band) at 0 / 1; actuals 0.5, 3, -2, 1.5.
    quantiles = np.tile(np.array([0.0, 0.5, 1.0]), (4, 1, 1))
    actual = np.array([[0.5], [3.0], [-2.0], [1.5]])
    # Scores max(q_lo - y, y - q_hi): -0.5, 2, 2, 0.5 -> sorted -0.5, 0.5, 2, 2; rank ceil(5 * 0.5) = 3: 2.
    shift, missing = cqr_shifts(quantiles, actual, [0.25, 0.5, 0.75])
    np.testing.assert_allclose(shift, [[-2.0, 0.0, 2.0]])
    assert missing == []
    shift, missing = cqr_shifts(quantiles, actual, [0.05, 0.5, 0.95])  # a 90 % band needs rank 5 > 4
    assert missing == ["90 %"] and not shift.any()
    # After calibration the bands stay nested around the median.
    assert nested(np.array([3.0, 1.0, 2.0, 1.5, 4.0]), [0.05, 0.1, 0.5, 0.9, 0.95]).tolist() == [1.0, 1.0, 2.0, 2.0, 4.0]


@pytest.fixture(scope="module")
def noisy_run():
    # A daily cycle plus i.i.d. standard normal noise: the true 10 % and 90 % quantiles are the
    # cycle -/+ 1.2816; the test period is long (about 3,000 windows of 2 steps).
    rng = np.random.default_rng(0)
    rows = 12_000
    t = np.arange(rows)
    frame = pd.DataFrame({
        "time": pd.date_range("2020-01-01", periods=rows, freq="h"),
        "y": 20 + 5 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 1, rows),
    })
    data = from_dataframe(frame, time_col="time", target="y")
    forecaster = Forecaster(lookback=24, horizon=2, hidden_size=16, num_layers=1, epochs=4, lr=0.01, batch_size=256,
                            quantiles=(0.1, 0.9), test_size=0.25, val_size=0.2, window_norm="none",
                            progress=False, threads=1, accelerator="cpu")
    forecaster.fit(data)
    return forecaster


def test_quantiles_hold_their_nominal_coverage_on_a_long_test_period(noisy_run):
    assert noisy_run.settings_.quantiles == (0.1, 0.5, 0.9)
    w = noisy_run.forecast_windows()
    below_low = (w["actual"] <= w["q0.1"]).mean()
    below_high = (w["actual"] <= w["q0.9"]).mean()
    assert abs(below_low - 0.1) <= 0.03 and abs(below_high - 0.9) <= 0.03, (below_low, below_high)
    inside = ((w["actual"] >= w["q0.1"]) & (w["actual"] <= w["q0.9"])).mean()
    assert inside >= 0.8 - 0.03
    assert (w["q0.1"] <= w["q0.5"]).all() and (w["q0.5"] <= w["q0.9"]).all()
    np.testing.assert_array_equal(w["q0.5"], w["forecast"])  # the median is the point forecast


def test_quantile_scores_sit_beside_the_baselines_bands(noisy_run):
    scores = noisy_run.evaluate().to_dict()
    quantiles = scores["quantiles"]
    assert set(quantiles) == {"model", "naive", "seasonal_naive"}
    model, seasonal = quantiles["model"]["overall"], quantiles["seasonal_naive"]["overall"]
    assert {"pinball_0.1", "pinball_0.5", "pinball_0.9", "wql", "crps", "coverage_80", "width_80",
            "interval_score_80"} <= set(model)
    # The model knows the cycle; the seasonal naive band carries two noise draws: twice the variance.
    assert model["interval_score_80"] < seasonal["interval_score_80"]
    assert model["crps"] < seasonal["crps"]
    assert abs(seasonal["coverage_80"] - 0.8) <= 0.03  # its band comes from its own calibration errors
    intervals = scores["intervals"]
    assert intervals["level"] == 0.9 and set(intervals) == {"level", "model", "naive", "seasonal_naive"}
    future = noisy_run.predict()
    assert list(future.columns) == ["series", "time", "step", "value", "lower", "upper", "q0.1", "q0.5", "q0.9"]


def test_calibration_records_the_validation_errors_of_model_and_baselines():
    from grucast.api.intervals import Calibration, calibrate

    true = torch.tensor([[[1.0], [2.0]], [[3.0], [5.0]]])  # (2 windows, 2 steps, 1)
    pred = torch.tensor([[[1.5], [2.0]], [[2.0], [5.0]]])  # errors 0.5, 0, 1, 0: mean 0.375
    baselines = {"naive": np.array([[1.0, 1.0], [3.0, 3.0]]),  # errors 0, 1, 0, 2: mean 0.75
                 "seasonal_naive": np.array([[1.0, 2.0], [3.0, 4.0]])}  # errors 0, 0, 0, 1: mean 0.25
    calibration = calibrate(pred, true, baselines, level=0.5, levels=(), median_index=0, source="validation")
    assert calibration.errors == {"model": 0.375, "naive": 0.75, "seasonal_naive": 0.25}
    assert Calibration.from_dict(calibration.to_dict()).errors == calibration.errors


def test_a_run_says_when_a_baseline_beat_the_model_on_validation():
    from types import SimpleNamespace

    from grucast.api.intervals import Calibration
    from grucast.api.runs import interval_notes

    def run(errors):
        calibration = Calibration(0.9, np.zeros(2), 100, "validation", errors=errors)
        return interval_notes(SimpleNamespace(calibration_=calibration))

    assert run({"model": 0.4, "naive": 0.9, "seasonal_naive": 0.5}) == []
    assert run({"model": 0.4, "naive": 0.35, "seasonal_naive": 0.3}) == [
        "on the validation part the seasonal naive forecast's error was below the model's (MAE 0.3 vs 0.4 in scaled "
        "units): compare them on the test part above before trusting the model's forecasts"]
