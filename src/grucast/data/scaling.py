r"""Per-series scalers, fitted on each series' training part only.

Every scaler is affine, column by column:

.. math::
    x' = \frac{x - c}{s}, \qquad x = x' s + c,

where :math:`c` (``center_``) and :math:`s` (``scale_``) are statistics of the
training rows of one series and one column:

=============  ==========================  ===========================================
kind           :math:`c`                   :math:`s`
=============  ==========================  ===========================================
``standard``   mean                        standard deviation (population, ``ddof=0``)
``minmax``     minimum                     maximum - minimum (training rows map to [0, 1])
``robust``     median                      interquartile range :math:`q_{75} - q_{25}`
``none``       0                           1
=============  ==========================  ===========================================

A column with no spread in its training rows gets :math:`s = 1` (it is only
shifted). Fitting on the training part alone is what keeps the test period out of
training: the seeds fitted on the test data (002) or on everything (004).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import torch

from grucast.data._text import quote_list
from grucast.data.errors import NotFittedError

ScalerKind = Literal["standard", "minmax", "robust", "none"]
SCALER_KINDS: tuple[str, ...] = ("standard", "minmax", "robust", "none")
_SERIES_PER_PASS = 2048  # series whose rows are reduced together: temporaries of a few MB


class SeriesScaler:
    """One affine scaler per series and column (see the module docstring).

    Args:
        kind: ``"standard"`` (default), ``"minmax"``, ``"robust"`` or ``"none"``.
        passthrough: columns left as they are (:math:`c = 0`, :math:`s = 1`), such
            as an indicator whose 0 and 1 must keep their meaning.

    Attributes:
        series_: the series names, in the order of the rows of ``center_``.
        columns_: the column names.
        center_: ``(S, C)`` float64, :math:`c` per series and column.
        scale_: ``(S, C)`` float64, :math:`s` per series and column.
    """

    def __init__(self, kind: ScalerKind = "standard", passthrough: Sequence[str] = ()) -> None:
        if kind not in SCALER_KINDS:
            raise ValueError(f"SeriesScaler: kind must be one of {quote_list(SCALER_KINDS)}, got {kind!r}")
        self.kind = kind
        self.passthrough = tuple(passthrough)

    def __repr__(self) -> str:
        return f"SeriesScaler(kind={self.kind!r})"

    @property
    def is_fitted(self) -> bool:
        """True after :meth:`fit`."""
        return hasattr(self, "center_")

    def fit(self, train: Mapping[str, Sequence[np.ndarray]], columns: Sequence[str]) -> SeriesScaler:
        """Fit the statistics of each series from its training rows.

        Args:
            train: ``{series: [column, ...]}``, each column a ``(T_train,)`` array of
                that series' training rows, in the order of ``columns``.
            columns: the column names.

        Returns:
            ``self``, fitted.
        """
        names = list(train)
        center = np.zeros((len(names), len(columns)))
        scale = np.ones((len(names), len(columns)))
        tables = [list(train[name]) for name in names]
        for name, values in zip(names, tables):
            if len(values) != len(columns):
                raise ValueError(
                    f"SeriesScaler.fit: series {name!r} has {len(values)} columns, expected {len(columns)}"
                )
        for column, column_name in enumerate(columns):
            if column_name in self.passthrough:
                continue
            for start in range(0, len(names), _SERIES_PER_PASS):
                block = [np.asarray(values[column], dtype=np.float64) for values in tables[start : start + _SERIES_PER_PASS]]
                rows = slice(start, start + len(block))
                center[rows, column], scale[rows, column] = self._statistics(block)
        self.series_ = tuple(names)
        self._positions = None
        self._last_rows = None
        self.columns_ = tuple(columns)
        self.center_ = center
        self.scale_ = scale
        return self

    def _statistics(self, values: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """``(center, spread)`` of each array (one column of one series each); no rows give 0 and 1.

        Series of one column are reduced together, segment by segment
        (``ufunc.reduceat`` over their concatenation), not in a loop per series.
        """
        center, spread = np.zeros(len(values)), np.ones(len(values))
        lengths = np.array([len(value) for value in values], dtype=np.int64)
        present = np.flatnonzero(lengths > 0)
        if self.kind == "none" or not len(present):
            return center, spread
        if self.kind == "robust":
            for row in present:
                low, middle, high = np.quantile(values[row], [0.25, 0.5, 0.75])
                center[row], spread[row] = middle, high - low
        else:
            joined = np.concatenate([values[row] for row in present])
            counts = lengths[present]
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            if self.kind == "standard":
                mean = np.add.reduceat(joined, starts) / counts
                joined -= np.repeat(mean, counts)
                joined *= joined
                center[present], spread[present] = mean, np.sqrt(np.add.reduceat(joined, starts) / counts)
            else:  # minmax
                low = np.minimum.reduceat(joined, starts)
                center[present], spread[present] = low, np.maximum.reduceat(joined, starts) - low
        return center, np.where(spread > 0, spread, 1.0)

    def index(self, name: str) -> int:
        """The row of series ``name`` in ``center_`` and ``scale_``."""
        self._check_fitted()
        positions = self.__dict__.get("_positions")
        if positions is None:
            positions = self._positions = {one: row for row, one in enumerate(self.series_)}
        try:
            return positions[name]
        except KeyError:
            known = quote_list(self.series_)
            raise KeyError(f"the scaler was not fitted on series {name!r}; it knows {known}") from None

    def rows(self, names: Sequence[str]) -> np.ndarray:
        """``(len(names),)`` int64 rows of the series ``names``.

        The last answer is kept for the same ``names`` object: a large data set asks
        with its one tuple of names for every chunk of windows, and a lookup of each
        name per chunk would grow with series x chunks.
        """
        last = self.__dict__.get("_last_rows")
        if last is not None and last[0] is names:
            return last[1]
        if not names:
            return np.empty(0, dtype=np.int64)
        self.index(names[0])  # builds the lookup table
        positions = self._positions
        try:
            rows = np.array([positions[name] for name in names], dtype=np.int64)
        except KeyError:
            for name in names:
                self.index(name)  # raises for the first unknown series, naming it
            raise
        rows.flags.writeable = False
        self._last_rows = (names, rows)
        return rows

    def transform(self, name: str, column: int, value: np.ndarray) -> np.ndarray:
        """Scale one column of one series: :math:`(x - c) / s`."""
        row = self.index(name)
        return (np.asarray(value, dtype=np.float64) - self.center_[row, column]) / self.scale_[row, column]

    def inverse_transform(self, name: str, column: int, value: np.ndarray) -> np.ndarray:
        """Undo :meth:`transform` for one column of one series: :math:`x' s + c`."""
        row = self.index(name)
        return np.asarray(value, dtype=np.float64) * self.scale_[row, column] + self.center_[row, column]

    def inverse_target(self, value: torch.Tensor, series: torch.Tensor) -> torch.Tensor:
        """Undo the scaling of target values (column 0) for a batch, without a loop.

        Args:
            value: ``(B, ...)`` scaled target values, e.g. ``(B, H, 1)`` forecasts.
            series: ``(B,)`` series index (the ``"series"`` entry of a batch).

        Returns:
            ``value`` in the original units, as float64.
        """
        self._check_fitted()
        center = torch.as_tensor(self.center_[:, 0], device=value.device)[series]
        scale = torch.as_tensor(self.scale_[:, 0], device=value.device)[series]
        shape = (-1,) + (1,) * (value.dim() - 1)
        return value.double() * scale.reshape(shape) + center.reshape(shape)

    def with_series(self, train: Mapping[str, Sequence[np.ndarray]], passthrough: Sequence[str] = ()) -> SeriesScaler:
        """A fitted copy that also scales the series of ``train``, fitted on their rows alone.

        The rows of the series it already knows are kept as they are.

        Args:
            train: ``{series: [column, ...]}`` of the new series, as for :meth:`fit`.
            passthrough: columns left unscaled (as at :meth:`fit`; not saved by :meth:`to_dict`).
        """
        self._check_fitted()
        added = SeriesScaler(self.kind, passthrough=passthrough).fit(train, self.columns_)
        combined = SeriesScaler(self.kind, passthrough=passthrough)
        combined.series_ = self.series_ + added.series_
        combined.columns_ = self.columns_
        combined.center_ = np.vstack([self.center_, added.center_])
        combined.scale_ = np.vstack([self.scale_, added.scale_])
        return combined

    def select(self, names: Sequence[str]) -> SeriesScaler:
        """A fitted copy holding only the series ``names``, in that order."""
        rows = [self.index(name) for name in names]
        chosen = SeriesScaler(self.kind)
        chosen.series_ = tuple(names)
        chosen.columns_ = self.columns_
        chosen.center_ = self.center_[rows].copy()
        chosen.scale_ = self.scale_[rows].copy()
        return chosen

    def to_dict(self) -> dict[str, Any]:
        """The fitted scaler as plain Python (JSON-ready)."""
        self._check_fitted()
        return {
            "kind": self.kind,
            "columns": list(self.columns_),
            "series": {
                name: {"center": self.center_[row].tolist(), "scale": self.scale_[row].tolist()}
                for row, name in enumerate(self.series_)
            },
        }

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> SeriesScaler:
        """Rebuild a fitted scaler from :meth:`to_dict`."""
        scaler = cls(state["kind"])
        scaler.series_ = tuple(state["series"])
        scaler.columns_ = tuple(state["columns"])
        scaler.center_ = np.array([state["series"][name]["center"] for name in scaler.series_], dtype=np.float64)
        scaler.scale_ = np.array([state["series"][name]["scale"] for name in scaler.series_], dtype=np.float64)
        scaler.center_ = scaler.center_.reshape(len(scaler.series_), len(scaler.columns_))
        scaler.scale_ = scaler.scale_.reshape(len(scaler.series_), len(scaler.columns_))
        return scaler

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise NotFittedError("this SeriesScaler is not fitted yet; call fit() with the training rows first")
