"""MASE scales of many training parts in one pass (see :func:`~grucast.evaluation.metrics.mase_scale`)."""

from __future__ import annotations

import numpy as np


def mase_scales(parts: list[np.ndarray], lags: np.ndarray) -> np.ndarray | None:
    r"""The MASE scale :math:`q` of many training parts at once, or ``None`` if one is not clean.

    :math:`q_k = \frac{1}{T_k - m_k} \sum_{t=m_k+1}^{T_k} \lvert y_{k,t} - y_{k,t-m_k} \rvert`
    for part :math:`k` of length :math:`T_k` and lag :math:`m_k` (see
    :func:`~grucast.evaluation.metrics.mase_scale`); NaN where :math:`T_k \le m_k`.

    Args:
        parts: 1-D training parts.
        lags: ``(len(parts),)`` each part's lag :math:`m_k \ge 1`.

    Returns:
        ``(len(parts),)`` scales (0 where the seasonal naive forecast is exact), or
        ``None`` when a part is not a 1-D array of finite numbers: the caller then
        checks each part alone, for the error that names it.
    """
    if not parts:
        return np.empty(0)
    if any(np.ndim(part) != 1 or np.asarray(part).dtype.kind not in "iuf" for part in parts):
        return None
    lengths = np.array([len(part) for part in parts])
    values = np.concatenate([np.asarray(part, dtype=np.float64) for part in parts])
    if not np.isfinite(values).all():
        return None
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    scales = np.full(len(parts), np.nan)
    for lag in np.unique(lags).tolist():
        chosen = np.flatnonzero((lags == lag) & (lengths > lag))
        if not chosen.size:
            continue
        # |y_t - y_{t-lag}| over the concatenation; part k's terms are [start_k, start_k + T_k - lag).
        terms = np.r_[np.abs(values[lag:] - values[:-lag]), 0.0]
        bounds = np.stack([starts[chosen], starts[chosen] + lengths[chosen] - lag], axis=1).ravel()
        scales[chosen] = np.add.reduceat(terms, bounds)[::2] / (lengths[chosen] - lag)
    return scales
