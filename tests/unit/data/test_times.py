"""Output times: internal (naive) times back in the user's zone, for history and forecasts."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from grucast.data import DataError, SeriesSet
from grucast.data.times import TimeBasis, check_timezone, daylight_saving_zones, output_times

HOURS = np.array(["2024-10-26T23:00", "2024-10-27T00:00", "2024-10-27T01:00", "2024-10-27T02:00"],
                 dtype="datetime64[ns]")


def texts(index: pd.Index) -> list[str]:
    return [str(value) for value in index]


def test_steps_and_naive_times_come_back_unchanged():
    steps = output_times(np.array([5, 6, 7]), TimeBasis("UTC"))
    assert isinstance(steps, pd.Index) and steps.tolist() == [5, 6, 7]
    naive = output_times(HOURS[:2], None)
    assert texts(naive) == ["2024-10-26 23:00:00", "2024-10-27 00:00:00"]


def test_utc_clock_is_shown_in_the_zone_across_the_autumn_change():
    basis = TimeBasis("Europe/Paris", "utc")
    assert texts(output_times(HOURS, basis)) == [
        "2024-10-27 01:00:00+02:00", "2024-10-27 02:00:00+02:00", "2024-10-27 02:00:00+01:00",
        "2024-10-27 03:00:00+01:00",
    ]
    # The wall clock repeats 02:00, as the user's clock did.
    assert texts(output_times(HOURS, basis, aware=False)) == [
        "2024-10-27 01:00:00", "2024-10-27 02:00:00", "2024-10-27 02:00:00", "2024-10-27 03:00:00",
    ]


def test_utc_clock_without_a_zone_is_written_in_utc():
    assert texts(output_times(HOURS[:1], TimeBasis(None, "utc"))) == ["2024-10-26 23:00:00+00:00"]


def test_local_clock_with_a_fixed_offset():
    assert texts(output_times(HOURS[:1], TimeBasis("+05:30"))) == ["2024-10-26 23:00:00+05:30"]
    assert texts(output_times(HOURS[:1], TimeBasis("-03:00"), aware=False)) == ["2024-10-26 23:00:00"]


def test_local_clock_in_a_zone_moves_a_skipped_time_forward():
    spring = np.array(["2024-03-31T01:00", "2024-03-31T02:00"], dtype="datetime64[ns]")
    assert texts(output_times(spring, TimeBasis("Europe/Paris"))) == [
        "2024-03-31 01:00:00+01:00", "2024-03-31 03:00:00+02:00",
    ]


def test_series_set_keeps_its_time_basis():
    data = SeriesSet.from_arrays({"a": np.arange(4.0)}, time=HOURS, frequency="h")
    assert data.time_basis is None and data.timezone is None
    zoned = dataclasses.replace(data, time_basis=TimeBasis("Europe/Paris", "utc"))
    assert zoned.timezone == "Europe/Paris"
    assert zoned.with_notes(["x"]).time_basis == TimeBasis("Europe/Paris", "utc")
    future = zoned["a"].frequency.future(zoned["a"].time[-1], 2)
    assert texts(zoned.output_times(future)) == ["2024-10-27 04:00:00+01:00", "2024-10-27 05:00:00+01:00"]


def test_time_zone_names():
    assert check_timezone("Europe/Paris") == "Europe/Paris"
    assert check_timezone("+0530") == "+05:30"
    assert check_timezone(None) is None
    with pytest.raises(DataError, match="unknown time zone 'CET\\+1'"):
        check_timezone("CET+1")


def test_daylight_saving_zones_name_where_a_local_hour_is_skipped_or_repeated():
    assert daylight_saving_zones(np.datetime64("2024-03-31T02:00"), "missing")[:1] == ["Europe/Paris"]
    assert daylight_saving_zones(np.datetime64("2024-03-10T02:00"), "missing")[:1] == ["America/New_York"]
    assert daylight_saving_zones(np.datetime64("2024-11-03T01:00"), "repeated")[:1] == ["America/New_York"]
    assert daylight_saving_zones(np.datetime64("2024-06-01T02:00"), "missing") == []
