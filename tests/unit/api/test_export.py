"""Export: the ONNX / TorchScript graph reproduces Forecaster.predict on the shipped data, for every model."""

from __future__ import annotations

import importlib.util
import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pandas as pd
import pytest

from grucast.api import Forecaster
from grucast.api.export import ExportedGraph, sidecar_path
from grucast.data import from_dataframe
from grucast.data.datasets.household_power import CHANNELS, household_power_frame
from grucast.errors import InputError, MissingExtraError, RunFolderError

# (model, model_options): every model, and the GRU variants the export maps differently.
MODELS = {
    "gru": ("gru", None),
    "gru-reset-before": ("gru", {"reset_after": False}),
    "gru-chung": ("gru", {"update_convention": "chung"}),
    "bigru": ("bigru", None),
    "lstm": ("lstm", None),
    "rnn": ("rnn", None),
    "cnn-gru": ("cnn-gru", None),
    "mingru": ("mingru", None),
}


def household(rows: int = 1200):
    """The last ``rows`` hours of the four shipped household series."""
    return from_dataframe(household_power_frame().tail(rows), time_col="time", target=list(CHANNELS), freq="h")


def small(model: str, **settings) -> Forecaster:
    base = dict(lookback=36, horizon=6, hidden_size=12, num_layers=2, epochs=1, max_batches=4, batch_size=64,
                progress=False, accelerator="cpu", threads=1)
    return Forecaster(model, **{**base, **settings})


@pytest.fixture(scope="module")
def data():
    return household()


_FITTED: dict[str, Forecaster] = {}


def fitted(key: str, data) -> Forecaster:
    if key not in _FITTED:
        model, options = MODELS[key]
        _FITTED[key] = small(model, model_options=options).fit(data)
    return _FITTED[key]


def assert_same_forecasts(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(got.columns) == list(expected.columns)
    assert (got["series"].to_numpy() == expected["series"].to_numpy()).all()
    assert (got["time"].to_numpy() == expected["time"].to_numpy()).all()
    for column in expected.columns[3:]:
        np.testing.assert_allclose(got[column], expected[column], rtol=1e-4, atol=1e-6, err_msg=column)


@pytest.mark.parametrize("key", list(MODELS))
def test_onnxruntime_reproduces_predict_for_every_model(key, data, tmp_path):
    forecaster = fitted(key, data)
    path = forecaster.export(tmp_path / "model.onnx")
    graph = ExportedGraph(path)
    assert_same_forecasts(graph.predict(forecaster, data), forecaster.predict(data))  # batch of 4 series
    one = data.select(["sub_metering_3"])
    assert_same_forecasts(graph.predict(forecaster, one), forecaster.predict(one))  # batch 1


@pytest.mark.parametrize("key", ["gru", "gru-reset-before", "lstm", "mingru"])
def test_torchscript_reproduces_predict(key, data, tmp_path):
    forecaster = fitted(key, data)
    path = forecaster.export(tmp_path / "model.pt", "torchscript")
    graph = ExportedGraph(path)
    assert_same_forecasts(graph.predict(forecaster, data), forecaster.predict(data))
    one = data.select(["global_active_power"])
    assert_same_forecasts(graph.predict(forecaster, one), forecaster.predict(one))


@pytest.mark.parametrize("key, linear_before_reset", [("gru", 1), ("gru-reset-before", 0), ("bigru", 1)])
def test_gru_exports_as_the_onnx_gru_operator(key, linear_before_reset, data, tmp_path):
    path = fitted(key, data).export(tmp_path / "model.onnx")
    nodes = [node for node in onnx.load(str(path)).graph.node if node.op_type == "GRU"]
    assert len(nodes) == 2  # one per layer
    for node in nodes:
        attributes = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        assert attributes["linear_before_reset"] == linear_before_reset
        assert attributes.get("direction", b"forward") == (b"bidirectional" if key == "bigru" else b"forward")


def test_quantile_recursive_model_exports_its_quantiles(data, tmp_path):
    forecaster = small("gru", quantiles=(0.1, 0.9), multi_step="recursive", horizon=4).fit(data)
    path = forecaster.export(tmp_path / "q.onnx")
    expected = forecaster.predict(data)
    got = ExportedGraph(path).predict(forecaster, data)
    assert {"q0.1", "q0.5", "q0.9"} <= set(got.columns)
    assert_same_forecasts(got, expected)


def test_known_covariates_and_window_norm_export(tmp_path):
    rng = np.random.default_rng(1)
    rows = 800
    time = pd.date_range("2023-01-01", periods=rows, freq="h")
    parts = []
    for name, level in (("a", 100.0), ("b", -5.0)):
        price = rng.normal(0, 1, rows)
        trend = level + np.cumsum(rng.normal(0, 1, rows)) + 2 * price
        parts.append(pd.DataFrame({"time": time, "site": name, "y": trend, "price": price}))
    frame = pd.concat(parts, ignore_index=True)
    data = from_dataframe(frame, time_col="time", target="y", series_col="site", known_covariates=["price"])
    forecaster = small("gru", window_norm="mean_std").fit(data)
    future = {name: rng.normal(0, 1, (6, 1)) for name in data.names}
    path = forecaster.export(tmp_path / "cov.onnx")
    assert_same_forecasts(ExportedGraph(path).predict(forecaster, data, future), forecaster.predict(data, future))
    spec = json.loads(sidecar_path(path).read_text())
    assert spec["known_columns"][0] == "price" and spec["window_norm"] == "mean_std"


def test_the_json_is_enough_to_serve_with_onnxruntime_alone(data, tmp_path):
    """examples/serve_onnx.py (numpy, onnxruntime and the JSON; no grucast) gives predict's forecasts."""
    spec_path = Path(__file__).resolve().parents[3] / "examples" / "serve_onnx.py"
    module_spec = importlib.util.spec_from_file_location("serve_onnx", spec_path)
    serve = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(serve)
    forecaster = fitted("gru", data)
    path = forecaster.export(tmp_path / "model.onnx")
    spec = json.loads(sidecar_path(path).read_text())
    assert spec["opset"] == 17 and spec["lookback"] == 36 and spec["horizon"] == 6
    assert spec["columns"] == ["value", "hour_sin", "hour_cos", "day_of_week_sin", "day_of_week_cos"]
    frame = household_power_frame().tail(1200)
    history = {
        name: [(pd.Timestamp(t).to_pydatetime(), [float(v)]) for t, v in zip(frame["time"], frame[name])]
        for name in CHANNELS
    }
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = serve.forecast(spec, session, history, timedelta(hours=1))
    expected = forecaster.predict(data)
    for name in CHANNELS:
        np.testing.assert_allclose(got[name], expected[expected["series"] == name]["value"], rtol=1e-4, atol=1e-6)


def test_export_refuses_existing_files_and_writes_nothing_on_failure(data, tmp_path, monkeypatch):
    forecaster = fitted("gru", data)
    path = tmp_path / "model.onnx"
    path.write_text("mine")
    with pytest.raises(RunFolderError, match="already exists"):
        forecaster.export(path)
    assert path.read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]
    import grucast.api.export as export_module

    real = export_module.importlib.util.find_spec
    monkeypatch.setattr(export_module.importlib.util, "find_spec",
                        lambda name, *a: None if name == "onnxruntime" else real(name, *a))
    with pytest.raises(MissingExtraError, match=r"pip install 'grucast\[export\]'"):
        forecaster.export(tmp_path / "other.onnx")
    with pytest.raises(InputError, match="export format must be one of onnx, torchscript, got 'tflite'"):
        forecaster.export(tmp_path / "other.onnx", "tflite")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]


