"""Memory kept for reuse while training: the block cache, and glibc's thresholds without it."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

import pytest
import torch

from grucast.runtime import memory

needs_cache = pytest.mark.skipif(memory.block_cache() is None, reason="the block cache is not built")
needs_glibc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not hasattr(memory._libc(), "mallinfo2"),
    reason="needs glibc >= 2.33 (mallinfo2)",
)


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                     "uordblks", "fordblks", "keepcost")
    ]


def _mmapped_bytes() -> int:
    """Bytes glibc holds in blocks of their own (mmap), which it unmaps when they are freed."""
    mallinfo2 = memory._libc().mallinfo2
    mallinfo2.restype = _MallInfo2
    return mallinfo2().hblkhd


def _malloc_mmapped(nbytes: int) -> int:
    """How much of a fresh ``nbytes`` malloc glibc served with mmap."""
    libc = memory._libc()
    libc.malloc.restype = ctypes.c_void_p
    before = _mmapped_bytes()
    block = libc.malloc(ctypes.c_size_t(nbytes))
    try:
        return _mmapped_bytes() - before
    finally:
        libc.free(ctypes.c_void_p(block))


@needs_cache
def test_block_cache_is_the_allocator_inside_the_block_only():
    cache = memory.block_cache()
    assert not cache.active()
    with memory.keep_freed_memory() as ok:
        assert ok and cache.active()
        with memory.keep_freed_memory() as inner_ok:
            assert inner_ok and cache.active()
        assert cache.active()  # leaving the inner block changes nothing
    assert not cache.active()
    assert memory._depth == 0


@needs_cache
def test_block_cache_reuses_freed_blocks_by_size_and_releases_them():
    cache = memory.block_cache()
    with memory.keep_freed_memory():
        big = torch.empty(1 << 20)  # 4 MiB: cached when freed
        address = big.data_ptr()
        del big
        assert cache.cached_bytes() == 4 << 20
        again = torch.empty(1 << 20)
        assert again.data_ptr() == address and cache.cached_bytes() == 0
        small = torch.empty(1000)  # under 1 MiB: not cached
        del small
        assert cache.cached_bytes() == 0
        del again
        assert cache.cached_bytes() == 4 << 20
        larger = torch.empty(2 << 20)  # 8 MiB: the 4 MiB block cannot hold it
        assert cache.cached_bytes() == 4 << 20
        shorter = torch.empty(900_000)  # 3.6 MiB (a shorter last batch) reuses the 4 MiB block
        assert shorter.data_ptr() == address and cache.cached_bytes() == 0
        del shorter, larger
        assert cache.cached_bytes() == 12 << 20
        tiny_for_the_block = torch.empty(400_000)  # 1.6 MiB: less than half of 4 MiB, new memory
        assert cache.cached_bytes() == 12 << 20
        del tiny_for_the_block
        kept_past_the_block = torch.empty(2 << 20)
    assert cache.cached_bytes() == 0
    del kept_past_the_block  # freed after the cache is gone: straight back to the system
    assert cache.cached_bytes() == 0
    # Outside the block, freed blocks are not kept.
    outside = torch.empty(1 << 20)
    del outside
    assert cache.cached_bytes() == 0


@needs_cache
def test_training_step_numbers_do_not_depend_on_the_cache():
    torch.manual_seed(0)
    layer = torch.nn.Linear(512, 512)
    x = torch.randn(1024, 512)
    plain = torch.autograd.grad(layer(x).square().sum(), layer.weight)[0]
    with memory.keep_freed_memory():
        for _ in range(2):
            cached = torch.autograd.grad(layer(x).square().sum(), layer.weight)[0]
    torch.testing.assert_close(cached, plain, rtol=0, atol=0)


@needs_glibc
def test_glibc_fallback_keeps_large_blocks_in_the_heap_inside_the_block_only(monkeypatch):
    monkeypatch.setattr(memory, "block_cache", lambda: None)  # as where no compiler exists
    size = 48 << 20  # over glibc's usual 32 MiB mmap threshold
    assert _malloc_mmapped(size) >= size  # usual glibc: a block of its own, unmapped on free
    with memory.keep_freed_memory() as ok:
        assert ok
        with memory.keep_freed_memory():  # nested: still raised
            assert _malloc_mmapped(size) == 0
        assert _malloc_mmapped(size) == 0  # carved from the heap, kept when freed
    assert _malloc_mmapped(size) >= size  # usual thresholds restored
    assert memory._depth == 0


@needs_glibc
def test_release_freed_memory_returns_the_heap_top_to_the_system():
    libc = memory._libc()
    libc.malloc.restype = ctypes.c_void_p
    memory._set_thresholds(1 << 30, 2 << 30)  # keep a freed 64 MiB block in the heap
    try:
        block = libc.malloc(ctypes.c_size_t(64 << 20))
        ctypes.memset(block, 1, 64 << 20)  # touch it, so that it is really held
        libc.free(ctypes.c_void_p(block))
        assert memory.release_freed_memory() is True
    finally:
        memory._set_thresholds(memory._USUAL_MMAP_BYTES, memory._USUAL_TRIM_BYTES)


def test_scope_is_left_cleanly_on_error(monkeypatch):
    monkeypatch.setattr(memory, "block_cache", lambda: None)
    calls = []
    monkeypatch.setattr(memory, "_set_thresholds", lambda mmap, trim: calls.append((mmap, trim)) or True)
    with pytest.raises(RuntimeError, match="boom"):
        with memory.keep_freed_memory(1 << 20):
            raise RuntimeError("boom")
    assert memory._depth == 0
    # The usual thresholds came back although the block raised.
    assert calls == [(1 << 20, 2 << 20), (memory._USUAL_MMAP_BYTES, memory._USUAL_TRIM_BYTES)]


def test_freeze_imports_exempts_what_is_alive_once():
    """In a fresh process: the imports' objects go to the permanent generation, a full
    collection then walks only what came later, and a second call freezes nothing more."""
    import subprocess
    import sys

    code = (
        "import gc, grucast.api\n"
        "from grucast.runtime.collector import freeze_imports\n"
        "alive = len(gc.get_objects())\n"
        "frozen = freeze_imports()\n"
        "later = [[] for _ in range(1000)]\n"
        "print(frozen >= 0.9 * alive, len(gc.get_objects()) < 2000 + len(later), freeze_imports() == frozen)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True", "True"]


@needs_glibc
def test_keep_freed_heap_serves_large_blocks_from_the_heap_inside_the_block_only():
    """Inside the block (nested too) a 64 MiB malloc comes from the heap, whose freed
    memory the next one reuses; after it, such a block is mapped on its own again."""
    with memory.keep_freed_heap() as ok:
        assert ok
        with memory.keep_freed_heap():
            assert _malloc_mmapped(64 << 20) == 0
        assert _malloc_mmapped(64 << 20) == 0  # leaving the inner block changes nothing
    assert memory._heap_depth == 0
    assert _malloc_mmapped(64 << 20) >= 64 << 20


@needs_glibc
def test_training_block_inside_a_reading_block_leaves_its_thresholds(monkeypatch):
    """keep_freed_memory without its block cache is keep_freed_heap: opened and closed
    inside a reading block, it leaves that block's raised thresholds in place."""
    monkeypatch.setattr(memory, "block_cache", lambda: None)
    with memory.keep_freed_heap():
        with memory.keep_freed_memory():
            assert _malloc_mmapped(64 << 20) == 0
        assert _malloc_mmapped(64 << 20) == 0
    assert _malloc_mmapped(64 << 20) >= 64 << 20
    assert memory._depth == memory._heap_depth == 0
