"""Tiny series and trial settings that keep every tuning test to a few seconds (shared with worker_script.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from grucast.data import from_dataframe

#: Every trial: a one-layer GRU of 8 units, two epochs, one thread.
FAST = {"horizon": 6, "epochs": 2, "hidden_size": 8, "num_layers": 1, "test_size": 48, "val_size": 48,
        "threads": 1, "progress": False, "seed": 0}
#: A small space: the learning rate and one or two days of lookback.
SPACE = {"lr": {"low": 1e-3, "high": 3e-2, "log": True}, "lookback": {"low": 1, "high": 2, "unit": "season"}}
TEST_ROWS = FAST["test_size"]


def hourly_frame(rows: int = 24 * 25, seed: int = 0) -> pd.DataFrame:
    """Two hourly series (a daily sine plus noise), long format: time, region, load, temp."""
    rng = np.random.default_rng(seed)
    time = pd.date_range("2022-03-01", periods=rows, freq="h")
    steps = np.arange(rows)
    parts = []
    for region, level in (("north", 50.0), ("south", 80.0)):
        load = level + 10 * np.sin(2 * np.pi * steps / 24) + rng.normal(0, 1.0, rows)
        temp = 15 + 5 * np.sin(2 * np.pi * (steps - 6) / 24) + rng.normal(0, 0.5, rows)
        parts.append(pd.DataFrame({"time": time, "region": region, "load": load.round(3), "temp": temp.round(3)}))
    return pd.concat(parts, ignore_index=True)


def series_of(frame: pd.DataFrame, **options):
    return from_dataframe(frame, time_col="time", target="load", series_col="region", **options)
