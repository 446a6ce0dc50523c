"""Streaming: exact mode equals predict on the extended history; stateful mode; bad rows refused."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from grucast.api import Forecaster
from grucast.data import DataError, from_dataframe
from grucast.data.datasets.household_power import CHANNELS, household_power_frame
from grucast.errors import InputError

FRAME = household_power_frame().tail(1300).reset_index(drop=True)
START = 1200


def upto(end: int):
    return from_dataframe(FRAME.iloc[:end], time_col="time", target=list(CHANNELS), freq="h")


def long_rows(begin: int, end: int, series=CHANNELS) -> pd.DataFrame:
    wide = FRAME.iloc[begin:end][["time", *series]]
    return wide.melt(id_vars="time", var_name="series", value_name="value").sort_values(["series", "time"])


@pytest.fixture(scope="module")
def model():
    return Forecaster("gru", lookback=36, horizon=6, hidden_size=12, num_layers=2, epochs=1, max_batches=4,
                      window_norm="none", skip="none", progress=False, accelerator="cpu", threads=1).fit(upto(START))


def test_exact_stream_equals_predict_on_the_extended_history(model):
    stream = model.stream(upto(START))
    end = START
    for step in (1, 3, 1, 40):  # one row, several rows, more rows than the lookback
        out = stream.update(long_rows(end, end + step))
        end += step
        expected = model.predict(upto(end))
        assert (out["time"].to_numpy() == expected["time"].to_numpy()).all()
        for column in ("value", "lower", "upper"):
            np.testing.assert_allclose(out[column], expected[column], rtol=1e-6, atol=1e-9)
    # One series only: the others keep their rows.
    out = stream.update(long_rows(end, end + 1, series=["sub_metering_2"]))
    assert out["series"].unique().tolist() == ["sub_metering_2"]
    np.testing.assert_allclose(out["value"], model.predict(upto(end + 1).select(["sub_metering_2"]))["value"], rtol=1e-6)
    np.testing.assert_allclose(stream.forecast(("global_active_power",))["value"],
                               model.predict(upto(end).select(["global_active_power"]))["value"], rtol=1e-6)


def test_stateful_stream_starts_exact_then_carries_its_state(model):
    stateful, exact = model.stream(upto(START), mode="stateful"), model.stream(upto(START))
    np.testing.assert_allclose(stateful.forecast()["value"], exact.forecast()["value"], rtol=1e-5, atol=1e-7)
    gaps = []
    for k in range(START, START + 24):
        a, b = stateful.update(long_rows(k, k + 1)), exact.update(long_rows(k, k + 1))
        gaps.append(np.max(np.abs(a["value"].to_numpy() - b["value"].to_numpy())))
    # Approximate, not equal: the state has read more than the lookback, yet stays close on this data.
    assert 0 < max(gaps) < 0.05 * FRAME["global_active_power"].abs().mean()


def test_stateful_refuses_window_normalised_models_and_the_seasonal_skip():
    model = Forecaster("gru", lookback=36, horizon=6, hidden_size=8, num_layers=1, epochs=1, max_batches=2,
                       window_norm="last", progress=False, accelerator="cpu", threads=1).fit(upto(START))
    assert model.settings_.skip == "seasonal"  # 'auto' on hourly data (season 24)
    with pytest.raises(InputError) as refused:
        model.stream(upto(START), mode="stateful")
    assert str(refused.value) == (
        "stateful streaming carries one state forward, but window_norm='last' rescales every window by its own rows; "
        "skip='seasonal' reads the last 36 rows at once; use mode='exact' (or train with window_norm='none', "
        "skip='none' and a one-directional model)")


@pytest.mark.parametrize("rows, message", [
    (lambda: long_rows(START + 1, START + 2), "series 'global_active_power': new row at 2010-11-22 18:00:00 leaves a "
                                              "gap; the next row must be at 2010-11-22 17:00:00 (one step after the "
                                              "last one); give the rows in time order without gaps"),
    (lambda: long_rows(START - 1, START), "repeats or goes back in time"),
    (lambda: long_rows(START, START + 2).iloc[::-1], "series 'sub_metering_3': new row at 2010-11-22 18:00:00 is out "
                                                     "of order"),
    (lambda: long_rows(START, START + 1).assign(series="elsewhere"), "series ['elsewhere'] are not in this stream"),
    (lambda: long_rows(START, START + 1).drop(columns="value"), "the new rows lack the column(s) ['value']"),
    (lambda: long_rows(START, START + 1).assign(value=np.nan), "has a missing value"),
    (lambda: long_rows(START, START), "update got no rows; give at least one new observation"),
])
def test_bad_rows_are_refused_and_change_nothing(model, rows, message):
    stream = model.stream(upto(START))
    before = stream.forecast()
    with pytest.raises(DataError, match=re.escape(message)):
        stream.update(rows())
    pd.testing.assert_frame_equal(stream.forecast(), before)
    np.testing.assert_allclose(stream.update(long_rows(START, START + 1))["value"],
                               model.predict(upto(START + 1))["value"], rtol=1e-6)
