"""Shipped datasets: the seeds' synthetic series and the hourly household power data."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from grucast.data import Frequency
from grucast.data.datasets import CHANNELS, household_power_frame, load_household_power, noisy_line, sine_wave
from grucast.data.datasets.build_household_power import hourly_means


def test_noisy_line_is_seed_000():
    series = noisy_line()["noisy_line"]
    assert len(series) == 1000 and series.frequency == Frequency("step")
    residual = series.target - np.arange(0.0, 100.0, 0.1)
    assert abs(residual.mean()) < 0.1 and 0.9 < residual.std() < 1.1
    np.testing.assert_array_equal(noisy_line(seed=7)["noisy_line"].target, noisy_line(seed=7)["noisy_line"].target)


def test_sine_wave_is_one_period_of_1000_points():
    target = sine_wave()["sine_wave"].target
    assert len(target) == 1000
    np.testing.assert_allclose(target[[0, 250, 500, 750]], [0.0, 1.0, 0.0, -1.0], atol=1e-12)


def test_household_power_loads_offline_as_four_hourly_series():
    data = load_household_power()
    assert data.names == CHANNELS
    for series in data:
        assert len(series) == 34_588
        assert series.frequency == Frequency("h")
        assert not np.isnan(series.target).any()
    first = data["global_active_power"]
    assert first.time[0] == np.datetime64("2006-12-16T17:00")
    assert first.time[-1] == np.datetime64("2010-11-26T20:00")
    # Mean household power is about 1.09 kW over the four years.
    assert 1.0 < first.target.mean() < 1.2
    assert data.notes == ()


def test_household_power_one_target_with_covariates():
    data = load_household_power("global_active_power")
    assert data.names == ("global_active_power",)
    assert data.past_covariates == CHANNELS[1:]
    frame = household_power_frame()
    np.testing.assert_allclose(data.series[0].past[:, 2], frame["sub_metering_3"].to_numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="target must be None or one of 'global_active_power'"):
        load_household_power("voltage")


def test_hourly_means_mark_question_marks_and_short_hours():
    minutes = pd.date_range("2020-01-01 00:30", "2020-01-01 03:59", freq="min")
    frame = pd.DataFrame(
        {"Global_active_power": 1.0, "Sub_metering_1": 1.0, "Sub_metering_2": 2.0, "Sub_metering_3": 0.0}, index=minutes
    )
    frame.loc["2020-01-01 01:00":"2020-01-01 01:59", "Global_active_power"] = np.nan  # an hour of '?' readings
    frame.loc["2020-01-01 02:00":"2020-01-01 02:59", "Global_active_power"] = 3.0
    hourly = hourly_means(frame)
    # 00:00 has 30 valid minutes (kept); 01:00 has none and is interpolated between 1 and 3.
    np.testing.assert_allclose(hourly["global_active_power"], [1.0, 2.0, 3.0, 1.0])
    np.testing.assert_allclose(hourly["sub_metering_2"], 0.12)  # 2 Wh per minute = 0.12 kW
    assert hourly["time"].iloc[0] == pd.Timestamp("2020-01-01 00:00")


def test_importing_data_does_not_import_plotting_or_lightning():
    code = (
        "import sys, grucast.data, grucast.data.datasets; "
        "print(sorted(m for m in ('matplotlib', 'lightning', 'pytorch_lightning') if m in sys.modules))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"
