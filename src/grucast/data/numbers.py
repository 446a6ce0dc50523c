"""Numbers written as text: decimal marks, thousands separators, units, missing markers.

Spreadsheets write numbers the way their locale does: ``1234.5`` and ``"1,234.5"`` in
English, ``1234,5`` and ``1.234,5`` in most of Europe, ``1 234,5`` in French,
``1'234.5`` in Swiss German. A :class:`NumberFormat` is one such convention; a file
uses one of them throughout.

Detection (:func:`detect_number_format`) keeps the conventions under which every
value of the most columns is a number. When those conventions disagree about a
value (``10,038`` is 10.038 with a decimal comma and 10038 with a thousands comma;
``1.234`` likewise with dots), the file's other habits decide:

===========================================  ===================================
the file                                      an ambiguous ``10,038`` / ``1.234``
===========================================  ===================================
``;``-separated, or day-first dotted dates    decimal comma / refused (ask)
``,``-separated                               thousands comma / decimal point
tab- or otherwise separated                   refused (ask) / decimal point
===========================================  ===================================

Each resolved ambiguity leaves a note that names the setting to pass if it is wrong;
``decimal=`` and ``thousands=`` given by the user always win. Integer parts written
with a leading zero (``0,125``, ``0.125``) are never grouped thousands, which settles
most real columns.

A value column may also carry one unit on every value (``12%``, ``$1,200``,
``30 €``): the unit is dropped and a note says so. ``true``/``false`` columns become
booleans; what they may be used for is decided by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from grucast.data.arrow_text import has_surrounding_space, remember_clean, string_chunks
from grucast.data.errors import DataError
from grucast.errors import option

#: Strings that mark a missing value in a value column (the series column keeps them as names).
NA_TOKENS: frozenset[str] = frozenset(
    {
        "", "NA", "N/A", "n/a", "NaN", "nan", "NAN", "-NaN", "-nan", "<NA>", "null", "NULL", "Null",
        "None", "none", "NONE", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "1.#IND", "1.#QNAN",
    }
)

_SPACES = ("\u00a0", "\u202f", "\u2009")
_MINUS = "\u2212"  # the minus sign some spreadsheets write instead of "-"
_CURRENCIES = "$€£¥"
_TRUE_FALSE = {"true": True, "false": False}
# How many distinct values of a column detection looks at.
_SAMPLE = 4000


@dataclass(frozen=True)
class NumberFormat:
    """How numbers are written: the decimal mark and the thousands separator.

    Args:
        decimal: ``"."`` or ``","``.
        thousands: ``""`` (none), ``","``, ``"."``, ``" "`` (also no-break spaces)
            or ``"'"``.
    """

    decimal: str = "."
    thousands: str = ""

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """The regular expression one number must match in full."""
        point = _literal(self.decimal)
        whole = r"\d+"
        if self.thousands:
            # A grouped integer part never starts with 0: "0,125" is not a thousand.
            whole = rf"(?:\d+|[1-9]\d{{0,2}}(?:{_literal(self.thousands)}\d{{3}})+)"
        return re.compile(rf"[+-]?(?:{whole}(?:{point}\d*)?|{point}\d+)(?:[eE][+-]?\d+)?")

    @property
    def is_default(self) -> bool:
        """True for ``1234.5``, the form Python and pandas read natively."""
        return self.decimal == "." and not self.thousands

    def describe(self) -> str:
        """``decimal ',' and thousands '.'`` for notes."""
        thousands = f"thousands {self.thousands!r}" if self.thousands else "no thousands separator"
        return f"decimal {self.decimal!r} and {thousands}"

    def settings(self) -> str:
        """The options that select this format, for hints: ``decimal=',', thousands='.'``."""
        return f"{option('decimal', self.decimal)}, {option('thousands', self.thousands)}"

    def matches(self, token: str) -> bool:
        return self.pattern.fullmatch(_normal_spaces(token) if self.thousands == " " else token) is not None

    def value(self, token: str) -> float:
        """The number one matching token stands for."""
        text = _normal_spaces(token) if self.thousands == " " else token
        if self.thousands:
            text = text.replace(self.thousands, "")
        return float(text.replace(",", ".") if self.decimal == "," else text)


CANDIDATES: tuple[NumberFormat, ...] = (
    NumberFormat(".", ""),
    NumberFormat(",", ""),
    NumberFormat(".", ","),
    NumberFormat(",", "."),
    NumberFormat(".", " "),
    NumberFormat(",", " "),
    NumberFormat(".", "'"),
    NumberFormat(",", "'"),
)


def _literal(char: str) -> str:
    # One character as a regular expression that Python's re and pyarrow's RE2 both read.
    return "\\" + char if char in ".^$*+?{}[]\\|()" else char


def _normal_spaces(text: str) -> str:
    for space in _SPACES:
        text = text.replace(space, " ")
    return text


def check_format_options(decimal: str | None, thousands: str | None) -> None:
    """Raise unless ``decimal`` and ``thousands`` name a supported convention."""
    if decimal is not None and decimal not in (".", ","):
        raise DataError(f"decimal must be '.' or ',', got {decimal!r}; pass {option('decimal', ',')} or leave it out")
    if thousands is not None and thousands not in ("", ",", ".", " ", "'"):
        raise DataError(
            f"thousands must be '', ',', '.', ' ' or \"'\", got {thousands!r}; pass {option('thousands', '')} "
            "for none, or leave it out"
        )
    if decimal is not None and thousands and decimal == thousands:
        raise DataError(
            f"decimal and thousands are both {decimal!r}; they must differ, e.g. "
            f"{option('decimal', ',')} with {option('thousands', '.')}"
        )


def candidates_for(decimal: str | None, thousands: str | None) -> list[NumberFormat]:
    """The conventions allowed by the user's settings (``None`` leaves a setting open)."""
    check_format_options(decimal, thousands)
    return [
        fmt
        for fmt in CANDIDATES
        if (decimal is None or fmt.decimal == decimal) and (thousands is None or fmt.thousands == thousands)
    ]


