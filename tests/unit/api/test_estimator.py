"""The Forecaster as a scikit-learn estimator, and settings resolved once."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from grucast import settings as settings_table
from grucast.api import Forecaster, Settings
from grucast.api.backtest import backtest
from grucast.data import SeriesSet, from_dataframe
from grucast.errors import InputError

FAST = dict(hidden_size=4, num_layers=1, epochs=1, batch_size=64, progress=False, threads=1, accelerator="cpu")


def trending_hours(rows: int = 24 * 20) -> SeriesSet:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "time": pd.date_range("2024-01-01", periods=rows, freq="h"),
        "price": 100 + np.cumsum(rng.normal(0.2, 1.0, rows)),  # a random walk: "auto" picks "last"
    })
    return from_dataframe(frame, time_col="time", target="price")


def test_parameters_are_the_settings_table_with_its_defaults():
    signature = inspect.signature(Forecaster.__init__)
    params = {name: p.default for name, p in signature.parameters.items() if name != "self"}
    assert params == settings_table.defaults()
    assert list(params) == list(settings_table.names())
    assert Forecaster().get_params() == settings_table.defaults()
    assert Forecaster().get_params(deep=True) == Forecaster().get_params(deep=False)


def test_set_params_returns_self_and_refuses_unknown_names():
    forecaster = Forecaster()
    assert forecaster.set_params(lookback=48, lr=0.01) is forecaster
    assert (forecaster.lookback, forecaster.lr) == (48, 0.01)
    with pytest.raises(InputError, match=r"^unknown setting\(s\) hidden, lookbak; known ones are model, lookback"):
        forecaster.set_params(lookbak=3, hidden=8)
    assert forecaster.lookback == 48


def test_clone_gives_an_unfitted_copy_with_the_same_parameters():
    original = Forecaster("lstm", lookback=np.int64(24), horizon=6, calendar=("hour",), model_options={"x": 1})
    copy = clone(original)
    assert copy is not original and type(copy) is Forecaster
    assert copy.get_params() == original.get_params()
    assert not hasattr(copy, "settings_")


def test_numpy_integers_are_accepted_and_become_python_ints():
    forecaster = Forecaster(lookback=np.int64(24), horizon=np.int32(3), test_size=np.int64(48), **FAST)
    forecaster.fit(trending_hours())
    assert forecaster.settings_.lookback == 24 and type(forecaster.settings_.lookback) is int
    assert forecaster.settings_.horizon == 3 and type(forecaster.settings_.horizon) is int
    assert forecaster.settings_.test_size == 48 and type(forecaster.settings_.test_size) is int


def test_every_auto_is_resolved_once_and_recorded(tmp_path):
    data = trending_hours()
    forecaster = Forecaster(**FAST).fit(data)
    resolved = forecaster.settings_
    assert resolved.is_resolved
    # Hourly: a week back, a day ahead, daily season; a random walk gets "last".
    assert (resolved.lookback, resolved.horizon, resolved.season, resolved.window_norm) == (168, 24, 24, "last")
    assert resolved.calendar == ("hour", "day_of_week")  # 20 days: two days and two weeks, not two years
    assert Forecaster(**FAST).fit(data).settings_ == resolved  # the same data resolves the same
    forecaster.save(tmp_path / "run")
    config = json.loads((tmp_path / "run" / "config.json").read_text())["settings"]
    assert config["window_norm"] == "last" and config["calendar"] == ["hour", "day_of_week"]
    assert config["lookback"] == 168 and config["season"] == 24 and config["skip"] == "seasonal"
    machine = {"accelerator", "devices", "strategy", "backend"}  # "auto" there belongs to the machine, not the data
    assert [key for key, value in config.items() if value in ("auto", None) and key not in machine] == [
        # None: no quantile head, no cap, trackers inside the run folder; not "decide later"
        "quantiles", "max_batches", "tracking_dir"
    ]
    assert Settings.from_dict(config) == resolved
    pipeline = json.loads((tmp_path / "run" / "pipeline.json").read_text())
    assert pipeline["window_norm"] == "last" and pipeline["lookback"] == 168
    # What the user asked for is unchanged: the estimator's parameters stay "auto".
    assert forecaster.window_norm == "auto" and forecaster.lookback is None


def test_the_skip_is_seasonal_where_the_season_is_longer_than_one_step(tmp_path):
    hourly = trending_hours(24 * 10)
    # Season 24: a linear map of the 168-row window, started as seasonal naive.
    fitted = Forecaster(**FAST, lookback=48).fit(hourly)
    assert fitted.settings_.skip == "seasonal"
    weight = fitted.module_.model.skip.linear.weight
    assert weight.shape == (24, 48)
    years = pd.DataFrame({"year": np.arange(1990, 2030), "sales": np.linspace(10, 50, 40)})
    yearly = from_dataframe(years, time_col="year", target="sales", time_format="step")
    # One step per season (no season): no skip unless asked for.
    plain = Forecaster(**FAST, horizon=3, test_size=3, lookback=6).fit(yearly)
    assert plain.settings_.season == 1 and plain.settings_.skip == "none" and plain.module_.model.skip is None
    asked = Forecaster(**FAST, horizon=3, test_size=3, lookback=6, skip="seasonal").fit(yearly)
    assert asked.module_.model.skip.linear.weight.detach().argmax(dim=1).tolist() == [5, 5, 5]  # the last value
    off = Forecaster(**FAST, lookback=48, skip="none").fit(hourly)
    assert off.settings_.skip == "none" and off.module_.model.skip is None
    # A run folder written before the skip existed has no "skip": it loads as trained, without one.
    off.save(tmp_path / "old")
    config = json.loads((tmp_path / "old" / "config.json").read_text())
    del config["settings"]["skip"]
    (tmp_path / "old" / "config.json").write_text(json.dumps(config))
    loaded = Forecaster.load(tmp_path / "old")
    assert loaded.settings_.skip == "none"
    pd.testing.assert_frame_equal(loaded.predict(hourly), off.predict(hourly))


def test_backtest_refits_reuse_the_fitted_resolution(monkeypatch):
    data = trending_hours(24 * 30)
    forecaster = Forecaster(lookback=24, horizon=4, test_size=48, **FAST).fit(data)
    seen = []
    original_fit = Forecaster.fit

    def spy(self, data, run_dir=None):
        seen.append(self.get_params())
        return original_fit(self, data, run_dir)

    monkeypatch.setattr(Forecaster, "fit", spy)
    backtest(forecaster, data, stride=4, refits=2)
    assert len(seen) == 2
    for params in seen:
        assert params["window_norm"] == "last" and params["calendar"] == ["hour", "day_of_week"]
        assert params["test_size"] == 24 and params["season"] == 24
    seen.clear()
    backtest(forecaster, data, stride=4, refits=1, reresolve=True)
    assert seen[0]["window_norm"] == "auto" and seen[0]["calendar"] == "auto"
