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


def check_precision(precision: str, accelerator: str) -> None:
    """Refuse float16 mixed precision where there is no GPU to run it, before any work."""
    if precision == "16-mixed" and (accelerator == "cpu" or not torch.cuda.is_available()):
        raise InputError(
            f"{option('precision', '16-mixed')} needs a CUDA GPU; on the CPU use {option('precision', 'bf16-mixed')} "
            f"(bfloat16 matmuls, float32 state) or {option('precision', '32')}"
        )


def precision_notes(precision: str, accelerator: str) -> list[str]:
    """What bf16-mixed does on this machine's CPU."""
    if precision != "bf16-mixed" or (accelerator != "cpu" and torch.cuda.is_available()):
        return []
    from grucast.nn.kernels import bf16_native

    if bf16_native():
        return ["bf16-mixed: the GRU kernel's matmuls ran in bfloat16, with float32 accumulation, gate math and state"]
    return ["bf16-mixed: this processor has no bfloat16 matmul instructions, so the GRU kernel computes in float32"]
