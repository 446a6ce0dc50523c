"""Training: the loss falls, direct and recursive agree, batches split across ranks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from grucast.data.frame import SeriesSet
from grucast.data import WindowPipeline, from_dataframe
from grucast.errors import InputError
from grucast.data.windows import WindowBatchSampler
from grucast.models import build_model
from grucast.models.rollout import recursive_forecast
from grucast.settings import Settings
from grucast.training import ForecastModule, fit_module
from grucast.training import sampler as sampler_module
from grucast.training.sampler import RankShardedBatches


def sine_windows(horizon: int):
    t = np.linspace(0, 8 * np.pi, 800)
    return WindowPipeline(24, horizon, calendar=(), window_norm="none").fit_transform(SeriesSet.from_arrays(np.sin(t)))


def train(windows, model_horizon: int, multi_step: str, tmp_path, epochs: int = 8):
    torch.manual_seed(0)
    model = build_model("gru", input_size=1, horizon=model_horizon, hidden_size=16, num_layers=1)
    config = Settings(lookback=24, horizon=windows.horizon, multi_step=multi_step, epochs=epochs, batch_size=32,
                      lr=0.01, loss="mse", progress=False, patience=0, accelerator="cpu", threads=1)
    module = ForecastModule(model, config)
    return module, fit_module(module, windows.train, windows.val, config, tmp_path)


def test_loss_falls_on_a_sine_wave(tmp_path):
    windows = sine_windows(horizon=4)
    module, result = train(windows, 4, "direct", tmp_path)
    losses = [row["val_loss"] for row in result.history]
    assert len(losses) == 8
    # Standard-scaled sine: predicting the mean would cost ~1.0 MSE.
    assert losses[0] > 5 * losses[-1]
    assert result.best_loss < 0.01
    assert result.best_loss == min(losses)
    assert (tmp_path / "checkpoints" / "best.ckpt").exists()
    assert (tmp_path / "logs" / "metrics.csv").exists()


def test_the_rollout_reads_each_steps_known_covariates_from_the_right_row():
    # Window i + 1 is window i shifted by one row: the covariates the rollout
    # appends after its first step (known_future[i, 0]) must be the last input
    # row of window i + 1, or a recursive forecast would pair each forecast with
    # the wrong hour.
    times = pd.date_range("2024-01-01", periods=400, freq="h")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"time": times, "load": rng.normal(size=400), "temp": rng.normal(size=400)})
    data = from_dataframe(frame, time_col="time", target="load", known_covariates="temp")
    windows = WindowPipeline(24, 3, calendar=("hour",), window_norm="none").fit_transform(data)
    batch = windows.train.batch(torch.arange(10))
    assert batch["known_future"].shape == (10, 3, 3)  # temp, hour_sin, hour_cos
    torch.testing.assert_close(batch["known_future"][:-1, 0], batch["x"][1:, -1, 1:], rtol=0, atol=0)
    torch.testing.assert_close(batch["known_future"][:-2, 1], batch["x"][2:, -1, 1:], rtol=0, atol=0)
    torch.testing.assert_close(batch["y"][:-1, 0], batch["x"][1:, -1, :1], rtol=0, atol=0)


class _Doubler(nn.Module):
    """A 'model' whose forecast is twice the last target input, plus its last covariate."""

    horizon = 1

    def forward(self, x):
        return (2 * x[:, -1:, :1] + x[:, -1:, 1:2]).reshape(-1, 1, 1)


def test_recursive_rollout_feeds_back_forecasts_and_known_covariates():
    x = torch.zeros(1, 3, 2)
    x[0, -1] = torch.tensor([1.0, 0.0])
    known = torch.tensor([[[10.0], [20.0], [30.0]]])
    # The row appended after step k carries covariate k, so step k + 1 reads it:
    # y1 = 2*1 + 0 = 2, y2 = 2*2 + 10 = 14, y3 = 2*14 + 20 = 48.
    out = recursive_forecast(_Doubler(), x, known, horizon=3)
    assert out.flatten().tolist() == [2.0, 14.0, 48.0]
    with pytest.raises(ValueError, match=r"known_future must be \(1, 3, 1\)"):
        recursive_forecast(_Doubler(), x, torch.zeros(1, 3, 2), horizon=3)


def test_recursive_needs_a_one_step_model():
    model = build_model("gru", input_size=1, horizon=4)
    with pytest.raises(ValueError, match=r"needs a one-step model \(horizon=1\), got horizon=4"):
        ForecastModule(model, Settings(horizon=4, multi_step="recursive"))


@pytest.mark.parametrize("world", [1, 2, 3])
def test_ranks_split_every_global_batch(monkeypatch, world):
    batches = WindowBatchSampler(10, 4, shuffle=True, seed=3)
    expected = [b.tolist() for b in WindowBatchSampler(10, 4, shuffle=True, seed=3)]
    shards = []
    for rank in range(world):
        monkeypatch.setattr(sampler_module, "world_and_rank", lambda r=rank: (world, r))
        sharded = RankShardedBatches(WindowBatchSampler(10, 4, shuffle=True, seed=3))
        shards.append([b.tolist() for b in sharded])
        assert len(sharded) == len(shards[-1])
    # Batches of 4, 4, 2: with 3 ranks the last batch (2 windows) is skipped.
    kept = [b for b in expected if len(b) >= world]
    for i, batch in enumerate(kept):
        assert sum((shards[r][i] for r in range(world)), []) == batch
    assert len(batches) == 3


def test_settings_errors():
    with pytest.raises(InputError, match=r"^lr must be a number > 0, got 0$"):
        Settings(lr=0)
    with pytest.raises(InputError, match=r"^loss must be one of auto, mae, mse, huber, mase, got 'l3'$"):
        Settings(loss="l3")
    with pytest.raises(InputError, match=r"^unknown setting\(s\) epoch; known ones are model, lookback, horizon"):
        Settings.from_dict({"epoch": 3})
