"""The Python API: Forecaster and its settings."""

from grucast.api.forecaster import Forecaster
from grucast.api.settings import ForecastSettings

__all__ = ["ForecastSettings", "Forecaster"]
