"""grucast's defaults on the competitions' official splits, scored by grucast itself.

A quick check of a candidate default, lighter than the full harness (``run.py``):
each subset becomes one long table (synthetic dates at the subset's frequency, as
the grucast runner uses), a ``Forecaster`` with only ``horizon`` and ``test_size``
set (the subset's horizon: one test window per series, the official test part) plus
any ``--settings`` is fitted, and ``Forecaster.evaluate`` scores it beside naive and
seasonal naive on the same windows. grucast's MASE scale is each series' training
part (before its validation rows), so its values differ slightly from the
competitions' (seasonal naive on M3 monthly: 1.19 here, 1.146 officially); compare
the model with the baselines of the same row.

Run in the benchmark's environment (``setup.sh``), one subset per process::

    benchmarks/accuracy/.venv/bin/python benchmarks/accuracy/grucast_defaults.py m3-monthly \\
        [--label default] [--settings '{"window_norm": "mean_std"}']

Each run appends one JSON line to ``benchmarks/results/accuracy_grucast_defaults.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from subsets import load_subset  # noqa: E402

if TYPE_CHECKING:
    from grucast.api import Forecaster
    from grucast.data import SeriesSet

RESULTS = Path(__file__).parents[1] / "results" / "accuracy_grucast_defaults.jsonl"


def as_table(key: str) -> tuple[pd.DataFrame, int, str]:
    """The subset's full series (training and test parts) in long format, its horizon and frequency."""
    subset = load_subset(key)
    freq = subset.freq if subset.freq != "step" else None
    parts = []
    for name, values in zip(subset.names, subset.values, strict=True):
        part = {"id": name, "y": values}
        if freq is not None:
            part["date"] = pd.date_range("1990-01-01", periods=len(values), freq=freq)
        else:
            part["date"] = np.arange(len(values))
        parts.append(pd.DataFrame(part))
    return pd.concat(parts, ignore_index=True), subset.horizon, subset.freq


def subset_series(key: str) -> tuple[SeriesSet, int]:
    """The subset as grucast reads it (its synthetic dates' warnings silenced) and its horizon."""
    from grucast.data import from_dataframe

    frame, horizon, freq = as_table(key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = from_dataframe(
            frame, time_col="date", target="y", series_col="id", time_format="step" if freq == "step" else None
        )
    return data, horizon


def probe_parser(description: str, label: str) -> argparse.ArgumentParser:
    """The arguments every per-subset probe takes: the subset, a label and more settings."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("subset")
    parser.add_argument("--label", default=label)
    parser.add_argument("--settings", default="{}", help="Further Forecaster keyword arguments, as JSON.")
    return parser


def append_row(path: Path, row: dict) -> None:
    """Print one result row and append it to the JSON-lines file ``path``."""
    print(json.dumps(row), flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        handle.write(json.dumps(row) + "\n")


def fit_defaults(key: str, settings: dict) -> tuple[Forecaster, SeriesSet, dict, float]:
    """grucast fitted on subset ``key`` with the subset's horizon as horizon and test size, plus ``settings``.

    Returns the forecaster, the data, its own scores of the test part (``evaluate().to_dict()``:
    the model beside naive and seasonal naive) and the seconds the fit and the scoring took.
    """
    from grucast.api import Forecaster

    data, horizon = subset_series(key)
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    forecaster = Forecaster(horizon=horizon, test_size=horizon, **settings).fit(data)
    scores = forecaster.evaluate(data).to_dict()
    return forecaster, data, scores, time.perf_counter() - start


def main() -> None:
    args = probe_parser(__doc__.splitlines()[0], "default").parse_args()
    settings = json.loads(args.settings)
    forecaster, data, scores, seconds = fit_defaults(args.subset, settings)
    resolved = forecaster.settings_
    append_row(RESULTS, {
        "subset": args.subset,
        "label": args.label,
        "settings": settings,
        "series": len(data),
        "seconds": round(seconds, 1),
        "load_average": round(os.getloadavg()[0], 2),
        "mase": scores["model"]["mase"],
        "seasonal_naive": scores["baselines"]["seasonal_naive"]["mase"],
        "naive": scores["baselines"]["naive"]["mase"],
        "resolved": {key: getattr(resolved, key) for key in ("lookback", "window_norm", "season", "epochs")},
        "epochs_run": forecaster.fit_result_.epochs_run,
        "best_epoch": forecaster.fit_result_.best_epoch,
    })


if __name__ == "__main__":
    main()
