"""Split-conformal prediction intervals from validation residuals, per horizon step."""

from __future__ import annotations

import math

import numpy as np
import torch


def conformal_radius(residuals: np.ndarray, level: float) -> np.ndarray:
    """Half-widths :math:`q_k` such that :math:`\\hat y_k \\pm q_k` covers ``level`` of new values.

    For horizon step :math:`k` with absolute validation residuals
    :math:`|e_{1,k}|, \\ldots, |e_{n,k}|` (windows never used to fit the weights),
    :math:`q_k` is their :math:`\\lceil (n + 1)\\,\\alpha \\rceil`-th smallest value,
    :math:`\\alpha` = ``level``. If new windows are exchangeable with the validation
    windows, :math:`P(|e_k| \\le q_k) \\ge \\alpha` (split conformal prediction,
    Vovk et al. 2005; Lei et al. 2018). Residuals are taken in the model's scaled
    units, so series of different sizes share one calibration, and mapped back
    through each series' own scaling.

    Args:
        residuals: ``(n, H)`` validation residuals :math:`y - \\hat y`.
        level: target coverage in (0, 1).

    Returns:
        ``(H,)`` radii; ``inf`` where fewer than :math:`1/(1-\\alpha) - 1` residuals
        exist (too few for that coverage).
    """
    residuals = np.abs(np.asarray(residuals, dtype=np.float64))
    n = residuals.shape[0]
    rank = math.ceil((n + 1) * level)
    if n == 0 or rank > n:
        return np.full(residuals.shape[1] if residuals.ndim == 2 else 1, np.inf)
    return np.sort(residuals, axis=0)[rank - 1]


def calibration_sample(n_windows: int, limit: int = 8192) -> torch.Tensor:
    """Evenly spaced windows, at most ``limit``, for the conformal quantiles.

    A quantile from 8192 residuals is within about half a percentage point of
    coverage, so forecasting every training window (when there is no validation
    part) would only cost time and memory.
    """
    if n_windows <= limit:
        return torch.arange(n_windows)
    return torch.linspace(0, n_windows - 1, limit).round().long().unique()
