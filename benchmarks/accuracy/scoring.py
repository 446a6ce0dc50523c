"""The one scoring module: every method's forecasts are scored here, the same way.

For a series with in-sample part :math:`x_1..x_n`, seasonal period :math:`m`, and a
forecast :math:`\\hat y_{1..H}` of the actual values :math:`y_{1..H}`:

* **MASE** (Hyndman & Koehler 2006; the M4 and Tourism competitions' definition):

  .. math:: \\mathrm{MASE} = \\frac{\\frac1H \\sum_h |y_h - \\hat y_h|}
                                   {\\frac{1}{n-m} \\sum_{t=m+1}^{n} |x_t - x_{t-m}|}

  The scale is the in-sample mean absolute error of the seasonal naive forecast,
  computed on the series' training part only (the same for all of its windows).
  :math:`m` is 12 (monthly), 4 (quarterly), 1 (yearly and M3 other), 24 (hourly).
* **sMAPE** (M3's definition, 0 to 200; Makridakis & Hibon 2000, as written in the
  N-BEATS paper's appendix C.2):

  .. math:: \\mathrm{sMAPE} = \\frac{200}{H} \\sum_h \\frac{|y_h - \\hat y_h|}{|y_h| + |\\hat y_h|}

  with absolute values in the denominator (equal to M3's :math:`y_h + \\hat y_h`
  for the positive M3 and Tourism data); a step where both are 0 counts 0.
* **MAPE** (the Tourism competition's, Athanasopoulos et al. 2011):

  .. math:: \\mathrm{MAPE} = \\frac{100}{H} \\sum_h \\frac{|y_h - \\hat y_h|}{|y_h|}

  over the steps whose actual is not 0 (a series whose actuals are all 0 has none).

A series with several windows (household) scores the mean over its windows. A
subset's score is the mean over its series (with every series weighted equally,
as in the competitions), beside the median and quartiles of the per-series values.
"""

from __future__ import annotations

import numpy as np

METRICS = ("mase", "smape", "mape")


def mase_scale(train: np.ndarray, season: int) -> float:
    """In-sample mean absolute seasonal difference; ``nan`` if it is 0 or undefined.

    A training part no longer than one season falls back to the lag-1 difference.
    """
    lag = season if len(train) > season else 1
    if len(train) <= lag:
        return float("nan")
    scale = float(np.mean(np.abs(train[lag:] - train[:-lag])))
    return scale if scale > 0 else float("nan")


def window_errors(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> dict[str, np.ndarray]:
    """Per-window MASE, sMAPE and MAPE.

    Args:
        actual: ``(W, H)`` observed values.
        forecast: ``(W, H)`` forecasts.
        scale: ``(W,)`` MASE scale of each window's series.

    Returns:
        ``{metric: (W,) values}``; MAPE is ``nan`` for a window whose actuals are all 0.
    """
    error = np.abs(actual - forecast)
    denominator = np.abs(actual) + np.abs(forecast)
    with np.errstate(divide="ignore", invalid="ignore"):
        smape_terms = np.where(denominator > 0, 200.0 * error / denominator, 0.0)
        nonzero = actual != 0
        mape_terms = np.where(nonzero, 100.0 * error / np.abs(actual), 0.0)
        mape = mape_terms.sum(axis=1) / nonzero.sum(axis=1)
        mase = error.mean(axis=1) / scale
    return {"mase": mase, "smape": smape_terms.mean(axis=1), "mape": mape}


def per_series(values: np.ndarray, window_series: np.ndarray, n_series: int) -> np.ndarray:
    """Mean of per-window ``values`` over each series' windows, ``(S,)`` (nan-aware)."""
    out = np.full(n_series, np.nan)
    for s in range(n_series):
        picked = values[window_series == s]
        picked = picked[np.isfinite(picked)]
        if len(picked):
            out[s] = picked.mean()
    return out


def summarise(values: np.ndarray) -> dict[str, float | int]:
    """Mean, median, quartiles of per-series values, ignoring series without a value."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return {"mean": None, "median": None, "q1": None, "q3": None, "series": 0, "undefined": int(len(values))}
    q1, median, q3 = np.percentile(finite, [25, 50, 75])
    return {
        "mean": float(finite.mean()),
        "median": float(median),
        "q1": float(q1),
        "q3": float(q3),
        "series": int(len(finite)),
        "undefined": int(len(values) - len(finite)),
    }


def score(subset, forecast: np.ndarray) -> dict:
    """Score ``(W, H)`` forecasts of every window of ``subset`` (a :class:`subsets.Subset`).

    Raises:
        ValueError: the forecasts have the wrong shape or values that are not finite.
    """
    actual = subset.actuals()
    if forecast.shape != actual.shape:
        raise ValueError(f"forecasts have shape {forecast.shape}, expected {actual.shape} (windows, horizon)")
    bad = ~np.isfinite(forecast).all(axis=1)
    if bad.any():
        raise ValueError(f"{int(bad.sum())} of {len(bad)} windows have non-finite forecasts")
    scales = np.array([mase_scale(t, subset.season) for t in subset.train_parts()])
    errors = window_errors(actual, forecast, scales[subset.window_series])
    out = {}
    for metric in METRICS:
        series_values = per_series(errors[metric], subset.window_series, subset.n_series)
        out[metric] = summarise(series_values)
    return out
