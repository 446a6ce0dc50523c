"""Forecasting models: (batch, lookback, features) -> (batch, horizon, targets), by name."""

from grucast.models.base import RecurrentForecaster
from grucast.models.cnn_gru import CNNGRUForecaster
from grucast.models.gru import BiGRUForecaster, GRUForecaster
from grucast.models.mingru import MinGRUForecaster
from grucast.models.registry import MODELS, build_model
from grucast.models.torch_rnns import LSTMForecaster, RNNForecaster

__all__ = [
    "MODELS",
    "BiGRUForecaster",
    "CNNGRUForecaster",
    "GRUForecaster",
    "LSTMForecaster",
    "MinGRUForecaster",
    "RNNForecaster",
    "RecurrentForecaster",
    "build_model",
]
