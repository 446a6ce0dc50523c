r"""The network a service runs: raw recent history in, forecasts in the data's units out.

:class:`ServingGraph` wraps a trained forecaster's network with everything between
a user's numbers and the network that is pure arithmetic, so that an exported file
(:mod:`grucast.api.export`) needs no grucast to run. For series :math:`b` with
per-series scaler constants :math:`c_b, s_b` (one per input column), raw inputs
:math:`X_b` (``lookback`` rows) and the horizon's known inputs :math:`K_b`,

.. math::
    \tilde X_b = \frac{X_b - c_b}{s_b} \odot m_b, \qquad
    \tilde K_b = \frac{K_b - c_b^{K}}{s_b^{K}},

with :math:`m_b` the observed-row mask (all ones unless the model was trained on
padded windows). The target channel is then window-normalised,
:math:`\tilde x_{t,0} \leftarrow (\tilde x_{t,0} - o_b) / \sigma_b` (see
:mod:`grucast.data.window_norm`), the network forecasts :math:`\hat{\tilde y}_{b,k}`,
and the output is

.. math::
    \hat y_{b,k} = (\hat{\tilde y}_{b,k}\,\sigma_b + o_b)\, s_{b,0} + c_{b,0},

clipped at zero for series never negative in training. The conformal band adds
:math:`\pm \rho_k` to :math:`\hat{\tilde y}` before the same map; a quantile model's
calibrated quantiles add the CQR shifts :math:`\delta_{k,j}`, and are made nested
outward from the median (:func:`grucast.api.intervals.nested`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

from grucast.models.rollout import recursive_forecast

_TINY = 1e-8  # as grucast.data.window_norm


class ServingGraph(nn.Module):
    """Scaling, window normalisation, the network, the bands and the way back to units.

    Args:
        network: the forecaster's network (an exportable copy, see :func:`grucast.api.export.exportable_network`).
        horizon: steps forecast.
        n_known: known inputs per forecast step (columns ``1 .. n_known`` of the inputs).
        window_norm: ``"none"``, ``"last"`` or ``"mean_std"``.
        recursive: roll a one-step network forward ``horizon`` steps.
        radius: ``(H,)`` the conformal band's half-width in model units.
        shift: ``(H, Q)`` CQR shifts of a quantile model (``None`` for a point model).
        median_index: position of the median among the network's outputs.
        masked: the model was trained on padded windows; an ``observed`` input says which rows are real.
        uses_static, uses_categories: the network reads static features / category indices.

    Inputs (in this order; the optional ones only when the model has them):
        * **history** ``(B, L, F)`` raw inputs, columns as the pipeline's ``feature_names_``.
        * **known_future** ``(B, H, K)`` raw known inputs of the forecast steps (when ``K > 0``).
        * **center**, **scale** ``(B, F)`` each series' scaler constants.
        * **clip_at_zero** ``(B,)`` 1.0 for series never negative in training, else 0.0.
        * **observed** ``(B, L)`` 1.0 on real rows, 0.0 on padding (``masked`` models).
        * **static** ``(B, n_static)`` encoded numeric static covariates.
        * **categories** ``(B, C)`` int64 category indices.

    Outputs: ``forecast``, ``lower``, ``upper`` ``(B, H)`` and, for a quantile model,
    ``quantiles`` ``(B, H, Q)``.
    """

    def __init__(
        self,
        network: nn.Module,
        *,
        horizon: int,
        n_known: int,
        window_norm: str,
        recursive: bool,
        radius: Sequence[float],
        shift: Sequence[Sequence[float]] | None,
        median_index: int,
        masked: bool,
        uses_static: bool,
        uses_categories: bool,
    ) -> None:
        super().__init__()
        self.network = network.eval()
        self.horizon, self.n_known = horizon, n_known
        self.window_norm, self.recursive = window_norm, recursive
        self.median_index, self.masked = median_index, masked
        self.uses_static, self.uses_categories = uses_static, uses_categories
        _register_bands(self, radius, shift)

    def input_names(self) -> list[str]:
        """The graph's input names, in argument order."""
        names = ["history"] + (["known_future"] if self.n_known else []) + ["center", "scale", "clip_at_zero"]
        names += ["observed"] if self.masked else []
        names += ["static"] if self.uses_static else []
        names += ["categories"] if self.uses_categories else []
        return names

    def output_names(self) -> list[str]:
        """The graph's output names, in order."""
        return ["forecast", "lower", "upper"] + (["quantiles"] if self.quantile_model else [])

    def forward(self, *inputs: Tensor) -> tuple[Tensor, ...]:
        given = dict(zip(self.input_names(), inputs))
        history, center, scale = given["history"], given["center"], given["scale"]
        x = (history - center[:, None, :]) / scale[:, None, :]  # (B, L, F)
        mask = given["observed"] if self.masked else None
        if mask is not None:
            x = x * mask[:, :, None]
        offset, spread = self._window_statistics(x[:, :, :1], mask)  # (B, 1, 1) each
        target = (x[:, :, :1] - offset) / spread
        if mask is not None:
            target = target * mask[:, :, None]
        x = torch.cat([target, x[:, :, 1:]], dim=2)
        future = None
        if self.n_known:
            known = slice(1, 1 + self.n_known)
            future = (given["known_future"] - center[:, None, known]) / scale[:, None, known]  # (B, H, K)
        context = {}
        if self.uses_static:
            context["static"] = given["static"]
        if self.uses_categories:
            context["categories"] = given["categories"]
        if self.recursive:
            pred = recursive_forecast(self.network, x, future, self.horizon, **context)
        else:
            pred = self.network(x, future, **context)  # (B, H, Q)
        m = self.median_index
        median = pred[:, :, m]  # (B, H)
        floor = given["clip_at_zero"][:, None]  # (B, 1)
        to_units = (spread[:, :, 0], offset[:, :, 0], scale[:, :1], center[:, :1], floor)
        outputs = [_units(value, *to_units) for value in (median, median - self.radius, median + self.radius)]
        if self.quantile_model:
            shifted = pred + self.shift[None]  # (B, H, Q)
            levels = [_units(shifted[:, :, j], *to_units) for j in range(shifted.shape[2])]
            outputs.append(torch.stack(_nested(levels, m), dim=2))
        return tuple(outputs)

    def _window_statistics(self, target: Tensor, mask: Tensor | None) -> tuple[Tensor, Tensor]:
        """:func:`grucast.data.window_norm.window_statistics` of the scaled target ``(B, L, 1)``."""
        ones = torch.ones_like(target[:, -1:, :])
        if self.window_norm == "last":
            return target[:, -1:, :], ones
        if self.window_norm == "mean_std":
            weight = torch.ones_like(target) if mask is None else mask[:, :, None]
            count = weight.sum(dim=1, keepdim=True)
            offset = (target * weight).sum(dim=1, keepdim=True) / count
            spread = (((target - offset) ** 2 * weight).sum(dim=1, keepdim=True) / count).sqrt()
            return offset, torch.where(spread > _TINY, spread, ones)
        return torch.zeros_like(ones), ones


