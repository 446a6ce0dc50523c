"""One process's share of the series of a partitioned Parquet dataset.

When data-parallel processes (``torchrun``, SLURM tasks) train on data larger than
one machine's memory, each loads only its share of the series. The shares come
from one streamed pass over the series column alone, a batch of rows at a time,
keeping one count per series: the series, in order of first appearance in the
files' path order (the order a one-process read gives them), are cut into
``world`` contiguous blocks of about equal numbers of rows, each holding at least
one series. Process ``rank`` then reads the rows of its block through a filter on
the series column, which pyarrow applies batch by batch, and to whole files when the
series are the folder names (``id=a/part-0.parquet``): its memory is about the
data's divided by the number of processes. Every process finds the same blocks
from the same files, with no message passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from grucast import checks
from grucast.data._text import quote_list
from grucast.data.errors import DataError
from grucast.data.parquet_folder import arrow_frame, parquet_dataset
from grucast.errors import option


#: Read one batch of one file ahead: the scans' transient memory stays small beside a share.
_ONE_AHEAD = {"batch_readahead": 1, "fragment_readahead": 1}


@dataclass(frozen=True)
class SeriesShard:
    """Where one process's series lie among all of a dataset's.

    Attributes:
        rank: this process's share, ``0 .. world - 1``.
        world: the number of shares.
        first: the position of this share's first series among all series (in order
            of first appearance).
        count: how many series this share holds.
        total: how many series the dataset holds.
        rows: how many rows this share holds, and ``total_rows`` the dataset.
        reading: how this share's text was read: the number format, and whether each
            static covariate came out as numbers; shares that read the same dataset
            differently are refused (see :func:`grucast.training.distributed.agreement_for`).
    """

    rank: int
    world: int
    first: int
    count: int
    total: int
    rows: int
    total_rows: int
    reading: tuple[tuple[str, str], ...] = ()


def shard_bounds(rows: np.ndarray, world: int) -> np.ndarray:
    """``(world + 1,)`` series positions that cut series of ``rows`` rows each into ``world`` blocks.

    Block ``r`` is series ``bounds[r] .. bounds[r + 1] - 1``: it starts at the series
    whose first row is nearest to ``r / world`` of all rows, moved so that every
    block holds at least one series.

    >>> shard_bounds(np.array([10, 10, 10, 10]), 2).tolist()
    [0, 2, 4]
    >>> shard_bounds(np.array([100, 1, 1, 1]), 2).tolist()  # one large series: a block of its own
    [0, 1, 4]
    """
    count = len(rows)
    starts = np.concatenate([[0], np.cumsum(rows)[:-1]])
    targets = np.arange(world) * (starts[-1] + rows[-1]) / world
    after = np.searchsorted(starts, targets, side="left")  # the first series starting at or after the target
    before = np.maximum(after - 1, 0)
    later = starts[np.minimum(after, count - 1)]
    nearer_before = (after == count) | (targets - starts[before] <= later - targets)
    bounds = np.where(nearer_before & (after > 0), before, after)
    bounds[0] = 0
    # At least one series per block: each block starts after the one before, and
    # leaves a series for each block after it.
    for r in range(1, world):
        bounds[r] = min(max(bounds[r], bounds[r - 1] + 1), count - world + r)
    return np.concatenate([bounds, [count]]).astype(np.int64)


def _series_rows(dataset: Any, column: str) -> tuple[list[Any], np.ndarray]:
    """Every value of the series column, in order of first appearance, and its number of rows."""
    import pyarrow.compute as pc

    counts: dict[Any, int] = {}
    # One batch in flight (pyarrow reads ahead 16 batches of 4 files by default):
    # the pass then costs about one batch of the column, not hundreds of MB.
    for batch in dataset.to_batches(columns=[column], **_ONE_AHEAD):
        found = pc.value_counts(batch.column(0))  # in order of first appearance within the batch
        for value, rows in zip(found.field("values").to_pylist(), found.field("counts").to_pylist()):
            counts[value] = counts.get(value, 0) + rows
    return list(counts), np.fromiter(counts.values(), dtype=np.int64, count=len(counts))


def read_shard(path: Path, series_col: str | None, rank: int, world: int) -> tuple[pd.DataFrame, SeriesShard]:
    """The rows of share ``rank`` of ``world`` of the series of a Parquet folder, and where that share lies.

    Raises:
        DataError: ``path`` is not a folder of Parquet files, no series column is named
            or it is not in the files, or there are fewer series than shares.
    """
    import pyarrow.compute as pc

    world = checks.positive_int().check("world", world)
    rank = checks.Integer(low=0, high=world - 1).check("rank", rank)
    if not Path(path).is_dir():
        raise DataError(
            f"'{path}' is a file: loading a share of the series per process needs a folder of Parquet files "
            "(a partitioned dataset); write the data as one, or load all of it in every process"
        )
    if not series_col:
        raise DataError(
            f"loading a share of the series per process needs the column that names the series; give it with "
            f"{option('series_col')}"
        )
    dataset = parquet_dataset(Path(path))
    if series_col not in dataset.schema.names:
        raise DataError(
            f"series column {series_col!r} is not in the Parquet files of '{path}'; they have columns "
            f"{quote_list(dataset.schema.names)}"
        )
    labels, rows = _series_rows(dataset, series_col)
    if len(labels) < world:
        raise DataError(
            f"'{path}' holds {len(labels)} series, too few to give each of {world} processes a share; use at most "
            f"{len(labels)} processes"
        )
    bounds = shard_bounds(rows, world)
    first, stop = int(bounds[rank]), int(bounds[rank + 1])
    chosen = labels[first:stop]
    field = pc.field(series_col)
    present = [label for label in chosen if label is not None]
    keep = field.isin(present)
    if len(present) < len(chosen):  # rows without a series name: the reader names the first of them
        keep = keep | field.is_null()
    frame = arrow_frame(Path(path), lambda data: data.to_table(filter=keep, **_ONE_AHEAD))
    shard = SeriesShard(rank, world, first, stop - first, len(labels), int(rows[first:stop].sum()), int(rows.sum()))
    return frame, shard
