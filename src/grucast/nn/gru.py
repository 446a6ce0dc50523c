r"""A multi-layer GRU written from its gate equations, a drop-in for ``torch.nn.GRU``."""

from __future__ import annotations

import math
import numbers
import warnings

import torch
from torch import Tensor, _VF, nn

from grucast.nn.checks import check_sequence
from grucast.nn.functional import UPDATE_CONVENTIONS, UpdateConvention
from grucast.nn.recurrence import fused_supports, gru_sequence

#: What computes the recurrence; ``auto`` and ``native`` resolve to one of the others
#: per device (see :meth:`GRU.engine_for`).
ENGINES: tuple[str, ...] = ("auto", "native", "fused", "torch", "compiled", "autograd")

#: One line per concrete engine, for logs and run notes.
ENGINE_NOTES: dict[str, str] = {
    "fused": "grucast's fused C++ kernel (CPU)",
    "torch": "torch's own GRU operator, the one torch.nn.GRU runs (cuDNN on CUDA)",
    "compiled": "grucast's step loop compiled by torch.compile (one graph for all steps)",
    "autograd": "grucast's step loop, eager, recorded by autograd",
}

# The cuDNN weight-compaction notice: the "torch" engine hands torch's operator
# separate weight tensors (mapped from the "chung" convention when needed), which it
# packs itself, a copy of the weights per call (not of the activations). Silenced
# only for calls made from this module.
warnings.filterwarnings(
    "ignore", message=r"RNN module weights are not part of single contiguous chunk", module=__name__
)


def check_gru_options(
    owner: str,
    input_size: int,
    hidden_size: int,
    bias: bool,
    reset_after: bool,
    update_convention: str,
) -> None:
    """Constructor checks shared by :class:`GRU` and :class:`GRUCell`."""
    for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            raise TypeError(f"{owner}: {name} must be an int, got {type(value).__name__} {value!r}")
        if value <= 0:
            raise ValueError(f"{owner}: {name} must be a positive integer, got {value}")
    for name, flag in (("bias", bias), ("reset_after", reset_after)):
        if not isinstance(flag, bool):
            raise TypeError(f"{owner}: {name} must be True or False, got {flag!r}")
    if update_convention not in UPDATE_CONVENTIONS:
        raise ValueError(
            f"{owner}: update_convention must be 'cho' (h = z*h_prev + (1-z)*n) or 'chung' "
            f"(h = (1-z)*h_prev + z*n), got {update_convention!r}"
        )


def _cho_rows(param: Tensor, hidden: int) -> Tensor:
    """A "chung" parameter as the "cho" one of the same model: the z rows negated.

    :math:`1 - \\sigma(a) = \\sigma(-a)`, so :math:`(1 - z) h + z n` with
    :math:`z = \\sigma(W_{iz} x + b_{iz} + W_{hz} h + b_{hz})` is
    :math:`z' h + (1 - z') n` with :math:`z'` computed from the negated
    :math:`W_{\\cdot z}, b_{\\cdot z}`. Rows are stacked ``(r | z | n)``.
    """
    return torch.cat((param[:hidden], -param[hidden : 2 * hidden], param[2 * hidden :]))


