"""Process-wide malloc settings that make training on the CPU faster.

glibc returns large freed blocks to the operating system at once (blocks over the
mmap threshold, and the top of the heap past the trim threshold). A training step
allocates and frees the same large activation buffers every step, so each step
page-faults them back in; on a virtual machine that can cost more than the
arithmetic. Raising both thresholds keeps freed memory in the process for reuse.

Kept for good, that memory stacks up under whatever runs after training: with no
mmap threshold every buffer comes from one heap that small long-lived tensors
fragment, and forecasting many windows then grew the process by gigabytes. So the
setting is scoped: :func:`keep_freed_memory` holds it for one block and then
restores glibc's usual limits and hands the kept memory back.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Iterator

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# What glibc's own dynamic thresholds settle at on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX,
# and twice that for trimming), restored when a block ends.
_USUAL_MMAP_BYTES = 32 << 20
_USUAL_TRIM_BYTES = 64 << 20


@functools.cache
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def _set_thresholds(mmap_bytes: int, trim_bytes: int) -> bool:
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is None:  # not Linux, or musl and other libcs without mallopt
        return False
    ok_trim = mallopt(_M_TRIM_THRESHOLD, ctypes.c_int(min(trim_bytes, 2**31 - 1)))
    ok_mmap = mallopt(_M_MMAP_THRESHOLD, ctypes.c_int(min(mmap_bytes, 2**31 - 1)))
    return bool(ok_trim and ok_mmap)


def release_freed_memory() -> bool:
    """Return freed heap memory to the operating system now (glibc ``malloc_trim``).

    Returns:
        ``True`` when glibc released some memory, else ``False``.
    """
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is None:
        return False
    return bool(trim(ctypes.c_size_t(0)))


_depth = 0


@contextlib.contextmanager
def keep_freed_memory(threshold_bytes: int = 1 << 30) -> Iterator[bool]:
    """Within the block, glibc keeps freed blocks below ``threshold_bytes`` for reuse.

    On leaving the outermost block the thresholds go back to glibc's usual 32 MiB
    (mmap) and 64 MiB (trim) and the memory kept is released.

    Yields:
        ``True`` when the setting took effect (Linux with glibc), else ``False``.
    """
    global _depth
    ok = _set_thresholds(threshold_bytes, 2 * threshold_bytes) if _depth == 0 else True
    _depth += 1
    try:
        yield ok
    finally:
        _depth -= 1
        if _depth == 0 and ok:
            _set_thresholds(_USUAL_MMAP_BYTES, _USUAL_TRIM_BYTES)
            release_freed_memory()
