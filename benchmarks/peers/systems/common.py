"""What every system gets (the settings) and gives back (its forecasts and timings)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

@dataclass(frozen=True)
class Settings:
    """Model and training settings, shared by all systems.

    Attributes:
        hidden_size: GRU state size.
        num_layers: stacked GRU layers.
        dropout: dropout between GRU layers (0: none, so no library's placement matters).
        batch_size: windows per optimiser step.
        epochs: passes over the training windows (no early stopping, no validation).
        lr: Adam's learning rate, constant (no schedule).
        seed: seeds each library's initialisation and shuffling.
        threads: torch CPU threads (``torch.set_num_threads``) and OpenMP threads.
        grad_clip: gradient norm clip (Lightning's ``gradient_clip_val``).
        inference_batch: windows per forward pass when forecasting the test windows,
            for every system: what grucast's ``forecast_windows`` uses for the task's
            lookback and hidden size (``grucast.api.forecaster.inference_batch_size``,
            set by ``run.py``; 128 windows at lookback 168, 256 at 90 and at 60).
        window_norm: ``"none"``, or ``"mean_std"``: each input window is also
            standardised by its own mean and standard deviation, undone on the way
            out (grucast ``window_norm="mean_std"``, Darts reversible instance norm,
            NeuralForecast ``scaler_type="standard"``, PyTorch Forecasting
            ``EncoderNormalizer``), for series that leave their training range.
    """

    hidden_size: int = 64
    num_layers: int = 2
    dropout: float = 0.0
    batch_size: int = 256
    epochs: int = 2
    lr: float = 1e-3
    seed: int = 0
    threads: int = 2
    grad_clip: float = 1.0
    window_norm: str = "none"
    inference_batch: int = 256

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Output:
    """One system's run on one task.

    Attributes:
        train_seconds: wall time of the library's fit call (dataset set-up included
            where the library makes the user build one).
        backtest_seconds: wall time to forecast every test window with the fitted model.
        series: ``(W,)`` index into the task's series names.
        origin: ``(W,)`` row of each window's last input value.
        forecast: ``(W, H)`` forecasts in the data's units.
        version: the library's version.
        notes: anything the reader should know about this run.
    """

    train_seconds: float
    backtest_seconds: float
    series: np.ndarray
    origin: np.ndarray
    forecast: np.ndarray
    version: str
    notes: list[str] = field(default_factory=list)


def row_lookup(times: pd.Series) -> pd.Series:
    """Timestamp -> row number of the task's time grid."""
    return pd.Series(np.arange(len(times)), index=pd.DatetimeIndex(times))


def scale(values: np.ndarray, stats: tuple[float, float]) -> np.ndarray:
    """Standardise with the training part's mean and standard deviation (as grucast's scaler does)."""
    mean, std = stats
    return (values - mean) / std


def unscale(values: np.ndarray, stats: tuple[float, float]) -> np.ndarray:
    mean, std = stats
    return values * std + mean


def unscale_rows(block: np.ndarray, series: np.ndarray, names: list[str], stats: dict) -> np.ndarray:
    """Rows of standardised forecasts back in data units, row ``i`` by series ``names[series[i]]``."""
    forecast = np.empty_like(block)
    for index, name in enumerate(names):
        mask = series == index
        forecast[mask] = unscale(block[mask], stats[name])
    return forecast


def quiet() -> None:
    """Silence the libraries' info logs and routine warnings (they go to stderr, not the results)."""
    import logging
    import warnings

    for name in ("lightning", "lightning.pytorch", "lightning.fabric", "pytorch_lightning", "darts", "neuralforecast"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")


def trainer_options(settings: Settings) -> dict:
    """Lightning ``Trainer`` options every peer gets: CPU, gradient clip, and no
    progress bar, summary, logger or checkpoints."""
    return {
        "accelerator": "cpu",
        "devices": 1,
        "gradient_clip_val": settings.grad_clip,
        "enable_progress_bar": False,
        "enable_model_summary": False,
        "logger": False,
        "enable_checkpointing": False,
    }
