"""Windows per second: many short series against one long series of the same window shape (issue 14).

M3 monthly's shape: lookback 12, horizon 18, hidden 64 x 2, batch 256, the target
plus two calendar features (month as sine and cosine). Two collections with about
the same number of training windows:

* short: 1,428 series of 60 monthly steps each (M3 monthly has 1,428 series);
* long: one daily series with as many training windows (44k months would pass the
  year 2262, the end of nanosecond times).

Each trains in a fresh process through ``fit_module`` (Lightning, Adam, everything a
run does) for ``--batches`` batches of one epoch; the figure is windows per second
from the median time between consecutive training batches (start-up not counted).
The two run alternately, ``--repeats`` times each, and the medians are compared.

    python benchmarks/bench_series_count.py [--batches 40] [--repeats 3]

Prints a table and writes ``results/series_count.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "series_count.json"
SHORT_SERIES, SHORT_LENGTH, LOOKBACK, HORIZON, BATCH = 1428, 60, 12, 18, 256


def child(kind: str, batches: int) -> dict:
    import tempfile

    import lightning.pytorch as pl
    import numpy as np
    import pandas as pd
    import torch

    from grucast.data import WindowPipeline, from_dataframe
    from grucast.models import build_model
    from grucast.nn.kernels import load_kernel
    from grucast.settings import Settings
    from grucast.training import ForecastModule, fit_module

    load_kernel()  # before any timing

    class BatchTimer(pl.Callback):
        def __init__(self) -> None:
            self.starts: list[float] = []

        def on_train_batch_start(self, *args) -> None:
            self.starts.append(time.perf_counter())

    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    windows_each = SHORT_LENGTH - LOOKBACK - HORIZON + 1
    if kind == "short":
        count, length = SHORT_SERIES, SHORT_LENGTH
    else:
        count, length = 1, SHORT_SERIES * windows_each + LOOKBACK + HORIZON - 1
    frames = []
    for i in range(count):
        # 44k months would run past the year 2262 that nanosecond times reach: the long
        # series is daily (the features are the same: the target and the month's sine and cosine).
        months = pd.date_range("1900-01-01", periods=length, freq="D") if kind == "long" else \
            pd.date_range("1990-01-01", periods=length, freq="MS")
        level = rng.uniform(100, 1000)
        values = level * (1 + 0.1 * np.sin(2 * np.pi * np.arange(length) / 12)) + rng.normal(0, level * 0.05, length)
        frames.append(pd.DataFrame({"time": months, "id": f"s{i}", "y": values}))
    data = from_dataframe(pd.concat(frames, ignore_index=True), time_col="time", target="y", series_col="id")
    pipeline = WindowPipeline(LOOKBACK, HORIZON, calendar=("month",), val_size=0, test_size=0, window_norm="none")
    windows = pipeline.fit_transform(data)
    torch.manual_seed(0)
    model = build_model("gru", input_size=pipeline.n_features, horizon=HORIZON, hidden_size=64, num_layers=2)
    config = Settings(lookback=LOOKBACK, horizon=HORIZON, epochs=1, batch_size=BATCH, max_batches=batches,
                      progress=False, patience=0, lr_schedule="none", accelerator="cpu", threads=2)
    timer = BatchTimer()
    with tempfile.TemporaryDirectory() as run_dir:
        fit_module(ForecastModule(model, config), windows.train, None, config, Path(run_dir), callbacks=[timer])
    gaps = [b - a for a, b in zip(timer.starts, timer.starts[1:])]
    return {
        "kind": kind,
        "series": count,
        "train_windows": len(windows.train),
        "features": pipeline.n_features,
        "batch_ms": 1000 * statistics.median(gaps[1:]),
        "windows_per_second": BATCH / statistics.median(gaps[1:]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", choices=["short", "long"])
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.batches)))
        return
    runs: dict[str, list[dict]] = {"short": [], "long": []}
    for _ in range(args.repeats):
        for kind in ("short", "long"):
            done = subprocess.run([sys.executable, __file__, "--child", kind, "--batches", str(args.batches)],
                                  capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(done.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"{kind}: the run failed")
            runs[kind].append(json.loads(done.stdout.strip().splitlines()[-1]))
    rows = []
    for kind, found in runs.items():
        rate = statistics.median(r["windows_per_second"] for r in found)
        rows.append({**found[0], "windows_per_second": rate, "batch_ms": 1000 * BATCH / rate,
                     "each_run": [round(r["windows_per_second"]) for r in found]})
    ratio = rows[0]["windows_per_second"] / rows[1]["windows_per_second"]
    print("| collection | series | training windows | ms per batch | windows/s (median) | runs |")
    print("|---|---:|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r['kind']} | {r['series']} | {r['train_windows']} | {r['batch_ms']:.1f} | "
              f"{r['windows_per_second']:.0f} | {r['each_run']} |")
    print(f"\nshort / long windows per second: {ratio:.3f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M:%S"), "batches": args.batches,
                                   "rows": rows, "short_over_long": ratio}, indent=1) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
