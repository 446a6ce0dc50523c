"""Run folders: train, evaluate and write everything a person needs to read or reuse a run.

A training run folder holds::

    config.json         the resolved settings (model, window, data handling, training)
    schema.json         columns, series, frequencies, features, interval radii
    scaler.json         the per-series scaler, fitted on the training part only
    model.safetensors   the weights
    logs/metrics.csv    loss per epoch (Lightning's CSV log)
    metrics.json        test metrics of the model and the baselines, train_seconds
    forecasts.csv       test-period forecasts (one origin every horizon steps)
    future.csv          forecasts of the horizon after the end of each series
    plots/*.png         loss curves, test period, error per horizon step
    report.md           the tables and plots together
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from grucast.api.forecaster import Forecaster
from grucast.api.scoring import Scores
from grucast.data.frame import SeriesSet


def check_output_dir(path: Path, force: bool) -> Path:
    """Refuse to write into a non-empty folder unless ``force``; never delete a user's files."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"output '{path}' is a file, not a folder; choose another --out")
    if path.exists() and any(path.iterdir()) and not force:
        raise FileExistsError(
            f"output folder '{path}' already exists and is not empty; choose another --out or pass --force to reuse it"
        )
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_output_file(path: Path, force: bool) -> Path:
    path = Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"output file '{path}' already exists; choose another --out or pass --force to overwrite it")
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    return path


def count_parameters(forecaster: Forecaster) -> int:
    return sum(p.numel() for p in forecaster.module_.model.parameters())


def train_run(
    data: SeriesSet,
    settings: dict[str, Any],
    out: Path,
    *,
    season: int | None = None,
    echo: Callable[[str], None] = lambda _: None,
    plots: bool = True,
) -> dict[str, Any]:
    """Fit, evaluate on the test split beside the baselines, and write the run folder.

    Returns:
        The content of ``metrics.json``.
    """
    forecaster = Forecaster(**settings)
    echo(f"training {settings.get('model', 'gru')} on {len(data)} series ({sum(data.lengths.values())} rows) ...")
    forecaster.fit(data, run_dir=out)
    forecaster.save(out, overwrite=True)
    shutil.rmtree(out / "checkpoints", ignore_errors=True)  # model.safetensors holds the best weights
    scores = forecaster.evaluate(season=season)
    result = forecaster.fit_result_
    metrics = {
        **scores.to_dict(),
        "train_seconds": result.train_seconds,
        "epochs_run": result.epochs_run,
        "best_epoch": result.best_epoch,
        "model_name": forecaster.settings_.model,
        "parameters": count_parameters(forecaster),
        "lookback": forecaster.settings_.lookback,
        "horizon": forecaster.settings_.horizon,
        "interval_level": forecaster.settings_.interval_level,
        "interval_coverage": interval_coverage(scores),
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, allow_nan=False, default=_json_number) + "\n")
    test_frame(scores, forecaster.windows_.data, forecaster.settings_.horizon).to_csv(out / "forecasts.csv", index=False)
    forecaster.predict().to_csv(out / "future.csv", index=False)
    if plots:
        from grucast.api.report import write_plots_and_report

        write_plots_and_report(out, forecaster, scores, metrics)
    return metrics


def interval_coverage(scores: Scores) -> float:
    """Share of test values inside their conformal interval."""
    w = scores.windows
    inside = (w["actual"] >= w["lower"]) & (w["actual"] <= w["upper"])
    return float(inside.mean()) if inside.size else float("nan")


def test_frame(scores: Scores, data: SeriesSet, horizon: int) -> pd.DataFrame:
    """Test-period forecasts in long form, from one origin every ``horizon`` steps per series.

    Consecutive windows overlap; taking every ``horizon``-th origin, counted back from
    each series' last window, lists each test time once.
    """
    w = scores.windows
    keep = np.zeros(len(w["series"]), dtype=bool)
    for index in np.unique(w["series"]):
        rows = np.flatnonzero(w["series"] == index)
        keep[rows[::-1][::horizon]] = True
    rows = np.flatnonzero(keep)
    steps = np.arange(1, horizon + 1)
    frames = []
    for row in rows:
        series = data.series[w["series"][row]]
        origin = w["origin"][row]
        frames.append(
            {
                "series": series.name,
                "origin": series.time[origin],
                "time": series.time[origin + steps],
                "step": steps,
                **{key: w[key][row] for key in ("actual", "forecast", "lower", "upper", "naive", "seasonal_naive")},
            }
        )
    if not frames:
        return pd.DataFrame(columns=["series", "origin", "time", "step", "actual", "forecast", "lower", "upper"])
    frame = pd.concat([pd.DataFrame(f) for f in frames], ignore_index=True)
    return frame.sort_values(["series", "time", "step"], kind="stable").reset_index(drop=True)


def _json_number(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
