"""`grucast train --init-from RUN`: fine-tuning from a run folder, and its refusals."""

from __future__ import annotations

import json

import pandas as pd

from cli_data import hourly_load
from grucast.cli.main import main


def test_train_init_from_continues_a_run(trained_run, tmp_path, capsys):
    frame = hourly_load(rows=24 * 30, seed=3)
    east = hourly_load(rows=24 * 30, seed=4).query("region == 'south'").assign(region="east")  # one new series
    frame = pd.concat([frame, east])
    data = tmp_path / "newer.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "tuned"
    code = main(["train", "--init-from", str(trained_run), "--data", str(data), "--epochs", "1",
                 "--threads", "1", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "note: series 'east' was not in the training data" in err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs_run"] == 1
    pipeline = json.loads((out / "pipeline.json").read_text())
    before = json.loads((trained_run / "pipeline.json").read_text())
    assert pipeline["scaler"]["series"]["north"] == before["scaler"]["series"]["north"]
    assert set(pipeline["scaler"]["series"]) == {"north", "south", "east"}
    assert json.loads((out / "config.json").read_text())["settings"]["hidden_size"] == 8


def test_init_from_refuses_other_columns_or_settings_and_writes_nothing(trained_run, tmp_path, capsys):
    frame = hourly_load().assign(temp=1.0)
    data = tmp_path / "other.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "tuned"
    cases = [
        (["--past-covariates", "temp"], "the data's past covariates ('temp',) differ from the model's ()"),
        (["--hidden-size", "16"], "but --hidden-size 16 differs from the fitted --hidden-size 8"),
        (["--init-from", str(tmp_path / "missing")], "does not exist"),
    ]
    for extra, message in cases:
        args = ["train", "--init-from", str(trained_run), "--data", str(data), "--out", str(out), *extra]
        assert main(args) == 2
        err = capsys.readouterr().err
        last = err.strip().splitlines()[-1]
        assert last.startswith("error: ") and message in last and "Traceback" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.csv"]


def test_resume_continues_an_interrupted_train(load_csv, tmp_path, capsys, monkeypatch):
    import lightning.pytorch as pl

    import grucast.api.forecaster as forecaster_module
    from cli_data import COLUMNS, FAST

    class Crash(pl.Callback):
        def on_train_epoch_start(self, trainer, module):
            if trainer.current_epoch == 1:
                raise RuntimeError("power cut")

    real = forecaster_module.fit_module
    out = tmp_path / "run"
    args = ["train", "--data", str(load_csv), *COLUMNS, *FAST, "--dropout", "0", "--out", str(out)]
    assert main([*args, "--resume"]) == 2
    assert "there is no interrupted training of" in capsys.readouterr().err
    monkeypatch.setattr(forecaster_module, "fit_module", lambda *a, **k: real(*a[:5], [Crash()], **k))
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "run the same command with --resume to continue" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [".run.checkpoints"]
    monkeypatch.setattr(forecaster_module, "fit_module", real)
    assert main([*args, "--resume"]) == 0
    resumed = json.loads((out / "metrics.json").read_text())
    assert resumed["epochs_run"] == 1  # epoch 0 was done before the cut; epoch 1 ran now
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    uninterrupted = tmp_path / "whole"
    assert main(["train", "--data", str(load_csv), *COLUMNS, *FAST, "--dropout", "0", "--out", str(uninterrupted)]) == 0
    whole = json.loads((uninterrupted / "metrics.json").read_text())
    assert resumed["model"]["mae"] == whole["model"]["mae"]
