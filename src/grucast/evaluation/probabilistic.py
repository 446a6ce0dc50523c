r"""Scores of quantile forecasts and prediction intervals.

For an actual value :math:`y`, a quantile forecast :math:`q_\tau` at level
:math:`\tau \in (0, 1)` and a central interval :math:`[l, u]` meant to cover
:math:`1 - \alpha` of the values:

========================  =======================================================================
score                     formula (averaged over the values scored)
========================  =======================================================================
pinball loss              :math:`\rho_\tau(y, q_\tau) = \max(\tau (y - q_\tau), (\tau - 1)(y - q_\tau))`
weighted quantile loss    :math:`\mathrm{wQL}_\tau = 2 \sum \rho_\tau(y, q_\tau) / \sum |y|`, and its mean over levels
coverage                  :math:`\frac{1}{n} \sum \mathbf{1}[l \le y \le u]`
mean width                :math:`\frac{1}{n} \sum (u - l)`
interval score            :math:`(u - l) + \frac{2}{\alpha}(l - y)\,\mathbf{1}[y < l] + \frac{2}{\alpha}(y - u)\,\mathbf{1}[y > u]`
CRPS (from quantiles)     :math:`\frac{2}{Q} \sum_{j=1}^{Q} \rho_{\tau_j}(y, q_{\tau_j})`
========================  =======================================================================

Lower is better for all but coverage, which should be close to :math:`1 - \alpha`.
The interval (Winkler) score rewards narrow bands and charges :math:`2/\alpha` per
unit a value falls outside (Gneiting and Raftery 2007). The CRPS is approximated by
the mean pinball loss over the levels, times 2: exact in the limit of many evenly
spaced levels, an approximation for a few. Every function here takes arrays of
any shape, values aligned element by element; :mod:`grucast.evaluation.quantile_sums`
scores many series and steps at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from grucast import checks


def pinball(y_true: ArrayLike, y_quantile: ArrayLike, level: float) -> float:
    r"""Mean pinball loss :math:`\rho_\tau` of quantile forecasts at level ``level``."""
    level = checks.Real(low=0, high=1, low_open=True, high_open=True).check("level", level)
    error = np.asarray(y_true, dtype=np.float64) - np.asarray(y_quantile, dtype=np.float64)
    return float(np.mean(np.maximum(level * error, (level - 1) * error)))


def weighted_quantile_loss(y_true: ArrayLike, y_quantile: ArrayLike, level: float) -> float | None:
    r""":math:`2 \sum \rho_\tau / \sum |y|`; ``None`` when every actual is 0."""
    actual = np.abs(np.asarray(y_true, dtype=np.float64))
    total = float(actual.sum())
    if total == 0:
        return None
    return 2 * pinball(y_true, y_quantile, level) * actual.size / total


def coverage(y_true: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> float:
    """Share of actual values inside ``[lower, upper]``."""
    actual = np.asarray(y_true, dtype=np.float64)
    return float(np.mean((actual >= np.asarray(lower)) & (actual <= np.asarray(upper))))


def mean_width(lower: ArrayLike, upper: ArrayLike) -> float:
    """Mean of ``upper - lower``."""
    return float(np.mean(np.asarray(upper, dtype=np.float64) - np.asarray(lower, dtype=np.float64)))


def interval_score(y_true: ArrayLike, lower: ArrayLike, upper: ArrayLike, alpha: float) -> float:
    r"""Mean interval (Winkler) score of a central :math:`1 - \alpha` interval."""
    alpha = checks.Real(low=0, high=1, low_open=True, high_open=True).check("alpha", alpha)
    actual = np.asarray(y_true, dtype=np.float64)
    low, high = np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)
    penalty = (2 / alpha) * (np.maximum(low - actual, 0) + np.maximum(actual - high, 0))
    return float(np.mean(high - low + penalty))


def crps_from_quantiles(y_true: ArrayLike, y_quantiles: ArrayLike, levels: Sequence[float]) -> float:
    r""":math:`\frac{2}{Q} \sum_j \rho_{\tau_j}`, for ``y_quantiles`` of shape ``(..., Q)``."""
    quantiles = np.asarray(y_quantiles, dtype=np.float64)
    actual = np.asarray(y_true, dtype=np.float64)
    return float(2 * np.mean([pinball(actual, quantiles[..., j], level) for j, level in enumerate(levels)]))


def central_pairs(levels: Sequence[float]) -> list[tuple[int, int, float]]:
    """``(lower index, upper index, nominal coverage)`` of each pair of levels ``tau, 1 - tau`` among ``levels``."""
    rounded = [round(level, 10) for level in levels]
    pairs = []
    for low, level in enumerate(rounded):
        if level < 0.5 and round(1 - level, 10) in rounded:
            pairs.append((low, rounded.index(round(1 - level, 10)), round(1 - 2 * level, 10)))
    return pairs


def interval_scores(y_true: ArrayLike, lower: ArrayLike, upper: ArrayLike, level: float) -> dict[str, float]:
    """Coverage, mean width and interval score of one central band of nominal coverage ``level``."""
    return {
        "coverage": coverage(y_true, lower, upper),
        "width": mean_width(lower, upper),
        "interval_score": interval_score(y_true, lower, upper, 1 - level),
    }


def residual_quantiles(residuals: ArrayLike, levels: Sequence[float]) -> np.ndarray:
    """``(H, Q)`` empirical quantiles of ``(n, H)`` residuals at ``levels`` (a baseline's band, per step).

    Added to a point forecast, they give the quantiles its own past errors imply.
    """
    values = np.asarray(residuals, dtype=np.float64)
    if values.shape[0] == 0:
        return np.zeros((values.shape[1] if values.ndim == 2 else 1, len(levels)))
    return np.quantile(values, list(levels), axis=0).T


def condensed(scores: Mapping[str, float | None]) -> dict[str, float | None]:
    """Scores rounded for reports: 4 significant digits."""
    return {key: None if value is None else float(f"{value:.4g}") for key, value in scores.items()}
