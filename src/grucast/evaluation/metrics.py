r"""Point-forecast accuracy metrics as pure functions over numpy arrays.

Every function takes the actual values ``y_true`` and the forecasts ``y_pred`` as
arrays of any shape (they are flattened, so ``(windows, horizon)`` blocks work as
they are), checks that the two shapes match and that every value is finite, and
returns a Python ``float``. Throughout, with :math:`n` the number of values,

.. math::
    e_i = y_i - \hat y_i, \qquad i = 1, \dots, n,

where :math:`y_i` is an actual value and :math:`\hat y_i` its forecast.

A metric that has no value on the data given (MAPE with zero actuals, MASE with a
flat training part, R² with constant actuals) raises :class:`UndefinedMetricError`,
a ``ValueError`` whose message says why and what to use instead. It never returns
``nan`` silently. :func:`grucast.evaluation.evaluate_forecasts` (which works the
metrics out from sums, :mod:`grucast.evaluation.point_sums`) records ``None`` there
instead, with a note worded as these functions word it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from grucast import checks

__all__ = [
    "METRIC_NAMES",
    "UndefinedMetricError",
    "mae",
    "mape",
    "mase",
    "mase_scale",
    "mse",
    "r2",
    "rmse",
    "smape",
]

#: The metric names, in the order reports list them (the keys of ``metrics.json``).
METRIC_NAMES: tuple[str, ...] = ("mae", "rmse", "mse", "mape", "smape", "mase", "r2")


class UndefinedMetricError(ValueError):
    """A metric has no value on the data given (a division by zero in its formula).

    The message names the metric, the reason, and a metric to use instead.
    """


# ---------------------------------------------------------------------------
# Input checks (the boundary of every public function)
# ---------------------------------------------------------------------------


def _as_values(values: ArrayLike, name: str) -> np.ndarray:
    """``values`` as a float64 array, refusing non-numeric, empty and non-finite input."""
    array = np.asarray(values)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold numbers (int or float), got an array of dtype {array.dtype}")
    array = array.astype(np.float64, copy=False)
    if array.size == 0:
        raise ValueError(f"{name} is empty; pass at least one value")
    bad = int(np.count_nonzero(~np.isfinite(array)))
    if bad:
        raise ValueError(
            f"{name} contains {_count(bad, 'non-finite value')} (NaN or inf); "
            "fill or drop missing values before computing metrics"
        )
    return array


def _pair(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Actuals and forecasts as flat float64 arrays of the same length."""
    actual = _as_values(y_true, "y_true")
    forecast = _as_values(y_pred, "y_pred")
    if actual.shape != forecast.shape:
        raise ValueError(
            f"y_true has shape {actual.shape} but y_pred has {forecast.shape}; "
            "pass actuals and forecasts for the same windows and steps"
        )
    return actual.ravel(), forecast.ravel()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


# The messages of the undefined cases, shared with the many-groups pass (grucast.evaluation.point_sums).


def mape_undefined(zeros: int) -> str:
    return (f"MAPE is undefined: y_true contains {_count(zeros, 'zero')}, which would divide by zero; "
            "use smape or mase instead")


def r2_undefined(size: int, value: float) -> str:
    return (f"R² is undefined: y_true is constant ({_count(size, 'value')}, all {value:g}), "
            "so it has no variance to explain; use mae or mase instead")


def mase_undefined(season: int) -> str:
    return (f"MASE is undefined: the seasonal naive forecast (season {season}) is exact on y_train, "
            "so its in-sample error, the scale, is zero; use mae or smape instead")


# ---------------------------------------------------------------------------
# Scale-dependent errors
# ---------------------------------------------------------------------------


