"""Memory kept for reuse while training (grucast.runtime and the kernel's block cache)."""

from __future__ import annotations

import pytest
import torch

from grucast.runtime import memory as runtime
from grucast.nn.kernels import load_kernel

needs_kernel = pytest.mark.skipif(load_kernel() is None, reason="the fused kernel is not built")


def test_glibc_fallback_is_scoped_and_nests(monkeypatch):
    calls = []
    monkeypatch.setattr(runtime, "_block_cache", lambda: None)
    monkeypatch.setattr(runtime, "_set_thresholds", lambda mmap, trim: calls.append((mmap, trim)) or True)
    monkeypatch.setattr(runtime, "release_freed_memory", lambda: calls.append("trim") or True)
    with runtime.keep_freed_memory(1 << 20) as ok:
        assert ok
        with runtime.keep_freed_memory():  # inner block changes nothing
            pass
        assert calls == [(1 << 20, 2 << 20)]
    # Leaving the outer block restores glibc's usual limits, then trims.
    assert calls == [(1 << 20, 2 << 20), (32 << 20, 64 << 20), "trim"]
    assert runtime._depth == 0


@needs_kernel
def test_block_cache_reuses_freed_blocks_by_size_and_releases_them():
    kernel = load_kernel()
    with runtime.keep_freed_memory() as ok:
        assert ok
        big = torch.empty(1 << 20)  # 4 MiB: cached when freed
        address = big.data_ptr()
        del big
        assert kernel.block_cache_bytes() == 4 << 20
        again = torch.empty(1 << 20)
        assert again.data_ptr() == address and kernel.block_cache_bytes() == 0
        small = torch.empty(1000)  # under 1 MiB: not cached
        del small
        assert kernel.block_cache_bytes() == 0
        del again
        assert kernel.block_cache_bytes() == 4 << 20
        larger = torch.empty(2 << 20)  # 8 MiB: the 4 MiB block cannot hold it
        assert kernel.block_cache_bytes() == 4 << 20
        shorter = torch.empty(900_000)  # 3.6 MiB (a shorter last batch) reuses the 4 MiB block
        assert shorter.data_ptr() == address and kernel.block_cache_bytes() == 0
        del shorter, larger
        assert kernel.block_cache_bytes() == 12 << 20
        tiny_for_the_block = torch.empty(400_000)  # 1.6 MiB: less than half of 4 MiB, new memory
        assert kernel.block_cache_bytes() == 12 << 20
        del tiny_for_the_block
        kept_past_the_block = torch.empty(2 << 20)
    assert kernel.block_cache_bytes() == 0
    del kept_past_the_block  # freed after the cache is gone: straight back to the system
    assert kernel.block_cache_bytes() == 0
    assert runtime._depth == 0


@needs_kernel
def test_training_step_numbers_do_not_depend_on_the_cache():
    torch.manual_seed(0)
    layer = torch.nn.Linear(512, 512)
    x = torch.randn(1024, 512)
    plain = torch.autograd.grad(layer(x).square().sum(), layer.weight)[0]
    with runtime.keep_freed_memory():
        for _ in range(2):
            cached = torch.autograd.grad(layer(x).square().sum(), layer.weight)[0]
    torch.testing.assert_close(cached, plain, rtol=0, atol=0)


def test_scope_is_left_cleanly_on_error(monkeypatch):
    monkeypatch.setattr(runtime, "_block_cache", lambda: None)
    monkeypatch.setattr(runtime, "_set_thresholds", lambda mmap, trim: True)
    with pytest.raises(RuntimeError, match="boom"):
        with runtime.keep_freed_memory():
            raise RuntimeError("boom")
    assert runtime._depth == 0
    assert isinstance(runtime.release_freed_memory(), bool)
