r"""Metrics of a set of test forecasts: overall, per series and per horizon step.

Input is what a forecaster produces on the test split: ``(windows, horizon)``
arrays of actuals and forecasts, the series each window belongs to, and the
training part of each series (for MASE's scale). The same call scores a model and
the baselines on the same windows, so their numbers compare.

Pooling. Every group (all windows, the windows of one series, one step column)
pools its values and applies the metric formulas of :mod:`grucast.evaluation.metrics`
to them, with one exception: MASE. Each series :math:`s` has its own scale
:math:`q_s` (the in-sample MAE of the seasonal naive forecast on its training
part), each error is divided by the scale of its own series, and the group's MASE
is the mean of those scaled errors:

.. math::
    \mathrm{MASE}_G = \frac{1}{\lvert G \rvert} \sum_{(w, h) \in G}
        \frac{\lvert y_{w,h} - \hat y_{w,h} \rvert}{q_{s(w)}}

where :math:`G` is the set of (window, step) cells of the group, :math:`y_{w,h}`
and :math:`\hat y_{w,h}` the actual and forecast of window :math:`w` at step
:math:`h`, and :math:`s(w)` the series of window :math:`w`. For one series this
is its MASE; overall it is the mean of the per-series MASEs weighted by their
number of test values (Hyndman and Koehler, 2006). The other metrics are scale
dependent, so their overall values are dominated by the largest series (and the
overall R² is inflated by differences in level between series); read the
per-series values, or MASE, to compare across series.

A metric with no value on a group (MAPE with a zero actual, R² with constant
actuals, MASE for a series whose training part has zero seasonal naive error) is
``None`` there, and :attr:`ForecastMetrics.notes` says why. Series with no MASE
scale are left out of the overall and per-step MASE, and a note names them.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from grucast import checks
from grucast.evaluation.metrics import UndefinedMetricError, mae, mase_scale
from grucast.evaluation.scales import mase_scales
from grucast.evaluation.point_sums import PointSums
from grucast.evaluation.sums import chunk_rows

__all__ = ["ForecastMetrics", "evaluate_forecasts", "evaluate_many"]

Metrics = dict[str, float | None]


@dataclass(frozen=True)
class ForecastMetrics:
    """Accuracy of a set of test forecasts.

    Each metric dict has the keys of :data:`~grucast.evaluation.METRIC_NAMES`
    (``mae``, ``rmse``, ``mse``, ``mape``, ``smape``, ``mase``, ``r2``), with a
    ``float``, or ``None`` where the metric is undefined (see :attr:`notes`).

    Attributes:
        overall: the metrics over every test value.
        per_series: series label -> its metrics, in order of first appearance.
        per_step: horizon step (1-based) -> the metrics of that step over all windows.
        notes: one line per metric left undefined, saying where and why.
        season: the season used for MASE's scale.
    """

    overall: Metrics
    per_series: dict[Hashable, Metrics]
    per_step: dict[int, Metrics]
    notes: tuple[str, ...] = field(default=())
    season: int = 1

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict: series labels and steps become string keys, ``None`` stays ``None``."""
        return {
            "overall": dict(self.overall),
            "per_series": {str(label): dict(values) for label, values in self.per_series.items()},
            "per_step": {str(step): dict(values) for step, values in self.per_step.items()},
            "notes": list(self.notes),
            "season": self.season,
        }


def _python_label(label: object) -> Hashable:
    """A numpy scalar label as the Python value it holds (``np.str_('a')`` -> ``'a'``)."""
    return label.item() if isinstance(label, np.generic) else label  # type: ignore[return-value]


def _checked_scale(part: ArrayLike, lag: int, name: Hashable) -> float:
    """:func:`mase_scale` with its input checks, naming the series; 0 where undefined (the caller notes it)."""
    try:
        return mase_scale(part, lag)
    except UndefinedMetricError:
        return 0.0
    except (TypeError, ValueError) as error:
        raise type(error)(f"train[{name!r}]: {error}") from None


