"""The fused C++ GRU kernel (CPU, float32 and float64): its sources and its loader.

The kernel is compiled once per build environment (processor, torch install,
Python, compiler flags, sources; see :mod:`grucast.runtime.extensions`), at install
time by ``make setup``, and imported from that build afterwards.

Where no compiler is available, :func:`load_kernel` returns ``None`` after one
warning and :class:`grucast.nn.GRU` falls back to a pure PyTorch path that gives
the same numbers, only slower. ``GRUCAST_DISABLE_KERNEL=1`` forces that fallback.
"""

from __future__ import annotations

import functools
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


@functools.cache
def bf16_native() -> bool:
    """Whether bfloat16 matmuls run natively here: the kernel is built, torch carries a
    bf16 GEMM with float32 output (MKL), and the processor has bf16 instructions
    (``avx512_bf16`` or ``amx_bf16`` in ``/proc/cpuinfo``)."""
    kernel = load_kernel()
    if kernel is None or not kernel.bf16_matmuls_available():
        return False
    try:
        with open("/proc/cpuinfo") as handle:
            flags = next((line for line in handle if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags
