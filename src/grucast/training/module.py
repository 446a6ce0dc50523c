"""The LightningModule: one forecasting model, its loss, optimiser and schedule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import lightning.pytorch as pl
import torch
from torch import Tensor, nn

from grucast.models.rollout import recursive_forecast
from grucast.training.config import TrainConfig

MULTI_STEP = ("direct", "recursive")

_LOSSES = {
    "mse": nn.functional.mse_loss,
    "mae": nn.functional.l1_loss,
    "huber": nn.functional.huber_loss,
}


class ForecastModule(pl.LightningModule):
    """Trains a model that maps a batch's ``x`` ``(B, L, F)`` to ``(B, H, 1)`` forecasts.

    Args:
        model: a :mod:`grucast.models` forecaster. For ``multi_step="recursive"`` it
            must have ``horizon == 1``: it is trained on the first target step
            (teacher forcing) and rolled forward ``horizon`` steps to forecast.
        config: the training settings.
        horizon: steps forecast per window.
        multi_step: ``"direct"`` (all steps at once) or ``"recursive"``.
        monitor: the logged loss that drives early stopping, checkpoints and the
            plateau schedule: ``"val_loss"``, or ``"train_loss"`` with no validation data.
    """

    def __init__(
        self,
        model: nn.Module,
        config: TrainConfig,
        horizon: int,
        multi_step: str = "direct",
        monitor: str = "val_loss",
    ) -> None:
        super().__init__()
        if multi_step not in MULTI_STEP:
            raise ValueError(f"multi_step must be 'direct' or 'recursive', got {multi_step!r}")
        if multi_step == "recursive" and getattr(model, "horizon", 1) != 1:
            raise ValueError(
                f"multi_step='recursive' needs a one-step model (horizon=1), got horizon={model.horizon}"
            )
        self.model = model
        self.config = config
        self.horizon = horizon
        self.multi_step = multi_step
        self.monitor = monitor
        self._loss = _LOSSES[config.loss]

    def forward(self, batch: Mapping[str, Tensor]) -> Tensor:
        """Forecasts ``(B, horizon, 1)`` in the model's (scaled) units."""
        if self.multi_step == "recursive":
            return recursive_forecast(self.model, batch["x"], batch["known_future"], self.horizon)
        return self.model(batch["x"])

    def _batch_loss(self, batch: Mapping[str, Tensor]) -> Tensor:
        prediction = self.model(batch["x"])  # (B, H_model, 1)
        target = batch["y"][:, : prediction.shape[1]]
        return self._loss(prediction, target)

    def training_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> Tensor:
        loss = self._batch_loss(batch)
        size = batch["x"].shape[0]
        self.log("train_loss", loss, on_step=False, on_epoch=True, prog_bar=True, batch_size=size, sync_dist=True)
        self.log("lr", self.optimizers().param_groups[0]["lr"], on_step=False, on_epoch=True, batch_size=size, sync_dist=True)
        return loss

    def validation_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> Tensor:
        loss = self._batch_loss(batch)
        size = batch["x"].shape[0]
        self.log("val_loss", loss, on_step=False, on_epoch=True, prog_bar=True, batch_size=size, sync_dist=True)
        return loss

    def configure_optimizers(self) -> Any:
        optimiser = torch.optim.Adam(
            self.model.parameters(), lr=self.config.lr, weight_decay=self.config.weight_decay
        )
        if self.config.lr_schedule == "plateau":
            scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
                optimiser, factor=0.5, patience=max(1, self.config.patience // 2)
            )
            return {"optimizer": optimiser, "lr_scheduler": {"scheduler": scheduler, "monitor": self.monitor}}
        if self.config.lr_schedule == "cosine":
            scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=self.config.epochs)
            return {"optimizer": optimiser, "lr_scheduler": scheduler}
        return optimiser
