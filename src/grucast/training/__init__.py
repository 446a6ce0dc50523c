"""Training with PyTorch Lightning: the module, its data loaders and the fit loop."""

from grucast.training.fit import FitResult, fit_module
from grucast.training.module import ForecastModule

__all__ = ["FitResult", "ForecastModule", "fit_module"]
