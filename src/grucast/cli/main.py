"""The `grucast` command: parse, call the API, print, and exit 0, 2 (bad input) or 1 (a bug).

The exit code comes from the exception's type alone: a
:class:`grucast.errors.InputError` (raised where the bad input was found) or a
click usage error is the user's, exit 2 with one ``error:`` line; anything else is
a bug in grucast, exit 1 with its traceback.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from grucast import __version__
from grucast.cli.options import (
    DATA_OPTION,
    OUTPUT_OPTIONS,
    READ_KEYS,
    READ_OPTIONS,
    apply,
    cli_names,
    merged,
    setting_options,
    settings_from,
)
from grucast.errors import InputError, RunFolderError, use_cli_names
from grucast.settings import names as settings_names

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="grucast")
def cli() -> None:
    """grucast: GRU time-series forecasting with honest baselines.

    \b
    Quick start:
      grucast demo                                   # the shipped hourly electricity data
      grucast train --data load.csv --time-col time --target load --out runs/load
      grucast predict --run runs/load --data load.csv --out forecast.csv
      grucast export --run runs/load --format onnx --out runs/load/model.onnx
    """


# ------------------------------------------------------------------ helpers


def _echo(quiet: bool) -> Callable[[str], None]:
    return (lambda _: None) if quiet else (lambda text: click.echo(text, err=True))


def _process_share(settings: Any) -> tuple[int, int]:
    """``(rank, world)`` of this process among those torchrun or srun started, checked against the options."""
    from grucast.training.distributed import join_process_group

    rank, world = join_process_group(settings.accelerator)
    if not isinstance(settings.devices, int) or settings.devices * settings.num_nodes != world:
        raise click.UsageError(
            f"--shard-data: {world} processes were started, but --devices {settings.devices} x --num-nodes "
            f"{settings.num_nodes} asks for another number; give --devices the processes per machine and "
            "--num-nodes the machines"
        )
    return rank, world


def _read_data(
    data_path: Path | None, options: dict[str, Any], shard: tuple[int, int] | None = None
) -> tuple[Any, list[str]]:
    """The series of a file, read with the reader's ``options``, and the notes on what was changed."""
    import grucast.api  # noqa: F401  (the libraries every command goes on to use, loaded before freezing)
    from grucast.data import DataWarning, read_series
    from grucast.runtime.collector import freeze_imports

    freeze_imports()

    if data_path is None:
        raise click.UsageError("missing --data FILE (a CSV, Parquet or Excel file of your series)")
    read = {key: options.get(key) for key in READ_KEYS if options.get(key) is not None}
    target = read.get("target")
    if isinstance(target, str) and "," in target:
        read["target"] = [name.strip() for name in target.split(",") if name.strip()]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        data = read_series(data_path, **read, shard=shard)
    return data, [str(w.message) for w in caught if issubclass(w.category, DataWarning)]


