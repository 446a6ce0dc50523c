"""Process-wide memory settings that make training on the CPU faster and leaner.

A training step allocates and frees the same large activation buffers every step.
glibc returns large freed blocks to the operating system at once (blocks over the
mmap threshold, and the top of the heap past the trim threshold), so each step
page-faults them back in; on a virtual machine that can cost more than the
arithmetic. Raising both thresholds keeps that memory, but then every buffer comes
from one heap that the small allocations of each step fragment: on the peer
benchmark's hourly task it grew to about twice the live set.

So while a model trains, :func:`keep_freed_memory` installs a block cache
(``grucast/runtime/csrc/block_cache.cpp``, a small C++ extension of its own) as
torch's CPU allocator: freed blocks of 1 MiB and more are kept and handed out
again for the same size, which needs neither page faults nor a fragmented heap.
Where the extension cannot be built it falls back to raising glibc's thresholds.
Either way the block restores the usual behaviour and hands the kept memory back
when it ends. :func:`keep_freed_heap` raises glibc's thresholds alone, for the numpy
temporaries of reading a large file.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from grucast.runtime import extensions

BLOCK_CACHE = extensions.Extension(
    name="grucast_block_cache",
    sources=(Path(__file__).with_name("csrc") / "block_cache.cpp",),
    purpose="keeping freed memory with glibc's malloc thresholds instead",
)

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


def block_cache() -> ModuleType | None:
    """The block cache's extension (``install``, ``uninstall``, ``cached_bytes``,
    ``active``), or ``None`` where it cannot be built."""
    return extensions.load(BLOCK_CACHE)


@contextlib.contextmanager
def keep_freed_memory(threshold_bytes: int = 1 << 30) -> Iterator[bool]:
    """Within the block, large freed CPU blocks are kept for reuse.

    With the block cache built, it is torch's CPU allocator (reuse by size of
    freed blocks of 1 MiB and more); otherwise glibc keeps freed
    blocks below ``threshold_bytes``. Leaving the outermost block restores the
    previous allocator, or glibc's usual 32 MiB (mmap) and 64 MiB (trim)
    thresholds, and releases the memory kept.

    Yields:
        ``True`` when a setting took effect, else ``False``.
    """
    global _depth
    _libc()  # resolved now: a block left open until the interpreter exits can still close
    outermost = _depth == 0
    _depth += 1
    try:
        if not outermost:
            yield True
            return
        cache = block_cache()
        if cache is None:
            with keep_freed_heap(threshold_bytes) as ok:
                yield ok
            return
        ok = bool(cache.install())
        try:
            yield ok
        finally:
            if ok:
                cache.uninstall()
                release_freed_memory()
    finally:
        _depth -= 1


_heap_depth = 0


@contextlib.contextmanager
def keep_freed_heap(threshold_bytes: int = 1 << 30) -> Iterator[bool]:
    """Within the block, glibc keeps freed blocks below ``threshold_bytes`` for reuse.

    Reading a file of millions of rows makes numpy temporaries of hundreds of MB, one
    after another. Above glibc's mmap threshold each is mapped afresh and every page
    faulted in, then unmapped when freed; with the thresholds raised the next one
    reuses the same memory. Leaving the outermost block (of this or of
    :func:`keep_freed_memory` without its block cache) restores glibc's usual
    thresholds and returns the kept memory to the operating system.

    Yields:
        ``True`` when the setting took effect (glibc), else ``False``.
    """
    global _heap_depth
    ok = _set_thresholds(threshold_bytes, 2 * threshold_bytes) if _heap_depth == 0 else True
    _heap_depth += 1
    try:
        yield ok
    finally:
        _heap_depth -= 1
        if _heap_depth == 0 and ok:
            _set_thresholds(_USUAL_MMAP_BYTES, _USUAL_TRIM_BYTES)
            release_freed_memory()