def mse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Mean squared error.

    .. math::
        \mathrm{MSE} = \frac{1}{n} \sum_{i=1}^{n} (y_i - \hat y_i)^2

    where :math:`y_i` are the actual values, :math:`\hat y_i` the forecasts and
    :math:`n` the number of values. In squared units of the series.

    Args:
        y_true: actual values, any shape.
        y_pred: forecasts, the same shape as ``y_true``.

    Raises:
        ValueError: the shapes differ, an input is empty, or holds NaN or inf.
        TypeError: an input is not numeric.
    """
    actual, forecast = _pair(y_true, y_pred)
    return float(np.mean(np.square(actual - forecast)))


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Root mean squared error.

    .. math::
        \mathrm{RMSE} = \sqrt{\frac{1}{n} \sum_{i=1}^{n} (y_i - \hat y_i)^2}

    where :math:`y_i` are the actual values, :math:`\hat y_i` the forecasts and
    :math:`n` the number of values. In the units of the series.

    Args:
        y_true: actual values, any shape.
        y_pred: forecasts, the same shape as ``y_true``.

    Raises:
        ValueError: the shapes differ, an input is empty, or holds NaN or inf.
        TypeError: an input is not numeric.
    """
    return float(np.sqrt(mse(y_true, y_pred)))


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Mean absolute error.

    .. math::
        \mathrm{MAE} = \frac{1}{n} \sum_{i=1}^{n} \lvert y_i - \hat y_i \rvert

    where :math:`y_i` are the actual values, :math:`\hat y_i` the forecasts and
    :math:`n` the number of values. In the units of the series.

    Args:
        y_true: actual values, any shape.
        y_pred: forecasts, the same shape as ``y_true``.

    Raises:
        ValueError: the shapes differ, an input is empty, or holds NaN or inf.
        TypeError: an input is not numeric.
    """
    actual, forecast = _pair(y_true, y_pred)
    return float(np.mean(np.abs(actual - forecast)))


# ---------------------------------------------------------------------------
# Percentage errors
# ---------------------------------------------------------------------------


def mape(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Mean absolute percentage error, in percent.

    .. math::
        \mathrm{MAPE} = \frac{100}{n} \sum_{i=1}^{n}
            \frac{\lvert y_i - \hat y_i \rvert}{\lvert y_i \rvert}

    where :math:`y_i` are the actual values, :math:`\hat y_i` the forecasts and
    :math:`n` the number of values. ``12.5`` means 12.5 %.

    Zero actuals make a term infinite, so MAPE refuses them: it raises rather than
    drop those values (which would hide the worst-scaled points) or return ``nan``.
    Use :func:`smape` or :func:`mase` on such series.

    Args:
        y_true: actual values, any shape; none may be zero.
        y_pred: forecasts, the same shape as ``y_true``.

    Raises:
        UndefinedMetricError: ``y_true`` contains zeros.
        ValueError: the shapes differ, an input is empty, or holds NaN or inf.
        TypeError: an input is not numeric.
    """
    actual, forecast = _pair(y_true, y_pred)
    zeros = int(np.count_nonzero(actual == 0.0))
    if zeros:
        raise UndefinedMetricError(mape_undefined(zeros))
    return float(100.0 * np.mean(np.abs(actual - forecast) / np.abs(actual)))