def _read_like_run(run_dir: Path, data_path: Path, overrides: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Read a file as the run's training file was read (its ``data.json``), with the options given now on top.

    Returns:
        The series, and the reader's options used.
    """
    from grucast.api.run_folder import read_json

    stored = run_dir / "data.json"
    options = read_json(stored) if stored.exists() else {}
    if not isinstance(options, dict):
        raise RunFolderError(f"'{stored}' is not a grucast data.json; the run folder is damaged")
    options.update({key: value for key, value in overrides.items() if value is not None})
    if options.get("target") is None:
        raise click.UsageError(
            f"run folder '{run_dir}' does not say how its data was read (no data.json); "
            "pass --time-col, --target and --series-col as in training"
        )
    data, _ = _read_data(data_path, options)
    return data, options


def _read_future(future_path: Path | None, options: dict[str, Any], data: Any, columns: tuple[str, ...]) -> Any:
    """The known covariates' future values from ``--future FILE``, read with the data's options (``None`` if not given)."""
    from grucast.data import read_future

    if future_path is None:
        return None
    keys = ("series_col", "time_format", "dayfirst", "sheet", "sep", "decimal", "thousands", "encoding", "na_values")
    return read_future(future_path, data, columns=columns, **{key: options.get(key) for key in keys})


FUTURE_OPTION = click.option(
    "--future", "future_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="File of the known covariates' future values: time, series and known covariate columns for the steps "
         "after each series' end.",
)


def _data_json(data_path: Path, values: dict[str, Any]) -> str:
    """How the training file was read, so `predict` and `evaluate` read new files the same way."""
    options = {key: values.get(key) for key in READ_KEYS}
    options["source"] = str(data_path)
    return json.dumps(options, indent=2) + "\n"


def _print_metrics(metrics: dict[str, Any], echo: Callable[[str], None]) -> None:
    names = ("mae", "rmse", "smape", "mase", "r2")
    rows = [("model", metrics["model"])] + list(metrics["baselines"].items())
    echo(f"{'':16}" + "".join(f"{n:>10}" for n in names))
    for label, values in rows:
        cells = "".join(f"{values[n]:>10.4g}" if values.get(n) is not None else f"{'-':>10}" for n in names)
        echo(f"{label:16}{cells}")


def _load_run(run_dir: Path) -> Any:
    from grucast.api import Forecaster

    return Forecaster.load(run_dir)


@contextlib.contextmanager
def _output_file(out: Path | None, force: bool) -> Iterator[Path | None]:
    """A staged path for ``--out`` that becomes the file only on success (``None`` when not asked)."""
    if out is None:
        yield None
        return
    from grucast.api.run_folder import staged_file

    with staged_file(out, force) as staging:
        yield staging


# ------------------------------------------------------------------ commands


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run folder [default: runs/demo-<time>].")
@click.option("--epochs", type=click.IntRange(min=1), default=12, show_default=True)
@click.option("--max-batches", type=click.IntRange(min=1), default=60, show_default=True,
              help="Shuffled batches per epoch (a sample of the ~100k training windows).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--force", is_flag=True, help="Replace an earlier run folder at --out.")
@click.option("--quiet", is_flag=True, help="Print only the result.")
def demo(out: Path | None, epochs: int, max_batches: int, seed: int, force: bool, quiet: bool) -> None:
    """Train a GRU on the shipped hourly household electricity data and compare it with the baselines.

    Four hourly series (UCI household power, 2006-2010, CC BY 4.0) trained as one
    global model: lookback 168 h, horizon 24 h, the last 10 % of each series for
    testing. Takes a few minutes on 2 CPU cores.

    Example: grucast demo --out runs/demo
    """
    from grucast.api import Forecaster
    from grucast.api.run_folder import check_output_dir
    from grucast.api.runs import train_run
    from grucast.data.datasets import load_household_power

    echo = _echo(quiet)
    out = out or Path("runs") / time.strftime("demo-%Y%m%d-%H%M%S")
    check_output_dir(out, force)
    settings = settings_from(
        {}, model="gru", lookback=168, horizon=24, hidden_size=64, num_layers=2, dropout=0.1, epochs=epochs,
        max_batches=max_batches, batch_size=256, lr=2e-3, seed=seed, patience=4, progress=False if quiet else None,
    )
    metrics = train_run(load_household_power(), Forecaster(**settings.to_dict()), out, force=force, echo=echo)
    _print_metrics(metrics, click.echo)
    beat = metrics["model"]["mase"] < metrics["baselines"]["seasonal_naive"]["mase"]
    click.echo(
        f"\nGRU test MASE {metrics['model']['mase']:.3f} vs seasonal naive "
        f"{metrics['baselines']['seasonal_naive']['mase']:.3f}: "
        + ("the GRU wins." if beat else "the GRU does NOT beat the seasonal naive forecast.")
    )
    click.echo(f"trained in {metrics['train_seconds']:.0f} s; outputs in {out}/ (report.md, plots/, metrics.json)")


@cli.command()
@apply([DATA_OPTION, *READ_OPTIONS, FUTURE_OPTION, *setting_options()])
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run folder to write [default: runs/<model>-<time>].")
@click.option("--init-from", "init_from", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Fine-tune: continue from this run folder's weights and fitted scalers (new series get their "
                   "own); only training options (--epochs, --lr, --patience, ...) may change.")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted `grucast train` with the same options and --out from its last epoch.")
@click.option("--shard-data", "shard_data", is_flag=True,
              help="Each process started by torchrun or srun loads only its share of the series of a folder of "
                   "Parquet files (needs --series-col, and --devices x --num-nodes processes).")
@apply(OUTPUT_OPTIONS)
@click.pass_context
def train(ctx: click.Context, **given: Any) -> None:
    """Train a model on a file, evaluate it on the last part of each series, write a run folder.

    The test part (--test-size, default the last 10 % of each series) is never
    seen in training; metrics.json compares the model with the naive and seasonal
    naive forecasts on exactly the same test windows. The run folder appears only
    when everything succeeded.

    \b
    Example:
      grucast train --data load.csv --time-col time --target load \\
          --series-col region --model gru --lookback 168 --horizon 24 --out runs/load
    """
    from grucast.api import Forecaster
    from grucast.api.run_folder import check_output_dir
    from grucast.api.runs import train_run
    from grucast.data import DataWarning

    values = merged(ctx, given)
    quiet = bool(values["quiet"])
    settings = settings_from(values, **({"progress": False} if quiet else {}))
    echo = _echo(quiet)
    init_from = values["init_from"]
    out = values["out"] or Path("runs") / time.strftime(f"{settings.model}-%Y%m%d-%H%M%S")
    check_output_dir(out, bool(values["force"]))  # refuse early, before reading the data
    checkpoints = resume_folder(out)
    if values["resume"] and not (checkpoints / "last.ckpt").is_file():
        raise RunFolderError(
            f"there is no interrupted training of '{out}' to resume ({checkpoints / 'last.ckpt'} does not exist); "
            "run the command without --resume"
        )
    if init_from is not None:
        if values["shard_data"]:
            raise click.UsageError("--shard-data trains a new model; it cannot be combined with --init-from")
        forecaster = _load_run(init_from)
        given_settings = {k: v for k, v in values.items() if k in settings_names() and v is not None}
        forecaster.set_params(**given_settings, **({"progress": False} if quiet else {}))
        overrides = {key: values.get(key) for key in READ_KEYS}
        data, read_options = _read_like_run(init_from, values["data_path"], overrides)
        values = {**values, **read_options}
        notes: list[str] = []
    else:
        forecaster = Forecaster(**settings.to_dict())
        shard = _process_share(settings) if values["shard_data"] else None
        if shard is not None and shard[0] != 0:
            echo = _echo(True)  # rank 0 alone reports
        if shard is None:
            data, notes = _read_data(values["data_path"], values)
        else:  # a share that cannot be read stops every process, not just its own
            from grucast.training.distributed import together

            data, notes = together(lambda: _read_data(values["data_path"], values, shard))
    future = _read_future(values["future_path"], values, data, data.known_covariates)
    for note in notes:
        echo(f"note: {note}")
    with warnings.catch_warnings(record=True) as caught, _resumable(checkpoints, echo) as leave:
        warnings.simplefilter("always", DataWarning)
        metrics = train_run(
            data, forecaster, out, force=bool(values["force"]), echo=echo, future=future,
            extra_files={"data.json": _data_json(values["data_path"], values)}, warm_start=init_from is not None,
            checkpoints=checkpoints, resume=bool(values["resume"]),
        )
        if metrics is None:  # a DDP process other than rank 0: rank 0 reports and writes
            leave.append(True)
    if metrics is None:
        return
    for warning in caught:
        if issubclass(warning.category, DataWarning) and str(warning.message) not in metrics["notes"]:
            echo(f"note: {warning.message}")
    if not quiet:
        _print_metrics(metrics, click.echo)
        for note in metrics["notes"]:
            if note not in notes:
                echo(f"note: {note}")
    click.echo(f"wrote {out}/ (metrics.json, forecasts.csv, report.md, model.safetensors"
               + (", future.csv)" if (out / "future.csv").exists() else ")"))


def resume_folder(out: Path) -> Path:
    """Where `grucast train --out OUT` keeps its resumable checkpoints while it trains: ``.OUT.checkpoints`` beside OUT."""
    return out.parent / f".{out.name}.checkpoints"


@contextlib.contextmanager
def _resumable(checkpoints: Path, echo: Callable[[str], None]) -> Iterator[list[bool]]:
    """Remove the checkpoints when training succeeds; keep them, and say how to resume, when it stops after an epoch.

    Yields a list: append ``True`` to leave the folder to another process (a DDP rank
    other than 0 finishes before rank 0 has read the best weights from it).
    """
    existed = checkpoints.exists()
    leave: list[bool] = []
    try:
        yield leave
    except BaseException:
        if (checkpoints / "last.ckpt").is_file():
            click.echo(
                f"note: training stopped; its last epoch is kept in {checkpoints}/: run the same command with "
                "--resume to continue",
                err=True,
            )
        elif not existed:
            shutil.rmtree(checkpoints, ignore_errors=True)
        raise
    if not leave:
        shutil.rmtree(checkpoints, ignore_errors=True)


def _run_options(command: Callable) -> Callable:
    """``--run`` and ``--data``, then the reader's options (to read the file differently from training)."""
    return apply([
        click.option("--run", "run_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
                     help="Run folder written by `grucast train`."),
        click.option("--data", "data_path", required=True, type=click.Path(path_type=Path),
                     help="The series (same columns as in training): a file, or a folder of Parquet files."),
        *READ_OPTIONS,
    ])(command)


@cli.command()
@_run_options
@FUTURE_OPTION
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="CSV file to write.")
@click.option("--engine", type=click.Choice(["torch", "onnx", "torchscript"]), default="torch", show_default=True,
              help="What computes the forecasts: the model in torch, or its exported graph (the run's model.onnx / "
                   "model.pt, exported now when the run has none).")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
