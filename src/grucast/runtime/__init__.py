"""Process-level machinery: OpenMP's wait, compiled extensions, memory kept while training.

* :mod:`grucast.runtime.threads`: asks OpenMP for a passive wait at ``import grucast``.
* :mod:`grucast.runtime.extensions`: builds grucast's C++ extensions once per build
  environment and loads them.
* :mod:`grucast.runtime.memory`: :func:`keep_freed_memory`, the scope in which
  large freed CPU blocks are reused instead of returned to the operating system.

Submodules load on first use, so that ``import grucast`` stays light.
"""

__all__ = ["keep_freed_heap", "keep_freed_memory", "release_freed_memory"]


def __getattr__(name: str) -> object:
    if name in __all__:
        from grucast.runtime import memory

        return getattr(memory, name)
    raise AttributeError(f"module 'grucast.runtime' has no attribute {name!r}")
