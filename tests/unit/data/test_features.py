"""Calendar features against hand-computed values."""

from __future__ import annotations

import re

import numpy as np
import pytest

from grucast.data import DataError, Frequency, calendar_features, calendar_names, default_calendar


def test_raw_features():
    # 2024-02-29 was a Thursday (day_of_week 3), day 60 of a leap year.
    time = np.array(["2024-02-29T18:00", "2024-12-31T00:00"], dtype="datetime64[ns]")
    values = calendar_features(time, ["hour", "day_of_week", "day_of_month", "month", "day_of_year"], "raw")
    np.testing.assert_array_equal(values, [[18, 3, 29, 2, 60], [0, 1, 31, 12, 366]])


def test_cyclical_features():
    time = np.array(["2023-01-01T06:00", "2023-01-01T12:00"], dtype="datetime64[ns]")
    values = calendar_features(time, ["hour"], "cyclical")
    # 06:00 is a quarter of the way round the day, 12:00 halfway.
    np.testing.assert_allclose(values, [[1.0, 0.0], [0.0, -1.0]], atol=1e-12)
    sunday = calendar_features(np.array(["2023-01-01"], dtype="datetime64[ns]"), ["day_of_week"])
    angle = 2 * np.pi * 6 / 7
    np.testing.assert_allclose(sunday, [[np.sin(angle), np.cos(angle)]])
    # The last day of a month sits just before the first on the circle.
    ends = calendar_features(np.array(["2023-02-28", "2023-02-01"], dtype="datetime64[ns]"), ["day_of_month"])
    np.testing.assert_allclose(ends[0], [np.sin(2 * np.pi * 27 / 28), np.cos(2 * np.pi * 27 / 28)])
    np.testing.assert_allclose(ends[1], [0.0, 1.0])


def test_names():
    assert calendar_names(["hour", "month"]) == ("hour_sin", "hour_cos", "month_sin", "month_cos")
    assert calendar_names(["hour", "month"], "raw") == ("hour", "month")


def test_defaults_follow_the_frequency():
    assert default_calendar(Frequency("h")) == ("hour", "day_of_week", "month", "day_of_year")
    assert default_calendar(Frequency("B")) == ("day_of_week", "day_of_month", "month", "day_of_year")
    assert default_calendar(Frequency("MS")) == ("month",)
    assert default_calendar(Frequency("step")) == ()


def test_errors():
    time = np.array(["2023-01-01"], dtype="datetime64[ns]")
    with pytest.raises(DataError, match=re.escape("unknown calendar feature 'weekday'; choose from 'hour', "
                                                  "'day_of_week', 'day_of_month', 'month', 'day_of_year'")):
        calendar_features(time, ["weekday"])
    with pytest.raises(DataError, match=re.escape("calendar features need timestamps, but the series is indexed by "
                                                  "integer steps")):
        calendar_features(np.arange(3), ["hour"])
    with pytest.raises(DataError, match=re.escape("calendar encoding must be 'cyclical' or 'raw', got 'onehot'")):
        calendar_features(time, ["hour"], "onehot")