def predict(run_dir: Path, data_path: Path, future_path: Path | None, out: Path, engine: str, force: bool,
            **overrides: Any) -> None:
    """Forecast the horizon after the end of each series with a trained model.

    Writes series, time, step, value, lower, upper (the conformal interval); times
    continue at each series' frequency. Series the model was not trained on are
    forecast from their own history (a note each), unless it learned a vector per series.

    Example: grucast predict --run runs/load --data load.csv --out forecast.csv
    """
    from grucast.api.run_folder import check_output_file
    from grucast.data import DataWarning

    check_output_file(out, force)
    if engine == "onnx":
        from grucast.api.export import require_onnx

        require_onnx()  # say how to install it before any work
    forecaster = _load_run(run_dir)
    data, options = _read_like_run(run_dir, data_path, overrides)
    future = _read_future(future_path, options, data, forecaster.pipeline_.known_covariates_)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        if engine == "torch":
            frame = forecaster.predict(data, future)
        else:
            from grucast.api.export import predict_with_engine

            frame, note = predict_with_engine(forecaster, run_dir, data, future, engine)
            click.echo(f"note: {note}", err=True)
    for warning in caught:
        if issubclass(warning.category, DataWarning):
            click.echo(f"note: {warning.message}", err=True)
    with _output_file(out, force) as staging:
        frame.to_csv(staging, index=False)
    click.echo(f"wrote {len(frame)} forecasts ({len(data)} series x {forecaster.settings_.horizon} steps) to {out}")


