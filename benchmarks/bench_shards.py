"""Memory of one process's share of a partitioned Parquet dataset (issue 14).

Writes synthetic daily series (``--series`` of ``--steps`` rows) as 8 Parquet files
cut by date, so every series spans every file, then reads them in a fresh process
each: all of them, and share 0 of 2, 4 and 8 (``read_series(..., shard=(0, world))``).
Prints and writes ``results/shards.json``: seconds and the peak resident memory
above the imports.

    python benchmarks/bench_shards.py [--series 40000] [--steps 300]
"""

from __future__ import annotations

import argparse
import json
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=40000)
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="grucast-shards-") as folder:
        subprocess.run([sys.executable, "-c", WRITE, folder, str(args.series), str(args.steps)], check=True)
        for world in (1, 2, 4, 8):
            done = subprocess.run([sys.executable, "-c", READ, folder, str(world)], capture_output=True, text=True,
                                  check=True)
            row = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(f"share 0 of {world}: {row['series']} series, {row['rows']} rows, {row['seconds']} s, "
                  f"peak {row['peak_above_imports_mib']} MiB above the imports", flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "series": args.series, "steps": args.steps,
                                   "rows": rows}, indent=1) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
