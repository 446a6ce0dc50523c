"""Training throughput when several training processes share the machine's cores (issue 14).

For each shape and each variant, 1, 2 and 3 training processes run at once, each a
realistic training loop (``grucast.models.build_model("gru", ...)``, Adam, MAE loss,
random windows of random series). All processes import, build and warm up first,
then measure over the same wall-clock window, so none runs alone at the end. The
table gives each process's median step time and the slowdown against the same
variant run solo (fair share on 2 cores: 1x for 2 processes, 1.5x for 3).

Shapes:
    monthly: 1,500 short series, lookback 12, horizon 18, 3 features, batch 256, hidden 64 x 2
    hourly:  lookback 168, horizon 24, 5 features, batch 256, hidden 64 x 2

Variants (each in fresh processes, since OpenMP reads its settings when it loads):
    grucast:   what ``import grucast`` sets up by default (see grucast.runtime.threads)
    spin:      libgomp's default active wait (OMP_WAIT_POLICY=ACTIVE set explicitly
               in the environment, which grucast respects)
    ...        more with --variant NAME=VAR=VALUE,VAR=VALUE

Usage:
    python benchmarks/bench_shared_cores.py [--seconds 15] [--procs 1,2,3] [--shapes monthly,hourly]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

SHAPES = {
    "monthly": {"series": 1500, "length": 60, "lookback": 12, "horizon": 18, "features": 3, "batch": 256, "hidden": 64, "layers": 2},
    "hourly": {"series": 12, "length": 4000, "lookback": 168, "horizon": 24, "features": 5, "batch": 256, "hidden": 64, "layers": 2},
}

VARIANTS: dict[str, dict[str, str]] = {
    "grucast": {},
    "spin": {"OMP_WAIT_POLICY": "ACTIVE"},
}


def worker(shape_name: str, seconds: float, threads: int | None) -> dict:
    """One training process: build, warm up, say so, then time steps in the window the parent gives."""
    import torch

    import grucast  # noqa: F401  (what a user's script imports first)
    from grucast.models import build_model
    from grucast.nn.kernels import load_kernel

    load_kernel()  # never build or load inside the timed window
    if threads:
        torch.set_num_threads(threads)
    shape = SHAPES[shape_name]
    torch.manual_seed(os.getpid())
    series = torch.randn(shape["series"], shape["length"], shape["features"])
    span = shape["lookback"] + shape["horizon"]
    starts = shape["length"] - span + 1
    offsets = torch.arange(span)
    model = build_model("gru", input_size=shape["features"], horizon=shape["horizon"],
                        hidden_size=shape["hidden"], num_layers=shape["layers"])
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step() -> None:
        which = torch.randint(shape["series"], (shape["batch"],))
        first = torch.randint(starts, (shape["batch"],))
        window = series[which[:, None], first[:, None] + offsets]  # (B, lookback + horizon, F)
        x, y = window[:, : shape["lookback"]], window[:, shape["lookback"] :, :1]
        optimiser.zero_grad(set_to_none=True)
        loss = (model(x) - y).abs().mean()
        loss.backward()
        optimiser.step()

    for _ in range(5):
        step()
    print("ready", flush=True)
    start_at = float(sys.stdin.readline())  # the parent's go, once every process is ready
    while time.time() < start_at:
        time.sleep(0.005)
    times = []
    stop = start_at + seconds
    while time.time() < stop:
        begin = time.perf_counter()
        step()
        times.append(time.perf_counter() - begin)
    return {"steps": len(times), "median_ms": 1e3 * statistics.median(times), "threads": torch.get_num_threads()}


def run_group(shape: str, procs: int, env_extra: dict[str, str], seconds: float, threads: int | None) -> list[dict]:
    cmd = [sys.executable, __file__, "--worker", shape, "--seconds", str(seconds)]
    if threads:
        cmd += ["--threads", str(threads)]
    env = {**os.environ, **env_extra}
    children = [
        subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(procs)
    ]
    for child in children:  # everyone imported, built and warmed up
        if child.stdout.readline().strip() != "ready":
            raise SystemExit("a worker failed before it was ready")
    start_at = f"{time.time() + 0.5}\n"
    for child in children:
        child.stdin.write(start_at)
        child.stdin.flush()
    results = []
    for child in children:
        out, _ = child.communicate()
        if child.returncode != 0:
            raise SystemExit(f"worker failed ({child.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--procs", default="1,2,3")
    parser.add_argument("--shapes", default="monthly,hourly")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=VAR=VALUE[,VAR=VALUE]")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads in every worker")
    parser.add_argument("--out", type=Path, default=RESULTS / "shared_cores.json")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.seconds, args.threads)))
        return 0

    variants = {name: VARIANTS[name] for name in args.variants.split(",") if name in VARIANTS}
    for spec in args.variant:
        name, _, assignments = spec.partition("=")
        variants[name] = dict(a.split("=", 1) for a in assignments.split(",") if a)
    procs = [int(p) for p in args.procs.split(",")]
    rows = []
    for shape in args.shapes.split(","):
        solo: dict[str, float] = {}
        for n in procs:
            for name, env_extra in variants.items():  # variants interleaved per process count
                load = os.getloadavg()[0]
                results = run_group(shape, n, env_extra, args.seconds, args.threads)
                medians = [r["median_ms"] for r in results]
                if n == 1:
                    solo[name] = medians[0]
                base = solo.get(name)
                row = {
                    "shape": shape, "variant": name, "env": env_extra, "processes": n,
                    "median_step_ms": medians, "steps": [r["steps"] for r in results],
                    "threads": results[0]["threads"], "load_before": load,
                    "slowdown_vs_solo": [m / base for m in medians] if base else None,
                }
                rows.append(row)
                slow = ", ".join(f"{s:.1f}x" for s in row["slowdown_vs_solo"]) if base else "-"
                print(f"{shape:8s} {name:10s} procs={n} load={load:4.1f} step ms: "
                      f"{', '.join(f'{m:.1f}' for m in medians)}  slowdown vs solo: {slow}", flush=True)
    print("\n| shape | variant | processes | per-process median step | slowdown vs solo (each) |")
    print("|---|---|---:|---|---|")
    for r in rows:
        slow = ", ".join(f"{s:.1f}x" for s in r["slowdown_vs_solo"]) if r["slowdown_vs_solo"] else "-"
        print(f"| {r['shape']} | {r['variant']} | {r['processes']} | "
              f"{', '.join(f'{m:.1f} ms' for m in r['median_step_ms'])} | {slow} |")
    meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count(), "python": platform.python_version(),
            "seconds": args.seconds, "shapes": SHAPES}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