@cli.command()
@click.option("--run", "run_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Run folder written by `grucast train`.")
@click.option("--format", "fmt", type=click.Choice(["onnx", "torchscript"]), default="onnx", show_default=True,
              help="onnx (needs pip install 'grucast[export]') or torchscript.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The graph's file (e.g. model.onnx); FILE.json is written beside it.")
@click.option("--graph", type=click.Choice(["window", "step"]), default="window", show_default=True,
              help="window: the last lookback rows in, forecasts out; step: one row and the recurrent state in, "
                   "the next state and forecasts out (streaming services).")
@click.option("--force", is_flag=True, help="Overwrite --out and its JSON if they exist.")
def export(run_dir: Path, fmt: str, out: Path, graph: str, force: bool) -> None:
    """Export a trained model as one ONNX or TorchScript file plus the JSON a service needs.

    The graph takes the raw last lookback rows of each series (target and
    covariates, in the data's units), the horizon's known inputs and each series'
    scaler constants, and returns forecasts, interval bounds (and quantiles) in the
    data's units. FILE.json lists the input columns, the calendar rules, the scaler
    constants per series and the opset. Save it in the run folder as model.onnx
    (or model.pt) and `grucast predict --engine onnx` uses it.

    Example: grucast export --run runs/load --format onnx --out runs/load/model.onnx
    """
    from grucast.api.export import require_onnx, sidecar_path
    from grucast.api.run_folder import check_output_file

    check_output_file(out, force)
    check_output_file(sidecar_path(out), force)
    if fmt == "onnx":
        require_onnx()
    forecaster = _load_run(run_dir)
    forecaster.export(out, fmt, overwrite=force, graph=graph)
    click.echo(f"wrote {out} and {sidecar_path(out).name} ({fmt}, {graph} graph, {forecaster.settings_.model})")


