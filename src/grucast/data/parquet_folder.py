"""Folders of Parquet files (partitioned datasets, as Spark, Dask or pandas write them), read as one table."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from grucast.data.errors import DataError

PARQUET_SUFFIXES = (".parquet", ".pq")


def read_parquet_folder(path: Path) -> pd.DataFrame:
    """A folder of Parquet files (a partitioned dataset, as Spark, Dask or pandas write them) as one table.

    Every ``*.parquet`` / ``*.pq`` file below ``path`` is read, in path order, with
    ``pyarrow.dataset`` (see :func:`parquet_dataset`). Row numbers in messages count
    the rows of all files in that path order.

    Raises:
        DataError: no Parquet file in the folder, or one that cannot be read.
    """
    return arrow_frame(path, lambda dataset: dataset.to_table())


def parquet_dataset(path: Path) -> Any:
    """The ``pyarrow.dataset.Dataset`` of the Parquet files below a folder.

    ``key=value`` folder names become columns (Hive partitioning), read as the text
    of the folder names and then typed like any other column; files that hold the
    key column themselves keep their own values. Names starting with ``.`` or ``_``
    (``_SUCCESS``, ``.crc``) are skipped.

    Raises:
        DataError: no Parquet file in the folder, or one whose schema cannot be read.
    """
    import pyarrow as pa
    import pyarrow.dataset as ds

    files = sorted(
        str(file) for file in path.rglob("*")
        if file.is_file() and file.name.lower().endswith(PARQUET_SUFFIXES)
        and not any(part.startswith((".", "_")) for part in file.relative_to(path).parts)
    )
    if not files:
        raise DataError(
            f"folder '{path}' holds no Parquet files (*.parquet); give a CSV, Parquet or Excel file, or a folder of "
            "Parquet files (a partitioned dataset)"
        )
    keys = {part.split("=", 1)[0] for file in files for part in Path(file).relative_to(path).parts[:-1] if "=" in part}
    with _unreadable_folder(path):
        import pyarrow.parquet as pq

        # Files that already hold the partition columns (written with them) keep their own.
        inside = set(pq.read_schema(files[0]).names)
        # Keys as the text in the folder names ("01" stays "01", as in a CSV); the
        # reader types them like any other column.
        partitioning = (
            ds.partitioning(pa.schema([(key, pa.string()) for key in sorted(keys)]), flavor="hive")
            if keys and not keys <= inside else None
        )
        return ds.dataset(files, format="parquet", partitioning=partitioning, partition_base_dir=str(path))


def arrow_frame(path: Path, read: Callable[[Any], Any]) -> pd.DataFrame:
    """``read(dataset)``, an Arrow table of the folder's :func:`parquet_dataset`, as a DataFrame."""
    dataset = parquet_dataset(path)
    with _unreadable_folder(path):
        frame = read(dataset).to_pandas()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):  # partition keys come as dictionaries
            frame[column] = frame[column].astype(frame[column].cat.categories.dtype)
    return frame


@contextlib.contextmanager
def _unreadable_folder(path: Path) -> Iterator[None]:
    """Any error of pyarrow's (it raises many types; all mean "not readable as one table") as a DataError."""
    try:
        yield
    except DataError:
        raise
    except Exception as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DataError(
            f"cannot read the Parquet files in '{path}' as one table: {reason}; check that every file is a complete "
            "Parquet file and that they share their columns"
        ) from None
