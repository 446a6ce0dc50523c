"""Chronological train / validation / test split of each series.

Each series of :math:`T` rows is cut at two points into

* train: rows ``[0, train_end)``,
* validation: rows ``[train_end, val_end)``,
* test: rows ``[val_end, T)``.

A window of ``lookback`` input rows followed by ``horizon`` target rows belongs to
the part that holds all of its targets. Its inputs may reach back into earlier parts
(the past is known at the forecast origin) but its targets never cross a boundary,
so no target of a later part is ever seen while training on an earlier one.

Collections hold short series as well as long ones, and none is refused for being
shorter than a window: a window's inputs may reach back before a series' first row
(the pipeline pads them and marks them as missing), so every series with at least
one observed row before its test part is trained on and scored. Per series:

* the test part is the last ``test_size`` rows (at least one horizon); a series
  with no row left before it is left out, with a note;
* the validation part is the ``val_size`` rows before it, where they leave at
  least one training window (``horizon`` targets after one observed row); a
  shorter series gets none, and a note counts them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from grucast import checks
from grucast.data._text import quote_list
from grucast.data.errors import DataError
from grucast.data.frame import SeriesSet
from grucast.errors import option

Part = Literal["train", "val", "test"]
PARTS: tuple[Part, ...] = ("train", "val", "test")


@dataclass(frozen=True)
class SeriesSplit:
    """Where one series is cut.

    Attributes:
        name: the series name.
        length: its rows :math:`T`.
        train_end: first row after the training part.
        val_end: first row after the validation part (first test row).
    """

    name: str
    length: int
    train_end: int
    val_end: int

    def bounds(self, part: Part) -> tuple[int, int]:
        """The rows ``[start, end)`` whose targets belong to ``part``."""
        if part == "train":
            return 0, self.train_end
        if part == "val":
            return self.train_end, self.val_end
        if part == "test":
            return self.val_end, self.length
        raise ValueError(f"part must be 'train', 'val' or 'test', got {part!r}")

    def rows(self, part: Part) -> int:
        """How many rows ``part`` holds."""
        start, end = self.bounds(part)
        return end - start


@dataclass(frozen=True)
class SplitPlan:
    """The split of every series, with the window shape it was planned for.

    Attributes:
        lookback: input rows per window.
        horizon: target rows per window.
        series: one :class:`SeriesSplit` per series kept, in the data's order.
        excluded: series left out, too short to hold their test part.
        notes: what the plan changed, one line each (series left out, series
            without a validation part).
        no_validation: series too short for a validation part.
    """

    lookback: int
    horizon: int
    series: tuple[SeriesSplit, ...]
    excluded: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    no_validation: tuple[str, ...] = ()

    @property
    def needs_padding(self) -> bool:
        """True when some window must reach back before its series' first row."""
        return any(split.train_end < self.lookback + self.horizon for split in self.series)

    def __iter__(self) -> Iterator[SeriesSplit]:
        return iter(self.series)

    def __len__(self) -> int:
        return len(self.series)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {split.name: split for split in self.series})

    def __getitem__(self, name: str) -> SeriesSplit:
        try:
            return self._by_name[name]  # type: ignore[attr-defined]
        except KeyError:
            raise KeyError(f"no series {name!r} in the split") from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name  # type: ignore[attr-defined]


def check_window_shape(lookback: int, horizon: int, stride: int = 1) -> None:
    """Check that ``lookback``, ``horizon`` and ``stride`` are positive integers."""
    for name, value in (("lookback", lookback), ("horizon", horizon), ("stride", stride)):
        checks.positive_int().check(name, value)


def resolve_size(size: float, length: int, horizon: int, what: str) -> int:
    """Rows of a split part from a size in steps (``>= 1``) or a fraction (``< 1``).

    A fraction is rounded and raised to at least one horizon; ``0`` means no part.

    Args:
        size: steps, or a fraction of ``length``.
        length: rows of the series.
        horizon: the forecast horizon.
        what: ``"test_size"`` or ``"val_size"``, for messages.

    Raises:
        InputError: a negative size or a fractional step count.
        DataError: fewer steps than one horizon.
    """
    size = checks.Size().check(what, size)
    if size == 0:
        return 0
    if size < 1:
        return max(horizon, int(round(size * length)))
    steps = int(size)
    if steps < horizon:
        raise DataError(
            f"{what} ({steps}) is shorter than horizon ({horizon}); the part needs at least one horizon of targets"
        )
    return steps


def plan_splits(
    data: SeriesSet,
    *,
    lookback: int,
    horizon: int,
    test_size: float = 0.1,
    val_size: float = 0.1,
) -> SplitPlan:
    """Cut every series in time into train, validation and test parts.

    Args:
        data: the series.
        lookback: input rows per window.
        horizon: target rows per window.
        test_size: the last rows of each series kept for testing: steps (``>= 1``)
            or a fraction (``< 1``; at least one horizon). Default: 10 %.
        val_size: the rows before the test part kept for validation, the same way.
            ``0`` for none. Default: 10 %.

    Raises:
        DataError: no series is long enough to hold its test part.
    """
    plan = split_series(data, lookback=lookback, horizon=horizon, test_size=test_size, val_size=val_size)
    if not plan.series:
        raise too_short(plan.excluded, horizon)
    return dataclasses.replace(plan, notes=plan_notes(plan.excluded, plan.no_validation))


def split_series(
    data: SeriesSet, *, lookback: int, horizon: int, test_size: float = 0.1, val_size: float = 0.1
) -> SplitPlan:
    """:func:`plan_splits` without its notes and without refusing a plan that keeps no series.

    One data-parallel process's share of the series is planned this way; what the
    shares left out is then put together (:func:`plan_notes`, :func:`too_short`).
    """
    check_window_shape(lookback, horizon)
    splits, excluded, no_validation = [], [], []
    for series in data:
        length = len(series)
        test_rows = resolve_size(test_size, length, horizon, "test_size")
        if length <= test_rows:
            excluded.append(series.name)
            continue
        val_rows = resolve_size(val_size, length, horizon, "val_size")
        if val_rows and length - test_rows - val_rows < horizon + 1:
            no_validation.append(series.name)
            val_rows = 0
        train_rows = length - test_rows - val_rows
        splits.append(SeriesSplit(series.name, length, train_rows, train_rows + val_rows))
    return SplitPlan(lookback, horizon, tuple(splits), tuple(excluded), (), tuple(no_validation))


def too_short(excluded: Sequence[str], horizon: int) -> DataError:
    """The error of a plan that keeps no series."""
    return DataError(
        f"every series is too short to hold its test part ({quote_list(excluded)}): a series needs more rows "
        f"than {option('test_size')} (at least one horizon, {horizon}); use a shorter {option('horizon')} "
        "or test size, or more data"
    )


def plan_notes(excluded: Sequence[str], no_validation: Sequence[str]) -> tuple[str, ...]:
    """The notes of a plan: the series left out, and those trained without a validation part."""
    notes = []
    if excluded:
        notes.append(
            f"{len(excluded)} series left out, too short to hold their test part and one row before it: "
            f"{quote_list(excluded, limit=8)}"
        )
    if no_validation:
        notes.append(
            f"{len(no_validation)} series too short for a validation part train on all their rows before the "
            f"test part: {quote_list(no_validation, limit=8)}"
        )
    return tuple(notes)
