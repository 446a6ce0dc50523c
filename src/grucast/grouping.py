"""Rows grouped by a label in one sort: the per-series pass of every phase.

A boolean mask per label costs labels x rows, which is quadratic in the number of
series; sorting once groups them all in O(rows log rows).
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np


def group_rows(labels: np.ndarray) -> list[tuple[Hashable, np.ndarray]]:
    """``(label, row indices)`` per distinct label, labels in order of first appearance,
    rows in their original order within each group.

    >>> [(label, rows.tolist()) for label, rows in group_rows(np.array(["b", "a", "b"]))]
    [('b', [0, 2]), ('a', [1])]
    """
    labels = np.asarray(labels)
    if labels.size == 0:
        return []
    unique, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    by_label = np.argsort(inverse, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(inverse, minlength=len(unique)))]
    return [(_plain(unique[k]), by_label[bounds[k] : bounds[k + 1]]) for k in np.argsort(first)]


def _plain(value: object) -> Hashable:
    return value.item() if isinstance(value, np.generic) else value
