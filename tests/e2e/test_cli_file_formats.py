"""Files in the conventions users really have, through the command line (issue 11).

The reader's detection is tested case by case in tests/unit/data/test_hostile_files.py;
here the same conventions go through `train` and `predict`: each reader option exists
on every command that reads a file, what the run was read with is reused by
`predict`, and forecast times keep the zone of the data.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cli_data import FAST
from grucast.cli.main import main

READ_FLAGS = ["--sep", "--decimal", "--thousands", "--encoding", "--dayfirst", "--no-dayfirst", "--time-format",
              "--timezone", "--na-values"]


@pytest.mark.parametrize("command", ["train", "compare", "tune", "predict", "evaluate", "backtest"])
def test_every_command_that_reads_a_file_takes_the_reader_options(command, capsys):
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert [flag for flag in READ_FLAGS if flag not in text] == []


def european_export(rows: int) -> str:
    """Semicolon-separated, day-first dotted dates, decimal commas and thousands dots."""
    time = pd.date_range("2024-01-01", periods=rows, freq="h")
    steps = np.arange(rows)
    values = 1000 + 50 * np.sin(2 * np.pi * steps / 24) + (steps % 7)
    lines = ["Zeit;Verbrauch"]
    for stamp, value in zip(time, values, strict=True):
        whole, frac = f"{value:.2f}".split(".")
        lines.append(f"{stamp:%d.%m.%Y %H:%M};{int(whole):,}".replace(",", ".") + f",{frac}")
    return "\n".join(lines) + "\n"


def test_a_european_excel_export_trains_and_predicts_with_its_own_conventions(tmp_path, capsys):
    path = tmp_path / "verbrauch.csv"
    path.write_text(european_export(24 * 12), encoding="cp1252")
    run, out = tmp_path / "run", tmp_path / "forecast.csv"
    columns = ["--time-col", "Zeit", "--target", "Verbrauch"]
    read = ["--sep", ";", "--decimal", ",", "--thousands", ".", "--dayfirst", "--encoding", "cp1252"]
    assert main(["train", "--data", str(path), *columns, *read, *FAST, "--out", str(run)]) == 0
    stored = json.loads((run / "data.json").read_text())
    assert {key: stored[key] for key in ("sep", "decimal", "thousands", "dayfirst", "encoding")} == {
        "sep": ";", "decimal": ",", "thousands": ".", "dayfirst": True, "encoding": "cp1252"}
    # predict reads the new file as the training file was read: no reader option repeated.
    assert main(["predict", "--run", str(run), "--data", str(path), "--out", str(out)]) == 0
    forecast = pd.read_csv(out)
    assert list(forecast["time"]) == [f"2024-01-13 0{h}:00:00" for h in range(6)]
    # the values are in the file's units (about 1000), not the integer or decimal part alone
    assert forecast["value"].between(800, 1200).all()


def test_the_same_file_without_its_options_is_read_by_detection(tmp_path):
    path = tmp_path / "verbrauch.csv"
    path.write_text(european_export(24 * 12), encoding="cp1252")
    run = tmp_path / "run"
    assert main(["train", "--data", str(path), "--time-col", "Zeit", "--target", "Verbrauch", *FAST,
                 "--out", str(run)]) == 0
    test = pd.read_csv(run / "forecasts.csv")
    assert test["actual"].between(940, 1060).all()
    assert str(test["time"].iloc[-1]) == "2024-01-12 23:00:00"


def test_a_wrong_decimal_option_is_refused_with_one_line(tmp_path, capsys):
    path = tmp_path / "verbrauch.csv"
    path.write_text(european_export(24 * 12), encoding="cp1252")
    code = main(["train", "--data", str(path), "--time-col", "Zeit", "--target", "Verbrauch", "--sep", ";",
                 "--decimal", ".", *FAST, "--out", str(tmp_path / "run")])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and "--decimal" in err[-1]
    assert not (tmp_path / "run").exists()


def test_daily_data_at_local_midnight_is_forecast_at_local_midnight(tmp_path):
    # Daily readings written with their offset, across the spring clock change: the
    # forecasts keep the zone and stay at midnight (not 23:00 the day before).
    time = pd.date_range("2024-01-01", periods=150, freq="D", tz="Europe/Berlin")
    values = 20 + 5 * np.sin(2 * np.pi * np.arange(150) / 7)
    path = tmp_path / "daily.csv"
    pd.DataFrame({"day": time.strftime("%Y-%m-%dT%H:%M:%S%z").str.replace(r"(\d\d)(\d\d)$", r"\1:\2", regex=True),
                  "sales": values.round(2)}).to_csv(path, index=False)
    run, out = tmp_path / "run", tmp_path / "forecast.csv"
    fast = [*FAST]
    fast[fast.index("--lookback") + 1] = "14"
    fast[fast.index("--test-size") + 1] = "21"
    fast[fast.index("--val-size") + 1] = "21"
    assert main(["train", "--data", str(path), "--time-col", "day", "--target", "sales", "--timezone",
                 "Europe/Berlin", *fast, "--out", str(run)]) == 0
    assert main(["predict", "--run", str(run), "--data", str(path), "--out", str(out)]) == 0
    forecast = pd.read_csv(out)
    # 2024-05-29 is the 150th day; the forecasts follow it, in summer time (+02:00).
    assert list(forecast["time"]) == [f"2024-05-{day} 00:00:00+02:00" for day in range(30, 32)] + [
        f"2024-06-0{day} 00:00:00+02:00" for day in range(1, 5)]
    test = pd.read_csv(run / "forecasts.csv")
    assert test["time"].str.endswith("00:00:00+02:00").all()


def test_a_partitioned_parquet_folder_trains_and_predicts_like_its_csv(load_csv, trained_run, tmp_path):
    """--data takes a folder of Parquet files (region=north/..., region=south/...): the same series, the same run."""
    folder = tmp_path / "load"
    pd.read_csv(load_csv, parse_dates=["time"]).to_parquet(folder, partition_cols=["region"])
    out = tmp_path / "run"
    columns = ["--time-col", "time", "--target", "load", "--series-col", "region"]
    assert main(["train", "--data", str(folder), *columns, *FAST, "--out", str(out)]) == 0
    ours = json.loads((out / "metrics.json").read_text())
    theirs = json.loads((trained_run / "metrics.json").read_text())
    assert ours["model"] == theirs["model"] and ours["baselines"] == theirs["baselines"]
    forecast = tmp_path / "forecast.csv"
    assert main(["predict", "--run", str(out), "--data", str(folder), "--out", str(forecast)]) == 0
    assert pd.read_csv(forecast).equals(pd.read_csv(trained_run / "future.csv"))
