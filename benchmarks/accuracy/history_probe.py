"""How much history to train on: grucast's defaults on each series' last N observations only.

N-BEATS trained on windows from each series' recent history only (its "history
limit", a multiple of the horizon). This probe measures that idea for grucast: every
series of a subset is cut to its last ``--rows`` observations (test part included;
shorter series are kept whole), grucast's defaults are fitted and forecast through
the harness's own runner (``methods/grucast_runner.py``), and the forecasts are
scored by ``scoring.py`` on the full subset: the competitions' MASE, whose scale is
each series' whole in-sample part, beside seasonal naive's on the same windows.
``--log`` fits on ``log(1 + y)`` instead and scores ``exp(forecast) - 1``.

Run in the benchmark's environment (``setup.sh``), one subset per process::

    benchmarks/accuracy/.venv/bin/python benchmarks/accuracy/history_probe.py tourism-quarterly \\
        --rows 48 [--log] [--settings '{"seed": 1}']   # --rows 0: the whole series, for comparison

Each run appends one JSON line to ``benchmarks/results/accuracy_history.jsonl``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from grucast_defaults import append_row, probe_parser  # noqa: E402
from methods.baselines import seasonal_naive  # noqa: E402
from methods.grucast_runner import run_grucast  # noqa: E402
from scoring import score  # noqa: E402
from subsets import Subset, load_subset  # noqa: E402

RESULTS = Path(__file__).parents[1] / "results" / "accuracy_history.jsonl"


def last_rows(subset: Subset, rows: int) -> Subset:
    """``subset`` with every series cut to its last ``rows`` observations (0: unchanged)."""
    if rows <= 0:
        return subset
    cut = np.array([max(0, len(values) - rows) for values in subset.values])
    return dataclasses.replace(
        subset,
        values=tuple(values[start:] for values, start in zip(subset.values, cut, strict=True)),
        train_end=subset.train_end - cut,
        window_origin=subset.window_origin - cut[subset.window_series],
    )


def logged(subset: Subset) -> Subset:
    """``subset`` with every value ``y`` replaced by ``log(1 + y)`` (the data are non-negative)."""
    return dataclasses.replace(subset, values=tuple(np.log1p(values) for values in subset.values))


def main() -> None:
    parser = probe_parser(__doc__.splitlines()[0], "history")
    parser.add_argument("--rows", type=int, required=True, help="Observations kept per series (0: all).")
    parser.add_argument("--log", action="store_true", help="Fit on log(1 + y) and forecast exp(.) - 1.")
    args = parser.parse_args()
    settings = {"threads": 1, "progress": False, **json.loads(args.settings)}

    subset = load_subset(args.subset)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = last_rows(logged(subset) if args.log else subset, args.rows)
        output = run_grucast(fitted, settings)
    forecast = np.expm1(output.forecast) if args.log else output.forecast
    seconds = time.perf_counter() - start
    naive = np.stack([seasonal_naive(subset.history(w), subset.horizon, subset.season)
                      for w in range(subset.n_windows)])
    model, baseline = score(subset, forecast)["mase"]["mean"], score(subset, naive)["mase"]["mean"]
    append_row(RESULTS, {
        "subset": args.subset,
        "label": args.label,
        "rows": args.rows,
        "log": args.log,
        "settings": settings,
        "mase": model,
        "seasonal_naive": baseline,
        "ratio": model / baseline,
        "seconds": round(seconds, 1),
        "load_average": round(os.getloadavg()[0], 2),
        "notes": output.notes,
    })


if __name__ == "__main__":
    main()
