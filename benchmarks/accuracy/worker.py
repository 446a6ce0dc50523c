"""Run one method on one subset in this process, and write its forecasts and timings.

Started by ``run.py`` with the method's environment (see ``methods.METHODS``)::

    python worker.py --method auto_ets --subset-file tmp/m3-monthly.npz --options '{}' --out tmp/m3-monthly-auto_ets

Writes ``OUT.npz`` (the forecasts) and ``OUT.json`` (timings, version, notes), or
only ``OUT.json`` with ``error`` when the method raised: a method's failure is a
result to record, not a crash of the benchmark.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import sys
import time
import traceback
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", required=True)
    parser.add_argument("--subset-file", required=True, type=Path)
    parser.add_argument("--options", default="{}", help="JSON object passed to the method")
    parser.add_argument("--out", required=True, type=Path, help="path prefix for .npz and .json")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import numpy as np

    from methods import METHODS
    from subsets import Subset

    options = {**json.loads(args.options), "method": args.method}
    subset = Subset.load(args.subset_file)
    module = importlib.import_module(METHODS[args.method][0])
    meta: dict = {"method": args.method, "subset": subset.key, "python": sys.executable}
    start = time.perf_counter()
    try:
        output = module.run(subset, options)
    except Exception as exc:  # noqa: BLE001 - any failure of the method is its result
        meta["error"] = f"{type(exc).__name__}: {exc}"
        meta["traceback"] = traceback.format_exc(limit=8)
        meta["seconds"] = time.perf_counter() - start
        args.out.with_suffix(".json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
        print(f"{args.method} on {subset.key} failed: {meta['error']}", file=sys.stderr)
        return 3
    seconds = time.perf_counter() - start
    np.savez(args.out.with_suffix(".npz"), forecast=output.forecast)
    meta.update(
        seconds=seconds,
        fit_seconds=output.fit_seconds,
        predict_seconds=output.predict_seconds,
        version=output.version,
        notes=output.notes,
        settings=output.settings,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        cpu_seconds=sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
        threads_env=os.environ.get("OMP_NUM_THREADS"),
    )
    args.out.with_suffix(".json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
