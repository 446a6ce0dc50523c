"""Chronological split per series: sizes, defaults and the too-short errors."""

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


def test_series_shorter_than_the_window():
    with pytest.raises(DataError, match=re.escape("lookback (200) + horizon (24) is longer than series 'AEP' (150 "
                                                  "rows); use a shorter lookback or more data")):
        plan_splits(data(AEP=150), lookback=200, horizon=24)


def test_training_part_too_short():
    message = (
        "series 'a' (150 rows) keeps 96 rows for training after 24 test and 30 validation rows, fewer than "
        "lookback (90) + horizon (24) = 114; use a shorter lookback or horizon, a smaller test_size or val_size, "
        "or more data"
    )
    with pytest.raises(DataError, match=re.escape(message)):
        plan_splits(data(a=150), lookback=90, horizon=24, test_size=0.1, val_size=30)


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
