"""Build and load the fused C++ GRU kernel (CPU, float32 and float64).

The kernel is compiled on first use with the machine's C++ compiler and cached by
PyTorch (``TORCH_EXTENSIONS_DIR``, by default ``~/.cache/torch_extensions``);
``make setup`` builds it ahead of time with :func:`build`.
It is compiled for the host processor, so the cache key includes a digest of the
processor's feature flags: a home directory shared by different machines never
loads code built for another instruction set.

Where no compiler is available, :func:`load_kernel` returns ``None`` after one
warning and :class:`grucast.nn.GRU` falls back to a pure PyTorch path that gives
the same numbers, only slower. ``GRUCAST_DISABLE_KERNEL=1`` forces that fallback.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import sys
import warnings
from pathlib import Path
from types import ModuleType

_SOURCES = [Path(__file__).with_name("csrc") / name for name in ("gru_kernel.cpp", "block_cache.cpp")]


def _cpu_digest() -> str:
    """A short digest of the processor model and feature flags (Linux), else the arch."""
    ident = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "model name")):
                ident += line
    except OSError:
        pass
    return hashlib.sha1(ident.encode()).hexdigest()[:10]


def _native_flags() -> list[str]:
    # -march=native only where the digest above pins the build to this processor.
    if sys.platform.startswith("linux") and platform.machine() in ("x86_64", "aarch64"):
        return ["-march=native"]
    return []


@functools.cache
def load_kernel(verbose: bool = False) -> ModuleType | None:
    """Compile (once per machine) and import the fused GRU kernel.

    Returns:
        The extension module with ``forward`` and ``backward``, or ``None`` when it
        is disabled or cannot be built (a warning says why).
    """
    if os.environ.get("GRUCAST_DISABLE_KERNEL", "") not in ("", "0"):
        return None
    try:
        from torch.utils import cpp_extension

        flags = ["-O3", "-fopenmp", *_native_flags()]
        return cpp_extension.load(
            name=f"grucast_gru_{_cpu_digest()}",
            sources=[str(path) for path in _SOURCES],
            extra_cflags=flags,
            extra_ldflags=["-fopenmp"],
            verbose=verbose,
        )
    except Exception as exc:  # a missing compiler surfaces as many exception types
        warnings.warn(
            f"grucast: the fused C++ GRU kernel could not be built ({type(exc).__name__}: "
            f"{str(exc).strip().splitlines()[-1] if str(exc).strip() else exc!r}); using the "
            "slower pure PyTorch path. Install a C++ compiler (g++ or clang++) to enable it.",
            RuntimeWarning,
            stacklevel=2,
        )
        return None


def build(verbose: bool = False) -> int:
    """Compile the kernel now (``make setup`` calls this); prints the outcome, returns 0."""
    module = load_kernel(verbose=verbose)
    print("grucast: fused GRU kernel " + ("ready" if module else "unavailable (pure PyTorch path)"))
    return 0
