"""Fine-tuning: fit(data, warm_start=True) continues from the fitted weights and scalers; refusals."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from grucast.api import Forecaster
from grucast.data import DataError, DataWarning, from_dataframe
from grucast.data.datasets.household_power import CHANNELS, household_power_frame
from grucast.errors import InputError

TRAINED, NEW = list(CHANNELS[:3]), CHANNELS[3]


def household(columns, rows: int = 1200, end: int = 0):
    frame = household_power_frame()
    frame = frame.iloc[len(frame) - rows - end : len(frame) - end]
    return from_dataframe(frame[["time", *columns]], time_col="time", target=list(columns), freq="h")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    forecaster = Forecaster("gru", lookback=36, horizon=6, hidden_size=12, num_layers=1, epochs=1, max_batches=4,
                            batch_size=64, progress=False, accelerator="cpu", threads=1)
    forecaster.fit(household(TRAINED, end=720))
    return forecaster.save(tmp_path_factory.mktemp("runs") / "base")


def test_warm_start_continues_from_the_saved_weights_and_scalers(saved):
    before = Forecaster.load(saved)
    newer = household(CHANNELS)  # a month later, and one series more
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        reference = before.predict(newer)
    tuned = Forecaster.load(saved).set_params(lr=1e-12, epochs=1, max_batches=1)
    with pytest.warns(DataWarning, match=f"series '{NEW}' was not in the training data: .* fitted on its own 960 rows"):
        tuned.fit(newer, warm_start=True)
    # The known series keep their scalers; the new one's is fitted on its training part only (80 % of 1200 rows).
    scaler = tuned.pipeline_.scaler_
    np.testing.assert_array_equal(scaler.center_[:3], before.pipeline_.scaler_.center_)
    new_rows = newer[NEW].target[:960]
    assert scaler.center_[3, 0] == pytest.approx(new_rows.mean()) and scaler.scale_[3, 0] == pytest.approx(new_rows.std())
    # A learning rate of 1e-12 leaves the weights where they were: the same forecasts as the saved model
    # for the known series (the new one is scaled by its training part now, by all its rows before).
    known = reference["series"] != NEW
    np.testing.assert_allclose(tuned.predict(newer)["value"][known], reference["value"][known], rtol=1e-5)
    assert tuned.fit_result_.epochs_run == 1 and tuned.settings_.lr == 1e-12


def test_warm_start_scaler_of_a_new_series_never_sees_its_test_period(saved):
    data = household(CHANNELS)
    frame = household_power_frame().tail(1200).copy()
    frame.loc[frame.index[-120:], NEW] *= 50  # only the test period changes
    changed = from_dataframe(frame[["time", *CHANNELS]], time_col="time", target=list(CHANNELS), freq="h")
    fits = []
    for one in (data, changed):
        tuned = Forecaster.load(saved).set_params(epochs=1, max_batches=2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            tuned.fit(one, warm_start=True)
        fits.append(tuned)
    np.testing.assert_array_equal(fits[0].pipeline_.scaler_.center_, fits[1].pipeline_.scaler_.center_)
    for name in (p for p, _ in fits[0].module_.model.named_parameters()):
        np.testing.assert_array_equal(
            fits[0].module_.model.get_parameter(name).detach(), fits[1].module_.model.get_parameter(name).detach()
        )


def test_warm_start_refusals(saved):
    loaded = Forecaster.load(saved)
    with pytest.raises(InputError, match=r"fine-tuning keeps the fitted model and data handling, but hidden_size=32 "
                                         r"differs from the fitted hidden_size=12"):
        Forecaster.load(saved).set_params(hidden_size=32).fit(household(TRAINED), warm_start=True)
    frame = household_power_frame().tail(1200)
    other = from_dataframe(frame, time_col="time", target=CHANNELS[0], freq="h")  # past covariates now
    with pytest.raises(DataError, match="the data's target 'global_active_power' differ from the model's 'value'"):
        loaded.fit(other, warm_start=True)
    two_hourly = household_power_frame().tail(2400).iloc[::2]
    data = from_dataframe(two_hourly[["time", *TRAINED]], time_col="time", target=TRAINED, freq="2h")
    with pytest.raises(DataError, match="series 'global_active_power' has frequency '2h' but the model was trained on 'h'"):
        loaded.fit(data, warm_start=True)
    with pytest.raises(InputError, match="not fitted yet"):
        Forecaster("gru").fit(household(TRAINED), warm_start=True)
