r"""Training losses on scaled values, by name.

For targets :math:`y` and forecasts :math:`\hat y` over a batch of windows and
horizon steps (means over every element):

* ``"mae"``: :math:`\operatorname{mean}|y - \hat y|`; its minimiser is the median
  forecast, which is what MAE and MASE reward, and it is robust to spikes.
* ``"mse"``: :math:`\operatorname{mean}(y - \hat y)^2`; the mean forecast.
* ``"huber"``: squared below 1, absolute above (:func:`torch.nn.functional.huber_loss`
  with ``delta=1``), between the two.
* ``"mase"``: each window's mean absolute error divided by the in-window error of
  the seasonal naive forecast (:func:`seasonal_scaled_error`): MASE, window by
  window, so every window counts by how much it beats repeating its last season.

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
#: Every loss by name: the element-wise ones, and ``"mase"``, which also reads the window.
LOSS_NAMES: tuple[str, ...] = (*LOSSES, "mase")
#: The smallest in-window seasonal naive error :func:`seasonal_scaled_error` divides by.
SCALE_FLOOR = 0.01


def seasonal_scaled_error(
    prediction: Tensor, target: Tensor, history: Tensor, season: int, observed: Tensor | None = None
) -> Tensor:
    r"""Mean over windows of the error relative to the window's own seasonal naive error.

    For window :math:`b` with inputs :math:`x_{b,1..L}` (the target's, in the units
    the network sees), forecasts :math:`\hat y_{b,k}` and targets :math:`y_{b,k}`,

    .. math::
        \ell = \frac{1}{B} \sum_b \frac{\frac{1}{H}\sum_k |y_{b,k} - \hat y_{b,k}|}
        {\max\big(s_b,\ 0.01\big)}, \qquad
        s_b = \operatorname{mean}_{t} |x_{b,t} - x_{b,t-m}|,

    the mean over the pairs of observed rows :math:`m` apart (:math:`m` = 1 when the
    window is no longer than a season; :math:`s_b = 1` when it holds no such pair).
    It is MASE with the window as the in-sample part, so that a series whose
    seasonal pattern repeats closely weighs as much as a noisy one: its small
    errors are what the competitions' MASE, and a forecaster comparing with the
    seasonal naive forecast, score it by. The floor bounds a window's weight
    (at most 100 for data scaled to unit spread).

    Args:
        prediction: ``(B, H, 1)`` forecasts.
        target: ``(B, H, 1)`` actual values.
        history: ``(B, L)`` the window's target inputs.
        season: :math:`m`.
        observed: ``(B, L)`` bool, False on padded rows; ``None``: all observed.
    """
    lag = season if history.shape[1] > season else 1
    steps = (history[:, lag:] - history[:, :-lag]).abs()
    if observed is None:
        pairs = torch.full((history.shape[0],), float(steps.shape[1]), device=history.device)
        total = steps.sum(dim=1)
    else:
        both = (observed[:, lag:] & observed[:, :-lag]).to(steps.dtype)
        pairs, total = both.sum(dim=1), (steps * both).sum(dim=1)
    scale = torch.where(pairs > 0, total / pairs.clamp(min=1), torch.ones_like(total)).clamp(min=SCALE_FLOOR)
    error = (prediction - target).abs().flatten(1).mean(dim=1)
    return (error / scale).mean()


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
