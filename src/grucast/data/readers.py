"""Readers: a CSV, Parquet or Excel file (or a DataFrame) into a :class:`SeriesSet`.

Two layouts are understood:

* long: one target column and a ``series_col`` whose values name the series
  (``series, time, load`` with many rows per series);
* wide: several target columns, one per series, sharing one time column
  (``time, north, south, east``). One target column alone is one series.

Rows are numbered from 1, counting data rows after the header, in every message.

What is read off the file unless given (``None`` means "detect"):

============  ======================================================================
option        meaning
============  ======================================================================
sep           the field separator of a text file (:mod:`grucast.data.delimited`)
encoding      the text encoding (:mod:`grucast.data.delimited`)
decimal       the decimal mark, ``"."`` or ``","`` (:mod:`grucast.data.numbers`)
thousands     the thousands separator; ``""`` for none (:mod:`grucast.data.numbers`)
dayfirst      ``01/02/2024`` is 1 February (``True``) or 2 January (``False``)
time_format   a ``strftime`` format, or ``"step"``, ``"unix_s"``, ``"unix_ms"``, ``"excel"``
timezone      the IANA zone of the times (:mod:`grucast.data.times`)
na_values     more strings that mark a missing value (``["?", "-"]``)
============  ======================================================================

Series names are text: ``0101`` stays ``"0101"`` and a series called ``NA`` is a
name, not a missing value.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time as clock_time
from pathlib import Path

import numpy as np
import pandas as pd

from grucast.data._text import quote_list
from grucast.data.delimited import make_table, read_delimited
from grucast.data.errors import DataError, DataWarning
from grucast.data.frame import Series, SeriesSet
from grucast.data.frequency import Frequency
from grucast.data.future import FutureCovariates
from grucast.data.numbers import (
    NumberFormat,
    Unit,
    as_text,
    check_format_options,
    convert_booleans,
    convert_column,
    detect_number_format,
    is_missing_token,
    is_text_column,
    strip_text,
    text_samples,
)
from grucast.data.parquet_folder import PARQUET_SUFFIXES, read_parquet_folder
from grucast.data.shards import SeriesShard, read_shard
from grucast.data.static import is_numeric
from grucast.data.times import ParsedTime, is_date_only, looks_like_time_of_day, parse_time
from grucast.data.validation import MissingPolicy, build_series, check_missing_policy, to_numeric
from grucast.errors import option
from grucast.runtime.memory import keep_freed_heap
from grucast.grouping import group_codes

#: File suffixes each reader accepts.
CSV_SUFFIXES = (".csv", ".txt", ".tsv", ".csv.gz", ".csv.zip", ".csv.bz2", ".csv.xz", ".csv.zst")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")

_DOTTED_DATE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{2,4}(?:\s.*)?")


@dataclass(frozen=True)
class _Loaded:
    # A file read into typed columns, with what was detected on the way.
    frame: pd.DataFrame
    number_format: NumberFormat
    notes: tuple[str, ...]
    shard: SeriesShard | None = None


def read_table(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    na_values: Sequence[str] | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    thousands: str | None = None,
    encoding: str | None = None,
    series_col: str | None = None,
) -> pd.DataFrame:
    """Read a CSV, Parquet or Excel file into a DataFrame, with clear errors.

    The format comes from the file suffix (see :data:`CSV_SUFFIXES`,
    :data:`PARQUET_SUFFIXES`, :data:`EXCEL_SUFFIXES`). Columns whose every value is
    a number (in the file's convention) become numbers, ``true``/``false`` columns
    booleans, the rest stays text with missing markers as NaN. What was detected
    is issued as :class:`DataWarning` s.

    Args:
        path: the file.
        sheet: the Excel sheet, by name or 0-based position; the first if omitted.
        na_values: extra strings that mark a missing value (such as ``"?"``), on top
            of the usual ones (empty, ``NA``, ``NaN``, ``null``, ``None``, ``#N/A``).
        sep: the separator of a text file (``","``, ``";"``, ``"\\t"`` or
            ``"tab"``, ``"|"``); ``None`` detects it.
        decimal: the decimal mark, ``"."`` or ``","``; ``None`` detects it.
        thousands: the thousands separator (``","``, ``"."``, ``" "``, ``"'"``, or
            ``""`` for none); ``None`` detects it.
        encoding: the text encoding (a Python codec name such as ``"cp1252"``);
            ``None`` detects it.
        series_col: a column of names, kept as text without missing markers.

    Raises:
        DataError: no such file, an unknown suffix, an empty, binary or unreadable
            file, a file with no data rows, a row with more fields than the header.
    """
    loaded = _load(
        path, sheet=sheet, na_values=na_values, sep=sep, decimal=decimal, thousands=thousands, encoding=encoding,
        names=[series_col] if series_col else [],
    )
    for note in loaded.notes:
        warnings.warn(note, DataWarning, stacklevel=2)
    return loaded.frame


def _load(
    path: str | Path,
    *,
    sheet: str | int | None,
    na_values: Sequence[str] | None,
    sep: str | None,
    decimal: str | None,
    thousands: str | None,
    encoding: str | None,
    names: Sequence[str],
    shard: tuple[int, int] | None = None,
) -> _Loaded:
    path = Path(path)
    check_format_options(decimal, thousands)
    if not path.exists():
        raise DataError(f"file '{path}' does not exist; check the path")
    share = None
    name = path.name.lower()
    notes: list[str] = []
    found_sep = None
    if shard is not None:
        if not isinstance(shard, (tuple, list)) or len(shard) != 2:
            raise DataError(f"shard must be (rank, world), such as (0, 4) for the first of 4 processes, got {shard!r}")
        frame, share = read_shard(path, names[0] if names else None, *shard)
    elif path.is_dir():
        frame = read_parquet_folder(path)
    elif path.stat().st_size == 0:
        raise DataError(f"file '{path}' is empty; it needs a header row and data rows")
    elif name.endswith(CSV_SUFFIXES):
        table = read_delimited(path, sep=sep, encoding=encoding)
        frame, found_sep = table.frame, table.sep
        notes += table.notes
        del table
        release_arrow_memory()  # the cells before they were stripped
    elif name.endswith(PARQUET_SUFFIXES):
        frame = _read_parquet(path)
    elif name.endswith(EXCEL_SUFFIXES):
        frame, excel_notes = _read_excel(path, sheet)
        notes += excel_notes
    else:
        raise DataError(
            f"file '{path}' has an unknown type {path.suffix!r}; use CSV (.csv), Parquet (.parquet) or Excel (.xlsx)"
        )
    if frame.empty:
        raise DataError(f"file '{path}' has no data rows; it needs a header row and at least one row of data")
    frame.columns = [str(column).strip() for column in frame.columns]
    frame, fmt, type_notes = type_columns(
        frame, names=names, sep=found_sep, decimal=decimal, thousands=thousands, na_values=na_values or (),
        source=f"file '{path}'",
    )
    release_arrow_memory()  # the file's cells as text
    return _Loaded(frame, fmt, tuple(notes + type_notes), share)


def release_arrow_memory() -> None:
    """Hand the memory that Arrow's allocator kept from freed tables back to the system.

    Pandas' text columns live in Arrow buffers; Arrow's allocator keeps what they
    freed for reuse, which after reading millions of rows is hundreds of MB that
    training never reuses.
    """
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as error:  # pyarrow raises many types; all mean "not readable"
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DataError(f"cannot read '{path}' as Parquet: {reason}; check that it is a Parquet file") from None


def _read_excel(path: Path, sheet: str | int | None) -> tuple[pd.DataFrame, list[str]]:
    try:
        # Every cell as it is (no missing markers yet: a series may be called "NA").
        raw = pd.read_excel(
            path, sheet_name=0 if sheet is None else sheet, engine="openpyxl", header=None, dtype=object,
            keep_default_na=False, na_values=[""],
        )
    except (zipfile.BadZipFile, OSError, KeyError) as error:
        raise DataError(f"cannot read '{path}' as Excel (.xlsx): {error}; check that it is an .xlsx workbook") from None
    except ValueError as error:
        if "Worksheet" in str(error) or "not found" in str(error):
            import openpyxl

            names = openpyxl.load_workbook(path, read_only=True).sheetnames
            raise DataError(f"file '{path}' has no sheet {sheet!r}; its sheets are {quote_list(names)}") from None
        raise DataError(f"cannot read '{path}' as Excel (.xlsx): {error}") from None
    cells = raw.to_numpy(dtype=object)
    filled = np.array([[not _blank(v) for v in row] for row in cells], dtype=bool).reshape(cells.shape)
    cells = cells[filled.any(axis=1)]
    counts = filled[filled.any(axis=1)].sum(axis=1)
    skip = 0
    while skip < len(cells) and counts[skip] <= 1 and (counts[skip:] >= 2).any():
        skip += 1
    notes = []
    if skip:
        titles = [str(v) for row in cells[:skip] for v in row if not _blank(v)]
        notes.append(
            f"file '{path}': skipped {skip} row(s) above the header ({quote_list(titles, 3)}); the header is the "
            "first row with several cells"
        )
    if skip >= len(cells):
        return pd.DataFrame(), notes
    return make_table(list(cells[skip]), pd.DataFrame(cells[skip + 1 :], dtype=object), path), notes


def _blank(value: object) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, float) and np.isnan(value))


def type_columns(
    frame: pd.DataFrame,
    *,
    names: Sequence[str] = (),
    sep: str | None = None,
    decimal: str | None = None,
    thousands: str | None = None,
    na_values: Sequence[str] = (),
    source: str = "the data",
) -> tuple[pd.DataFrame, NumberFormat, list[str]]:
    """Give each text column of a table its type: numbers, booleans, names or text.

    Only ``object`` and string columns change. The number convention is detected
    once for the whole table (see :func:`grucast.data.numbers.detect_number_format`).

    Args:
        frame: the table.
        names: columns of names (the series column): text, stripped, with only
            empty cells missing.
        sep, decimal, thousands, na_values: as :func:`read_table`.
        source: the file, for notes and messages.

    Returns:
        The typed table, the number convention, and notes (ambiguities resolved,
        units dropped).
    """
    text_like = [
        c for c in frame.columns
        if c not in names and (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]))
    ]
    samples = text_samples(frame, text_like, na_values)
    european = any(
        tokens and sum(bool(_DOTTED_DATE.fullmatch(t)) for t in tokens) >= 0.9 * len(tokens)
        for tokens in samples.values()
    )
    fmt, notes = detect_number_format(
        {c: [t for t in tokens if any(ch.isdigit() for ch in t)] for c, tokens in samples.items()},
        decimal=decimal, thousands=thousands, sep=sep, european_dates=european, source=source,
    )
    columns: dict[str, pd.Series] = {}
    for name in frame.columns:
        column = frame[name]
        if name in names:
            columns[name] = as_names(column)
        elif name not in samples:
            columns[name] = column
        else:
            columns[name] = _typed(column, name, samples[name], fmt, na_values, source, notes)
            release_arrow_memory()  # the copies made on the way, before the next column makes its own
    typed = pd.DataFrame(columns, index=frame.index)
    typed.columns = list(frame.columns)
    return typed, fmt, notes


def _typed(
    column: pd.Series, name: str, sample: list[str], fmt: NumberFormat, na_values, source: str, notes: list[str]
) -> pd.Series:
    column = as_text(column)
    if sample and all(any(ch.isdigit() for ch in t) and fmt.matches(t) for t in sample):
        numbers, unit, _bad = convert_column(column, fmt, na_values)
        if numbers is not None:
            if unit:
                example = next(t for t in sample if t)
                notes.append(
                    f"{source}, column {name!r}: every value carries {(unit.prefix or unit.suffix)!r}; read "
                    f"{_with_unit(example, unit)!r} as {fmt.value(example):g}"
                )
            return numbers
    if not is_text_column(column) or (sample and all(t.lower() in ("true", "false") for t in sample)):
        booleans = convert_booleans(column, na_values)
        if booleans is not None:
            return booleans
    missing = is_missing_token(column, na_values)
    if is_text_column(column):
        column = strip_text(column)
        return column.where(~missing) if missing.any() else column
    values = np.array(column.map(lambda v: v.strip() if isinstance(v, str) else v).to_numpy(dtype=object))
    values[missing] = np.nan
    return pd.Series(values, index=column.index, name=column.name, dtype=object)


def _with_unit(number: str, unit: Unit) -> str:
    return f"{unit.prefix}{number}{unit.suffix}"


def as_names(column: pd.Series) -> pd.Series:
    """Series names as text: ``"0101"`` and ``"NA"`` stay; only empty cells are missing."""
    column = as_text(column)
    if is_text_column(column):
        stripped = strip_text(column)
        empty = (stripped == "").to_numpy(dtype=bool, na_value=False)
        return stripped.where(~empty) if empty.any() else stripped

    def name(value: object) -> object:
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            return np.nan
        if isinstance(value, str):
            value = value.strip()
            return value if value else np.nan
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return str(int(value))
        return str(value)

    values = [name(v) for v in column.to_numpy(dtype=object)]
    return pd.Series(values, index=column.index, name=column.name, dtype=object)


def read_series(
    path: str | Path,
    *,
    time_col: str | Sequence[str] | None = None,
    target: str | Sequence[str] | None = None,
    series_col: str | None = None,
    known_covariates: str | Sequence[str] = (),
    past_covariates: str | Sequence[str] = (),
    static_covariates: str | Sequence[str] = (),
    freq: str | Frequency | None = None,
    missing: MissingPolicy = "error",
    na_values: Sequence[str] | None = None,
    time_format: str | None = None,
    sheet: str | int | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    thousands: str | None = None,
    encoding: str | None = None,
    dayfirst: bool | None = None,
    timezone: str | None = None,
    shard: tuple[int, int] | None = None,
) -> SeriesSet:
    """Read a CSV, Parquet or Excel file into validated series.

    Args:
        path: the file (``.csv``, ``.parquet``, ``.xlsx``; see :func:`read_table`), or a
            folder of Parquet files, such as a dataset partitioned by series
            (:func:`read_parquet_folder`).
        time_col: the time column; or two columns, date and time of day
            (``["Date", "Time"]``), joined. Without one, each series is indexed by
            integer steps in file order.
        target: the column to forecast (long format, or one series), or several
            columns (wide format, one series each). If omitted, the only numeric
            column without another role.
        series_col: the column that names the series (long format); read as text.
        known_covariates: columns also known over the forecast horizon. Rows at the
            end of a series whose target is empty but whose known covariates are
            filled are that series' future (:attr:`SeriesSet.future`), used to
            forecast past its end.
        past_covariates: columns known only up to the forecast origin.
        static_covariates: columns constant within each series (a region, a store
            type, a capacity): numbers are standardised, text becomes a category
            the model embeds (see :class:`grucast.data.static.StaticEncoder`).
        freq: the frequency (a pandas alias such as ``"h"``, ``"D"``, ``"B"``,
            ``"QS-JAN"``); by default inferred per series.
        missing: the policy for missing values and gaps: ``"error"`` (default),
            ``"interpolate"``, ``"ffill"`` or ``"drop"`` (see
            :mod:`grucast.data.validation`).
        na_values: extra strings that mark missing values, e.g. ``["?"]``.
        time_format: a ``strftime`` format for the time column (``"%d.%m.%Y %H:%M"``);
            ``"step"`` to keep whole numbers as steps; ``"unix_s"``, ``"unix_ms"``,
            ``"unix_us"``, ``"unix_ns"`` for Unix times; ``"excel"`` for Excel date
            serials. ``None`` detects.
        sheet: the Excel sheet (name or 0-based position).
        sep: the field separator of a text file; ``None`` detects it.
        decimal: the decimal mark, ``"."`` or ``","``; ``None`` detects it.
        thousands: the thousands separator, ``""`` for none; ``None`` detects it.
        encoding: the text encoding (``"utf-8"``, ``"cp1252"``, ``"utf-16"``);
            ``None`` detects it.
        dayfirst: ``True`` if ``01/02/2024`` is 1 February, ``False`` if 2 January;
            ``None`` decides from the data or asks.
        timezone: the IANA zone of the times (``"Europe/Paris"``): places naive local
            times in it, or converts times with offsets to it. See
            :mod:`grucast.data.times`.
        shard: ``(rank, world)``: load only share ``rank`` of ``world`` of the series of
            a folder of Parquet files, about ``1 / world`` of its rows (see
            :mod:`grucast.data.shards`; needs ``series_col``), for data-parallel
            processes that together hold data larger than one machine's memory.

    Returns:
        The series; :attr:`SeriesSet.notes` lists what was detected or changed, and
        :attr:`SeriesSet.time_basis` the time zone; with ``shard``,
        :attr:`SeriesSet.shard` says where the share lies among all the series.

    Raises:
        DataError: the file or its contents cannot be used; the message says why
            and what to do.
    """
    with keep_freed_heap():  # a large file's numpy temporaries reuse memory instead of faulting it in afresh
        return _read_series(
            path, time_col=time_col, target=target, series_col=series_col, known_covariates=known_covariates,
            past_covariates=past_covariates, static_covariates=static_covariates, freq=freq, missing=missing,
            time_format=time_format, dayfirst=dayfirst, timezone=timezone, sheet=sheet, na_values=na_values,
            sep=sep, decimal=decimal, thousands=thousands, encoding=encoding, shard=shard,
        )


def _read_series(path, *, time_col, target, series_col, known_covariates, past_covariates, static_covariates, freq,
                 missing, time_format, dayfirst, timezone, sheet, na_values, sep, decimal, thousands, encoding,
                 shard) -> SeriesSet:
    loaded = _load(
        path, sheet=sheet, na_values=na_values, sep=sep, decimal=decimal, thousands=thousands, encoding=encoding,
        names=[series_col] if series_col else [], shard=shard,
    )
    owned, number_format, notes, share = [loaded.frame], loaded.number_format, list(loaded.notes), loaded.shard
    del loaded
    series = _build(
        owned,
        time_col=time_col,
        target=target,
        series_col=series_col,
        known_covariates=known_covariates,
        past_covariates=past_covariates,
        static_covariates=static_covariates,
        freq=freq,
        missing=missing,
        time_format=time_format,
        dayfirst=dayfirst,
        timezone=timezone,
        decimal=number_format.decimal,
        thousands=number_format.thousands,
        na_values=na_values,
        notes=notes,
        stacklevel=4,  # the caller of read_series
    )
    release_arrow_memory()
    if share is not None:
        if len(series) != share.count:  # a series left out or merged on the way would shift every later one
            raise DataError(
                f"share {share.rank} of the series was read as {len(series)} series where the folder's series column "
                f"names {share.count}; check that each series' name is written the same way in every file"
            )
        kinds = tuple(
            (name, "number" if is_numeric([one.static[j] for one in series]) else "text")
            for j, name in enumerate(series.static_covariates)
        )
        reading = (("decimal", number_format.decimal), ("thousands", number_format.thousands), *kinds)
        series = dataclasses.replace(series, shard=dataclasses.replace(share, reading=reading))
    return series


def from_dataframe(
    frame: pd.DataFrame,
    *,
    time_col: str | Sequence[str] | None = None,
    target: str | Sequence[str] | None = None,
    series_col: str | None = None,
    known_covariates: str | Sequence[str] = (),
    past_covariates: str | Sequence[str] = (),
    static_covariates: str | Sequence[str] = (),
    freq: str | Frequency | None = None,
    missing: MissingPolicy = "error",
    time_format: str | None = None,
    dayfirst: bool | None = None,
    timezone: str | None = None,
    decimal: str | None = None,
    thousands: str | None = None,
    na_values: Sequence[str] | None = None,
) -> SeriesSet:
    """Validate a DataFrame into series; the arguments are those of :func:`read_series`.

    Text columns are read as :func:`read_table` reads a file's (``decimal``,
    ``thousands`` and ``na_values`` apply to them). Each change made on the way in
    is kept in :attr:`SeriesSet.notes` and also issued as a :class:`DataWarning`.
    """
    return _build(
        frame,
        time_col=time_col,
        target=target,
        series_col=series_col,
        known_covariates=known_covariates,
        past_covariates=past_covariates,
        static_covariates=static_covariates,
        freq=freq,
        missing=missing,
        time_format=time_format,
        dayfirst=dayfirst,
        timezone=timezone,
        decimal=decimal,
        thousands=thousands,
        na_values=na_values,
        notes=[],
        stacklevel=3,
    )


def _build(
    frame: pd.DataFrame | list[pd.DataFrame],
    *,
    time_col: str | Sequence[str] | None,
    target: str | Sequence[str] | None,
    series_col: str | None,
    known_covariates: str | Sequence[str],
    past_covariates: str | Sequence[str],
    static_covariates: str | Sequence[str],
    freq: str | Frequency | None,
    missing: MissingPolicy,
    time_format: str | None,
    dayfirst: bool | None,
    timezone: str | None,
    decimal: str | None,
    thousands: str | None,
    na_values: Sequence[str] | None,
    notes: list[str],
    stacklevel: int,
) -> SeriesSet:
    if isinstance(frame, list):  # the caller's only reference, handed over: columns go once used
        frame = frame.pop()
    check_missing_policy(missing)
    if frame.empty:
        raise DataError("the data has no rows; it needs at least one row per series")
    na_values = list(na_values or ())
    time_cols = _as_names(time_col)
    if len(time_cols) > 2:
        raise DataError(
            f"time_col names {len(time_cols)} columns ({quote_list(time_cols)}); give one column, or two: the date and "
            "the time of day"
        )
    known = _as_names(known_covariates)
    past = _as_names(past_covariates)
    static = _as_names(static_covariates)
    frame = frame.copy(deep=False)
    frame.columns = [str(c) for c in frame.columns]
    if time_col is None:
        time_cols = _detected_time_column(frame, [series_col, *_as_names(target or ()), *known, *past, *static], notes)
    _check_columns(frame, time_cols, series_col, _as_names(target) if target is not None else [], known, past, static)
    frame, fmt, type_notes = type_columns(
        frame, names=[series_col] if series_col else [], decimal=decimal, thousands=thousands, na_values=na_values,
    )
    notes += type_notes
    release_arrow_memory()  # the untyped text columns
    targets = _resolve_targets(frame, target, time_cols, series_col, known + past + static)
    if len(targets) > 1 and series_col is not None:
        raise DataError(
            f"several target columns ({quote_list(targets)}, wide format) cannot be combined with "
            f"{option('series_col', series_col)} (long format); give one target with {option('series_col')}, or "
            "several targets without it"
        )
    _check_columns(frame, time_cols, series_col, targets, known, past, static)
    rows = np.arange(1, len(frame) + 1)
    labels = label_codes = label_names = None
    if series_col is not None:
        label_column = frame[series_col]  # as_names'd by type_columns
        if label_column.isna().any():
            row = int(rows[np.argmax(label_column.isna().to_numpy())])
            raise DataError(f"missing series name in column {series_col!r} at row {row}; every row needs its series")
        # The codes (series numbered in order of first appearance) serve wherever rows
        # are grouped, and the names of rows are looked up only for messages.
        label_codes, label_names = pd.factorize(label_column)
        label_names = [str(name) for name in label_names]
        labels = _SeriesOfRow(label_codes, label_names)
        del label_column
    time_name = time_cols[0] if time_cols else None
    parsed: ParsedTime | None = None
    if time_cols:
        column = _time_column(frame, time_cols, label_codes, [series_col, *targets, *known, *past])
        parsed = parse_time(
            column, " + ".join(time_cols), rows, time_format=time_format, dayfirst=dayfirst, timezone=timezone,
            labels=label_codes,
        )
        notes += parsed.notes
        del column
    elif timezone is not None:
        raise DataError(
            f"{option('timezone', timezone)} needs a time column; pass {option('time_col')}, or leave "
            f"{option('timezone')} out"
        )
    # The names and times as text are done with; a frame this function owns lets them go.
    used = {*targets, *known, *past, *static}
    frame = frame.drop(columns=[c for c in (series_col, *time_cols) if c is not None and c not in used])
    release_arrow_memory()
    time = None if parsed is None else parsed.time
    covariates = known + past
    for column in targets:
        _check_target(frame[column], column, rows, labels)
    for column in covariates:
        if pd.api.types.is_bool_dtype(frame[column]):
            notes.append(f"column {column!r} holds true/false; read true as 1 and false as 0")

    def numbers(column: str, series_of_row: np.ndarray | None = None) -> np.ndarray:
        return to_numeric(frame[column], column, rows, series_of_row, number_format=fmt, na_values=na_values)

    local_clock = parsed is not None and parsed.naive_local
    grids: dict = {}  # each distinct run of times' frequency and grid, found once (see build_series)
    members: list[Series] = []
    future_rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if len(targets) == 1:
        names = [targets[0]] + covariates
        values = np.column_stack([numbers(column, labels) for column in names])
        groups = (
            list(zip(label_names, group_codes(label_codes, len(label_names))))
            if label_codes is not None else [(targets[0], np.arange(len(frame)))]
        )
        for name, index in groups:
            if np.isnan(values[index, 0]).all():
                raise DataError(
                    f"series {name!r} has no values in target column {targets[0]!r} (rows {int(rows[index[0]])} to "
                    f"{int(rows[index[-1]])} are all empty); fill them in, or remove the series"
                )
            if known:
                index, ahead = _split_future(index, time, values, len(known))
                if len(ahead):
                    own = time[ahead] if time is not None else np.arange(len(index), len(index) + len(ahead))
                    future_rows[name] = (own, values[ahead, 1 : 1 + len(known)])
            members.append(
                _one_series(
                    name, time, rows, values, index, names, len(known), freq, missing, notes, local_clock, grids
                )
            )
        target_name = targets[0]
        if future_rows:
            counts = sorted({len(times) for times, _ in future_rows.values()})
            each = str(counts[0]) if len(counts) == 1 else f"{counts[0]} to {counts[-1]}"
            notes.append(
                f"{len(future_rows)} series end with rows whose target is empty but whose known covariates are filled "
                f"({each} rows each): read as future values, for forecasting past the end"
            )
    else:
        shared = [numbers(column) for column in covariates]
        for column in targets:
            names = [column] + covariates
            values = np.column_stack([numbers(column)] + shared)
            members.append(
                _one_series(
                    column, time, rows, values, np.arange(len(frame)), names, len(known), freq, missing, notes,
                    local_clock, grids,
                )
            )
        target_name = "value"
    for note in notes:
        warnings.warn(note, DataWarning, stacklevel=stacklevel)
    basis = None if parsed is None else parsed.basis
    if static:
        members = _with_static(members, frame, static, groups if len(targets) == 1 else None, rows)
    future = FutureCovariates.from_arrays(
        known, {name: block for name, (_, block) in future_rows.items()},
        {name: times for name, (times, _) in future_rows.items()},
    ) if future_rows else None
    return SeriesSet(
        tuple(members), target_name, tuple(known), tuple(past), time_name, tuple(notes), time_basis=basis,
        static_covariates=tuple(static), future=future,
    )


def _detected_time_column(frame: pd.DataFrame, taken: list, notes: list[str]) -> list[str]:
    """The one column that holds dates, when no time column was named (else none: integer steps).

    Only text and datetime columns are candidates (whole numbers stay values or steps);
    a candidate's first 50 filled cells must all read as dates.
    """
    found = []
    for column in frame.columns:
        if column in taken:
            continue
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            found.append(column)
            continue
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        sample = values.dropna().astype(str).head(50)
        if len(sample) and sample.str.contains(r"\d").all():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # utc=True: times whose offset changes (a summer-time switch) are dates too; without
                # it pandas raises on mixed offsets instead of reading them.
                parsed = pd.to_datetime(sample, errors="coerce", format="mixed", utc=True)
            if parsed.notna().all():
                found.append(column)
    if len(found) != 1:
        return []
    notes.append(
        f"no time column was named: column {found[0]!r} holds dates and is read as the time "
        f"(name another with {option('time_col')})"
    )
    return found


def _split_future(
    index: np.ndarray, time: np.ndarray | None, values: np.ndarray, n_known: int
) -> tuple[np.ndarray, np.ndarray]:
    """A series' rows split into its history and its future: the rows after its last
    target value (in time order) where some known covariate is filled."""
    ordered = index if time is None else index[np.argsort(time[index], kind="stable")]
    observed = np.flatnonzero(~np.isnan(values[ordered, 0]))
    tail = ordered[observed[-1] + 1 :]
    if not len(tail) or not (~np.isnan(values[tail, 1 : 1 + n_known])).any():
        return index, tail[:0]
    keep = np.isin(index, tail, invert=True)
    return index[keep], tail


def _with_static(
    members: list[Series],
    frame: pd.DataFrame,
    static: list[str],
    groups: list[tuple[str, np.ndarray]] | None,
    rows: np.ndarray,
) -> list[Series]:
    """Each series with its static values: numbers, or text labels, constant within the series."""
    index_of = dict(groups) if groups is not None else {member.name: np.arange(len(frame)) for member in members}
    values: dict[str, list] = {member.name: [] for member in members}
    for column in static:
        data = frame[column]
        numeric = pd.api.types.is_numeric_dtype(data) and not pd.api.types.is_bool_dtype(data)
        for member in members:
            cells = data.iloc[index_of[member.name]]
            empty = cells.isna().to_numpy()
            if empty.any():
                raise DataError(
                    f"static covariate {column!r} is empty for series {member.name!r} at row "
                    f"{int(rows[index_of[member.name][np.argmax(empty)]])}; fill it in (it holds one value per series)"
                )
            distinct = pd.unique(cells.to_numpy()).tolist()
            if len(distinct) > 1:
                raise DataError(
                    f"static covariate {column!r} changes within series {member.name!r} ({distinct[0]!r}, "
                    f"{distinct[1]!r}); a static covariate holds one value per series: pass a column that changes "
                    f"over time with {option('known_covariates')} or {option('past_covariates')} instead"
                )
            values[member.name].append(float(distinct[0]) if numeric else str(distinct[0]))
    return [dataclasses.replace(member, static=tuple(values[member.name])) for member in members]


class _SeriesOfRow:
    """Each row's series name, looked up from its code when a message needs one (no name per row is stored)."""

    def __init__(self, codes: np.ndarray, names: list[str]) -> None:
        self.codes, self.names = codes, names

    def __getitem__(self, row: int) -> str:
        return self.names[int(self.codes[row])]


def _check_target(column: pd.Series, name: str, rows: np.ndarray, labels: _SeriesOfRow | None) -> None:
    if pd.api.types.is_bool_dtype(column):
        raise DataError(
            f"target column {name!r} holds true/false values, not amounts to forecast; if you mean to forecast a "
            f"rate, write them as 1 and 0; otherwise name the right column with {option('target')}"
        )
    empty = column.isna().to_numpy()
    if labels is None and empty.all():
        raise DataError(
            f"target column {name!r} has no values (all {len(column)} rows are empty); name the column that holds "
            f"the values with {option('target')}"
        )


def _time_column(frame: pd.DataFrame, time_cols: list[str], series: np.ndarray | None, taken: list) -> pd.Series:
    """The time column, or a date column and a time-of-day column joined into one.

    ``series``: each row's series as an integer code (``None`` for one series).
    """
    if len(time_cols) == 2:
        day, clock = frame[time_cols[0]], frame[time_cols[1]]
        joined = [_join(d, c) for d, c in zip(day.to_numpy(dtype=object), clock.to_numpy(dtype=object))]
        return pd.Series(joined, index=frame.index, dtype=object)
    column = frame[time_cols[0]]
    if not is_date_only(column):
        return column
    # (series, day) pairs as one integer each: a date repeated within a series means a time of day elsewhere.
    series_codes = np.asarray(series, dtype=np.int64) if series is not None else np.zeros(len(column), np.int64)
    day_codes, days = pd.factorize(column, use_na_sentinel=False)
    pairs = series_codes * (len(days) + 1) + day_codes
    del day_codes
    ordered = np.sort(pairs)  # a sort finds repeats without a hash table as large as the file
    if not (ordered[1:] == ordered[:-1]).any():
        return column
    del ordered
    repeated = pd.Series(pairs).duplicated().to_numpy()
    for other in frame.columns:
        if other in taken or other in time_cols:
            continue
        values = frame[other].dropna()
        sample = values.iloc[:200]
        if len(sample) and all(
            isinstance(v, (clock_time, pd.Timedelta)) or (isinstance(v, str) and looks_like_time_of_day(v))
            for v in sample
        ):
            second = int(np.argmax(repeated))
            first = int(np.flatnonzero(pairs == pairs[second])[0])
            raise DataError(
                f"column {time_cols[0]!r} holds dates only, and they repeat (rows {first + 1} and {second + 1}: "
                f"{column.iloc[second]!s}); the time of day seems to be in column {other!r}: pass "
                f"{option('time_col', [time_cols[0], other])}"
            )
    return column


def _join(day: object, clock: object) -> object:
    if day is None or clock is None or (isinstance(day, float) and np.isnan(day)) or (
        isinstance(clock, float) and np.isnan(clock)
    ):
        return np.nan
    if isinstance(day, (datetime, pd.Timestamp)):
        day = pd.Timestamp(day).strftime("%Y-%m-%d")
    elif isinstance(day, date):
        day = day.isoformat()
    if isinstance(clock, clock_time):
        clock = clock.isoformat()
    elif isinstance(clock, pd.Timedelta):
        seconds = int(clock.total_seconds())
        clock = f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    elif isinstance(clock, (datetime, pd.Timestamp)):
        clock = pd.Timestamp(clock).strftime("%H:%M:%S")
    return f"{str(day).strip()} {str(clock).strip()}"


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
    local_clock: bool,
    grids: dict,
) -> Series:
    own_time = np.arange(len(index), dtype=np.int64) if time is None else time[index]
    if time is None and freq is not None and not Frequency.parse(freq).is_step:
        raise DataError(
            f"{option('freq', freq)} needs a time column; pass {option('time_col')}, or leave {option('freq')} out "
            "to use integer steps"
        )
    series, series_notes = build_series(
        name, own_time, rows[index], values[index], names, n_known, freq=freq, missing=missing,
        local_clock=local_clock, grids=grids,
    )
    notes += series_notes
    return series


