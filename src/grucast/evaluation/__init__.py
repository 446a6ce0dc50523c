"""Evaluation: accuracy metrics, baseline forecasts and their aggregation.

The metrics (:mod:`grucast.evaluation.metrics`) are pure functions over numpy
arrays with their formulas in their docstrings; :func:`evaluate_forecasts` applies
them to test forecasts overall, per series and per horizon step; the naive and
seasonal naive baselines (:mod:`grucast.evaluation.baselines`) give the numbers a
model must beat on the same windows. Importing this package imports neither
torch nor matplotlib.
"""

from grucast.evaluation.baselines import (
    BASELINE_NAMES,
    baseline_forecasts,
    naive_forecast,
    season_for_frequency,
    seasonal_naive_forecast,
)
from grucast.evaluation.metrics import (
    METRIC_NAMES,
    UndefinedMetricError,
    mae,
    mape,
    mase,
    mase_scale,
    mse,
    r2,
    rmse,
    smape,
)
from grucast.evaluation.summary import ForecastMetrics, evaluate_forecasts, evaluate_many

__all__ = [
    "BASELINE_NAMES",
    "METRIC_NAMES",
    "ForecastMetrics",
    "UndefinedMetricError",
    "baseline_forecasts",
    "evaluate_forecasts",
    "evaluate_many",
    "mae",
    "mape",
    "mase",
    "mase_scale",
    "mse",
    "naive_forecast",
    "r2",
    "rmse",
    "season_for_frequency",
    "seasonal_naive_forecast",
    "smape",
]
