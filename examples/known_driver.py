"""Known future drivers: hourly load that follows a temperature forecast.

Three regions' hourly load respond to temperature (heating below 15 °C, cooling
above 22 °C) on top of a daily and weekly rhythm. The temperature of the forecast
day is known in advance (a weather forecast), so it is a known covariate: the
model reads its value at each forecast step. The same GRU is trained twice, with
and without it, on the same windows; the test MASE of both is printed.
"""

import numpy as np
import pandas as pd
from _common import run

from grucast.data import from_dataframe

if __name__ == "__main__":
    rng = np.random.default_rng(12)
    hours = pd.date_range("2023-01-01", periods=24 * 7 * 16, freq="h")
    t = np.arange(len(hours))
    parts = []
    for region, base in (("north", 40.0), ("centre", 60.0), ("south", 50.0)):
        # Weather fronts lasting a few days on a seasonal swing, plus the daily cycle.
        front = np.convolve(rng.normal(0, 4, len(t) + 72), np.ones(72) / np.sqrt(72), mode="valid")[: len(t)]
        temperature = 14 + 6 * np.sin(2 * np.pi * t / (24 * 365)) + 4 * np.sin(2 * np.pi * (t % 24 - 9) / 24) + front
        demand = (base + 6 * np.sin(2 * np.pi * (t % 24 - 7) / 24) - 4 * (hours.day_of_week >= 5)
                  + 2.5 * np.clip(15 - temperature, 0, None) + 3.0 * np.clip(temperature - 22, 0, None)
                  + rng.normal(0, 1.0, len(t)))
        parts.append(pd.DataFrame({"time": hours, "region": region, "load": demand.round(3),
                                   "temperature": temperature.round(2)}))
    frame = pd.concat(parts, ignore_index=True)
    settings = dict(model="gru", lookback=72, horizon=24, hidden_size=32, num_layers=1, epochs=15, lr=2e-3,
                    batch_size=128, test_size=24 * 14, val_size=24 * 14, seed=0)
    with_driver = from_dataframe(frame, time_col="time", target="load", series_col="region",
                                 known_covariates=["temperature"])
    without = from_dataframe(frame.drop(columns="temperature"), time_col="time", target="load", series_col="region")
    scores = {
        "with the temperature forecast": run("known_driver", with_driver, **settings)["model"]["mase"],
        "without it": run("known_driver_none", without, **settings)["model"]["mase"],
    }
    for label, mase in scores.items():
        print(f"test MASE {label}: {mase:.3f}")
