r"""One GRU step as a module, a drop-in for ``torch.nn.GRUCell``."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from grucast.nn.functional import UpdateConvention, gru_cell
from grucast.nn.gru import check_gru_options


class GRUCell(nn.Module):
    r"""A gated recurrent unit cell: one step of :class:`grucast.nn.GRU`.

    .. math::
        \begin{array}{ll}
            r = \sigma(W_{ir} x + b_{ir} + W_{hr} h + b_{hr}) \\
            z = \sigma(W_{iz} x + b_{iz} + W_{hz} h + b_{hz}) \\
            n = \tanh(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn})) \\
            h' = z \odot h + (1 - z) \odot n
        \end{array}

    where :math:`x` is the input, :math:`h` the previous state, :math:`h'` the new
    state, :math:`r`, :math:`z`, :math:`n` the reset gate, update gate and candidate
    state, :math:`\sigma` the logistic sigmoid and :math:`\odot` the elementwise
    product. ``reset_after=False`` and ``update_convention="chung"`` select the other
    conventions (see :mod:`grucast.nn.functional`).

    Args:
        input_size: :math:`H_{in}`, features of :math:`x`.
        hidden_size: :math:`H`, features of :math:`h`.
        bias: use :math:`b_{i\cdot}` and :math:`b_{h\cdot}`. Default: ``True``.
        device, dtype: where and how to create the parameters.
        reset_after: reset gate after (``True``) or before the recurrent matmul.
        update_convention: ``"cho"`` (default) or ``"chung"``.

    Inputs: input, hx
        * **input**: ``(N, H_in)`` or ``(H_in,)``.
        * **hx**: ``(N, H)`` or ``(H,)``; zeros if not given.

    Outputs: h'
        * ``(N, H)`` or ``(H,)``.

    Attributes:
        weight_ih: ``(3H, H_in)``, rows :math:`(W_{ir} | W_{iz} | W_{in})`.
        weight_hh: ``(3H, H)``, rows :math:`(W_{hr} | W_{hz} | W_{hn})`.
        bias_ih, bias_hh: ``(3H,)``.

    Parameters start from :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})`, :math:`k = 1/H`.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        *,
        reset_after: bool = True,
        update_convention: UpdateConvention = "cho",
    ) -> None:
        super().__init__()
        check_gru_options("GRUCell", input_size, hidden_size, bias, reset_after, update_convention)
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.bias = bias
        self.reset_after = reset_after
        self.update_convention: UpdateConvention = update_convention
        factory = {"device": device, "dtype": dtype}
        self.weight_ih = nn.Parameter(torch.empty(3 * hidden_size, input_size, **factory))
        self.weight_hh = nn.Parameter(torch.empty(3 * hidden_size, hidden_size, **factory))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(3 * hidden_size, **factory))
            self.bias_hh = nn.Parameter(torch.empty(3 * hidden_size, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        if input.dim() not in (1, 2):
            raise ValueError(
                f"GRUCell: expected input to be 1-D or 2-D, got {input.dim()}-D with shape "
                f"{tuple(input.shape)}"
            )
        if input.shape[-1] != self.input_size:
            raise ValueError(
                f"GRUCell: input has {input.shape[-1]} features but the cell was built with "
                f"input_size={self.input_size}"
            )
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = input.new_zeros(input.shape[0], self.hidden_size)
        else:
            hx = hx if batched else hx.unsqueeze(0)
            if tuple(hx.shape) != (input.shape[0], self.hidden_size):
                raise ValueError(
                    f"GRUCell: expected hx of shape {(input.shape[0], self.hidden_size)}, "
                    f"got {tuple(hx.shape)}"
                )
        h = gru_cell(
            input,
            hx,
            self.weight_ih,
            self.weight_hh,
            self.bias_ih,
            self.bias_hh,
            reset_after=self.reset_after,
            update_convention=self.update_convention,
        )
        return h if batched else h.squeeze(0)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if not self.reset_after:
            text += ", reset_after=False"
        if self.update_convention != "cho":
            text += f", update_convention={self.update_convention!r}"
        return text
