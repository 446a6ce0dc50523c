"""Rows grouped by a label in one sort: the per-series pass of every phase.

A boolean mask per label costs labels x rows, which is quadratic in the number of
series; hashing the labels once and sorting their integer codes groups them all.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd


def group_rows(labels: np.ndarray) -> list[tuple[Hashable, np.ndarray]]:
    """``(label, row indices)`` per distinct label, labels in order of first appearance,
    rows in their original order within each group.

    >>> [(label, rows.tolist()) for label, rows in group_rows(np.array(["b", "a", "b"]))]
    [('b', [0, 2]), ('a', [1])]
    """
    labels = np.asarray(labels)
    if labels.size == 0:
        return []
    # Codes in order of first appearance, by hashing: no sort of the labels themselves.
    codes, unique = pd.factorize(labels.ravel(), use_na_sentinel=False)
    return [(_plain(unique[k]), rows) for k, rows in enumerate(group_codes(codes, len(unique)))]


def group_codes(codes: np.ndarray, count: int) -> list[np.ndarray]:
    """Row indices of each code ``0 .. count - 1``, rows in their original order:
    :func:`group_rows` for labels already numbered (no hashing).

    >>> [rows.tolist() for rows in group_codes(np.array([1, 0, 1]), 2)]
    [[1], [0, 2]]
    """
    by_code = np.argsort(codes, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(codes, minlength=count))]
    return [by_code[bounds[k] : bounds[k + 1]] for k in range(count)]


def _plain(value: object) -> Hashable:
    return value.item() if isinstance(value, np.generic) else value
