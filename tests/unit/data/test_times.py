"""Output times: internal (naive) times back in the user's zone, for history and forecasts."""

from __future__ import annotations

import dataclasses
import re

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


def column(values: list[str]) -> pd.Series:
    return pd.Series(values, dtype="str")


ROWS = np.arange(1, 3)


@pytest.mark.parametrize(
    "values,basis,expected",
    [
        # Naive history: times as written.
        (["2024-04-03 00:00", "2024-04-04 00:00"], None, ["2024-04-03T00:00", "2024-04-04T00:00"]),
        # UTC clock in Paris: naive local times are placed in the zone, then UTC.
        (["2024-03-31 01:00", "2024-03-31 03:00"], TimeBasis("Europe/Paris", "utc"),
         ["2024-03-31T00:00", "2024-03-31T01:00"]),
        # UTC clock: times with offsets become UTC.
        (["2024-03-31T03:00+02:00", "2024-03-31T04:00+02:00"], TimeBasis(None, "utc"),
         ["2024-03-31T01:00", "2024-03-31T02:00"]),
        # Local dates in Paris: UTC times are shown on the Paris clock.
        (["2024-04-02T22:00Z", "2024-04-03T22:00Z"], TimeBasis("Europe/Paris"),
         ["2024-04-03T00:00", "2024-04-04T00:00"]),
        # Local dates without a zone: as written.
        (["2024-04-03T00:00+02:00", "2024-04-04T00:00+02:00"], TimeBasis(None),
         ["2024-04-03T00:00", "2024-04-04T00:00"]),
        # A fixed offset: the local clock of that offset.
        (["2024-01-05T00:00+01:00", "2024-01-06T00:00+01:00"], TimeBasis("+01:00"),
         ["2024-01-05T00:00", "2024-01-06T00:00"]),
    ],
)
def test_future_times_land_on_the_clock_of_the_history(values, basis, expected):
    from grucast.data.times import parse_time_like

    times = parse_time_like(column(values), "t", ROWS, basis)
    np.testing.assert_array_equal(times, np.array(expected, dtype="datetime64[ns]"))


def test_future_times_without_offsets_for_a_history_with_changing_offsets_and_no_zone():
    from grucast.data.times import parse_time_like

    with pytest.raises(DataError, match=re.escape("time column 't' has no UTC offsets, but the history's times had "
                                                  "changing offsets and no zone; write these times with offsets too, "
                                                  "or pass timezone")):
        parse_time_like(column(["2024-03-31 01:00", "2024-03-31 03:00"]), "t", ROWS, TimeBasis(None, "utc"))


def test_the_earlier_parse_time_signature_still_answers():
    from grucast.data.validation import parse_time

    times, notes = parse_time(column(["01.02.2024", "02.02.2024"]), "t", ROWS)
    np.testing.assert_array_equal(times, np.array(["2024-02-01", "2024-02-02"], dtype="datetime64[ns]"))
    assert notes == []
