"""Models by name."""

from __future__ import annotations

from typing import Any

from grucast.models.base import RecurrentForecaster
from grucast.models.cnn_gru import CNNGRUForecaster
from grucast.models.gru import BiGRUForecaster, GRUForecaster
from grucast.models.mingru import MinGRUForecaster
from grucast.models.torch_rnns import LSTMForecaster, RNNForecaster

MODELS: dict[str, type[RecurrentForecaster]] = {
    cls.name: cls
    for cls in (
        GRUForecaster,
        BiGRUForecaster,
        LSTMForecaster,
        RNNForecaster,
        CNNGRUForecaster,
        MinGRUForecaster,
    )
}


def build_model(name: str, **kwargs: Any) -> RecurrentForecaster:
    """Build the model registered as ``name`` (``gru``, ``bigru``, ``lstm``, ...)."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(MODELS)}")
    return MODELS[name](**kwargs)
