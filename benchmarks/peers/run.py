"""grucast against Darts, NeuralForecast and PyTorch Forecasting: the same tasks, side by side.

Each system runs each task in its own process (``worker.py``), so that peak memory
is that system's alone, with the same data, split, lookback, horizon, hidden size,
layers, batch size, epochs, learning rate, seed and threads (see ``README.md`` for
how each library's settings were matched). The forecasts come back as arrays and
are scored here, all with :mod:`grucast.evaluation`, on exactly the same test
windows, beside the naive and seasonal naive forecasts of those windows.

Run with the peers' environment (``make bench-peers`` builds it)::

    benchmarks/peers/.venv/bin/python benchmarks/peers/run.py --tasks a --epochs 2 --repeats 3

Writes ``benchmarks/results/peers.json`` (tasks run earlier and not rerun are kept)
and prints one Markdown table per task.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from systems import SYSTEMS  # noqa: E402
from systems.common import Settings  # noqa: E402
from tasks import TASKS, TaskData, load_task  # noqa: E402

RESULTS = HERE.parent / "results" / "peers.json"
SCRATCH = HERE / "results-tmp"
METRICS = ("mae", "rmse", "smape", "mase")
TIMINGS = ("train_seconds", "windows_per_second", "backtest_seconds", "peak_rss_mb")


# ---------------------------------------------------------------- running


def busy_cpus(seconds: float = 1.0) -> float:
    """How many CPUs the whole machine kept busy over the next ``seconds`` (from /proc/stat)."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields) - idle, sum(fields)

    busy0, total0 = sample()
    time.sleep(seconds)
    busy1, total1 = sample()
    return (os.cpu_count() or 1) * (busy1 - busy0) / max(total1 - total0, 1)


def wait_for_idle(max_wait: float, threshold: float = 0.3) -> float:
    """Wait until other work leaves the CPUs idle (at most ``max_wait`` s); the busy CPUs seen last."""
    deadline = time.monotonic() + max_wait
    busy = busy_cpus()
    while busy > threshold and time.monotonic() < deadline:
        busy = busy_cpus(2.0)
    return busy


def run_worker(system: str, task: str, settings: Settings, repeat: int, timeout: float | None) -> dict:
    """One system on one task in a fresh process; its measurements, forecasts, or the error."""
    prefix = SCRATCH / f"{task}-{system}-{repeat}"
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        env[name] = str(settings.threads)
    env["PYTHONWARNINGS"] = "ignore"
    command = [
        sys.executable, str(HERE / "worker.py"), "--system", system, "--task", task,
        "--settings", json.dumps(settings.to_dict()), "--out", str(prefix),
    ]
    log = prefix.with_suffix(".log")
    start = time.perf_counter()
    try:
        with log.open("w") as handle:
            done = subprocess.run(command, stdout=handle, stderr=subprocess.STDOUT, env=env, timeout=timeout)
        failed = done.returncode != 0
        reason = f"exit code {done.returncode}"
    except subprocess.TimeoutExpired:
        failed, reason = True, f"timed out after {timeout:.0f} s"
    wall = time.perf_counter() - start
    if failed:
        tail = log.read_text(errors="replace").strip().splitlines()[-3:]
        return {"error": f"{reason}: " + " | ".join(tail), "process_seconds": wall}
    meta = json.loads(prefix.with_suffix(".json").read_text())
    arrays = np.load(prefix.with_suffix(".npz"))
    meta.update(process_seconds=wall, arrays={key: arrays[key] for key in arrays.files})
    return meta


def aligned(data: TaskData, arrays: dict[str, np.ndarray]) -> np.ndarray:
    """A system's forecasts ``(W, H)`` in the order of :meth:`TaskData.actuals`, matched by series and origin."""
    series, origin, actual = data.actuals()
    key = arrays["series"].astype(np.int64) * data.length + arrays["origin"].astype(np.int64)
    position = {int(k): i for i, k in enumerate(key)}
    wanted = series * data.length + origin
    missing = [int(k) for k in wanted if int(k) not in position]
    if missing:
        first = missing[0]
        raise ValueError(
            f"{len(missing)} of {len(wanted)} test windows have no forecast "
            f"(first: series {data.names[first // data.length]!r}, origin row {first % data.length})"
        )
    forecast = arrays["forecast"][[position[int(k)] for k in wanted]]
    if forecast.shape != actual.shape:
        raise ValueError(f"forecasts have shape {forecast.shape}, actuals {actual.shape}")
    return forecast


