"""Command-line options built from the library's tables, and config files under them.

The options of ``train`` and ``compare`` are the fields of
:class:`grucast.settings.Settings` (flag, choices, range, default and help come from
there: nothing is copied), the data options are the reader's arguments, and
``--config FILE`` (TOML or YAML) supplies any of them. Every option defaults to
"not given", so the value used is: the command line, else the config file, else
the library's default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import click

from grucast import checks
from grucast import settings as settings_table
from grucast.data.validation import MISSING_POLICIES
from grucast.errors import InputError
from grucast.mapping_files import read_mapping
from grucast.settings import Settings


class _Size(click.ParamType):
    """``500`` (steps) or ``0.1`` (a fraction of each series)."""

    name = "steps|fraction"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int | float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        else:
            try:
                number = float(str(value))
            except ValueError:
                self.fail(f"{value!r} is not a number; give steps (e.g. 500) or a fraction below 1 (e.g. 0.1)", param, ctx)
        try:
            return checks.Size().check(param.name if param else "size", number)
        except InputError as error:
            self.fail(str(error), param, ctx)


def _click_type(kind: checks.Kind) -> click.ParamType | None:
    if isinstance(kind, checks.Integer):
        return click.IntRange(min=kind.low, max=kind.high)
    if isinstance(kind, checks.Real):
        return click.FloatRange(min=kind.low, max=kind.high, min_open=kind.low_open, max_open=kind.high_open)
    if isinstance(kind, checks.Choice):
        return click.Choice(kind.names)
    if isinstance(kind, checks.Size):
        return _Size()
    return None  # strings, checked by Settings


def _flag(name: str, metadata: dict[str, Any]) -> str:
    return metadata["cli"] or "--" + name.replace("_", "-")


def _default_text(value: Any) -> str:
    if value is None:
        return ""
    return f" [default: {value}]"


def setting_options(exclude: tuple[str, ...] = ()) -> list[Callable]:
    """One click option per :class:`Settings` field on the command line, in table order."""
    defaults = settings_table.defaults()
    options = []
    for one in fields(Settings):
        metadata = dict(one.metadata)
        if metadata["cli"] is None or one.name in exclude:
            continue
        flag, kind = _flag(one.name, metadata), metadata["kind"]
        help_text = metadata["help"]
        if "[default:" not in help_text:
            help_text += _default_text(defaults[one.name])
        if isinstance(kind, checks.Flag):
            options.append(click.option(f"{flag}/--no-{flag[2:]}", one.name, default=None, help=help_text))
        else:
            options.append(click.option(flag, one.name, type=_click_type(kind), default=None, help=help_text))
    return options


def _split_names(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    if value is None:
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    return names or None


#: The reader's arguments (see :func:`grucast.data.read_series`), by option.
READ_OPTIONS: list[Callable] = [
    click.option("--time-col", default=None, help="Timestamp column (omit for an integer step index)."),
    click.option("--target", default=None, help="Target column (several, comma-separated, for wide format)."),
    click.option("--series-col", default=None, help="Column naming the series, for long format."),
    click.option("--known-covariates", default=None, callback=_split_names,
                 help="Comma-separated columns known in the future (e.g. a temperature forecast)."),
    click.option("--past-covariates", default=None, callback=_split_names,
                 help="Comma-separated columns known only up to the forecast origin."),
    click.option("--static-covariates", default=None, callback=_split_names,
                 help="Comma-separated columns constant within each series (region, store type, capacity)."),
    click.option("--freq", default=None, help="Frequency as a pandas alias (h, D, B, 15min, MS...); inferred if omitted."),
    click.option("--missing", default=None, type=click.Choice(MISSING_POLICIES),
                 help="What to do with missing values and gaps [default: error]."),
    click.option("--sheet", default=None, help="Excel sheet name (default: the first)."),
    click.option("--sep", default=None,
                 help="Field separator of a text file (',', ';', 'tab', '|'); detected if omitted."),
    click.option("--decimal", default=None, type=click.Choice([".", ","]),
                 help="Decimal mark of the numbers; detected if omitted."),
    click.option("--thousands", default=None,
                 help="Thousands separator of the numbers (',', '.', ' ', \"'\"); detected if omitted."),
    click.option("--encoding", default=None, help="Text encoding (utf-8, utf-16, cp1252...); detected if omitted."),
    click.option("--dayfirst/--no-dayfirst", "dayfirst", default=None,
                 help="Dates are day-first (01/02/2024 is 1 February) or month-first; detected if omitted."),
    click.option("--time-format", default=None,
                 help="strftime format of the times (e.g. '%d.%m.%Y %H:%M'), or step, unix_s, unix_ms, excel."),
    click.option("--timezone", default=None,
                 help="Time zone of times written without one (e.g. Europe/Berlin), or UTC."),
    click.option("--na-values", default=None, callback=_split_names,
                 help="Comma-separated extra markers of a missing value (e.g. '?,-999')."),
]
#: Names of the reader's arguments, as the commands receive them.
READ_KEYS = (
    "time_col", "target", "series_col", "known_covariates", "past_covariates", "static_covariates", "freq", "missing",
    "sheet", "sep", "decimal", "thousands", "encoding", "dayfirst", "time_format", "timezone", "na_values",
)

DATA_OPTION = click.option("--data", "data_path", type=click.Path(path_type=Path), default=None,
                           help="CSV, Parquet or Excel (.xlsx) file, or a folder of Parquet files.")

OUTPUT_OPTIONS = [
    click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                 help="TOML or YAML file of option values; command-line options win."),
    click.option("--force", is_flag=True, help="Replace an earlier run folder or output file."),
    click.option("--quiet", is_flag=True, help="No progress bar or chatter; errors still go to stderr."),
]


def apply(options: list[Callable]) -> Callable:
    """Decorate a command with ``options``, first option first in ``--help``."""

    def decorate(command: Callable) -> Callable:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def cli_names() -> dict[str, str]:
    """Python setting or argument name -> the flag that sets it, for messages (see :func:`grucast.errors.option`)."""
    names = {one.name: _flag(one.name, dict(one.metadata)) for one in fields(Settings) if one.metadata["cli"]}
    names.update({key: "--" + key.replace("_", "-") for key in READ_KEYS})
    names.update({"data": "--data", "overwrite": "--force", "force": "--force", "progress": "--quiet"})
    return names


def read_config(path: Path) -> dict[str, Any]:
    """Option values from a TOML or YAML file, keys as option names (dashes or underscores)."""
    values = read_mapping(path, "config file")
    return {str(key).replace("-", "_"): value for key, value in values.items()}


def merged(ctx: click.Context, given: dict[str, Any]) -> dict[str, Any]:
    """The command's values: the command line over the config file; ``None`` where neither gave one.

    A config key must name an option of the command; values from the file pass
    the option's own conversion (so ``epochs = "ten"`` is refused like ``--epochs ten``).
    """
    config_path = given.get("config_path")
    out = dict(given)
    if config_path is None:
        return out
    params = {p.name: p for p in ctx.command.params}
    aliases = {"data": "data_path"}
    for key, value in read_config(config_path).items():
        name = aliases.get(key, key)
        if name not in params or name == "config_path":
            raise click.UsageError(
                f"config file '{config_path}' sets unknown option {key!r} for `grucast {ctx.command.name}`; "
                f"see `grucast {ctx.command.name} --help`"
            )
        if out.get(name) not in (None, False):
            continue  # the command line wins
        param = params[name]
        if isinstance(value, list):
            value = ",".join(map(str, value))
        try:
            converted = param.type_cast_value(ctx, value)
        except click.BadParameter as exc:
            raise click.UsageError(f"config file '{config_path}': {key} = {value!r}: {exc.message}") from None
        if param.callback is not None and isinstance(converted, str):
            converted = param.callback(ctx, param, converted)
        out[name] = converted
    return out


def settings_from(values: dict[str, Any], **overrides: Any) -> Settings:
    """The checked :class:`Settings` from a command's values (those not given keep their defaults)."""
    given = {key: value for key, value in values.items() if key in settings_table.names() and value is not None}
    given.update(overrides)
    return Settings(**given)
