"""Memory of one process's share of a partitioned Parquet dataset (issue 14).

Writes synthetic daily series (``--series`` of ``--steps`` rows) as 8 Parquet files
cut by date, so every series spans every file, then reads them in a fresh process
each: all of them, and share 0 of 2, 4 and 8 (``read_series(..., shard=(0, world))``);
then trains on them through the command line (lookback 28, horizon 7, hidden 16, one
epoch of ``--batches`` batches): one process reading everything, and two processes
started by ``torchrun`` with ``--shard-data``. Prints and writes
``results/shards.json``: seconds, the reads' peak resident memory above the
imports, and the training runs' peak resident memory of each process (the imports,
about 460 MiB, included).

    python benchmarks/bench_shards.py [--series 40000] [--steps 300]
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

RESULTS = Path(__file__).parent / "results" / "shards.json"

WRITE = r"""
import os, sys
import numpy as np, pandas as pd
folder, size, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
days = pd.date_range("2023-01-01", periods=steps, freq="D")
names = np.array([f"s{i:06d}" for i in range(size)])
for part in range(8):
    rows = slice(part * steps // 8, (part + 1) * steps // 8)
    n = rows.stop - rows.start
    pd.DataFrame({"id": np.repeat(names, n), "date": np.tile(days[rows], size),
                  "y": rng.normal(50, 5, (size, n)).reshape(-1)}).to_parquet(os.path.join(folder, f"part-{part}.parquet"))
"""

READ = r"""
import json, os, resource, sys, time, warnings
warnings.simplefilter("ignore")
from grucast.data import read_series
def resident_mib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
before = resident_mib()
world = int(sys.argv[2])
start = time.perf_counter()
data = read_series(sys.argv[1], time_col="date", target="y", series_col="id", shard=(0, world) if world > 1 else None)
print(json.dumps({"world": world, "series": len(data), "rows": sum(data.lengths.values()),
                  "seconds": round(time.perf_counter() - start, 2),
                  "peak_above_imports_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before)}))
"""


# Runs grucast's command line and reports this process's peak resident memory as it exits.
PEAK = r"""
import atexit, os, resource, sys
atexit.register(lambda: print("PEAK", os.environ.get("RANK", "0"), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                              file=sys.stderr, flush=True))
from grucast.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def _train(folder: str, processes: int, batches: int) -> dict[str, object]:
    """A CLI training run on the folder: its seconds and each process's peak resident memory (MiB)."""
    scratch = os.path.dirname(folder)
    wrapper = os.path.join(scratch, "peak.py")
    Path(wrapper).write_text(PEAK)
    options = ["train", "--data", folder, "--time-col", "date", "--target", "y", "--series-col", "id",
               "--lookback", "28", "--horizon", "7", "--hidden-size", "16", "--num-layers", "1", "--epochs", "1",
               "--max-batches", str(batches), "--batch-size", "256", "--threads", str(max(1, 2 // processes)),
               "--quiet", "--out", os.path.join(scratch, f"run-{processes}")]
    if processes > 1:
        options += ["--devices", str(processes), "--strategy", "ddp", "--shard-data"]
        command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(processes), wrapper, *options]
    else:
        command = [sys.executable, wrapper, *options]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = round(time.perf_counter() - start, 1)
    if done.returncode != 0:
        raise SystemExit(f"the training run on {processes} process(es) failed:\n{done.stderr[-3000:]}")
    peaks = sorted((int(line.split()[1]), int(line.split()[2])) for line in done.stderr.splitlines()
                   if line.startswith("PEAK "))
    return {"processes": processes, "sharded": processes > 1, "seconds": seconds,
            "peak_mib_by_rank": [peak for _, peak in peaks]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=40000)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batches", type=int, default=20)
    args = parser.parse_args()
    rows, runs = [], []
    with tempfile.TemporaryDirectory(prefix="grucast-shards-") as scratch:
        folder = os.path.join(scratch, "data")  # the runs' folders go beside it, inside the scratch folder
        os.mkdir(folder)
        subprocess.run([sys.executable, "-c", WRITE, folder, str(args.series), str(args.steps)], check=True)
        for world in (1, 2, 4, 8):
            done = subprocess.run([sys.executable, "-c", READ, folder, str(world)], capture_output=True, text=True,
                                  check=True)
            row = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(f"share 0 of {world}: {row['series']} series, {row['rows']} rows, {row['seconds']} s, "
                  f"peak {row['peak_above_imports_mib']} MiB above the imports", flush=True)
        for processes in (1, 2):
            runs.append(_train(folder, processes, args.batches))
            print(f"train on {processes} process(es): {runs[-1]['seconds']} s, peak by rank "
                  f"{runs[-1]['peak_mib_by_rank']} MiB", flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "series": args.series, "steps": args.steps,
                                   "reads": rows, "train_runs": runs}, indent=1) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