def _as_names(columns: str | Sequence[str] | None) -> list[str]:
    if columns is None:
        return []
    if isinstance(columns, str):
        return [columns]
    return [str(column) for column in columns]


def _resolve_targets(
    frame: pd.DataFrame,
    target: str | Sequence[str] | None,
    time_cols: list[str],
    series_col: str | None,
    covariates: list[str],
) -> list[str]:
    if target is not None:
        targets = _as_names(target)
        if not targets:
            raise DataError("target is empty; name the column (or columns) to forecast")
        return targets
    taken = {*time_cols, series_col, *covariates}
    candidates = [
        c for c in frame.columns
        if c not in taken and not c.startswith("Unnamed: ") and pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
    ]
    if len(candidates) == 1:
        return candidates
    raise DataError(
        f"no target given and {len(candidates)} numeric columns could be it; name it with {option('target')}, one "
        f"of the columns {quote_list(frame.columns)}"
    )


def _check_columns(
    frame: pd.DataFrame,
    time_cols: list[str],
    series_col: str | None,
    targets: list[str],
    known: list[str],
    past: list[str],
    static: list[str] = (),
) -> None:
    roles: list[tuple[str, str]] = []
    roles += [("time_col", column) for column in time_cols]
    if series_col is not None:
        roles.append(("series_col", series_col))
    roles += [("target", column) for column in targets]
    roles += [("known_covariates", column) for column in known]
    roles += [("past_covariates", column) for column in past]
    roles += [("static_covariates", column) for column in static]
    available = list(frame.columns)
    for role, column in roles:
        if column not in available:
            near = [c for c in available if c.strip().lower() == column.strip().lower()]
            guess = f" (did you mean {near[0]!r}?)" if near else ""
            raise DataError(
                f"column {column!r} ({option(role)}) is not in the data{guess}; the columns are "
                f"{quote_list(available)}"
            )
    seen: dict[str, str] = {}
    for role, column in roles:
        if column in seen:
            raise DataError(
                f"column {column!r} is given both as {option(seen[column])} and as {option(role)}; give each "
                "column one role"
            )
        seen[column] = role
    if len(set(available)) != len(available):
        duplicated = sorted({c for c in available if available.count(c) > 1})
        raise DataError(f"the data has more than one column named {quote_list(duplicated)}; rename them to be unique")


