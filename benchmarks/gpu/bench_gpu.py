"""GRU speed on a GPU, and a short seed-004-style GRU-vs-LSTM training run (issue 18 item 3).

Run by ``benchmarks/gpu/run.sh``, which first runs the equivalence tests on CUDA and
passes their outcome here. Two parts, both on ``--device``:

* speed, on the seed-004 shape (input 5, hidden 256, 2 layers, 90 steps, batch
  1024): a training step (forward + backward + Adam) and batch-1 inference, in
  float32 and under bfloat16 autocast, of grucast's default GRU
  (``grucast.nn.GRU``, ``engine="auto"``: cuDNN through torch's GRU operator),
  grucast's ``reset_after=False`` GRU (the ``torch.compile``'d loop; its compile
  time is reported apart), ``torch.nn.GRU`` (cuDNN) and ``torch.nn.LSTM`` (cuDNN),
  interleaved in one process; medians, and ratios to ``torch.nn.GRU``;
* training: the shipped household electricity data (four hourly channels as four
  "regions" of one global model, like seed 004's twelve), load plus hour, day of
  week, month and day of year, min-max scaled per channel on its training part,
  lookback 90, one step ahead, the last 10 % of each channel as test; a 2-layer
  GRU and LSTM (hidden 256, dropout 0.2, batch 1024, Adam 1e-3, MSE) trained for
  the same epochs; training seconds, windows per second and test MAE / sMAPE.

``--smoke`` runs the same code on tiny shapes, to check the script end to end
where there is no GPU: its numbers are not measurements, and it writes them next
to this script (``smoke_cpu.json``, not committed) instead of into results/.

Usage:
    python benchmarks/gpu/bench_gpu.py --device cuda [--epochs 3] [--parts speed,training,compiled] [--merge]
        [--equivalence-log F --equivalence-status N]
    python benchmarks/gpu/bench_gpu.py --device cpu --smoke
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

RESULTS = Path(__file__).resolve().parents[1] / "results"


@dataclass(frozen=True)
class Shape:
    input_size: int
    hidden_size: int
    num_layers: int
    steps: int
    batch: int


SEED_004 = Shape(5, 256, 2, 90, 1024)
SMOKE = Shape(5, 16, 2, 12, 32)


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def interleaved(fns: dict[str, Callable[[], None]], device: torch.device, reps: int) -> dict[str, float]:
    """Median seconds per call of each function, calls interleaved round-robin."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(reps):
        for name, fn in fns.items():
            synchronize(device)
            start = time.perf_counter()
            fn()
            synchronize(device)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def autocast(device: torch.device, precision: str):
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


#: The model each part times against ``torch.nn.GRU`` (interleaved in one process).
PART_MODELS = {
    "speed": ("grucast GRU (default)", "torch.nn.LSTM"),
    "compiled": ("grucast GRU reset_after=False",),
    "eager": ("grucast GRU reset_after=False (eager loop)",),
}


def speed_rows(device: torch.device, shape: Shape, reps: int, part: str) -> tuple[list[dict], dict]:
    """Training step and batch-1 inference of each model, fp32 and bf16 autocast.

    Part ``speed``: grucast's default GRU, ``torch.nn.GRU`` and ``torch.nn.LSTM``.
    Part ``compiled``: grucast's ``reset_after=False`` GRU on its default CUDA engine
    (the ``torch.compile``'d loop, which compiles for minutes on first use of each
    shape); part ``eager``: the same GRU on the eager per-step loop; each against
    ``torch.nn.GRU``.
    """
    import grucast.nn

    torch.manual_seed(0)
    args = (shape.input_size, shape.hidden_size, shape.num_layers)
    models = {"torch.nn.GRU": torch.nn.GRU(*args)}
    if part == "compiled":
        models["grucast GRU reset_after=False"] = grucast.nn.GRU(*args, reset_after=False)
    elif part == "eager":
        models["grucast GRU reset_after=False (eager loop)"] = grucast.nn.GRU(*args, reset_after=False, engine="autograd")
    else:
        models["grucast GRU (default)"] = grucast.nn.GRU(*args)
        models["grucast GRU (default)"].load_state_dict(models["torch.nn.GRU"].state_dict())
        models["torch.nn.LSTM"] = torch.nn.LSTM(*args)
    models = {name: m.to(device) for name, m in models.items()}

    def engine(name: str, precision: str) -> str:
        model = models[name]
        if not isinstance(model, grucast.nn.GRU):
            return "torch"
        return model.engine_for(device, torch.bfloat16 if precision == "bf16" else torch.float32)

    x = torch.randn(shape.steps, shape.batch, shape.input_size, device=device)
    x1 = torch.randn(shape.steps, 1, shape.input_size, device=device)
    optimisers = {name: torch.optim.Adam(m.parameters(), lr=1e-3) for name, m in models.items()}

    def train_step(name: str, precision: str) -> Callable[[], None]:
        model, optimiser = models[name], optimisers[name]

        def run() -> None:
            optimiser.zero_grad(set_to_none=True)
            with autocast(device, precision):
                out, _ = model(x)
                loss = out[-1].float().square().mean()
            loss.backward()
            optimiser.step()

        return run

    def infer(name: str, precision: str) -> Callable[[], None]:
        model = models[name]

        def run() -> None:
            with torch.no_grad(), autocast(device, precision):
                model(x1)

        return run

    # First calls: the compiled engine compiles here (once per shape and precision).
    first_call: dict[str, float] = {}
    for precision in ("fp32", "bf16"):
        for name in models:
            for make in (train_step, infer):
                synchronize(device)
                start = time.perf_counter()
                make(name, precision)()
                synchronize(device)
                key = f"{name} | {make.__name__} | {precision}"
                first_call[key] = time.perf_counter() - start

    rows = []
    for precision in ("fp32", "bf16"):
        for task, make, n in (("train step", train_step, reps), ("infer batch 1", infer, reps * 4)):
            for name in models:  # warm-up beyond the first call
                make(name, precision)()
            t = interleaved({name: make(name, precision) for name in models}, device, n)
            for name, seconds in t.items():
                rows.append({
                    "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
                    "precision": precision,
                    "task": task,
                    "model": name,
                    "engine": engine(name, precision),
                    "ms": seconds * 1e3,
                    "vs_torch_gru": seconds / t["torch.nn.GRU"],
                    "vs_torch_lstm": seconds / t["torch.nn.LSTM"] if "torch.nn.LSTM" in t else None,
                })
    return rows, first_call


