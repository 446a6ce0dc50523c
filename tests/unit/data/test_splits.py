"""Chronological split per series: sizes, defaults, and series too short for a window or a part."""

from __future__ import annotations

import re

import numpy as np
import pytest

from grucast.errors import InputError

from grucast.data import DataError, SeriesSet, plan_splits
from grucast.data.splits import resolve_size


def data(**lengths: int) -> SeriesSet:
    return SeriesSet.from_arrays({name: np.sin(np.arange(n, dtype=float)) for name, n in lengths.items()})


def test_default_is_ten_percent_test_and_validation_per_series():
    plan = plan_splits(data(a=1000, b=200), lookback=10, horizon=5)
    a, b = plan["a"], plan["b"]
    assert (a.train_end, a.val_end, a.length) == (800, 900, 1000)
    assert (b.train_end, b.val_end, b.length) == (160, 180, 200)
    assert (a.bounds("train"), a.bounds("val"), a.bounds("test")) == ((0, 800), (800, 900), (900, 1000))


def test_fraction_is_at_least_one_horizon():
    plan = plan_splits(data(a=100), lookback=10, horizon=24, test_size=0.1, val_size=0)
    assert plan["a"].rows("test") == 24 and plan["a"].rows("val") == 0 and plan["a"].rows("train") == 76


def test_sizes_in_steps():
    plan = plan_splits(data(a=100), lookback=5, horizon=3, test_size=20, val_size=10.0)
    assert (plan["a"].train_end, plan["a"].val_end) == (70, 80)


def test_seed_001_split():
    # Seed 001: 1000 points, 70 / 30 in time.
    plan = plan_splits(data(sine=1000), lookback=10, horizon=1, test_size=0.3, val_size=0)
    assert plan["sine"].train_end == 700 and plan["sine"].val_end == 700


def test_a_series_shorter_than_a_window_is_planned_with_padding():
    plan = plan_splits(data(AEP=150, long=1000), lookback=200, horizon=24)
    assert (plan["AEP"].train_end, plan["AEP"].val_end) == (102, 126)  # test 24, validation 24: one horizon each
    assert plan.needs_padding and plan.excluded == () and plan.notes == ()
    assert not plan_splits(data(long=1000), lookback=200, horizon=24).needs_padding


def test_a_training_part_shorter_than_a_window_is_kept():
    plan = plan_splits(data(a=150), lookback=90, horizon=24, test_size=0.1, val_size=30)
    assert (plan["a"].train_end, plan["a"].val_end) == (96, 126) and plan.needs_padding


def test_too_short_for_validation_or_for_the_test_part():
    # Test 6 rows; validation 6 more needs 6 + 1 training rows left: 18 rows do not, 19 do.
    plan = plan_splits(data(a=18, b=19, c=6, d=5), lookback=12, horizon=6, test_size=6, val_size=6)
    assert [split.name for split in plan] == ["a", "b"]
    assert (plan["a"].train_end, plan["a"].val_end) == (12, 12)
    assert (plan["b"].train_end, plan["b"].val_end) == (7, 13)
    assert plan.excluded == ("c", "d")
    assert plan.notes == (
        "2 series left out, too short to hold their test part and one row before it: 'c', 'd'",
        "1 series too short for a validation part train on all their rows before the test part: 'a'",
    )
    with pytest.raises(DataError, match=re.escape("every series is too short to hold its test part ('c', 'd'): a "
                                                  "series needs more rows than test_size (at least one horizon, 6)")):
        plan_splits(data(c=6, d=5), lookback=12, horizon=6, test_size=6)


def test_size_errors():
    with pytest.raises(DataError, match=re.escape("test_size (5) is shorter than horizon (24); the part needs at "
                                                  "least one horizon of targets")):
        resolve_size(5, 100, 24, "test_size")
    with pytest.raises(InputError, match=re.escape("val_size must be a whole number of steps, or a fraction in "
                                                   "[0, 1), got -1")):
        resolve_size(-1, 100, 24, "val_size")
    with pytest.raises(InputError, match=re.escape("test_size must be a whole number of steps, or a fraction in "
                                                   "[0, 1), got 12.5")):
        resolve_size(12.5, 100, 4, "test_size")


@pytest.mark.parametrize("lookback,horizon,error,message", [
    (0, 1, ValueError, "lookback must be a positive integer, got 0"),
    (10, 2.0, TypeError, "horizon must be a positive integer, got float 2.0"),
    (np.int64(10), True, TypeError, "horizon must be a positive integer, got bool True"),
])
def test_window_shape_errors(lookback, horizon, error, message):
    with pytest.raises(error, match=re.escape(message)):
        plan_splits(data(a=100), lookback=lookback, horizon=horizon)
