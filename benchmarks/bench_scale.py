"""Time and peak memory per phase of a global model over many series (issue 14).

Synthetic daily series of ``--steps`` rows (a weekly cycle on a per-series level,
with noise) in one long CSV, written by a process of its own; then, timed phase by
phase in a fresh process per collection size, with each phase's peak resident
memory (sampled every 20 ms): reading and validating the file, fitting the pipeline (splits,
scalers, window normalisation, calendar, windows), training (one epoch capped at
``--batches`` batches: a fixed, small share), calibrating the intervals,
evaluating the test windows beside the baselines, predicting the next horizon,
and writing the run folder (metrics, forecasts, report and plots of a sample of
series). The per-series overhead is the CPU time of everything but training, divided
by the number of series. As in the ``grucast`` command, the objects of the imports
are exempted from garbage collection (``grucast.runtime.collector``).

    python benchmarks/bench_scale.py [--sizes 1000,10000,100000] [--steps 300]

Each size runs ``--repeats`` times (2 by default) from the same file; each phase keeps
its fastest run, since a shared machine's other work only ever adds time. Prints a
table and each phase's growth, and writes ``results/scale.json``. CPU seconds (user + system) are
recorded beside wall seconds: on a shared machine they are the comparable figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "scale.json"

WRITE = r"""
import sys
import numpy as np, pandas as pd
path, size, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
days = pd.date_range("2023-01-01", periods=steps, freq="D").strftime("%Y-%m-%d")
level = rng.uniform(10, 100, (size, 1))
values = level * (1 + 0.2 * np.sin(2 * np.pi * np.arange(steps) / 7)) + rng.normal(0, 2, (size, steps))
pd.DataFrame({"id": np.repeat([f"s{i:06d}" for i in range(size)], steps), "date": np.tile(days, size),
              "y": values.reshape(-1).round(3)}).to_csv(path, index=False)
"""

# The file is written by its own process (WRITE): the measured process starts as a
# user's does, with nothing but the imports in memory.
CHILD = r"""
import json, os, resource, sys, tempfile, time, warnings
warnings.simplefilter("ignore")
import numpy as np, pandas as pd
import grucast
from grucast.api import Forecaster
from grucast.api.runs import train_run
from grucast.data import read_series
from grucast.runtime.collector import freeze_imports

freeze_imports()  # as the grucast command does once its libraries are loaded
path, batches, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
import threading
page_mib = os.sysconf("SC_PAGE_SIZE") / 2**20
def resident_mib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * page_mib
peak, lock = [0.0], threading.Lock()
def sample():  # the resident size's high-water mark since the last reset, sampled every 20 ms
    while True:
        with lock:
            peak[0] = max(peak[0], resident_mib())
        time.sleep(0.02)
threading.Thread(target=sample, daemon=True).start()

phases = {}
def timed(name, call):
    cpu, wall = time.process_time(), time.perf_counter()
    with lock:
        outer, peak[0] = peak[0], resident_mib()
    out = call()
    with lock:
        phase_peak = max(peak[0], resident_mib())
        peak[0] = max(outer, phase_peak)
    phases[name] = {"wall_s": round(time.perf_counter() - wall, 3), "cpu_s": round(time.process_time() - cpu, 3),
                    "peak_mib": round(phase_peak)}
    return out

before_read = resident_mib()  # the imports
data = timed("read", lambda: read_series(path, time_col="date", target="y", series_col="id"))
forecaster = Forecaster("gru", lookback=28, horizon=7, hidden_size=16, num_layers=1, epochs=1, max_batches=batches,
                        batch_size=256, progress=False, threads=2, seed=0)
# train_run does it all; each part is timed from inside by wrapping it.
import grucast.api.forecaster as module
for name, owner, attr in (("pipeline", module.WindowPipeline, "fit_transform"), ("train", module, "fit_module"),
                          ("calibrate", module.Forecaster, "_calibrate"), ("evaluate", module.Forecaster, "evaluate"),
                          ("predict", module.Forecaster, "predict")):
    original = getattr(owner, attr)
    def wrapped(*args, _original=original, _name=name, **kwargs):
        return timed(_name, lambda: _original(*args, **kwargs))
    setattr(owner, attr, wrapped)