def evaluate_forecasts(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    series: ArrayLike,
    train: Mapping[Hashable, ArrayLike],
    season: int = 1,
) -> ForecastMetrics:
    """Score test forecasts overall, per series and per horizon step.

    Args:
        y_true: ``(windows, horizon)`` actual values, in the units of the data.
        y_pred: ``(windows, horizon)`` forecasts of the same windows.
        series: ``(windows,)`` the series label of each window.
        train: series label -> the 1-D training part of that series (oldest first,
            same units), which sets its MASE scale. Every label in ``series`` needs
            one; extra labels are ignored.
        season: the seasonal period :math:`m` of MASE's scale (see
            :func:`~grucast.evaluation.season_for_frequency`); 1 for the naive scale.

    Returns:
        A :class:`ForecastMetrics`.

    Raises:
        ValueError: shapes disagree, an input holds NaN or inf, a series has no
            training part, or a training part has fewer than ``season + 1`` values.
        TypeError: an input is not numeric, or ``season`` is not an int.

    Example:
        >>> import numpy as np
        >>> result = evaluate_forecasts(
        ...     y_true=np.array([[3.0, 4.0]]), y_pred=np.array([[2.0, 4.0]]),
        ...     series=np.array(["a"]), train={"a": np.array([0.0, 1.0, 2.0])})
        >>> result.overall["mae"], result.overall["mase"]
        (0.5, 0.5)
    """
    return evaluate_many(y_true, {"forecast": y_pred}, series, train, season)["forecast"]


def evaluate_many(
    y_true: ArrayLike,
    forecasts: Mapping[str, ArrayLike],
    series: ArrayLike,
    train: Mapping[Hashable, ArrayLike],
    season: int = 1,
) -> dict[str, ForecastMetrics]:
    """:func:`evaluate_forecasts` of several forecasts of the same windows (a model and its baselines).

    The series' labels and MASE scales are found once, and the windows summed chunk by chunk, for all of
    them; ``forecasts`` maps a name to ``(windows, horizon)`` forecasts, and the
    result maps the same names to their :class:`ForecastMetrics`.
    """
    season = checks.positive_int().check("season", season, "use 1 for no seasonality")
    actual = np.asarray(y_true)
    if actual.ndim != 2:
        raise ValueError(
            f"y_true must be (windows, horizon), got shape {actual.shape}; "
            "for one-step forecasts pass y_true.reshape(-1, 1)"
        )
    # The metric functions check dtype, finiteness and equal shapes; check here
    # first so that a bad input fails once, with the whole array's shape.
    for forecast in forecasts.values():
        mae(actual, forecast)
    actual = actual.astype(np.float64, copy=False)
    windows = actual.shape[0]

    labels = np.asarray(series)
    if labels.shape != (windows,):
        raise ValueError(
            f"series must hold one label per window, shape ({windows},), got shape {labels.shape}"
        )
    # Labels numbered in order of first appearance, by hashing (sorting a million
    # text labels costs more than the metrics): `codes` maps each window to its label.
    codes, unique = pd.factorize(labels, use_na_sentinel=False)
    names = [_python_label(label) for label in np.asarray(unique, dtype=object)]
    missing = [name for name in names if name not in train]
    if missing:
        shown = ", ".join(repr(name) for name in missing[:5])
        raise ValueError(
            f"series {shown} {'has' if len(missing) == 1 else 'have'} test windows but no training part in "
            "train; pass train={label: training values} for every series"
        )

    scales, lags = series_scales([train[name] for name in names], names, season)
    arrays = {name: np.asarray(forecast).astype(np.float64, copy=False) for name, forecast in forecasts.items()}
    sums = PointSums(scales, lags, season, actual.shape[1], list(arrays))
    step = chunk_rows(actual.shape[1])
    for start in range(0, windows, step):
        rows = slice(start, start + step)
        sums.add(codes[rows], actual[rows], {name: values[rows] for name, values in arrays.items()})
    return {
        name: ForecastMetrics(overall, per_series, per_step, tuple(notes), int(season))
        for name, (overall, per_series, per_step, notes) in sums.result(names).items()
    }


def series_scales(parts: Sequence[ArrayLike], names: Sequence[Hashable], season: int) -> tuple[np.ndarray, np.ndarray]:
    """Each series' MASE scale and the lag it was taken at (see :class:`~grucast.evaluation.point_sums.PointSums`).

    A training part shorter than a season and a step has no seasonal naive error:
    such a series is scaled by the naive (lag-1) error instead. Scales are 0 where
    that error is zero and NaN where the part is too short for any.

    Raises:
        ValueError, TypeError: a part is not a 1-D array of finite numbers (naming its series).
    """
    lengths = np.array([len(np.asarray(part)) for part in parts], dtype=np.int64)
    lags = np.where(lengths > season, season, 1)
    scales = mase_scales(list(parts), lags)
    if scales is None:  # a part is not clean: check each alone, for the error that names it
        scales = np.array([_checked_scale(part, int(lag), name) if length > lag else np.nan
                           for part, lag, length, name in zip(parts, lags, lengths, names)])
    return scales, lags
