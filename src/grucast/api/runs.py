"""Run folders: train, evaluate and write everything a person needs to read or reuse a run.

A training run folder holds::

    config.json         the resolved settings (every "auto" as it was decided)
    pipeline.json       the fitted pipeline: window, split rule, calendar, window
                        normalisation, season, column roles, frequencies, per-series scalers
    intervals.json      the conformal interval half-widths and what they were calibrated on
    model.safetensors   the weights
    data.json           how the command line read the training file (CLI runs)
    logs/metrics.csv    loss per epoch (Lightning's CSV log)
    metrics.json        test metrics of the model and the baselines, train_seconds
    forecasts.csv       test-period forecasts (one origin every horizon steps)
    future.csv          forecasts of the horizon after the end of each series
    plots/*.png         loss curves, test period, error per horizon step
    report.md           the tables and plots together
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from grucast.api.forecaster import Forecaster
from grucast.api.run_folder import staged_folder
from grucast.api.scoring import REPORT_SERIES, Scores, WindowSums, quantile_keys
from grucast.data.frame import SeriesSet
from grucast.data.future import FutureCovariates
from grucast.errors import option
from grucast.training.distributed import GroupAgreement, together


def count_parameters(forecaster: Forecaster) -> int:
    """Trainable and fixed parameters of the network."""
    return sum(p.numel() for p in forecaster.module_.model.parameters())


def train_run(
    data: SeriesSet,
    forecaster: Forecaster,
    out: Path,
    *,
    force: bool = False,
    flag: str = "--force",
    echo: Callable[[str], None] = lambda _: None,
    plots: bool = True,
    extra_files: dict[str, str] | None = None,
    future: FutureCovariates | None = None,
    warm_start: bool = False,
    checkpoints: Path | None = None,
    resume: bool = False,
) -> dict[str, Any] | None:
    """Fit, evaluate on the test split beside the baselines, and write the run folder.

    The folder is written aside and moved to ``out`` only when everything succeeded.
    In data-parallel training (DDP) only rank 0 evaluates and writes; the other
    processes return ``None`` once training is done. With the series sharded across
    the processes (``data.shard``), each scores and forecasts its own, and rank 0
    gathers them and writes.

    Args:
        data: the series.
        forecaster: an unfitted forecaster with the run's parameters.
        out: the run folder; new, empty, or (with ``force``) an earlier run to replace.
        force: replace an earlier run folder at ``out``.
        flag: how the user's interface spells ``force``, for messages.
        echo: where progress lines go.
        plots: draw the plots and write ``report.md``.
        extra_files: more text files to write into the folder, by name.
        future: the known covariates after the end of each series, for ``future.csv``
            (``data.future`` if omitted); without them a model with known covariates
            writes no ``future.csv``, and a note says why.
        warm_start: continue from a fitted forecaster (``grucast train --init-from``).
        checkpoints, resume: where the resumable checkpoints go, and continue from
            them (see :meth:`Forecaster.fit`).

    Returns:
        The content of ``metrics.json`` (``None`` in a DDP process other than rank 0).
    """
    try:
        with staged_folder(out, force, flag) as folder:
            if data.shard is None:
                echo(f"training {forecaster.model} on {len(data)} series ({sum(data.lengths.values())} rows) ...")
            else:
                echo(f"training {forecaster.model} on {data.shard.total} series ({data.shard.total_rows} rows) in "
                     f"{data.shard.world} processes, each with its share ...")
            forecaster.fit(data, run_dir=folder, warm_start=warm_start, checkpoints=checkpoints, resume=resume)
            sharded = data.shard is not None
            if not sharded and forecaster.fit_result_.global_rank != 0:
                # DDP: every process trained its share of each batch; rank 0 evaluates and
                # writes the one run folder; leaving the block removes the others' staging folders.
                raise _OtherRank
            future = future if future is not None else data.future
            can_predict = not (forecaster.pipeline_.known_covariates_ and future is None)
            data_notes = list(data.notes)
            if sharded:
                can_predict = all(GroupAgreement().gather(can_predict))  # future.csv for all series, or none
                outputs = _gathered_outputs(forecaster, data, future, can_predict)
                if outputs is None:
                    raise _OtherRank
                scores, frame, forecasts, data_notes = outputs
            else:
                scores = forecaster.evaluate(keep="report")  # every window scored; the written ones kept
                forecasts = forecaster.predict(data, future) if can_predict else None
                frame = test_frame(scores.windows, forecaster.windows_.data, forecaster.settings_.horizon)
            forecaster.write(folder)
            shutil.rmtree(folder / "checkpoints", ignore_errors=True)  # model.safetensors holds the best weights
            result = forecaster.fit_result_
            settings = forecaster.settings_
            notes = data_notes + engine_notes(forecaster) + training_notes(forecaster) + interval_notes(forecaster)
            metrics = {
                **scores.to_dict(),
                "train_seconds": result.train_seconds,
                "epochs_run": result.epochs_run,
                "best_epoch": result.best_epoch,
                "optimiser_steps": result.steps,
                "model_name": settings.model,
                "parameters": count_parameters(forecaster),
                "lookback": settings.lookback,
                "horizon": settings.horizon,
                "interval_level": settings.interval_level,
                "interval_coverage": interval_coverage(scores),
            }
            if not can_predict:
                notes.append(
                    "future.csv was not written: forecasting past the end needs the future values of the known "
                    f"covariates; give them with {option('future')} or as rows at the end of the data with an empty "
                    "target"
                )
            elif forecasts is not None:
                forecasts.to_csv(folder / "future.csv", index=False)
            metrics["notes"] = notes + metrics["notes"]
            (folder / "metrics.json").write_text(
                json.dumps(metrics, indent=2, allow_nan=False, default=_json_number) + "\n"
            )
            frame.to_csv(folder / "forecasts.csv", index=False)
            for name, text in (extra_files or {}).items():
                (folder / name).write_text(text)
            if plots:
                from grucast.api.report import write_plots_and_report

                write_plots_and_report(folder, forecaster, scores, metrics, forecasts)
    except _OtherRank:
        return None
    return metrics


class _OtherRank(Exception):
    """Raised in a data-parallel process other than rank 0 once training is done: it writes nothing."""


def engine_notes(forecaster: Forecaster) -> list[str]:
    """Which engine computed the GRU in training, and what the precision setting did on this machine."""
    from grucast.nn.gru import ENGINE_NOTES
    from grucast.training.devices import precision_notes

    settings = forecaster.settings_
    notes = precision_notes(settings.precision, settings.accelerator)
    model = forecaster.module_.model
    if hasattr(model, "gru_engine"):
        on_gpu = settings.accelerator in ("gpu", "cuda", "auto") and torch.cuda.is_available()
        engine = model.gru_engine("cuda" if on_gpu else "cpu")
        notes.insert(0, f"the GRU ran on {ENGINE_NOTES[engine]}")
    return notes


def training_notes(forecaster: Forecaster) -> list[str]:
    """A note when training reached its last epoch still improving: the epoch limit, not the data, stopped it."""
    result = forecaster.fit_result_
    if result.best_epoch != result.epochs_run - 1 or result.epochs_run < forecaster.settings_.epochs:
        return []
    loss = "validation" if result.monitor == "val_loss" else "training"
    return [
        f"the {loss} loss was still falling in the last of the {result.epochs_run} epochs ({result.steps} optimiser "
        f"steps): more training ({option('epochs')}) may lower it further"
    ]


def interval_notes(forecaster: Forecaster) -> list[str]:
    """Notes on how the bands were calibrated when they are weak, and on a baseline that beat the model on the
    validation part."""
    calibration = forecaster.calibration_
    notes = list(calibration.notes)
    if not calibration.source.startswith("validation"):
        notes.append(f"intervals were calibrated on {calibration.source}")
    errors = calibration.errors
    if calibration.source.startswith("validation") and "model" in errors:
        better = [name for name in ("naive", "seasonal_naive") if errors.get(name, math.inf) < errors["model"]]
        if better:
            best = min(better, key=errors.__getitem__)
            notes.append(
                f"on the validation part the {best.replace('_', ' ')} forecast's error was below the model's "
                f"(MAE {errors[best]:.4g} vs {errors['model']:.4g} in scaled units): compare them on the test part "
                "above before trusting the model's forecasts"
            )
    return notes


def interval_coverage(scores: Scores) -> float:
    """Share of test values inside their conformal interval."""
    return scores.intervals["model"]["coverage"] if "model" in scores.intervals else float("nan")


def _gathered_outputs(
    forecaster: Forecaster, data: SeriesSet, future: FutureCovariates | None, can_predict: bool
) -> tuple[Scores, pd.DataFrame, pd.DataFrame | None, list[str]] | None:
    """Scores, test forecasts, future forecasts and reading notes of every process's share of the series, on rank 0.

    Each process forecasts and scores its own series and makes its rows of
    ``forecasts.csv`` and ``future.csv`` (a failure in one stops all: see
    :func:`~grucast.training.distributed.together`); rank 0 gathers the sums behind
    the scores, those rows and the notes, and puts them together in series order.
    The other processes get ``None``.
    """
    horizon, shard = forecaster.settings_.horizon, data.shard
    local = together(lambda: forecaster.window_sums(keep="report"))
    frame = test_frame(local.windows, forecaster.windows_.data, horizon)
    forecasts = together(lambda: forecaster.predict(data, future)) if can_predict else None
    # The report plots the first series of rank 0's share (the first of all), from rank 0's own data.
    shown = bool(local.windows) and shard.rank == 0  # type: ignore[union-attr]
    report = {key: values[local.windows["series"] < REPORT_SERIES] for key, values in local.windows.items()} if shown else {}
    parts = GroupAgreement().gather_to_first((dataclasses.replace(local, windows=report), frame, forecasts, data.notes))
    if parts is None:
        return None
    scores = WindowSums.concat([part[0] for part in parts]).scores()
    frame = pd.concat([part[1] for part in parts], ignore_index=True)
    frame = frame.sort_values(["series", "time", "step"], kind="stable").reset_index(drop=True)
    forecasts = pd.concat([part[2] for part in parts], ignore_index=True) if can_predict else None
    notes = list(dict.fromkeys(note for part in parts for note in part[3]))
    return scores, frame, forecasts, notes


def test_frame(windows: dict[str, np.ndarray], data: SeriesSet, horizon: int) -> pd.DataFrame:
    """Test-period forecasts in long form, from one origin every ``horizon`` steps per series.

    Consecutive windows overlap; the windows ``in_frame`` marks (every ``horizon``-th
    origin, counted back from each series' last window) list each test time once.
    """
    w = windows
    columns = ["actual", "forecast", "lower", "upper", *(key for _, key in quantile_keys(w)), "naive", "seasonal_naive"]
    if not len(w.get("series", ())):
        return pd.DataFrame(columns=["series", "origin", "time", "step", *columns])
    series_index = np.asarray(w["series"])
    rows = np.flatnonzero(w["in_frame"])
    # All series' times end to end, so that one gather finds every window's times.
    lengths = np.array([len(series) for series in data.series])
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    times = np.concatenate([series.time for series in data.series])
    start = offsets[series_index[rows]] + np.asarray(w["origin"])[rows]
    steps = np.arange(1, horizon + 1)
    names = np.array(data.names, dtype=object)
    frame = pd.DataFrame({
        "series": np.repeat(names[series_index[rows]], horizon),
        "origin": data.output_times(np.repeat(times[start], horizon)),
        "time": data.output_times(times[start[:, None] + steps].reshape(-1)),
        "step": np.tile(steps, len(rows)),
        **{key: np.asarray(w[key])[rows].reshape(-1) for key in columns},
    })
    return frame.sort_values(["series", "time", "step"], kind="stable").reset_index(drop=True)


def _json_number(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