timed("train_run", lambda: train_run(data, forecaster, out))
inside = [phases[k] for k in ("pipeline", "train", "calibrate", "evaluate", "predict") if k in phases]
total = phases.pop("train_run")
phases["report_and_files"] = {"wall_s": round(total["wall_s"] - sum(p["wall_s"] for p in inside), 3),
                              "cpu_s": round(total["cpu_s"] - sum(p["cpu_s"] for p in inside), 3)}
peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"series": len(data), "steps": len(data.series[0].target), "phases": phases,
                  "peak_rss_mib": round(peak_mib), "before_read_mib": round(before_read)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=2,
                        help="Runs per size; each phase keeps its fastest (CPU and wall) and its largest peak.")
    args = parser.parse_args()
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        load = os.getloadavg()[0]
        with tempfile.TemporaryDirectory(prefix="grucast-scale-") as folder:
            path = os.path.join(folder, "series.csv")
            subprocess.run([sys.executable, "-c", WRITE, path, str(size), str(args.steps)], check=True)
            runs = []
            for repeat in range(args.repeats):
                out = os.path.join(folder, f"run{repeat}")
                done = subprocess.run([sys.executable, "-c", CHILD, path, str(args.batches), out],
                                      capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    print(done.stderr[-3000:], file=sys.stderr)
                    raise SystemExit(f"{size} series: the run failed")
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        row = _best_of(runs)
        phases = row["phases"]
        overhead = sum(p["cpu_s"] for name, p in phases.items() if name != "train")
        row.update(load_before=round(load, 2), load_after=round(os.getloadavg()[0], 2),
                   overhead_cpu_ms_per_series=round(1000 * overhead / size, 2))
        rows.append(row)
        print(f"{size:>8} series: " + ", ".join(f"{name} {p['wall_s']} s ({p['cpu_s']} cpu"
                                          + (f", peak {p['peak_mib']} MiB)" if "peak_mib" in p else ")") for name, p in phases.items())
              + f"; peak {row['peak_rss_mib']} MiB; overhead {row['overhead_cpu_ms_per_series']} ms/series CPU"
              + f" (load {row['load_before']}; best of {len(runs)})", flush=True)
    growth = []
    for small, large in zip(rows, rows[1:]):
        # CPU seconds of each phase at the larger size over the smaller (the target: at most 12x for 10x the series).
        ratios = {name: round(large["phases"][name]["cpu_s"] / max(small["phases"][name]["cpu_s"], 1e-3), 1)
                  for name in large["phases"]}
        growth.append({"from": small["series"], "to": large["series"], "cpu_ratio": ratios})
        print(f"growth {small['series']} -> {large['series']} series: "
              + ", ".join(f"{name} {ratio}x" for name, ratio in ratios.items()), flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "rows": rows, "growth": growth}, indent=1) + "\n")
    print(f"wrote {RESULTS}")


def _best_of(runs: list[dict]) -> dict:
    """One row from repeated runs of a size: per phase the least CPU and wall time (the
    run least disturbed by the rest of a shared machine), the largest peaks, and every
    run's CPU seconds beside them."""
    row = dict(runs[0], repeats=len(runs), peak_rss_mib=max(run["peak_rss_mib"] for run in runs))
    row["phases"] = {}
    for name in runs[0]["phases"]:
        each = [run["phases"][name] for run in runs]
        best = {"wall_s": min(p["wall_s"] for p in each), "cpu_s": min(p["cpu_s"] for p in each),
                "cpu_s_runs": [p["cpu_s"] for p in each]}
        if "peak_mib" in each[0]:
            best["peak_mib"] = max(p["peak_mib"] for p in each)
        row["phases"][name] = best
    return row


if __name__ == "__main__":
    main()
