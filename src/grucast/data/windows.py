r"""Lazy sliding windows over one contiguous tensor per split.

The rows of every series in a split sit one after another in a single ``(N, F)``
float32 tensor. A window is never stored: it is an integer, and its rows come from
index arithmetic when a batch is asked for. Window :math:`i` lies in segment
:math:`g` (one series) where :math:`C_g \le i < C_{g+1}` (:math:`C` the running
window counts); its targets start at segment row

.. math::
    t_i = a_g + (i - C_g)\,\mathrm{stride}, \qquad
    a_g = T_g - H - (n_g - 1)\,\mathrm{stride},

and its inputs are the :math:`L` rows before, :math:`t_i - L \ldots t_i - 1`, with
:math:`T_g` the segment's rows, :math:`H` the horizon and :math:`n_g` its window
count: windows are aligned to the segment's end (the last window's targets are
its last ``horizon`` rows) and the first has its targets at or after the segment's
``first_target``. A window whose inputs reach back before the segment's first row
is padded: those input rows are zeros (every feature, so a 0/1 "observed" column
marks them). A batch of :math:`B` windows is one gather of ``(B, lookback +
horizon)`` rows; memory is the data once plus :math:`O(S)` integers for :math:`S`
segments, not a ``(windows, lookback, features)`` array.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, Sampler

from grucast import checks
from grucast.data.splits import check_window_shape
from grucast.data.window_norm import WindowNorm, check_window_norm, normalize_window, window_statistics


@dataclass(frozen=True)
class Segment:
    """The rows of one series inside a split's tensor.

    Attributes:
        series: the series' index in the data.
        offset: its first row in the tensor.
        first_row: the row of the series that row ``offset`` holds.
        length: how many rows it has in the tensor.
        first_target: the segment row where the first window's targets may start,
            at least 1 (inputs before row 0 are padding); ``None`` for ``lookback``,
            i.e. full windows only.
    """

    series: int
    offset: int
    first_row: int
    length: int
    first_target: int | None = None


class WindowDataset(Dataset):
    """Sliding windows over a split, gathered a whole batch at a time.

    ``dataset[i]`` is one window; ``dataset[index_tensor]`` a batch, built with one
    gather and no per-window Python. :meth:`loader` feeds whole batches this way.

    Args:
        values: ``(N, F)`` float32 rows of every segment, features ordered as target,
            known covariates (``n_known`` of them), past-only covariates.
        segments: where each series lies in ``values``.
        lookback: input rows per window, :math:`L`.
        horizon: target rows per window, :math:`H`.
        n_known: how many features after the target are known covariates.
        stride: rows between the starts of consecutive windows. Default: 1.
        window_norm: ``"none"``, ``"last"`` or ``"mean_std"`` (see
            :mod:`grucast.data.window_norm`).
        static: ``(S, n_static)`` numeric static features of each series (row
            ``Segment.series``), or ``None``.
        categories: ``(S, C)`` int64 static category indices of each series, or ``None``.

    A batch is a dict of tensors:
        * **x**: ``(B, L, F)`` inputs.
        * **y**: ``(B, H, 1)`` targets.
        * **known_future**: ``(B, H, K)`` known covariates over the horizon.
        * **series**: ``(B,)`` series index.
        * **start**: ``(B,)`` row of the series where the window's inputs start;
          its forecast origin is row ``start + L - 1``.
        * **offset**, **scale**: ``(B, 1, 1)`` window normalisation, undone by
          ``forecast * scale + offset``.
        * **static**, **categories**: ``(B, n_static)`` and ``(B, C)``, when given.
        * **observed**: ``(B, L)`` bool, False on input rows before a series' first
          row, when some window of the dataset has such rows.
    """

    def __init__(
        self,
        values: Tensor,
        segments: Sequence[Segment],
        *,
        lookback: int,
        horizon: int,
        n_known: int = 0,
        stride: int = 1,
        window_norm: WindowNorm = "none",
        static: Tensor | None = None,
        categories: Tensor | None = None,
    ) -> None:
        check_window_shape(lookback, horizon, stride)
        check_window_norm(window_norm)
        if values.dim() != 2:
            raise ValueError(f"WindowDataset: values must be (rows, features), got shape {tuple(values.shape)}")
        if not 0 <= n_known < values.shape[1]:
            raise ValueError(f"WindowDataset: n_known ({n_known}) must be in [0, {values.shape[1] - 1}]")
        self.values = values.contiguous()
        self.lookback = lookback
        self.horizon = horizon
        self.n_known = n_known
        self.stride = stride
        self.window_norm = window_norm
        self.static = static
        self.categories = categories
        self.segments = tuple(segments)
        length = np.array([segment.length for segment in self.segments], dtype=np.int64)
        earliest = np.array(
            [lookback if s.first_target is None else max(1, s.first_target) for s in self.segments], dtype=np.int64
        )
        last = length - horizon  # the last window's first target row
        counts = np.where(last >= earliest, (last - earliest) // stride + 1, 0)
        first = last - (counts - 1) * stride - lookback  # the first window's first input row
        offset = np.array([s.offset for s in self.segments], dtype=np.int64)
        self._series = torch.tensor([s.series for s in self.segments], dtype=torch.int64)
        self._row0 = torch.tensor([s.first_row for s in self.segments], dtype=torch.int64) + torch.from_numpy(first)
        self._start0 = torch.from_numpy(offset + first)
        self._offset = torch.from_numpy(offset)
        self._cumulative = torch.from_numpy(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
        self.pads = bool(((first < 0) & (counts > 0)).any())
        self._input_steps = torch.arange(lookback)
        self._target_steps = torch.arange(lookback, lookback + horizon)

    def __len__(self) -> int:
        return int(self._cumulative[-1])

    @property
    def n_features(self) -> int:
        """Features per input row, :math:`F`."""
        return int(self.values.shape[1])

    def counts(self) -> list[int]:
        """Windows per segment."""
        return torch.diff(self._cumulative).tolist()

    def locate(self, index: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Where windows lie: their first row in ``values``, series, and first row in the series.

        A padded window's first rows come before its segment (and its series): its
        first row in ``values`` and in the series can then lie before the segment's
        first row, or be negative.

        Args:
            index: ``(B,)`` window numbers in ``[0, len(self))``.
        """
        start, series, row, _ = self._locate(index)
        return start, series, row

    def _locate(self, index: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        index = torch.as_tensor(index, dtype=torch.int64)
        if index.numel() and (int(index.min()) < 0 or int(index.max()) >= len(self)):
            raise IndexError(f"window index out of range for {len(self)} windows")
        segment = torch.searchsorted(self._cumulative, index, right=True) - 1
        step = (index - self._cumulative[segment]) * self.stride
        return self._start0[segment] + step, self._series[segment], self._row0[segment] + step, segment

    def __getitem__(self, index: int | Sequence[int] | Tensor | np.ndarray) -> dict[str, Tensor]:
        single = isinstance(index, (int, np.integer)) or (isinstance(index, Tensor) and index.dim() == 0)
        if single:
            position = int(index)
            if position < 0:
                position += len(self)
            batch = self.batch(torch.tensor([position]))
            return {key: value[0] for key, value in batch.items()}
        return self.batch(torch.as_tensor(index, dtype=torch.int64).reshape(-1))

    def batch(self, index: Tensor) -> dict[str, Tensor]:
        """The windows ``index`` as one batch (see the class docstring)."""
        start, series, row, segment = self._locate(index)
        rows = start[:, None] + self._input_steps  # (B, L)
        observed = None
        if self.pads:
            floor = self._offset[segment][:, None]
            observed = rows >= floor
            rows = torch.maximum(rows, floor)
        x = self.values[rows]  # (B, L, F)
        if observed is not None:
            x = x * observed[:, :, None]  # padding: every feature zero, the "observed" column too
        future = self.values[start[:, None] + self._target_steps]  # (B, H, F)
        y = future[:, :, :1]
        known_future = future[:, :, 1 : 1 + self.n_known]
        offset, scale = window_statistics(x, self.window_norm, observed)
        if self.window_norm != "none":
            x = normalize_window(x, offset, scale, observed)
            y = (y - offset) / scale
        out = {
            "x": x,
            **({"observed": observed} if observed is not None else {}),
            "y": y.contiguous(),
            "known_future": known_future.contiguous(),
            "series": series,
            "start": row,
            "offset": offset,
            "scale": scale,
        }
        if self.static is not None:
            out["static"] = self.static[series]
        if self.categories is not None:
            out["categories"] = self.categories[series]
        return out

    def loader(
        self,
        batch_size: int,
        *,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
        num_workers: int = 0,
    ) -> DataLoader:
        """A DataLoader that yields whole batches gathered by :meth:`batch`.

        Args:
            batch_size: windows per batch.
            shuffle: visit windows in a random order each epoch.
            drop_last: skip a last, smaller batch.
            seed: seed of the shuffle, for repeatable epochs.
            num_workers: worker processes (0: in the main process).
        """
        sampler = WindowBatchSampler(len(self), batch_size, shuffle=shuffle, drop_last=drop_last, seed=seed)
        return DataLoader(self, sampler=sampler, batch_size=None, num_workers=num_workers)


class WindowBatchSampler(Sampler[Tensor]):
    """Yields batches of window numbers as index tensors, not lists of ints.

    Args:
        n_windows: how many windows there are.
        batch_size: windows per batch.
        shuffle: a new random order each epoch.
        drop_last: skip a last, smaller batch.
        seed: seed of the shuffle.
    """

    def __init__(
        self,
        n_windows: int,
        batch_size: int,
        *,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
    ) -> None:
        batch_size = checks.positive_int().check("batch_size", batch_size)
        self.n_windows = n_windows
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = torch.Generator()
        if seed is not None:
            self.generator.manual_seed(seed)
        else:
            self.generator.seed()

    def __len__(self) -> int:
        if self.drop_last:
            return self.n_windows // self.batch_size
        return -(-self.n_windows // self.batch_size)

    def __iter__(self) -> Iterator[Tensor]:
        # int32 halves the one O(windows) array an epoch needs (4 MB per million windows).
        dtype = torch.int32 if self.n_windows < 2**31 else torch.int64
        order = torch.randperm(self.n_windows, generator=self.generator, dtype=dtype) if self.shuffle else None
        for batch in range(len(self)):
            begin = batch * self.batch_size
            end = min(begin + self.batch_size, self.n_windows)
            yield order[begin:end] if order is not None else torch.arange(begin, end)


class WeightedBatches(Dataset):
    """A :class:`WindowDataset` asked for ``(indices, weight, global batch size)``: the batch, with
    ``loss_weight`` and ``global_size`` (see :class:`grucast.training.sampler.OwnedWindowBatches`)."""

    def __init__(self, windows: WindowDataset) -> None:
        self.windows = windows

    def __len__(self) -> int:
        return len(self.windows)

    def __getitem__(self, item: tuple[Tensor, float, int]) -> dict[str, Tensor]:
        index, weight, size = item
        return {**self.windows.batch(index), "loss_weight": torch.tensor(weight, dtype=torch.float32),
                "global_size": torch.tensor(size)}
