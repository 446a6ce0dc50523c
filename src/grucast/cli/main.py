"""The `grucast` command: parse, call the API, print, and exit 0, 2 (bad input) or 1 (a bug)."""

from __future__ import annotations

import json
import shutil
import sys
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from grucast import __version__
from grucast.cli.options import DATA_OPTIONS, MODEL_OPTIONS, OUTPUT_OPTIONS, apply, merged

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1

# Settings that go to the Forecaster unchanged, by option name.
_FORECASTER_KEYS = (
    "model", "lookback", "horizon", "hidden_size", "num_layers", "dropout", "multi_step", "scaler",
    "window_norm", "epochs", "batch_size", "lr", "loss", "patience", "seed", "threads", "accelerator",
    "interval_level",
)


class BadInput(click.ClickException):
    """A user error: reported as one `error:` line and exit code 2."""

    exit_code = EXIT_BAD_INPUT


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="grucast")
def cli() -> None:
    """grucast: GRU time-series forecasting with honest baselines.

    \b
    Quick start:
      grucast demo                                   # the shipped hourly electricity data
      grucast train --data load.csv --time-col time --target load --out runs/load
      grucast predict --run runs/load --data load.csv --out forecast.csv
    """


# ------------------------------------------------------------------ helpers


def _echo(quiet: bool) -> Callable[[str], None]:
    return (lambda _: None) if quiet else (lambda text: click.echo(text, err=True))


def _read_data(params: dict[str, Any]):
    from grucast.data import DataWarning, read_series

    if params.get("data_path") is None:
        raise BadInput("missing --data FILE (a CSV, Parquet or Excel file of your series)")
    targets = params.get("target")
    if targets and "," in targets:
        targets = [t.strip() for t in targets.split(",") if t.strip()]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        data = read_series(
            params["data_path"],
            time_col=params.get("time_col"),
            target=targets,
            series_col=params.get("series_col"),
            known_covariates=params.get("known_covariates"),
            past_covariates=params.get("past_covariates"),
            freq=params.get("freq"),
            missing=params.get("missing", "error"),
            sheet=params.get("sheet"),
        )
    return data, [str(w.message) for w in caught if issubclass(w.category, DataWarning)]


def _forecaster_settings(params: dict[str, Any]) -> dict[str, Any]:
    settings = {key: params[key] for key in _FORECASTER_KEYS if params.get(key) is not None}
    for key in ("test_size", "val_size"):
        if params.get(key) is not None:
            settings[key] = params[key]
    if params.get("max_batches"):
        settings["limit_train_batches"] = params["max_batches"]
    devices = params.get("devices", "auto")
    if devices not in (None, "auto"):
        try:
            settings["devices"] = int(devices)
        except ValueError:
            raise BadInput(f"--devices must be 'auto' or a whole number, got {devices!r}")
        if settings["devices"] > 1:
            settings["strategy"] = "ddp"
    settings["progress"] = False if params.get("quiet") else None
    return settings


def _print_metrics(metrics: dict[str, Any], echo: Callable[[str], None]) -> None:
    names = ("mae", "rmse", "smape", "mase", "r2")
    rows = [("model", metrics["model"])] + list(metrics["baselines"].items())
    echo(f"{'':16}" + "".join(f"{n:>10}" for n in names))
    for label, values in rows:
        cells = "".join(f"{values[n]:>10.4g}" if values.get(n) is not None else f"{'-':>10}" for n in names)
        echo(f"{label:16}{cells}")


_READ_KEYS = ("time_col", "target", "series_col", "known_covariates", "past_covariates", "freq", "missing", "sheet")


def _save_read_options(out: Path, params: dict[str, Any]) -> None:
    """How the training file was read, so `predict` and `evaluate` read new files the same way."""
    options = {key: params.get(key) for key in _READ_KEYS}
    options["source"] = str(params["data_path"])
    (out / "data.json").write_text(json.dumps(options, indent=2) + "\n")


