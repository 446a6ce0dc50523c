"""Training settings, with the defaults a first run should use."""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, fields
from typing import Any

LOSSES = ("mse", "mae", "huber")
LR_SCHEDULES = ("plateau", "cosine", "none")


@dataclass(frozen=True)
class TrainConfig:
    """How to train a forecaster.

    Attributes:
        epochs: passes over the training windows (at most, with early stopping).
        batch_size: windows per optimiser step, over all processes together.
        lr: Adam's learning rate.
        weight_decay: Adam's L2 penalty.
        lr_schedule: ``"plateau"`` (halve the rate when validation loss stalls),
            ``"cosine"`` (anneal to zero over ``epochs``) or ``"none"``.
        patience: epochs without validation improvement before stopping; 0 never stops early.
        grad_clip: clip the gradient norm to this value; ``None`` or 0 to disable.
        loss: ``"mae"`` (default: forecasts the median, robust to spikes, and matches
            the MAE and MASE the runs report), ``"mse"`` (the mean) or ``"huber"``,
            on scaled values.
        seed: seeds Python, NumPy, torch and the window shuffle.
        deterministic: ask torch for deterministic algorithms.
        accelerator: ``"auto"`` (a GPU when there is one), ``"cpu"``, ``"gpu"``, ...
        devices: devices (or CPU processes) per machine, or ``"auto"``.
        strategy: Lightning strategy, e.g. ``"auto"``, ``"ddp"``, ``"ddp_spawn"``.
        num_nodes: machines taking part.
        limit_train_batches: at most this many batches per epoch (an int), or this
            share of them (a float); the rest of an epoch's shuffled windows are skipped.
        progress: show a progress bar; ``None`` shows it only on a terminal.
        threads: torch CPU threads; ``None`` keeps torch's default.
    """

    epochs: int = 20
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 0.0
    lr_schedule: str = "plateau"
    patience: int = 5
    grad_clip: float | None = 1.0
    loss: str = "mae"
    seed: int = 0
    deterministic: bool = False
    accelerator: str = "auto"
    devices: int | str = "auto"
    strategy: str = "auto"
    num_nodes: int = 1
    limit_train_batches: int | float = 1.0
    progress: bool | None = None
    threads: int | None = None

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "num_nodes"):
            _positive_int(name, getattr(self, name))
        _non_negative_int("patience", self.patience)
        _non_negative_int("seed", self.seed)
        if isinstance(self.lr, bool) or not isinstance(self.lr, numbers.Real) or not self.lr > 0:
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        if isinstance(self.weight_decay, bool) or not isinstance(self.weight_decay, numbers.Real) or self.weight_decay < 0:
            raise ValueError(f"weight_decay must be a number >= 0, got {self.weight_decay!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got {self.lr_schedule!r}")
        if self.grad_clip is not None and (isinstance(self.grad_clip, bool) or self.grad_clip < 0):
            raise ValueError(f"grad_clip must be a number >= 0 or None, got {self.grad_clip!r}")
        if self.threads is not None:
            _positive_int("threads", self.threads)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown training settings {unknown}; known ones are {sorted(known)}")
        return cls(**values)


def _positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _non_negative_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
