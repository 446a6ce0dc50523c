"""Questions about a large Arrow string column answered from its buffers.

A file of millions of rows arrives as Arrow strings. Asking Arrow to trim every cell
only to learn that none had spaces around it writes a second copy of the column; a
cell's first and last bytes already tell whether it could have any, so only the few
cells that could are trimmed to find out.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

# Columns found (or made) free of surrounding spaces, by the identity of their Arrow
# data: a column is asked again on each step of its way in, and Arrow data never
# changes, so the answer holds while the data lives.
_CLEAN: dict[int, weakref.ref] = {}
_BLOCK = 1 << 20  # cells per pass over a chunk: its temporaries stay small and reused


def string_chunks(column: pd.Series) -> list | None:
    """The Arrow string chunks behind a pandas string column, or ``None`` for any other column."""
    import pyarrow as pa

    chunked = getattr(column.array, "_pa_array", None)
    if not isinstance(chunked, pa.ChunkedArray):
        return None
    if not (pa.types.is_string(chunked.type) or pa.types.is_large_string(chunked.type)):
        return None
    return chunked.chunks


def _chunked(column: pd.Series):
    return column.array._pa_array


def _edge_suspects(chunk) -> np.ndarray:
    """Positions of the cells whose first or last byte could be whitespace.

    Whitespace is ASCII (at most ``0x20``, as are all control characters) or a
    multi-byte character, whose bytes are all ``0x80`` or more. An empty cell reads its
    neighbours' bytes: a false suspect at worst, which the exact check clears.
    """
    if len(chunk) == 0:
        return np.zeros(0, dtype=np.int64)
    import pyarrow as pa

    _, offsets, data = chunk.buffers()
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    itemsize = np.dtype(width).itemsize
    bounds = np.frombuffer(offsets, dtype=width, count=len(chunk) + 1, offset=chunk.offset * itemsize)
    if data is None or bounds[-1] == bounds[0]:
        return np.zeros(0, dtype=np.int64)  # every cell empty (or null): nothing to trim
    text = np.frombuffer(data, dtype=np.uint8)
    last_byte = len(text) - 1
    first = text[np.minimum(bounds[:-1], last_byte)]
    last = text[np.clip(bounds[1:] - 1, 0, last_byte)]
    return np.flatnonzero((first <= 0x20) | (first >= 0x80) | (last <= 0x20) | (last >= 0x80))


def has_surrounding_space(column: pd.Series) -> bool:
    """Whether any cell of an Arrow-backed string column changes under ``str.strip()``."""
    import pyarrow.compute as pc

    chunks = string_chunks(column)
    if chunks is None:
        raise TypeError("has_surrounding_space needs an Arrow-backed string column")
    known = _CLEAN.get(id(_chunked(column)))
    if known is not None and known() is _chunked(column):
        return False
    for chunk in chunks:
        for start in range(0, len(chunk), _BLOCK):
            block = chunk.slice(start, _BLOCK)
            suspects = _edge_suspects(block)
            if not len(suspects):
                continue
            cells = block.take(suspects)
            changed = pc.not_equal(pc.binary_length(pc.utf8_trim_whitespace(cells)), pc.binary_length(cells))
            if pc.any(changed).as_py():
                return True
    remember_clean(column)
    return False


def remember_clean(column: pd.Series) -> None:
    """Record that no cell of an Arrow-backed string column has spaces around it."""
    data = _chunked(column)
    key = id(data)
    _CLEAN[key] = weakref.ref(data, lambda _, key=key: _CLEAN.pop(key, None))
