"""Readers: a CSV, Parquet or Excel file (or a DataFrame) into a :class:`SeriesSet`.

Two layouts are understood:

* long: one target column and a ``series_col`` whose values name the series
  (``series, time, load`` with many rows per series);
* wide: several target columns, one per series, sharing one time column
  (``time, north, south, east``). One target column alone is one series.

Rows are numbered from 1, counting data rows after the header, in every message.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from grucast.data._text import quote_list
from grucast.data.errors import DataError, DataWarning
from grucast.data.frame import Series, SeriesSet
from grucast.data.frequency import Frequency
from grucast.data.validation import MissingPolicy, build_series, check_missing_policy, parse_time, to_numeric

#: File suffixes each reader accepts.
CSV_SUFFIXES = (".csv", ".txt", ".tsv", ".csv.gz", ".csv.zip", ".csv.bz2", ".csv.xz", ".csv.zst")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")

_COMPRESSED = (".gz", ".zip", ".bz2", ".xz", ".zst")


def read_table(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    na_values: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read a CSV, Parquet or Excel file into a DataFrame, with clear errors.

    The format comes from the file suffix (see :data:`CSV_SUFFIXES`,
    :data:`PARQUET_SUFFIXES`, :data:`EXCEL_SUFFIXES`).

    Args:
        path: the file.
        sheet: the Excel sheet, by name or 0-based position; the first if omitted.
        na_values: extra strings that mark a missing value in CSV and Excel files
            (such as ``"?"``), on top of pandas' own (empty, ``NA``, ``NaN``, ...).

    Raises:
        DataError: no such file, an unknown suffix, an empty, binary or unreadable
            file, or a file with no data rows.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"file '{path}' does not exist; check the path")
    if path.is_dir():
        raise DataError(f"'{path}' is a folder, not a file; give the path of a CSV, Parquet or Excel file")
    if path.stat().st_size == 0:
        raise DataError(f"file '{path}' is empty; it needs a header row and data rows")
    name = path.name.lower()
    if name.endswith(CSV_SUFFIXES):
        frame = _read_csv(path, name, na_values)
    elif name.endswith(PARQUET_SUFFIXES):
        frame = _read_parquet(path)
    elif name.endswith(EXCEL_SUFFIXES):
        frame = _read_excel(path, sheet, na_values)
    else:
        raise DataError(
            f"file '{path}' has an unknown type {path.suffix!r}; use CSV (.csv), Parquet (.parquet) or Excel (.xlsx)"
        )
    if frame.empty:
        raise DataError(f"file '{path}' has no data rows; it needs a header row and at least one row of data")
    frame.columns = [str(column).strip() for column in frame.columns]
    return frame


def _read_csv(path: Path, name: str, na_values: Sequence[str] | None) -> pd.DataFrame:
    if not name.endswith(_COMPRESSED):
        with path.open("rb") as handle:
            head = handle.read(8192)
        if b"\x00" in head:
            raise DataError(
                f"file '{path}' is binary, not CSV text; if it is Parquet or Excel, give it a .parquet or .xlsx suffix"
            )
    separator = "\t" if name.endswith(".tsv") else ","
    try:
        frame = pd.read_csv(path, sep=separator, na_values=na_values, skipinitialspace=True)
        if frame.shape[1] == 1:
            # One column: perhaps another separator (semicolons are common in Europe).
            header = str(frame.columns[0])
            for other in (";", "\t", "|"):
                if other in header:
                    return pd.read_csv(path, sep=other, na_values=na_values, skipinitialspace=True)
        return frame
    except pd.errors.EmptyDataError:
        raise DataError(f"file '{path}' has no columns; it needs a header row and data rows") from None
    except UnicodeDecodeError as error:
        raise DataError(
            f"file '{path}' is not UTF-8 text ({error.reason} at byte {error.start}); save it as UTF-8"
        ) from None
    except (pd.errors.ParserError, ValueError, OSError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DataError(f"cannot read '{path}' as CSV: {reason}; check that it is comma-separated text") from None


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as error:  # pyarrow raises many types; all mean "not readable"
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DataError(f"cannot read '{path}' as Parquet: {reason}; check that it is a Parquet file") from None


def _read_excel(path: Path, sheet: str | int | None, na_values: Sequence[str] | None) -> pd.DataFrame:
    try:
        return pd.read_excel(path, sheet_name=0 if sheet is None else sheet, engine="openpyxl", na_values=na_values)
    except (zipfile.BadZipFile, OSError, KeyError) as error:
        raise DataError(f"cannot read '{path}' as Excel (.xlsx): {error}; check that it is an .xlsx workbook") from None
    except ValueError as error:
        if "Worksheet" in str(error) or "not found" in str(error):
            import openpyxl

            names = openpyxl.load_workbook(path, read_only=True).sheetnames
            raise DataError(f"file '{path}' has no sheet {sheet!r}; its sheets are {quote_list(names)}") from None
        raise DataError(f"cannot read '{path}' as Excel (.xlsx): {error}") from None


def read_series(
    path: str | Path,
    *,
    time_col: str | None = None,
    target: str | Sequence[str] | None = None,
    series_col: str | None = None,
    known_covariates: str | Sequence[str] = (),
    past_covariates: str | Sequence[str] = (),
    freq: str | Frequency | None = None,
    missing: MissingPolicy = "error",
    na_values: Sequence[str] | None = None,
    time_format: str | None = None,
    sheet: str | int | None = None,
) -> SeriesSet:
    """Read a CSV, Parquet or Excel file into validated series.

    Args:
        path: the file (``.csv``, ``.parquet``, ``.xlsx``; see :func:`read_table`).
        time_col: the time column; without one, each series is indexed by integer
            steps in file order.
        target: the column to forecast (long format, or one series), or several
            columns (wide format, one series each). If omitted, the only numeric
            column without another role.
        series_col: the column that names the series (long format).
        known_covariates: columns also known over the forecast horizon.
        past_covariates: columns known only up to the forecast origin.
        freq: the frequency (a pandas alias such as ``"h"``, ``"D"``, ``"B"``); by
            default inferred per series.
        missing: the policy for missing values and gaps: ``"error"`` (default),
            ``"interpolate"``, ``"ffill"`` or ``"drop"`` (see
            :mod:`grucast.data.validation`).
        na_values: extra strings that mark missing values, e.g. ``["?"]``.
        time_format: a ``strftime`` format for the time column, if needed.
        sheet: the Excel sheet (name or 0-based position).

    Returns:
        The series; :attr:`SeriesSet.notes` lists what was changed (sorted, filled).

    Raises:
        DataError: the file or its contents cannot be used; the message says why
            and what to do.
    """
    frame = read_table(path, sheet=sheet, na_values=na_values)
    return from_dataframe(
        frame,
        time_col=time_col,
        target=target,
        series_col=series_col,
        known_covariates=known_covariates,
        past_covariates=past_covariates,
        freq=freq,
        missing=missing,
        time_format=time_format,
    )


def from_dataframe(
    frame: pd.DataFrame,
    *,
    time_col: str | None = None,
    target: str | Sequence[str] | None = None,
    series_col: str | None = None,
    known_covariates: str | Sequence[str] = (),
    past_covariates: str | Sequence[str] = (),
    freq: str | Frequency | None = None,
    missing: MissingPolicy = "error",
    time_format: str | None = None,
) -> SeriesSet:
    """Validate a DataFrame into series; the arguments are those of :func:`read_series`.

    Each change made on the way in is kept in :attr:`SeriesSet.notes` and also
    issued as a :class:`DataWarning`.
    """
    check_missing_policy(missing)
    if frame.empty:
        raise DataError("the data has no rows; it needs at least one row per series")
    known = _as_names(known_covariates)
    past = _as_names(past_covariates)
    targets = _resolve_targets(frame, target, time_col, series_col, known + past)
    if len(targets) > 1 and series_col is not None:
        raise DataError(
            f"several target columns ({quote_list(targets)}, wide format) cannot be combined with series_col "
            f"{series_col!r} (long format); give one target with series_col, or several targets without it"
        )
    _check_columns(frame, time_col, series_col, targets, known, past)

    rows = np.arange(1, len(frame) + 1)
    notes: list[str] = []
    if time_col is None:
        time = None
    else:
        time, time_notes = parse_time(frame[time_col], time_col, rows, time_format)
        notes += time_notes
    labels = None
    if series_col is not None:
        label_column = frame[series_col]
        if label_column.isna().any():
            row = int(rows[np.argmax(label_column.isna().to_numpy())])
            raise DataError(f"missing series name in column {series_col!r} at row {row}; every row needs its series")
        labels = label_column.astype(str).to_numpy()
    covariates = known + past
    members: list[Series] = []
    if len(targets) == 1:
        names = [targets[0]] + covariates
        values = np.column_stack([to_numeric(frame[column], column, rows, labels) for column in names])
        groups = _groups(labels) if labels is not None else [(targets[0], np.arange(len(frame)))]
        for name, index in groups:
            members.append(_one_series(name, time, rows, values, index, names, len(known), freq, missing, notes))
        target_name = targets[0]
    else:
        shared = [to_numeric(frame[column], column, rows) for column in covariates]
        for column in targets:
            names = [column] + covariates
            values = np.column_stack([to_numeric(frame[column], column, rows)] + shared)
            members.append(
                _one_series(column, time, rows, values, np.arange(len(frame)), names, len(known), freq, missing, notes)
            )
        target_name = "value"
    for note in notes:
        warnings.warn(note, DataWarning, stacklevel=3)
    return SeriesSet(tuple(members), target_name, tuple(known), tuple(past), time_col, tuple(notes))


def _one_series(
    name: str,
    time: np.ndarray | None,
    rows: np.ndarray,
    values: np.ndarray,
    index: np.ndarray,
    names: list[str],
    n_known: int,
    freq: str | Frequency | None,
    missing: MissingPolicy,
    notes: list[str],
) -> Series:
    own_time = np.arange(len(index), dtype=np.int64) if time is None else time[index]
    if time is None and freq is not None and not Frequency.parse(freq).is_step:
        raise DataError(f"freq={freq!r} needs a time column; pass time_col=, or leave freq out to use integer steps")
    series, series_notes = build_series(
        name, own_time, rows[index], values[index], names, n_known, freq=freq, missing=missing
    )
    notes += series_notes
    return series


def _groups(labels: np.ndarray) -> list[tuple[str, np.ndarray]]:
    # Series in order of first appearance; rows in file order within each.
    unique, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rows_by_label = np.argsort(inverse, kind="stable")
    bounds = np.cumsum(np.bincount(inverse, minlength=len(unique)))
    starts = bounds - np.bincount(inverse, minlength=len(unique))
    return [(str(unique[k]), rows_by_label[starts[k] : bounds[k]]) for k in order]


def _as_names(columns: str | Sequence[str] | None) -> list[str]:
    if columns is None:
        return []
    if isinstance(columns, str):
        return [columns]
    return [str(column) for column in columns]


def _resolve_targets(
    frame: pd.DataFrame,
    target: str | Sequence[str] | None,
    time_col: str | None,
    series_col: str | None,
    covariates: list[str],
) -> list[str]:
    if target is not None:
        targets = _as_names(target)
        if not targets:
            raise DataError("target is empty; name the column (or columns) to forecast")
        return targets
    taken = {time_col, series_col, *covariates}
    candidates = [c for c in frame.columns if c not in taken and pd.api.types.is_numeric_dtype(frame[c])]
    if len(candidates) == 1:
        return candidates
    raise DataError(
        f"no target given and {len(candidates)} numeric columns could be it; pass target= one of the columns "
        f"{quote_list(frame.columns)}"
    )


def _check_columns(
    frame: pd.DataFrame,
    time_col: str | None,
    series_col: str | None,
    targets: list[str],
    known: list[str],
    past: list[str],
) -> None:
    roles: list[tuple[str, str]] = []
    if time_col is not None:
        roles.append(("time_col", time_col))
    if series_col is not None:
        roles.append(("series_col", series_col))
    roles += [("target", column) for column in targets]
    roles += [("known_covariates", column) for column in known]
    roles += [("past_covariates", column) for column in past]
    available = list(frame.columns)
    for role, column in roles:
        if column not in available:
            raise DataError(f"{role} column {column!r} is not in the data; the columns are {quote_list(available)}")
    seen: dict[str, str] = {}
    for role, column in roles:
        if column in seen:
            raise DataError(
                f"column {column!r} is given both as {seen[column]} and as {role}; give each column one role"
            )
        seen[column] = role
    if len(set(available)) != len(available):
        duplicated = sorted({c for c in available if available.count(c) > 1})
        raise DataError(f"the data has more than one column named {quote_list(duplicated)}; rename them to be unique")