def score(data: TaskData, forecast: np.ndarray) -> dict[str, float]:
    from grucast.evaluation import evaluate_forecasts

    series, _, actual = data.actuals()
    labels = np.array(data.names, dtype=object)[series]
    train = {name: data.values(name)[: data.train_end] for name in data.names}
    overall = evaluate_forecasts(actual, forecast, labels, train, data.task.season).overall
    return {name: overall[name] for name in METRICS}


def baselines(data: TaskData) -> dict[str, dict[str, float]]:
    from grucast.evaluation import baseline_forecasts

    series, origin, _ = data.actuals()
    out = {}
    for index, name in enumerate(data.names):
        rows = series == index
        # Baseline convention: origin = first forecast row = last input row + 1.
        for kind, values in baseline_forecasts(data.values(name), origin[rows] + 1, data.task.horizon, data.task.season).items():
            out.setdefault(kind, []).append(values)
    return {kind: score(data, np.concatenate(parts)) for kind, parts in out.items()}


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def run_task(
    name: str,
    systems: list[str],
    settings: Settings,
    repeats: int,
    timeout: float | None,
    idle_wait: float,
    window_norm: str = "task",
    previous: dict | None = None,
) -> dict:
    """Run ``systems`` on task ``name``; systems not run keep their entries in ``previous``
    when it was measured with the same settings."""
    data = load_task(name)
    task = data.task
    if window_norm == "task":
        settings = replace(settings, window_norm=task.window_norm)
    elif window_norm is not None:
        settings = replace(settings, window_norm=window_norm)
    if task.epochs is not None:
        settings = replace(settings, epochs=task.epochs)
    # Every system forecasts the test windows in batches of the size grucast picks.
    from grucast.api.forecaster import inference_batch_size

    settings = replace(
        settings,
        inference_batch=inference_batch_size(task.lookback, settings.hidden_size, training_batch=settings.batch_size),
    )
    print(
        f"\ntask {name}: {task.title}; lookback {task.lookback}, horizon {task.horizon}, "
        f"{len(data.names)} series x {data.length} steps, test {data.test_rows} steps, "
        f"{data.train_windows} training windows, {len(data.origins) * len(data.names)} test windows, "
        f"window_norm {settings.window_norm}",
        flush=True,
    )
    runs: dict[str, list[dict]] = {system: [] for system in systems}
    for repeat in range(repeats):
        for system in systems:
            busy = wait_for_idle(idle_wait) if idle_wait > 0 else busy_cpus()
            result = run_worker(system, name, settings, repeat, timeout)
            result["busy_cpus_before"] = busy
            if "error" not in result:
                try:
                    result["metrics"] = score(data, aligned(data, result["arrays"]))
                except ValueError as exc:
                    result = {"error": f"scoring failed: {exc}", "process_seconds": result["process_seconds"]}
            result.pop("arrays", None)
            if "error" in result:
                print(f"  [{repeat + 1}/{repeats}] {system}: FAILED {result['error']}", flush=True)
            else:
                result["windows_per_second"] = data.train_windows * settings.epochs / result["train_seconds"]
                print(
                    f"  [{repeat + 1}/{repeats}] {system}: train {result['train_seconds']:.1f} s, "
                    f"backtest {result['backtest_seconds']:.2f} s, peak RSS {result['peak_rss_mb']:.0f} MB, "
                    f"MAE {result['metrics']['mae']:.4f} (other work before: {busy:.1f} CPUs busy, "
                    f"load after {result['load_after']:.1f})",
                    flush=True,
                )
            runs[system].append(result)

    report = {}
    if previous and previous.get("settings") == settings.to_dict():
        report = {k: v for k, v in previous["systems"].items() if k not in runs}
    elif previous:
        print(f"  (earlier results for task {name} used other settings and are replaced)", flush=True)
    for system, results in runs.items():
        good = [r for r in results if "error" not in r]
        entry = {"model": SYSTEMS[system][1], "runs": results, "ok_runs": len(good), "repeats": len(results)}
        if good:
            entry["version"] = good[0]["version"]
            entry["torch"] = good[0]["torch"]
            entry["median"] = {key: median([r[key] for r in good]) for key in TIMINGS}
            entry["metrics"] = {key: median([r["metrics"][key] for r in good]) for key in METRICS}
        else:
            entry["error"] = results[-1]["error"] if results else "not run"
        report[system] = entry
    report = {system: report[system] for system in SYSTEMS if system in report}  # fixed row order
    base = report.get("grucast")
    for system, entry in report.items():
        entry.pop("vs_grucast", None)
        if base and "median" in base and system != "grucast" and "median" in entry:
            # Peer / grucast: above 1 means grucast is faster, leaner or more accurate.
            entry["vs_grucast"] = {
                "train_time": entry["median"]["train_seconds"] / base["median"]["train_seconds"],
                "backtest_time": entry["median"]["backtest_seconds"] / base["median"]["backtest_seconds"],
                "peak_rss": entry["median"]["peak_rss_mb"] / base["median"]["peak_rss_mb"],
                "mae": entry["metrics"]["mae"] / base["metrics"]["mae"],
            }
    return {
        "title": task.title,
        "lookback": task.lookback,
        "horizon": task.horizon,
        "season": task.season,
        "series": data.names,
        "length": data.length,
        "test_rows": data.test_rows,
        "train_windows": data.train_windows,
        "test_windows": int(len(data.origins) * len(data.names)),
        "settings": settings.to_dict(),
        "repeats": max(e.get("repeats", repeats) for e in report.values()) if report else repeats,
        "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "systems": report,
        "baselines": baselines(data),
    }


