"""Recursive (autoregressive) multi-step forecasts from a one-step model."""

from __future__ import annotations

import torch
from torch import Tensor, nn

#: How a forecaster covers the horizon: all steps at once, or a one-step model rolled forward.
MULTI_STEP: tuple[str, ...] = ("direct", "recursive")


def recursive_forecast(model: nn.Module, x: Tensor, known_future: Tensor, horizon: int, **context: Tensor) -> Tensor:
    r"""Roll a one-step model forward ``horizon`` steps, feeding back its own forecasts.

    Input rows hold, in order, the target, then the known covariates (known over the
    horizon, e.g. calendar features), and nothing else: past-only covariates have no
    future values to feed back. At step :math:`k` the model forecasts
    :math:`\hat y_{t+k+1}` from the window ending at :math:`t+k` (and, when it reads
    them, the known inputs :math:`c_{t+k+1}` of the step it forecasts); then the
    window is shifted by one row and the new last row is
    :math:`(\hat y_{t+k+1}, c_{t+k+1})`:

    .. math::
        \hat y_{t+k+1} = f(x_{t+k-L+1}, \ldots, x_{t+k};\ c_{t+k+1}), \qquad
        x_{t+j} = (\hat y_{t+j}, c_{t+j}) \text{ for } j \ge 1.

    Args:
        model: maps ``(B, L, F)`` (and ``future`` ``(B, 1, F - 1)`` when its
            ``n_future`` is set) to ``(B, 1, 1)``.
        x: ``(B, L, F)`` the last observed window.
        known_future: ``(B, horizon, F - 1)`` known covariates of the forecast steps.
        horizon: steps to forecast.
        context: the model's static inputs (``static``, ``categories``), unchanged
            over the steps.

    Returns:
        ``(B, horizon, 1)`` forecasts.
    """
    batch, _, features = x.shape
    if known_future.shape != (batch, horizon, features - 1):
        raise ValueError(
            f"recursive_forecast: inputs have {features} features, so known_future must be "
            f"({batch}, {horizon}, {features - 1}) (every non-target feature known over the horizon; "
            f"past-only covariates cannot be rolled forward), got {tuple(known_future.shape)}"
        )
    reads_future = getattr(model, "n_future", 0) > 0
    window = x
    steps = []
    for k in range(horizon):
        future = known_future[:, k : k + 1]  # (B, 1, F - 1): the step being forecast
        y = model(window, future, **context) if reads_future else model(window, **context)
        y = y[:, :1, :1]  # (B, 1, 1)
        steps.append(y)
        window = torch.cat([window[:, 1:], torch.cat([y, future], dim=-1)], dim=1)
    return torch.cat(steps, dim=1)
