"""Datasets that ship with grucast: the seeds' synthetic series and a real hourly one.

Nothing is downloaded: the synthetic series are generated, and the household
electricity data is a small Parquet file inside the package.
"""

from grucast.data.datasets.household_power import CHANNELS, household_power_frame, load_household_power
from grucast.data.datasets.synthetic import noisy_line, sine_wave

__all__ = ["CHANNELS", "household_power_frame", "load_household_power", "noisy_line", "sine_wave"]
