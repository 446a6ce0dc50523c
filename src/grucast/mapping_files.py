"""TOML and YAML files of settings that a user hands in (configs, search spaces), read safely.

YAML goes through ``safe_load`` only: a file never builds Python objects.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

from grucast.errors import InputError


def read_mapping(path: str | Path, what: str) -> dict[str, Any]:
    """The top-level mapping of a ``.toml``, ``.yaml`` or ``.yml`` file.

    Args:
        path: the file.
        what: what the file is, for messages (``"config file"``, ``"space file"``).

    Raises:
        InputError: the file is missing, has another suffix, does not parse, or
            does not hold a mapping at its top level.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} '{path}' does not exist; check the path")
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".yaml", ".yml"):
        raise InputError(f"{what} '{path}' must end in .toml, .yaml or .yml")
    try:
        text = path.read_text()
        values = tomllib.loads(text) if suffix == ".toml" else (yaml.safe_load(text) or {})
    except (tomllib.TOMLDecodeError, yaml.YAMLError, UnicodeDecodeError) as error:
        raise InputError(f"{what} '{path}' is not valid: {str(error).splitlines()[0]}") from None
    if not isinstance(values, dict):
        raise InputError(f"{what} '{path}' must hold name = value pairs at its top level")
    return values
