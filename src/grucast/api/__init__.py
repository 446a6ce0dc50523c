"""The Python API: the Forecaster, and the Settings whose fields are its parameters."""

from grucast.api.forecaster import Forecaster
from grucast.settings import Settings

__all__ = ["Forecaster", "Settings"]
