from __future__ import annotations

import re

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from grucast.plotting import plot_forecast, plot_test_period


def _legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


def _line(ax, label):
    return next(line for line in ax.get_lines() if line.get_label() == label)


# ---------------------------------------------------------------------------
# plot_forecast
# ---------------------------------------------------------------------------


def test_forecast_with_interval_and_actuals(hourly_load):
    history_time, history_value, forecast, actual = hourly_load
    ax = plot_forecast(
        history_time, history_value, forecast,
        actual_time=forecast["time"], actual_value=actual, level=0.9, ylabel="load (MW)",
    )
    assert isinstance(ax, Axes)
    assert _legend_texts(ax) == ["history", "forecast", "90% interval", "actual"]
    assert len(ax.collections) == 1  # the band
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(forecast["lower"].min())
    assert band[:, 1].max() == pytest.approx(forecast["upper"].max())
    assert ax.get_ylabel() == "load (MW)"
    assert ax.get_title() == "Forecast of the next 24 steps"
    np.testing.assert_allclose(_line(ax, "actual").get_ydata(), actual)


def test_only_the_tail_of_the_history_is_drawn(hourly_load):
    history_time, history_value, forecast, _ = hourly_load
    default = plot_forecast(history_time, history_value, forecast)
    assert len(_line(default, "history").get_xdata()) == 4 * 24
    chosen = plot_forecast(history_time, history_value, forecast, history_points=10)
    np.testing.assert_allclose(_line(chosen, "history").get_ydata(), history_value[-10:])


def test_datetime_axis_uses_concise_dates(hourly_load):
    history_time, history_value, forecast, _ = hourly_load
    ax = plot_forecast(history_time, history_value, forecast)
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    assert ax.get_xlabel() == "time"
    ax.figure.canvas.draw()
    labels = [label.get_text() for label in ax.get_xticklabels() if label.get_text()]
    assert "Mar 14" in labels  # day ticks carry their month


def test_integer_steps_work():
    forecast = pd.DataFrame({"time": np.arange(100, 112), "value": np.ones(12)})
    ax = plot_forecast(np.arange(100), np.sin(np.arange(100)), forecast, history_points=20)
    assert isinstance(ax.xaxis.get_major_locator(), MaxNLocator)
    assert ax.get_xlabel() == "time step"
    assert list(_line(ax, "forecast").get_xdata()) == list(range(100, 112))
    assert list(_line(ax, "history").get_xdata()) == list(range(80, 100))


def test_no_band_without_bounds_and_a_plain_label_without_level(hourly_load):
    history_time, history_value, forecast, _ = hourly_load
    bare = plot_forecast(history_time, history_value, forecast[["time", "value"]])
    assert len(bare.collections) == 0
    assert _legend_texts(bare) == ["history", "forecast"]
    unlabelled = plot_forecast(history_time, history_value, forecast)
    assert "interval" in _legend_texts(unlabelled)


def test_time_zones_keep_the_wall_clock(hourly_load):
    history_time, history_value, forecast, _ = hourly_load
    zoned = forecast.assign(time=forecast["time"].dt.tz_localize("Asia/Tokyo"))
    ax = plot_forecast(history_time.tz_localize("Asia/Tokyo"), history_value, zoned)
    assert _line(ax, "forecast").get_xdata()[0] == np.datetime64("2024-03-18T00:00")
    assert _line(ax, "history").get_xdata()[-1] == np.datetime64("2024-03-17T23:00")


def test_forecast_from_a_filtered_frame_with_a_series_column(hourly_load):
    history_time, history_value, forecast, _ = hourly_load
    both = pd.concat([forecast.assign(series="a"), forecast.assign(series="b", value=0.0)], ignore_index=True)
    ax = plot_forecast(history_time, history_value, both[both.series == "b"])
    np.testing.assert_allclose(_line(ax, "forecast").get_ydata(), 0.0)


