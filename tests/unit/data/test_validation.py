"""Validation: each error and its exact message, and the missing-value policies."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from grucast.data import DataError, DataWarning, from_dataframe


def hourly(values, start="2024-01-01", **extra) -> pd.DataFrame:
    times = pd.date_range(start, periods=len(values), freq="h")
    return pd.DataFrame({"time": times.strftime("%Y-%m-%d %H:%M:%S"), "y": values, **extra})


def test_non_numeric_target_names_value_row_and_series():
    frame = pd.DataFrame(
        {"id": ["a", "a", "b", "b"], "t": [0, 1, 0, 1], "y": ["1.0", "2.5", "3", "n/a?"]}
    )
    message = (
        "column 'y' has a non-numeric value 'n/a?' at row 4 (series 'b'); fix it in the file, "
        "or if it marks a missing reading pass na_values=['n/a?'] and choose a missing policy"
    )
    with pytest.raises(DataError, match=re.escape(message)):
        from_dataframe(frame, time_col="t", target="y", series_col="id")


def test_non_numeric_covariate():
    frame = hourly([1.0, 2.0, 3.0], temp=["1", "warm", "3"])
    with pytest.raises(DataError, match=re.escape("column 'temp' has a non-numeric value 'warm' at row 2;")):
        from_dataframe(frame, time_col="time", target="y", past_covariates="temp")


def test_infinite_value():
    with pytest.raises(DataError, match=re.escape("column 'y' has an infinite value at row 2; replace it with a "
                                                  "number or leave it empty")):
        from_dataframe(hourly([1.0, np.inf, 3.0]), time_col="time", target="y")


def test_unparseable_time():
    frame = hourly([1.0, 2.0, 3.0])
    frame.loc[2, "time"] = "yesterday"
    message = (
        "cannot parse time value 'yesterday' in column 'time' at row 3; write times as ISO 8601 "
        "(2024-01-31 13:00:00) or pass time_format"
    )
    with pytest.raises(DataError, match=re.escape(message)):
        from_dataframe(frame, time_col="time", target="y")


def test_time_format_is_used():
    frame = pd.DataFrame({"day": ["31/01/2024", "01/02/2024", "02/02/2024"], "y": [1.0, 2.0, 4.0]})
    data = from_dataframe(frame, time_col="day", target="y", time_format="%d/%m/%Y")
    assert data["y"].time[1] == np.datetime64("2024-02-01")


def test_missing_time_value():
    frame = hourly([1.0, 2.0, 3.0])
    frame.loc[1, "time"] = None
    with pytest.raises(DataError, match=re.escape("missing time value in column 'time' at row 2; every row needs a "
                                                  "time")):
        from_dataframe(frame, time_col="time", target="y")


def test_duplicate_timestamps():
    frame = hourly([1.0, 2.0, 3.0, 4.0])
    frame.loc[3, "time"] = frame.loc[2, "time"]
    message = (
        "series 'y': time 2024-01-01 02:00:00 appears more than once (rows 3 and 4); keep one row per time, "
        "e.g. average duplicates with groupby(...).mean()"
    )
    with pytest.raises(DataError, match=re.escape(message)):
        from_dataframe(frame, time_col="time", target="y")


def test_unsorted_rows_are_sorted_with_a_note():
    frame = hourly([1.0, 2.0, 3.0, 4.0]).iloc[[0, 2, 1, 3]]
    note = (
        "series 'y': rows were not in time order (row 3, 2024-01-01 01:00:00, comes after 2024-01-01 02:00:00); "
        "sorted them by time"
    )
    with pytest.warns(DataWarning, match=re.escape(note)):
        data = from_dataframe(frame, time_col="time", target="y")
    np.testing.assert_array_equal(data["y"].target, [1.0, 2.0, 3.0, 4.0])
    assert data.notes == (note,)


def test_irregular_spacing():
    frame = pd.DataFrame(
        {
            "time": [
                "2024-01-01 00:00", "2024-01-01 01:00", "2024-01-01 01:30",
                "2024-01-01 03:00", "2024-01-01 04:00", "2024-01-01 05:00",
            ],
            "y": [1.0, 2, 3, 4, 5, 6],
        }
    )
    message = (
        "series 'y': time 2024-01-01 01:30:00 at row 3 is off the hourly grid that starts at 2024-01-01 "
        "(irregular spacing); resample the data to a regular frequency first, or pass freq with the spacing you want"
    )
    with pytest.raises(DataError, match=re.escape(message)):
        from_dataframe(frame, time_col="time", target="y")


def test_gap_is_an_error_by_default():
    frame = hourly([1.0, 2.0, 3.0, 4.0, 5.0]).drop(index=[2, 3])
    message = (
        "series 'y': 2 time(s) missing from the hourly grid, first 2024-01-01 02:00:00 (after row 2); fill the gaps "
        "in the file, choose missing='interpolate', missing='ffill' or missing='drop', or pass the right freq"
    )
    with pytest.raises(DataError, match=re.escape(message)):
        from_dataframe(frame, time_col="time", target="y")


def test_missing_value_is_an_error_by_default():
    frame = hourly([1.0, np.nan, 3.0, np.nan])
    message = (
        "series 'y': missing value in column 'y' at row 2 (2024-01-01 01:00:00) and 1 more; fill it in the file "
        "or choose missing='interpolate', missing='ffill' or missing='drop'"
    )
    with pytest.raises(DataError, match=re.escape(message)):
        from_dataframe(frame, time_col="time", target="y")


def test_interpolate_fills_values_and_gaps_linearly():
    frame = hourly([0.0, np.nan, 2.0, 3.0, 4.0, 5.0, 6.0]).drop(index=[4, 5])
    with pytest.warns(DataWarning):
        data = from_dataframe(frame, time_col="time", target="y", missing="interpolate")
    series = data["y"]
    np.testing.assert_allclose(series.target, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert len(series.time) == 7
    assert data.notes == (
        "series 'y': filled 1 missing value(s) and 2 missing time(s) with linear interpolation (missing='interpolate')",
    )


def test_interpolate_drops_ends_it_cannot_fill():
    with pytest.warns(DataWarning):
        data = from_dataframe(hourly([np.nan, 1.0, 3.0, np.nan]), time_col="time", target="y", missing="interpolate")
    np.testing.assert_array_equal(data["y"].target, [1.0, 3.0])
    assert data.notes[-1] == (
        "series 'y': dropped 1 leading and 1 trailing row(s) with missing values and nothing to fill them from"
    )


def test_ffill_carries_the_last_value():
    frame = hourly([1.0, np.nan, 3.0, 4.0, 7.0]).drop(index=[3])
    with pytest.warns(DataWarning):
        data = from_dataframe(frame, time_col="time", target="y", missing="ffill")
    np.testing.assert_array_equal(data["y"].target, [1.0, 1.0, 3.0, 3.0, 7.0])
    assert "with the last value seen (missing='ffill')" in data.notes[0]


def test_drop_removes_rows_and_keeps_gaps():
    frame = hourly([1.0, np.nan, 3.0, 4.0, 7.0]).drop(index=[3])
    with pytest.warns(DataWarning):
        data = from_dataframe(frame, time_col="time", target="y", missing="drop")
    np.testing.assert_array_equal(data["y"].target, [1.0, 3.0, 7.0])
    assert data.notes == (
        "series 'y': dropped 1 row(s) with missing values (missing='drop')",
        "series 'y': kept 1 gap(s) in the hourly grid as they are (missing='drop'), first at 2024-01-01 03:00:00; "
        "rows either side of a gap are consecutive steps",
    )


def test_policy_applies_to_covariates_too():
    frame = hourly([1.0, 2.0, 3.0], temp=[10.0, np.nan, 30.0])
    with pytest.raises(DataError, match=re.escape("missing value in column 'temp' at row 2")):
        from_dataframe(frame, time_col="time", target="y", known_covariates="temp")
    with pytest.warns(DataWarning):
        data = from_dataframe(frame, time_col="time", target="y", known_covariates="temp", missing="interpolate")
    np.testing.assert_array_equal(data["y"].known[:, 0], [10.0, 20.0, 30.0])


def test_unknown_policy():
    with pytest.raises(DataError, match=re.escape("missing must be one of 'error', 'interpolate', 'ffill', 'drop', "
                                                  "got 'zero'")):
        from_dataframe(hourly([1.0, 2.0]), time_col="time", target="y", missing="zero")


def test_constant_series():
    frame = pd.DataFrame({"id": ["a"] * 3 + ["b"] * 3, "y": [1.0, 2.0, 3.0, 5.0, 5.0, 5.0]})
    message = (
        "series 'b' is constant (every target value is 5); it has nothing to learn and cannot be scaled; "
        "remove it from the data"
    )
    with pytest.raises(DataError, match=re.escape(message)):
        from_dataframe(frame, target="y", series_col="id")


def test_single_row_series():
    with pytest.raises(DataError, match=re.escape("series 'y' has 1 row(s), too few to infer its frequency; give it "
                                                  "more rows or pass freq (e.g. 'h' or 'D')")):
        from_dataframe(hourly([1.0]), time_col="time", target="y")


def test_one_utc_offset_keeps_the_local_clock():
    times = ["2024-01-01T00:00+01:00", "2024-01-01T01:00+01:00", "2024-01-01T02:00+01:00"]
    frame = pd.DataFrame({"t": times, "y": [1.0, 2, 3]})
    with pytest.warns(DataWarning, match=re.escape("every time has the UTC offset +01:00; modelled on the local clock")):
        data = from_dataframe(frame, time_col="t", target="y")
    assert data["y"].time[0] == np.datetime64("2024-01-01T00:00")
    assert data.timezone == "+01:00"
    assert list(data.output_times(data["y"].time[:1]).astype(str)) == ["2024-01-01 00:00:00+01:00"]


def test_freq_needs_timestamps():
    with pytest.raises(DataError, match=re.escape("freq='h' needs a time column; pass time_col, or leave freq out "
                                                  "to use integer steps")):
        from_dataframe(pd.DataFrame({"y": [1.0, 2.0, 3.0]}), target="y", freq="h")


def test_series_with_the_same_times_infer_their_grid_once(monkeypatch):
    """Four series on one calendar, one starting later, one monthly: three inferences,
    every series with its own frequency; a gap is still reported for its own series."""
    import grucast.data.validation as validation

    calls = []
    original = validation.infer_frequency
    monkeypatch.setattr(validation, "infer_frequency", lambda time, name: calls.append(name) or original(time, name))
    days = pd.date_range("2024-01-01", periods=30, freq="D")
    parts = [pd.DataFrame({"id": f"d{k}", "t": days, "y": np.arange(30.0) * (k + 1)}) for k in range(4)]
    parts.append(pd.DataFrame({"id": "late", "t": days + pd.Timedelta(days=3), "y": np.arange(30.0)}))
    parts.append(pd.DataFrame({"id": "m", "t": pd.date_range("2020-01-31", periods=30, freq="ME"), "y": np.arange(30.0)}))
    data = from_dataframe(pd.concat(parts), time_col="t", target="y", series_col="id")
    assert calls == ["d0", "late", "m"]
    assert [s.frequency.alias for s in data] == ["D"] * 5 + ["ME"]
    gappy = pd.concat([parts[0], parts[1].drop(index=[10])])
    with pytest.raises(DataError, match=r"series 'd1': 1 time\(s\) missing from the daily grid, first 2024-01-11"):
        from_dataframe(gappy, time_col="t", target="y", series_col="id")
