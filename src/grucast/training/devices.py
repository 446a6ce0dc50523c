"""Checks of where training runs, made before any work so that a bad choice costs nothing."""

from __future__ import annotations

import torch

from grucast.errors import InputError, option


def check_accelerator(accelerator: str) -> None:
    """Refuse a GPU accelerator on a machine without one, before any work."""
    if accelerator in ("gpu", "cuda") and not torch.cuda.is_available():
        raise InputError(
            f"accelerator {accelerator!r} needs a CUDA GPU, and this machine has none (or torch is a CPU build); "
            f"use {option('accelerator', 'cpu')} or {option('accelerator', 'auto')}"
        )
    if accelerator == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise InputError(f"accelerator 'mps' needs Apple silicon; use {option('accelerator', 'cpu')}")
