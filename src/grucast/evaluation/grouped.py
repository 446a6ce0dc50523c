r"""The metrics of :mod:`grucast.evaluation.metrics` for many groups in one pass.

A run with 100,000 series scores each of them: calling the checked metric
functions once per series and metric costs about a millisecond per series, which
is most of an evaluation. Here the rows of every group are laid out contiguously
(one stable sort) and each sum in the formulas becomes one ``np.add.reduceat``
over all groups at once. The formulas, the undefined cases and their messages are
those of the single-group functions; only the order of the floating-point
additions differs, so values agree to a few units in the last place.

For group :math:`g` with cells :math:`i \in g` (:math:`n_g` of them) and errors
:math:`e_i = y_i - \hat y_i`:

.. math::
    \mathrm{MAE}_g = \frac{1}{n_g} \sum_{i \in g} \lvert e_i \rvert, \quad
    \mathrm{MSE}_g = \frac{1}{n_g} \sum_{i \in g} e_i^2, \quad
    R^2_g = 1 - \frac{\sum_{i \in g} e_i^2}{\sum_{i \in g} (y_i - \bar y_g)^2}

and MAPE and sMAPE likewise, with their terms :math:`\lvert e_i \rvert / \lvert y_i \rvert`
and :math:`\lvert e_i \rvert / (\lvert y_i \rvert + \lvert \hat y_i \rvert)` (0/0 counted as 0).
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from grucast.evaluation.metrics import METRIC_NAMES, mape_undefined, r2_undefined

Metrics = dict[str, float | None]


def _sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.add.reduceat(values, starts)


def grouped_metrics(
    actual: np.ndarray,
    forecast: np.ndarray,
    scaled: np.ndarray,
    groups: list[np.ndarray],
    names: list[Hashable],
) -> tuple[list[Metrics], list[str]]:
    """Every metric of each group of rows, and the notes of the undefined ones.

    Args:
        actual, forecast: ``(W, H)`` float64 actuals and forecasts, all finite.
        scaled: ``(W, H)`` the errors divided by each row's MASE scale; rows whose
            series has no scale hold NaN and are left out of that group's MASE.
        groups: the row indices of each group (each non-empty).
        names: each group's series label (notes say ``series 'a': ...``).

    Returns:
        One metrics dict per group (keys :data:`METRIC_NAMES`, ``None`` where
        undefined) and the notes, in group order, as the single-group functions word them.
    """
    if not groups:
        return [], []
    order = np.concatenate(groups)
    horizon = actual.shape[1]
    sizes = np.array([len(rows) for rows in groups]) * horizon
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    # Each (W * H) temporary is let go (or reused) once summed: a million windows'
    # worth of them at once would take several times the inputs' memory.
    y = actual[order].ravel()
    f = forecast[order].ravel()
    absolute = np.abs(y - f)
    mae = _sums(absolute, starts) / sizes
    residual = _sums(np.square(absolute), starts)  # SS_res
    mse = residual / sizes
    zeros = np.add.reduceat(y == 0.0, starts, dtype=np.int64)
    magnitude = np.abs(y)
    ratio = np.divide(absolute, magnitude, out=np.zeros_like(absolute), where=y != 0.0)
    mape = 100.0 * _sums(ratio, starts) / sizes
    magnitude += np.abs(f)
    del f
    ratio.fill(0.0)
    smape_terms = np.divide(absolute, magnitude, out=ratio, where=magnitude > 0)
    smape = 200.0 * _sums(smape_terms, starts) / sizes
    del absolute, magnitude, ratio, smape_terms
    low = np.minimum.reduceat(y, starts)
    high = np.maximum.reduceat(y, starts)
    mean = _sums(y, starts) / sizes
    deviation = y - np.repeat(mean, sizes)
    del y
    total = _sums(np.square(deviation, out=deviation), starts)
    del deviation
    q = scaled[order].ravel()
    has_scale = ~np.isnan(q)
    scaled_count = _sums(has_scale.astype(np.int64), starts)
    mase = _sums(np.where(has_scale, q, 0.0), starts) / np.maximum(scaled_count, 1)
    del q, has_scale

    # Python floats once, for all groups (per-element numpy scalars cost more than the sums).
    columns = {
        "mae": mae.tolist(), "rmse": np.sqrt(mse).tolist(), "mse": mse.tolist(), "mape": mape.tolist(),
        "smape": smape.tolist(), "mase": mase.tolist(),
        "r2": (1.0 - residual / np.where(high > low, total, 1.0)).tolist(),
    }
    undefined = {
        "mape": zeros > 0,
        "mase": scaled_count == 0,
        "r2": low == high,
    }
    results: list[Metrics] = [{} for _ in groups]
    for name in METRIC_NAMES:
        column = columns[name]
        for k, value in enumerate(column):
            results[k][name] = value
        if name in undefined:
            for k in np.flatnonzero(undefined[name]).tolist():
                results[k][name] = None
    notes: list[str] = []
    for k in np.flatnonzero(undefined["mape"] | undefined["r2"]).tolist():
        if zeros[k]:
            notes.append(f"series {names[k]!r}: {mape_undefined(int(zeros[k]))}")
        if low[k] == high[k]:
            notes.append(f"series {names[k]!r}: {r2_undefined(int(sizes[k]), float(low[k]))}")
    return results, notes


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
