"""Peak memory of lazy windows: 1 M windows of lookback 90 over 5 features.

Seed 004 builds its inputs as one float64 array of shape (windows, lookback,
features): about 3.6 GB for this workload. grucast keeps the rows once, as one
float32 tensor per split, and gathers each batch by index. This script measures the
peak resident memory (RSS) of the whole path, from creating the raw data to
visiting every window once in shuffled batches, and checks that it stays within 2x
the size of the raw data: the series as held in memory before windowing (an int64
time index and five float64 values per row). The ratio to the values alone is
printed too.

Run::

    python benchmarks/bench_windows_memory.py

It prints a table and writes ``benchmarks/results/windows_memory.json``. Linux only
(it reads ``/proc/self/status``).
"""

from __future__ import annotations

import argparse
import json
import platform
import threading
import time
from pathlib import Path

import numpy as np
import torch

from grucast.data import Frequency, Series, SeriesSet, WindowPipeline

RESULTS = Path(__file__).resolve().parent / "results" / "windows_memory.json"
MIB = 2**20


def rss_bytes(field: str = "VmRSS") -> int:
    """The current (``VmRSS``) or peak (``VmHWM``) resident memory of this process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


class PeakMemory:
    """Peak RSS from now on: the kernel's high-water mark, reset, or else a poller."""

    def __init__(self) -> None:
        try:
            # Writing 5 resets VmHWM to the current RSS (Linux >= 4.0).
            Path("/proc/self/clear_refs").write_text("5")
            self.method = "VmHWM after reset"
        except OSError:
            self.method = "VmRSS polled every 1 ms"
        self._peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = None
        if self.method.startswith("VmRSS"):
            self._thread = threading.Thread(target=self._poll, daemon=True)
            self._thread.start()

    def _poll(self) -> None:
        while not self._stop.wait(0.001):
            self._peak = max(self._peak, rss_bytes())

    def peak(self) -> int:
        """The highest RSS seen since construction."""
        if self._thread is None:
            return rss_bytes("VmHWM")
        self._stop.set()
        self._thread.join()
        return max(self._peak, rss_bytes())


def make_data(n_series: int, rows: int, n_features: int, seed: int) -> SeriesSet:
    """Series of a target plus ``n_features - 1`` past covariates, float64, as read from a file."""
    rng = np.random.default_rng(seed)
    members = []
    for index in range(n_series):
        target = rng.standard_normal(rows)
        target += np.sin(np.arange(rows) * (2 * np.pi / 24))
        past = rng.standard_normal((rows, n_features - 1))
        time = np.arange(rows, dtype=np.int64)
        members.append(Series(f"s{index}", time, target, np.zeros((rows, 0)), past, Frequency("step")))
    names = tuple(f"c{j}" for j in range(1, n_features))
    return SeriesSet(tuple(members), target="y", past_covariates=names)


def measure(n_series: int, rows: int, args: argparse.Namespace) -> dict:
    """Build the data, prepare the windows and visit each once; return sizes and peak RSS."""
    baseline = rss_bytes()
    meter = PeakMemory()
    started = time.perf_counter()
    data = make_data(n_series, rows, args.features, seed=0)
    raw_bytes = sum(s.time.nbytes + s.target.nbytes + s.known.nbytes + s.past.nbytes for s in data)
    values_bytes = sum(s.target.nbytes + s.known.nbytes + s.past.nbytes for s in data)
    pipeline = WindowPipeline(
        args.lookback, args.horizon, test_size=0, val_size=0, scaler="standard", window_norm="none", calendar=()
    )
    prepared = pipeline.fit_transform(data)
    prepared_at = time.perf_counter()
    visited, checksum = 0, 0.0
    for batch in prepared.train.loader(args.batch_size, shuffle=True, seed=0):
        visited += batch["x"].shape[0]
        checksum += float(batch["x"][:, -1, 0].sum())
        del batch  # as a training step would: one batch alive at a time
    finished = time.perf_counter()
    peak = meter.peak()
    windows = len(prepared.train)
    if visited != windows:
        raise RuntimeError(f"visited {visited} of {windows} windows")
    return {
        "windows": windows,
        "raw_bytes": raw_bytes,
        "values_bytes": values_bytes,
        "tensor_bytes": sum(prepared.split(p).values.numel() * 4 for p in ("train", "val", "test")),
        "peak_bytes": peak - baseline,
        "baseline_bytes": baseline,
        "prepare_seconds": prepared_at - started,
        "iterate_seconds": finished - prepared_at,
        "method": meter.method,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Peak memory of lazy windows.")
    parser.add_argument("--windows", type=int, default=1_000_000, help="windows in all (default 1,000,000)")
    parser.add_argument("--lookback", type=int, default=90)
    parser.add_argument("--horizon", type=int, default=1)
    parser.add_argument("--features", type=int, default=5)
    parser.add_argument("--series", type=int, default=10, help="series the windows are spread over")
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    torch.set_num_threads(1)

    # Warm up on a small run first: the library code that the first call of each
    # operation pages in is resident memory too, but it is not data.
    measure(2, 10 * args.lookback + args.horizon, args)
    per_series = args.windows // args.series
    run = measure(args.series, per_series + args.lookback + args.horizon - 1, args)

    windows, raw, peak = run["windows"], run["raw_bytes"], run["peak_bytes"]
    eager_bytes = windows * args.lookback * args.features * 8
    result = {
        "windows": windows,
        "lookback": args.lookback,
        "horizon": args.horizon,
        "features": args.features,
        "series": args.series,
        "batch_size": args.batch_size,
        "raw_data_mib": raw / MIB,
        "raw_values_mib": run["values_bytes"] / MIB,
        "split_tensors_mib": run["tensor_bytes"] / MIB,
        "peak_rss_above_baseline_mib": peak / MIB,
        "peak_over_raw_data": peak / raw,
        "peak_over_raw_values": peak / run["values_bytes"],
        "bound": 2.0,
        "within_bound": peak <= 2 * raw,
        "eager_float64_windows_mib": eager_bytes / MIB,
        "prepare_seconds": run["prepare_seconds"],
        "iterate_seconds": run["iterate_seconds"],
        "windows_per_second": windows / run["iterate_seconds"],
        "peak_method": run["method"],
        "baseline_rss_mib": run["baseline_bytes"] / MIB,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    rows_out = [
        ("windows (lookback x features)", f"{windows:,} ({args.lookback} x {args.features})"),
        ("raw data (time int64 + values float64)", f"{raw / MIB:8.1f} MiB"),
        ("  of which values", f"{run['values_bytes'] / MIB:8.1f} MiB"),
        ("split tensors, float32", f"{run['tensor_bytes'] / MIB:8.1f} MiB"),
        ("peak RSS above baseline (data included)", f"{peak / MIB:8.1f} MiB"),
        ("peak / raw data", f"{peak / raw:8.2f}x (bound 2x: {'ok' if result['within_bound'] else 'EXCEEDED'})"),
        ("peak / raw values only", f"{peak / run['values_bytes']:8.2f}x"),
        ("seed-004 style float64 array", f"{eager_bytes / MIB:8.1f} MiB (not built)"),
        ("prepare / iterate one epoch", f"{run['prepare_seconds']:.2f} s / {run['iterate_seconds']:.2f} s"),
        ("windows per second", f"{result['windows_per_second']:,.0f}"),
        ("peak measured by", run["method"]),
    ]
    width = max(len(name) for name, _ in rows_out)
    print(f"{'measure':<{width}} | value")
    print(f"{'-' * width}-|-{'-' * 40}")
    for name, value in rows_out:
        print(f"{name:<{width}} | {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
