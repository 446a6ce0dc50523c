"""GRU forecasters: stacked GRU (``gru``) and bidirectional GRU (``bigru``)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

import grucast.nn
from grucast.models.base import RecurrentForecaster

BACKENDS = ("auto", "grucast", "torch")
# The grucast.nn.GRU engine behind each grucast backend.
_ENGINE_OF_BACKEND = {"auto": "auto", "grucast": "native"}


class GRUForecaster(RecurrentForecaster):
    """Stacked GRU encoder with inter-layer dropout and a direct multi-horizon head.

    Args:
        backend: what runs the GRU; all three have the same parameters (names,
            shapes, ``state_dict``) and give the same numbers on the same weights.

            * ``"auto"`` (default): :class:`grucast.nn.GRU` on the fastest exact path
              of the device it runs on: the fused C++ kernel on the CPU; on CUDA,
              cuDNN (torch's GRU operator) for ``reset_after=True`` in either update
              convention, and a ``torch.compile``'d loop for ``reset_after=False``.
            * ``"grucast"``: :class:`grucast.nn.GRU` on grucast's own code only (the
              fused kernel on the CPU, the compiled loop on CUDA), e.g. to compare.
            * ``"torch"``: a :class:`torch.nn.GRU` module (``reset_after=True``,
              ``update_convention="cho"`` only).

            :meth:`gru_engine` says which engine computes on a given device.
        bidirectional: also read the window backwards.
        reset_after, update_convention: GRU variants, see :mod:`grucast.nn.functional`.
        Other arguments (``decoder`` included: ``n_future``, ``n_static``,
            ``category_sizes``, ``quantiles``): see :class:`~grucast.models.base.RecurrentForecaster`.
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
        backend: str = "auto",
        reset_after: bool = True,
        update_convention: str = "cho",
        **decoder: Any,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"{type(self).__name__}: backend must be one of {BACKENDS}, got {backend!r}")
        if backend == "torch" and (not reset_after or update_convention != "cho"):
            raise ValueError(
                f"{type(self).__name__}: torch.nn.GRU only has reset_after=True and "
                f"update_convention='cho' (got reset_after={reset_after}, update_convention="
                f"{update_convention!r}); use backend='auto' instead of 'torch' (cuDNN on CUDA where "
                "it computes the variant, a torch.compile'd loop where it does not, the fused "
                "kernel on the CPU)"
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
        return grucast.nn.GRU(
            **args,
            reset_after=self.reset_after,
            update_convention=self.update_convention,
            engine=_ENGINE_OF_BACKEND[self.backend],
        )

    def gru_engine(self, device: torch.device | str | None = None) -> str:
        """The engine that computes the GRU on ``device`` (default: where the model lies).

        One of ``"fused"``, ``"torch"`` (torch's GRU operator: cuDNN on CUDA),
        ``"compiled"`` or ``"autograd"``; :data:`grucast.nn.gru.ENGINE_NOTES`
        describes each in a line.
        """
        if self.backend == "torch":
            return "torch"
        return self.encoder.engine_for(device)

    def encoder_input_size(self) -> int:
        return self.input_size


class BiGRUForecaster(GRUForecaster):
    """A :class:`GRUForecaster` that reads the window in both directions (seed 003)."""

    name = "bigru"

    def __init__(self, *args, **kwargs) -> None:
        kwargs["bidirectional"] = True
        super().__init__(*args, **kwargs)
