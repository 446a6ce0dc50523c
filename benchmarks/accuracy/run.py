"""Accuracy benchmark: grucast, the peers' GRUs and statistical anchors on M3, Tourism and household data.

Run with this benchmark's environment (``bash benchmarks/accuracy/setup.sh`` builds
it and the peer benchmark's)::

    benchmarks/accuracy/.venv/bin/python benchmarks/accuracy/run.py                       # everything
    benchmarks/accuracy/.venv/bin/python benchmarks/accuracy/run.py --subsets m3-monthly --methods grucast
    benchmarks/accuracy/.venv/bin/python benchmarks/accuracy/run.py --report              # tables again

Each method runs on each subset in its own process (``worker.py``), with its own
environment's Python; the forecasts come back here and are all scored by
:mod:`scoring`. Results merge into ``benchmarks/results/accuracy.json`` per subset
and method: rerunning one method replaces only its entries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from methods import METHODS  # noqa: E402
from report import full_report, subset_table  # noqa: E402
from scoring import score  # noqa: E402
from subsets import SUBSETS, load_subset, sample  # noqa: E402

RESULTS = HERE.parent / "results" / "accuracy.json"
SCRATCH = HERE / "results-tmp"
PEERS_PYTHON = HERE.parent / "peers" / ".venv" / "bin" / "python"
TORCH_EXTENSIONS = HERE / ".venv" / "torch_extensions"
THREADS = 2


def result_key(subset) -> str:
    """Where a subset's results go: its name, or its name and the sample drawn."""
    if subset.sample_seed is None:
        return subset.key
    return f"{subset.key}/sample{subset.n_series}-seed{subset.sample_seed}"


def run_method(method: str, subset_file: Path, options: dict, python: str, timeout: float | None) -> dict:
    """One method on one subset in a fresh process: its forecasts and measurements, or its error."""
    prefix = subset_file.parent / f"{subset_file.stem}-{method}"
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        env[name] = str(THREADS)
    # Idle OpenMP threads sleep instead of spinning: on 2 cores shared with other work,
    # spinning threads made a 2-thread GRU step 8-10x slower than a 1-thread one.
    env["OMP_WAIT_POLICY"] = "PASSIVE"
    # grucast's kernel, compiled by setup.sh into this benchmark's own folder: the
    # default (~/.cache/torch_extensions) is shared with every checkout on the machine,
    # and one with other kernel sources makes the next load recompile inside a timed run.
    env.setdefault("TORCH_EXTENSIONS_DIR", str(TORCH_EXTENSIONS))
    env["PYTHONWARNINGS"] = "ignore"
    command = [
        python, str(HERE / "worker.py"), "--method", method, "--subset-file", str(subset_file),
        "--options", json.dumps(options), "--out", str(prefix),
    ]
    log = prefix.with_suffix(".log")
    start = time.perf_counter()
    try:
        with log.open("w") as handle:
            done = subprocess.run(command, stdout=handle, stderr=subprocess.STDOUT, env=env, timeout=timeout)
        code = done.returncode
    except subprocess.TimeoutExpired:
        code = None
    process_seconds = time.perf_counter() - start
    meta_file = prefix.with_suffix(".json")
    if code is None:
        return {"error": f"timed out after {timeout:.0f} s", "process_seconds": process_seconds}
    if not meta_file.exists():
        tail = log.read_text().strip().splitlines()[-3:] if log.exists() else []
        return {"error": f"worker exit code {code}: {' / '.join(tail)}", "process_seconds": process_seconds}
    meta = json.loads(meta_file.read_text())
    meta["process_seconds"] = process_seconds
    if "error" not in meta:
        with np.load(prefix.with_suffix(".npz")) as f:
            meta["forecast"] = f["forecast"]
    return meta


