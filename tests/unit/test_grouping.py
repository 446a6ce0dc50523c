"""group_rows: labels in order of first appearance, rows in order, any label type."""

from __future__ import annotations

import numpy as np

from grucast.grouping import group_rows


def as_lists(groups):
    return [(label, rows.tolist()) for label, rows in groups]


def test_groups_keep_first_appearance_and_row_order():
    assert as_lists(group_rows(np.array(["b", "a", "b", "c", "a"]))) == [("b", [0, 2]), ("a", [1, 4]), ("c", [3])]
    assert as_lists(group_rows(np.array([7, 3, 7]))) == [(7, [0, 2]), (3, [1])]
    assert type(group_rows(np.array([7]))[0][0]) is int  # plain Python labels, as JSON wants them


def test_object_labels_and_no_rows():
    assert as_lists(group_rows(np.array(["x", "y", "x"], dtype=object))) == [("x", [0, 2]), ("y", [1])]
    assert group_rows(np.array([], dtype=object)) == []
