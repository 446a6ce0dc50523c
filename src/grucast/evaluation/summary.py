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

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from grucast import checks
from grucast.evaluation.metrics import (
    METRIC_NAMES,
    UndefinedMetricError,
    mae,
    mape,
    mase_scale,
    mase_undefined,
    mse,
    r2,
    rmse,
    smape,
)
from grucast.evaluation.grouped import grouped_metrics, mase_scales
from grucast.grouping import group_codes

__all__ = ["ForecastMetrics", "evaluate_forecasts", "evaluate_many"]

Metrics = dict[str, float | None]

# The metrics computed from actuals and forecasts alone (MASE needs the scales).
_PLAIN: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "mae": mae,
    "rmse": rmse,
    "mse": mse,
    "mape": mape,
    "smape": smape,
    "r2": r2,
}


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


def _block(actual: np.ndarray, forecast: np.ndarray, scaled: np.ndarray, where: str, notes: list[str]) -> Metrics:
    """Every metric of one group; ``scaled`` holds its |error| / q values (may be empty)."""
    values: Metrics = {}
    for name in METRIC_NAMES:
        if name == "mase":
            # No scaled errors: every series of the group lacks a scale (noted by the caller).
            values[name] = float(np.mean(scaled)) if scaled.size else None
            continue
        try:
            values[name] = _PLAIN[name](actual, forecast)
        except UndefinedMetricError as error:
            values[name] = None
            notes.append(f"{where}: {error}")
    return values


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

    The series' labels, MASE scales and groups of windows are found once for all of
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

    notes: list[str] = []
    # One MASE scale per series (NaN where undefined), gathered per window: (W,).
    # A training part shorter than a season and a step has no seasonal naive error:
    # such a series is scaled by the naive (lag-1) error instead.
    parts = [train[name] for name in names]
    lengths = np.array([len(np.asarray(part)) for part in parts], dtype=np.int64)
    lags = np.where(lengths > season, season, 1)
    short = [names[i] for i in np.flatnonzero(lags != season).tolist()]
    scales = mase_scales(parts, lags)
    if scales is None:  # a part is not clean: check each alone, for the error that names it
        scales = np.array([_checked_scale(part, int(lag), name) if length > lag else np.nan
                           for part, lag, length, name in zip(parts, lags, lengths, names)])
    for i in np.flatnonzero(scales == 0.0).tolist():
        notes.append(f"series {names[i]!r}: {mase_undefined(int(lags[i]))}")
    scales[scales == 0.0] = np.nan
    if short:
        shown = ", ".join(repr(name) for name in short[:5]) + (f" and {len(short) - 5} more" if len(short) > 5 else "")
        notes.append(
            f"{len(short)} series have fewer than {season + 1} training values ({shown}): their MASE is scaled by "
            "the in-sample naive (lag-1) error, or left out with a single value"
        )
    window_scale = scales[codes]
    has_scale = ~np.isnan(window_scale)
    if not has_scale.any():
        notes.append("overall and per-step mase are undefined: no series has a MASE scale")
    elif not has_scale.all():
        skipped = ", ".join(repr(name) for name, scale in zip(names, scales) if np.isnan(scale))
        notes.append(f"overall and per-step mase leave out series {skipped}, which have no MASE scale")
    # The rows of each series, in the order of `names` (first appearance).
    groups = group_codes(codes, len(names))
    return {
        name: _scored(actual, np.asarray(forecast).astype(np.float64, copy=False), window_scale, has_scale, groups,
                      names, list(notes), season)
        for name, forecast in forecasts.items()
    }


def _scored(
    actual: np.ndarray, forecast: np.ndarray, window_scale: np.ndarray, has_scale: np.ndarray,
    groups: list[np.ndarray], names: list[Hashable], notes: list[str], season: int,
) -> ForecastMetrics:
    """One forecast's metrics, overall, per series and per step, given what :func:`evaluate_many` found."""
    scaled = np.abs(actual - forecast)
    scaled /= window_scale[:, None]  # (W, H), NaN rows where undefined
    overall = _block(actual, forecast, scaled if has_scale.all() else scaled[has_scale], "overall", notes)
    metrics, series_notes = grouped_metrics(actual, forecast, scaled, groups, names)
    per_series: dict[Hashable, Metrics] = dict(zip(names, metrics))
    notes += series_notes
    per_step: dict[int, Metrics] = {}
    for step in range(actual.shape[1]):
        per_step[step + 1] = _block(
            actual[:, step], forecast[:, step], scaled[has_scale, step], f"step {step + 1}", notes
        )
    return ForecastMetrics(overall, per_series, per_step, tuple(notes), int(season))
