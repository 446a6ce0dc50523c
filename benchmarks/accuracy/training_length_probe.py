"""How much training a single short series wants: grucast on one series at a time.

Issue 13 asks whether the amount of training should follow a budget in optimiser
steps rather than a number of epochs. An epoch of a single short series is a handful
of batches (12 weeks of hourly data: 6 batches of 256 windows; 25 years of monthly
data: 1), so 20 epochs with early stopping after 5 epochs without improvement (the
default until 2026-12-02) are 20 to 120 optimiser steps; the default now runs up to
1,000 steps (``grucast.settings.default_epochs``). This probe fits grucast on such data
(``--settings '{"epochs": 20}'`` for the old default, or more epochs and more
patience), and scores each fit beside seasonal naive with ``Forecaster.evaluate``:

* ``household-12w``: 12 weeks (2,016 hours) of two household channels (the whole
  household, and the water heater and air conditioner), cut at four places in the
  four years; horizon 24, the last week (168 hours) for testing;
* ``tourism-monthly-single``: 12 Tourism monthly series drawn at random (seed 0),
  each fitted alone; horizon 24, the official test part;
* ``household-daily``: the four household channels summed per day (1,440 days each,
  the first and last partial days left out), one global fit of the four series with
  grucast's defaults for daily data (horizon 7, the last tenth of each series for
  testing): 18 batches of 256 windows an epoch.

Run in the accuracy benchmark's environment (``setup.sh``)::

    benchmarks/accuracy/.venv/bin/python benchmarks/accuracy/training_length_probe.py \\
        [--label default] [--settings '{"epochs": 200}'] [--cases household-12w,tourism-monthly-single]

Each case appends one JSON line to ``benchmarks/results/accuracy_training_length.jsonl``:
the mean ratio of the model's MASE to seasonal naive's over the fits, each fit's
scores, epochs run and best epoch.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from subsets import load_subset  # noqa: E402

RESULTS = Path(__file__).parents[1] / "results" / "accuracy_training_length.jsonl"
CASES = ("household-12w", "tourism-monthly-single", "household-daily")


def household_chunks() -> Iterator[tuple[str, pd.DataFrame, int, int]]:
    """Name, frame (time, y), horizon and test size of each 12-week household cut."""
    from grucast.data.datasets.household_power import household_power_frame

    frame = household_power_frame()
    for channel in ("global_active_power", "sub_metering_3"):
        for start in (2000, 12000, 22000, 30000):
            part = frame.iloc[start:start + 2016][["time", channel]].rename(columns={channel: "y"})
            yield f"{channel}@{start}", part, 24, 168


def tourism_singles(count: int = 12) -> Iterator[tuple[str, pd.DataFrame, int, int]]:
    """Name, frame (time, y), horizon and test size of each drawn Tourism monthly series."""
    subset = load_subset("tourism-monthly")
    picked = sorted(np.random.default_rng(0).choice(len(subset.names), count, replace=False))
    for index in picked:
        values = subset.values[index]
        times = pd.date_range("1990-01-01", periods=len(values), freq=subset.freq)
        yield subset.names[index], pd.DataFrame({"time": times, "y": values}), subset.horizon, subset.horizon


def household_daily() -> Iterator[tuple[str, pd.DataFrame, int | None, float]]:
    """The four household channels as daily sums, in long format (one fit), with grucast's default horizon."""
    from grucast.data.datasets.household_power import household_power_frame

    daily = household_power_frame().set_index("time").resample("D").sum().iloc[1:-1]
    frame = daily.reset_index().melt(id_vars="time", var_name="id", value_name="y")
    yield "four channels, daily", frame, None, 0.1


CASE_DATA = {"household-12w": household_chunks, "tourism-monthly-single": tourism_singles,
             "household-daily": household_daily}


def run_case(case: str, settings: dict) -> dict:
    from grucast.api import Forecaster
    from grucast.data import from_dataframe

    fits = []
    start = time.perf_counter()
    for name, frame, horizon, test_size in CASE_DATA[case]():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = from_dataframe(frame, time_col="time", target="y", series_col="id" if "id" in frame else None)
            forecaster = Forecaster(horizon=horizon, test_size=test_size, progress=False, **settings).fit(data)
            scores = forecaster.evaluate(data).to_dict()
        model, naive = scores["model"]["mase"], scores["baselines"]["seasonal_naive"]["mase"]
        result = forecaster.fit_result_
        fits.append({"series": name, "mase": model, "seasonal_naive": naive, "epochs": forecaster.settings_.epochs,
                     "epochs_run": result.epochs_run, "best_epoch": result.best_epoch, "steps": result.steps})
        print(f"  {name}: MASE {model:.3f}, seasonal naive {naive:.3f}, epochs {result.epochs_run} "
              f"(best {result.best_epoch})", flush=True)
    ratios = [fit["mase"] / fit["seasonal_naive"] for fit in fits]
    return {"case": case, "mean_ratio": float(np.mean(ratios)), "seconds": round(time.perf_counter() - start, 1),
            "load_average": round(os.getloadavg()[0], 2), "fits": fits}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="default")
    parser.add_argument("--settings", default="{}", help="Further Forecaster keyword arguments, as JSON.")
    parser.add_argument("--cases", default=",".join(CASES))
    args = parser.parse_args()
    settings = {"threads": 1, **json.loads(args.settings)}
    for case in args.cases.split(","):
        if case not in CASES:
            parser.error(f"unknown case {case!r}; the cases are {', '.join(CASES)}")
        row = {"label": args.label, "settings": settings, **run_case(case, settings)}
        print(f"{args.label} {case}: mean MASE / seasonal naive {row['mean_ratio']:.3f} ({row['seconds']} s)")
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        with RESULTS.open("a") as handle:
            handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
