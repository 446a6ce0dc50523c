"""The search space of ``grucast tune``: which settings vary, and over which values.

A space maps setting names (fields of :class:`grucast.settings.Settings`) to one
of three forms, the same in Python, TOML and YAML::

    model = { choices = ["gru", "lstm", "mingru"] }     # one of a list
    hidden_size = { low = 16, high = 128, log = true }  # a whole number (the setting is an int)
    lr = { low = 1e-4, high = 1e-2, log = true }        # a real number (the setting is a float)
    num_layers = { low = 1, high = 3, step = 1 }        # step: a grid of low, low + step, ...
    lookback = { low = 1, high = 7, unit = "season" }   # whole seasons (a step of one season)

``unit = "season"`` counts in seasons of the data (24 steps for hourly data, 7 for
daily; the horizon when the data has no season), decided once from the data
before the first trial. Every bound and choice is checked with the setting's own
check, so a space is refused before any training. A file replaces the default
space as a whole; settings it leaves out keep the value given on the command line
(or their default) in every trial.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


from grucast import checks
from grucast import settings as settings_table
from grucast.errors import InputError
from grucast.mapping_files import read_mapping

#: Settings that define the task rather than the model: searching them would score
#: trials on different data (split sizes, horizon, season) or change nothing scored.
NOT_SEARCHABLE: tuple[str, ...] = (
    "horizon", "test_size", "val_size", "season", "interval_level", "accelerator", "devices", "strategy",
    "num_nodes", "threads", "progress", "logger", "tracking_dir", "model_options", "deterministic",
)

#: The default space: the settings that decide a recurrent forecaster's accuracy, over
#: ranges that train in minutes on a CPU. ``lookback`` spans one to seven seasons
#: (a day to a week of hourly data).
DEFAULT_SPACE: dict[str, dict[str, Any]] = {
    "model": {"choices": ["gru", "lstm", "mingru"]},
    "hidden_size": {"low": 16, "high": 128, "log": True},
    "num_layers": {"low": 1, "high": 3},
    "dropout": {"low": 0.0, "high": 0.4},
    "lookback": {"low": 1, "high": 7, "unit": "season"},
    "lr": {"low": 1e-4, "high": 1e-2, "log": True},
    "batch_size": {"choices": [64, 128, 256, 512]},
    "window_norm": {"choices": ["none", "last", "mean_std"]},
    "skip": {"choices": ["none", "seasonal"]},
    "loss": {"choices": ["mae", "mse", "huber", "mase"]},
}

_KEYS = {"choices", "low", "high", "log", "step", "unit"}
_UNITS = ("season",)


@dataclass(frozen=True)
class Param:
    """One searched setting.

    Attributes:
        name: the setting's name.
        choices: the values of a categorical parameter (empty for a range).
        low, high: the bounds of a range, both included (in seasons when ``unit``).
        integer: whole numbers (the setting is an int) or reals.
        log: sample on a log scale.
        step: sample a grid ``low, low + step, ...`` (``None``: continuous, or 1 for ints).
        unit: ``"season"``: the bounds count seasons of the data; ``""``: steps as written.
    """

    name: str
    choices: tuple[Any, ...] = ()
    low: float = 0
    high: float = 0
    integer: bool = False
    log: bool = False
    step: float | None = None
    unit: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The parameter in the file's form (also what a study records)."""
        if self.choices:
            return {"choices": list(self.choices)}
        out: dict[str, Any] = {"low": self.low, "high": self.high}
        if self.log:
            out["log"] = True
        if self.step is not None:
            out["step"] = self.step
        if self.unit:
            out["unit"] = self.unit
        return out

    def suggest(self, trial: Any, unit_size: int) -> Any:
        """The value an Optuna ``trial`` draws (in steps: a season unit is multiplied out)."""
        if self.choices:
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.unit == "season":
            # Drawn in steps, on a grid of whole seasons, so the study records real lookbacks.
            return trial.suggest_int(self.name, int(self.low) * unit_size, int(self.high) * unit_size, step=unit_size)
        if self.integer:
            return trial.suggest_int(self.name, int(self.low), int(self.high), step=int(self.step or 1), log=self.log)
        return trial.suggest_float(self.name, float(self.low), float(self.high), step=self.step, log=self.log)


