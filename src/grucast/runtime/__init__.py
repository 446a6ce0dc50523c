"""Process-level machinery: compiled extensions and memory kept for reuse while training.

* :mod:`grucast.runtime.extensions`: builds grucast's C++ extensions once per build
  environment and loads them.
* :mod:`grucast.runtime.memory`: :func:`keep_freed_memory`, the scope in which
  large freed CPU blocks are reused instead of returned to the operating system.
"""

from grucast.runtime.memory import keep_freed_memory, release_freed_memory

__all__ = ["keep_freed_memory", "release_freed_memory"]