# ---------------------------------------------------------------- training


def household_windows(lookback: int, test_fraction: float = 0.1):
    """Features (C, T, 5) scaled on each channel's training part, and window starts."""
    from grucast.data.datasets.household_power import CHANNELS, household_power_frame

    frame = household_power_frame()
    when = frame["time"].dt
    calendar = np.stack(
        [when.hour / 23.0, when.dayofweek / 6.0, (when.month - 1) / 11.0, (when.dayofyear - 1) / 365.0], axis=1
    ).astype(np.float32)
    steps = len(frame)
    split = int(steps * (1 - test_fraction))  # first test target
    loads = frame[list(CHANNELS)].to_numpy(np.float32).T  # (C, T)
    low = loads[:, :split].min(axis=1, keepdims=True)  # fitted on the training part only
    span = loads[:, :split].max(axis=1, keepdims=True) - low
    scaled = (loads - low) / span
    features = np.concatenate([scaled[:, :, None], np.broadcast_to(calendar, (len(CHANNELS), steps, 4))], axis=2)
    # A window starting at s reads s .. s+lookback-1 and predicts s+lookback.
    train_starts = np.arange(0, split - lookback)
    test_starts = np.arange(split - lookback, steps - lookback)
    return features, low.squeeze(1), span.squeeze(1), train_starts, test_starts