def smape(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Symmetric mean absolute percentage error, on the 0–200 scale.

    .. math::
        \mathrm{sMAPE} = \frac{200}{n} \sum_{i=1}^{n}
            \frac{\lvert y_i - \hat y_i \rvert}{\lvert y_i \rvert + \lvert \hat y_i \rvert}

    where :math:`y_i` are the actual values, :math:`\hat y_i` the forecasts and
    :math:`n` the number of values. Each term compares the error with the mean of
    the two magnitudes, :math:`(\lvert y_i \rvert + \lvert \hat y_i \rvert) / 2`,
    so the result is a percentage between 0 (perfect) and 200 (every forecast has
    the wrong sign, or is zero where the actual is not). A term whose actual and
    forecast are both zero is a perfect forecast and counts as 0 (the formula
    alone would give 0/0).

    Example: :math:`y = 100,\ \hat y = 50` gives
    :math:`200 \cdot 50 / 150 = 66.67`.

    Note:
        Seed 004 (hourly energy, GRU vs LSTM) divided each error by the sum
        :math:`y + \hat y` and *then* halved it, where the halving belongs in the
        denominator, and reported 100 times the mean of that. This is
        :math:`50 / n \cdot \sum \lvert e_i \rvert / (y_i + \hat y_i)`, a quarter of
        the sMAPE above: its "0.28 %" for the GRU is about 1.1 % on this scale.
        It also left out the absolute values in the denominator, which only works
        for positive data.

    Args:
        y_true: actual values, any shape.
        y_pred: forecasts, the same shape as ``y_true``.

    Raises:
        ValueError: the shapes differ, an input is empty, or holds NaN or inf.
        TypeError: an input is not numeric.
    """
    actual, forecast = _pair(y_true, y_pred)
    error = np.abs(actual - forecast)
    magnitude = np.abs(actual) + np.abs(forecast)
    # Where both are zero the error is zero too: define 0/0 as 0 (a perfect forecast).
    ratio = np.divide(error, magnitude, out=np.zeros_like(error), where=magnitude > 0)
    return float(200.0 * np.mean(ratio))


# ---------------------------------------------------------------------------
# Scaled error
# ---------------------------------------------------------------------------


def mase_scale(y_train: ArrayLike, season: int = 1) -> float:
    r"""In-sample MAE of the seasonal naive forecast on a training series: MASE's denominator.

    .. math::
        q = \frac{1}{T - m} \sum_{t=m+1}^{T} \lvert y_t - y_{t-m} \rvert

    where :math:`y_1, \dots, y_T` is the training part of one series, :math:`T` its
    length and :math:`m` the season (1: the naive forecast, last value repeated).

    Args:
        y_train: the training part of one series, 1-D, oldest first.
        season: the seasonal period :math:`m` in steps (24 for hourly data with a
            daily cycle, 7 for daily data with a weekly one, 1 for none).

    Returns:
        :math:`q`, in the units of the series.

    Raises:
        UndefinedMetricError: :math:`q = 0` (the training part repeats itself
            exactly every :math:`m` steps, e.g. a constant series).
        ValueError: ``y_train`` is not 1-D, holds NaN or inf, or has fewer than
            :math:`m + 1` values.
        TypeError: ``y_train`` is not numeric or ``season`` is not an int.
    """
    season = checks.positive_int().check("season", season, "use 1 for no seasonality")
    train = _as_values(y_train, "y_train")
    if train.ndim != 1:
        raise ValueError(
            f"y_train must be the 1-D training part of one series, got shape {train.shape}; "
            "pass one series at a time"
        )
    if len(train) < season + 1:
        raise ValueError(
            f"y_train has {len(train)} value(s), too few for the seasonal naive scale with season {season}, "
            f"which needs at least {season + 1}; pass a longer training part or a smaller season"
        )
    scale = float(np.mean(np.abs(train[season:] - train[:-season])))
    if scale == 0.0:
        raise UndefinedMetricError(mase_undefined(season))
    return scale


def mase(y_true: ArrayLike, y_pred: ArrayLike, y_train: ArrayLike, season: int = 1) -> float:
    r"""Mean absolute scaled error (Hyndman and Koehler, 2006).

    .. math::
        \mathrm{MASE} = \frac{\frac{1}{n} \sum_{i=1}^{n} \lvert y_i - \hat y_i \rvert}{q},
        \qquad
        q = \frac{1}{T - m} \sum_{t=m+1}^{T} \lvert y^{\text{train}}_t - y^{\text{train}}_{t-m} \rvert

    where :math:`y_i` are the actual test values, :math:`\hat y_i` their forecasts,
    :math:`n` their number, :math:`y^{\text{train}}_1 \dots y^{\text{train}}_T` the
    training part of the same series and :math:`m` the season. :math:`q` is the
    one-step in-sample error of the seasonal naive forecast (:func:`mase_scale`).
    Below 1, the forecast beats that in-sample benchmark; it has no units, so it
    averages across series of different levels.

    Args:
        y_true: actual values of one series, any shape.
        y_pred: forecasts, the same shape as ``y_true``.
        y_train: the training part of the same series, 1-D, oldest first.
        season: the seasonal period :math:`m` in steps (1: naive scale).

    Raises:
        UndefinedMetricError: the scale :math:`q` is zero.
        ValueError: the shapes differ, an input is empty or holds NaN or inf, or
            ``y_train`` has fewer than ``season + 1`` values.
        TypeError: an input is not numeric or ``season`` is not an int.
    """
    error = mae(y_true, y_pred)
    return error / mase_scale(y_train, season)


# ---------------------------------------------------------------------------
# Goodness of fit
# ---------------------------------------------------------------------------


def r2(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Coefficient of determination.

    .. math::
        R^2 = 1 - \frac{\mathrm{SS}_{\text{res}}}{\mathrm{SS}_{\text{tot}}},
        \qquad
        \mathrm{SS}_{\text{res}} = \sum_{i=1}^{n} (y_i - \hat y_i)^2,
        \qquad
        \mathrm{SS}_{\text{tot}} = \sum_{i=1}^{n} (y_i - \bar y)^2

    where :math:`y_i` are the actual values, :math:`\hat y_i` the forecasts,
    :math:`n` their number and :math:`\bar y` the mean of the actuals. 1 is a
    perfect forecast, 0 is no better than predicting :math:`\bar y` (which a
    forecaster does not know in advance), and it is negative for worse.

    Constant actuals give :math:`\mathrm{SS}_{\text{tot}} = 0`; R² then has no
    value and this function raises instead of returning a conventional 0 or 1.

    Args:
        y_true: actual values, any shape.
        y_pred: forecasts, the same shape as ``y_true``.

    Raises:
        UndefinedMetricError: ``y_true`` is constant (including a single value).
        ValueError: the shapes differ, an input is empty, or holds NaN or inf.
        TypeError: an input is not numeric.
    """
    actual, forecast = _pair(y_true, y_pred)
    # Test equality, not the sum: the mean of equal floats can differ from them in
    # the last bit, which would give a tiny SS_tot and a huge negative R².
    if actual.min() == actual.max():
        raise UndefinedMetricError(r2_undefined(actual.size, actual[0]))
    total = float(np.sum(np.square(actual - actual.mean())))
    residual = float(np.sum(np.square(actual - forecast)))
    return 1.0 - residual / total