class GRU(nn.Module):
    r"""Multi-layer gated recurrent unit (GRU), written from its equations.

    For each element of the input sequence, each layer computes

    .. math::
        \begin{array}{ll}
            r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\
            z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
            n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})) \\
            h_t = z_t \odot h_{t-1} + (1 - z_t) \odot n_t
        \end{array}

    where :math:`h_t` is the hidden state at time :math:`t`, :math:`x_t` the input
    at time :math:`t` (for layers above the first, the previous layer's
    :math:`h_t`, after dropout in training), :math:`h_{t-1}` the state at
    :math:`t-1` or the initial state at :math:`t = 0`, :math:`r_t`, :math:`z_t`,
    :math:`n_t` the reset gate, update gate and candidate state, :math:`\sigma`
    the logistic sigmoid and :math:`\odot` the elementwise product.

    These are the equations of ``torch.nn.GRU``, and with the defaults this module
    is a drop-in for it: the same arguments, parameter names and shapes, gate order,
    inputs, outputs and initialisation, so a ``state_dict`` loads both ways. Two
    options go beyond it (see :mod:`grucast.nn.functional` for the equations):

    * ``reset_after=False`` applies the reset gate before the recurrent matmul,
      :math:`n_t = \tanh(W_{in} x_t + b_{in} + W_{hn}(r_t \odot h_{t-1}) + b_{hn})`,
      as in Cho et al. (2014) and Keras ``reset_after=False``. A different model.
    * ``update_convention="chung"`` writes the update as
      :math:`h_t = (1 - z_t) \odot h_{t-1} + z_t \odot n_t` (Chung et al. 2014). The
      same model family with the sign of the update gate's parameters flipped.

    Speed: with ``engine="auto"`` each device gets its fastest exact path
    (:meth:`engine_for` says which). On the CPU (float32/float64) the time loop runs
    in a fused C++ kernel with hand-written backpropagation through time, after the
    input projection :math:`W_i x_t` of all steps as one matmul
    (:mod:`grucast.nn.recurrence`); under ``torch.autocast("cpu",
    dtype=torch.bfloat16)`` the kernel's matmuls read bfloat16 and accumulate in
    float32 while its gate math and state stay float32 (where the processor has
    bf16 matmuls; elsewhere it computes in float32 after one warning). On CUDA, ``reset_after=True`` runs torch's own
    GRU operator (cuDNN) on the same parameters, the "chung" convention mapped to
    "cho" by negating the update gate's rows; ``reset_after=False``, which cuDNN
    does not compute, runs the step loop compiled by ``torch.compile``. Elsewhere a
    PyTorch loop computes the same numbers.

    Args:
        input_size: :math:`H_{in}`, the number of features of :math:`x_t`.
        hidden_size: :math:`H`, the number of features of :math:`h_t`.
        num_layers: stacked layers. Default: 1.
        bias: use the biases :math:`b_{i\cdot}` and :math:`b_{h\cdot}`. Default: ``True``.
        batch_first: inputs and outputs are ``(N, L, ·)`` instead of ``(L, N, ·)``
            (the hidden state keeps ``(D * num_layers, N, H)``). Default: ``False``.
        dropout: probability of dropout on the outputs of every layer but the last,
            in training. Default: 0.
        bidirectional: add a layer that reads the sequence backwards; outputs of the
            two directions are concatenated. Default: ``False``.
        device, dtype: where and how to create the parameters.
        reset_after: reset gate after (``True``, PyTorch) or before (``False``,
            Cho et al. 2014) the recurrent matmul. Default: ``True``.
        update_convention: ``"cho"`` (default, PyTorch) or ``"chung"``.
        engine: what computes the recurrence. ``"auto"`` (default): the fastest
            exact path for the device; ``"native"``: grucast's own code only (the
            fused kernel on the CPU, the compiled loop on CUDA); or one engine by
            name: ``"fused"``, ``"torch"``, ``"compiled"``, ``"autograd"`` (see
            :data:`ENGINE_NOTES`).

    Inputs: input, h_0
        * **input**: ``(L, H_in)`` unbatched, ``(L, N, H_in)``, or ``(N, L, H_in)``
          with ``batch_first=True``.
        * **h_0**: ``(D * num_layers, H)`` unbatched or ``(D * num_layers, N, H)``;
          zeros if not given.

    Outputs: output, h_n
        * **output**: ``(L, D * H)``, ``(L, N, D * H)`` or ``(N, L, D * H)``: the last
          layer's :math:`h_t` for every :math:`t` (both directions concatenated).
        * **h_n**: ``(D * num_layers, H)`` or ``(D * num_layers, N, H)``: every
          layer's and direction's final state.

        where :math:`N` is the batch size, :math:`L` the sequence length and
        :math:`D` 2 if bidirectional else 1.

    Attributes:
        weight_ih_l[k]: :math:`(W_{ir} | W_{iz} | W_{in})` of layer k, shape
            ``(3H, H_in)`` for k = 0, else ``(3H, D * H)``.
        weight_hh_l[k]: :math:`(W_{hr} | W_{hz} | W_{hn})`, shape ``(3H, H)``.
        bias_ih_l[k], bias_hh_l[k]: shape ``(3H,)``.
        ``*_reverse``: the same for the backward direction.

    All parameters start from :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})`,
    :math:`k = 1 / H`, as in PyTorch.

    Note:
        ``PackedSequence`` inputs are not supported: pad the batch and use the
        output at each sequence's own last step.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        *,
        reset_after: bool = True,
        update_convention: UpdateConvention = "cho",
        engine: str = "auto",
    ) -> None:
        super().__init__()
        check_gru_options("GRU", input_size, hidden_size, bias, reset_after, update_convention)
        if not isinstance(num_layers, numbers.Integral) or isinstance(num_layers, bool):
            raise TypeError(f"GRU: num_layers must be an int, got {type(num_layers).__name__}")
        if num_layers < 1:
            raise ValueError(f"GRU: num_layers must be at least 1, got {num_layers}")
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Number):
            raise TypeError(f"GRU: dropout must be a float in [0, 1], got {dropout!r}")
        if not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"GRU: dropout must be in [0, 1], got {dropout}")
        if engine not in ENGINES:
            raise ValueError(f"GRU: engine must be one of {ENGINES}, got {engine!r}")
        if engine == "torch" and not reset_after:
            raise ValueError(
                "GRU: engine='torch' runs torch's GRU operator, which only has reset_after=True; "
                "for reset_after=False use engine='auto' (the fused kernel on the CPU, a "
                "torch.compile'd loop on CUDA) or engine='compiled'"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                f"GRU: dropout={dropout} has no effect with num_layers=1: it applies between "
                "stacked layers. Use num_layers >= 2 or dropout=0.",
                UserWarning,
                stacklevel=2,
            )
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.num_layers = int(num_layers)
        self.bias = bias
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        self.reset_after = reset_after
        self.update_convention: UpdateConvention = update_convention
        self.engine = engine

        factory = {"device": device, "dtype": dtype}
        directions = 2 if bidirectional else 1
        gates = 3 * hidden_size
        self._param_names: list[tuple[str, ...]] = []
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                names = [f"weight_ih{suffix}", f"weight_hh{suffix}"]
                self.register_parameter(names[0], nn.Parameter(torch.empty(gates, layer_in, **factory)))
                self.register_parameter(names[1], nn.Parameter(torch.empty(gates, hidden_size, **factory)))
                if bias:
                    names += [f"bias_ih{suffix}", f"bias_hh{suffix}"]
                    self.register_parameter(names[2], nn.Parameter(torch.empty(gates, **factory)))
                    self.register_parameter(names[3], nn.Parameter(torch.empty(gates, **factory)))
                self._param_names.append(tuple(names))
        self.reset_parameters()
        self.flatten_parameters()

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)

    def flatten_parameters(self) -> None:
        """On CUDA, lay the parameters out in the one block of memory cuDNN reads.

        Where cuDNN computes this GRU (``reset_after=True``, the "cho" rows), the
        parameters become views into one contiguous buffer in cuDNN's order, the
        layout ``torch.nn.GRU`` keeps; otherwise cuDNN would copy them into that
        layout on every call (and warn each time). Elsewhere, a no-op. Called after
        every move (``.to``, ``.cuda``), as ``torch.nn.GRU`` does.
        """
        weights = [p for layer in range(self.num_layers) for direction in range(self.num_directions)
                   for p in self._layer_params(layer, direction) if p is not None]
        first = weights[0]
        if not (first.is_cuda and self.reset_after and self.update_convention == "cho"):
            return
        if any(w.dtype != first.dtype or not w.is_cuda for w in weights):
            return
        if not torch.backends.cudnn.is_acceptable(first):
            return
        if len({w.data_ptr() for w in weights}) != len(weights):  # shared parameters: leave them be
            return
        from torch.backends.cudnn import rnn as cudnn_rnn

        with torch.no_grad():
            torch._cudnn_rnn_flatten_weight(
                weights, 4 if self.bias else 2, self.input_size, cudnn_rnn.get_cudnn_mode("GRU"),
                self.hidden_size, 0, self.num_layers, self.batch_first, self.bidirectional,
            )

    def _apply(self, fn, recurse: bool = True):  # type: ignore[no-untyped-def]
        module = super()._apply(fn, recurse)
        self.flatten_parameters()
        return module

    def _layer_params(self, layer: int, direction: int) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        names = self._param_names[layer * self.num_directions + direction]
        params = [getattr(self, n) for n in names]
        if not self.bias:
            params += [None, None]
        return params[0], params[1], params[2], params[3]

    def engine_for(self, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> str:
        """The engine that computes this layer's recurrence on ``device``.

        Args:
            device: where the input lies; default: where the parameters lie.
            dtype: the input's dtype; default: the parameters'.

        Returns:
            ``"fused"``, ``"torch"``, ``"compiled"`` or ``"autograd"`` (see
            :data:`ENGINE_NOTES`): ``engine`` itself when it names one, else what
            ``"auto"`` or ``"native"`` resolve to there.
        """
        if self.engine not in ("auto", "native"):
            return self.engine
        first = self.weight_ih_l0
        device = torch.device(device) if device is not None else first.device
        dtype = dtype if dtype is not None else first.dtype
        if device.type == "cpu":
            return "fused" if fused_supports(first.dtype, dtype) else "autograd"
        if device.type == "cuda":
            return "torch" if self.engine == "auto" and self.reset_after else "compiled"
        return "autograd"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        batched = check_sequence(
            "GRU",
            input,
            hx,
            input_size=self.input_size,
            hidden_size=self.hidden_size,
            state_layers=self.num_layers * self.num_directions,
            batch_first=self.batch_first,
            layers="num_layers * num_directions",
        )
        if not batched:
            input = input.unsqueeze(1)  # (L, F) -> (L, 1, F)
            hx = hx.unsqueeze(1) if hx is not None else None
        elif self.batch_first:
            input = input.transpose(0, 1)  # (N, L, F) -> (L, N, F)
        steps, batch = input.shape[:2]
        if hx is None:
            hx = input.new_zeros(self.num_layers * self.num_directions, batch, self.hidden_size)

        dtype = input.dtype
        if torch.is_autocast_enabled(input.device.type):  # the matmuls' dtype, not the input's
            dtype = torch.get_autocast_dtype(input.device.type)
        engine = self.engine_for(input.device, dtype)
        if engine == "torch":
            output, h_n = self._torch_operator(input, hx)
        else:
            output, h_n = self._layers(input, hx, engine)
        if not batched:
            return output.squeeze(1), h_n.squeeze(1)
        if self.batch_first:
            output = output.transpose(0, 1)
        return output, h_n

    def _torch_operator(self, input: Tensor, hx: Tensor) -> tuple[Tensor, Tensor]:
        """All layers in torch's GRU operator (cuDNN on CUDA); input ``(L, N, F)``."""
        weights: list[Tensor] = []
        for layer in range(self.num_layers):
            for direction in range(self.num_directions):
                params = [p for p in self._layer_params(layer, direction) if p is not None]
                if self.update_convention == "chung":
                    params = [_cho_rows(p, self.hidden_size) for p in params]
                weights += params
        with warnings.catch_warnings():
            if self.update_convention == "chung":  # the mapped rows are new tensors: cuDNN packs them, as intended
                warnings.filterwarnings("ignore", message="RNN module weights are not part of single contiguous")
            output, h_n = _VF.gru(
                input, hx.contiguous(), weights, self.bias, self.num_layers, self.dropout,
                self.training, self.bidirectional, False,
            )
        return output, h_n

    def _layers(self, input: Tensor, hx: Tensor, engine: str) -> tuple[Tensor, Tensor]:
        """Layer by layer, direction by direction, through :func:`gru_sequence`."""
        layer_input = input
        finals: list[Tensor] = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                w_ih, w_hh, b_ih, b_hh = self._layer_params(layer, direction)
                # (L, N, 3H), hoisted; the fused kernel adds b_ih itself (and sums its
                # gradient in its own pass).
                fused = engine == "fused"
                x_proj = nn.functional.linear(layer_input, w_ih, None if fused else b_ih)
                if direction == 1:
                    x_proj = x_proj.flip(0)
                out, h_last = gru_sequence(
                    x_proj,
                    hx[layer * self.num_directions + direction],
                    w_hh,
                    b_hh,
                    reset_after=self.reset_after,
                    update_convention=self.update_convention,
                    engine=engine,
                    bias_ih=b_ih if fused else None,
                )
                # Free the projection now, not when the next layer's replaces it: it is
                # the largest buffer of the step and nothing saved it for backward.
                del x_proj
                outputs.append(out.flip(0) if direction == 1 else out)
                finals.append(h_last)
            layer_input = outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=-1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = nn.functional.dropout(layer_input, p=self.dropout, training=True)

        return layer_input, torch.stack(finals)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        defaults = {
            "num_layers": 1,
            "bias": True,
            "batch_first": False,
            "dropout": 0.0,
            "bidirectional": False,
            "reset_after": True,
            "update_convention": "cho",
            "engine": "auto",
        }
        for name, default in defaults.items():
            value = getattr(self, name)
            if value != default:
                text += f", {name}={value!r}"
        return text
