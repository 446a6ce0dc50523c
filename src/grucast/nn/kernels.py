"""The fused C++ GRU kernel (CPU, float32 and float64): its sources and its loader.

The kernel is compiled once per build environment (processor, torch install,
Python, compiler flags, sources; see :mod:`grucast.runtime.extensions`), at install
time by ``make setup``, and imported from that build afterwards.

Where no compiler is available, :func:`load_kernel` returns ``None`` after one
warning and :class:`grucast.nn.GRU` falls back to a pure PyTorch path that gives
the same numbers, only slower. ``GRUCAST_DISABLE_KERNEL=1`` forces that fallback.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from grucast.runtime import extensions

_CSRC = Path(__file__).with_name("csrc")

GRU_KERNEL = extensions.Extension(
    name="grucast_gru",
    sources=(_CSRC / "gru_kernel.cpp",),
    cflags=("-O3", "-fopenmp"),
    ldflags=("-fopenmp",),
    purpose="using the slower pure PyTorch GRU path",
)


def load_kernel(verbose: bool = False) -> ModuleType | None:
    """The fused GRU kernel's module (``forward``, ``backward``), or ``None`` without one."""
    return extensions.load(GRU_KERNEL, verbose=verbose)
