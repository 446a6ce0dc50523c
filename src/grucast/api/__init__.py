"""The Python API: the Forecaster, the Settings whose fields are its parameters, and tune."""

from typing import Any

from grucast.api.forecaster import Forecaster
from grucast.settings import Settings

__all__ = ["Forecaster", "Settings", "tune"]


def __getattr__(name: str) -> Any:
    # grucast.api.tune (grucast.tuning.tune) is looked up on first use: the tuning
    # package builds on this one.
    if name == "tune":
        from grucast.tuning.search import tune

        return tune
    raise AttributeError(f"module 'grucast.api' has no attribute {name!r}")
