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
    by_label = np.argsort(codes, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(codes, minlength=len(unique)))]
    return [(_plain(unique[k]), by_label[bounds[k] : bounds[k + 1]]) for k in range(len(unique))]


def _plain(value: object) -> Hashable:
    return value.item() if isinstance(value, np.generic) else value
