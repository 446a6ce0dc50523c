"""Readers: CSV, Parquet and Excel into one SeriesSet; long and wide; file errors."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from grucast.data import DataError, DataWarning, Frequency, SeriesSet, from_dataframe, read_series, read_table


def long_frame() -> pd.DataFrame:
    times = pd.date_range("2024-03-01", periods=6, freq="h")
    return pd.DataFrame(
        {
            "region": ["north"] * 6 + ["south"] * 6,
            "time": list(times) * 2,
            "load": np.r_[np.arange(6.0), 10.0 + np.arange(6.0) ** 2],
            "temp": np.r_[np.linspace(0, 1, 6), np.linspace(5, 6, 6)],
        }
    )


def write(frame: pd.DataFrame, path) -> None:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_excel(path, index=False)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_long_format_round_trip(tmp_path, suffix):
    frame = long_frame()
    path = tmp_path / f"load{suffix}"
    write(frame, path)
    data = read_series(path, time_col="time", target="load", series_col="region", known_covariates="temp")
    assert data.names == ("north", "south")
    assert data.target == "load" and data.known_covariates == ("temp",) and data.past_covariates == ()
    south = data["south"]
    np.testing.assert_array_equal(south.target, 10.0 + np.arange(6.0) ** 2)
    np.testing.assert_allclose(south.known[:, 0], np.linspace(5, 6, 6))
    assert south.time.dtype == np.dtype("datetime64[ns]")
    assert south.time[0] == np.datetime64("2024-03-01T00:00")
    assert south.frequency == Frequency("h")
    back = data.to_frame(series_column="region")
    pd.testing.assert_frame_equal(
        back[["region", "load", "temp"]], frame[["region", "load", "temp"]], check_dtype=False
    )
    assert (back["time"].to_numpy() == frame["time"].to_numpy()).all()


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_wide_format_one_series_per_column(tmp_path, suffix):
    frame = pd.DataFrame(
        {
            "date": pd.date_range("2024-01-01", periods=5, freq="D"),
            "a": [1.0, 2.0, 3.0, 4.0, 5.0],
            "b": [9.0, 7.0, 8.0, 6.0, 5.0],
            "holiday": [1, 0, 0, 0, 0],
        }
    )
    path = tmp_path / f"wide{suffix}"
    write(frame, path)
    data = read_series(path, time_col="date", target=["a", "b"], known_covariates=["holiday"])
    assert data.names == ("a", "b")
    assert data.target == "value"
    np.testing.assert_array_equal(data["b"].target, [9.0, 7.0, 8.0, 6.0, 5.0])
    # Covariates are shared by every series in wide format.
    np.testing.assert_array_equal(data["a"].known[:, 0], [1, 0, 0, 0, 0])
    np.testing.assert_array_equal(data["b"].known[:, 0], [1, 0, 0, 0, 0])
    assert data["a"].frequency == Frequency("D")


def test_no_time_column_gives_integer_steps(tmp_path):
    path = tmp_path / "steps.csv"
    path.write_text("y\n3\n1\n4\n1\n5\n")
    data = read_series(path, target="y")
    series = data["y"]
    np.testing.assert_array_equal(series.time, [0, 1, 2, 3, 4])
    assert series.frequency == Frequency("step") and not series.has_calendar
    assert data.time_column is None


def test_target_is_inferred_when_only_one_numeric_column(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("when,price\n2024-01-01,1.5\n2024-01-02,2.5\n2024-01-03,2.0\n")
    data = read_series(path, time_col="when")
    assert data.names == ("price",)


def test_target_must_be_named_when_ambiguous(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("t,a,b\n1,1.0,2.0\n2,3.0,4.0\n")
    with pytest.raises(DataError, match=re.escape("no target given and 2 numeric columns could be it; name it with "
                                                  "target, one of the columns 't', 'a', 'b'")):
        read_series(path, time_col="t")


def test_semicolon_separated_csv(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("t;y\n2024-01-01;1\n2024-01-02;2\n2024-01-03;4\n")
    data = read_series(path, time_col="t", target="y")
    np.testing.assert_array_equal(data["y"].target, [1.0, 2.0, 4.0])


def test_na_values_mark_missing_readings(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("t,y\n2024-01-01,1\n2024-01-02,?\n2024-01-03,3\n")
    with pytest.warns(UserWarning, match="filled 1 missing value"):
        data = read_series(path, time_col="t", target="y", na_values=["?"], missing="interpolate")
    np.testing.assert_array_equal(data["y"].target, [1.0, 2.0, 3.0])


def test_excel_sheet_by_name(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="notes", index=False)
        pd.DataFrame({"step": [0, 1, 2], "y": [1.0, 2.0, 0.5]}).to_excel(writer, sheet_name="data", index=False)
    data = read_series(path, time_col="step", target="y", sheet="data")
    np.testing.assert_array_equal(data["y"].target, [1.0, 2.0, 0.5])
    with pytest.raises(DataError, match=re.escape(f"file '{path}' has no sheet 'other'; its sheets are 'notes', "
                                                  f"'data'")):
        read_series(path, target="y", sheet="other")


def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(DataError, match=re.escape(f"file '{path}' does not exist; check the path")):
        read_table(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(DataError, match=re.escape(f"file '{path}' is empty; it needs a header row and data rows")):
        read_table(path)


def test_header_only_file(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("time,y\n")
    with pytest.raises(DataError, match=re.escape(f"file '{path}' has no data rows")):
        read_table(path)


def test_binary_file_named_csv(tmp_path):
    path = tmp_path / "data.csv"
    pd.DataFrame({"y": [1.0, 2.0]}).to_parquet(path)
    with pytest.raises(DataError, match=re.escape(f"file '{path}' is binary, not CSV text; if it is Parquet or Excel")):
        read_table(path)


def test_text_file_named_parquet(tmp_path):
    path = tmp_path / "data.parquet"
    path.write_text("t,y\n1,2\n")
    with pytest.raises(DataError, match=re.escape(f"cannot read '{path}' as Parquet: ")):
        read_table(path)


def test_text_file_named_xlsx(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_text("t,y\n1,2\n")
    with pytest.raises(DataError, match=re.escape(f"cannot read '{path}' as Excel (.xlsx): ")):
        read_table(path)


def test_unknown_suffix(tmp_path):
    path = tmp_path / "data.json"
    path.write_text("{}")
    with pytest.raises(DataError, match=re.escape(f"file '{path}' has an unknown type '.json'; use CSV (.csv), "
                                                  f"Parquet (.parquet) or Excel (.xlsx)")):
        read_table(path)


def test_unknown_column_lists_the_available_ones():
    frame = long_frame()
    with pytest.raises(DataError, match=re.escape("column 'demand' (target) is not in the data; the columns are "
                                                  "'region', 'time', 'load', 'temp'")):
        from_dataframe(frame, time_col="time", target="demand", series_col="region")
    with pytest.raises(DataError, match=re.escape("column 'date' (time_col) is not in the data")):
        from_dataframe(frame, time_col="date", target="load", series_col="region")


def test_a_column_with_two_roles():
    with pytest.raises(DataError, match=re.escape("column 'temp' is given both as known_covariates and as "
                                                  "past_covariates; give each column one role")):
        from_dataframe(
            long_frame(), time_col="time", target="load", series_col="region", known_covariates=["temp"],
            past_covariates=["temp"],
        )


def test_wide_and_long_cannot_mix():
    with pytest.raises(DataError, match=re.escape("several target columns ('load', 'temp', wide format) cannot be "
                                                  "combined with series_col='region' (long format)")):
        from_dataframe(long_frame(), time_col="time", target=["load", "temp"], series_col="region")


def test_missing_series_name():
    frame = long_frame()
    frame.loc[3, "region"] = None
    with pytest.raises(DataError, match=re.escape("missing series name in column 'region' at row 4; every row needs "
                                                  "its series")):
        from_dataframe(frame, time_col="time", target="load", series_col="region")


def test_series_set_is_read_only():
    data = SeriesSet.from_arrays({"a": np.arange(5.0)})
    with pytest.raises(ValueError, match="read-only"):
        data["a"].target[0] = 1.0
    with pytest.raises(KeyError, match=re.escape("no series 'b'; the series are 'a'")):
        data["b"]


def test_read_table_types_columns_in_the_files_convention(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("id;Zeit;Wert;Feiertag\n0101;01.01.2024;1.234,5;true\nNA;02.01.2024;-0,5;false\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = read_table(path, series_col="id")
    assert [str(w.message) for w in caught] == []  # nothing ambiguous to note
    assert frame.columns.tolist() == ["id", "Zeit", "Wert", "Feiertag"]
    assert frame["id"].tolist() == ["0101", "NA"]
    assert frame["Zeit"].tolist() == ["01.01.2024", "02.01.2024"]
    assert frame["Wert"].dtype == np.float64 and frame["Wert"].tolist() == [1234.5, -0.5]
    assert frame["Feiertag"].tolist() == [True, False]


def test_the_one_column_of_dates_is_the_time_when_none_is_named():
    frame = pd.DataFrame({"date": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"], "sales": [1.0, 2, 3, 4]})
    with pytest.warns(DataWarning, match=re.escape("no time column was named: column 'date' holds dates and is read "
                                                   "as the time (name another with time_col)")):
        data = from_dataframe(frame)
    assert data.time_column == "date" and data.series[0].frequency.alias == "D"
    assert data.series[0].time[-1] == np.datetime64("2024-01-04")
    # Two columns of dates: which one is the time is the user's call; without one, rows are steps.
    frame["shipped"] = ["2024-02-01", "2024-02-02", "2024-02-03", "2024-02-04"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        steps = from_dataframe(frame, target="sales")
    assert steps.time_column is None and steps.series[0].time.tolist() == [0, 1, 2, 3]


def _long_frame() -> pd.DataFrame:
    time = pd.date_range("2024-01-01", periods=30, freq="D")
    parts = [pd.DataFrame({"time": time, "store": store, "sales": np.arange(30.0) * (k + 1)})
             for k, store in enumerate(["a", "b", "c"])]
    return pd.concat(parts, ignore_index=True)


def test_a_partitioned_parquet_folder_reads_as_the_single_file(tmp_path):
    frame = _long_frame()
    frame.to_parquet(tmp_path / "one.parquet")
    folder = tmp_path / "dataset"
    frame.to_parquet(folder, partition_cols=["store"])  # store=a/..., store=b/..., store=c/...
    (folder / "_SUCCESS").write_text("")
    whole = read_series(tmp_path / "one.parquet", time_col="time", target="sales", series_col="store")
    parts = read_series(folder, time_col="time", target="sales", series_col="store")
    assert parts.names == whole.names == ("a", "b", "c")
    for mine, theirs in zip(parts, whole):
        np.testing.assert_array_equal(mine.time, theirs.time)
        np.testing.assert_array_equal(mine.target, theirs.target)


def test_a_folder_without_parquet_files_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DataError, match=r"holds no Parquet files \(\*\.parquet\); give a CSV, Parquet or Excel file, "
                                        r"or a folder of Parquet files"):
        read_series(tmp_path, time_col="time", target="sales")


def test_parquet_files_that_do_not_make_one_table_are_refused(tmp_path):
    _long_frame().to_parquet(tmp_path / "a.parquet")
    pd.DataFrame({"other": ["x", "y"]}).assign(time=1).to_parquet(tmp_path / "b.parquet")
    pd.DataFrame({"time": ["not a time"], "sales": ["n/a"], "store": [3]}).to_parquet(tmp_path / "c.parquet")
    with pytest.raises(DataError, match=r"cannot read the Parquet files in '.*' as one table: .*; check that every "
                                        r"file is a complete Parquet file and that they share their columns"):
        read_series(tmp_path, time_col="time", target="sales", series_col="store")


def test_partition_folders_whose_files_hold_the_key_column_too(tmp_path):
    """region=north/part.parquet that itself has a region column: the files' column is used, not added twice."""
    frame = _long_frame()
    for store, part in frame.groupby("store"):
        (tmp_path / f"store={store}").mkdir()
        part.to_parquet(tmp_path / f"store={store}" / "part-0.parquet")
    data = read_series(tmp_path, time_col="time", target="sales", series_col="store")
    assert data.names == ("a", "b", "c")
    np.testing.assert_array_equal(data.series[1].target, np.arange(30.0) * 2)


