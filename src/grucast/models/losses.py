r"""Training losses on scaled values, by name.

For targets :math:`y` and forecasts :math:`\hat y` over a batch of windows and
horizon steps (means over every element):

* ``"mae"``: :math:`\operatorname{mean}|y - \hat y|`; its minimiser is the median
  forecast, which is what MAE and MASE reward, and it is robust to spikes.
* ``"mse"``: :math:`\operatorname{mean}(y - \hat y)^2`; the mean forecast.
* ``"huber"``: squared below 1, absolute above (:func:`torch.nn.functional.huber_loss`
  with ``delta=1``), between the two.

A quantile forecaster is trained instead with the pinball loss of all its levels
at once (:func:`pinball_loss`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor
from torch.nn import functional

LOSSES: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "mae": functional.l1_loss,
    "mse": functional.mse_loss,
    "huber": functional.huber_loss,
}


def pinball_loss(prediction: Tensor, target: Tensor, levels: Tensor) -> Tensor:
    r"""Mean pinball (quantile) loss over every level, step and window.

    For level :math:`\tau`, actual :math:`y` and quantile forecast :math:`q`,

    .. math::
        \rho_\tau(y, q) = \max\big(\tau\,(y - q),\ (\tau - 1)\,(y - q)\big),

    minimised in expectation by the :math:`\tau`-quantile of :math:`y`; at
    :math:`\tau = 0.5` it is half the absolute error.

    Args:
        prediction: ``(B, H, Q)`` quantile forecasts, one per level.
        target: ``(B, H, 1)`` actual values.
        levels: ``(Q,)`` the levels :math:`\tau`.
    """
    error = target - prediction  # (B, H, Q)
    return torch.maximum(levels * error, (levels - 1) * error).mean()
