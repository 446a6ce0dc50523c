"""The LightningModule: one forecasting model, its loss, optimiser and schedule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import lightning.pytorch as pl
import torch
from torch import Tensor, nn

from grucast.models.losses import LOSS_NAMES, LOSSES, pinball_loss, seasonal_scaled_error
from grucast.models.rollout import recursive_forecast
from grucast.settings import Settings


class ForecastModule(pl.LightningModule):
    """Trains a model that maps a batch's ``x`` ``(B, L, F)`` to ``(B, H, 1)`` forecasts.

    Args:
        model: a :mod:`grucast.models` forecaster. With ``multi_step="recursive"`` it
            has ``horizon == 1``: it is trained on the first target step (teacher
            forcing) and rolled forward ``settings.horizon`` steps to forecast.
        settings: resolved settings (``horizon``, ``multi_step``, ``loss``, ``quantiles``,
            ``lr``, ``weight_decay``, ``lr_schedule``, ``patience`` are read here).
            With ``quantiles`` the loss is the pinball loss of every level
            (:func:`grucast.models.losses.pinball_loss`) and ``loss`` is not used.
        monitor: the logged loss that drives early stopping, checkpoints and the
            plateau schedule: ``"val_loss"``, or ``"train_loss"`` with no validation data.
    """

    def __init__(self, model: nn.Module, settings: Settings, monitor: str = "val_loss") -> None:
        super().__init__()
        if settings.multi_step == "recursive" and getattr(model, "horizon", 1) != 1:
            raise ValueError(
                f"multi_step='recursive' needs a one-step model (horizon=1), got horizon={model.horizon}"
            )
        self.model = model
        self.settings = settings
        self.horizon = settings.horizon
        self.multi_step = settings.multi_step
        self.monitor = monitor
        if settings.loss not in LOSS_NAMES:
            raise ValueError(f"loss {settings.loss!r} is not resolved: fit a pipeline and call resolved() first")
        self.register_buffer("levels", torch.tensor(settings.quantiles or (), dtype=torch.float32), persistent=False)

    def forward(self, batch: Mapping[str, Tensor]) -> Tensor:
        """Forecasts ``(B, horizon, Q)`` in the model's (scaled) units (``Q`` quantiles, or 1)."""
        context = {key: batch[key] for key in ("static", "categories") if key in batch}
        if self.multi_step == "recursive":
            return recursive_forecast(self.model, batch["x"], batch["known_future"], self.horizon, **context)
        return self._model_forecast(batch, self.horizon)

    def _model_forecast(self, batch: Mapping[str, Tensor], steps: int) -> Tensor:
        """The network's own output for a batch: ``steps`` horizon steps, each with its known inputs."""
        context = {key: batch[key] for key in ("static", "categories") if key in batch}
        future = batch["known_future"][:, :steps] if getattr(self.model, "n_future", 0) else None
        return self.model(batch["x"], future, **context)

    def _batch_loss(self, batch: Mapping[str, Tensor]) -> Tensor:
        # A one-step (recursive) model is trained on the first target step: teacher forcing.
        prediction = self._model_forecast(batch, getattr(self.model, "horizon", self.horizon))  # (B, H_model, Q)
        target = batch["y"][:, : prediction.shape[1]]
        if len(self.levels):
            return pinball_loss(prediction, target, self.levels)
        if self.settings.loss == "mase":
            return seasonal_scaled_error(
                prediction, target, batch["x"][:, :, 0], self.settings.season, batch.get("observed")
            )
        return LOSSES[self.settings.loss](prediction, target)

    def _weighted(self, batch: Mapping[str, Tensor]) -> tuple[Tensor, int]:
        """The batch's loss, and the batch size it stands for.

        A process's part of a global batch (sharded series) carries ``loss_weight``:
        the loss is scaled so that the processes' average is the global batch's
        mean, and it is logged as that batch's (see
        :class:`grucast.training.sampler.OwnedWindowBatches`).
        """
        loss = self._batch_loss(batch)
        size = batch["x"].shape[0]
        if "loss_weight" in batch:
            loss = loss * batch["loss_weight"]
            size = int(batch["global_size"])
        return loss, size

    def training_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> Tensor:
        loss, size = self._weighted(batch)
        self.log("train_loss", loss, on_step=False, on_epoch=True, prog_bar=True, batch_size=size, sync_dist=True)
        self.log("lr", self.optimizers().param_groups[0]["lr"], on_step=False, on_epoch=True, batch_size=size, sync_dist=True)
        return loss

    def validation_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> Tensor:
        loss, size = self._weighted(batch)
        self.log("val_loss", loss, on_step=False, on_epoch=True, prog_bar=True, batch_size=size, sync_dist=True)
        return loss

    def configure_optimizers(self) -> Any:
        settings = self.settings
        optimiser = torch.optim.Adam(self.model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
        if settings.lr_schedule == "plateau":
            scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
                optimiser, factor=0.5, patience=max(1, settings.patience // 2)
            )
            return {"optimizer": optimiser, "lr_scheduler": {"scheduler": scheduler, "monitor": self.monitor}}
        if settings.lr_schedule == "cosine":
            scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=settings.epochs)
            return {"optimizer": optimiser, "lr_scheduler": scheduler}
        return optimiser
