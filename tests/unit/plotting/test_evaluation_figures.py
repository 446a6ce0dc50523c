from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex

from grucast.plotting import plot_comparison, plot_horizon_errors

PER_STEP = {
    "gru": [1.0, 1.5, 2.0, 2.5],
    "naive": [1.2, 2.4, 3.6, 4.8],
    "seasonal_naive": [3.0, 3.0, None, 3.0],
}


def _legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


# ---------------------------------------------------------------------------
# plot_horizon_errors
# ---------------------------------------------------------------------------


def test_one_line_with_markers_per_label_over_steps_from_one():
    ax = plot_horizon_errors(PER_STEP, metric="mae", unit="MW")
    assert isinstance(ax, Axes)
    assert len(ax.get_lines()) == 3
    assert _legend_texts(ax) == ["gru", "naive", "seasonal naive"]
    for line in ax.get_lines():
        assert list(line.get_xdata()) == [1, 2, 3, 4]
        assert line.get_marker() == "o"
    assert np.isnan(ax.get_lines()[2].get_ydata()[2])  # None is a gap
    assert list(ax.get_xticks()) == [1, 2, 3, 4]
    assert ax.get_ylabel() == "MAE (MW)"
    assert ax.get_title() == "MAE by horizon step"
    assert ax.get_ylim()[0] == 0


def test_baselines_are_styled_apart_from_models():
    ax = plot_horizon_errors(PER_STEP)
    styles = {line.get_label(): line.get_linestyle() for line in ax.get_lines()}
    assert styles == {"gru": "-", "naive": ":", "seasonal naive": "--"}


def test_metric_name_is_upper_case_without_unit():
    ax = plot_horizon_errors({"gru": [0.5, -0.1]}, metric="r2")
    assert ax.get_ylabel() == "R2"
    assert ax.get_ylim()[0] < -0.1  # no zero floor when a value is negative


def test_long_horizons_get_fewer_integer_ticks():
    ax = plot_horizon_errors({"gru": np.linspace(1, 2, 168)})
    ticks = ax.get_xticks()
    assert len(ticks) < 20
    assert np.all(ticks == np.round(ticks))


@pytest.mark.parametrize(
    ("per_step", "error", "message"),
    [
        ({}, ValueError, "plot_horizon_errors: per_step is empty"),
        ({"a": [1.0, 2.0], "b": [1.0]}, ValueError, "every label needs the same number of steps, got {'a': 2, 'b': 1}."),
        ({"a": []}, ValueError, "the sequences in per_step are empty"),
        ([1.0, 2.0], TypeError, "per_step must be a dict {label: values per step}, got list"),
        ({"a": ["x"]}, TypeError, "per_step['a'] must hold numbers"),
    ],
)
def test_bad_per_step_is_refused(per_step, error, message):
    with pytest.raises(error, match=re.escape(message)):
        plot_horizon_errors(per_step)


# ---------------------------------------------------------------------------
# plot_comparison
# ---------------------------------------------------------------------------

TABLE = pd.DataFrame(
    {
        "model": ["gru", "lstm", "seasonal_naive"],
        "mae": [2.0, 1.5, 3.0],
        "r2": [0.8, 0.9, 0.1],
        "train_seconds": [30.0, 50.0, np.nan],
    }
)


def _bar_colors(ax):
    return [to_hex(bar.get_facecolor()) for bar in ax.patches]


def test_one_panel_per_metric_with_one_bar_per_model():
    axes = plot_comparison(TABLE, metrics=("mae", "r2", "train_seconds"))
    assert isinstance(axes, list)
    assert len(axes) == 3
    assert all(isinstance(ax, Axes) for ax in axes)
    assert len(plt.get_fignums()) == 1
    for ax in axes:
        assert len(ax.patches) == len(TABLE)
    assert [label.get_text() for label in axes[0].get_yticklabels()] == ["gru", "lstm", "seasonal naive"]
    assert axes[0].get_title() == "MAE\n(lower is better)"
    assert axes[1].get_title() == "R²\n(higher is better)"


def test_the_best_bar_is_highlighted():
    mae, r2 = plot_comparison(TABLE, metrics=("mae", "r2"))
    colors = _bar_colors(mae)
    assert colors[1] != colors[0] and colors[0] == colors[2]  # lstm has the lowest MAE
    colors = _bar_colors(r2)
    assert colors[1] != colors[0] and colors[0] == colors[2]  # lstm has the highest R²
    assert [bar.get_width() for bar in mae.patches] == [2.0, 1.5, 3.0]


def test_values_are_printed_at_the_bar_ends_and_missing_ones_say_so():
    (seconds,) = plot_comparison(TABLE, metrics=("train_seconds",))
    texts = [text.get_text() for text in seconds.texts]
    assert texts == ["30", "50", "n/a"]
    assert [bar.get_visible() for bar in seconds.patches] == [True, True, False]
    bold = [text.get_text() for text in seconds.texts if text.get_fontweight() == "bold"]
    assert bold == ["30"]
    assert seconds.get_xlim()[1] > 50  # room for the text after the longest bar


def test_draws_on_the_axes_given():
    _, given = plt.subplots(1, 2)
    axes = plot_comparison(TABLE, metrics=("mae", "r2"), axes=given)
    assert axes[0] is given[0] and axes[1] is given[1]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"metrics": ("mae", "mase")}, ValueError, "plot_comparison: table has no column 'mase' (columns: ['model', 'mae', 'r2', 'train_seconds'])."),
        ({"metrics": ()}, ValueError, "plot_comparison: metrics is empty"),
        ({"metrics": ("mae", "r2"), "axes": []}, ValueError, "got 0 axes for 2 metrics; pass one axes per metric."),
    ],
)
def test_bad_arguments_are_refused(kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        plot_comparison(TABLE, **kwargs)


def test_text_in_a_metric_column_is_refused():
    table = TABLE.assign(mae=["a", "b", "c"])
    with pytest.raises(TypeError, match=re.escape("plot_comparison: column 'mae' must hold numbers")):
        plot_comparison(table, metrics=("mae",))


def test_reliability_plot_draws_the_diagonal_and_one_line_per_forecast():
    from grucast.plotting import plot_reliability

    ax = plot_reliability([0.1, 0.5, 0.9], {"gru": [0.12, 0.5, 0.88], "seasonal_naive": [0.2, 0.55, 0.95]})
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["calibrated", "gru", "seasonal naive"]
    assert list(lines[1].get_ydata()) == [0.12, 0.5, 0.88]
    with pytest.raises(ValueError, match=r"plot_reliability: nominal levels must lie in \(0, 1\), got \[0\.0, 0\.5\]"):
        plot_reliability([0.0, 0.5], {"gru": [0.0, 0.5]})
    with pytest.raises(ValueError, match=r"plot_reliability: empirical\['gru'\] has 1 shares for 2 levels"):
        plot_reliability([0.1, 0.5], {"gru": [0.1]})


def test_a_forecast_with_quantile_columns_is_drawn_as_a_fan():
    import pandas as pd

    from grucast.plotting import plot_forecast

    forecast = pd.DataFrame({"time": [3, 4], "value": [1.0, 1.0], "q0.1": [0.5, 0.4], "q0.25": [0.8, 0.7],
                             "q0.5": [1.0, 1.0], "q0.75": [1.2, 1.3], "q0.9": [1.5, 1.6]})
    ax = plot_forecast([0, 1, 2], [1.0, 1.1, 0.9], forecast)
    bands = [c.get_label() for c in ax.collections]
    assert bands == ["80 % quantile band", "50 % quantile band"]  # widest first, nested inside it
