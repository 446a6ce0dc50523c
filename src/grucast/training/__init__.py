"""Training with PyTorch Lightning: the module, its data loaders and the fit loop."""

from grucast.training.config import TrainConfig
from grucast.training.fit import FitResult, fit_module
from grucast.training.module import ForecastModule

__all__ = ["FitResult", "ForecastModule", "TrainConfig", "fit_module"]
