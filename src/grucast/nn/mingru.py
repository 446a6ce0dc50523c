r"""minGRU: a GRU whose gates ignore the previous state, trainable with a parallel scan.

From Feng et al. (2024), "Were RNNs All We Needed?" (arXiv:2410.01201). Their
Sec. 3.1 strips the GRU in two steps: the gates stop reading :math:`h_{t-1}`
(Sec. 3.1.1) and the candidate loses its :math:`\tanh` range restriction
(Sec. 3.1.2). What is left, per layer and per time step, is

.. math::
    \begin{array}{ll}
        z_t = \sigma(W_{iz} x_t + b_{iz}) \\
        \tilde{h}_t = g(W_{ih} x_t + b_{ih}) \\
        h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde{h}_t
    \end{array}

with the positive, continuous activation of the paper's log-space appendix

.. math::
    g(v) = \begin{cases} v + \tfrac{1}{2} & v \ge 0 \\ \sigma(v) & v < 0 \end{cases}

where :math:`x_t` is the layer's input at time :math:`t`, :math:`h_t` its state,
:math:`h_{t-1}` the state one step before (the initial state :math:`h_0` at the
first step), :math:`z_t` the update gate, :math:`\tilde{h}_t` the candidate state,
:math:`W_{iz}, W_{ih}` and :math:`b_{iz}, b_{ih}` the weights and biases,
:math:`\sigma` the logistic sigmoid and :math:`\odot` the elementwise product. The
update is written as in Chung et al. (2014) and the paper: :math:`z_t` is the
weight of the *new* candidate (``torch.nn.GRU`` uses the opposite convention).

Because no gate reads :math:`h_{t-1}`, the recurrence is linear in the state:

.. math::
    h_t = a_t \odot h_{t-1} + b_t, \qquad a_t = 1 - z_t, \qquad b_t = z_t \odot \tilde{h}_t,

and unrolls to

.. math::
    h_t = \Big(\prod_{s \le t} a_s\Big) h_0
          + \sum_{s \le t} \Big(\prod_{s < r \le t} a_r\Big) b_s .

Two ways to evaluate it are offered:

* ``"sequential"``: a plain loop over :math:`t` with the three equations above,
  the paper's inference form (Sec. 3.1.3, "sequential mode").
* ``"parallel"``: the paper's training form (Sec. 3.1.3 with the parallel scan of
  Sec. 2 and the log-space variant of its appendix; Heinsen 2023). With
  :math:`a^*_t = \log a_t`, :math:`A_t = \sum_{s \le t} a^*_s` and
  :math:`b^*_t = \log b_t`,

  .. math::
      h_t = e^{A_t} \odot h_0
            + \exp\Big(A_t + \operatorname{logcumsumexp}_{s \le t}\big(b^*_s - A_s\big)\Big),

  where every log is taken without forming the small number first:
  :math:`\log a_t = -\operatorname{softplus}(k^z_t)`,
  :math:`\log z_t = -\operatorname{softplus}(-k^z_t)` and
  :math:`\log g(v) = \log(\max(v, 0) + \tfrac{1}{2})` for :math:`v \ge 0`,
  :math:`-\operatorname{softplus}(-v)` for :math:`v < 0`, with
  :math:`k^z_t = W_{iz} x_t + b_{iz}`.

The log-space trick needs :math:`b_t > 0`, which :math:`z_t > 0` and :math:`g > 0`
guarantee, but it cannot take the logarithm of an initial state of any sign. So
the :math:`h_0` term is kept apart, as :math:`e^{A_t} \odot h_0` added to the scan
from a zero state; the paper instead folds :math:`\log h_0` into the scan, which
requires :math:`h_0 > 0`. The naive linear-space form
(:math:`\prod a`, then divide by it) overflows within a few hundred steps; nothing
here leaves log space until the final :math:`\exp`, whose argument is the log of a
state bounded by :math:`\max(|h_0|, \max g)`.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Literal

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from grucast.nn.checks import check_sequence, check_state

MinGRUMode = Literal["parallel", "sequential"]
MODES: tuple[str, ...] = ("parallel", "sequential")


def min_gru_g(v: Tensor) -> Tensor:
    r""":math:`g(v) = v + 1/2` for :math:`v \ge 0`, :math:`\sigma(v)` for :math:`v < 0`.

    Continuous at 0 (both sides give 1/2) and positive everywhere.
    """
    return torch.where(v >= 0, v.clamp_min(0) + 0.5, torch.sigmoid(v))


def min_gru_log_g(v: Tensor) -> Tensor:
    r""":math:`\log g(v)`, computed without underflow for very negative :math:`v`.

    Both branches are finite for every finite :math:`v` (the clamp keeps the
    argument of the log at least 1/2), so ``torch.where`` passes no NaN gradient.
    """
    return torch.where(v >= 0, torch.log(v.clamp_min(0) + 0.5), -F.softplus(-v))


def min_gru_step(k: Tensor, h: Tensor) -> Tensor:
    r"""One minGRU step from the input projection :math:`k_t = W_i x_t + b_i`.

    Args:
        k: :math:`(k^z_t \mid k^h_t)`, shape ``(B, 2H)``.
        h: :math:`h_{t-1}`, shape ``(B, H)``.

    Returns:
        :math:`h_t = (1 - z_t) \odot h_{t-1} + z_t \odot g(k^h_t)`, shape ``(B, H)``,
        with :math:`z_t = \sigma(k^z_t)`.
    """
    k_z, k_h = k.chunk(2, dim=-1)
    z = torch.sigmoid(k_z)
    return h + z * (min_gru_g(k_h) - h)


def min_gru_sequential(k: Tensor, h0: Tensor) -> Tensor:
    """All states of one layer by a loop over time (Sec. 3.1.3, sequential mode).

    Args:
        k: input projections for every step, shape ``(L, B, 2H)``.
        h0: initial state, shape ``(B, H)``.

    Returns:
        :math:`h_1, \\dots, h_L`, shape ``(L, B, H)``.
    """
    states = []
    h = h0
    for k_t in k.unbind(0):
        h = min_gru_step(k_t, h)
        states.append(h)
    return torch.stack(states)


def min_gru_parallel(k: Tensor, h0: Tensor) -> Tensor:
    r"""All states of one layer by a log-space scan (Sec. 3.1.3, parallel mode).

    Computes :math:`h_t = e^{A_t} h_0 + \exp(A_t + \operatorname{logcumsumexp}
    (b^*_s - A_s))`, see the module docstring. :math:`h_0` may have any sign.

    Args:
        k: input projections for every step, shape ``(L, B, 2H)``.
        h0: initial state, shape ``(B, H)``.

    Returns:
        :math:`h_1, \dots, h_L`, shape ``(L, B, H)``.
    """
    k_z, k_h = k.chunk(2, dim=-1)  # (L, B, 2H) -> two (L, B, H)
    log_a = -F.softplus(k_z)  # log(1 - z_t)
    log_b = -F.softplus(-k_z) + min_gru_log_g(k_h)  # log z_t + log g(k^h_t)
    big_a = torch.cumsum(log_a, dim=0)  # A_t, non-increasing in t
    from_zero = torch.exp(big_a + torch.logcumsumexp(log_b - big_a, dim=0))
    return from_zero + torch.exp(big_a) * h0.unsqueeze(0)


def _check_int(owner: str, name: str, value: object, minimum: int) -> None:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{owner}: {name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{owner}: {name} must be at least {minimum}, got {value}")


def _check_mode(owner: str, mode: object) -> None:
    if mode not in MODES:
        raise ValueError(
            f"{owner}: mode must be 'parallel' (log-space scan, for training) or 'sequential' "
            f"(a loop over time, for inference), got {mode!r}"
        )


class MinGRU(nn.Module):
    r"""Multi-layer minGRU (Feng et al. 2024, Sec. 3.1), a GRU without state-dependent gates.

    For each element of the input sequence, each layer computes

    .. math::
        \begin{array}{ll}
            z_t = \sigma(W_{iz} x_t + b_{iz}) \\
            \tilde{h}_t = g(W_{ih} x_t + b_{ih}) \\
            h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde{h}_t
        \end{array}

    where :math:`h_t` is the hidden state at time :math:`t`, :math:`x_t` the input
    at time :math:`t` (for layers above the first, the previous layer's
    :math:`h_t`, after dropout in training), :math:`h_{t-1}` the state at
    :math:`t-1` or the initial state at :math:`t = 0`, :math:`z_t` the update
    gate, :math:`\tilde{h}_t` the candidate state, :math:`\sigma` the logistic
    sigmoid, :math:`\odot` the elementwise product and :math:`g(v) = v + 1/2` for
    :math:`v \ge 0`, :math:`\sigma(v)` for :math:`v < 0` (positive, so the state
    can be scanned in log space).

    Since neither :math:`z_t` nor :math:`\tilde{h}_t` reads :math:`h_{t-1}`, every
    layer is the linear recurrence :math:`h_t = a_t \odot h_{t-1} + b_t` with
    :math:`a_t = 1 - z_t` and :math:`b_t = z_t \odot \tilde{h}_t`. ``mode`` picks how
    it is evaluated; both give the same numbers up to rounding:

    * ``"parallel"`` (default): a log-space prefix scan over the whole sequence,
      :math:`h_t = e^{A_t} h_0 + \exp(A_t + \operatorname{logcumsumexp}_{s \le t}
      (\log b_s - A_s))` with :math:`A_t = \sum_{s \le t} \log a_s`; no Python loop
      over time, the paper's training form.
    * ``"sequential"``: a loop over :math:`t`, the paper's inference form.

    :meth:`step` advances all layers by one time step, for recursive forecasting.

    Departures from the paper: the update convention is the paper's (and Chung et
    al. 2014's), not ``torch.nn.GRU``'s, where :math:`z_t` weighs :math:`h_{t-1}`.
    The initial state may be any real tensor: its term :math:`e^{A_t} h_0` is added
    outside the log-space scan, which the paper's form (with :math:`\log h_0`) does
    not allow. There is no bidirectional variant.

    Args:
        input_size: :math:`H_{in}`, the number of features of :math:`x_t`.
        hidden_size: :math:`H`, the number of features of :math:`h_t`.
        num_layers: stacked layers. Default: 1.
        bias: use the biases :math:`b_{iz}` and :math:`b_{ih}`. Default: ``True``.
        batch_first: inputs and outputs are ``(N, L, ·)`` instead of ``(L, N, ·)``
            (the hidden state keeps ``(num_layers, N, H)``). Default: ``False``.
        dropout: probability of dropout on the outputs of every layer but the last,
            in training. Default: 0.
        device, dtype: where and how to create the parameters.
        mode: ``"parallel"`` (default) or ``"sequential"``; may be changed later by
            assigning ``module.mode``.

    Inputs: input, h_0
        * **input**: ``(L, H_in)`` unbatched, ``(L, N, H_in)``, or ``(N, L, H_in)``
          with ``batch_first=True``.
        * **h_0**: ``(num_layers, H)`` unbatched or ``(num_layers, N, H)``; zeros if
          not given. Any sign is allowed.

    Outputs: output, h_n
        * **output**: ``(L, H)``, ``(L, N, H)`` or ``(N, L, H)``: the last layer's
          :math:`h_t` for every :math:`t`.
        * **h_n**: ``(num_layers, H)`` or ``(num_layers, N, H)``: every layer's
          final state.

        where :math:`N` is the batch size and :math:`L` the sequence length.

    Attributes:
        weight_ih_l[k]: :math:`(W_{iz} | W_{ih})` of layer k, shape ``(2H, H_in)``
            for k = 0, else ``(2H, H)``.
        bias_ih_l[k]: :math:`(b_{iz} | b_{ih})`, shape ``(2H,)``.

    All parameters start from :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})`,
    :math:`k = 1 / H`, as in ``torch.nn.GRU``.

    Note:
        In float32 the parallel mode loses about :math:`|A_t| \cdot 2^{-24}` of
        relative precision at step :math:`t` (the scan adds and subtracts
        :math:`A_t`): about 1e-4 to 1e-3 after 2048 steps with typical to
        large gate pre-activations. Use float64 or ``mode="sequential"`` where that matters.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        *,
        mode: MinGRUMode = "parallel",
    ) -> None:
        super().__init__()
        _check_int("MinGRU", "input_size", input_size, 1)
        _check_int("MinGRU", "hidden_size", hidden_size, 1)
        _check_int("MinGRU", "num_layers", num_layers, 1)
        for name, flag in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(flag, bool):
                raise TypeError(f"MinGRU: {name} must be True or False, got {flag!r}")
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real):
            raise TypeError(f"MinGRU: dropout must be a float in [0, 1], got {dropout!r}")
        if not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"MinGRU: dropout must be in [0, 1], got {dropout}")
        _check_mode("MinGRU", mode)
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                f"MinGRU: dropout={dropout} has no effect with num_layers=1: it applies between "
                "stacked layers. Use num_layers >= 2 or dropout=0.",
                UserWarning,
                stacklevel=2,
            )
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.num_layers = int(num_layers)
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.mode = mode

        factory = {"device": device, "dtype": dtype}
        for layer in range(self.num_layers):
            layer_in = self.input_size if layer == 0 else self.hidden_size
            # rows (z | h~): (2H, H_in)
            weight = nn.Parameter(torch.empty(2 * self.hidden_size, layer_in, **factory))
            self.register_parameter(f"weight_ih_l{layer}", weight)
            if bias:
                self.register_parameter(
                    f"bias_ih_l{layer}", nn.Parameter(torch.empty(2 * self.hidden_size, **factory))
                )
        self.reset_parameters()

    @property
    def mode(self) -> MinGRUMode:
        """``"parallel"`` or ``"sequential"``: how :meth:`forward` runs the recurrence."""
        return self._mode

    @mode.setter
    def mode(self, value: MinGRUMode) -> None:
        _check_mode("MinGRU", value)
        self._mode = value

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)

    def _layer_params(self, layer: int) -> tuple[Tensor, Tensor | None]:
        weight = getattr(self, f"weight_ih_l{layer}")
        bias = getattr(self, f"bias_ih_l{layer}") if self.bias else None
        return weight, bias

    def _check_input(self, input: Tensor, hx: Tensor | None) -> bool:
        return check_sequence(
            "MinGRU",
            input,
            hx,
            input_size=self.input_size,
            hidden_size=self.hidden_size,
            state_layers=self.num_layers,
            batch_first=self.batch_first,
        )

    def _between_layers(self, x: Tensor, layer: int) -> Tensor:
        # Dropout on every layer's output but the last, in training (as torch.nn.GRU).
        if self.dropout > 0 and self.training and layer < self.num_layers - 1:
            return F.dropout(x, p=self.dropout, training=True)
        return x

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        batched = self._check_input(input, hx)
        if not batched:
            input = input.unsqueeze(1)  # (L, F) -> (L, 1, F)
            hx = hx.unsqueeze(1) if hx is not None else None
        elif self.batch_first:
            input = input.transpose(0, 1)  # (N, L, F) -> (L, N, F)
        batch = input.shape[1]
        if hx is None:
            hx = input.new_zeros(self.num_layers, batch, self.hidden_size)

        scan = min_gru_parallel if self.mode == "parallel" else min_gru_sequential
        layer_input = input
        finals: list[Tensor] = []
        for layer in range(self.num_layers):
            weight, bias = self._layer_params(layer)
            k = F.linear(layer_input, weight, bias)  # (L, N, 2H), all steps in one matmul
            states = scan(k, hx[layer])  # (L, N, H)
            finals.append(states[-1])
            layer_input = self._between_layers(states, layer)

        output, h_n = layer_input, torch.stack(finals)
        if not batched:
            return output.squeeze(1), h_n.squeeze(1)
        if self.batch_first:
            output = output.transpose(0, 1)
        return output, h_n

    def step(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Advance every layer by one time step (the paper's sequential mode).

        Feeding a sequence one step at a time through :meth:`step`, passing the
        returned state back in, gives the same outputs as :meth:`forward` on the
        whole sequence.

        Args:
            input: :math:`x_t`, shape ``(N, H_in)`` or ``(H_in,)`` unbatched.
            hx: :math:`h_{t-1}` of every layer, shape ``(num_layers, N, H)`` or
                ``(num_layers, H)``; zeros if not given.

        Returns:
            ``(output, h_n)``: the last layer's :math:`h_t`, shape ``(N, H)`` or
            ``(H,)``, and every layer's :math:`h_t`, shape ``(num_layers, N, H)`` or
            ``(num_layers, H)``.
        """
        if not isinstance(input, Tensor):
            raise TypeError(f"MinGRU.step: input must be a Tensor, got {type(input).__name__}")
        if input.dim() not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(
                f"MinGRU.step: expected one time step of shape (N, {self.input_size}) or "
                f"({self.input_size},), got {tuple(input.shape)}; for a whole sequence call the "
                "module itself"
            )
        batched = input.dim() == 2
        if hx is not None:
            batch = (input.shape[0],) if batched else ()
            check_state("MinGRU", hx, input, (self.num_layers, *batch, self.hidden_size), "num_layers")
        if not batched:
            input = input.unsqueeze(0)  # (F,) -> (1, F)
            hx = hx.unsqueeze(1) if hx is not None else None
        if hx is None:
            hx = input.new_zeros(self.num_layers, input.shape[0], self.hidden_size)

        layer_input = input
        states: list[Tensor] = []
        for layer in range(self.num_layers):
            weight, bias = self._layer_params(layer)
            h = min_gru_step(F.linear(layer_input, weight, bias), hx[layer])  # (N, H)
            states.append(h)
            layer_input = self._between_layers(h, layer)

        output, h_n = layer_input, torch.stack(states)
        if not batched:
            return output.squeeze(0), h_n.squeeze(1)
        return output, h_n

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        defaults = {
            "num_layers": 1,
            "bias": True,
            "batch_first": False,
            "dropout": 0.0,
            "mode": "parallel",
        }
        for name, default in defaults.items():
            value = getattr(self, name)
            if value != default:
                text += f", {name}={value!r}"
        return text