def test_hive_keys_keep_the_text_of_their_folder_names(tmp_path):
    """Store 01 and store 1 are two series, as they are in a CSV: the keys are not read as numbers."""
    for store in ("01", "1"):
        (tmp_path / f"store={store}").mkdir()
        pd.DataFrame({"time": pd.date_range("2024-01-01", periods=20, freq="D"), "sales": np.arange(20.0)}).to_parquet(
            tmp_path / f"store={store}" / "part.parquet"
        )
    data = read_series(tmp_path, time_col="time", target="sales", series_col="store")
    assert data.names == ("01", "1")


def test_title_lines_above_the_header_with_old_mac_line_ends(tmp_path):
    path = tmp_path / "report.csv"
    rows = "\r".join(f"{day},{value}" for day, value in zip(pd.date_range("2024-01-01", periods=10).strftime("%Y-%m-%d"), range(10)))
    path.write_bytes(("My report\rGenerated 2024\rtime,y\r" + rows + "\r").encode())
    data = read_series(path, time_col="time", target="y")
    np.testing.assert_array_equal(data.series[0].target, np.arange(10.0))


def test_a_time_column_whose_offset_changes_is_found_without_naming_it(tmp_path):
    # A summer-time switch in an export with offsets: pandas refuses mixed offsets unless told to use UTC.
    path = tmp_path / "paris.csv"
    path.write_text("time,y\n2024-03-31T00:00:00+01:00,1\n2024-03-31T01:00:00+01:00,2\n2024-03-31T03:00:00+02:00,3\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = read_series(path, target="y")
    assert data.time_column == "time"
    assert data.series[0].time.tolist() == pd.to_datetime(
        ["2024-03-30 23:00", "2024-03-31 00:00", "2024-03-31 01:00"]).as_unit("ns").asi8.tolist()
    assert any("column 'time' holds dates" in str(w.message) for w in caught)
