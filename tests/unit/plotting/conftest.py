"""Plotting tests draw with the non-interactive Agg backend and leave no figure open."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _no_open_figures():
    plt.close("all")
    yield
    plt.close("all")


@pytest.fixture
def hourly_load():
    """Two weeks of hourly load with a daily cycle, and a 24-step forecast with an interval after it."""
    time = pd.date_range("2024-03-04", periods=24 * 15, freq="h")
    value = 1000 + 300 * np.sin(2 * np.pi * time.hour.to_numpy() / 24)
    history_time, history_value = time[:-24], value[:-24]
    forecast = pd.DataFrame(
        {"time": time[-24:], "value": value[-24:] + 5, "lower": value[-24:] - 50, "upper": value[-24:] + 60}
    )
    return history_time, history_value, forecast, value[-24:]