def training_rows(device: torch.device, epochs: int, smoke: bool) -> list[dict]:
    from grucast.models import build_model

    lookback = SMOKE.steps if smoke else 90
    hidden, batch = (SMOKE.hidden_size, SMOKE.batch) if smoke else (256, 1024)
    features, low, span, train_starts, test_starts = household_windows(lookback)
    channels = features.shape[0]
    feats = torch.from_numpy(np.ascontiguousarray(features)).to(device)  # (C, T, 5)
    offsets = torch.arange(lookback, device=device)

    def gather(channel: torch.Tensor, start: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        rows = start[:, None] + offsets  # (B, L), index arithmetic: no window copies kept
        return feats[channel[:, None], rows], feats[channel, start + lookback, 0]

    pairs = torch.cartesian_prod(torch.arange(channels), torch.from_numpy(train_starts)).to(device)
    test_pairs = torch.cartesian_prod(torch.arange(channels), torch.from_numpy(test_starts)).to(device)
    max_batches = 5 if smoke else None
    rows = []
    for name in ("gru", "lstm"):
        torch.manual_seed(0)
        model = build_model(name, input_size=5, horizon=1, hidden_size=hidden, num_layers=2, dropout=0.2).to(device)
        optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
        seen = 0
        synchronize(device)
        start = time.perf_counter()
        for epoch in range(epochs):
            order = pairs[torch.randperm(len(pairs), device=device)]
            for i, first in enumerate(range(0, len(order), batch)):
                if max_batches is not None and i >= max_batches:
                    break
                chunk = order[first : first + batch]
                x, y = gather(chunk[:, 0], chunk[:, 1])
                optimiser.zero_grad(set_to_none=True)
                loss = torch.nn.functional.mse_loss(model(x)[:, 0, 0], y)
                loss.backward()
                optimiser.step()
                seen += len(chunk)
        synchronize(device)
        seconds = time.perf_counter() - start
        model.eval()
        errors, smapes = [], []
        with torch.no_grad():
            scale = torch.from_numpy(span).to(device)
            shift = torch.from_numpy(low).to(device)
            for first in range(0, len(test_pairs), 8192):
                chunk = test_pairs[first : first + 8192]
                x, y = gather(chunk[:, 0], chunk[:, 1])
                ch = chunk[:, 0]
                pred = model(x)[:, 0, 0] * scale[ch] + shift[ch]  # back to kW
                true = y * scale[ch] + shift[ch]
                errors.append((pred - true).abs())
                denom = pred.abs() + true.abs()
                smapes.append(torch.where(denom > 0, 200 * (pred - true).abs() / denom, torch.zeros_like(denom)))
        rows.append({
            "model": name,
            "engine": model.gru_engine(device) if hasattr(model, "gru_engine") else "torch",
            "parameters": sum(p.numel() for p in model.parameters()),
            "epochs": epochs,
            "train_windows": seen,
            "train_seconds": seconds,
            "windows_per_second": seen / seconds,
            "test_windows": len(test_pairs),
            "test_mae_kw": torch.cat(errors).mean().item(),
            "test_smape_0_200": torch.cat(smapes).mean().item(),
        })
    return rows


# ---------------------------------------------------------------- report


def equivalence_summary(log: Path | None, status: int | None) -> dict:
    if log is None:
        return {"ran": False, "reason": "no CUDA device" if status is None else "not run"}
    text = log.read_text()
    counts = {k: int(v) for v, k in re.findall(r"(\d+) (passed|failed|skipped|errors?)", text)}
    return {"ran": True, "exit_status": status, "passed": status == 0, **counts,
            "summary": text.strip().splitlines()[-1] if text.strip() else ""}


def print_tables(report: dict) -> None:
    print(f"\n## GRU speed on {report['meta']['device_name']} ({report['mode']})\n")
    print("| precision | task | model | engine | median | vs torch.nn.GRU | vs torch.nn.LSTM |")
    print("|---|---|---|---|---:|---:|---:|")
    for r in report["speed"]:
        lstm = "" if r["vs_torch_lstm"] is None else f"{r['vs_torch_lstm']:.2f}x"
        print(f"| {r['precision']} | {r['task']} | {r['model']} | {r['engine']} | {r['ms']:.2f} ms | "
              f"{r['vs_torch_gru']:.2f}x | {lstm} |")
    print("\nFirst calls (compiles included):")
    for key, seconds in report["first_call_seconds"].items():
        print(f"  {key}: {seconds:.1f} s")
    print("\n## GRU vs LSTM training (household power, 4 channels, lookback 90)\n")
    print("| model | engine | params | epochs | train s | windows/s | test MAE (kW) | test sMAPE (0-200) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in report["training"]:
        print(f"| {r['model']} | {r['engine']} | {r['parameters']} | {r['epochs']} | {r['train_seconds']:.1f} | "
              f"{r['windows_per_second']:.0f} | {r['test_mae_kw']:.4f} | {r['test_smape_0_200']:.2f} |")
    print(f"\nequivalence on CUDA: {report['equivalence']}")


PARTS = ("speed", "training", "compiled", "eager")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--smoke", action="store_true", help="tiny shapes: checks the script, measures nothing")
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--parts", default=",".join(PARTS),
                        help="comma-separated, run in this order: speed, training, compiled, eager")
    parser.add_argument("--merge", action="store_true", help="add to the report already at --out")
    parser.add_argument("--equivalence-log", type=Path)
    parser.add_argument("--equivalence-status", type=int)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    if unknown := sorted(set(parts) - set(PARTS)):
        parser.error(f"--parts: unknown {unknown}; choose from {', '.join(PARTS)}")
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda, but torch sees no CUDA device (a CPU build of torch?)")
    shape = SMOKE if args.smoke else SEED_004
    reps = 2 if args.smoke else args.reps
    epochs = 1 if args.smoke else args.epochs
    out = args.out or (Path(__file__).with_name("smoke_cpu.json") if args.smoke else RESULTS / "gpu.json")
    report = json.loads(out.read_text()) if args.merge and out.exists() else {}
    report.update({
        "mode": "smoke (tiny shapes, not a measurement)" if args.smoke else "measurement",
        "meta": {
            "date": time.strftime("%Y-%m-%d %H:%M:%S"),
            "torch": torch.__version__,
            "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version() if device.type == "cuda" else None,
            "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "cpu",
            "python": platform.python_version(),
            "shape": asdict(shape),
        },
    })
    if args.equivalence_log is not None or "equivalence" not in report:
        report["equivalence"] = equivalence_summary(args.equivalence_log, args.equivalence_status)
    report.setdefault("speed", [])
    report.setdefault("first_call_seconds", {})
    report.setdefault("training", [])
    out.parent.mkdir(parents=True, exist_ok=True)
    for part in parts:  # the report is written after each part, so a stopped run keeps what finished
        if part in PART_MODELS:
            rows, first_call = speed_rows(device, shape, reps, part)
            # A part's rows replace that part's earlier rows; torch.nn.GRU's rows are kept from "speed" only.
            mine = set(PART_MODELS[part]) | ({"torch.nn.GRU"} if part == "speed" else set())
            keep = [r for r in report["speed"] if r["model"] not in mine]
            report["speed"] = keep + [r for r in rows if r["model"] in mine]
            report["first_call_seconds"].update(first_call)
        else:
            report["training"] = training_rows(device, epochs, args.smoke)
        out.write_text(json.dumps(report, indent=2) + "\n")
    print_tables(report)
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
