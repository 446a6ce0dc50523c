r"""Sums over the cells of many groups, gathered chunk by chunk.

Scoring a million test windows at once needs a dozen ``(windows, horizon)`` float64
arrays held together, each far larger than the processor's caches. Every metric
grucast reports is instead a function of a few sums over the cells of a group (one
series, one horizon step, or all cells), so the windows can go through in chunks of
a few thousand: each chunk adds its share to each sum, and only the sums are kept.

:class:`GroupSums` adds ``(windows, horizon)`` terms into one sum per series (by the
windows' series codes, with :func:`numpy.bincount`, so a series may span chunks) and
one per horizon step. :class:`Moments` keeps what a sum cannot: the spread of the
actual values about their group's mean, for R². Each chunk brings its own count
:math:`n_b`, mean :math:`\bar y_b` and sum of squared deviations :math:`M_b`, which
merge with the group's running :math:`(n_a, \bar y_a, M_a)` exactly (Chan, Golub and
LeVeque, 1979):

.. math::
    n = n_a + n_b, \quad \delta = \bar y_b - \bar y_a, \quad
    \bar y = \bar y_a + \delta \frac{n_b}{n}, \quad
    M = M_a + M_b + \delta^2 \frac{n_a n_b}{n}

without the cancellation of :math:`\sum y^2 - n \bar y^2`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ChunkCodes:
    """The series codes of a chunk's windows, shifted to the range the chunk spans.

    Attributes:
        codes: ``(W,)`` each window's series code.
        low: the smallest code in the chunk.
        span: ``max - min + 1``: the chunk's sums are ``(span,)`` arrays added at ``low``.
        local: ``codes - low``.
    """

    codes: np.ndarray
    low: int
    span: int
    local: np.ndarray

    @classmethod
    def of(cls, codes: np.ndarray) -> ChunkCodes:
        codes = np.asarray(codes, dtype=np.int64)
        if not codes.size:
            return cls(codes, 0, 0, codes)
        low = int(codes.min())
        return cls(codes, low, int(codes.max()) - low + 1, codes - low)

    def per_series(self, row_values: np.ndarray) -> np.ndarray:
        """``(span,)`` sums of one value per window, by series."""
        return np.bincount(self.local, row_values, minlength=self.span)

    def windows(self) -> np.ndarray:
        """``(span,)`` windows per series in the chunk."""
        return np.bincount(self.local, minlength=self.span)


class GroupSums:
    """Named sums of ``(W, H)`` cell terms per series and per horizon step.

    Args:
        groups: the number of series codes.
        horizon: the number of steps, :math:`H`.
    """

    def __init__(self, groups: int, horizon: int) -> None:
        self.groups = groups
        self.horizon = horizon
        self.series: dict[str, np.ndarray] = {}
        self.step: dict[str, np.ndarray] = {}

    @classmethod
    def concat(cls, parts: Sequence[GroupSums]) -> GroupSums:
        """The sums of consecutive ranges of series as one: series sums side by side, step sums added."""
        out = cls(sum(part.groups for part in parts), parts[0].horizon)
        keys = list(dict.fromkeys(key for part in parts for key in part.series))  # a part with no window has none
        out.series = {key: np.concatenate([part.series.get(key, np.zeros(part.groups)) for part in parts])
                      for key in keys}
        out.step = {key: np.sum([part.step.get(key, np.zeros(out.horizon)) for part in parts], axis=0) for key in keys}
        return out

    def add(self, key: str, codes: ChunkCodes, terms: np.ndarray) -> None:
        """Add a chunk's ``(W, H)`` terms to the sums named ``key``."""
        series = self.series.setdefault(key, np.zeros(self.groups))
        step = self.step.setdefault(key, np.zeros(self.horizon))
        series[codes.low : codes.low + codes.span] += codes.per_series(terms.sum(axis=1))
        step += terms.sum(axis=0)


class Moments:
    """Count, mean, spread, least and greatest value and zero count of the actuals of each group."""

    def __init__(self, groups: int) -> None:
        self.count = np.zeros(groups, dtype=np.int64)
        self.mean = np.zeros(groups)
        self.spread = np.zeros(groups)  # the sum of squared deviations from the mean, M
        self.low = np.full(groups, np.inf)
        self.high = np.full(groups, -np.inf)
        self.zeros = np.zeros(groups, dtype=np.int64)

    def merge(
        self, where: slice, count: np.ndarray, mean: np.ndarray, spread: np.ndarray,
        low: np.ndarray, high: np.ndarray, zeros: np.ndarray,
    ) -> None:
        """Merge a chunk's moments into groups ``where`` (a group absent from the chunk has count 0)."""
        before = self.count[where]
        total = before + count
        delta = mean - self.mean[where]
        share = count / np.maximum(total, 1)
        self.spread[where] += spread + delta * delta * before * share
        self.mean[where] += delta * share
        self.count[where] = total
        np.minimum(self.low[where], low, out=self.low[where])
        np.maximum(self.high[where], high, out=self.high[where])
        self.zeros[where] += zeros

    _FIELDS = ("count", "mean", "spread", "low", "high", "zeros")

    def pooled(self) -> Moments:
        """The moments of all groups together, as one group."""
        out = Moments(1)
        for k in range(len(self.count)):
            out.merge(slice(0, 1), *(getattr(self, name)[k : k + 1] for name in self._FIELDS))
        return out

    def rows(self, rows: np.ndarray) -> Moments:
        """The moments of groups ``rows``."""
        out = Moments(0)
        for name in self._FIELDS:
            setattr(out, name, getattr(self, name)[rows])
        return out

    @classmethod
    def side_by_side(cls, parts: Sequence[Moments]) -> Moments:
        """Moments of consecutive ranges of groups as one range."""
        out = cls(0)
        for name in cls._FIELDS:
            setattr(out, name, np.concatenate([getattr(part, name) for part in parts]))
        return out

    @classmethod
    def merged(cls, parts: Sequence[Moments]) -> Moments:
        """Moments of the same groups over several sets of cells, merged group by group."""
        out = cls(len(parts[0].count))
        for part in parts:
            out.merge(slice(None), *(getattr(part, name) for name in cls._FIELDS))
        return out


def chunk_rows(horizon: int, cells: int = 1 << 16) -> int:
    """Windows per chunk: about ``cells`` values per ``(W, H)`` array (512 KiB of float64), so they stay in cache."""
    return max(1, cells // max(horizon, 1))
