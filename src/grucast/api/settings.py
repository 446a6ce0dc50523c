"""What a forecaster is: its model, window and data handling, with checked values."""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from grucast.data.frequency import Frequency
from grucast.data.scaling import SCALER_KINDS
from grucast.data.window_norm import WINDOW_NORMS
from grucast.models.registry import MODELS
from grucast.training.config import TrainConfig
from grucast.training.module import MULTI_STEP

# Lookback by frequency: a week of hours, eight weeks of days, about three months
# of trading days; otherwise a few seasons.
_LOOKBACK = {"h": 168, "D": 56, "B": 60, "W": 52, "M": 36, "Q": 12}
_HORIZON = {"h": 24, "D": 7, "B": 5, "W": 4, "M": 12, "Q": 4}


@dataclass(frozen=True)
class ForecastSettings:
    """The model, its window and the data handling (training settings live in TrainConfig).

    Attributes:
        model: a name from :data:`grucast.models.MODELS`.
        lookback: input steps per window; ``None`` picks one from the frequency.
        horizon: steps forecast; ``None`` picks one season from the frequency.
        hidden_size, num_layers, dropout: the recurrent encoder.
        multi_step: ``"direct"`` (all steps at once) or ``"recursive"``.
        model_options: further keyword arguments of the model class.
        scaler: per-series scaler fitted on training rows.
        window_norm: ``"auto"``, ``"none"``, ``"last"`` or ``"mean_std"``.
        calendar: ``"auto"``, ``None`` or a list of calendar features.
        calendar_encoding: ``"cyclical"`` or ``"raw"``.
        test_size: last steps of each series held out (a fraction if below 1).
        val_size: steps before the test part for validation (a fraction if below 1).
        stride: steps between training windows.
        interval_level: coverage of the conformal prediction intervals.
    """

    model: str = "gru"
    lookback: int | None = None
    horizon: int | None = None
    hidden_size: int = 64
    num_layers: int = 2
    dropout: float = 0.1
    multi_step: str = "direct"
    model_options: dict[str, Any] = field(default_factory=dict)
    scaler: str = "standard"
    window_norm: str = "auto"
    calendar: str | list[str] | None = "auto"
    calendar_encoding: str = "cyclical"
    test_size: float = 0.1
    val_size: float = 0.1
    stride: int = 1
    interval_level: float = 0.9

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; choose one of: {', '.join(MODELS)}")
        for name in ("lookback", "horizon"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.multi_step not in MULTI_STEP:
            raise ValueError(f"multi_step must be 'direct' or 'recursive', got {self.multi_step!r}")
        if self.scaler not in SCALER_KINDS:
            raise ValueError(f"scaler must be one of {', '.join(SCALER_KINDS)}, got {self.scaler!r}")
        if self.window_norm not in WINDOW_NORMS + ("auto",):
            raise ValueError(f"window_norm must be one of auto, {', '.join(WINDOW_NORMS)}, got {self.window_norm!r}")
        if not 0 < self.interval_level < 1:
            raise ValueError(f"interval_level must be between 0 and 1, got {self.interval_level!r}")
        if not isinstance(self.model_options, dict):
            raise TypeError(f"model_options must be a dict, got {type(self.model_options).__name__}")

    def resolved(self, frequency: Frequency) -> ForecastSettings:
        """A copy with ``lookback`` and ``horizon`` filled in from the frequency."""
        base = "".join(ch for ch in frequency.alias if ch.isalpha())[:1]
        base = {"H": "h", "T": "h", "m": "h", "S": "h"}.get(base, base)
        horizon = self.horizon or _HORIZON.get(base, 1)
        lookback = self.lookback or max(_LOOKBACK.get(base, 48), 2 * horizon)
        return ForecastSettings(**{**asdict(self), "lookback": lookback, "horizon": horizon})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


FORECAST_FIELDS = frozenset(f.name for f in fields(ForecastSettings))
TRAIN_FIELDS = frozenset(f.name for f in fields(TrainConfig))


def split_settings(values: dict[str, Any]) -> tuple[ForecastSettings, TrainConfig]:
    """One flat dict of settings into the forecaster's and the trainer's parts."""
    unknown = sorted(set(values) - FORECAST_FIELDS - TRAIN_FIELDS)
    if unknown:
        raise ValueError(
            f"unknown setting(s) {', '.join(unknown)}; known ones are "
            f"{', '.join(sorted(FORECAST_FIELDS | TRAIN_FIELDS))}"
        )
    forecast = ForecastSettings(**{k: v for k, v in values.items() if k in FORECAST_FIELDS})
    training = TrainConfig(**{k: v for k, v in values.items() if k in TRAIN_FIELDS})
    return forecast, training
