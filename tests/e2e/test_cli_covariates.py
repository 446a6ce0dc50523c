"""Known covariates from the command line: training, future values from a file, clear refusals."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cli_data import FAST
from grucast.cli.main import main


def load_with_temperature(rows: int = 24 * 20, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    time = pd.date_range("2022-03-01", periods=rows + 6, freq="h")
    parts = []
    for region, level in (("north", 50.0), ("south", 80.0)):
        temp = rng.normal(15, 5, rows + 6).round(2)
        load = level + 2 * temp + rng.normal(0, 0.5, rows + 6)
        parts.append(pd.DataFrame({"time": time, "region": region, "load": load.round(3), "temp": temp}))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("covariates")
    frame = load_with_temperature()
    history = frame.groupby("region").head(24 * 20)
    future = frame.groupby("region").tail(6).drop(columns="load")
    paths = {"history": folder / "history.csv", "future": folder / "future.csv", "folder": folder}
    history.to_csv(paths["history"], index=False)
    future.to_csv(paths["future"], index=False)
    return paths


COLUMNS = ["--time-col", "time", "--target", "load", "--series-col", "region", "--known-covariates", "temp"]


def test_train_without_future_values_writes_everything_else_and_says_why(files, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--data", str(files["history"]), *COLUMNS, *FAST, "--out", str(out)]) == 0
    assert not (out / "future.csv").exists() and (out / "metrics.json").exists()
    notes = json.loads((out / "metrics.json").read_text())["notes"]
    assert ("future.csv was not written: forecasting past the end needs the future values of the known covariates; "
            "give them with --future or as rows at the end of the data with an empty target") in notes


def test_future_values_from_a_file_drive_train_and_predict(files, tmp_path):
    out = tmp_path / "run"
    args = ["train", "--data", str(files["history"]), *COLUMNS, *FAST, "--future", str(files["future"])]
    assert main([*args, "--out", str(out)]) == 0
    written = pd.read_csv(out / "future.csv")
    assert written.groupby("series").size().to_dict() == {"north": 6, "south": 6}
    assert written.time.iloc[0] == "2022-03-21 00:00:00"
    forecast = tmp_path / "forecast.csv"
    code = main(["predict", "--run", str(out), "--data", str(files["history"]), "--future", str(files["future"]),
                 "--out", str(forecast)])
    assert code == 0
    pd.testing.assert_frame_equal(pd.read_csv(forecast), written)
    # Hotter hours forecast more load (the model learned load = level + 2 temp).
    hot = files["folder"] / "hot.csv"
    frame = pd.read_csv(files["future"])
    frame["temp"] += 10
    frame.to_csv(hot, index=False)
    assert main(["predict", "--run", str(out), "--data", str(files["history"]), "--future", str(hot),
                 "--out", str(tmp_path / "hot_forecast.csv")]) == 0
    assert (pd.read_csv(tmp_path / "hot_forecast.csv").value > written.value).all()


@pytest.mark.parametrize("change, message", [
    (lambda f: f.drop(columns="temp"), "error: the future values lack column(s) 'temp'; they need the time, series "
                                       "and known covariate columns ('time', 'region', 'temp')"),
    (lambda f: f[f.region == "north"], "error: no future values of the known covariates 'temp' for series 'south'; "
                                       "they are given for 'north'; give its next 6 steps after its last time"),
    (lambda f: f.iloc[1:], "error: the future values for series 'north' have no row at 2022-03-21 (forecast step 1 "
                           "of 6); give the known covariates at each of the 6 steps after the series' last time, from "
                           "2022-03-21"),
    (lambda f: f.assign(temp=f.temp.where(f.index != 2)), "error: the future value of known covariate 'temp' for "
                                                          "series 'north' at 2022-03-21 02:00:00 is empty; every "
                                                          "forecast step needs every known covariate"),
])
def test_bad_future_values_are_refused(files, tmp_path, capsys, change, message):
    out = tmp_path / "run"
    assert main(["train", "--data", str(files["history"]), *COLUMNS, *FAST, "--out", str(out)]) == 0
    capsys.readouterr()
    bad = tmp_path / "bad_future.csv"
    change(pd.read_csv(files["future"])).to_csv(bad, index=False)
    target = tmp_path / "f.csv"
    code = main(["predict", "--run", str(out), "--data", str(files["history"]), "--future", str(bad),
                 "--out", str(target)])
    assert code == 2
    assert capsys.readouterr().err.strip() == message
    assert not target.exists()


def test_future_rows_at_the_end_of_the_data_file_are_read_as_the_future(files, tmp_path, capsys):
    # One file, the common layout: the last rows of each series have the temperature
    # forecast filled in and the load still empty.
    single = files["folder"] / "single.csv"
    history, future = pd.read_csv(files["history"]), pd.read_csv(files["future"])
    pd.concat([history, future], ignore_index=True).to_csv(single, index=False)
    with_file = tmp_path / "with_file"
    assert main(["train", "--data", str(files["history"]), *COLUMNS, *FAST, "--future", str(files["future"]),
                 "--out", str(with_file)]) == 0
    out = tmp_path / "run"
    assert main(["train", "--data", str(single), *COLUMNS, *FAST, "--out", str(out)]) == 0
    notes = json.loads((out / "metrics.json").read_text())["notes"]
    assert ("2 series end with rows whose target is empty but whose known covariates are filled (6 rows each): "
            "read as future values, for forecasting past the end") in notes
    # The same forecasts as with a separate future file (same data, same seed).
    pd.testing.assert_frame_equal(pd.read_csv(out / "future.csv"), pd.read_csv(with_file / "future.csv"))
    forecast = tmp_path / "forecast.csv"
    assert main(["predict", "--run", str(out), "--data", str(single), "--out", str(forecast)]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(forecast), pd.read_csv(out / "future.csv"))


def test_static_covariates_from_columns_constant_within_each_series(files, tmp_path, capsys):
    frame = pd.read_csv(files["history"])
    frame["climate"] = frame.region.map({"north": "cold", "south": "warm"})
    frame["capacity"] = frame.region.map({"north": 120.0, "south": 200.0})
    path = tmp_path / "static.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "run"
    assert main(["train", "--data", str(path), *COLUMNS, "--static-covariates", "climate,capacity", *FAST,
                 "--out", str(out)]) == 0
    pipeline = json.loads((out / "pipeline.json").read_text())
    assert json.dumps(pipeline).count("climate") >= 1 and json.dumps(pipeline).count("capacity") >= 1
    # A value that changes within a series is not static: refused, naming the series and the fix.
    frame.loc[5, "capacity"] = 130.0
    frame.to_csv(path, index=False)
    capsys.readouterr()
    assert main(["train", "--data", str(path), *COLUMNS, "--static-covariates", "climate,capacity", *FAST,
                 "--out", str(tmp_path / "bad")]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: static covariate 'capacity' changes within series 'north' (120.0, 130.0); a static covariate holds "
        "one value per series: pass a column that changes over time with --known-covariates or --past-covariates "
        "instead")
    assert not (tmp_path / "bad").exists()
