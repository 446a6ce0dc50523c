"""Hourly household electricity use, 2006-12 to 2010-11 (UCI, CC BY 4.0), shipped inside grucast.

Four channels, all hourly mean power in kW, 34,588 hours from 2006-12-16 17:00 to
2010-11-26 20:00 in one household in Sceaux, France:

* ``global_active_power``: the whole household;
* ``sub_metering_1``: kitchen (dishwasher, oven, microwave);
* ``sub_metering_2``: laundry room (washing machine, tumble drier, fridge, light);
* ``sub_metering_3``: electric water heater and air conditioner.

The file ``household_power.parquet`` next to this module is read with no network.
See ``README.md`` in this folder for the source, the licence and how it was made
(:mod:`grucast.data.datasets.build_household_power`).
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from grucast.data._text import quote_list
from grucast.data.frame import SeriesSet
from grucast.data.readers import from_dataframe

#: The file shipped in the package, relative to this folder.
FILE_NAME = "household_power.parquet"

#: The four channels, in the file's order.
CHANNELS: tuple[str, ...] = ("global_active_power", "sub_metering_1", "sub_metering_2", "sub_metering_3")


def household_power_frame() -> pd.DataFrame:
    """The shipped data as a DataFrame: ``time`` and the four channels (float32, kW)."""
    with resources.files(__package__).joinpath(FILE_NAME).open("rb") as handle:
        frame = pd.read_parquet(handle)
    frame["time"] = frame["time"].astype("datetime64[ns]")
    return frame


def load_household_power(target: str | None = None) -> SeriesSet:
    """The household electricity data as hourly series.

    Args:
        target: ``None`` (default) for four series, one per channel (wide format,
            for one global model over all of them, like seed 004's regions); or one
            channel name, to forecast that channel with the other three as past-only
            covariates.

    Returns:
        A :class:`SeriesSet` with hourly frequency and no missing values.

    Raises:
        ValueError: ``target`` is not a channel name.
    """
    frame = household_power_frame()
    if target is None:
        return from_dataframe(frame, time_col="time", target=list(CHANNELS), freq="h")
    if target not in CHANNELS:
        raise ValueError(f"target must be None or one of {quote_list(CHANNELS)}, got {target!r}")
    others = [channel for channel in CHANNELS if channel != target]
    return from_dataframe(frame, time_col="time", target=target, past_covariates=others, freq="h")
