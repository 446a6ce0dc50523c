"""Lazy windows: indices against a hand computation, batches, loaders, memory."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grucast.data import Segment, WindowBatchSampler, WindowDataset, denormalize


def rows_tensor(n: int) -> torch.Tensor:
    # Column 0 holds the row number, column 1 ten times it: windows show their rows.
    rows = torch.arange(n, dtype=torch.float32)
    return torch.stack([rows, 10 * rows], dim=1)


def two_series(stride: int = 2, window_norm: str = "none") -> WindowDataset:
    segments = [
        Segment(series=0, offset=0, first_row=0, length=10),
        Segment(series=1, offset=10, first_row=5, length=7),
    ]
    return WindowDataset(
        rows_tensor(17), segments, lookback=3, horizon=2, n_known=1, stride=stride, window_norm=window_norm
    )


def test_window_starts_by_hand():
    # Segment 0: 10 rows, span 5 -> last start 5; stride 2, aligned to the end -> 1, 3, 5.
    # Segment 1: 7 rows at tensor row 10 -> last start 2 -> 0, 2 -> tensor rows 10, 12.
    dataset = two_series()
    assert len(dataset) == 5 and dataset.counts() == [3, 2]
    start, series, row = dataset.locate(torch.arange(5))
    assert start.tolist() == [1, 3, 5, 10, 12]
    assert series.tolist() == [0, 0, 0, 1, 1]
    assert row.tolist() == [1, 3, 5, 5, 7]  # segment 1 begins at row 5 of its series


def test_batch_contents_by_hand():
    batch = two_series()[torch.tensor([3, 0])]
    assert batch["x"].shape == (2, 3, 2) and batch["y"].shape == (2, 2, 1) and batch["known_future"].shape == (2, 2, 1)
    assert batch["x"][:, :, 0].tolist() == [[10, 11, 12], [1, 2, 3]]
    assert batch["y"][:, :, 0].tolist() == [[13, 14], [4, 5]]
    assert batch["known_future"][:, :, 0].tolist() == [[130, 140], [40, 50]]
    assert batch["series"].tolist() == [1, 0]
    assert batch["start"].tolist() == [5, 1]


def test_single_window_matches_the_batch():
    dataset = two_series(stride=1)
    one = dataset[-1]
    batch = dataset[torch.tensor([len(dataset) - 1])]
    assert one["x"].shape == (3, 2)
    for key in batch:
        torch.testing.assert_close(one[key], batch[key][0])
    assert one["y"][:, 0].tolist() == [15, 16]  # the last window ends at the last row


def test_stride_one_counts():
    dataset = two_series(stride=1)
    assert dataset.counts() == [6, 3]


def test_out_of_range_index():
    with pytest.raises(IndexError, match="window index out of range for 5 windows"):
        two_series()[torch.tensor([5])]


def test_segment_too_short_has_no_windows():
    dataset = WindowDataset(rows_tensor(4), [Segment(0, 0, 0, 4)], lookback=3, horizon=2)
    assert len(dataset) == 0


def test_loader_visits_every_window_once_in_whole_batches():
    dataset = two_series(stride=1)
    seen = []
    for batch in dataset.loader(4, shuffle=True, seed=3):
        assert batch["x"].shape[1:] == (3, 2)
        start, _, _ = dataset.locate(torch.arange(len(dataset)))
        seen += batch["x"][:, 0, 0].long().tolist()
    assert sorted(seen) == sorted(start.tolist())
    first = [b["x"][:, 0, 0].tolist() for b in dataset.loader(4, shuffle=True, seed=3)]
    second = [b["x"][:, 0, 0].tolist() for b in dataset.loader(4, shuffle=True, seed=3)]
    assert first == second


def test_batch_sampler_lengths():
    assert len(WindowBatchSampler(10, 4)) == 3
    assert len(WindowBatchSampler(10, 4, drop_last=True)) == 2
    assert [b.tolist() for b in WindowBatchSampler(5, 2)] == [[0, 1], [2, 3], [4]]


def test_window_norm_last_is_undone():
    dataset = two_series(window_norm="last")
    batch = dataset[torch.arange(len(dataset))]
    assert batch["x"][:, -1, 0].abs().max() == 0  # relative to the last input
    assert batch["x"][:, 0, 1].tolist() == [10, 30, 50, 100, 120]  # covariates untouched
    restored = denormalize(batch["y"], batch["offset"], batch["scale"])
    assert restored[:, :, 0].tolist() == [[4, 5], [6, 7], [8, 9], [13, 14], [15, 16]]


def test_window_norm_mean_std():
    batch = two_series(window_norm="mean_std")[torch.arange(5)]
    target = batch["x"][:, :, 0]
    torch.testing.assert_close(target.mean(dim=1), torch.zeros(5), atol=1e-6, rtol=0)
    torch.testing.assert_close(target.std(dim=1, unbiased=False), torch.ones(5))
    restored = denormalize(batch["y"], batch["offset"], batch["scale"])
    assert restored[:, :, 0].round().tolist() == [[4, 5], [6, 7], [8, 9], [13, 14], [15, 16]]


def test_windows_are_not_materialized():
    # 200k windows over 5 features: the dataset keeps the data once plus O(segments) integers.
    values = torch.randn(200_000 + 90, 5)
    dataset = WindowDataset(values, [Segment(0, 0, 0, len(values))], lookback=90, horizon=1)
    assert len(dataset) == 200_000
    assert dataset.values.data_ptr() == values.data_ptr()  # no copy of the data
    tensors = [t for t in vars(dataset).values() if isinstance(t, torch.Tensor) and t is not dataset.values]
    extra = sum(t.numel() * t.element_size() for t in tensors)
    assert extra < 2_000
    batch = dataset[torch.tensor([0, 199_999])]
    torch.testing.assert_close(batch["x"][1], values[199_999:200_089])
    np.testing.assert_array_equal(batch["y"][1, :, 0].numpy(), values[200_089:, 0].numpy())


def test_padded_windows_by_hand():
    # One segment of 5 rows whose windows may start with a single observed input row:
    # targets start at t = 1, 2, 3 (the last at 5 - horizon); inputs are rows t - 3 .. t - 1.
    dataset = WindowDataset(
        rows_tensor(5) + 1, [Segment(series=0, offset=0, first_row=0, length=5, first_target=1)],
        lookback=3, horizon=2, window_norm="none",
    )
    assert len(dataset) == 3 and dataset.pads
    batch = dataset[torch.arange(3)]
    # Row r holds (r + 1, 10 r + 1); rows before 0 are padding: every feature zero.
    assert batch["x"][:, :, 0].tolist() == [[0, 0, 1], [0, 1, 2], [1, 2, 3]]
    assert batch["x"][0, :, 1].tolist() == [0, 0, 1]
    assert batch["y"][:, :, 0].tolist() == [[2, 3], [3, 4], [4, 5]]
    assert batch["start"].tolist() == [-2, -1, 0]


def test_mean_std_normalisation_leaves_padding_out():
    dataset = WindowDataset(
        rows_tensor(5) + 1, [Segment(series=0, offset=0, first_row=0, length=5, first_target=1)],
        lookback=3, horizon=2, window_norm="mean_std",
    )
    batch = dataset[torch.arange(3)]
    # Window 1 has observed inputs 1, 2: mean 1.5, population std 0.5; its padded row stays 0.
    assert batch["offset"][:, 0, 0].tolist() == [1.0, 1.5, 2.0]
    assert batch["scale"][:, 0, 0].tolist() == pytest.approx([1.0, 0.5, 0.816496], rel=1e-5)
    assert batch["x"][1, :, 0].tolist() == [0.0, -1.0, 1.0]
    restored = denormalize(batch["y"], batch["offset"], batch["scale"])
    np.testing.assert_allclose(restored[:, :, 0].numpy(), [[2, 3], [3, 4], [4, 5]], rtol=1e-6)