@dataclass(frozen=True)
class SearchSpace:
    """The searched settings, checked; build one with :func:`parse_space` or :func:`load_space`."""

    params: tuple[Param, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return {p.name: p.to_dict() for p in self.params}

    def without(self, names: set[str] | frozenset[str]) -> SearchSpace:
        """The space less the settings in ``names`` (those fixed by the caller)."""
        return SearchSpace(tuple(p for p in self.params if p.name not in names))

    def suggest(self, trial: Any, unit_size: int) -> dict[str, Any]:
        """One trial's values, by setting name."""
        return {p.name: p.suggest(trial, unit_size) for p in self.params}


def default_space() -> SearchSpace:
    """The search space used when no file is given (:data:`DEFAULT_SPACE`)."""
    return parse_space(DEFAULT_SPACE, "the default space")


def load_space(path: str | Path) -> SearchSpace:
    """A search space from a TOML (``.toml``) or YAML (``.yaml``, ``.yml``) file.

    Raises:
        InputError: the file is missing, unreadable, or describes a space that
            cannot be searched (the message names the file and the parameter).
    """
    path = Path(path)
    values = read_mapping(path, "space file")
    return parse_space(values, f"space file '{path}'")


def parse_space(values: Mapping[str, Any], source: str = "the search space") -> SearchSpace:
    """A checked :class:`SearchSpace` from ``{setting: {choices=[...]} | {low=, high=, ...}}``.

    Args:
        values: the space, as in a file.
        source: how messages name where the space came from.
    """
    if not isinstance(values, Mapping):
        raise InputError(f"{source} must map setting names to tables, got {type(values).__name__}")
    if not values:
        raise InputError(f"{source} is empty; name at least one setting to search, e.g. lr = {{ low = 1e-4, high = 1e-2 }}")
    searchable = [name for name in settings_table.names() if _searchable(name)]
    params = []
    for raw_name, entry in values.items():
        name = str(raw_name).replace("-", "_")
        if name not in settings_table.names():
            raise InputError(
                f"{source}: unknown parameter {raw_name!r}; searchable settings are {', '.join(searchable)}"
            )
        if not _searchable(name):
            raise InputError(
                f"{source}: {name} cannot be searched (it defines the task or the hardware, and trials must "
                f"share it); fix it with its option instead. Searchable settings are {', '.join(searchable)}"
            )
        params.append(_param(name, entry, f"{source}: {name}"))
    return SearchSpace(tuple(params))


def _searchable(name: str) -> bool:
    return name not in NOT_SEARCHABLE and settings_table.describe(name)["cli"] is not None


def _param(name: str, entry: Any, where: str) -> Param:
    if not isinstance(entry, Mapping):
        raise InputError(
            f"{where} must be a table such as {{ choices = [...] }} or {{ low = ..., high = ... }}, got {entry!r}"
        )
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(unknown)}; a parameter takes {', '.join(sorted(_KEYS))}")
    kind = settings_table.describe(name)["kind"]
    if "choices" in entry:
        extra = sorted(set(entry) - {"choices"})
        if extra:
            raise InputError(f"{where}: choices cannot be combined with {', '.join(extra)}; give a list or a range")
        choices = entry["choices"]
        if not isinstance(choices, (list, tuple)) or not choices:
            raise InputError(f"{where}: choices must be a non-empty list, got {choices!r}")
        if len(set(map(repr, choices))) < len(choices):
            raise InputError(f"{where}: choices {list(choices)!r} repeat a value; list each value once")
        for value in choices:
            if not isinstance(value, (str, int, float, bool)):
                raise InputError(f"{where}: choice {value!r} is not a plain value (text, number or true/false)")
            _check_value(kind, name, value, where, "fix the choice")
        return Param(name, choices=tuple(choices))
    if "low" not in entry or "high" not in entry:
        raise InputError(f"{where}: give both low and high (or a list of choices)")
    if not isinstance(kind, (checks.Integer, checks.Real)):
        raise InputError(f"{where} is not a number: give a list of choices instead of low and high")
    integer = isinstance(kind, checks.Integer)
    low, high = entry["low"], entry["high"]
    log, step, unit = entry.get("log", False), entry.get("step"), entry.get("unit", "")
    for label, value in (("low", low), ("high", high)) + ((("step", step),) if step is not None else ()):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InputError(f"{where}: {label} must be a number, got {value!r}")
        if integer and value != int(value):
            raise InputError(f"{where}: {label} must be a whole number ({name} is an integer setting), got {value!r}")
    if not isinstance(log, bool):
        raise InputError(f"{where}: log must be true or false, got {log!r}")
    if unit not in ("",) + _UNITS:
        raise InputError(f"{where}: unit must be 'season' (or left out), got {unit!r}")
    if unit and not integer:
        raise InputError(f"{where}: unit = 'season' needs a whole-number setting such as lookback")
    if low > high:
        raise InputError(f"{where}: the range is empty (low {low!r} is above high {high!r}); give low <= high")
    if log and low <= 0:
        raise InputError(f"{where}: a log scale needs low > 0, got low {low!r}")
    if log and (step is not None or unit):
        raise InputError(f"{where}: log cannot be combined with step or unit; choose one")
    if step is not None and step <= 0:
        raise InputError(f"{where}: step must be positive, got {step!r}")
    if unit and low < 1:
        raise InputError(f"{where}: low must be at least 1 season, got {low!r}")
    if not unit:  # the bounds are values of the setting: check them as such
        for value in (low, high):
            _check_value(kind, name, int(value) if integer else float(value), where, "fix the range")
    cast = int if integer else float
    return Param(
        name, low=cast(low), high=cast(high), integer=integer, log=log,
        step=None if step is None else cast(step), unit=unit,
    )


def _check_value(kind: checks.Kind, name: str, value: Any, where: str, fix: str) -> None:
    """The setting's own check of one value, its message prefixed with where the space came from."""
    try:
        kind.check(name, value)
    except InputError as error:
        raise type(error)(f"{where.rsplit(': ', 1)[0]}: {error}; {fix}") from None
