"""Options shared by the commands, and config files (TOML or YAML) under them."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import yaml
from click.core import ParameterSource

from grucast.models.registry import MODELS


def _split_names(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    if value is None:
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    return names or None


def _size(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """``--test-size 500`` (steps) or ``--test-size 0.1`` (a fraction)."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a number; give steps (e.g. 500) or a fraction below 1 (e.g. 0.1)")
    if number < 0 or (number >= 1 and number != int(number)):
        raise click.BadParameter(f"{value} must be a whole number of steps or a fraction in [0, 1)")
    return int(number) if number >= 1 else number


DATA_OPTIONS = [
    click.option("--data", "data_path", type=click.Path(dir_okay=False, path_type=Path),
                 help="CSV, Parquet or Excel (.xlsx) file."),
    click.option("--time-col", default=None, help="Timestamp column (omit for an integer step index)."),
    click.option("--target", default=None, help="Target column (several, comma-separated, for wide format)."),
    click.option("--series-col", default=None, help="Column naming the series, for long format."),
    click.option("--known-covariates", default=None, callback=_split_names,
                 help="Comma-separated columns known in the future (e.g. a temperature forecast)."),
    click.option("--past-covariates", default=None, callback=_split_names,
                 help="Comma-separated columns known only up to the forecast origin."),
    click.option("--freq", default=None, help="Frequency as a pandas alias (h, D, B, 15min...); inferred if omitted."),
    click.option("--missing", default="error", show_default=True,
                 type=click.Choice(["error", "interpolate", "ffill", "drop"]),
                 help="What to do with missing values and gaps."),
    click.option("--sheet", default=None, help="Excel sheet name (default: the first)."),
]

MODEL_OPTIONS = [
    click.option("--model", default="gru", show_default=True, type=click.Choice(list(MODELS)), help="Model."),
    click.option("--lookback", type=click.IntRange(min=1), default=None,
                 help="Input steps per window [default: from the frequency, e.g. 168 for hourly]."),
    click.option("--horizon", type=click.IntRange(min=1), default=None,
                 help="Steps to forecast [default: one season, e.g. 24 for hourly]."),
    click.option("--hidden-size", type=click.IntRange(min=1), default=64, show_default=True),
    click.option("--num-layers", type=click.IntRange(min=1), default=2, show_default=True),
    click.option("--dropout", type=click.FloatRange(0, 1, max_open=True), default=0.1, show_default=True),
    click.option("--multi-step", type=click.Choice(["direct", "recursive"]), default="direct", show_default=True),
    click.option("--scaler", type=click.Choice(["standard", "minmax", "robust", "none"]), default="standard",
                 show_default=True, help="Per-series scaler, fitted on the training part only."),
    click.option("--window-norm", type=click.Choice(["auto", "none", "last", "mean_std"]), default="auto",
                 show_default=True, help="Window-relative normalisation ('auto': 'last' for trending data)."),
    click.option("--test-size", callback=_size, default=None,
                 help="Last N steps of each series for testing, or a fraction if < 1 [default: 0.1]."),
    click.option("--val-size", callback=_size, default=None,
                 help="Steps before the test part for validation, or a fraction [default: 0.1]."),
    click.option("--epochs", type=click.IntRange(min=1), default=20, show_default=True),
    click.option("--batch-size", type=click.IntRange(min=1), default=256, show_default=True),
    click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=1e-3, show_default=True),
    click.option("--loss", type=click.Choice(["mae", "mse", "huber"]), default="mae", show_default=True,
                 help="Training loss on scaled values (mae: the median forecast, robust to spikes)."),
    click.option("--patience", type=click.IntRange(min=0), default=5, show_default=True,
                 help="Early stopping: epochs without validation improvement (0: never stop early)."),
    click.option("--max-batches", type=click.IntRange(min=1), default=None,
                 help="At most this many (shuffled) batches per epoch."),
    click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True),
    click.option("--threads", type=click.IntRange(min=1), default=None, help="CPU threads for torch."),
    click.option("--accelerator", default="auto", show_default=True, help="auto, cpu or gpu."),
    click.option("--devices", default="auto", show_default=True, help="Devices or CPU processes (DDP when > 1)."),
    click.option("--season", type=click.IntRange(min=1), default=None,
                 help="Season length for seasonal naive and MASE [default: from the frequency]."),
    click.option("--interval-level", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.9,
                 show_default=True, help="Coverage of the conformal prediction intervals."),
]

OUTPUT_OPTIONS = [
    click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                 help="TOML or YAML file of option values; command-line options win."),
    click.option("--force", is_flag=True, help="Reuse an existing, non-empty output folder or file."),
    click.option("--quiet", is_flag=True, help="No progress bar or chatter; errors still go to stderr."),
]


def apply(options: list[Callable]) -> Callable:
    def decorate(command: Callable) -> Callable:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def read_config(path: Path) -> dict[str, Any]:
    """Option values from a TOML or YAML file, keys as option names (dashes or underscores)."""
    if not path.exists():
        raise click.UsageError(f"config file '{path}' does not exist; check the path")
    text = path.read_text()
    try:
        if path.suffix.lower() == ".toml":
            values = tomllib.loads(text)
        elif path.suffix.lower() in (".yaml", ".yml"):
            values = yaml.safe_load(text) or {}
        else:
            raise click.UsageError(f"config file '{path}' must end in .toml, .yaml or .yml")
    except (tomllib.TOMLDecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise click.UsageError(f"config file '{path}' is not valid: {str(exc).splitlines()[0]}")
    if not isinstance(values, dict):
        raise click.UsageError(f"config file '{path}' must hold option = value pairs at its top level")
    return {key.replace("-", "_"): value for key, value in values.items()}


def merged(ctx: click.Context, params: dict[str, Any]) -> dict[str, Any]:
    """Command-line values over config-file values over defaults."""
    config_path = params.get("config_path")
    if config_path is None:
        return params
    config = read_config(config_path)
    known = {p.name for p in ctx.command.params}
    aliases = {"data": "data_path"}
    out = dict(params)
    for key, value in config.items():
        name = aliases.get(key, key)
        if name not in known or name == "config_path":
            raise click.UsageError(
                f"config file '{config_path}' sets unknown option {key!r} for `grucast {ctx.command.name}`; "
                f"see `grucast {ctx.command.name} --help`"
            )
        if ctx.get_parameter_source(name) in (ParameterSource.DEFAULT, None):
            param = next(p for p in ctx.command.params if p.name == name)
            out[name] = param.type_cast_value(ctx, value) if not isinstance(value, list) else ",".join(map(str, value))
            if param.callback is not None and isinstance(out[name], str):
                out[name] = param.callback(ctx, param, out[name])
    return out
