"""The cyclic garbage collector in a run over many objects.

A full collection walks every object the collector tracks. After importing torch,
pandas and Lightning there are about 430,000 of them, and a full pass costs about
0.19 s on a 2-core machine. A run over many series triggers full passes again and
again (one comes each time the surviving objects have grown by a quarter), and each
walks the imports once more: they cost a phase of 1,000 series more than its work.

:func:`freeze_imports` moves every object alive now to the collector's permanent
generation, which collections skip. Called when the imports are done, that is
modules, functions and classes, which live as long as the process anyway; objects
made later are collected as before. The ``grucast`` command calls it once its
libraries are loaded; a Python program over many series can call ``gc.freeze()``
after its imports for the same effect.
"""

from __future__ import annotations

import gc

_frozen = False


def freeze_imports() -> int:
    """Exempt the objects alive now from later collections, once per process; returns how many are exempt."""
    global _frozen
    if not _frozen:
        gc.collect()  # what is garbage already goes first, so nothing unreachable is kept forever
        gc.freeze()
        _frozen = True
    return gc.get_freeze_count()