def read_future(
    path: str | Path,
    history: SeriesSet,
    *,
    series_col: str | None = None,
    columns: Sequence[str] | None = None,
    time_format: str | None = None,
    dayfirst: bool | None = None,
    sheet: str | int | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    thousands: str | None = None,
    encoding: str | None = None,
    na_values: Sequence[str] | None = None,
) -> FutureCovariates:
    """Read the known covariates' future values from a file, onto ``history``'s clock.

    The file has the history's time column, the series column when there are
    several series, and the known covariate columns, for the steps after each
    series' end. Its times are read like the history's (zones and offsets land on
    the history's clock, see :func:`grucast.data.times.parse_time_like`).

    Args:
        path: the file (any format :func:`read_series` reads).
        history: the series the values continue.
        series_col: the column naming the series; ``None`` when every row applies to
            each series (one series, or wide format).
        columns: the known covariates; ``history.known_covariates`` if omitted.
        time_format, dayfirst, sheet, sep, decimal, thousands, encoding, na_values:
            as in :func:`read_series`.

    Raises:
        DataError: an unreadable file, a missing column, an unparseable time or value.
    """
    from grucast.data.future import future_from_dataframe

    loaded = _load(
        path, sheet=sheet, na_values=na_values, sep=sep, decimal=decimal, thousands=thousands, encoding=encoding,
        names=[series_col] if series_col else [],
    )
    return future_from_dataframe(
        loaded.frame, columns=tuple(history.known_covariates if columns is None else columns),
        time_col=history.time_column, series_col=series_col, series=history.names, time_format=time_format,
        dayfirst=dayfirst, basis=history.time_basis,
    )
