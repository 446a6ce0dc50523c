"""Run by test_ddp.py: the same training on 1 process and on N CPU processes (gloo).

Lightning's "ddp" strategy re-runs this script for ranks 1..N-1, so it must be
importable top to bottom. Rank 0 writes the flattened weights to argv[2].
"""

import sys

import numpy as np
import torch

from grucast.data.frame import SeriesSet
from grucast.data import WindowPipeline
from grucast.models import build_model
from grucast.settings import Settings
from grucast.training import ForecastModule, fit_module


def train(devices: int, strategy: str, run_dir: str) -> torch.Tensor:
    t = np.linspace(0, 8 * np.pi, 600)
    windows = WindowPipeline(20, 3, calendar=(), window_norm="none").fit_transform(SeriesSet.from_arrays(np.sin(t)))
    torch.manual_seed(0)
    # With the seasonal skip the defaults add to seasonal data, so that its gradient is averaged too
    # (the sine's period, 150 rows, is longer than the window: season 7 only sets where the skip starts).
    model = build_model("gru", input_size=1, horizon=3, hidden_size=16, num_layers=1, skip_lookback=20, skip_season=7)
    config = Settings(
        lookback=20, horizon=3, epochs=2, batch_size=64, lr=0.01, progress=False, accelerator="cpu",
        devices=devices, strategy=strategy, patience=0, lr_schedule="none", threads=1, loss="mae",
    )
    module = ForecastModule(model, config)
    fit_module(module, windows.train, windows.val, config, run_dir)
    return torch.cat([p.detach().flatten() for p in module.parameters()])


if __name__ == "__main__":
    devices, out = int(sys.argv[1]), sys.argv[2]
    weights = train(devices, "ddp" if devices > 1 else "auto", out + ".run")
    if int(__import__("os").environ.get("LOCAL_RANK", "0")) == 0:
        torch.save(weights, out)
