"""minGRU (``mingru``): stacked minGRU layers (Feng et al. 2024) with a direct head."""

from __future__ import annotations

from torch import nn

from grucast.models.base import RecurrentForecaster
from grucast.nn import MinGRU


class MinGRUForecaster(RecurrentForecaster):
    """Stacked :class:`grucast.nn.mingru.MinGRU` encoder, trained with the parallel scan."""

    name = "mingru"

    def build_encoder(self) -> nn.Module:
        return MinGRU(
            self.input_size,
            self.hidden_size,
            self.num_layers,
            batch_first=True,
            dropout=self.dropout if self.num_layers > 1 else 0.0,
        )
