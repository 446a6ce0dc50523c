"""bfloat16 on the CPU: grucast.nn.GRU under torch.autocast("cpu", dtype=torch.bfloat16).

In one process (2 threads, freed memory kept for reuse as training does), interleaved:

* the bf16 and fp32 matmul peaks (2048 x 2048 x 2048 torch.mm), measured in the same run;
* for each shape, a training step (forward + backward + Adam, fp32 master weights)
  and batch-1 inference of grucast's GRU in fp32 and under bf16 autocast (the fused
  kernel's bf16 path: bf16 matmuls, fp32 accumulation, gate math and state), and
  of torch.nn.GRU and torch.nn.LSTM under bf16 autocast.

Reports medians, the GRU's matmul GFLOP/s and its share of the bf16 peak, and the
bf16 / fp32 time ratio (< 1: bf16 is faster). Writes results/bf16_speed.json.

Usage:
    python benchmarks/bench_bf16.py [--reps 5] [--shapes seed004,hidden64]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import time
from pathlib import Path

import grucast  # noqa: F401  (first, as a user's script: OpenMP's wait is set before torch loads it)
import torch

from bench_gru import Shape, interleaved

RESULTS = Path(__file__).resolve().parent / "results"

SHAPES = {
    "seed004": Shape("seed 004 (5, 256, 2 layers, 90, 1024)", 5, 256, 2, 90, 1024, 5),
    "hidden64": Shape("hidden 64 (5, 64, 1 layer, 90, 256)", 5, 64, 1, 90, 256, 25),
}


def peaks(reps: int) -> dict[str, float]:
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    a16, b16 = a.bfloat16(), b.bfloat16()
    t = interleaved({"fp32": lambda: torch.mm(a, b), "bf16": lambda: torch.mm(a16, b16)}, reps)
    return {k: 2 * 2048**3 / v / 1e9 for k, v in t.items()}


def shape_rows(shape: Shape, reps: int, peak_bf16: float) -> list[dict]:
    from grucast.nn import GRU

    torch.manual_seed(0)
    args = (shape.input_size, shape.hidden_size, shape.num_layers)
    gru = GRU(*args)
    models = {"grucast": gru, "torch.nn.GRU": torch.nn.GRU(*args), "torch.nn.LSTM": torch.nn.LSTM(*args)}
    optimisers = {name: torch.optim.Adam(m.parameters(), lr=1e-3) for name, m in models.items()}
    x = torch.randn(shape.steps, shape.batch, shape.input_size)
    x1 = torch.randn(shape.steps, 1, shape.input_size)

    def precision(bf16: bool):
        return torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()

    def train(name: str, bf16: bool):
        model, optimiser = models[name], optimisers[name]

        def run() -> None:
            optimiser.zero_grad(set_to_none=True)
            with precision(bf16):
                out, _ = model(x)
                loss = out[-1].float().square().mean()
            loss.backward()
            optimiser.step()

        return run

    def infer(name: str, bf16: bool):
        model = models[name]

        def run() -> None:
            with torch.no_grad(), precision(bf16):
                model(x1)

        return run

    variants = {
        "grucast fp32": ("grucast", False),
        "grucast bf16": ("grucast", True),
        "torch.nn.GRU bf16": ("torch.nn.GRU", True),
        "torch.nn.LSTM bf16": ("torch.nn.LSTM", True),
    }
    rows = []
    for task, make, n, flops in (
        ("train step", train, reps, shape.matmul_flops(True)),
        ("infer batch 1", infer, reps * 8, shape.matmul_flops(False, batch=1)),
    ):
        load = os.getloadavg()[0]
        t = interleaved({label: make(*v) for label, v in variants.items()}, n)
        for label, seconds in t.items():
            gflops = flops / seconds / 1e9
            rows.append({
                "shape": shape.name,
                "task": task,
                "variant": label,
                "engine": gru.engine_for("cpu", torch.bfloat16 if "bf16" in label else torch.float32)
                if label.startswith("grucast") else "torch",
                "ms": seconds * 1e3,
                "gflops": gflops if label.startswith("grucast") else None,
                "pct_of_bf16_peak": 100 * gflops / peak_bf16 if label == "grucast bf16" else None,
                "vs_grucast_fp32": seconds / t["grucast fp32"],
                "load_before": load,
                "load_after": os.getloadavg()[0],
            })
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="training steps per variant (inference: 8x)")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--out", type=Path, default=RESULTS / "bf16_speed.json")
    args = parser.parse_args()

    from grucast.nn.kernels import bf16_native, load_kernel
    from grucast.runtime import keep_freed_memory
    from grucast.runtime.threads import wait_policy

    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "2")))
    if load_kernel() is None:
        raise SystemExit("bench_bf16: the fused kernel is not built; run `make setup` first")
    with keep_freed_memory():
        peak = peaks(10)
        rows = []
        for name in args.shapes.split(","):
            rows += shape_rows(SHAPES[name], args.reps, peak["bf16"])
        peak_after = peaks(10)
    print(f"\n## grucast.nn.GRU under bf16 autocast, {torch.get_num_threads()} threads "
          f"(matmul peak fp32 {peak['fp32']:.0f} / bf16 {peak['bf16']:.0f} GFLOP/s; after the run "
          f"{peak_after['fp32']:.0f} / {peak_after['bf16']:.0f}; bf16 kernel path: {bf16_native()})\n")
    print("| shape | task | variant | engine | median | vs grucast fp32 | GRU GFLOP/s | % of bf16 peak | load |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        gf = f"{r['gflops']:.0f}" if r["gflops"] is not None else ""
        pct = f"{r['pct_of_bf16_peak']:.0f} %" if r["pct_of_bf16_peak"] is not None else ""
        print(f"| {r['shape']} | {r['task']} | {r['variant']} | {r['engine']} | {r['ms']:.2f} ms | "
              f"{r['vs_grucast_fp32']:.2f}x | {gf} | {pct} | {r['load_before']:.1f} |")
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "openmp_wait": wait_policy(),
        "bf16_kernel_path": bf16_native(),
        "peak_gflops_before": peak,
        "peak_gflops_after": peak_after,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