def _read_like_run(run_dir: Path, data_path: Path, overrides: dict[str, Any]) -> Any:
    stored = run_dir / "data.json"
    options = json.loads(stored.read_text()) if stored.exists() else {}
    options.update({k: v for k, v in overrides.items() if v is not None})
    if "target" not in options or options["target"] is None:
        raise BadInput(
            f"run folder '{run_dir}' does not say how its data was read (no data.json); "
            "pass --time-col, --target and --series-col as in training"
        )
    data, _ = _read_data({**options, "data_path": data_path})
    return data


def _read_override_options(command: Callable) -> Callable:
    for option in reversed(DATA_OPTIONS[1:5]):  # time-col, target, series-col, known covariates
        command = option(command)
    return command


# ------------------------------------------------------------------ commands


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run folder [default: runs/demo-<time>].")
@click.option("--epochs", type=click.IntRange(min=1), default=12, show_default=True)
@click.option("--max-batches", type=click.IntRange(min=1), default=60, show_default=True,
              help="Shuffled batches per epoch (a sample of the ~100k training windows).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--force", is_flag=True, help="Reuse an existing, non-empty --out folder.")
@click.option("--quiet", is_flag=True, help="Print only the result.")
def demo(out: Path | None, epochs: int, max_batches: int, seed: int, force: bool, quiet: bool) -> None:
    """Train a GRU on the shipped hourly household electricity data and compare it with the baselines.

    Four hourly series (UCI household power, 2006-2010, CC BY 4.0) trained as one
    global model: lookback 168 h, horizon 24 h, the last 10 % of each series for
    testing. Takes a few minutes on 2 CPU cores.

    Example: grucast demo --out runs/demo
    """
    import time

    from grucast.api.runs import check_output_dir, train_run
    from grucast.data.datasets import load_household_power

    echo = _echo(quiet)
    out = out or Path("runs") / time.strftime("demo-%Y%m%d-%H%M%S")
    check_output_dir(out, force)
    data = load_household_power()
    settings = {
        "model": "gru", "lookback": 168, "horizon": 24, "hidden_size": 64, "num_layers": 2, "dropout": 0.1,
        "epochs": epochs, "limit_train_batches": max_batches, "batch_size": 256, "lr": 2e-3, "seed": seed,
        "patience": 4, "progress": False if quiet else None,
    }
    metrics = train_run(data, settings, out, echo=echo)
    _print_metrics(metrics, click.echo)
    beat = metrics["model"]["mase"] < metrics["baselines"]["seasonal_naive"]["mase"]
    click.echo(
        f"\nGRU test MASE {metrics['model']['mase']:.3f} vs seasonal naive "
        f"{metrics['baselines']['seasonal_naive']['mase']:.3f}: "
        + ("the GRU wins." if beat else "the GRU does NOT beat the seasonal naive forecast.")
    )
    click.echo(f"trained in {metrics['train_seconds']:.0f} s; outputs in {out}/ (report.md, plots/, metrics.json)")


@cli.command()
@apply(DATA_OPTIONS + MODEL_OPTIONS)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run folder to write [default: runs/<model>-<time>].")
@apply(OUTPUT_OPTIONS)
@click.pass_context
def train(ctx: click.Context, **params: Any) -> None:
    """Train a model on a file, evaluate it on the last part of each series, write a run folder.

    The test part (--test-size, default the last 10 % of each series) is never
    seen in training; metrics.json compares the model with the naive and seasonal
    naive forecasts on exactly the same test windows.

    \b
    Example:
      grucast train --data load.csv --time-col time --target load \\
          --series-col region --model gru --lookback 168 --horizon 24 --out runs/load
    """
    import time

    from grucast.api.runs import check_output_dir, train_run

    params = merged(ctx, params)
    echo = _echo(params["quiet"])
    out = params["out"] or Path("runs") / time.strftime(f"{params['model']}-%Y%m%d-%H%M%S")
    if out.exists() and not params["force"]:
        check_output_dir(out, force=False)  # refuse early, before reading the data
    data, notes = _read_data(params)
    settings = _forecaster_settings(params)
    created = not out.exists()
    check_output_dir(out, params["force"])
    for note in notes:
        echo(f"note: {note}")
    try:
        _save_read_options(out, params)
        metrics = train_run(data, settings, out, season=params.get("season"), echo=echo)
    except BaseException:
        if created:  # the folder is ours alone: leave nothing half-written behind
            shutil.rmtree(out, ignore_errors=True)
        raise
    if not params["quiet"]:
        _print_metrics(metrics, click.echo)
    click.echo(f"wrote {out}/ (metrics.json, forecasts.csv, future.csv, report.md, model.safetensors)")


