"""A pipeline fitted share by share, agreeing through gathered values, decides as one fitted on all series."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

from grucast.data import from_dataframe
from grucast.data.pipeline import WindowPipeline


class ThreadGroup:
    """Shares fitted in threads, gathering through a barrier: the protocol a process group follows."""

    def __init__(self, world):
        self.slots = [None] * world
        self.barrier = threading.Barrier(world, timeout=30)

    def member(self, rank):
        group = self

        class Member:
            def gather(self, value):
                group.slots[rank] = value
                group.barrier.wait()
                values = list(group.slots)
                group.barrier.wait()  # nobody writes the next round before all have read this one
                return values

        return Member()


def _data():
    rng = np.random.default_rng(2)
    parts = []
    # Lengths: too short for a test part (12), no validation part (40), padded windows (60), and long.
    for k, length in enumerate([500, 12, 300, 40, 60, 800, 450, 90]):
        level = 100 if k % 3 else 5
        walk = np.cumsum(rng.normal(0, 1, length)) if k % 2 else rng.normal(0, 1, length)
        parts.append(pd.DataFrame({
            "id": f"s{k}", "day": pd.date_range("2021-01-01", periods=length, freq="D"),
            "y": level + walk, "size": float(k * k), "kind": "ab"[k % 2] if k < 6 else "c",
        }))
    return from_dataframe(pd.concat(parts), time_col="day", target="y", series_col="id",
                          static_covariates=["size", "kind"])


@pytest.mark.parametrize("cuts", [[4], [1, 5], [2, 3, 6]])
def test_shares_fitted_together_decide_as_one_fit_on_all(cuts):
    data = _data()
    settings = dict(lookback=56, horizon=14, test_size=28, val_size=28, series_embedding=True)
    whole = WindowPipeline(**settings).fit(data)
    bounds = [0, *cuts, len(data)]
    shares = [data.select(list(data.names[a:b])) for a, b in zip(bounds[:-1], bounds[1:])]
    group = ThreadGroup(len(shares))
    fitted, errors = [None] * len(shares), []

    def fit(rank):
        try:
            fitted[rank] = WindowPipeline(**settings).fit(shares[rank], group.member(rank))
        except Exception as error:  # surfaced below
            errors.append(error)
            group.barrier.abort()

    threads = [threading.Thread(target=fit, args=(rank,)) for rank in range(len(shares))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert whole.excluded_ == ("s1",) and whole.padded_ and len(whole.notes_) == 2
    for share, pipeline in zip(shares, fitted):
        for name in ("lookback_", "horizon_", "season_", "excluded_", "notes_", "padded_", "calendar_",
                     "window_norm_", "feature_names_", "n_known_"):
            assert getattr(pipeline, name) == getattr(whole, name), name
        assert pipeline.static_.to_dict() == whole.static_.to_dict()
        kept = [name for name in share.names if name not in whole.excluded_]
        assert pipeline.series_ == tuple(kept)
        rows = whole.scaler_.rows(kept)
        np.testing.assert_array_equal(pipeline.scaler_.center_, whole.scaler_.center_[rows])
        np.testing.assert_array_equal(pipeline.scaler_.scale_, whole.scaler_.scale_[rows])


def test_a_share_whose_every_series_is_too_short_stops_every_process():
    data = _data()
    group = ThreadGroup(2)
    out = {}

    def fit(rank, names):
        try:
            WindowPipeline(lookback=56, horizon=14, test_size=28).fit(data.select(names), group.member(rank))
        except Exception as error:
            out[rank] = error

    threads = [threading.Thread(target=fit, args=(0, ["s1"])), threading.Thread(target=fit, args=(1, ["s0", "s2"]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(out) == [0, 1]  # both processes stop, neither waits for the other
    for error in out.values():
        assert "the series of share(s) 0 of 2 are all too short to hold their test part" in str(error)
        assert "use fewer processes" in str(error)
