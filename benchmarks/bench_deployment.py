"""From a run to production, measured on the shipped household data (issue 17).

Four parts, written to ``benchmarks/results/deployment.json``:

* ``export``: for every model, the largest difference between onnxruntime (and
  TorchScript) running the exported graph and ``Forecaster.predict``, at batch 4
  (the four series) and batch 1; and the latency of one forecast call.
* ``stream``: latency of ``stream.update`` (exact and stateful) and of the ONNX
  window and step graphs, for one series and for 1,000 series at once.
* ``new_series``: a GRU trained on three series forecasts the fourth, unseen, at
  rolling origins over its last 10 %, against seasonal naive and against a GRU
  that was trained on all four (MASE, season 24).
* ``fine_tune``: a model trained without the last month of data, then (a) used
  as it is, (b) fine-tuned on the full data (``warm_start``), (c) trained from
  scratch on the full data: training time and test MASE on the full data's test part.

Usage:
    python benchmarks/bench_deployment.py [--parts export,stream,new_series,fine_tune] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from grucast.api import Forecaster
from grucast.api.export import ExportedGraph
from grucast.data import DataWarning, from_dataframe
from grucast.data.datasets.household_power import CHANNELS, household_power_frame
from grucast.evaluation.metrics import mase_scale

RESULTS = Path(__file__).resolve().parent / "results"
MODELS = {
    "gru": ("gru", None), "gru (reset_after=False)": ("gru", {"reset_after": False}),
    "gru (chung)": ("gru", {"update_convention": "chung"}), "bigru": ("bigru", None), "lstm": ("lstm", None),
    "rnn": ("rnn", None), "cnn-gru": ("cnn-gru", None), "mingru": ("mingru", None),
}


def settings(quick: bool, **changes) -> dict:
    base = dict(lookback=168, horizon=24, hidden_size=64, num_layers=2, batch_size=256, lr=2e-3, patience=3,
                epochs=2 if quick else 8, max_batches=5 if quick else 60, progress=False, accelerator="cpu",
                threads=torch.get_num_threads(), seed=0)
    return {**base, **changes}


def household(frame: pd.DataFrame, columns=CHANNELS):
    return from_dataframe(frame[["time", *columns]], time_col="time", target=list(columns), freq="h")


def median_seconds(call, repeats: int) -> float:
    call()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def differences(got: pd.DataFrame, expected: pd.DataFrame) -> dict:
    a, b = got["value"].to_numpy(), expected["value"].to_numpy()
    big = np.abs(b) >= 1e-3 * np.abs(b).max()
    return {"max_abs": float(np.abs(a - b).max()), "max_rel": float((np.abs(a - b)[big] / np.abs(b)[big]).max())}


# ---------------------------------------------------------------------- parts


def part_export(quick: bool) -> dict:
    data = household(household_power_frame())
    one = data.select(["global_active_power"])
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        for label, (model, options) in MODELS.items():
            forecaster = Forecaster(model, **settings(quick, epochs=1, max_batches=5 if quick else 20,
                                                       model_options=options)).fit(data)
            row = {}
            for fmt, suffix in (("onnx", "onnx"), ("torchscript", "pt")):
                path = forecaster.export(Path(folder) / f"{model}-{len(out)}.{suffix}", fmt)
                graph = ExportedGraph(path, threads=torch.get_num_threads())
                row[fmt] = {"batch_4": differences(graph.predict(forecaster, data), forecaster.predict(data)),
                            "batch_1": differences(graph.predict(forecaster, one), forecaster.predict(one))}
                feeds, _ = graph.feeds(forecaster, one)
                row[fmt]["latency_ms_batch_1"] = 1e3 * median_seconds(lambda: graph.run(feeds), 50)
            batch, _ = forecaster.pipeline_.forecast_inputs(one)
            with torch.no_grad():
                row["torch_latency_ms_batch_1"] = 1e3 * median_seconds(lambda: forecaster.module_(batch), 50)
            out[label] = row
            print(label, json.dumps(row), flush=True)
    return out


def many_series(frame: pd.DataFrame, count: int, rows: int) -> pd.DataFrame:
    """``count`` series of ``rows`` hours: the four channels at different offsets, all ending at one time."""
    parts = []
    time_index = frame["time"].iloc[-rows:].to_numpy()
    for k in range(count):
        channel = CHANNELS[k % 4]
        end = len(frame) - (k // 4) * 7
        values = frame[channel].to_numpy()[end - rows : end]
        parts.append(pd.DataFrame({"time": time_index, "series": f"s{k}", "value": values}))
    return pd.concat(parts, ignore_index=True)


def part_stream(quick: bool) -> dict:
    frame = household_power_frame()
    data = household(frame.iloc[:-400])
    # One carried state: no window normalisation and no seasonal skip (each reads the whole window).
    forecaster = Forecaster(
        "gru", **settings(quick, epochs=1, max_batches=20, window_norm="none", skip="none")
    ).fit(data)
    out = {"model": "gru, lookback 168, horizon 24, hidden 64, 2 layers", "threads": torch.get_num_threads()}
    history_rows, updates = 300, 20 if quick else 60
    with tempfile.TemporaryDirectory() as folder:
        window = ExportedGraph(forecaster.export(Path(folder) / "w.onnx"), threads=torch.get_num_threads())
        step = ExportedGraph(forecaster.export(Path(folder) / "s.onnx", graph="step"), threads=torch.get_num_threads())
        for count in (1, 1000):
            table = many_series(frame, count, history_rows + updates + 1)
            hist = from_dataframe(table.groupby("series").head(history_rows), time_col="time", target="value",
                                  series_col="series")
            later = table.groupby("series").tail(updates + 1)
            times = np.sort(later["time"].unique())
            result = {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataWarning)  # every series is new to the model: a note each
                for mode in ("exact", "stateful"):
                    stream = forecaster.stream(hist, mode=mode)
                    seconds = []
                    for t in times[:updates]:
                        rows = later[later["time"] == t]
                        start = time.perf_counter()
                        stream.update(rows)
                        seconds.append(time.perf_counter() - start)
                    result[f"{mode}_update_ms"] = 1e3 * statistics.median(seconds[2:])
                feeds, _ = window.feeds(forecaster, hist)
            result["onnx_window_graph_ms"] = 1e3 * median_seconds(lambda: window.run(feeds), 10 if count > 1 else 50)
            step_feeds = {
                "row": feeds["history"][:, -1], "known_future": feeds["known_future"], "center": feeds["center"],
                "scale": feeds["scale"], "clip_at_zero": feeds["clip_at_zero"],
                "state": np.zeros((2, count, 64), dtype=np.float32),
            }
            result["onnx_step_graph_ms"] = 1e3 * median_seconds(lambda: step.run(step_feeds), 10 if count > 1 else 50)
            out[f"{count}_series"] = result
            print(count, json.dumps(result), flush=True)
    # How far the stateful forecasts drift from the exact ones over a day of updates (one series per channel).
    hist = household(frame.iloc[:-400])
    exact, stateful = forecaster.stream(hist), forecaster.stream(hist, mode="stateful")
    gaps, scale = [], float(np.abs(frame[list(CHANNELS)].to_numpy()).mean())
    for k in range(len(frame) - 400, len(frame) - 400 + 48):
        rows = frame.iloc[k : k + 1].melt(id_vars="time", var_name="series", value_name="value")
        a, b = stateful.update(rows)["value"].to_numpy(), exact.update(rows)["value"].to_numpy()
        gaps.append(float(np.abs(a - b).mean()) / scale)
    out["stateful_vs_exact"] = {"mean_abs_gap_over_mean_level_after_1h": gaps[0], "after_24h": gaps[23],
                                "after_48h": gaps[47]}
    return out


def rolling_mase(forecaster: Forecaster, frame: pd.DataFrame, channel: str, stride: int, given: int = 2016) -> dict:
    """MASE of the model and of seasonal naive at origins every ``stride`` hours over the last 10 % of ``channel``.

    Each origin's forecast is given the ``given`` hours before it (12 weeks): as a
    series new to the model, it is scaled by those rows alone.
    """
    values = frame[channel].to_numpy()
    times = frame["time"].to_numpy()
    n, horizon, season = len(values), forecaster.settings_.horizon, 24
    test_start = int(n * 0.9)
    scale = mase_scale(values[:test_start], season)
    origins = list(range(test_start - 1, n - horizon, stride))
    parts = [pd.DataFrame({"time": times[o + 1 - given : o + 1], "series": f"{channel}@{o}",
                           "value": values[o + 1 - given : o + 1]}) for o in origins]
    history = from_dataframe(pd.concat(parts, ignore_index=True), time_col="time", target="value", series_col="series")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        forecast = forecaster.predict(history)["value"].to_numpy().reshape(len(origins), horizon)
    actual = np.stack([values[o + 1 : o + 1 + horizon] for o in origins])
    naive = np.stack([values[o + 1 - season : o + 1 - season + horizon] for o in origins])
    return {"origins": len(origins), "model_mase": float(np.abs(forecast - actual).mean() / scale),
            "seasonal_naive_mase": float(np.abs(naive - actual).mean() / scale)}


def part_new_series(quick: bool) -> dict:
    frame = household_power_frame()
    held_out = "global_active_power"
    others = [c for c in CHANNELS if c != held_out]
    out = {"held_out": held_out, "trained_on": others}
    three = Forecaster("gru", **settings(quick)).fit(household(frame, others))
    out["unseen"] = rolling_mase(three, frame, held_out, 24)
    # The same origins for a model that saw the series in training (but, like the other, not its test part).
    four = Forecaster("gru", **settings(quick)).fit(household(frame))
    out["seen_in_training"] = rolling_mase(four, frame, held_out, 24)
    print(json.dumps(out), flush=True)
    return out


def part_fine_tune(quick: bool) -> dict:
    frame = household_power_frame()
    old, full = household(frame.iloc[:-720]), household(frame)
    out = {"old": "all data but the last 720 hours", "new": "all data", "test": "last 10 % of each series (new data)"}
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        base = Forecaster("gru", **settings(quick)).fit(old)
        out["base_train_seconds"] = time.perf_counter() - start
        base.save(Path(folder) / "base")
        as_is = Forecaster.load(Path(folder) / "base")
        out["as_is_test_mase"] = as_is.evaluate(full).model.overall["mase"]
        tuned = Forecaster.load(Path(folder) / "base").set_params(epochs=2 if quick else 3, max_batches=5 if quick else 60)
        start = time.perf_counter()
        tuned.fit(full, warm_start=True)
        out["fine_tune_seconds"] = time.perf_counter() - start
        out["fine_tune_epochs"] = tuned.fit_result_.epochs_run
        out["fine_tune_test_mase"] = tuned.evaluate().model.overall["mase"]
        start = time.perf_counter()
        scratch = Forecaster("gru", **settings(quick)).fit(full)
        out["scratch_seconds"] = time.perf_counter() - start
        out["scratch_epochs"] = scratch.fit_result_.epochs_run
        scores = scratch.evaluate()
        out["scratch_test_mase"] = scores.model.overall["mase"]
        out["seasonal_naive_test_mase"] = scores.baselines["seasonal_naive"].overall["mase"]
    print(json.dumps(out), flush=True)
    return out


PARTS = {"export": part_export, "stream": part_stream, "new_series": part_new_series, "fine_tune": part_fine_tune}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--quick", action="store_true", help="tiny budgets: a smoke run, numbers not for reporting")
    parser.add_argument("--out", type=Path, default=RESULTS / "deployment.json")
    args = parser.parse_args()
    path = args.out
    results = json.loads(path.read_text()) if path.exists() else {}
    for name in args.parts.split(","):
        start = time.perf_counter()
        results[name] = PARTS[name](args.quick)
        results[name]["seconds"] = round(time.perf_counter() - start, 1)
        results[name]["load_average"] = os.getloadavg()
        results[name]["torch_threads"] = torch.get_num_threads()
    results["machine"] = {"cpus": os.cpu_count(), "torch": torch.__version__}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
