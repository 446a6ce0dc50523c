"""Frequency: inferred per series (hourly, daily, business days with holidays, ...) or given."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from grucast.data import DataError, DataWarning, Frequency, from_dataframe, infer_frequency
from grucast.data.frequency import MAX_HOLIDAY_RUN, check_grid


def stamps(index: pd.DatetimeIndex) -> np.ndarray:
    return index.to_numpy("datetime64[ns]")


@pytest.mark.parametrize(
    "index,alias,description",
    [
        (pd.date_range("2024-01-01", periods=50, freq="h"), "h", "hourly"),
        (pd.date_range("2024-01-01", periods=50, freq="15min"), "15min", "every 15 minutes"),
        (pd.date_range("2024-01-01", periods=50, freq="D"), "D", "daily"),
        (pd.bdate_range("2024-01-01", periods=50), "B", "business days"),
        (pd.date_range("2024-01-07", periods=20, freq="7D"), "W-SUN", "weekly (Sundays)"),
        (pd.date_range("2024-01-07 09:00", periods=20, freq="7D"), "7D", "weekly"),
        (pd.date_range("2020-01-01", periods=30, freq="MS"), "MS", "monthly (month start)"),
        (pd.date_range("2020-01-31", periods=30, freq="ME"), "ME", "monthly (month end)"),
    ],
)
def test_infer_frequency(index, alias, description):
    frequency = infer_frequency(stamps(index), "s")
    assert frequency == Frequency(alias)
    assert frequency.description == description


def test_infer_frequency_ignores_a_few_gaps():
    index = pd.date_range("2024-01-01", periods=100, freq="h").delete([5, 6, 40])
    assert infer_frequency(stamps(index), "s") == Frequency("h")


def test_integer_steps():
    assert infer_frequency(np.array([0, 2, 4, 6, 10]), "s") == Frequency("step", step=2)


def test_business_days_with_holidays_are_regular_trading_days():
    # A year of trading days with market holidays (one day, and a run of 5 weekdays).
    days = pd.bdate_range("2023-01-02", "2023-12-29")
    single = pd.to_datetime(["2023-01-16", "2023-05-29", "2023-07-04"])
    holidays = single.append(pd.bdate_range("2023-10-02", periods=5))
    trading = days.difference(holidays)
    frame = pd.DataFrame({"date": trading, "close": 100 + np.cumsum(np.sin(np.arange(len(trading))))})
    with pytest.warns(DataWarning):
        data = from_dataframe(frame, time_col="date", target="close")
    series = data["close"]
    assert series.frequency == Frequency("B")
    assert len(series) == len(trading)  # no rows added for holidays
    np.testing.assert_array_equal(series.target, frame["close"].to_numpy())
    assert data.notes == (
        "series 'close': 8 weekday(s) absent (first 2023-01-16) taken as market holidays; steps are trading days",
    )


def test_business_days_given_by_the_user():
    trading = pd.bdate_range("2024-01-01", periods=30).delete([12])
    frame = pd.DataFrame({"date": trading.strftime("%Y-%m-%d"), "close": np.arange(29.0)})
    with pytest.warns(DataWarning, match="taken as market holidays"):
        data = from_dataframe(frame, time_col="date", target="close", freq="B")
    assert data["close"].frequency.is_business_days


def test_long_market_closure_is_a_gap():
    grid = pd.bdate_range("2024-01-01", periods=40)
    closed = MAX_HOLIDAY_RUN + 1
    trading = grid.delete(range(10, 10 + closed))
    check = check_grid(stamps(trading), Frequency("B"), "s", np.arange(1, len(trading) + 1))
    assert len(check.missing) == closed and len(check.holidays) == 0
    frame = pd.DataFrame({"date": trading, "close": np.arange(len(trading), dtype=float)})
    with pytest.raises(DataError, match=re.escape("series 'close': 6 time(s) missing from the business days grid, "
                                                  "first 2024-01-15")):
        from_dataframe(frame, time_col="date", target="close")


def test_daily_series_missing_weekends_is_not_business_days_when_it_has_a_saturday():
    index = pd.bdate_range("2024-01-01", periods=20).append(pd.DatetimeIndex(["2024-01-27"]))
    assert infer_frequency(stamps(index), "s") == Frequency("D")


def test_user_frequency_overrides_inference():
    frame = pd.DataFrame({"t": pd.date_range("2024-01-01", periods=6, freq="2h"), "y": np.arange(6.0)})
    with pytest.raises(DataError, match=re.escape("series 'y': 5 time(s) missing from the hourly grid")):
        from_dataframe(frame, time_col="t", target="y", freq="h")
    assert from_dataframe(frame, time_col="t", target="y")["y"].frequency == Frequency("2h")


def test_unknown_frequency_alias():
    message = (
        "unknown frequency 'hourly'; use a pandas offset alias such as 'h' (hourly), 'D' (daily), 'B' "
        "(business days), '15min' or 'MS' (month start)"
    )
    with pytest.raises(DataError, match=re.escape(message)):
        Frequency.parse("hourly")


def test_frequencies_differ_per_series():
    frame = pd.DataFrame(
        {
            "id": ["fast"] * 4 + ["slow"] * 4,
            "t": list(pd.date_range("2024-01-01", periods=4, freq="h"))
            + list(pd.date_range("2024-01-01", periods=4, freq="D")),
            "y": [1.0, 2.0, 3.0, 4.0, 4.0, 3.0, 2.0, 1.0],
        }
    )
    data = from_dataframe(frame, time_col="t", target="y", series_col="id")
    assert data["fast"].frequency == Frequency("h") and data["slow"].frequency == Frequency("D")


def test_future_times():
    friday = np.datetime64("2024-01-05")
    future = Frequency("B").future(friday, 2)
    np.testing.assert_array_equal(future, np.array(["2024-01-08", "2024-01-09"], dtype="datetime64[ns]"))
    np.testing.assert_array_equal(Frequency("step", step=5).future(10, 3), [15, 20, 25])
    hours = Frequency("h").future(np.datetime64("2024-01-01T23:00"), 1)
    assert hours[0] == np.datetime64("2024-01-02T00:00")


@pytest.mark.parametrize(
    "alias,description,calendar,season",
    [
        ("QS-JAN", "quarterly (quarter start: Jan, Apr, Jul, Oct)", ("month",), 4),
        ("QS-FEB", "quarterly (quarter start: Feb, May, Aug, Nov)", ("month",), 4),
        ("QE-DEC", "quarterly (quarter end: Dec, Mar, Jun, Sep)", ("month",), 4),
        ("BQE-DEC", "quarterly (quarter business end: Dec, Mar, Jun, Sep)", ("month",), 4),
        ("YS-JAN", "yearly (start of Jan)", (), 1),
        ("YE-DEC", "yearly (end of Dec)", (), 1),
        ("SMS-15", "twice a month (1st and 15th)", ("day_of_month", "month"), 24),
        ("SME-15", "twice a month (15th and month end)", ("day_of_month", "month"), 24),
        ("W-SUN", "weekly (Sundays)", ("month", "day_of_year"), 52),
        ("W-FRI", "weekly (Fridays)", ("month", "day_of_year"), 52),
        ("2W-MON", "every 2 weeks (Mondays)", ("month", "day_of_year"), 26),
        ("BME", "monthly (last business day)", ("month",), 12),
        ("BMS", "monthly (first business day)", ("month",), 12),
        ("2MS", "every 2 months (month start)", ("month",), 6),
        ("6MS", "every 6 months (month start)", ("month",), 2),
        ("12MS", "every 12 months (month start)", (), 1),
        ("15min", "every 15 minutes", ("hour", "day_of_week", "month", "day_of_year"), 96),
        ("2h", "every 2 hours", ("hour", "day_of_week", "month", "day_of_year"), 12),
        ("3D", "every 3 days", ("day_of_week", "day_of_month", "month", "day_of_year"), 1),
        ("7D", "weekly", ("month", "day_of_year"), 52),
    ],
)
def test_calendar_frequencies_have_a_name_features_and_a_season(alias, description, calendar, season):
    from grucast.data import default_calendar
    from grucast.evaluation import season_for_frequency

    frequency = Frequency.parse(alias)
    assert frequency.alias == alias
    assert frequency.description == description
    assert default_calendar(frequency) == calendar
    assert season_for_frequency(frequency) == season


@pytest.mark.parametrize(
    "alias,start,inferred",
    [
        ("QS-OCT", "2020-10-01", "QS-JAN"),
        ("QS-MAR", "2020-03-01", "QS-MAR"),
        ("QE-JAN", "2020-01-31", "QE-OCT"),
        ("BQE-MAR", "2019-03-29", "BQE-DEC"),
        ("YS-APR", "2001-04-01", "YS-APR"),
        ("YE-JUN", "2001-06-30", "YE-JUN"),
        ("W-SAT", "2024-01-06", "W-SAT"),
        ("2W-TUE", "2024-01-02", "2W-TUE"),
        ("3ME", "2020-01-31", "QE-OCT"),
        ("4MS", "2020-01-01", "4MS"),
        ("BMS", "2023-01-02", "BMS"),
        ("BME", "2023-01-31", "BME"),
        ("SMS", "2023-01-01", "SMS-15"),
    ],
)
def test_anchored_frequencies_are_inferred_on_an_equal_grid(alias, start, inferred):
    index = pd.date_range(start, periods=10, freq=alias)
    frequency = infer_frequency(stamps(index), "s")
    assert frequency.alias == inferred
    # The inferred alias spans the same grid, and continues it the same way.
    np.testing.assert_array_equal(frequency.grid(index[0], index[-1]), stamps(index))
    expected = pd.date_range(index[-1], periods=3, freq=alias)[1:]
    np.testing.assert_array_equal(frequency.future(stamps(index)[-1], 2), stamps(expected))


def test_quarterly_series_with_a_missing_quarter_is_a_gap():
    index = pd.date_range("2020-01-01", periods=12, freq="QS").delete(5)
    frame = pd.DataFrame({"t": index, "y": np.arange(11.0)})
    with pytest.raises(DataError, match=re.escape("series 'y': 1 time(s) missing from the quarterly (quarter start: "
                                                  "Jan, Apr, Jul, Oct) grid, first 2021-04-01 (after row 5)")):
        from_dataframe(frame, time_col="t", target="y")


@pytest.mark.parametrize("alias", ["h", "15min", "D", "7D", "s"])
def test_fixed_spacing_gaps_equal_the_built_grid(alias):
    """The arithmetic grid of a fixed spacing finds exactly the gaps that the pandas grid does."""
    rng = np.random.default_rng(len(alias))
    grid = pd.date_range("2024-03-30 22:00", periods=400, freq=alias).to_numpy("datetime64[ns]")
    keep = rng.random(len(grid)) > 0.2
    keep[[0, -1]] = True
    time = grid[keep]
    frequency = Frequency.parse(alias)
    found = check_grid(time, frequency, "s1", np.arange(1, len(time) + 1))
    np.testing.assert_array_equal(found.missing, grid[~keep])
    assert found.missing.dtype == time.dtype and found.holidays.size == 0
    off = time.copy()
    off[5] += np.timedelta64(1, "s") if alias != "s" else np.timedelta64(1, "ms")
    with pytest.raises(DataError, match=r"series 's1': time .* at row 6 is off the .* grid"):
        check_grid(off, frequency, "s1", np.arange(1, len(time) + 1))


def test_weekdays_with_weekend_gaps_are_business_days_before_1970_too():
    days = pd.bdate_range("1969-12-01", periods=30).to_numpy("datetime64[ns]")
    assert infer_frequency(days, "s").alias == "B"
    assert infer_frequency(pd.date_range("1969-12-01", periods=30).to_numpy("datetime64[ns]"), "s").alias == "D"


@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_times_in_other_units_than_nanoseconds(unit):
    grid = pd.date_range("2024-01-01", periods=10, freq="h").to_numpy(f"datetime64[{unit}]")
    time = np.delete(grid, [3, 4])
    frequency = infer_frequency(time, "s")
    assert frequency.alias == "h"
    found = check_grid(time, frequency, "s", np.arange(1, len(time) + 1))
    np.testing.assert_array_equal(found.missing, grid[[3, 4]])
