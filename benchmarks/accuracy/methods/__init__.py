"""The methods the benchmark compares, by name.

Each method is a module with ``run(subset, options) -> Output`` that forecasts every
window of a :class:`subsets.Subset`. ``ENV`` says which virtual environment's Python
runs it: ``"accuracy"`` (this benchmark's, ``benchmarks/accuracy/.venv``: grucast,
statsforecast) or ``"peers"`` (the peer benchmark's, ``benchmarks/peers/.venv``:
Darts and NeuralForecast on the same torch).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Output:
    """One method's forecasts of one subset.

    Attributes:
        forecast: ``(W, H)`` forecasts of the subset's windows, in its order and units.
        fit_seconds: wall time spent fitting (0 for methods that do not fit).
        predict_seconds: wall time spent forecasting.
        version: the library's version.
        notes: anything a reader of the results should know about this run.
        settings: the settings the method ran with (for the results file).
    """

    forecast: np.ndarray
    fit_seconds: float
    predict_seconds: float
    version: str
    notes: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)


#: name -> (module, environment, one-line description)
METHODS: dict[str, tuple[str, str, str]] = {
    "naive": ("methods.baselines", "accuracy", "last observed value, repeated"),
    "seasonal_naive": ("methods.baselines", "accuracy", "the last season, repeated (naive when season is 1)"),
    "auto_ets": ("methods.stats", "accuracy", "statsforecast AutoETS(season_length=m), one fit per window"),
    "auto_theta": ("methods.stats", "accuracy", "statsforecast AutoTheta(season_length=m), one fit per window"),
    "nf_gru": ("methods.peer_gru", "peers", "NeuralForecast GRU, global, equal budget"),
    "darts_gru": ("methods.peer_gru", "peers", "Darts BlockRNNModel(model='GRU'), global, equal budget"),
    "grucast": ("methods.grucast_runner", "accuracy", "grucast Forecaster, defaults (or --grucast-settings)"),
}

#: The anchors every subset should have.
ANCHORS = ("naive", "seasonal_naive", "auto_ets", "auto_theta")
