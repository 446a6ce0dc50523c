"""Delimited text files (CSV and its dialects): bytes to a table of strings.

Nothing in a text file says how it was written, so each property is read off the
file itself, unless the caller names it:

* **encoding** (``encoding=``): a byte-order mark decides (UTF-8, UTF-16 and UTF-32,
  as Excel's "Unicode text" export writes); UTF-16 without a mark is recognised by
  its zero bytes; otherwise UTF-8, and Windows-1252 (a superset of Latin-1 for text)
  when the bytes are not UTF-8, with a note.
* **separator** (``sep=``): of ``,``, ``;``, tab and ``|``, the one that splits the
  first lines into the same number of fields (at least two); on a tie, the one
  whose fields read as numbers and dates.
* **header**: the first line with at least two fields; single-field lines above it
  (a report title, an export banner) are skipped with a note. Excel's ``sep=;``
  first line names the separator and is skipped.

Every field is kept as text (``"0101"`` stays ``"0101"``; nothing becomes the index);
numbers and times are read later, by column. A row with more fields than the header
is an error that names it; trailing empty fields are ignored.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from grucast.data._text import quote_list
from grucast.data.errors import DataError
from grucast.errors import MissingExtraError
from grucast.data.numbers import CANDIDATES, strip_text
from grucast.data.times import looks_like_time
from grucast.errors import option

#: Separators tried, in order of preference on a tie.
SEPARATORS: tuple[str, ...] = (",", ";", "\t", "|")

_SEP_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", " ": "space"}
_SNIFF_LINES = 200
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8", "UTF-8 with a byte-order mark"),
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
    (b"\xff\xfe", "utf-16-le", "UTF-16"),
    (b"\xfe\xff", "utf-16-be", "UTF-16"),
)


@dataclass(frozen=True)
class DelimitedTable:
    """A text file split into a header and rows of strings.

    Attributes:
        frame: one ``object`` column of stripped strings per header field.
        sep: the separator used.
        encoding: the codec the bytes were decoded with.
        notes: what was guessed or skipped on the way (encoding, title lines).
    """

    frame: pd.DataFrame
    sep: str
    encoding: str
    notes: tuple[str, ...]


def separator_name(sep: str) -> str:
    return _SEP_NAMES.get(sep, repr(sep))


def normalise_sep(sep: str | None) -> str | None:
    """The user's separator as one character (``"tab"`` and ``"\\\\t"`` mean a tab)."""
    if sep is None:
        return None
    if sep in ("tab", "\\t", "TAB"):
        return "\t"
    if sep in ("space", "' '"):
        return " "
    if not isinstance(sep, str) or len(sep) != 1 or sep in ('"', "\n", "\r"):
        raise DataError(
            f"sep must be one character such as ',' ';' '|' or 'tab', got {sep!r}; pass {option('sep', ';')} "
            "or leave it out to detect it"
        )
    return sep


