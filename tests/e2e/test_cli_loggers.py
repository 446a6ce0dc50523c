"""Experiment tracking through Lightning's loggers: CSV by default, TensorBoard and MLflow on request."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

from cli_data import COLUMNS, FAST
from grucast.cli.main import main
from test_cli_tune import one_error_line


def csv_losses(run: Path, name: str) -> list[float]:
    with (run / "logs" / "metrics.csv").open(newline="") as handle:
        return [float(row[name]) for row in csv.DictReader(handle) if row.get(name)]


def train(load_csv: Path, out: Path, *more: str) -> int:
    return main(["train", "--data", str(load_csv), *COLUMNS, *FAST, "--out", str(out), *more])


def test_csv_is_the_default_log_and_feeds_the_loss_plot(load_csv, tmp_path):
    run = tmp_path / "csv"
    assert train(load_csv, run) == 0
    assert len(csv_losses(run, "val_loss")) == 2 and len(csv_losses(run, "train_loss")) == 2
    assert (run / "plots" / "loss_curves.png").stat().st_size > 1000
    assert sorted(p.name for p in (run / "logs").iterdir()) == ["metrics.csv"]  # no tracker unless asked


def test_tensorboard_and_mlflow_at_once_log_the_same_losses_as_the_csv(load_csv, tmp_path, capfd):
    from mlflow.tracking import MlflowClient
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run = tmp_path / "tracked"
    assert train(load_csv, run, "--logger", "tensorboard,mlflow") == 0
    # MLflow narrates its database set-up at INFO; --quiet leaves stderr empty.
    assert capfd.readouterr().err == ""
    val_loss = csv_losses(run, "val_loss")
    assert len(val_loss) == 2  # the CSV log is kept beside the trackers

    board = run / "logs" / "tensorboard" / "tracked"  # one folder per run, named after the run folder
    assert len(list(board.glob("events.out.tfevents.*"))) == 1
    events = EventAccumulator(str(board))
    events.Reload()
    assert [e.value for e in events.Scalars("val_loss")] == pytest.approx(val_loss, rel=1e-6)

    client = MlflowClient(tracking_uri=f"sqlite:///{run / 'logs' / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("grucast")
    # The artifact folder recorded is in the run folder where it ended up, not where it was staged.
    assert experiment.artifact_location == (run / "logs" / "mlartifacts").resolve().as_uri()
    (tracked,) = client.search_runs([experiment.experiment_id])
    assert tracked.info.run_name == "tracked"
    assert tracked.data.params["hidden_size"] == "8" and tracked.data.params["lookback"] == "24"
    history = client.get_metric_history(tracked.info.run_id, "val_loss")
    assert [m.value for m in history] == pytest.approx(val_loss, rel=1e-6)


@pytest.mark.parametrize("command", ["train", "compare", "tune"])
def test_logger_is_an_option_of_train_compare_and_tune(command, capsys):
    assert main([command, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--logger TEXT Experiment trackers, comma-separated: csv (always kept: it feeds the loss plot), tensorboard, mlflow." in text


@pytest.mark.parametrize("tracker", ["tensorboard", "mlflow"])
def test_a_tracker_whose_package_is_missing_exits_2_naming_the_extra(tracker, monkeypatch, load_csv, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, tracker, None)  # as if the package were not installed
    run = tmp_path / "run"
    assert train(load_csv, run, "--logger", f"csv,{tracker}") == 2
    assert one_error_line(capsys) == (
        f"error: logger '{tracker}' needs the {tracker} package; install it with: pip install 'grucast[{tracker}]'"
    )
    assert not run.exists()


def test_an_unknown_tracker_exits_2_with_the_choices(load_csv, tmp_path, capsys):
    assert train(load_csv, tmp_path / "run", "--logger", "wandb") == 2
    line = one_error_line(capsys)
    assert "wandb" in line and "csv, tensorboard, mlflow" in line