@cli.command()
@_run_options
@click.option("--season", type=click.IntRange(min=1), default=None,
              help="Season for seasonal naive and MASE [default: the run's].")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write the metrics as JSON here.")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
def evaluate(run_dir: Path, data_path: Path, season: int | None, out: Path | None, force: bool, **overrides: Any) -> None:
    """Score a trained model on the test part of a file, beside the naive baselines.

    The file is split exactly as in training (same test and validation sizes).

    Example: grucast evaluate --run runs/load --data load.csv --out metrics.json
    """
    from grucast.api.run_folder import check_output_file

    if out is not None:
        check_output_file(out, force)
    forecaster = _load_run(run_dir)
    data, _ = _read_like_run(run_dir, data_path, overrides)
    metrics = forecaster.evaluate(data, season=season).to_dict()
    _print_metrics(metrics, click.echo)
    with _output_file(out, force) as staging:
        if staging is not None:
            staging.write_text(json.dumps(metrics, indent=2) + "\n")
    if out is not None:
        click.echo(f"wrote {out}")


@cli.command()
@_run_options
@click.option("--stride", type=click.IntRange(min=1), default=None,
              help="Steps between scored forecast origins [default: the horizon].")
@click.option("--refits", type=click.IntRange(min=0), default=0, show_default=True,
              help="0: reuse the trained model; K: retrain on an expanding window for each of K folds.")
@click.option("--season", type=click.IntRange(min=1), default=None,
              help="Season for seasonal naive and MASE [default: the run's].")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write results as JSON here.")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
def backtest(run_dir: Path, data_path: Path, stride: int | None, refits: int, season: int | None,
             out: Path | None, force: bool, **overrides: Any) -> None:
    """Rolling-origin backtest over the test period, beside the naive baselines.

    Refits reuse the run's resolved settings (lookback, horizon, calendar, ...).

    Example: grucast backtest --run runs/load --data load.csv --stride 24 --refits 3
    """
    from grucast.api.backtest import backtest as run_backtest
    from grucast.api.run_folder import check_output_file

    if out is not None:
        check_output_file(out, force)
    forecaster = _load_run(run_dir)
    data, _ = _read_like_run(run_dir, data_path, overrides)
    result = run_backtest(forecaster, data, stride=stride or forecaster.settings_.horizon, refits=refits, season=season)
    summary = result.to_dict()
    _print_metrics(summary["pooled"], click.echo)
    click.echo(f"{summary['pooled']['windows']} forecast origins, stride {result.stride}, {max(refits, 1)} model(s)")
    with _output_file(out, force) as staging:
        if staging is not None:
            staging.write_text(json.dumps(summary, indent=2) + "\n")
    if out is not None:
        click.echo(f"wrote {out}")