def read_delimited(path: Path, *, sep: str | None = None, encoding: str | None = None) -> DelimitedTable:
    """Read a delimited text file (possibly compressed) into a table of strings.

    Args:
        path: the file; ``.gz``, ``.bz2``, ``.xz``, ``.zip`` and ``.zst`` are
            decompressed first.
        sep: the separator, or ``None`` to detect it.
        encoding: a Python codec name (``"utf-8"``, ``"cp1252"``, ``"utf-16"``), or
            ``None`` to detect it.

    Raises:
        DataError: unreadable bytes, no header, a header that is data, a row with
            too many fields, duplicate column names.
    """
    sep = normalise_sep(sep)
    raw = _read_bytes(path)
    if encoding is None and raw.isascii() and b"\x00" not in raw[:8192]:
        # ASCII is UTF-8 as it stands: only the head is decoded (to sniff), and the
        # parser reads the file's own bytes, with no decoded or re-encoded copy.
        text, codec, notes, ascii_raw = _ascii_head(raw), "utf-8", [], raw
    else:
        text, codec, notes = decode(raw, path, encoding)
        ascii_raw = None
    del raw
    offset = 0  # characters (ASCII: bytes) of the file above the header line
    hint = re.match(r"\s*sep=(.)[ \t]*\r?\n", text)
    if hint:
        # Excel's first line "sep=;" names the separator.
        text, offset = text[hint.end() :], hint.end()
        if sep is None:
            sep = hint.group(1)
    chosen, skip = sniff(text, sep)
    lines = head_lines(text, skip + 1, keepends=True)
    titles = [line.strip() for line in lines[:skip] if line.strip()]
    if titles:
        notes.append(
            f"file '{path}': skipped {len(titles)} line(s) above the header ({quote_list(titles, 3)}); "
            "the header is the first line with several fields"
        )
    # Cut where sniff counted: after `skip` lines as str.splitlines ends them ("\r" alone too).
    above = sum(len(line) for line in lines[:skip])
    rows = _rows(lines[skip:], chosen)
    width = len(rows[0]) if rows else 0
    if ascii_raw is not None:
        body, offset = [ascii_raw], offset + above
        del ascii_raw
    else:
        # The body as UTF-8 bytes for the parser, and the text let go first: a large
        # file is then held once, not as text and bytes.
        body, offset = [text[above:].encode("utf-8", "surrogatepass")], 0
    del text
    frame = _split(body, offset, width, chosen, skip, path)
    if frame.shape[1] == 1 and sep is None and re.search(r"\S {2,}\S", str(frame.columns[0])):
        raise DataError(
            f"file '{path}' lines its columns up with spaces ({str(frame.columns[0])!r}), which is not a separator "
            f"grucast detects; save it with commas or tabs between the columns, or pass {option('sep', ' ')} if no "
            "value contains a space"
        )
    return DelimitedTable(frame, chosen, codec, tuple(notes))


# ---------------------------------------------------------------------- bytes


def _read_bytes(path: Path) -> bytes:
    name = path.name.lower()
    try:
        if name.endswith(".gz"):
            return gzip.decompress(path.read_bytes())
        if name.endswith(".bz2"):
            return bz2.decompress(path.read_bytes())
        if name.endswith(".xz"):
            return lzma.decompress(path.read_bytes())
        if name.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.namelist() if not m.endswith("/")]
                if len(members) != 1:
                    raise DataError(
                        f"archive '{path}' holds {len(members)} files ({quote_list(members)}); it must hold exactly "
                        "one CSV file"
                    )
                return archive.read(members[0])
        if name.endswith(".zst"):
            try:
                import zstandard
            except ImportError:
                raise MissingExtraError(
                    f"file '{path}' is Zstandard-compressed, which needs the zstandard package: "
                    "pip install zstandard (or decompress the file)"
                ) from None
            with path.open("rb") as handle:
                return zstandard.ZstdDecompressor().stream_reader(handle).read()
        return path.read_bytes()
    except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError) as error:
        raise DataError(f"cannot decompress '{path}': {error}; check that the file is complete") from None