def is_text_column(column: pd.Series) -> bool:
    """True for a pandas string column (every present value is a string)."""
    return pd.api.types.is_string_dtype(column) and column.dtype != object


def as_text(column: pd.Series) -> pd.Series:
    """An ``object`` column whose present values are all strings as a pandas string column.

    String columns are fast to search and convert; columns that mix strings with
    numbers or dates (Excel cells) are returned as they are.
    """
    if column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        return column.astype("str")
    return column


def strip_text(column: pd.Series) -> pd.Series:
    """``column.str.strip()`` of a string column, or the column itself when no value has
    spaces around it: a large file's cells, already stripped, are then not held twice."""
    if string_chunks(column) is not None:
        if not has_surrounding_space(column):
            return column
        stripped = column.str.strip()
        if string_chunks(stripped) is not None:
            remember_clean(stripped)
        return stripped
    stripped = column.str.strip()
    if (column.isna() | (stripped == column)).all():
        return column
    return stripped


def is_missing_token(values: pd.Series, na_values: Iterable[str] = ()) -> np.ndarray:
    """Which values of a column are missing: ``None``/NaN or a missing marker."""
    markers = list(NA_TOKENS | {str(v).strip() for v in na_values})
    if is_text_column(values):
        stripped = strip_text(values)
    else:
        stripped = values.map(lambda v: v.strip() if isinstance(v, str) else v)
    return np.asarray(values.isna() | stripped.isin(markers), dtype=bool)


@dataclass(frozen=True)
class Unit:
    """A unit written on every value of a column (``%``, ``$``, ``€``), dropped when reading."""

    prefix: str = ""
    suffix: str = ""

    def strip(self, token: str) -> str:
        if self.prefix and token.startswith(self.prefix):
            token = token[len(self.prefix) :].lstrip()
        if self.suffix and token.endswith(self.suffix):
            token = token[: -len(self.suffix)].rstrip()
        return token

    def __bool__(self) -> bool:
        return bool(self.prefix or self.suffix)


def find_unit(tokens: Sequence[str]) -> Unit:
    """The unit that every token carries, if any (``%`` last, a currency first or last)."""
    if not tokens:
        return Unit()
    if all(t.endswith("%") for t in tokens):
        return Unit(suffix="%")
    for symbol in _CURRENCIES:
        if all(t.startswith(symbol) for t in tokens):
            return Unit(prefix=symbol)
        if all(t.endswith(symbol) for t in tokens):
            return Unit(suffix=symbol)
    return Unit()


