"""Process-wide settings that make training on the CPU faster.

glibc returns large freed blocks to the operating system at once (blocks over the
mmap threshold, and the top of the heap past the trim threshold). A training step
allocates and frees the same large activation buffers every step, so each step
page-faults them back in; on a virtual machine that can cost more than the
arithmetic. Raising both thresholds keeps freed memory in the process for reuse.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


@functools.cache
def keep_freed_memory(threshold_bytes: int = 1 << 30) -> bool:
    """Ask glibc to keep freed blocks below ``threshold_bytes`` for reuse.

    Returns:
        ``True`` when the setting took effect (Linux with glibc), else ``False``.
        Calling it again is free.
    """
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and other libcs have no mallopt
        return False
    ok_trim = mallopt(_M_TRIM_THRESHOLD, ctypes.c_int(min(2 * threshold_bytes, 2**31 - 1)))
    ok_mmap = mallopt(_M_MMAP_THRESHOLD, ctypes.c_int(min(threshold_bytes, 2**31 - 1)))
    return bool(ok_trim and ok_mmap)
