"""GRU forecasters: stacked GRU (``gru``) and bidirectional GRU (``bigru``)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

import grucast.nn
from grucast.models.base import RecurrentForecaster

BACKENDS = ("grucast", "torch")


class GRUForecaster(RecurrentForecaster):
    """Stacked GRU encoder with inter-layer dropout and a direct multi-horizon head.

    Args:
        backend: ``"grucast"`` (default: :class:`grucast.nn.GRU`, fused C++ kernel on
            the CPU) or ``"torch"`` (:class:`torch.nn.GRU`, cuDNN on a GPU). Both have
            the same parameters and give the same numbers on the same weights.
        bidirectional: also read the window backwards.
        reset_after, update_convention: GRU variants, see :mod:`grucast.nn.functional`
            (grucast backend only).
        Other arguments (``decoder`` included: ``n_future``, ``n_static``,
            ``category_sizes``): see :class:`~grucast.models.base.RecurrentForecaster`.
    """

    name = "gru"
    supports_bidirectional = True

    def __init__(
        self,
        input_size: int,
        horizon: int,
        num_targets: int = 1,
        hidden_size: int = 64,
        num_layers: int = 2,
        dropout: float = 0.0,
        *,
        bidirectional: bool = False,
        backend: str = "grucast",
        reset_after: bool = True,
        update_convention: str = "cho",
        **decoder: Any,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"{type(self).__name__}: backend must be one of {BACKENDS}, got {backend!r}")
        if backend == "torch" and (not reset_after or update_convention != "cho"):
            raise ValueError(
                f"{type(self).__name__}: torch.nn.GRU only has reset_after=True and "
                "update_convention='cho'; use backend='grucast' for the other variants"
            )
        self.bidirectional = bool(bidirectional)
        self.backend = backend
        self.reset_after = reset_after
        self.update_convention = update_convention
        super().__init__(input_size, horizon, num_targets, hidden_size, num_layers, dropout, **decoder)

    def build_encoder(self) -> nn.Module:
        args = dict(
            input_size=self.encoder_input_size(),
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            dropout=self.dropout if self.num_layers > 1 else 0.0,
            bidirectional=self.bidirectional,
            batch_first=True,
        )
        if self.backend == "torch":
            return torch.nn.GRU(**args)
        return grucast.nn.GRU(**args, reset_after=self.reset_after, update_convention=self.update_convention)

    def encoder_input_size(self) -> int:
        return self.input_size


class BiGRUForecaster(GRUForecaster):
    """A :class:`GRUForecaster` that reads the window in both directions (seed 003)."""

    name = "bigru"

    def __init__(self, *args, **kwargs) -> None:
        kwargs["bidirectional"] = True
        super().__init__(*args, **kwargs)
