"""Several models on the same data, splits, seed and budget: accuracy, time, size, latency."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from grucast.api.forecaster import Forecaster
from grucast.data.frame import SeriesSet


def inference_latency_ms(forecaster: Forecaster, repeats: int = 30) -> float:
    """Median milliseconds to forecast one window (batch of one), model call only."""
    windows = forecaster.windows_.test if len(forecaster.windows_.test) else forecaster.windows_.train
    batch = windows.batch(torch.arange(1))
    module = forecaster.module_.eval()
    times = []
    with torch.no_grad():
        module(batch)  # warm-up: first calls allocate and may build kernels
        for _ in range(repeats):
            start = time.perf_counter()
            module(batch)
            times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def compare_models(
    data: SeriesSet,
    models: Sequence[str],
    settings: dict[str, Any],
    *,
    season: int | None = None,
    run_dir: Path | None = None,
    echo: Callable[[str], None] = lambda _: None,
) -> pd.DataFrame:
    """Train each model with the same settings and seed; one row of results per model.

    Timings come from the same process and the same torch thread count, one model
    after the other.

    Returns:
        Columns ``model``, the test metrics (``mae``, ``rmse``, ``smape``, ``mase``,
        ``r2``), ``train_seconds``, ``epochs_run``, ``parameters``, ``latency_ms``;
        then one row per baseline (naive, seasonal naive) with their metrics.
    """
    if not models:
        raise ValueError("give at least one model to compare, e.g. gru,lstm")
    rows: list[dict[str, Any]] = []
    baselines: dict[str, dict[str, Any]] = {}
    for name in models:
        echo(f"training {name} ...")
        forecaster = Forecaster(**{**settings, "model": name})
        forecaster.fit(data, run_dir=(run_dir / name) if run_dir else None)
        scores = forecaster.evaluate(season=season)
        if run_dir is not None:
            forecaster.save(run_dir / name, overwrite=True)
        rows.append(
            {
                "model": name,
                **{k: scores.model.overall[k] for k in ("mae", "rmse", "smape", "mase", "r2")},
                "train_seconds": forecaster.fit_result_.train_seconds,
                "epochs_run": forecaster.fit_result_.epochs_run,
                "parameters": sum(p.numel() for p in forecaster.module_.model.parameters()),
                "latency_ms": inference_latency_ms(forecaster),
            }
        )
        for label, metrics in scores.baselines.items():
            baselines[label] = {k: metrics.overall[k] for k in ("mae", "rmse", "smape", "mase", "r2")}
    table = pd.DataFrame(rows)
    extra = pd.DataFrame([{"model": label, **values} for label, values in baselines.items()])
    return pd.concat([table, extra], ignore_index=True)