def save(path: Path, where: str, info: dict, method: str, meta: dict) -> dict:
    """Merge one method's result on one subset into the results file; the merged results.

    The file is read again just before writing, so results that another run wrote
    meanwhile (say, grucast on another subset) are kept.
    """
    results = json.loads(path.read_text()) if path.exists() else {}
    entry = results.setdefault("subsets", {}).setdefault(where, {"methods": {}})
    entry["info"] = info
    entry["methods"][method] = meta
    results["machine"] = {
        "platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
        "threads_per_method": THREADS,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(results, indent=2, default=str) + "\n")
    temporary.replace(path)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subsets", default=",".join(SUBSETS), help=f"comma-separated, from: {', '.join(SUBSETS)}")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated, from: {', '.join(METHODS)}")
    parser.add_argument("--max-series", type=int, default=None, help="a seeded random sample of at most N series per subset")
    parser.add_argument("--seed", type=int, default=0, help="seed of the --max-series sample (default 0)")
    parser.add_argument("--steps", type=int, default=1000, help="peer GRUs: optimiser steps of 256 windows (default 1000)")
    parser.add_argument("--lookback", type=int, default=None, help="peer GRUs: lookback (default 2 x horizon; 168 on household)")
    parser.add_argument(
        "--grucast-settings", default=None,
        help="JSON keyword arguments for grucast's Forecaster beyond data, horizon and test_size, "
        "e.g. '{\"lookback\": 36, \"val_size\": 0}'; stored as method grucast:LABEL",
    )
    parser.add_argument("--grucast-label", default="custom", help="LABEL for --grucast-settings results (default: custom)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per method and subset (default: none)")
    parser.add_argument("--peers-python", default=str(PEERS_PYTHON), help="Python of the peer environment")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--keep-tmp", action="store_true", help=f"keep the workers' files in {SCRATCH}/run-PID")
    parser.add_argument("--report", action="store_true", help="only print the tables of the results in --out")
    args = parser.parse_args(argv)

    if args.report:
        if not args.out.exists():
            parser.error(f"no results at {args.out}; run the benchmark first")
        print(full_report(json.loads(args.out.read_text())))
        return 0

    subsets = [s for s in args.subsets.split(",") if s]
    methods = [m for m in args.methods.split(",") if m]
    unknown = [s for s in subsets if s not in SUBSETS] + [m for m in methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown subset or method {unknown}; subsets: {', '.join(SUBSETS)}; methods: {', '.join(METHODS)}")
    grucast_settings = None
    if args.grucast_settings is not None:
        try:
            grucast_settings = json.loads(args.grucast_settings)
        except json.JSONDecodeError as exc:
            parser.error(f"--grucast-settings is not valid JSON ({exc}); give an object such as '{{\"lookback\": 36}}'")
        if not isinstance(grucast_settings, dict):
            parser.error("--grucast-settings must be a JSON object such as '{\"lookback\": 36}'")
    if any(METHODS[m][1] == "peers" for m in methods) and not Path(args.peers_python).exists():
        parser.error(f"no peer environment at {args.peers_python}; run bash benchmarks/peers/setup.sh first")

    scratch = SCRATCH / f"run-{os.getpid()}"  # one folder per run, so that runs can overlap
    scratch.mkdir(parents=True, exist_ok=True)
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    results.setdefault("subsets", {})
    print(f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    for key in subsets:
        subset = sample(load_subset(key), args.max_series, args.seed)
        where = result_key(subset)
        subset_file = scratch / f"{where.replace('/', '_')}.npz"
        subset.save(subset_file)
        entry = results["subsets"].setdefault(where, {"methods": {}})
        entry["info"] = {
            "title": subset.title, "horizon": subset.horizon, "season": subset.season, "freq": subset.freq,
            "series": subset.n_series, "windows": subset.n_windows, "total_series": subset.total_series,
            "sample_seed": subset.sample_seed,
            "train_length": {"min": int(subset.train_end.min()), "median": float(np.median(subset.train_end)), "max": int(subset.train_end.max())},
        }
        print(f"\n{where}: {subset.n_series} series, {subset.n_windows} windows, horizon {subset.horizon}", flush=True)
        for method in methods:
            options: dict = {"seed": 0, "steps": args.steps, "lookback": args.lookback}
            name = method
            if method == "grucast" and grucast_settings is not None:
                options["grucast_settings"] = grucast_settings
                name = f"grucast:{args.grucast_label}"
            python = args.peers_python if METHODS[method][1] == "peers" else sys.executable
            meta = run_method(method, subset_file, options, python, args.timeout)
            if "forecast" in meta:
                try:
                    meta["scores"] = score(subset, meta.pop("forecast"))
                except ValueError as exc:
                    meta = {**meta, "error": f"scoring failed: {exc}"}
                    meta.pop("scores", None)
            meta.pop("forecast", None)
            meta.pop("python", None)
            meta["finished"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            meta["load_after"] = os.getloadavg()[0]
            if grucast_settings is not None and method == "grucast":
                meta["grucast_settings"] = grucast_settings
            entry["methods"][name] = meta
            if "error" in meta:
                print(f"  {name}: FAILED after {meta['process_seconds']:.1f} s: {meta['error']}", flush=True)
            else:
                print(
                    f"  {name}: MASE {meta['scores']['mase']['mean']:.3f}, sMAPE {meta['scores']['smape']['mean']:.2f}, "
                    f"MAPE {meta['scores']['mape']['mean']:.2f}; {meta['seconds']:.1f} s ({meta['process_seconds']:.1f} s process)",
                    flush=True,
                )
            results = save(args.out, where, entry["info"], name, meta)
            entry = results["subsets"][where]
        print("\n" + subset_table(where, entry), flush=True)
    print("\n" + full_report(results), flush=True)
    if not args.keep_tmp:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
