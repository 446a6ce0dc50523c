"""Each process's share of a partitioned Parquet dataset: disjoint, complete, in the one-process order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grucast.data import read_series
from grucast.data.errors import DataError
from grucast.data.shards import shard_bounds
from grucast.errors import InputError


def _frame(lengths, seed=0):
    rng = np.random.default_rng(seed)
    parts = []
    for k, length in enumerate(lengths):
        parts.append(pd.DataFrame({
            "id": f"store-{(7 * k) % 11}",  # names in no sorted order
            "day": pd.date_range("2023-01-01", periods=length, freq="D"),
            "sales": rng.normal(100, 10, length).round(2),
        }))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture
def by_year(tmp_path):
    """Series cut across two files by year, so every long series spans both."""
    frame = _frame([400, 30, 200, 90, 500, 60, 250])
    folder = tmp_path / "sales"
    for year, rows in frame.groupby(frame.day.dt.year):
        (folder / f"year={year}").mkdir(parents=True)
        rows.drop(columns=[]).to_parquet(folder / f"year={year}" / "part-0.parquet", index=False)
    return folder


def _read(path, shard=None):
    return read_series(path, time_col="day", target="sales", series_col="id", shard=shard)


@pytest.mark.parametrize("world", [1, 2, 3, 7])
def test_shares_are_disjoint_complete_and_in_the_one_process_order(by_year, world):
    whole = _read(by_year)
    shares = [_read(by_year, (rank, world)) for rank in range(world)]
    assert sum((share.names for share in shares), ()) == whole.names
    for share in shares:
        info = share.shard
        assert (info.world, info.total, info.total_rows) == (world, len(whole), sum(whole.lengths.values()))
        assert share.names == whole.names[info.first : info.first + info.count]
        assert info.rows == sum(share.lengths.values())
        for series in share:
            np.testing.assert_array_equal(series.target, whole[series.name].target)
            np.testing.assert_array_equal(series.time, whole[series.name].time)
    assert whole.shard is None


def test_shares_hold_about_equal_rows(by_year):
    # Rows in first-appearance order: 400, 30, 200, 90, 500, 60, 250 (1,530); the cut nearest
    # 765 is before the fifth series (720 rows before it, against 1,220 before the sixth).
    first, second = (_read(by_year, (rank, 2)).shard for rank in range(2))
    assert (first.count, first.rows) == (4, 720) and (second.count, second.rows) == (3, 810)


def test_a_dataset_partitioned_by_series_reads_only_the_share_s_folders(tmp_path):
    frame = _frame([50, 60, 70, 80])
    folder = tmp_path / "by_id"
    frame.to_parquet(folder, partition_cols=["id"], index=False)
    whole = _read(folder)
    shares = [_read(folder, (rank, 2)) for rank in range(2)]
    assert shares[0].names + shares[1].names == whole.names
    # Folders in path order: store-0, store-10, store-3, store-7 (50, 80, 70, 60 rows).
    assert [share.shard.rows for share in shares] == [130, 130]


def test_bounds_give_every_block_a_series():
    assert shard_bounds(np.array([1, 1, 1, 1000]), 4).tolist() == [0, 1, 2, 3, 4]
    assert shard_bounds(np.array([1000, 1, 1, 1]), 3).tolist() == [0, 1, 2, 4]
    rng = np.random.default_rng(1)
    for _ in range(200):
        rows = rng.integers(1, 50, rng.integers(1, 30))
        world = int(rng.integers(1, len(rows) + 1))
        bounds = shard_bounds(rows, world)
        assert bounds[0] == 0 and bounds[-1] == len(rows) and (np.diff(bounds) >= 1).all()


def test_shard_errors(by_year, tmp_path):
    with pytest.raises(DataError, match=r"holds 7 series, too few to give each of 8 processes a share; use at most 7"):
        _read(by_year, (0, 8))
    with pytest.raises(DataError, match="needs the column that names the series"):
        read_series(by_year, time_col="day", target="sales", shard=(0, 2))
    with pytest.raises(DataError, match=r"series column 'shop' is not in the Parquet files of .*columns 'id', 'day'"):
        read_series(by_year, time_col="day", target="sales", series_col="shop", shard=(0, 2))
    file = tmp_path / "one.parquet"
    _frame([20]).to_parquet(file)
    with pytest.raises(DataError, match="is a file: loading a share of the series per process needs a folder"):
        _read(file, (0, 2))
    with pytest.raises(InputError, match=r"rank must be an integer in \[0, 1\], got 2"):
        _read(by_year, (2, 2))
    with pytest.raises(DataError, match=r"shard must be \(rank, world\)"):
        _read(by_year, 2)