def decode(raw: bytes, path: Path, encoding: str | None) -> tuple[str, str, list[str]]:
    """Decode a text file's bytes.

    Returns:
        The text (without a byte-order mark, newlines as written), the codec, and
        notes on any guess.
    """
    if encoding is not None:
        return _decode_as(raw, path, encoding), encoding, []
    for mark, codec, _label in _BOMS:
        if raw.startswith(mark):
            return _decode_as(raw[len(mark) :], path, codec), codec, []
    head = raw[:8192]
    if b"\x00" in head:
        codec = _utf16_without_mark(head)
        if codec is None:
            raise DataError(
                f"file '{path}' is binary, not CSV text; if it is Parquet or Excel, give it a .parquet or .xlsx suffix"
            )
        return _decode_as(raw, path, codec), codec, []
    try:
        return raw.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError as error:
        start = error.start
    first = raw[start : start + 1]
    for codec, label in (("cp1252", "Windows-1252 (Western European)"), ("latin-1", "Latin-1")):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        sample = raw[start : start + 1].decode(codec)
        return text, codec, [
            f"file '{path}' is not UTF-8 (byte 0x{first.hex()} at byte {start}); read it as {label}, "
            f"where that byte is {sample!r}; if letters look wrong, pass the file's real encoding, e.g. "
            f"{option('encoding', 'cp1251')}"
        ]
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _utf16_without_mark(head: bytes) -> str | None:
    # ASCII text in UTF-16 has a zero byte in every other position.
    even = head[0::2]
    odd = head[1::2]
    if len(head) < 4:
        return None
    zeros_even = even.count(0) / max(len(even), 1)
    zeros_odd = odd.count(0) / max(len(odd), 1)
    if zeros_odd > 0.4 and zeros_even < 0.05:
        return "utf-16-le"
    if zeros_even > 0.4 and zeros_odd < 0.05:
        return "utf-16-be"
    return None


