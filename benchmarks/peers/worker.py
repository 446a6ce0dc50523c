"""Run one system on one task in this process, and write its forecasts and measurements.

Started by ``run.py``, one process per system and run, so that peak memory
(``ru_maxrss``) belongs to that system alone::

    python worker.py --system darts --task a --settings '{"epochs": 2}' --out results-tmp/darts-a-0
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--system", required=True)
    parser.add_argument("--task", required=True)
    parser.add_argument("--settings", required=True, help="JSON object of Settings fields")
    parser.add_argument("--out", required=True, help="path prefix for .npz and .json")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from systems import SYSTEMS
    from systems.common import Settings
    from tasks import load_task

    settings = Settings(**json.loads(args.settings))
    os.environ.setdefault("OMP_NUM_THREADS", str(settings.threads))
    import importlib

    import numpy as np
    import torch

    torch.set_num_threads(settings.threads)
    module = importlib.import_module(SYSTEMS[args.system][0])
    data = load_task(args.task)
    rss_ready = _peak_rss_mb()  # after imports and data, before any training

    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    output = module.run(data, settings)
    total = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out.with_suffix(".npz"), series=output.series, origin=output.origin, forecast=output.forecast)
    meta = {
        "system": args.system,
        "task": args.task,
        "version": output.version,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "train_seconds": output.train_seconds,
        "backtest_seconds": output.backtest_seconds,
        "total_seconds": total,
        "peak_rss_mb": _peak_rss_mb(),
        "rss_before_fit_mb": rss_ready,
        # CPU time of the whole process, and the machine's 1-minute load around the run:
        # a load well above the thread count means other work shared the CPU.
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "notes": output.notes,
    }
    out.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