def test_legend_sits_above_the_data(hourly_load):
    history_time, history_value, forecast, _ = hourly_load
    ax = plot_forecast(history_time, history_value, forecast)
    top = max(np.max(history_value), forecast["upper"].max())
    low, high = ax.get_ylim()
    assert high > top + 0.15 * (top - low)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda f: f.drop(columns="value"), ValueError, "plot_forecast: forecast has no column 'value'"),
        (lambda f: f.drop(columns="upper"), ValueError, "forecast has a 'lower' column without its partner"),
        (lambda f: f.assign(series=["a", "b"] * 12), ValueError, "forecast holds 2 series"),
        (lambda f: f.assign(time=np.arange(24)), TypeError, "history_time holds datetimes but forecast['time'] holds numbers"),
        (lambda f: f.to_numpy(), TypeError, "forecast must be a pandas DataFrame, got ndarray"),
    ],
)
def test_bad_forecast_frames_are_refused(hourly_load, change, error, message):
    history_time, history_value, forecast, _ = hourly_load
    with pytest.raises(error, match=re.escape(message)):
        plot_forecast(history_time, history_value, change(forecast))


def test_level_given_in_percent_gets_a_hint(hourly_load):
    history_time, history_value, forecast, _ = hourly_load
    with pytest.raises(ValueError, match=re.escape("level must be in (0, 1), got 90. For 90 %, pass 0.9.")):
        plot_forecast(history_time, history_value, forecast, level=90)


def test_actual_time_without_values_is_refused(hourly_load):
    history_time, history_value, forecast, _ = hourly_load
    with pytest.raises(ValueError, match="pass both actual_time and actual_value, or neither"):
        plot_forecast(history_time, history_value, forecast, actual_time=forecast["time"])


# ---------------------------------------------------------------------------
# plot_test_period
# ---------------------------------------------------------------------------


def _test_period(n=100):
    times = pd.date_range("2024-01-01", periods=n, freq="h")
    actual = np.sin(np.arange(n) / 4)
    return times, actual, actual + 0.1


def test_test_period_lines_band_and_baseline():
    times, actual, forecast = _test_period()
    ax = plot_test_period(
        times, actual, forecast, lower=forecast - 1, upper=forecast + 1, level=0.8,
        baseline=actual * 0.5, title="AEP", ylabel="load (MW)",
    )
    assert _legend_texts(ax) == ["forecast", "80% interval", "seasonal naive", "actual"]
    assert len(ax.collections) == 1
    assert ax.get_title() == "AEP"
    assert ax.get_ylabel() == "load (MW)"
    np.testing.assert_allclose(_line(ax, "seasonal naive").get_ydata(), actual * 0.5)


def test_test_period_without_band_or_baseline():
    times, actual, forecast = _test_period()
    ax = plot_test_period(times, actual, forecast, baseline_label="naive")
    assert len(ax.collections) == 0
    assert _legend_texts(ax) == ["forecast", "actual"]
    assert ax.get_title() == "Test period"


def test_long_test_periods_show_the_last_points_and_say_so():
    times, actual, forecast = _test_period(500)
    ax = plot_test_period(times, actual, forecast, baseline=actual, title="AEP")
    assert ax.get_title() == "AEP (last 336 of 500 points)"
    for label in ("actual", "forecast", "seasonal naive"):
        assert len(_line(ax, label).get_xdata()) == 336
    np.testing.assert_allclose(_line(ax, "actual").get_ydata(), actual[-336:])


def test_test_period_with_integer_steps():
    _, actual, forecast = _test_period(30)
    ax = plot_test_period(np.arange(30), actual, forecast, max_points=10)
    assert ax.get_xlabel() == "time step"
    assert list(_line(ax, "actual").get_xdata()) == list(range(20, 30))
    assert ax.get_title() == "Test period (last 10 of 30 points)"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"forecast": np.zeros(99)}, "plot_test_period: forecast has 99 values but times has 100. Pass arrays of the same length."),
        ({"lower": np.zeros(100)}, "plot_test_period: lower was given without its partner. Pass both lower and upper, or neither."),
        ({"max_points": 0}, "plot_test_period: max_points must be a positive integer, got 0"),
    ],
)
def test_test_period_refuses_bad_arrays(kwargs, message):
    times, actual, forecast = _test_period()
    arguments = {"forecast": forecast, **kwargs}
    with pytest.raises(ValueError, match=re.escape(message)):
        plot_test_period(times, actual, **arguments)


def test_text_times_are_refused_with_the_fix():
    with pytest.raises(TypeError, match=re.escape("Parse text times with pd.to_datetime first.")):
        plot_test_period(["2024-01-01", "2024-01-02"], [1.0, 2.0], [1.0, 2.0])