def _decode_as(raw: bytes, path: Path, codec: str) -> str:
    try:
        text = raw.decode(codec)
    except LookupError:
        raise DataError(
            f"unknown encoding {codec!r}; use a Python codec name such as 'utf-8', 'cp1252', 'latin-1' or 'utf-16'"
        ) from None
    except UnicodeDecodeError as error:
        raise DataError(
            f"file '{path}' is not valid {codec} text ({error.reason} at byte {error.start}); pass the file's real "
            f"encoding, e.g. {option('encoding', 'cp1252')}, or leave it out to detect it"
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


# ---------------------------------------------------------------------- layout


def _rows(lines: list[str], sep: str) -> list[list[str]]:
    reader = csv.reader(lines, delimiter=sep, quotechar='"', skipinitialspace=True)
    try:
        return [row for row in reader]
    except csv.Error:
        return []


def _width(row: list[str]) -> int:
    # Fields up to the last non-empty one.
    filled = [k for k, field in enumerate(row) if field.strip()]
    return filled[-1] + 1 if filled else 0


def _typed(field: str) -> bool:
    text = field.strip()
    return bool(text) and (any(fmt.matches(text) for fmt in CANDIDATES) or looks_like_time(text))


def head_lines(text: str, count: int, keepends: bool = False) -> list[str]:
    """The first ``count`` lines of ``text``, as ``str.splitlines`` cuts them, without splitting the rest.

    A large file's text has millions of lines; splitting all of them to look at a
    few would hold a string object per line.
    """
    return text[: _after_lines(text, count)].splitlines(keepends)[:count]


def _after_lines(text: str | bytes, count: int) -> int:
    """Where the line after the first ``count`` newline-ended lines starts (the end if there are fewer)."""
    newline = "\n" if isinstance(text, str) else b"\n"
    end = -1
    for _ in range(count):
        end = text.find(newline, end + 1)  # type: ignore[arg-type]
        if end < 0:
            return len(text)
    return end + 1


def sniff(text: str, sep: str | None = None) -> tuple[str, int]:
    """The separator and the number of lines above the header.

    Returns:
        ``(sep, skip)``: ``skip`` physical lines precede the header line.
    """
    lines = head_lines(text, _SNIFF_LINES)
    ranked = []
    for position, candidate in enumerate([sep] if sep else SEPARATORS):
        rows = _rows(lines, candidate)
        widths = [_width(row) for row in rows]
        # Title lines: one field or none, above the first line with several.
        skip = 0
        while skip < len(rows) and widths[skip] <= 1 and any(w >= 2 for w in widths[skip:]):
            skip += 1
        body = rows[skip:]
        if not body:
            ranked.append(((0.0, 0, 0, 0, -position), candidate, skip))
            continue
        header = len(body[0])
        data = [row for row in body[1:] if _width(row)]
        # Rows that fit under the header (short rows are missing values; empty
        # trailing fields are nothing).
        same = sum(_width(row) <= header for row in data) / len(data) if data else 1.0
        columns = list(zip(*[row[:header] for row in data if len(row) >= header])) if data else []
        typed = sum(sum(_typed(v) for v in column) >= 0.9 * len(column) for column in columns)
        usable = header >= 2 or sep is not None
        # Fewer skipped lines first: a header is not a title because another
        # separator splits it into one field.
        ranked.append(((same if usable else -1.0, -skip, typed, header, -position), candidate, skip))
    _score, chosen, skip = max(ranked)
    if ranked and max(ranked)[0][0] < 0:
        chosen, skip = SEPARATORS[0] if sep is None else sep, 0
    # One row per physical line (blank ones included), so skip counts lines.
    return chosen, skip


def _ascii_head(raw: bytes) -> str:
    """The first lines of an ASCII file, as many as sniffing reads (and Excel's ``sep=`` line)."""
    return raw[: _after_lines(raw, _SNIFF_LINES + 1)].decode("ascii")


def _split(owned: list[bytes], offset: int, width: int, sep: str, skip: int, path: Path) -> pd.DataFrame:
    # owned: a one-item list holding UTF-8 bytes whose header line starts at byte
    # `offset`; taking it out leaves this function the only owner, so the bytes go
    # once parsed. width: the header line's fields. skip: the lines above the header.
    body = owned.pop()
    cells = _split_fast(body, offset, width, sep)
    if cells is None:
        if offset:
            body = body[offset:]
        try:
            cells = pd.read_csv(
                io.BytesIO(body), sep=sep, header=None, dtype="str", keep_default_na=False, na_filter=False,
                skip_blank_lines=True, skipinitialspace=True, quotechar='"', engine="c", encoding="utf-8",
                encoding_errors="surrogatepass",
            )
        except pd.errors.EmptyDataError:
            raise DataError(f"file '{path}' has no columns; it needs a header row and data rows") from None
        except pd.errors.ParserError:
            header, rows = _split_slowly(body.decode("utf-8", "surrogatepass"), sep, skip, path)
            cells = pd.DataFrame([header, *rows], columns=range(len(header)), dtype="str")
    del body
    header = [str(v) for v in cells.iloc[0].tolist()] if len(cells) else []
    for column in cells.columns:  # one column at a time: the unstripped one is let go at once
        cells[column] = strip_text(cells[column])
    filled = (cells != "").any(axis=1).to_numpy()[1:]  # below the header row
    cells = cells.iloc[1:] if filled.all() else cells.iloc[1:][filled]
    return make_table(header, cells.reset_index(drop=True), path)


def _split_fast(body: bytes, offset: int, width: int, sep: str) -> pd.DataFrame | None:
    """Arrow's multi-threaded CSV parser, for the plain files it reads exactly as pandas would.

    Only bytes without quotes or NUL characters, separated by anything but a space,
    every row as wide as the header:
    fields are then the text between separators, whose spaces the caller strips
    (pandas' ``skipinitialspace`` only differs from that around quotes). Anything
    else (``None``) goes to pandas, which reports ragged rows and reads quotes.
    Arrow holds the text in one buffer per column, not an object per cell.
    """
    if width < 1 or sep == " " or body.find(b'"', offset) >= 0 or body.find(b"\x00", offset) >= 0:
        return None  # (with a space separator, pandas' skipinitialspace merges runs of spaces)
    import pyarrow as pa
    from pyarrow import csv as arrow_csv

    names = [str(k) for k in range(width)]
    try:
        table = arrow_csv.read_csv(
            pa.BufferReader(pa.py_buffer(body).slice(offset)),
            read_options=arrow_csv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=arrow_csv.ParseOptions(delimiter=sep, quote_char=False),
            convert_options=arrow_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.large_string())),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    text = pd.StringDtype("pyarrow", na_value=np.nan)
    frame = table.to_pandas(types_mapper={pa.large_string(): text}.get)
    del table
    frame.columns = range(width)
    return frame


