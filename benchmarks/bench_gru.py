"""Speed of grucast.nn.GRU against torch.nn.GRU and torch.nn.LSTM on this machine's CPU (float32).

For each shape, a training step (forward + backward + Adam) and batch-1 inference
of the three run interleaved in one process (so all see the same machine load),
and the table reports medians, the ratio grucast / torch.nn.GRU (< 1 means
grucast is faster) and the speed-up over torch.nn.LSTM (> 1 means grucast is
faster; a GRU does 3/4 of an LSTM's arithmetic), with the load average. The whole run is repeated in a child process that
keeps freed memory for reuse as training does (grucast.runtime.keep_freed_memory:
the kernel's block cache as torch's CPU allocator, for both sides), since that
changes both sides' times on this kind of VM ("tuned" in the JSON). minGRU is timed against
torch.nn.GRU forward + backward at 90 and 1024 steps. Achieved GFLOP/s count the
matmul FLOPs of the step, against the fp32 matmul peak measured in the same run.

Usage:
    python benchmarks/bench_gru.py            # everything, writes results/gru_speed.json
    python benchmarks/bench_gru.py --quick    # fewer repetitions, the two target shapes
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Shape:
    name: str
    input_size: int
    hidden_size: int
    num_layers: int
    steps: int
    batch: int
    reps: int

    def matmul_flops(self, train: bool, batch: int | None = None) -> float:
        """FLOPs of the GRU's matmuls: input projection and recurrence, all layers.

        Backward costs two matmuls per forward matmul (input and weight gradients).
        """
        b = self.batch if batch is None else batch
        flops = 0.0
        for layer in range(self.num_layers):
            f_in = self.input_size if layer == 0 else self.hidden_size
            flops += 2 * self.steps * b * 3 * self.hidden_size * (f_in + self.hidden_size)
        return flops * (3 if train else 1)


SHAPES = [
    Shape("target-1 (5, 64, 1 layer, 90, 256)", 5, 64, 1, 90, 256, 25),
    Shape("target-2 (5, 128, 2 layers, 90, 256)", 5, 128, 2, 90, 256, 15),
    Shape("seeds 000/001 (1, 50, 1 layer, 10, 64)", 1, 50, 1, 10, 64, 60),
    Shape("seed 004 (5, 256, 2 layers, 90, 1024)", 5, 256, 2, 90, 1024, 5),
]


def interleaved(fns: dict[str, Callable[[], None]], reps: int, warmup: int = 2) -> dict[str, float]:
    """Median seconds per call of each function, calls interleaved round-robin."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(reps):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def matmul_peak_gflops(torch) -> float:
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    seconds = interleaved({"mm": lambda: torch.mm(a, b)}, reps=10)["mm"]
    return 2 * 2048**3 / seconds / 1e9


