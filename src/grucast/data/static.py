r"""Static covariates as model inputs: per-series constants, numeric or categorical.

A static covariate is one value per series (a region, a store type, a capacity).
Fitted on the training data's series:

* a numeric one is standardised across series, :math:`(v - \bar v) / \sigma_v`
  (:math:`\sigma_v = 1` when every series has the same value);
* a categorical one (text labels) becomes an index into the sorted labels seen in
  training, from 1; index 0 stands for a label training never saw, and the model
  embeds each index;
* with ``series_embedding`` the series' own name is one more categorical, so a
  global model can learn a vector per series; a series training never saw then
  has no vector and is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from grucast.data._text import quote_list
from grucast.data.agreement import ALONE, Agreement
from grucast.data.errors import DataError
from grucast.data.frame import SeriesSet
from grucast.errors import option

#: The name of the categorical that ``series_embedding`` adds.
SERIES_KEY = "series"


def is_numeric(values: Sequence[object]) -> bool:
    """Whether a static covariate's values (one per series) are all numbers, standardised rather than embedded."""
    return all(isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_)) for value in values)


class StaticEncoder:
    """Encodes each series' static covariates as numbers and category indices.

    Args:
        series_embedding: add the series name as a categorical (a learned vector per series).

    Fitted attributes:
        numeric_: names of the numeric static covariates; center_, scale_ their statistics.
        categories_: ``{name: labels}`` of each categorical (and ``"series"`` with an embedding).
    """

    def __init__(self, series_embedding: bool = False) -> None:
        self.series_embedding = series_embedding

    def fit(self, data: SeriesSet, agree: Agreement = ALONE) -> StaticEncoder:
        """Learn the numeric statistics and the category labels from the training data's series.

        ``agree`` gathers every share's values when ``data`` is one share of the series
        (see :mod:`grucast.data.agreement`): the statistics are those of all the series.
        """
        self.numeric_: tuple[str, ...] = ()
        self.categories_: dict[str, tuple[str, ...]] = {}
        shares = agree.gather((self._columns(data), data.names if self.series_embedding else ()))
        values = {name: [value for share in shares for value in share[0][name]] for name in data.static_covariates}
        names = tuple(name for share in shares for name in share[1])
        centers, scales = [], []
        for name, column in values.items():
            if is_numeric(column):
                numbers = np.asarray(column, dtype=np.float64)
                self.numeric_ += (name,)
                centers.append(float(numbers.mean()))
                spread = float(numbers.std())
                scales.append(spread if spread > 0 else 1.0)
            else:
                self.categories_[name] = tuple(sorted({str(value) for value in column}))
        if self.series_embedding:
            self.categories_[SERIES_KEY] = names
        self.center_ = np.asarray(centers, dtype=np.float64)
        self.scale_ = np.asarray(scales, dtype=np.float64)
        return self

    @property
    def n_numeric(self) -> int:
        """Numeric static inputs per series."""
        return len(self.numeric_)

    @property
    def category_sizes(self) -> tuple[int, ...]:
        """Rows of each categorical's embedding table (its labels and "unknown")."""
        return tuple(len(labels) + 1 for labels in self.categories_.values())

    def encode(self, data: SeriesSet) -> tuple[Tensor | None, Tensor | None]:
        """``(S, n_numeric)`` float32 and ``(S, n_categories)`` int64 per series of ``data`` (``None`` when empty).

        Raises:
            DataError: with ``series_embedding``, a series that training never saw.
        """
        values = self._columns(data)
        numeric = None
        if self.numeric_:
            table = np.column_stack([np.asarray(values[name], dtype=np.float64) for name in self.numeric_])
            numeric = torch.from_numpy((table - self.center_) / self.scale_).float()
        categories = None
        if self.categories_:
            columns = []
            for name, labels in self.categories_.items():
                index = {label: position + 1 for position, label in enumerate(labels)}
                column = list(data.names) if name == SERIES_KEY else [str(value) for value in values[name]]
                if name == SERIES_KEY:
                    unseen = [label for label in column if label not in index]
                    if unseen:
                        raise DataError(
                            f"series {quote_list(unseen)} were not in the training data, and this model learned a "
                            f"vector per training series ({option('series_embedding', True)}), so it has none for "
                            "them; train without the series embedding to forecast new series"
                        )
                columns.append([index.get(label, 0) for label in column])
            categories = torch.tensor(columns, dtype=torch.int64).T.contiguous()
        return numeric, categories

    def unknown_labels(self, data: SeriesSet) -> dict[str, list[str]]:
        """Labels of each categorical in ``data`` that training never saw (they are encoded as "unknown")."""
        values = self._columns(data)
        out = {}
        for name, labels in self.categories_.items():
            if name == SERIES_KEY:
                continue
            unseen = sorted({str(v) for v in values[name]} - set(labels))
            if unseen:
                out[name] = unseen
        return out

    def _columns(self, data: SeriesSet) -> dict[str, list[Any]]:
        return {name: [series.static[j] for series in data] for j, name in enumerate(data.static_covariates)}

    def to_dict(self) -> dict[str, Any]:
        """The fitted encoder as plain Python."""
        return {
            "series_embedding": self.series_embedding,
            "numeric": {name: {"center": c, "scale": s} for name, c, s in zip(self.numeric_, self.center_, self.scale_)},
            "categories": {name: list(labels) for name, labels in self.categories_.items()},
        }

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> StaticEncoder:
        """Rebuild a fitted encoder from :meth:`to_dict`."""
        encoder = cls(bool(state["series_embedding"]))
        numeric = state["numeric"]
        encoder.numeric_ = tuple(numeric)
        encoder.center_ = np.asarray([float(numeric[name]["center"]) for name in numeric], dtype=np.float64)
        encoder.scale_ = np.asarray([float(numeric[name]["scale"]) for name in numeric], dtype=np.float64)
        encoder.categories_ = {name: tuple(str(label) for label in labels) for name, labels in state["categories"].items()}
        return encoder
