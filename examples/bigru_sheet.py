"""Seed 003: features in a spreadsheet -> a target, with a bidirectional GRU.

Writes a small Excel sheet (time, three feature columns, target) first, then reads
it like a user's file, with the features as known covariates.
"""

import numpy as np
import pandas as pd
from _common import ROOT, run

from grucast.data import read_series

if __name__ == "__main__":
    rng = np.random.default_rng(3)
    rows = 1500
    t = np.arange(rows)
    features = {
        "temperature": 15 + 8 * np.sin(2 * np.pi * t / 365) + rng.normal(0, 1, rows),
        "humidity": 60 + 10 * np.cos(2 * np.pi * t / 365) + rng.normal(0, 3, rows),
        "wind": np.abs(rng.normal(4, 2, rows)),
    }
    target = 2.0 * features["temperature"] - 0.3 * features["humidity"] + 0.5 * features["wind"] + rng.normal(0, 1, rows)
    frame = pd.DataFrame({"day": pd.date_range("2018-01-01", periods=rows, freq="D"), **features, "output": target})
    sheet = ROOT / "bigru_sheet.xlsx"
    sheet.parent.mkdir(parents=True, exist_ok=True)
    frame.to_excel(sheet, index=False)
    data = read_series(sheet, time_col="day", target="output", known_covariates=list(features))
    run("bigru_sheet", data, model="bigru", lookback=14, horizon=1, hidden_size=64, num_layers=1,
        test_size=0.2, val_size=0.1, scaler="standard", epochs=30, lr=1e-3, batch_size=64, seed=0)
