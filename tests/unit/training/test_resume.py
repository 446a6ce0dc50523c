"""Resuming an interrupted fit from last.ckpt gives the weights of an uninterrupted one."""

from __future__ import annotations

import lightning.pytorch as pl
import pytest
import torch

from grucast.api import Forecaster
from grucast.data import from_dataframe
from grucast.data.datasets.household_power import CHANNELS, household_power_frame
from grucast.errors import RunFolderError


class Crash(pl.Callback):
    """Fails at the start of an epoch, as a killed process would stop."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_train_epoch_start(self, trainer, module) -> None:
        if trainer.current_epoch == self.epoch:
            raise RuntimeError("power cut")


def forecaster() -> Forecaster:
    return Forecaster("gru", lookback=24, horizon=6, hidden_size=8, num_layers=1, dropout=0.0, epochs=4,
                      max_batches=3, batch_size=32, patience=0, progress=False, accelerator="cpu", threads=1)


def test_resume_continues_where_training_stopped(tmp_path):
    frame = household_power_frame().tail(600)
    data = from_dataframe(frame, time_col="time", target=list(CHANNELS), freq="h")
    whole = forecaster().fit(data, run_dir=tmp_path / "whole")
    interrupted = forecaster()
    with pytest.raises(RuntimeError, match="power cut"):
        interrupted.fit(data, run_dir=tmp_path / "cut", callbacks=[Crash(2)])
    last = tmp_path / "cut" / "checkpoints" / "last.ckpt"
    assert torch.load(last, weights_only=True)["epoch"] == 1  # epochs 0 and 1 were done
    resumed = forecaster().fit(data, run_dir=tmp_path / "again", checkpoints=last.parent, resume=True)
    assert [row["epoch"] for row in resumed.fit_result_.history] == [2.0, 3.0]
    for (name, a), (_, b) in zip(whole.module_.model.state_dict().items(), resumed.module_.model.state_dict().items()):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=name)
    with pytest.raises(RunFolderError, match="there is no interrupted training to resume"):
        forecaster().fit(data, run_dir=tmp_path / "x", checkpoints=tmp_path / "none", resume=True)
