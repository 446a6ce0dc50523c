"""Training throughput of the whole pipeline (lazy windows -> model -> Lightning) on the CPU.

For the seed-004 shape (lookback 90, 5 features: load + raw hour, day of week,
month, day of year; hidden 256, 2 layers, batch 1024) and a small one (hidden 64,
batch 256), each in a fresh process:

* windows per second inside `fit_module` (Lightning, Adam, gradient clipping,
  logging: everything a real run does), from the median time between consecutive
  training batches, so start-up is not counted; for the GRU on grucast's kernel and
  on torch.nn.GRU, and for the LSTM;
* the data pipeline's share: the time to gather a batch of windows against the
  time of one training step;
* peak resident memory of the process.

Usage:
    python benchmarks/bench_training.py [--batches 12] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

CASES = [
    {"name": "seed 004 (L 90, F 5, H 256, 2 layers, B 1024)", "hidden": 256, "batch": 1024, "model": "gru", "backend": "grucast"},
    {"name": "seed 004 (L 90, F 5, H 256, 2 layers, B 1024)", "hidden": 256, "batch": 1024, "model": "gru", "backend": "torch"},
    {"name": "seed 004 (L 90, F 5, H 256, 2 layers, B 1024)", "hidden": 256, "batch": 1024, "model": "lstm", "backend": None},
    {"name": "small (L 90, F 5, H 64, 2 layers, B 256)", "hidden": 64, "batch": 256, "model": "gru", "backend": "grucast"},
    {"name": "small (L 90, F 5, H 64, 2 layers, B 256)", "hidden": 64, "batch": 256, "model": "gru", "backend": "torch"},
    {"name": "small (L 90, F 5, H 64, 2 layers, B 256)", "hidden": 64, "batch": 256, "model": "lstm", "backend": None},
]


def child(case: dict, batches: int) -> dict:
    import numpy as np
    import pandas as pd
    import torch

    from grucast.data import WindowPipeline, from_dataframe
    from grucast.models import build_model
    from grucast.settings import Settings
    from grucast.training import ForecastModule, fit_module

    import lightning.pytorch as pl

    class BatchTimer(pl.Callback):
        """Times between the starts of consecutive training batches."""

        def __init__(self) -> None:
            self.starts: list[float] = []

        def on_train_batch_start(self, *args) -> None:
            self.starts.append(time.perf_counter())

        def on_train_end(self, *args) -> None:
            self.starts.append(time.perf_counter())

        @property
        def gaps(self) -> list[float]:
            return [b - a for a, b in zip(self.starts, self.starts[1:])]

    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    rows = 24 * 365 * 2
    time_index = pd.date_range("2015-01-01", periods=rows, freq="h")
    frames = [
        pd.DataFrame({"time": time_index, "region": f"r{i}",
                      "load": 100 + 20 * np.sin(2 * np.pi * np.arange(rows) / 24) + rng.normal(0, 5, rows)})
        for i in range(6)
    ]
    data = from_dataframe(pd.concat(frames), time_col="time", target="load", series_col="region")
    pipeline = WindowPipeline(90, 1, calendar=("hour", "day_of_week", "month", "day_of_year"),
                              calendar_encoding="raw", window_norm="none")
    windows = pipeline.fit_transform(data)
    options = {"backend": case["backend"]} if case["backend"] else {}
    torch.manual_seed(0)
    model = build_model(case["model"], input_size=pipeline.n_features, horizon=1, hidden_size=case["hidden"],
                        num_layers=2, dropout=0.2, **options)
    config = Settings(lookback=90, horizon=1, epochs=1, batch_size=case["batch"], max_batches=batches, progress=False,
                      patience=0, lr_schedule="none", accelerator="cpu", threads=2)
    module = ForecastModule(model, config)
    timer = BatchTimer()
    with tempfile.TemporaryDirectory() as run_dir:
        result = fit_module(module, windows.train, None, config, Path(run_dir), callbacks=[timer])
    # Steady state: the median time from one batch's start to the next one's, which
    # includes loading, the step and Lightning's hooks but not start-up.
    batch_seconds = statistics.median(timer.gaps[1:]) if len(timer.gaps) > 1 else result.train_seconds / batches
    # Data pipeline share: gather a random batch vs one training step.
    index = torch.randperm(len(windows.train))[: case["batch"]]
    gather = []
    for _ in range(20):
        start = time.perf_counter()
        batch = windows.train.batch(index)
        gather.append(time.perf_counter() - start)
    optimiser = torch.optim.Adam(model.parameters())
    steps = []
    for _ in range(3):
        start = time.perf_counter()
        optimiser.zero_grad()
        torch.nn.functional.mse_loss(model(batch["x"]), batch["y"]).backward()
        optimiser.step()
        steps.append(time.perf_counter() - start)
    return {
        **case,
        "features": windows.n_features,
        "train_windows": len(windows.train),
        "batches": batches,
        "fit_seconds": result.train_seconds,
        "windows_per_second": case["batch"] / batch_seconds,
        "gather_ms": 1e3 * statistics.median(gather),
        "step_ms": 1e3 * statistics.median(steps),
        "data_share_pct": 100 * statistics.median(gather) / statistics.median(steps),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=12, help="training batches timed per case")
    parser.add_argument("--repeats", type=int, default=3, help="runs per case, interleaved; medians reported")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(CASES[args.child], args.batches)))
        return 0
    # Round-robin over the cases so that a busy moment on the shared cores does not
    # land on one case only; each run is a fresh process.
    runs: list[list[dict]] = [[] for _ in CASES]
    for _ in range(args.repeats):
        for index in range(len(CASES)):
            done = subprocess.run([sys.executable, __file__, "--child", str(index), "--batches", str(args.batches)],
                                  check=True, capture_output=True, text=True)
            runs[index].append(json.loads(done.stdout.strip().splitlines()[-1]))
    rows = []
    for results in runs:
        row = dict(results[0])
        for key in ("fit_seconds", "windows_per_second", "gather_ms", "step_ms", "data_share_pct", "peak_rss_mib"):
            row[key] = statistics.median(r[key] for r in results)
        row["repeats"] = len(results)
        rows.append(row)
    print(f"\n## Training throughput, whole pipeline (Lightning fit), 2 threads, median of {args.repeats} runs\n")
    print("| shape | model | windows/s | step | batch gather | data share | peak RSS |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        label = r["model"] + (f" ({r['backend']})" if r["backend"] else "")
        print(f"| {r['name']} | {label} | {r['windows_per_second']:,.0f} | {r['step_ms']:.0f} ms | "
              f"{r['gather_ms']:.1f} ms | {r['data_share_pct']:.1f} % | {r['peak_rss_mib']:,.0f} MiB |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "training_throughput.json"
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M:%S"), "rows": rows}, indent=2) + "\n")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