def gru_rows(torch, shapes: list[Shape], peak: float, quick: bool) -> list[dict]:
    from grucast.nn import GRU

    rows = []
    for shape in shapes:
        torch.manual_seed(0)
        args = (shape.input_size, shape.hidden_size, shape.num_layers)
        models = {"torch": torch.nn.GRU(*args), "grucast": GRU(*args), "lstm": torch.nn.LSTM(*args)}
        models["grucast"].load_state_dict(models["torch"].state_dict())
        x = torch.randn(shape.steps, shape.batch, shape.input_size)
        x1 = torch.randn(shape.steps, 1, shape.input_size)

        def train_step(model, optimiser):
            def run():
                optimiser.zero_grad(set_to_none=True)
                out, _ = model(x)
                out[-1].square().mean().backward()
                optimiser.step()

            return run

        def infer(model):
            def run():
                with torch.no_grad():
                    model(x1)

            return run

        reps = max(3, shape.reps // 3) if quick else shape.reps
        load = os.getloadavg()[0]
        train = interleaved(
            {k: train_step(m, torch.optim.Adam(m.parameters(), lr=1e-3)) for k, m in models.items()}, reps
        )
        single = interleaved({k: infer(m) for k, m in models.items()}, reps * 4)
        for kind, t, flops in (
            ("train step", train, shape.matmul_flops(True)),
            ("infer batch 1", single, shape.matmul_flops(False, batch=1)),
        ):
            gflops = flops / t["grucast"] / 1e9
            rows.append(
                {
                    "shape": shape.name,
                    "task": kind,
                    "torch_ms": t["torch"] * 1e3,
                    "grucast_ms": t["grucast"] * 1e3,
                    "lstm_ms": t["lstm"] * 1e3,
                    "ratio": t["grucast"] / t["torch"],
                    "speedup_vs_lstm": t["lstm"] / t["grucast"],
                    "grucast_gflops": gflops,
                    "pct_of_peak": 100 * gflops / peak,
                    "load_before": load,
                    "load_after": os.getloadavg()[0],
                }
            )
    return rows


def mingru_rows(torch, quick: bool) -> list[dict]:
    from grucast.nn.mingru import MinGRU

    rows = []
    hidden, inputs = 256, 5
    for steps, batch in ((90, 256), (1024, 64)):
        torch.manual_seed(0)
        x = torch.randn(steps, batch, inputs)
        models = {
            "torch.nn.GRU": torch.nn.GRU(inputs, hidden),
            "minGRU parallel": MinGRU(inputs, hidden, mode="parallel"),
            "minGRU sequential": MinGRU(inputs, hidden, mode="sequential"),
        }

        def fwd_bwd(model):
            def run():
                model.zero_grad(set_to_none=True)
                out, _ = model(x)
                out.square().mean().backward()

            return run

        t = interleaved({k: fwd_bwd(m) for k, m in models.items()}, 3 if quick else 7, warmup=1)
        for name, seconds in t.items():
            rows.append(
                {
                    "shape": f"(5, 256, 1 layer, {steps}, {batch})",
                    "model": name,
                    "ms": seconds * 1e3,
                    "speedup_vs_torch_gru": t["torch.nn.GRU"] / seconds,
                }
            )
    return rows


_PROCESS_SCOPE = contextlib.ExitStack()


def child(malloc: str, quick: bool) -> dict:
    """One full measurement in this process; malloc is 'default' or 'tuned'."""
    import grucast  # noqa: F401  (first, as a user's script: OpenMP's wait is set before torch loads it)
    from grucast.runtime.threads import wait_policy

    if malloc == "tuned":
        from grucast.runtime import keep_freed_memory

        _PROCESS_SCOPE.enter_context(keep_freed_memory())  # until the process exits
    import torch

    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "2")))
    from grucast.nn.kernels import load_kernel

    if load_kernel() is None:
        raise SystemExit("bench_gru: the fused kernel is not built; run `make setup` first")
    peak = matmul_peak_gflops(torch)
    shapes = SHAPES[:2] if quick else SHAPES
    return {
        "malloc": malloc,
        "openmp_wait": wait_policy(),
        "threads": torch.get_num_threads(),
        "fp32_matmul_peak_gflops": peak,
        "gru": gru_rows(torch, shapes, peak, quick),
        "mingru": mingru_rows(torch, quick),
    }


def print_tables(runs: list[dict]) -> None:
    for run in runs:
        print(
            f"\n## grucast.nn.GRU vs torch.nn.GRU, float32, {run['threads']} threads, malloc "
            f"{run['malloc']} (fp32 matmul peak {run['fp32_matmul_peak_gflops']:.0f} GFLOP/s)\n"
        )
        print("| shape (input, hidden, layers, steps, batch) | task | torch.nn.GRU | torch.nn.LSTM | grucast | "
              "grucast / torch GRU | LSTM / grucast | grucast GFLOP/s | % of peak | load |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in run["gru"]:
            print(
                f"| {r['shape']} | {r['task']} | {r['torch_ms']:.2f} ms | {r['lstm_ms']:.2f} ms | "
                f"{r['grucast_ms']:.2f} ms | {r['ratio']:.2f}x | {r['speedup_vs_lstm']:.2f}x | "
                f"{r['grucast_gflops']:.1f} | {r['pct_of_peak']:.0f} % | {r['load_before']:.1f} |"
            )
        print(f"\n## minGRU forward + backward vs torch.nn.GRU, malloc {run['malloc']}\n")
        print("| shape | model | time | speed-up vs torch.nn.GRU |")
        print("|---|---|---:|---:|")
        for r in run["mingru"]:
            print(f"| {r['shape']} | {r['model']} | {r['ms']:.1f} ms | {r['speedup_vs_torch_gru']:.2f}x |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, target shapes only")
    parser.add_argument("--child", choices=["default", "tuned"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.quick)))
        return 0
    runs = []
    for malloc in ("default", "tuned"):
        cmd = [sys.executable, __file__, "--child", malloc] + (["--quick"] if args.quick else [])
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print_tables(runs)
    import torch

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / ("gru_speed_quick.json" if args.quick else "gru_speed.json")
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "shapes": [asdict(s) for s in SHAPES],
    }
    out.write_text(json.dumps({"meta": meta, "runs": runs}, indent=2) + "\n")
    print(f"\nwrote {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
