"""Small files and fast settings for driving the command line."""

from __future__ import annotations

import numpy as np
import pandas as pd


def hourly_load(rows: int = 24 * 25, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    time = pd.date_range("2022-03-01", periods=rows, freq="h")
    parts = []
    for region, level in (("north", 50.0), ("south", 80.0)):
        steps = np.arange(rows)
        load = level + 10 * np.sin(2 * np.pi * steps / 24) + rng.normal(0, 1.0, rows)
        parts.append(pd.DataFrame({"time": time, "region": region, "load": load.round(3)}))
    return pd.concat(parts, ignore_index=True)


FAST = ["--lookback", "24", "--horizon", "6", "--epochs", "2", "--hidden-size", "8", "--num-layers", "1",
        "--test-size", "48", "--val-size", "48", "--threads", "1", "--quiet"]
COLUMNS = ["--time-col", "time", "--target", "load", "--series-col", "region"]