def distinct_sample(values: pd.Series, limit: int = _SAMPLE) -> list:
    """Distinct values of a column in order of first appearance: all of them when there
    are at most ``limit``, else the first ``limit // 2`` from its start and the last
    ``limit // 2`` seen from its end.

    The column is read from each end only as far as it takes to find them, in
    blocks that grow fourfold: a column of millions of numbers, nearly all distinct,
    costs a few thousand cells, not a hash table as large as the file.
    """
    head, whole = _first_distinct(values, limit + 1)
    if whole:
        if len(head) <= limit:
            return list(head)
        return list(head[: limit // 2]) + list(head[-(limit // 2) :])
    tail, _ = _first_distinct(values, limit // 2, from_end=True)
    start = list(head[: limit // 2])
    seen = set(start)
    return start + [value for value in reversed(tail[: limit // 2]) if value not in seen]


def _first_distinct(values: pd.Series, count: int, from_end: bool = False) -> tuple[np.ndarray, bool]:
    """The first ``count`` distinct values (fewer if the column has fewer), and whether
    the whole column was read to find them; ``from_end`` reads it backwards."""
    rows = 4 * count
    while True:
        distinct = pd.unique(values.iloc[-rows:].iloc[::-1] if from_end else values.iloc[:rows])
        if len(distinct) >= count or rows >= len(values):
            return np.asarray(distinct[:count] if rows < len(values) else distinct, dtype=object), rows >= len(values)
        rows *= 4


def detect_number_format(
    samples: dict[str, list[str]],
    *,
    decimal: str | None = None,
    thousands: str | None = None,
    sep: str | None = None,
    european_dates: bool = False,
    source: str = "the data",
) -> tuple[NumberFormat, list[str]]:
    """Choose the number convention of a file from samples of its text columns.

    Args:
        samples: column name -> distinct stripped non-missing values (units removed).
        decimal: the user's decimal mark, or ``None`` to detect it.
        thousands: the user's thousands separator (``""`` for none), or ``None``.
        sep: the file's field separator, if it has one (evidence for the locale).
        european_dates: the file writes dates day-first with dots (``31.01.2024``).
        source: the file, for messages.

    Returns:
        The convention and a note for each ambiguity it resolved.

    Raises:
        DataError: values that read as two different numbers and nothing in the
            file that decides between them.
    """
    allowed = candidates_for(decimal, thousands)
    fits = {name: [fmt for fmt in allowed if all(fmt.matches(t) for t in tokens)] for name, tokens in samples.items()}
    numeric = [name for name, formats in fits.items() if formats and samples[name]]
    if not numeric:
        return allowed[0], []
    counts = {fmt: sum(fmt in fits[name] for name in numeric) for fmt in allowed}
    best = max(counts.values())
    tied = [fmt for fmt in allowed if counts[fmt] == best]
    european = sep == ";" or european_dates
    preferred = "," if european else "."
    chosen = next((fmt for fmt in tied if fmt.decimal == preferred), tied[0])
    for other in tied:
        if other == chosen:
            continue
        for name in numeric:
            if chosen not in fits[name] or other not in fits[name]:
                continue
            token = next((t for t in samples[name] if chosen.value(t) != other.value(t)), None)
            if token is None:
                continue
            note = _resolve(chosen, other, token, name, samples, sep, european, source)
            # 1.234 read as 1.234 outside Europe is the plain reading: no note.
            return chosen, [] if chosen.is_default and not european else [note]
    return chosen, []


def _resolve(
    chosen: NumberFormat,
    other: NumberFormat,
    token: str,
    column: str,
    samples: dict[str, list[str]],
    sep: str | None,
    european: bool,
    source: str,
) -> str:
    readings = f"{chosen.value(token):g} ({chosen.describe()}) or {other.value(token):g} ({other.describe()})"
    comma_evidence = any("," in t for tokens in samples.values() for t in tokens)
    refuse = (not european and sep not in (",", None) and "," in token) or (
        european and chosen.thousands == "." and "." in token and not comma_evidence
    )
    if refuse:
        raise DataError(
            f"{source}, column {column!r}: numbers like {token!r} read as {readings}, and nothing in the file "
            f"tells which; pass {chosen.settings()} or {other.settings()}"
        )
    why = "usual in ';'-separated files" if sep == ";" else (
        "as the day-first dotted dates suggest" if european else "usual in ','-separated files"
    )
    return (
        f"{source}, column {column!r}: read numbers like {token!r} as {chosen.value(token):g} "
        f"({chosen.describe()}, {why}); if they mean {other.value(token):g}, pass {other.settings()}"
    )


def convert_column(
    column: pd.Series, fmt: NumberFormat, na_values: Iterable[str] = ()
) -> tuple[pd.Series | None, Unit, np.ndarray]:
    """Convert a column of number text to numbers, if every value is one.

    Python numbers (from Excel cells) pass through; strings are read with ``fmt``
    after dropping a unit that every string carries.

    Returns:
        ``(numbers or None, unit, bad)``: the ``int64``/``float64`` column (``None``
        if a value is not a number), the unit dropped, and a mask of the values that
        are not numbers under ``fmt``.
    """
    column = as_text(column)
    missing = is_missing_token(column, na_values)
    out = np.full(len(column), np.nan)
    bad = np.zeros(len(column), dtype=bool)
    if is_text_column(column):
        is_text = ~missing
        others = np.zeros(len(column), dtype=bool)
        text = strip_text(column if is_text.all() else column[is_text])
        plain_ints = True
    else:
        values = column.to_numpy(dtype=object)
        is_text = np.array([isinstance(v, str) for v in values], dtype=bool) & ~missing
        others = ~is_text & ~missing
        for index in np.flatnonzero(others):
            value = values[index]
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
                bad[index] = True
            else:
                out[index] = float(value)
        text = pd.Series(values[is_text], dtype="str").str.strip()
        plain_ints = all(isinstance(v, (int, np.integer)) for v in values[others])
    unit = Unit()
    integral = True
    if is_text.any():
        if text.str.contains(_MINUS, regex=False).any():
            text = text.str.replace(_MINUS, "-", regex=False)
        unit = find_unit([str(t) for t in distinct_sample(text)])
        if unit.prefix:
            text = text.str.removeprefix(unit.prefix).str.lstrip()
        if unit.suffix:
            text = text.str.removesuffix(unit.suffix).str.rstrip()
        if fmt.thousands == " ":
            for space in _SPACES:
                text = text.str.replace(space, " ", regex=False)
        if fmt.is_default:
            parsed = _decimal_numbers(text)
            failed = np.isnan(parsed)
        else:
            ok = text.str.fullmatch(fmt.pattern.pattern).fillna(False).to_numpy(dtype=bool)
            cleaned = text
            if fmt.thousands:
                cleaned = cleaned.str.replace(fmt.thousands, "", regex=False)
            if fmt.decimal == ",":
                cleaned = cleaned.str.replace(",", ".", regex=False)
            parsed = pd.to_numeric(cleaned.where(ok), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            failed = ~ok | np.isnan(parsed)
        out[is_text] = parsed
        bad[np.flatnonzero(is_text)[failed]] = True
        del parsed, failed
    if bad.any():
        return None, unit, bad
    present = ~missing
    if missing.any() or not present.any():
        return pd.Series(out, index=column.index, name=column.name), unit, bad
    whole = np.isfinite(out).all() and (out == np.round(out)).all() and np.abs(out).max(initial=0) < 2**53
    if whole and is_text.any():  # integers only if written as such ("2.0" stays a float)
        core = text.str.replace(fmt.thousands, "", regex=False) if fmt.thousands else text
        integral = bool(core.str.fullmatch(r"[+-]?\d+").fillna(False).all())
    if whole and integral and plain_ints:
        return pd.Series(out.astype(np.int64), index=column.index, name=column.name), unit, bad
    return pd.Series(out, index=column.index, name=column.name), unit, bad


def _decimal_numbers(text: pd.Series) -> np.ndarray:
    """Text in the default convention (``1234.5``, ``-1e3``) as float64, NaN where it is not a number.

    A string column backed by Arrow is cast by Arrow's parser, which reads a large
    column without a Python object per value and accepts only what pandas accepts
    too (with the same, correctly rounded values); a column with any other string
    goes to ``pandas.to_numeric``, which marks the values it cannot read.
    """
    if isinstance(text.array, pd.arrays.ArrowStringArray):
        import pyarrow as pa
        import pyarrow.compute as pc

        # The column's own chunks (pa.array would first copy them into one).
        chunks = getattr(text.array, "_pa_array", None)
        try:
            return np.asarray(pc.cast(chunks if chunks is not None else pa.array(text.array), pa.float64()),
                              dtype=np.float64)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def convert_booleans(column: pd.Series, na_values: Iterable[str] = ()) -> pd.Series | None:
    """A ``true``/``false`` column as pandas booleans (missing as ``<NA>``), else ``None``."""
    missing = is_missing_token(column, na_values)
    present = column[~missing]
    if present.empty:
        return None
    if is_text_column(present):
        words = present.str.strip().str.lower()
        if not words.isin(list(_TRUE_FALSE)).all():
            return None
        flags = words == "true"
    else:
        values = present.to_numpy(dtype=object)
        if not all(
            isinstance(v, (bool, np.bool_)) or (isinstance(v, str) and v.strip().lower() in _TRUE_FALSE) for v in values
        ):
            return None
        flags = pd.Series([v if not isinstance(v, str) else v.strip().lower() == "true" for v in values])
    out = pd.array([pd.NA] * len(column), dtype="boolean")
    out[np.flatnonzero(~missing)] = np.asarray(flags, dtype=bool)
    return pd.Series(out, index=column.index, name=column.name)


def text_samples(frame: pd.DataFrame, columns: Sequence[str], na_values: Iterable[str]) -> dict[str, list[str]]:
    """Distinct stripped, unit-free strings of each column (a :func:`distinct_sample`),
    for :func:`detect_number_format`."""
    samples: dict[str, list[str]] = {}
    for name in columns:
        column = pd.Series(distinct_sample(as_text(frame[name])), dtype=object)
        missing = is_missing_token(column, na_values)
        strings = [v.strip().replace(_MINUS, "-") for v in column[~missing] if isinstance(v, str)]
        tokens = list(dict.fromkeys(strings))
        unit = find_unit(tokens)
        samples[name] = list(dict.fromkeys(unit.strip(t) for t in tokens)) if unit else tokens
    return samples
