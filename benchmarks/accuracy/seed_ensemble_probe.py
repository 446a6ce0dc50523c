"""Would a median (or mean) of several seeds' forecasts make grucast's defaults more accurate?

A probe for issue 13, run before building ensembles into grucast: ``K`` default fits
of one subset (only ``horizon`` and ``test_size`` given, as in ``grucast_defaults.py``),
differing only in the seed, and the MASE of each fit's test forecasts, of their median
and of their mean after 1, 2, ... K fits, all scored by grucast on the same windows.

    benchmarks/accuracy/.venv/bin/python benchmarks/accuracy/seed_ensemble_probe.py m3-monthly 0,1,2

Each ensemble size appends one JSON line to ``benchmarks/results/accuracy_seed_ensemble.jsonl``.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from grucast_defaults import append_row, subset_series  # noqa: E402

RESULTS = Path(__file__).parents[1] / "results" / "accuracy_seed_ensemble.jsonl"


def main() -> None:
    from grucast.api import Forecaster
    from grucast.evaluation import evaluate_many

    subset, seeds = sys.argv[1], [int(s) for s in sys.argv[2].split(",")]
    data, horizon = subset_series(subset)
    warnings.simplefilter("ignore")
    forecasts: list[np.ndarray] = []
    row: dict = {"subset": subset, "seeds": seeds, "single": [], "seconds": []}
    for seed in seeds:
        start = time.perf_counter()
        forecaster = Forecaster(horizon=horizon, test_size=horizon, seed=seed).fit(data)
        scores = forecaster.evaluate(data)
        row["seconds"].append(round(time.perf_counter() - start, 1))
        windows = scores.windows
        forecasts.append(windows["forecast"])
        row["single"].append(round(scores.model.overall["mase"], 4))
        row["seasonal_naive"] = round(scores.baselines["seasonal_naive"].overall["mase"], 4)
        labels = np.array(forecaster.windows_.data.names, dtype=object)[windows["series"]]
        plan = forecaster.windows_.plan
        train = {s.name: s.target[: plan[s.name].train_end] for s in forecaster.windows_.data}
        stacked = np.stack(forecasts)
        combined = evaluate_many(
            windows["actual"], {"median": np.median(stacked, axis=0), "mean": stacked.mean(axis=0)}, labels, train,
            forecaster.settings_.season,
        )
        row["fits"] = len(forecasts)
        row["median"] = round(combined["median"].overall["mase"], 4)
        row["mean"] = round(combined["mean"].overall["mase"], 4)
        append_row(RESULTS, row)


if __name__ == "__main__":
    main()