@cli.command()
@click.option("--run", "run_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Run folder written by `grucast train`.")
@click.option("--data", "data_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The series to continue (same columns as in training).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="CSV file to write.")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@_read_override_options
def predict(run_dir: Path, data_path: Path, out: Path, force: bool, **overrides: Any) -> None:
    """Forecast the horizon after the end of each series with a trained model.

    Writes series, time, step, value, lower, upper (the conformal interval); times
    continue at each series' frequency.

    Example: grucast predict --run runs/load --data load.csv --out forecast.csv
    """
    from grucast.api import Forecaster
    from grucast.api.runs import check_output_file

    check_output_file(out, force)
    forecaster = Forecaster.load(run_dir)
    data = _read_like_run(run_dir, data_path, overrides)
    frame = forecaster.predict(data)
    frame.to_csv(out, index=False)
    click.echo(f"wrote {len(frame)} forecasts ({len(data)} series x {forecaster.settings_.horizon} steps) to {out}")


@cli.command()
@click.option("--run", "run_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Run folder written by `grucast train`.")
@click.option("--data", "data_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--season", type=click.IntRange(min=1), default=None, help="Season for seasonal naive and MASE.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write the metrics as JSON here.")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@_read_override_options
def evaluate(run_dir: Path, data_path: Path, season: int | None, out: Path | None, force: bool, **overrides: Any) -> None:
    """Score a trained model on the test part of a file, beside the naive baselines.

    The file is split exactly as in training (same test and validation sizes).

    Example: grucast evaluate --run runs/load --data load.csv --out metrics.json
    """
    from grucast.api import Forecaster
    from grucast.api.runs import check_output_file

    if out is not None:
        check_output_file(out, force)
    forecaster = Forecaster.load(run_dir)
    data = _read_like_run(run_dir, data_path, overrides)
    scores = forecaster.evaluate(data, season=season)
    metrics = scores.to_dict()
    _print_metrics(metrics, click.echo)
    if out is not None:
        out.write_text(json.dumps(metrics, indent=2) + "\n")
        click.echo(f"wrote {out}")


@cli.command()
@click.option("--run", "run_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Run folder written by `grucast train`.")
@click.option("--data", "data_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--stride", type=click.IntRange(min=1), default=None,
              help="Steps between scored forecast origins [default: the horizon].")
@click.option("--refits", type=click.IntRange(min=0), default=0, show_default=True,
              help="0: reuse the trained model; K: retrain on an expanding window for each of K folds.")
@click.option("--season", type=click.IntRange(min=1), default=None, help="Season for seasonal naive and MASE.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write results as JSON here.")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@_read_override_options
def backtest(run_dir: Path, data_path: Path, stride: int | None, refits: int, season: int | None,
             out: Path | None, force: bool, **overrides: Any) -> None:
    """Rolling-origin backtest over the test period, beside the naive baselines.

    Example: grucast backtest --run runs/load --data load.csv --stride 24 --refits 3
    """
    from grucast.api import Forecaster
    from grucast.api.backtest import backtest as run_backtest
    from grucast.api.runs import check_output_file

    if out is not None:
        check_output_file(out, force)
    forecaster = Forecaster.load(run_dir)
    data = _read_like_run(run_dir, data_path, overrides)
    result = run_backtest(forecaster, data, stride=stride or forecaster.settings_.horizon, refits=refits, season=season)
    summary = result.to_dict()
    _print_metrics(summary["pooled"], click.echo)
    click.echo(f"{summary['pooled']['windows']} forecast origins, stride {result.stride}, {max(refits, 1)} model(s)")
    if out is not None:
        out.write_text(json.dumps(summary, indent=2) + "\n")
        click.echo(f"wrote {out}")


@cli.command()
@apply(DATA_OPTIONS + MODEL_OPTIONS)
@click.option("--models", default="gru,lstm", show_default=True,
              help="Comma-separated models to compare on the same data, splits, seed and budget.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for comparison.csv, comparison.png and each model's run [default: runs/compare-<time>].")
@apply(OUTPUT_OPTIONS)
@click.pass_context
def compare(ctx: click.Context, **params: Any) -> None:
    """Train several models (default GRU vs LSTM) under equal settings and compare them.

    Reports test accuracy beside the baselines, training time, parameters and
    batch-1 inference latency, all measured in this process with the same threads.

    \b
    Example:
      grucast compare --data load.csv --time-col time --target load --series-col region \\
          --models gru,lstm,mingru --epochs 5 --out runs/compare
    """
    import time

    from grucast.api.compare import compare_models
    from grucast.api.runs import check_output_dir
    from grucast.models.registry import MODELS

    params = merged(ctx, params)
    echo = _echo(params["quiet"])
    names = [m.strip() for m in params["models"].split(",") if m.strip()]
    unknown = [m for m in names if m not in MODELS]
    if unknown:
        raise BadInput(f"unknown model(s) {', '.join(unknown)} in --models; choose from {', '.join(MODELS)}")
    out = params["out"] or Path("runs") / time.strftime("compare-%Y%m%d-%H%M%S")
    if out.exists() and not params["force"]:
        check_output_dir(out, force=False)
    data, _ = _read_data(params)
    settings = _forecaster_settings(params)
    check_output_dir(out, params["force"])
    table = compare_models(data, names, settings, season=params.get("season"), run_dir=out, echo=echo)
    table.to_csv(out / "comparison.csv", index=False)
    from grucast import plotting

    plotting.save_figure(plotting.plot_comparison(table.dropna(subset=["train_seconds"]), metrics=("mae", "mase", "train_seconds", "latency_ms")), out / "comparison.png")
    with_pd_options = table.to_string(index=False, float_format=lambda v: f"{v:.4g}")
    click.echo(with_pd_options)
    click.echo(f"wrote {out}/comparison.csv and comparison.png")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code instead of raising SystemExit."""
    from grucast.data.errors import DataError, NotFittedError

    try:
        cli.main(args=argv, prog_name="grucast", standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.exceptions.Abort:
        click.echo("error: aborted", err=True)
        return EXIT_BAD_INPUT
    except click.ClickException as exc:
        message = exc.format_message().replace("\n", " ")
        click.echo(f"error: {message}", err=True)
        return EXIT_BAD_INPUT
    except (DataError, NotFittedError, FileExistsError, FileNotFoundError, IsADirectoryError, PermissionError, ValueError, TypeError) as exc:
        if isinstance(exc, (ValueError, TypeError)) and not _from_user_input(exc):
            return _internal(exc)
        click.echo(f"error: {_one_line(exc)}", err=True)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        return 130
    except Exception as exc:  # a bug: show the traceback so it can be reported
        return _internal(exc)
    return 0


def _from_user_input(exc: BaseException) -> bool:
    """ValueError/TypeError raised by grucast's own input checks, not deep inside a library."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = tb.tb_frame.f_code.co_filename if tb is not None else ""
    return "grucast" in where


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)) and exc.filename and not text.startswith(("'", '"')):
        text = text if str(exc.filename) in text else f"{text}: {exc.filename}"
    return text or type(exc).__name__


def _internal(exc: BaseException) -> int:
    traceback.print_exc()
    click.echo(f"grucast: internal error ({type(exc).__name__}); please report it with the traceback above", err=True)
    return EXIT_INTERNAL
