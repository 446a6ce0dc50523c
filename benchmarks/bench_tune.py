"""Tuning on the shipped household data: one worker vs several sharing one study, and the default settings.

Runs, one after the other, with the same cheap trial budget (shared settings below):

1. ``--trials`` trials in one process (all ``--cores`` threads), then the best
   settings refit and scored on the test part;
2. the same number of trials split across ``--workers`` processes sharing one
   SQLite study (the cores divided among them), wall time only;
3. the default settings under the same budget, scored on validation and test.

Writes ``OUT/results.json`` and prints it. Load averages are recorded around each
step: on a shared machine they explain the wall times.

    python benchmarks/bench_tune.py --out /tmp/bench-tune --trials 30 --workers 2

The trial budget can be cut to fit a slow or shared machine (``--epochs``,
``--max-batches``, ``--val-size``); the budget used is recorded in the results.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

#: Every trial's budget: a few short epochs on a sample of the ~110k training windows.
SHARED = {"epochs": 4, "max_batches": 25, "val_size": 0.05, "seed": 0, "progress": False}


def worker(out: Path, trials: int, storage: str | None, threads: int, refit: bool) -> dict:
    from grucast.api import tune
    from grucast.data.datasets import load_household_power

    start = time.perf_counter()
    result = tune(
        load_household_power(), out, trials=trials, storage=storage, study="household", refit=refit,
        echo=lambda line: print(line, flush=True), threads=threads, **SHARED,
    )
    return {
        "wall_seconds": time.perf_counter() - start,
        "search_seconds": result.search_seconds,
        "trials_run_here": result.new_trials,
        "best_val_mase": result.best_value,
        "best_params": result.best_params,
        "test": None if result.test_metrics is None else {
            "model": result.test_metrics["model"]["mase"],
            "seasonal_naive": result.test_metrics["baselines"]["seasonal_naive"]["mase"],
            "naive": result.test_metrics["baselines"]["naive"]["mase"],
        },
        "states": result.trials["state"].value_counts().to_dict(),
    }


def default_settings(out: Path, threads: int) -> dict:
    from grucast.api import Forecaster
    from grucast.api.runs import train_run
    from grucast.data.datasets import load_household_power

    forecaster = Forecaster(threads=threads, **SHARED)
    start = time.perf_counter()
    metrics = train_run(load_household_power(), forecaster, out, force=True, plots=False)
    return {
        "wall_seconds": time.perf_counter() - start,
        "val_mase": forecaster.evaluate(part="val").model.overall["mase"],
        "test_mase": metrics["model"]["mase"],
        "settings": {k: forecaster.settings_.to_dict()[k] for k in ("model", "hidden_size", "num_layers", "lookback", "lr")},
    }


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--steps", default="single,workers,default")
    parser.add_argument("--epochs", type=int, default=SHARED["epochs"], help="epochs per trial")
    parser.add_argument("--max-batches", type=int, default=SHARED["max_batches"], help="batches per epoch")
    parser.add_argument("--val-size", type=float, default=SHARED["val_size"], help="validation part")
    parser.add_argument("--worker-of", default=None, help=argparse.SUPPRESS)  # internal: one worker process
    args = parser.parse_args()
    SHARED.update(epochs=args.epochs, max_batches=args.max_batches, val_size=args.val_size)
    if args.worker_of:
        storage, folder = args.worker_of.split("|")
        print(json.dumps(worker(Path(folder), args.trials, storage, max(1, args.cores // args.workers), False)))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    results_path = args.out / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    results["shared_settings"] = SHARED
    results["machine"] = {"cpu_count": os.cpu_count(), "cores_used": args.cores, "trials": args.trials}
    steps = args.steps.split(",")
    if "single" in steps:
        before = load()
        results["single"] = worker(args.out / "single", args.trials, None, args.cores, True)
        results["single"]["load_before"], results["single"]["load_after"] = before, load()
        results_path.write_text(json.dumps(results, indent=2))
    if "workers" in steps:
        before = load()
        storage = f"sqlite:///{(args.out / 'shared.db').resolve()}"
        start = time.perf_counter()
        procs = [
            subprocess.Popen(
                [sys.executable, __file__, "--out", str(args.out), "--trials", str(args.trials), "--workers",
                 str(args.workers), "--cores", str(args.cores), "--epochs", str(args.epochs), "--max-batches",
                 str(args.max_batches), "--val-size", str(args.val_size), "--worker-of", f"{storage}|{args.out / f'worker-{i}'}"],
                stdout=subprocess.PIPE, text=True,
            )
            for i in range(args.workers)
        ]
        outputs = [p.communicate()[0] for p in procs]
        wall = time.perf_counter() - start
        per_worker = [json.loads(text.strip().splitlines()[-1]) for text in outputs]
        results["workers"] = {
            "workers": args.workers, "wall_seconds": wall, "per_worker": per_worker,
            "load_before": before, "load_after": load(),
        }
        results_path.write_text(json.dumps(results, indent=2))
    if "default" in steps:
        before = load()
        results["default"] = default_settings(args.out / "default", args.cores)
        results["default"]["load_before"], results["default"]["load_after"] = before, load()
        results_path.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
