"""The Forecaster API: fit, predict, save/load, intervals and its errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from grucast.api import Forecaster
from grucast.api.inference import inference_batch_size
from grucast.api.intervals import calibration_sample
from grucast.api.intervals import conformal_radius
from grucast.data import NotFittedError, from_dataframe
from grucast.errors import InputError, InputTypeError, RunFolderError


def hourly_frame(rows: int = 1500, series: int = 2, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = []
    for s in range(series):
        steps = np.arange(rows)
        value = 10 * (s + 1) + 3 * np.sin(2 * np.pi * steps / 24) + rng.normal(0, 0.5, rows)
        parts.append(pd.DataFrame({"site": f"s{s}", "time": pd.date_range("2021-03-01", periods=rows, freq="h"), "load": value}))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def fitted():
    data = from_dataframe(hourly_frame(), time_col="time", target="load", series_col="site")
    forecaster = Forecaster("gru", lookback=48, horizon=6, hidden_size=24, num_layers=1, epochs=4,
                            lr=0.01, progress=False, accelerator="cpu", threads=1)
    return forecaster.fit(data), data


def test_predict_continues_each_series_in_its_units(fitted):
    forecaster, data = fitted
    out = forecaster.predict()
    assert list(out.columns) == ["series", "time", "step", "value", "lower", "upper"]
    assert len(out) == 2 * 6
    first = out[out.series == "s0"]
    last_time = pd.Timestamp(data["s0"].time[-1])
    assert list(first.time) == list(pd.date_range(last_time + pd.Timedelta(hours=1), periods=6, freq="h"))
    assert first.step.tolist() == [1, 2, 3, 4, 5, 6]
    # Series s1 lives around 20, s0 around 10: forecasts come back in each one's units.
    assert out[out.series == "s0"].value.between(5, 15).all()
    assert out[out.series == "s1"].value.between(15, 25).all()
    assert (out.lower < out.value).all() and (out.value < out.upper).all()


def test_save_load_round_trip_gives_identical_forecasts(fitted, tmp_path):
    forecaster, data = fitted
    forecaster.save(tmp_path / "run")
    loaded = Forecaster.load(tmp_path / "run")
    pd.testing.assert_frame_equal(loaded.predict(data), forecaster.predict())
    for name in ("config.json", "pipeline.json", "intervals.json", "model.safetensors", "logs/metrics.csv"):
        assert (tmp_path / "run" / name).exists(), name
    with pytest.raises(RunFolderError, match=r"already exists and is not empty; choose another output folder or "
                                             r"pass overwrite=True to replace that run"):
        forecaster.save(tmp_path / "run")
    forecaster.save(tmp_path / "run", overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # replaced in place, nothing left beside it


def test_windows_beat_naive_on_a_daily_cycle(fitted):
    forecaster, data = fitted
    w = forecaster.forecast_windows()
    last = np.array([data.series[s].target[o] for s, o in zip(w["series"], w["origin"])])
    model_mae = np.abs(w["actual"] - w["forecast"]).mean()
    naive_mae = np.abs(w["actual"] - last[:, None]).mean()
    assert model_mae < naive_mae


def test_conformal_radius_is_the_right_order_statistic():
    residuals = np.array([[0.1], [-0.5], [0.3], [0.2], [-0.4], [0.05], [0.9], [-0.15], [0.25]])
    # n = 9, level 0.8: rank ceil(10 * 0.8) = 8 of the sorted |e|:
    # 0.05 0.1 0.15 0.2 0.25 0.3 0.4 0.5 0.9 -> 0.5
    radius, calibrated = conformal_radius(residuals, 0.8)
    assert radius.tolist() == [0.5] and calibrated
    # level 0.95 needs rank ceil(9.5) = 10 > 9: not calibrated; the largest error is used, never infinity.
    radius, calibrated = conformal_radius(residuals, 0.95)
    assert radius.tolist() == [0.9] and not calibrated


def test_interval_coverage_on_synthetic_data():
    data = from_dataframe(hourly_frame(rows=3000, series=1, seed=1), time_col="time", target="load", series_col="site")
    forecaster = Forecaster("gru", lookback=48, horizon=4, hidden_size=16, num_layers=1, epochs=3, lr=0.01,
                            val_size=0.25, test_size=0.25, interval_level=0.9, progress=False, threads=1)
    forecaster.fit(data)
    w = forecaster.forecast_windows()
    covered = (w["actual"] >= w["lower"]) & (w["actual"] <= w["upper"])
    # ~740 test windows per step; exchangeable noise: coverage near 90 % at every step.
    assert covered.shape[1] == 4
    assert 0.84 <= covered.mean() <= 0.96, covered.mean(axis=0)


def test_errors_before_fit_and_on_bad_settings(tmp_path):
    with pytest.raises(NotFittedError, match=r"not fitted yet; call fit\(data\)"):
        Forecaster().predict()
    data = from_dataframe(hourly_frame(rows=400, series=1), time_col="time", target="load", series_col="site")
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'epoch'"):
        Forecaster(epoch=3)
    with pytest.raises(InputError, match=r"^unknown setting\(s\) epoch; known ones are model, lookback, horizon, "):
        Forecaster().set_params(epoch=3)
    with pytest.raises(InputError, match=r"^model must be one of gru, bigru, lstm, rnn, cnn-gru, mingru, got 'tcn'$"):
        Forecaster("tcn").fit(data)
    with pytest.raises(InputError, match=r"^lookback must be a positive integer, got 0$"):
        Forecaster(lookback=0).fit(data)
    with pytest.raises(InputTypeError, match=r"^lookback must be a positive integer, got bool True$"):
        Forecaster(lookback=True).fit(data)
    with pytest.raises(TypeError, match=r"fit expects a SeriesSet, got DataFrame"):
        Forecaster().fit(hourly_frame())
    with pytest.raises(RunFolderError, match=r"is not a complete grucast run folder \(missing config.json"):
        Forecaster.load(tmp_path)


def test_non_negative_series_get_non_negative_forecasts_and_bounds():
    rng = np.random.default_rng(3)
    rows = 1200
    # Mostly zero with spikes, like a sub-meter: bounds would dip below zero unclipped.
    value = np.where(rng.random(rows) < 0.8, 0.0, rng.exponential(2.0, rows))
    frame = pd.DataFrame({"time": pd.date_range("2021-01-01", periods=rows, freq="h"), "meter": value})
    data = from_dataframe(frame, time_col="time", target="meter")
    forecaster = Forecaster("gru", lookback=24, horizon=3, hidden_size=8, num_layers=1, epochs=1, progress=False, threads=1)
    forecaster.fit(data)
    assert forecaster.pipeline_.nonnegative_ == {"meter": True}
    w = forecaster.forecast_windows()
    assert (w["lower"] >= 0).all() and (w["forecast"] >= 0).all()
    assert (w["lower"] == 0).any()


def test_per_step_notes_are_folded_into_one_line():
    from grucast.api.scoring import _condensed_notes

    notes = ["overall: MAPE is undefined: zeros", "step 1: MAPE is undefined: zeros", "step 2: MAPE is undefined: zeros",
             "step 7: MAPE is undefined: zeros", "series 'a': MAPE is undefined: zeros", "step 1: MAPE is undefined: zeros"]
    assert _condensed_notes(notes) == [
        "overall: MAPE is undefined: zeros",
        "series 'a': MAPE is undefined: zeros",
        "3 horizon step(s) (1..7): MAPE is undefined",
    ]


def test_temporary_training_folder_goes_with_the_forecaster():
    import gc

    from grucast.data import SeriesSet

    forecaster = Forecaster(lookback=10, horizon=2, epochs=1, hidden_size=4, progress=False, threads=1)
    forecaster.fit(SeriesSet.from_arrays(np.sin(np.arange(400) / 5)))
    folder = forecaster.fit_result_.log_dir.parent
    assert folder.exists()
    del forecaster
    gc.collect()
    assert not folder.exists()


def test_forecasts_do_not_depend_on_the_inference_batch_size(fitted, monkeypatch):
    forecaster, _ = fitted
    whole = forecaster.forecast_windows(part="train")
    # 7 windows per pass: many batches, the last one short, results stitched in order.
    monkeypatch.setattr("grucast.api.inference.inference_batch_size", lambda *args, **kwargs: 7)
    pieces = forecaster.forecast_windows(part="train")
    for key in ("actual", "series", "origin"):
        np.testing.assert_array_equal(pieces[key], whole[key], err_msg=key)
    for key in ("forecast", "lower", "upper"):  # a matmul's rounding may depend on its row count
        np.testing.assert_allclose(pieces[key], whole[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_inference_batches_keep_the_input_projection_under_budget():
    # lookback 168, hidden 64: 168 * 3 * 64 * 4 bytes = 129 KiB a window; 24 MiB / 129 KiB = 190.
    assert inference_batch_size(168, 64) == 128
    assert inference_batch_size(90, 256) == 64  # 270 KiB a window
    assert inference_batch_size(10, 50) == 4096  # capped
    assert inference_batch_size(5000, 1024) == 32  # floored
    # Never above the training batch (or 128): forecasting needs no more memory than training.
    assert inference_batch_size(60, 64) == 512
    assert inference_batch_size(60, 64, training_batch=256) == 256
    assert inference_batch_size(60, 64, training_batch=300) == 256
    assert inference_batch_size(60, 64, training_batch=16) == 128


def test_calibration_uses_evenly_spaced_windows_beyond_the_limit():
    np.testing.assert_array_equal(calibration_sample(5, limit=8).numpy(), np.arange(5))
    sample = calibration_sample(100_000, limit=8192).numpy()
    assert len(sample) == 8192 and sample[0] == 0 and sample[-1] == 99_999
    assert (np.diff(sample) >= 12).all() and (np.diff(sample) <= 13).all()


def test_a_monthly_collection_with_short_series_trains_with_the_defaults():
    # Lengths from 12 to 120 months: the default lookback (36) and horizon (12) fit only some.
    rng = np.random.default_rng(5)
    parts = []
    for index, length in enumerate([12, 14, 30, 60, 120, 9]):
        times = pd.date_range("2010-01-01", periods=length, freq="MS")
        season = 10 * np.sin(2 * np.pi * np.arange(length) / 12)
        parts.append(pd.DataFrame({"id": f"s{index}", "month": times, "sales": 100 + season + rng.normal(0, 1, length)}))
    data = from_dataframe(pd.concat(parts), time_col="month", target="sales", series_col="id")
    forecaster = Forecaster(hidden_size=8, num_layers=1, epochs=2, progress=False, threads=1).fit(data)
    assert (forecaster.settings_.lookback, forecaster.settings_.horizon) == (36, 12)
    assert forecaster.pipeline_.padded_ and forecaster.pipeline_.excluded_ == ("s0", "s5")
    scores = forecaster.evaluate()
    assert sorted(scores.model.per_series) == ["s1", "s2", "s3", "s4"]  # every kept series is scored
    future = forecaster.predict(data)
    assert future.groupby("series").size().to_dict() == {"s1": 12, "s2": 12, "s3": 12, "s4": 12}
    assert future.value.notna().all()


@pytest.fixture(scope="module")
def six_series():
    data = from_dataframe(hourly_frame(rows=200, series=6, seed=5), time_col="time", target="load", series_col="site")
    forecaster = Forecaster("gru", lookback=24, horizon=6, hidden_size=8, num_layers=1, epochs=1, test_size=30,
                            progress=False, accelerator="cpu", threads=1)
    return forecaster.fit(data)


def _assert_metrics_close(a, b):
    for got, expected in ((a.overall, b.overall), *zip(a.per_series.values(), b.per_series.values()),
                          *zip(a.per_step.values(), b.per_step.values())):
        # Up to float32 rounding: chunks make smaller batches, and matmul kernels may round those differently.
        assert got == {k: (None if v is None else pytest.approx(v, rel=1e-6)) for k, v in expected.items()}
    assert list(a.per_series) == list(b.per_series) and a.notes == b.notes


def test_evaluation_in_small_chunks_equals_one_pass_over_every_window(six_series, monkeypatch):
    import grucast.api.forecaster as module
    from grucast.api.runs import test_frame
    from grucast.evaluation import evaluate_many

    whole = six_series.evaluate()
    monkeypatch.setattr(module, "_EVALUATION_CELLS", 12)  # 2 windows per chunk: every series spans chunks
    chunked = six_series.evaluate()
    report = six_series.evaluate(keep="report")
    bare = six_series.evaluate(keep="none")
    _assert_metrics_close(chunked.model, whole.model)
    for name in ("naive", "seasonal_naive"):
        _assert_metrics_close(chunked.baselines[name], whole.baselines[name])
    assert chunked.intervals == {name: {k: pytest.approx(v) for k, v in scores.items()}
                                 for name, scores in whole.intervals.items()}
    # The reference: every window's arrays scored in one call.
    w = whole.windows
    labels = np.array(six_series.windows_.data.names, dtype=object)[w["series"]]
    train = {s.name: s.target[: six_series.windows_.plan[s.name].train_end] for s in six_series.windows_.data}
    reference = evaluate_many(w["actual"], {"model": w["forecast"]}, labels, train, six_series.settings_.season)
    _assert_metrics_close(whole.model, reference["model"])
    inside = (w["actual"] >= w["lower"]) & (w["actual"] <= w["upper"])
    assert whole.coverage_per_step["model"] == pytest.approx(inside.mean(axis=0).tolist())
    assert whole.intervals["model"]["coverage"] == pytest.approx(inside.mean())
    # What each keeps: every window; the run folder's (forecasts.csv's, and the first 4 series' for plots); none.
    assert whole.n_windows == report.n_windows == bare.n_windows == len(w["actual"]) == 6 * (30 - 6 + 1)
    assert bare.windows == {} and bare.model.overall == report.model.overall
    kept = w["in_frame"] | (w["series"] < 4)
    assert 0 < kept.sum() < len(kept)
    for key, values in report.windows.items():
        if key in ("forecast", "lower", "upper"):  # computed in other batches: equal up to float32 rounding
            np.testing.assert_allclose(values, w[key][kept], rtol=1e-6, err_msg=key)
        else:
            np.testing.assert_array_equal(values, w[key][kept], err_msg=key)
    frame = test_frame(whole.windows, six_series.windows_.data, 6)
    pd.testing.assert_frame_equal(test_frame(report.windows, six_series.windows_.data, 6), frame)
    # 30 test rows per series in 5 origins of 6 steps, the last ending at the series' end.
    assert len(frame) == 6 * 30 and frame.groupby("series").time.nunique().eq(30).all()


def test_forecasts_csv_places_each_window_in_its_series_when_a_series_is_left_out(tmp_path):
    from grucast.api.runs import train_run

    frame = hourly_frame(rows=200, series=3, seed=6)
    frame = frame[(frame.site != "s0") | (frame.time < frame.time.min() + pd.Timedelta(hours=20))]  # s0: too short
    data = from_dataframe(frame, time_col="time", target="load", series_col="site")
    forecaster = Forecaster("gru", lookback=24, horizon=6, hidden_size=8, num_layers=1, epochs=1, test_size=30,
                            progress=False, accelerator="cpu", threads=1)
    train_run(data, forecaster, tmp_path / "run", plots=False)
    assert forecaster.pipeline_.excluded_ == ("s0",)
    written = pd.read_csv(tmp_path / "run" / "forecasts.csv", parse_dates=["time"])
    assert sorted(written.series.unique()) == ["s1", "s2"]
    truth = frame.set_index(["site", "time"]).load
    np.testing.assert_allclose(written.actual, truth.loc[list(zip(written.series, written.time))].to_numpy())


def test_prediction_in_chunks_of_series_equals_one_batch_of_all(six_series, monkeypatch):
    """predict() makes inputs and runs the network a few series at a time (here 4, then 2):
    the table equals the one made from every series' inputs in one batch."""
    import grucast.api.forecaster as module

    data = six_series.windows_.data
    pipeline = six_series.pipeline_
    batch, times = pipeline.forecast_inputs(data)
    with torch.no_grad():
        pred = six_series.module_.eval()(batch)
    reference = six_series.forecast_frame(pred, batch, data.names, times, pipeline, basis=data.time_basis)
    monkeypatch.setattr(module, "inference_batch_size", lambda *args, **kwargs: 4)
    chunked = six_series.predict(data)
    assert chunked.series.tolist() == reference.series.tolist()
    assert (chunked.time == reference.time).all() and (chunked.step == reference.step).all()
    for column in ("value", "lower", "upper"):
        np.testing.assert_allclose(chunked[column].to_numpy(), reference[column].to_numpy(), rtol=1e-6, atol=1e-9)


