r"""The GRU gate equations as plain tensor functions.

One step of a gated recurrent unit, for input :math:`x_t` and previous state
:math:`h_{t-1}`, with gate rows stacked :math:`(r \mid z \mid n)` as in
``torch.nn.GRU``:

.. math::
    \begin{array}{ll}
        r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\
        z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
        n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))
            & \text{reset after the matmul (default)} \\
        n_t = \tanh(W_{in} x_t + b_{in} + W_{hn} (r_t \odot h_{t-1}) + b_{hn})
            & \text{reset before the matmul} \\
        h_t = z_t \odot h_{t-1} + (1 - z_t) \odot n_t
            & \text{update convention ``"cho"`` (default)} \\
        h_t = (1 - z_t) \odot h_{t-1} + z_t \odot n_t
            & \text{update convention ``"chung"``}
    \end{array}

where :math:`\sigma` is the logistic sigmoid, :math:`\odot` the elementwise product,
:math:`r_t` the reset gate, :math:`z_t` the update gate and :math:`n_t` the
candidate state.

The two reset placements are different models: PyTorch, cuDNN and Keras'
``reset_after=True`` apply :math:`r_t` after the recurrent matmul; Cho et al. (2014)
and Keras' ``reset_after=False`` apply it to :math:`h_{t-1}` before. The two update
conventions are the same family of models: "chung" (Chung et al. 2014, the minGRU
paper) with parameters :math:`(W_{\cdot z}, b_{\cdot z})` equals "cho" (Cho et al.
2014, PyTorch, Keras) with :math:`(-W_{\cdot z}, -b_{\cdot z})`, since
:math:`1 - \sigma(a) = \sigma(-a)`. Internally both are written with the *keep*
gate :math:`k_t = \sigma(s\,a_z)`, :math:`s = +1` ("cho") or :math:`-1` ("chung"),
and :math:`h_t = k_t \odot h_{t-1} + (1 - k_t) \odot n_t`.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

UpdateConvention = Literal["cho", "chung"]
UPDATE_CONVENTIONS: tuple[str, ...] = ("cho", "chung")


def keep_sign(update_convention: UpdateConvention) -> float:
    """The sign :math:`s` in :math:`k_t = \\sigma(s\\,a_z)`: +1 for "cho", -1 for "chung"."""
    return 1.0 if update_convention == "cho" else -1.0


def gru_step(
    x_proj: Tensor,
    h: Tensor,
    weight_hh: Tensor,
    bias_hh: Tensor | None,
    *,
    reset_after: bool = True,
    update_convention: UpdateConvention = "cho",
) -> Tensor:
    """One GRU step from a precomputed input projection.

    Args:
        x_proj: :math:`W_i x_t + b_i`, shape ``(B, 3H)``, rows ``(r | z | n)``.
        h: :math:`h_{t-1}`, shape ``(B, H)``.
        weight_hh: :math:`W_h`, shape ``(3H, H)``.
        bias_hh: :math:`b_h`, shape ``(3H,)``, or ``None``.
        reset_after: apply the reset gate after the recurrent matmul (PyTorch) or
            before it (Cho et al. 2014).
        update_convention: ``"cho"`` or ``"chung"``, see the module docstring.

    Returns:
        :math:`h_t`, shape ``(B, H)``.
    """
    hidden = h.shape[-1]
    x_r, x_z, x_n = x_proj.chunk(3, dim=-1)
    s = keep_sign(update_convention)
    if reset_after:
        g_r, g_z, g_n = torch.nn.functional.linear(h, weight_hh, bias_hh).chunk(3, dim=-1)
        r = torch.sigmoid(x_r + g_r)
        n = torch.tanh(x_n + r * g_n)
    else:
        b_rz = bias_hh[: 2 * hidden] if bias_hh is not None else None
        b_n = bias_hh[2 * hidden :] if bias_hh is not None else None
        g_r, g_z = torch.nn.functional.linear(h, weight_hh[: 2 * hidden], b_rz).chunk(2, dim=-1)
        r = torch.sigmoid(x_r + g_r)
        n = torch.tanh(x_n + torch.nn.functional.linear(r * h, weight_hh[2 * hidden :], b_n))
    keep = torch.sigmoid(s * (x_z + g_z))
    return n + keep * (h - n)


def gru_cell(
    x: Tensor,
    h: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None,
    bias_hh: Tensor | None,
    *,
    reset_after: bool = True,
    update_convention: UpdateConvention = "cho",
) -> Tensor:
    """One GRU step from the raw input :math:`x_t` (shape ``(B, F)``); see :func:`gru_step`."""
    x_proj = torch.nn.functional.linear(x, weight_ih, bias_ih)
    return gru_step(
        x_proj, h, weight_hh, bias_hh, reset_after=reset_after, update_convention=update_convention
    )
