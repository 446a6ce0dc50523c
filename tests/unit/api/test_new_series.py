"""Series unseen in training: forecast by the global model from their own history, or refused with a reason."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from grucast.api import Forecaster
from grucast.api.export import ExportedGraph
from grucast.data import DataError, DataWarning, from_dataframe
from grucast.data.datasets.household_power import CHANNELS, household_power_frame

TRAINED, NEW = list(CHANNELS[:3]), CHANNELS[3]


def household(columns, rows: int = 1200):
    frame = household_power_frame().tail(rows)
    return from_dataframe(frame[["time", *columns]], time_col="time", target=list(columns), freq="h")


def small(**settings) -> Forecaster:
    base = dict(lookback=36, horizon=6, hidden_size=12, num_layers=1, epochs=1, max_batches=4, batch_size=64,
                progress=False, accelerator="cpu", threads=1)
    return Forecaster("gru", **{**base, **settings})


@pytest.fixture(scope="module")
def three():
    return small(window_norm="none").fit(household(TRAINED))  # the scaler alone, so the test can redo it by hand


def test_a_new_series_is_scaled_from_its_own_history(three):
    data = household(CHANNELS)
    with pytest.warns(DataWarning, match=f"series '{NEW}' was not in the training data: forecast by the global "
                                         "model, scaled by a standard scaler fitted on its own 1200 rows"):
        got = three.predict(data)
    # By hand: standardise the new series with its own mean and spread, run the network, undo it.
    series = data[NEW]
    mean, std = series.target.mean(), series.target.std()
    batch, _ = three.pipeline_.with_new_series(data)[0].forecast_inputs(data.select([NEW]))
    assert torch.allclose(batch["x"][0, :, 0].double(), torch.from_numpy((series.target[-36:] - mean) / std), atol=1e-6)
    with torch.no_grad():
        scaled = three.module_(batch)[0, :, 0].double().numpy()
    expected = np.maximum(scaled * std + mean, 0.0)  # never negative in its rows: clipped at zero
    np.testing.assert_allclose(got[got["series"] == NEW]["value"], expected, rtol=1e-6, atol=1e-6)
    # The known series are forecast as without the newcomer.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        alone = three.predict(household(TRAINED))
    # Equal up to float32 rounding: a batch of 3 or 4 windows may take different matmul kernels (MKL's
    # small-batch paths round differently on some processors).
    np.testing.assert_allclose(got[got["series"] != NEW]["value"].to_numpy(), alone["value"].to_numpy(), rtol=1e-6)
    assert three.pipeline_.series_ == tuple(TRAINED)  # the fitted pipeline is unchanged


def test_the_onnx_graph_forecasts_new_series_too(three, tmp_path):
    data = household(CHANNELS)
    path = three.export(tmp_path / "m.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        expected, got = three.predict(data), ExportedGraph(path).predict(three, data)
    np.testing.assert_allclose(got["value"], expected["value"], rtol=1e-4, atol=1e-6)


def test_refused_where_the_model_learned_a_vector_per_series():
    model = small(series_embedding=True).fit(household(TRAINED))
    with pytest.raises(DataError, match=rf"series '{NEW}' were not in the training data, and this model learned a "
                                        r"vector per training series \(series_embedding=True\)"):
        model.predict(household(CHANNELS))


def test_refused_at_another_frequency(three):
    frame = household_power_frame().tail(2400).iloc[::2].assign(copy=lambda f: f[NEW])
    data = from_dataframe(frame[["time", NEW, "copy"]], time_col="time", target=[NEW, "copy"], freq="2h")
    with pytest.raises(DataError, match=f"series '{NEW}' has frequency '2h' but the model was trained on 'h' data"):
        three.predict(data)
