"""A Lightning callback that reports each epoch's validation MASE to an Optuna trial.

Written here rather than taken from optuna-integration: it is a dozen lines, and
the integration package has followed Lightning's renames a release late. The value
reported is the one the trial is finally scored by (validation MASE in the data's
units), not the training loss: trials that train with different losses or window
normalisations are compared on one scale.
"""

from __future__ import annotations

import math
from typing import Any

import lightning.pytorch as pl
import numpy as np

from grucast.api.inference import forecast_dataset
from grucast.data.frame import SeriesSet
from grucast.evaluation import evaluate_forecasts


class ValidationPruning(pl.Callback):
    """Report the validation MASE after every epoch; stop training when the pruner says so.

    The forecaster fits its own pipeline; this callback fits one with the same
    settings (deterministic, and cheap next to training) to bring forecasts back to
    the data's units.

    Args:
        trial: the Optuna trial being trained.
        data: the series the forecaster is fitted on.

    Attributes:
        pruned_epoch: the epoch after which the trial was stopped, or ``None``.
        diverged: the forecasts stopped being finite numbers.
        history: the validation MASE of each epoch so far.
    """

    def __init__(self, trial: Any, data: SeriesSet) -> None:
        self.trial = trial
        self.data = data
        self.pruned_epoch: int | None = None
        self.diverged = False
        self.history: list[float] = []
        self._windows: Any = None
        self._pipeline: Any = None

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        settings = pl_module.settings  # resolved by the forecaster
        self._pipeline = settings.make_pipeline()
        self._windows = self._pipeline.fit_transform(self.data, stride=settings.stride)
        labels = np.array(self._windows.data.names, dtype=object)
        self._train = {s.name: s.target[: self._windows.plan[s.name].train_end] for s in self._windows.data}
        self._labels = labels

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking or self._windows is None or len(self._windows.val) == 0:
            return
        score = self.score(pl_module)
        epoch = trainer.current_epoch
        if not math.isfinite(score):
            self.diverged = True
            trainer.should_stop = True
            return
        self.history.append(score)
        self.trial.report(score, step=epoch)
        if self.trial.should_prune():
            self.pruned_epoch = epoch
            trainer.should_stop = True

    def score(self, pl_module: pl.LightningModule) -> float:
        """Validation MASE of the module as it is now (``nan`` when a forecast is not finite).

        Scored like :meth:`grucast.api.Forecaster.evaluate`: the point forecast (a
        quantile model's median) against the actual values read from the data.
        """
        settings = pl_module.settings
        was_training = pl_module.training
        pred, _, fields = forecast_dataset(pl_module, self._windows.val, settings)
        pl_module.train(was_training)
        median = settings.quantiles.index(0.5) if settings.quantiles else 0
        point = pred[..., median : median + 1]  # (W, H, Q) -> (W, H, 1)
        forecast = self._pipeline.inverse(point, fields, self._windows.data)[..., 0]
        if not np.isfinite(forecast).all():
            return math.nan
        series = fields["series"].numpy()
        origin = (fields["start"] + settings.lookback - 1).numpy()
        steps = np.arange(1, settings.horizon + 1)
        actual = np.empty_like(forecast)
        for index, one in enumerate(self._windows.data):
            rows = np.flatnonzero(series == index)
            actual[rows] = one.target[origin[rows, None] + steps]
        metrics = evaluate_forecasts(actual, forecast, self._labels[series], self._train, settings.season)
        return float(metrics.overall["mase"])
