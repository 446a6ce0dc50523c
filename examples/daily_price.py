"""Seed 002: a trending daily price, window 60, stacked GRU with dropout 0.2.

The seed's file (a stock's daily closing prices) is not shipped; a geometric random
walk on business days with the same length stands in for it. Random-walk prices are
the case where the naive forecast is hard to beat: the honest result is a model
close to it, not the near-perfect fit a scaler fitted on the test data suggests.
"""

import numpy as np
import pandas as pd
from _common import run

from grucast.data import from_dataframe

if __name__ == "__main__":
    rng = np.random.default_rng(2)
    days = pd.bdate_range("2010-01-04", periods=2426)
    price = 100 * np.exp(np.cumsum(rng.normal(0.0006, 0.018, len(days))))
    data = from_dataframe(pd.DataFrame({"date": days, "close": price}), time_col="date", target="close")
    run("daily_price", data, lookback=60, horizon=1, hidden_size=100, num_layers=2, dropout=0.2,
        test_size=300, epochs=20, lr=1e-3, batch_size=64, seed=0)