def _units(value: Tensor, spread: Tensor, offset: Tensor, scale: Tensor, center: Tensor, floor: Tensor) -> Tensor:
    """Model units ``(B, H)`` to the data's: undo the window normalisation, the scaler, clip at zero where asked."""
    out = (value * spread + offset) * scale + center
    return torch.where(floor > 0.5, torch.clamp(out, min=0.0), out)


def _nested(levels: list[Tensor], middle: int) -> list[Tensor]:
    """Quantiles made non-decreasing outward from the median (a running max above it, a running min below)."""
    out = list(levels)
    for j in range(middle + 1, len(out)):
        out[j] = torch.maximum(out[j], out[j - 1])
    for j in range(middle - 1, -1, -1):
        out[j] = torch.minimum(out[j], out[j + 1])
    return out


class StepGraph(nn.Module):
    r"""One step of a recurrent forecaster with its state as input and output, for streaming services.

    .. math::
        h_t = f\big((x_t - c_b) / s_b,\ h_{t-1}\big), \qquad
        \hat y_{t+1..t+H} = \mathrm{decoder}(h_t^{(\text{last layer})}, \tilde K_b)\, s_{b,0} + c_{b,0}

    A service keeps :math:`h` per series: it starts from zeros, feeds the last
    ``lookback`` rows of the history one at a time (after which the forecast is the
    window model's), then one call per new row. Beyond the first ``lookback`` rows
    this is the approximate, stateful forecast of :mod:`grucast.api.stream`.

    Args:
        network: an exportable copy of a one-directional recurrent forecaster
            without a convolutional front end.
        radius, shift, median_index, uses_static, uses_categories: as for :class:`ServingGraph`.
        lstm: the encoder is an LSTM (its cell state is a second state input and output).

    Inputs: ``row`` ``(B, F)`` the raw features of :math:`x_t`; ``known_future``
    ``(B, H, K)`` when ``K > 0``; ``center``, ``scale`` ``(B, F)``; ``clip_at_zero``
    ``(B,)``; ``state`` ``(layers, B, hidden)``; ``cell`` (LSTM); ``static``, ``categories``.

    Outputs: ``next_state`` (and ``next_cell``), ``forecast``, ``lower``, ``upper`` ``(B, H)``,
    and ``quantiles`` ``(B, H, Q)`` for a quantile model.
    """

    def __init__(
        self, network: nn.Module, *, n_known: int, radius: Sequence[float], shift: Sequence[Sequence[float]] | None,
        median_index: int, uses_static: bool, uses_categories: bool, lstm: bool,
    ) -> None:
        super().__init__()
        self.network = network.eval()
        self.n_known, self.median_index, self.lstm = n_known, median_index, lstm
        self.uses_static, self.uses_categories = uses_static, uses_categories
        _register_bands(self, radius, shift)

    def input_names(self) -> list[str]:
        """The graph's input names, in argument order."""
        names = ["row"] + (["known_future"] if self.n_known else []) + ["center", "scale", "clip_at_zero", "state"]
        names += ["cell"] if self.lstm else []
        names += ["static"] if self.uses_static else []
        names += ["categories"] if self.uses_categories else []
        return names

    def output_names(self) -> list[str]:
        """The graph's output names, in order."""
        states = ["next_state"] + (["next_cell"] if self.lstm else [])
        return states + ["forecast", "lower", "upper"] + (["quantiles"] if self.quantile_model else [])

    def forward(self, *inputs: Tensor) -> tuple[Tensor, ...]:
        given = dict(zip(self.input_names(), inputs))
        center, scale = given["center"], given["scale"]
        x = ((given["row"] - center) / scale)[:, None, :]  # (B, 1, F)
        state = (given["state"], given["cell"]) if self.lstm else given["state"]
        _, next_state = self.network.encoder(x, state)
        hidden = next_state[0] if self.lstm else next_state
        future = None
        if self.n_known:
            known = slice(1, 1 + self.n_known)
            future = (given["known_future"] - center[:, None, known]) / scale[:, None, known]
        pred = self.network.decoder(hidden[-1], future, given.get("static"), given.get("categories"))  # (B, H, Q)
        m = self.median_index
        median = pred[:, :, m]
        ones = torch.ones_like(center[:, :1])
        to_units = (ones, torch.zeros_like(ones), scale[:, :1], center[:, :1], given["clip_at_zero"][:, None])
        outputs = [_units(value, *to_units) for value in (median, median - self.radius, median + self.radius)]
        if self.quantile_model:
            shifted = pred + self.shift[None]
            levels = [_units(shifted[:, :, j], *to_units) for j in range(shifted.shape[2])]
            outputs.append(torch.stack(_nested(levels, m), dim=2))
        states = list(next_state) if self.lstm else [next_state]
        return tuple(states + outputs)


def _register_bands(graph: nn.Module, radius: Any, shift: Any) -> None:
    """The calibrated bands as buffers: the symmetric radius per step, and CQR shifts for quantile models."""
    graph.register_buffer("radius", torch.tensor(radius, dtype=torch.float32).reshape(1, -1))
    graph.quantile_model = shift is not None
    if shift is not None:
        graph.register_buffer("shift", torch.tensor(shift, dtype=torch.float32))
