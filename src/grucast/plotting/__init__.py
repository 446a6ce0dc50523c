"""Figures of a forecasting run, drawn with matplotlib.

Every ``plot_*`` function takes an optional ``ax`` (a new figure when None) and
returns the axes it drew on, so figures compose into a user's own layouts;
:func:`plot_comparison` draws one panel per metric and so takes and returns a list
of axes. :func:`save_figure` writes any of them to PNG and closes the figure.

====================================  ==========================================================
:func:`plot_loss_curves`              training and validation loss per epoch, best epoch marked
:func:`plot_forecast`                 the end of a series, the forecast after it, its interval
:func:`plot_test_period`              actual values vs forecasts (and a baseline) over a test period
:func:`plot_horizon_errors`           an error metric against the horizon step, per forecast
:func:`plot_reliability`              quantile forecasts: nominal level against empirical share below
:func:`plot_comparison`               models side by side, one bar chart per metric
:func:`plot_optimization_history`     a search's trial scores and the best so far
:func:`plot_param_importances`        how much each searched setting mattered
:func:`save_figure`                   tight layout, PNG, close
====================================  ==========================================================

This is the only part of grucast that imports matplotlib. It never chooses a
backend: matplotlib itself falls back to the non-interactive Agg backend when no
display is available, and a backend the user picked (``MPLBACKEND``,
``matplotlib.use``, a notebook) stays as it is.
"""

from grucast.plotting.evaluation import plot_comparison, plot_horizon_errors, plot_reliability
from grucast.plotting.forecasts import plot_forecast, plot_test_period
from grucast.plotting.output import save_figure
from grucast.plotting.training import plot_loss_curves
from grucast.plotting.tuning import plot_optimization_history, plot_param_importances

__all__ = [
    "plot_comparison",
    "plot_forecast",
    "plot_horizon_errors",
    "plot_reliability",
    "plot_loss_curves",
    "plot_optimization_history",
    "plot_param_importances",
    "plot_test_period",
    "save_figure",
]