def test_a_damaged_graph_is_refused(data, tmp_path):
    path = fitted("gru", data).export(tmp_path / "model.onnx")
    path.write_bytes(b"not a graph")
    with pytest.raises(RunFolderError, match="cannot be loaded as onnx"):
        ExportedGraph(path)
    sidecar_path(path).unlink()
    with pytest.raises(RunFolderError, match="does not exist"):
        ExportedGraph(path)


@pytest.mark.parametrize("model, options", [("gru", None), ("gru", {"reset_after": False}), ("lstm", None)])
def test_step_graph_follows_the_stateful_stream(model, options, tmp_path):
    """Zero state, the window's rows one at a time, then new rows: the stateful stream's forecasts."""
    frame = household_power_frame().tail(1210).reset_index(drop=True)
    history = from_dataframe(frame.iloc[:1200], time_col="time", target=list(CHANNELS), freq="h")
    forecaster = small(model, model_options=options, window_norm="none", skip="none").fit(history)
    path = forecaster.export(tmp_path / "step.onnx", graph="step")
    spec = json.loads(sidecar_path(path).read_text())
    assert spec["kind"] == "step" and list(spec["outputs"])[:1] == ["next_state"]
    graph = ExportedGraph(path)
    stream = forecaster.stream(history, mode="stateful")
    raw = forecaster.pipeline_.raw_forecast_inputs(history)
    table = spec["series"]
    constants = {
        "center": np.array([table[n]["center"] for n in raw.names], dtype=np.float32),
        "scale": np.array([table[n]["scale"] for n in raw.names], dtype=np.float32),
        "clip_at_zero": np.array([float(table[n]["clip_at_zero"]) for n in raw.names], dtype=np.float32),
    }
    state = {"state": np.zeros((2, 4, 12), dtype=np.float32)}
    if model == "lstm":
        state["cell"] = np.zeros((2, 4, 12), dtype=np.float32)

    def step(row, known):
        out = graph.run({"row": row.astype(np.float32), "known_future": known.astype(np.float32), **constants, **state})
        state["state"] = out["next_state"]
        if model == "lstm":
            state["cell"] = out["next_cell"]
        return out["forecast"]

    for t in range(36):
        forecast = step(raw.history[:, t], raw.known_future)  # known_future matters only for the last row
    np.testing.assert_allclose(forecast.reshape(-1), stream.forecast()["value"], rtol=1e-4, atol=1e-6)
    for k in range(1200, 1203):
        rows = frame.iloc[k : k + 1].melt(id_vars="time", var_name="series", value_name="value")
        expected = stream.update(rows)
        new_raw = stream._buffer[:, -1]  # the row just taken in, as raw features
        known = stream._raw(np.arange(4), np.stack([expected["time"].to_numpy()[i * 6 : (i + 1) * 6] for i in range(4)]),
                            raw.names).known_future
        np.testing.assert_allclose(step(new_raw, known).reshape(-1), expected["value"], rtol=1e-4, atol=1e-6)


def test_step_graph_refuses_a_window_normalised_model(data, tmp_path):
    forecaster = small("gru", window_norm="last").fit(data)
    with pytest.raises(InputError, match="the step graph carries one state forward, but window_norm='last'"):
        forecaster.export(tmp_path / "step.onnx", graph="step")
    assert list(tmp_path.iterdir()) == []
