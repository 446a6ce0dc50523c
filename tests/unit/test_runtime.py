"""Scoped malloc tuning for training (grucast.runtime)."""

from __future__ import annotations

import sys

import pytest

from grucast import runtime


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt")
def test_kept_memory_is_scoped_and_nests(monkeypatch):
    calls = []
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


def test_scope_is_left_cleanly_on_error(monkeypatch):
    monkeypatch.setattr(runtime, "_set_thresholds", lambda mmap, trim: True)
    with pytest.raises(RuntimeError, match="boom"):
        with runtime.keep_freed_memory():
            raise RuntimeError("boom")
    assert runtime._depth == 0
    assert isinstance(runtime.release_freed_memory(), bool)
