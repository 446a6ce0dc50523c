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
from grucast.errors import InputError, option


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
    params: dict[str, Any],
    *,
    season: int | None = None,
    run_dir: Path | None = None,
    echo: Callable[[str], None] = lambda _: None,
) -> pd.DataFrame:
    """Train each model with the same parameters and seed; one row of results per model.

    Args:
        data: the series.
        models: model names (see :data:`grucast.models.MODELS`).
        params: :class:`~grucast.api.Forecaster` parameters shared by every model.
        season: seasonal period for seasonal naive and MASE; the fitted one if omitted.
        run_dir: a folder that receives one run folder per model.
        echo: where progress lines go.

    Timings come from the same process and the same torch thread count, one model
    after the other.

    Returns:
        Columns ``model``, the test metrics (``mae``, ``rmse``, ``smape``, ``mase``,
        ``r2``), ``train_seconds`` (Lightning's fit: the epochs with their validation
        passes), ``fit_and_evaluate_seconds`` (end to end: windowing, training,
        calibrating the intervals and scoring the test part), ``epochs_run``,
        ``parameters``, ``latency_ms``;
        then one row per baseline (naive, seasonal naive) with their metrics.
    """
    if not models:
        raise InputError(f"give at least one model to compare, e.g. {option('models', 'gru,lstm')}")
    rows: list[dict[str, Any]] = []
    baselines: dict[str, dict[str, Any]] = {}
    for name in models:
        echo(f"training {name} ...")
        forecaster = Forecaster(**params).set_params(model=name)
        start = time.perf_counter()
        forecaster.fit(data)
        scores = forecaster.evaluate(season=season)
        end_to_end = time.perf_counter() - start
        if run_dir is not None:
            forecaster.save(run_dir / name)
        rows.append(
            {
                "model": name,
                **{k: scores.model.overall[k] for k in ("mae", "rmse", "smape", "mase", "r2")},
                "train_seconds": forecaster.fit_result_.train_seconds,
                "fit_and_evaluate_seconds": end_to_end,
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