# ---------------------------------------------------------------- reporting


def _fmt(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def table(name: str, result: dict) -> str:
    """One task's results as a Markdown table; ratios are peer / grucast."""
    lines = [
        f"**Task {name}**: {result['title']}; lookback {result['lookback']}, horizon {result['horizon']}, "
        f"{result['settings']['epochs']} epochs, window_norm {result['settings']['window_norm']}, "
        f"{result['test_windows']} test windows; medians over the runs counted.",
        "",
        "| system | runs | train s | windows/s | backtest s | peak RSS MB | MAE | RMSE | sMAPE | MASE "
        "| train × | backtest × | RSS × | MAE × |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for system, entry in result["systems"].items():
        if "median" not in entry:
            lines.append(f"| {system} | 0 | failed: {entry.get('error', '')[:80]} |" + " |" * 12)
            continue
        m, q = entry["median"], entry["metrics"]
        r = entry.get("vs_grucast", {})
        lines.append(
            f"| {system} | {entry['ok_runs']} | {_fmt(m['train_seconds'], 1)} | {_fmt(m['windows_per_second'], 0)} "
            f"| {_fmt(m['backtest_seconds'], 2)} | {_fmt(m['peak_rss_mb'], 0)} "
            f"| {_fmt(q['mae'], 4)} | {_fmt(q['rmse'], 4)} | {_fmt(q['smape'], 2)} | {_fmt(q['mase'], 3)} "
            f"| {_fmt(r.get('train_time'), 2)} | {_fmt(r.get('backtest_time'), 2)} "
            f"| {_fmt(r.get('peak_rss'), 2)} | {_fmt(r.get('mae'), 3)} |"
        )
    for kind, q in result["baselines"].items():
        lines.append(
            f"| {kind} (baseline) | | | | | | {_fmt(q['mae'], 4)} | {_fmt(q['rmse'], 4)} "
            f"| {_fmt(q['smape'], 2)} | {_fmt(q['mase'], 3)} | | | | |"
        )
    lines += ["", "× columns: peer / grucast (above 1: grucast is faster, leaner or more accurate)."]
    verdict = targets(result)
    if verdict:
        lines.append("Targets (issue 6): " + "; ".join(verdict) + ".")
    return "\n".join(lines)


def summary(results: dict) -> str:
    """All tasks in one Markdown table: grucast against the best peer on each measure."""
    lines = [
        "| task | epochs | grucast train s | fastest peer | train × | grucast backtest s | backtest × "
        "| grucast peak MB | leanest peer MB | RSS × | grucast MAE | best peer MAE | naive MAE | seasonal naive MAE |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, result in results["tasks"].items():
        base = result["systems"].get("grucast", {})
        peers = {k: e for k, e in result["systems"].items() if k != "grucast" and "median" in e}
        if "median" not in base or not peers:
            continue
        m = base["median"]
        fastest = min(peers, key=lambda k: peers[k]["median"]["train_seconds"])
        quickest = min(peers, key=lambda k: peers[k]["median"]["backtest_seconds"])
        leanest = min(peers, key=lambda k: peers[k]["median"]["peak_rss_mb"])
        best = min(peers, key=lambda k: peers[k]["metrics"]["mae"])
        lines.append(
            f"| {name} | {result['settings']['epochs']} | {_fmt(m['train_seconds'], 1)} "
            f"| {fastest} {_fmt(peers[fastest]['median']['train_seconds'], 1)} "
            f"| {_fmt(peers[fastest]['median']['train_seconds'] / m['train_seconds'], 2)} "
            f"| {_fmt(m['backtest_seconds'], 2)} "
            f"| {_fmt(peers[quickest]['median']['backtest_seconds'] / m['backtest_seconds'], 2)} "
            f"| {_fmt(m['peak_rss_mb'], 0)} | {_fmt(peers[leanest]['median']['peak_rss_mb'], 0)} "
            f"| {_fmt(peers[leanest]['median']['peak_rss_mb'] / m['peak_rss_mb'], 2)} "
            f"| {_fmt(base['metrics']['mae'], 4)} | {_fmt(peers[best]['metrics']['mae'], 4)} ({best}) "
            f"| {_fmt(result['baselines']['naive']['mae'], 4)} | {_fmt(result['baselines']['seasonal_naive']['mae'], 4)} |"
        )
    lines += ["", "× columns: best peer / grucast (above 1: grucast is faster or leaner)."]
    return "\n".join(lines)


def targets(result: dict) -> list[str]:
    """The issue's targets against the peers that ran: met or not."""
    peers = [e for s, e in result["systems"].items() if s != "grucast" and "vs_grucast" in e]
    if not peers:
        return []
    train = min(e["vs_grucast"]["train_time"] for e in peers)
    backtest = min(e["vs_grucast"]["backtest_time"] for e in peers)
    rss = min(e["vs_grucast"]["peak_rss"] for e in peers)
    mae = min(e["vs_grucast"]["mae"] for e in peers)
    mark = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    return [
        f"train ≥ 3× fastest peer: {train:.2f}× ({mark(train >= 3)})",
        f"backtest ≥ 10×: {backtest:.2f}× ({mark(backtest >= 10)})",
        f"less peak memory than every peer: {rss:.2f}× ({mark(rss > 1)})",
        f"MAE ≤ best peer: {mae:.3f}× ({mark(mae >= 1)})",
    ]


def machine() -> dict:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "load_average_at_end": list(os.getloadavg()),
    }


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="grucast vs Darts, NeuralForecast and PyTorch Forecasting.")
    parser.add_argument("--tasks", default="a", help=f"comma-separated, from {', '.join(TASKS)} (default: a)")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated (default: all)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="runs per system and task; medians are reported")
    parser.add_argument("--hidden-size", type=int, default=64)
    parser.add_argument("--num-layers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--window-norm", choices=("task", "none", "mean_std"), default="task",
        help="per-window normalisation for every system: the task's choice (default), or one for all tasks",
    )
    parser.add_argument("--timeout", type=float, default=None, help="seconds per worker process (default: none)")
    parser.add_argument(
        "--idle-wait", type=float, default=120.0,
        help="before each run, wait up to this many seconds for other work to leave the CPUs idle (0: don't)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--keep-tmp", action="store_true", help=f"keep the workers' files in {SCRATCH}")
    parser.add_argument("--report", action="store_true", help="only print the tables of the results in --out")
    args = parser.parse_args(argv)
    if args.report:
        if not args.out.exists():
            parser.error(f"no results at {args.out}; run the benchmark first")
        results = json.loads(args.out.read_text())
        for name, result in results["tasks"].items():
            print(table(name, result) + "\n")
        print(summary(results))
        return 0

    tasks = [t for t in args.tasks.split(",") if t]
    systems = [s for s in args.systems.split(",") if s]
    unknown = [t for t in tasks if t not in TASKS] + [s for s in systems if s not in SYSTEMS]
    if unknown:
        parser.error(f"unknown task or system {unknown}; tasks: {', '.join(TASKS)}; systems: {', '.join(SYSTEMS)}")
    settings = Settings(
        hidden_size=args.hidden_size, num_layers=args.num_layers, batch_size=args.batch_size,
        epochs=args.epochs, lr=args.lr, seed=args.seed, threads=args.threads,
    )
    SCRATCH.mkdir(parents=True, exist_ok=True)
    print(f"settings: {settings.to_dict()}; load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    results.setdefault("tasks", {})
    for name in tasks:
        results["tasks"][name] = run_task(
            name, systems, settings, args.repeats, args.timeout, args.idle_wait, args.window_norm,
            previous=results["tasks"].get(name),
        )
        results["machine"] = machine()
        results["versions"] = {
            system: entry["version"]
            for task in results["tasks"].values()
            for system, entry in task["systems"].items()
            if "version" in entry
        }
        results["versions"].update(
            {"torch": e["torch"] for t in results["tasks"].values() for e in t["systems"].values() if "torch" in e}
        )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")
        print("\n" + table(name, results["tasks"][name]), flush=True)
    print("\n" + summary(results), flush=True)
    if not args.keep_tmp:
        shutil.rmtree(SCRATCH, ignore_errors=True)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