@cli.command()
@apply([DATA_OPTION, *READ_OPTIONS, *setting_options(exclude=("model",))])
@click.option("--models", default="gru,lstm", show_default=True,
              help="Comma-separated models to compare on the same data, splits, seed and budget.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for comparison.csv, comparison.png and each model's run [default: runs/compare-<time>].")
@apply(OUTPUT_OPTIONS)
@click.pass_context
def compare(ctx: click.Context, **given: Any) -> None:
    """Train several models (default GRU vs LSTM) under equal settings and compare them.

    Reports test accuracy beside the baselines, training time, parameters and
    batch-1 inference latency, all measured in this process with the same threads.

    \b
    Example:
      grucast compare --data load.csv --time-col time --target load --series-col region \\
          --models gru,lstm,mingru --epochs 5 --out runs/compare
    """
    from grucast import plotting
    from grucast.api.compare import compare_models
    from grucast.api.run_folder import check_output_dir, staged_folder
    from grucast.models.registry import MODELS

    values = merged(ctx, given)
    quiet = bool(values["quiet"])
    echo = _echo(quiet)
    names = [m.strip() for m in values["models"].split(",") if m.strip()]
    unknown = [m for m in names if m not in MODELS]
    if unknown or not names:
        raise click.UsageError(f"unknown model(s) {', '.join(unknown)} in --models; choose from {', '.join(MODELS)}")
    settings = settings_from(values, **({"progress": False} if quiet else {}))
    out = values["out"] or Path("runs") / time.strftime("compare-%Y%m%d-%H%M%S")
    check_output_dir(out, bool(values["force"]))
    data, _ = _read_data(values["data_path"], values)
    with staged_folder(out, bool(values["force"])) as folder:
        table = compare_models(data, names, settings.to_dict(), run_dir=folder, echo=echo)
        table.to_csv(folder / "comparison.csv", index=False)
        trained = table.dropna(subset=["train_seconds"])
        figure = plotting.plot_comparison(trained, metrics=("mae", "mase", "train_seconds", "latency_ms"))
        plotting.save_figure(figure, folder / "comparison.png")
        (folder / "config.json").write_text(
            json.dumps({"grucast": __version__, "compare": names, "settings": settings.to_dict()}, indent=2) + "\n"
        )
    click.echo(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    click.echo(f"wrote {out}/comparison.csv and comparison.png")


@cli.command()
@apply([DATA_OPTION, *READ_OPTIONS, *setting_options()])
@click.option("--trials", type=click.IntRange(min=0), default=None,
              help="Trials in the study: new ones run until it holds this many (a resumed or shared study counts "
                   "those it has; 0 only summarises and refits). [default: 20]")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds after which no new trial starts.")
@click.option("--space", "space_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="TOML or YAML file of the search space (see the README) [default: the built-in space].")
@click.option("--storage", default=None,
              help="Study database URL shared by several workers (postgresql://..., mysql://..., sqlite:///f.db) "
                   "[default: sqlite in --out].")
@click.option("--study", "study_name", default=None, help="Study name in the storage. [default: grucast]")
@click.option("--prune/--no-prune", default=None, help="Stop trials that fall behind the median after an epoch. [default: prune]")
@click.option("--refit/--no-refit", default=None,
              help="Train the best settings again and score them on the test part (OUT/best). [default: refit]")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Tuning folder; an earlier one of the same study is continued [default: runs/tune-<time>].")
@apply([OUTPUT_OPTIONS[0], OUTPUT_OPTIONS[2]])
@click.pass_context
def tune(ctx: click.Context, **given: Any) -> None:
    """Search model and training settings with Optuna on the validation part, then refit the best.

    Each trial trains with the options given here plus the values drawn from the
    search space; options given on the command line (or in --config) are fixed and
    not searched. Trials are scored by validation MASE: the test part is used only
    by the refit of the best settings, scored beside the baselines like `train`.
    Writes best.toml (for `grucast train --config`), trials.csv, plots/, report.md
    and best/. Needs the tune extra: pip install 'grucast[tune]'.

    \b
    Example:
      grucast tune --data load.csv --time-col time --target load --series-col region \\
          --epochs 5 --max-batches 50 --trials 30 --out runs/tune
    \b
    Several workers, one study (run the same command on each machine):
      grucast tune ... --storage postgresql://user:pw@db/grucast --study load --out runs/tune-$(hostname)
    """
    from grucast.tuning import tune as run_tune
    from grucast.tuning.study import import_optuna

    import_optuna()  # say how to install it before reading anything
    values = merged(ctx, given)
    quiet = bool(values["quiet"])
    echo = _echo(quiet)
    fixed = {key: value for key, value in values.items() if key in settings_names() and value is not None}
    if quiet:
        fixed["progress"] = False
    out = values["out"] or Path("runs") / time.strftime("tune-%Y%m%d-%H%M%S")
    data, notes = _read_data(values["data_path"], values)
    for note in notes:
        echo(f"note: {note}")
    config = {"data": str(values["data_path"]), **{key: values.get(key) for key in READ_KEYS}}
    result = run_tune(
        data, out, trials=20 if values["trials"] is None else values["trials"], timeout=values["timeout"],
        space=values["space_path"], storage=values["storage"], study=values["study_name"] or "grucast",
        prune=values["prune"] is not False, refit=values["refit"] is not False, config=config, echo=echo,
        **fixed,
    )
    states = result.trials["state"].value_counts().to_dict()
    click.echo(
        f"{len(result.trials)} trials ({', '.join(f'{n} {s.lower()}' for s, n in sorted(states.items()))}); "
        f"{result.new_trials} run here in {result.search_seconds:.0f} s"
    )
    click.echo(f"best validation MASE {result.best_value:.4f}: "
               + ", ".join(f"{k}={v}" for k, v in result.best_params.items()))
    if result.test_metrics is not None and not quiet:
        _print_metrics(result.test_metrics, click.echo)
    click.echo(f"wrote {out}/ (best.toml, trials.csv, report.md, plots/"
               + (", best/)" if result.test_metrics is not None else ")"))


# ------------------------------------------------------------------ entry point


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code instead of raising SystemExit."""
    use_cli_names(cli_names())
    try:
        with warnings.catch_warnings(), _quiet_libraries():
            # Library warnings (Lightning's advice, deprecations) are not the user's business;
            # grucast's own notes about the data are printed as `note:` lines.
            warnings.simplefilter("ignore")
            cli.main(args=argv, prog_name="grucast", standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.exceptions.Abort:
        click.echo("error: aborted", err=True)
        return EXIT_BAD_INPUT
    except click.ClickException as exc:
        click.echo(f"error: {_one_line(exc.format_message())}", err=True)
        return EXIT_BAD_INPUT
    except InputError as exc:
        click.echo(f"error: {_one_line(str(exc)) or type(exc).__name__}", err=True)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        return 130
    except Exception as exc:  # a bug: show the traceback so it can be reported
        traceback.print_exc()
        click.echo(f"grucast: internal error ({type(exc).__name__}); please report it with the traceback above", err=True)
        return EXIT_INTERNAL
    finally:
        use_cli_names(None)
    return 0


@contextlib.contextmanager
def _quiet_libraries() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in ("lightning.pytorch", "lightning.fabric", "lightning")]
    levels = [one.level for one in loggers]
    for one in loggers:
        one.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for one, level in zip(loggers, levels):
            one.setLevel(level)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
