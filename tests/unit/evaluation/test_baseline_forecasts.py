"""Naive and seasonal naive forecasts against hand-built arrays, and season_for_frequency."""

from __future__ import annotations

import re

import numpy as np
import pytest

from grucast.data import Frequency
from grucast.evaluation import baseline_forecasts, naive_forecast, season_for_frequency, seasonal_naive_forecast

# Index:           0  1  2  3  4  5  6  7  8  9
SERIES = np.array([5, 1, 4, 1, 5, 9, 2, 6, 8, 3], dtype=float)


def test_naive_repeats_the_last_observed_value():
    # Origin o observes indices 0..o-1: o = 1 -> y_0 = 5, o = 5 -> y_4 = 5, o = 7 -> y_6 = 2, o = 10 -> y_9 = 3.
    got = naive_forecast(SERIES, np.array([1, 5, 7, 10]), horizon=3)
    expected = np.array([[5, 5, 5], [5, 5, 5], [2, 2, 2], [3, 3, 3]], dtype=float)
    np.testing.assert_array_equal(got, expected)
    assert got.shape == (4, 3) and got.dtype == np.float64


def test_seasonal_naive_with_season_longer_than_horizon():
    # Season 4, horizon 2. Origin 4 (T = 3): y_{3+1-4} = y_0 = 5, y_{3+2-4} = y_1 = 1.
    # Origin 9 (T = 8): y_5 = 9, y_6 = 2.
    got = seasonal_naive_forecast(SERIES, np.array([4, 9]), horizon=2, season=4)
    np.testing.assert_array_equal(got, [[5, 1], [9, 2]])


def test_seasonal_naive_with_horizon_longer_than_season():
    # Season 3, horizon 7, origin 6 (T = 5): the last cycle y_3, y_4, y_5 = 1, 5, 9, repeated.
    got = seasonal_naive_forecast(SERIES, np.array([6]), horizon=7, season=3)
    np.testing.assert_array_equal(got, [[1, 5, 9, 1, 5, 9, 1]])


def test_seasonal_naive_with_horizon_equal_to_season_and_origin_at_the_end():
    # Origin 10 = len(series) forecasts the future: last cycle y_7, y_8, y_9 = 6, 8, 3.
    got = seasonal_naive_forecast(SERIES, np.array([3, 10]), horizon=3, season=3)
    np.testing.assert_array_equal(got, [[5, 1, 4], [6, 8, 3]])


def test_seasonal_naive_season_1_is_naive():
    origins = np.array([1, 4, 10])
    np.testing.assert_array_equal(
        seasonal_naive_forecast(SERIES, origins, horizon=5, season=1), naive_forecast(SERIES, origins, horizon=5)
    )


def test_seasonal_naive_matches_a_loop_over_windows():
    # Reference built differently: cut the last cycle of each origin and tile it.
    rng = np.random.default_rng(0)
    series = rng.normal(size=200)
    season, horizon = 24, 50
    origins = rng.integers(season, len(series) + 1, size=30)
    expected = np.stack([np.resize(series[o - season : o], horizon) for o in origins])
    np.testing.assert_array_equal(seasonal_naive_forecast(series, origins, horizon, season), expected)


def test_baseline_forecasts_returns_both():
    both = baseline_forecasts(SERIES, np.array([4]), horizon=2, season=4)
    assert list(both) == ["naive", "seasonal_naive"]
    np.testing.assert_array_equal(both["naive"], [[1, 1]])
    np.testing.assert_array_equal(both["seasonal_naive"], [[5, 1]])


def test_empty_origins_give_an_empty_batch():
    assert naive_forecast(SERIES, np.array([], dtype=int), horizon=3).shape == (0, 3)


def test_origin_with_too_little_history_is_refused():
    message = (
        "origin 2 has 2 observed value(s), but the seasonal naive forecast needs at least 3; "
        "use origins >= 3 or a smaller season"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        seasonal_naive_forecast(SERIES, np.array([5, 2]), horizon=1, season=3)
    message = "origin 0 has 0 observed value(s), but the naive forecast needs at least 1; use origins >= 1"
    with pytest.raises(ValueError, match=re.escape(message)):
        naive_forecast(SERIES, np.array([0]), horizon=1)


def test_origin_past_the_end_is_refused():
    message = "origin 11 is past the end of the series (10 values); the last usable origin is 10"
    with pytest.raises(ValueError, match=re.escape(message)):
        naive_forecast(SERIES, np.array([11]), horizon=1)


def test_missing_history_is_refused_but_unused_gaps_are_not():
    series = SERIES.copy()
    series[2] = np.nan
    message = "missing or infinite value at index 2, used by the forecast from origin 3"
    with pytest.raises(ValueError, match=re.escape(message)):
        naive_forecast(series, np.array([3]), horizon=2)
    # Origin 6 with season 3 uses y_3..y_5 only.
    np.testing.assert_array_equal(seasonal_naive_forecast(series, np.array([6]), 3, 3), [[1, 5, 9]])


def test_bad_arguments_are_refused():
    with pytest.raises(TypeError, match="origins must be integer indices, got an array of dtype float64"):
        naive_forecast(SERIES, np.array([1.0]), horizon=1)
    with pytest.raises(ValueError, match=re.escape("series must be 1-D (one series, oldest first), got shape (2, 5)")):
        naive_forecast(SERIES.reshape(2, 5), np.array([1]), horizon=1)
    with pytest.raises(ValueError, match="horizon must be a positive integer, got 0; forecast at least one step"):
        naive_forecast(SERIES, np.array([1]), horizon=0)
    with pytest.raises(ValueError, match="season must be a positive integer, got 0; use 1 for no seasonality"):
        seasonal_naive_forecast(SERIES, np.array([1]), horizon=1, season=0)
    with pytest.raises(TypeError, match="horizon must be a positive integer, got bool True"):
        naive_forecast(SERIES, np.array([1]), horizon=True)


@pytest.mark.parametrize(
    ("freq", "season"),
    [
        ("h", 24), ("H", 24), ("1h", 24), ("2h", 12), ("24h", 7), ("7h", 1),
        ("D", 7), ("7D", 52), ("3D", 1),
        ("B", 5),
        ("W", 52), ("W-SUN", 52), ("W-MON", 52),
        ("M", 12), ("ME", 12), ("MS", 12), ("BMS", 12), ("3MS", 4),
        ("Q", 4), ("QS", 4), ("QE", 4), ("QS-OCT", 4), ("2Q", 2),
        ("min", 60), ("T", 60), ("15min", 96), ("30min", 48), ("60min", 24),
        ("s", 1), ("YS", 1), ("Y-DEC", 1), ("step", 1),
    ],
)
def test_season_for_frequency(freq, season):
    assert season_for_frequency(freq) == season


def test_season_for_a_frequency_object():
    assert season_for_frequency(Frequency.parse("h")) == 24
    assert season_for_frequency(Frequency("step")) == 1


@pytest.mark.parametrize("freq", ["banana", "W-JAN", "MS-SUN", "h5", ""])
def test_season_for_an_unknown_frequency_is_refused(freq):
    message = f"unknown frequency {freq!r}; use a pandas offset alias such as 'h'"
    with pytest.raises(ValueError, match=re.escape(message)):
        season_for_frequency(freq)


def test_season_for_frequency_needs_a_string():
    with pytest.raises(TypeError, match="freq must be a string"):
        season_for_frequency(24)