def _split_slowly(body: str, sep: str, skip: int, path: Path) -> tuple[list[str], list[list[str]]]:
    # Python's csv module, row by row: names the row with too many fields, and
    # forgives trailing empty ones.
    reader = csv.reader(io.StringIO(body), delimiter=sep, quotechar='"', skipinitialspace=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    number = 0
    try:
        for row in reader:
            if not any(field.strip() for field in row):
                continue
            if header is None:
                header = row
                continue
            number += 1
            if len(row) > len(header):
                if any(field.strip() for field in row[len(header) :]):
                    raise _too_many(path, number, skip + reader.line_num, row, header, sep)
                row = row[: len(header)]
            rows.append(row + [""] * (len(header) - len(row)))
    except csv.Error as error:
        raise DataError(
            f"cannot read '{path}' as CSV near line {skip + reader.line_num}: {error}; check the quotes on that line"
        ) from None
    if header is None:
        raise DataError(f"file '{path}' has no columns; it needs a header row and data rows")
    return header, rows


def _too_many(path: Path, row: int, line: int, fields: list[str], header: list[str], sep: str) -> DataError:
    shown = sep.join(fields)
    hint = f"remove the extra fields, or quote values that contain {separator_name(sep)}s"
    extra = len(fields) - len(header)
    digits = [f.strip().isdigit() for f in fields[1:]]
    if sep == "," and digits and all(digits):
        hint = (
            "the numbers seem to use a decimal comma, which clashes with the comma separator: save the file with "
            f"';' separators (then pass {option('sep', ';')} if needed) or put quotes around the numbers"
        )
    return DataError(
        f"file '{path}', row {row} (line {line}) has {len(fields)} fields but the header has {len(header)} "
        f"({quote_list(header)}): {shown!r} has {extra} more; {hint}"
    )


def make_table(header: list[object], cells: pd.DataFrame, path: Path | str) -> pd.DataFrame:
    """A table from a header row and data cells: names cleaned and checked.

    Empty names become ``Unnamed: k`` (0-based position, as pandas names them);
    unnamed columns with no values are dropped.

    Args:
        header: the header cells.
        cells: the data, one column per header cell (by position).
        path: the file, for messages.

    Raises:
        DataError: the header is a row of data, the times run across the columns,
            or two columns share a name.
    """
    names = [_name(value, k) for k, value in enumerate(header)]
    frame = cells.copy(deep=False)
    frame.columns = range(len(names))
    keep = [k for k, name in enumerate(names) if not (name.startswith("Unnamed: ") and _empty(frame[k]))]
    names = [names[k] for k in keep]
    frame = frame[keep]
    frame.columns = names
    _check_header(names, path)
    return frame


def _empty(column: pd.Series) -> bool:
    if pd.api.types.is_string_dtype(column) and column.dtype != object:
        return bool((column.isna() | (column.str.strip() == "")).all())
    return bool(column.map(_blank).all())


def _blank(value: object) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, float) and np.isnan(value))


def _name(value: object, position: int) -> str:
    if _blank(value):
        return f"Unnamed: {position}"
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value).strip()


def _check_header(names: list[str], path: Path | str) -> None:
    dated = [name for name in names if looks_like_time(name)]
    if len(dated) >= 2:
        raise DataError(
            f"file '{path}': the header holds times ({quote_list(dated, 3)}), so the times run across the columns; "
            "put one time per row (one column of times, one column per series), e.g. with DataFrame.T or melt"
        )
    real = [name for name in names if not name.startswith("Unnamed: ")]
    if dated and all(name in dated or any(fmt.matches(name) for fmt in CANDIDATES) for name in real):
        raise DataError(
            f"file '{path}': the first line ({quote_list(names, 6)}) looks like data, not column names; add a "
            "header line that names the columns (such as time,value)"
        )
    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        if name in seen:
            raise DataError(
                f"file '{path}': the header names column {name!r} twice (columns {seen[name] + 1} and "
                f"{position + 1}); rename one of them"
            )
        seen[name] = position
