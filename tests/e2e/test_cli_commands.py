"""Every command, driven as a user would, with its files and numbers checked."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from grucast.cli.main import main

from cli_data import COLUMNS, FAST

METRICS = {"mae", "rmse", "mse", "mape", "smape", "mase", "r2"}


def test_train_writes_the_run_folder_and_the_metrics_contract(trained_run, load_csv):
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert set(metrics["model"]) == METRICS
    assert set(metrics["baselines"]) == {"naive", "seasonal_naive"}
    assert all(set(v) == METRICS for v in metrics["baselines"].values())
    assert metrics["train_seconds"] > 0
    # Every epoch has the same number of batches; the report quotes the count.
    steps, epochs = metrics["optimiser_steps"], metrics["epochs_run"]
    assert steps > 0 and steps % epochs == 0
    assert f"{epochs} epochs (best: {metrics['best_epoch']}), {steps:,} optimiser steps" in (
        trained_run / "report.md").read_text()
    epoch_limit = metrics["best_epoch"] == epochs - 1 and epochs == json.loads(
        (trained_run / "config.json").read_text())["settings"]["epochs"]
    limit_notes = [note for note in metrics["notes"] if "was still falling" in note]
    assert limit_notes == ([f"the validation loss was still falling in the last of the {epochs} epochs ({steps} "
                            "optimiser steps): more training (--epochs) may lower it further"] if epoch_limit else [])
    for name in ("config.json", "pipeline.json", "intervals.json", "model.safetensors", "forecasts.csv",
                 "future.csv", "report.md", "logs/metrics.csv", "plots/loss_curves.png", "plots/horizon_mae.png"):
        assert (trained_run / name).exists(), name
    # The naive baseline by hand: test windows are those whose 6 targets lie in the
    # last 48 rows; origin o (last input row) forecasts y[o] for y[o+1..o+6].
    frame = pd.read_csv(load_csv)
    errors = []
    for _, group in frame.groupby("region", sort=False):
        y = group.load.to_numpy()
        for origin in range(len(y) - 48 - 1, len(y) - 6):
            errors.append(np.abs(y[origin + 1 : origin + 7] - y[origin]))
    assert metrics["baselines"]["naive"]["mae"] == pytest.approx(np.mean(errors), rel=1e-13)  # sums in another order
    assert metrics["windows"] == 2 * (48 - 6 + 1)


def test_predict_continues_every_series(trained_run, load_csv, tmp_path):
    out = tmp_path / "forecast.csv"
    assert main(["predict", "--run", str(trained_run), "--data", str(load_csv), "--out", str(out)]) == 0
    frame = pd.read_csv(out, parse_dates=["time"])
    assert list(frame.columns) == ["series", "time", "step", "value", "lower", "upper"]
    assert len(frame) == 2 * 6
    north = frame[frame.series == "north"]
    assert list(north.time) == list(pd.date_range("2022-03-26 00:00", periods=6, freq="h"))
    assert ((north.lower <= north.value) & (north.value <= north.upper)).all()


def test_evaluate_reproduces_the_training_metrics(trained_run, load_csv, tmp_path, capsys):
    out = tmp_path / "m.json"
    assert main(["evaluate", "--run", str(trained_run), "--data", str(load_csv), "--out", str(out)]) == 0
    again = json.loads(out.read_text())
    original = json.loads((trained_run / "metrics.json").read_text())
    assert again["model"] == original["model"]
    assert again["baselines"] == original["baselines"]
    assert "seasonal_naive" in capsys.readouterr().out


def test_backtest_scores_every_stride_origin(trained_run, load_csv, tmp_path):
    out = tmp_path / "bt.json"
    assert main(["backtest", "--run", str(trained_run), "--data", str(load_csv), "--stride", "6", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    # 43 test windows per series, every 6th counted back from the last: 8 each.
    assert result["pooled"]["windows"] == 2 * 8
    assert set(result["pooled"]["model"]) == METRICS


def test_compare_trains_each_model_under_one_budget(load_csv, tmp_path):
    out = tmp_path / "cmp"
    assert main(["compare", "--data", str(load_csv), *COLUMNS, *FAST, "--models", "gru,lstm", "--out", str(out)]) == 0
    table = pd.read_csv(out / "comparison.csv")
    assert table.model.tolist() == ["gru", "lstm", "naive", "seasonal_naive"]
    assert (table.loc[:1, "train_seconds"] > 0).all() and (table.loc[:1, "parameters"] > 0).all()
    # End to end includes the training, so it is never shorter.
    assert (table.loc[:1, "fit_and_evaluate_seconds"] >= table.loc[:1, "train_seconds"]).all()
    assert (out / "comparison.png").stat().st_size > 0


def test_config_file_with_command_line_override(load_csv, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('lookback = 12\nhorizon = 3\nepochs = 1\nhidden-size = 4\nmodel = "lstm"\n')
    out = tmp_path / "cfg"
    args = ["train", "--data", str(load_csv), *COLUMNS, "--config", str(config), "--horizon", "4",
            "--num-layers", "1", "--threads", "1", "--quiet", "--out", str(out)]
    assert main(args) == 0
    resolved = json.loads((out / "config.json").read_text())["settings"]
    assert resolved["lookback"] == 12 and resolved["horizon"] == 4
    assert resolved["model"] == "lstm" and resolved["hidden_size"] == 4 and resolved["num_layers"] == 1
    assert resolved["epochs"] == 1 and resolved["window_norm"] in ("none", "last", "mean_std")


def test_same_data_flags_and_seed_give_identical_forecasts(trained_run, load_csv, tmp_path):
    out = tmp_path / "again"
    assert main(["train", "--data", str(load_csv), *COLUMNS, *FAST, "--out", str(out)]) == 0
    first = pd.read_csv(trained_run / "future.csv")
    second = pd.read_csv(out / "future.csv")
    pd.testing.assert_frame_equal(first, second)


def test_python_dash_m_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "grucast", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("grucast, version")


def test_the_report_tables_the_intervals_of_the_model_and_the_baselines(trained_run):
    metrics = json.loads((trained_run / "metrics.json").read_text())
    report = (trained_run / "report.md").read_text()
    intervals = metrics["intervals"]
    assert intervals["level"] == 0.9
    rows = [line for line in report.splitlines() if line.startswith("| ") and "%" in line and "coverage" not in line]
    assert [row.split(" | ")[0] for row in rows] == ["| **gru**", "| naive", "| seasonal_naive"]
    for row, name in zip(rows, ("model", "naive", "seasonal_naive"), strict=True):
        assert f"{100 * intervals[name]['coverage']:.1f} %" in row
        assert f"{intervals[name]['interval_score']:.4g}" in row
    assert (trained_run / "plots" / "interval_coverage.png").stat().st_size > 10_000