def test_the_fit_counts_its_optimiser_steps(fitted):
    forecaster, _ = fitted
    batches = -(-len(forecaster.windows_.train) // forecaster.settings_.batch_size)  # the last batch is partial
    result = forecaster.fit_result_
    assert result.steps == result.epochs_run * batches


def test_a_note_says_when_the_last_epoch_was_still_the_best():
    from types import SimpleNamespace

    from grucast.api.runs import training_notes
    from grucast.training.fit import FitResult

    def notes(epochs_run: int, best_epoch: int, epochs: int = 20) -> list[str]:
        result = FitResult(train_seconds=1.0, epochs_run=epochs_run, best_epoch=best_epoch, best_loss=0.5,
                           monitor="val_loss", steps=epochs_run * 6)
        return training_notes(SimpleNamespace(fit_result_=result, settings_=SimpleNamespace(epochs=epochs)))

    assert notes(20, 19) == [
        "the validation loss was still falling in the last of the 20 epochs (120 optimiser steps): more training "
        "(epochs) may lower it further"
    ]
    assert notes(20, 14) == []  # it had stopped improving
    assert notes(12, 11, epochs=20) == []  # stopped early on another criterion: not the epoch limit


def test_the_default_number_of_epochs_makes_about_a_thousand_steps_within_20_to_200_epochs():
    from grucast.settings import Settings, default_epochs

    # min(200, max(20, ceil(1000 / steps per epoch))), worked out by hand:
    assert [default_epochs(b) for b in (1, 4, 5, 6, 18, 50, 51, 360)] == [200, 200, 200, 167, 56, 20, 20, 20]
    assert Settings().with_epochs(18 * 256).epochs == 56  # 18 full batches of 256 windows
    assert Settings().with_epochs(18 * 256 + 1).epochs == 53  # 19 batches, the last of one window
    assert Settings(max_batches=5).with_epochs(100_000).epochs == 200  # at most 5 batches an epoch
    assert Settings(epochs=3).with_epochs(10).epochs == 3  # a given number is kept
    assert not Settings(lookback=4, horizon=2, season=1, window_norm="none", calendar="none", skip="none",
                        loss="mae").is_resolved  # until the epochs are chosen too


def test_a_fit_with_the_default_epochs_records_the_number_it_chose():
    data = from_dataframe(hourly_frame(rows=300, series=1), time_col="time", target="load", series_col="site")
    forecaster = Forecaster("gru", lookback=24, horizon=6, hidden_size=4, num_layers=1, batch_size=64, patience=1,
                            progress=False, accelerator="cpu", threads=1).fit(data)
    batches = -(-len(forecaster.windows_.train) // 64)
    assert batches == 4 and forecaster.epochs is None
    assert forecaster.settings_.epochs == 200 and forecaster.settings_.is_resolved
    assert forecaster.fit_result_.steps == forecaster.fit_result_.epochs_run * batches
