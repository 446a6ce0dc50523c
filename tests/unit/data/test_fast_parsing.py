"""Arrow's CSV and number parsers, used for large plain files, read exactly what pandas reads.

Each fast path either gives pandas' own result (the reference below is the pandas
call the reader falls back to) or declines, so that pandas reads the file.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from grucast.data.delimited import _split_fast, read_delimited
from grucast.data import arrow_text
from grucast.data.arrow_text import has_surrounding_space
from grucast.data.numbers import _decimal_numbers, distinct_sample, strip_text, text_samples


def pandas_cells(body: bytes, sep: str) -> pd.DataFrame:
    """The reader's fallback: pandas' C parser, every field as text, fields stripped."""
    frame = pd.read_csv(
        io.BytesIO(body), sep=sep, header=None, dtype="str", keep_default_na=False, na_filter=False,
        skip_blank_lines=True, skipinitialspace=True, quotechar='"', engine="c",
    )
    return frame.apply(lambda column: column.str.strip())


PLAIN = [
    (b"id,date,y\na,2024-01-01,1.5\nb,2024-01-02,-2\n", ","),
    (b"id;date;y\r\na; 2024-01-01 ;1,5\r\nb;2024-01-02;  \r\n", ";"),  # CRLF, spaces, an empty field
    (b"id\tdate\ty\ra\t2024-01-01\t1\rb\t2024-01-02\t2\r", "\t"),  # old Mac line ends
    (b"id,y\na,1\n\nb,2\n\n", ","),  # blank lines
    ("id,ville,y\nx,Z\u00fcrich,1\ny,S\u00e3o Paulo,2\n".encode(), ","),  # UTF-8 letters
    (b"id,y\nNA,nan\n,\n", ","),  # missing markers stay text here
]


@pytest.mark.parametrize(("body", "sep"), PLAIN)
def test_arrow_reads_plain_files_cell_for_cell_as_pandas(body: bytes, sep: str) -> None:
    fast = _split_fast(body, 0, len(body.splitlines()[0].split(sep.encode())), sep)
    assert fast is not None
    fast = fast.apply(lambda column: column.str.strip())
    reference = pandas_cells(body, sep)
    assert fast.to_numpy().tolist() == reference.to_numpy().tolist()


DECLINED = [
    b'id,y\na,"1,5"\n',  # quotes: pandas reads them
    b"id,y\na,1,\n",  # a trailing field: pandas reports or forgives it
    b"id,y\na\n",  # a short row
    b"id,y\na,1\n   \nb,2\n",  # a line of spaces
    b"id,y\na,\x001\n",  # a NUL byte
    b"id,y\na,\xff\n",  # not UTF-8
]


@pytest.mark.parametrize("body", DECLINED)
def test_arrow_declines_what_only_pandas_reads_right(body: bytes) -> None:
    assert _split_fast(body, 0, 2, ",") is None


def test_a_space_separator_is_left_to_pandas() -> None:
    body = b"id y\na  1\nb 2\n"  # pandas reads "a  1" as two fields
    assert _split_fast(body, 0, 2, " ") is None
    assert pandas_cells(body, " ").to_numpy().tolist() == [["id", "y"], ["a", "1"], ["b", "2"]]


def test_the_header_offset_is_respected(tmp_path) -> None:
    path = tmp_path / "titled.csv"
    path.write_bytes(b"Sales report\nsep=,\nid,y\na,1\nb,2\n")
    table = read_delimited(path)
    assert table.frame.columns.tolist() == ["id", "y"]
    assert table.frame.to_numpy().tolist() == [["a", "1"], ["b", "2"]]
    quoted = tmp_path / "quoted.csv"
    quoted.write_bytes(b'Sales report\nid,y\n"a, b",1\nc,2\n')
    assert read_delimited(quoted).frame.to_numpy().tolist() == [["a, b", "1"], ["c", "2"]]


TOKENS = ["1e5", "1E-3", "+3", ".5", "5.", "inf", "-Infinity", "0.1", "1e400", "1e-400", "00012", "+.5e+3",
          "0.30000000000000004", "9007199254740993", "123456789012345678901234567890"]


def test_arrow_numbers_equal_pandas_numbers() -> None:
    text = pd.Series(TOKENS, dtype="str")
    expected = pd.to_numeric(text).to_numpy(dtype=np.float64)
    np.testing.assert_array_equal(_decimal_numbers(text), expected)


@pytest.mark.parametrize("bad", ["0x10", "1_000", " 1", "1,5", "1d5", "--1", "", "\u0663"])
def test_a_string_arrow_cannot_read_goes_to_pandas(bad: str) -> None:
    text = pd.Series(["1.5", bad], dtype="str")
    expected = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    np.testing.assert_array_equal(_decimal_numbers(text), expected)


def test_strip_text_keeps_the_column_when_nothing_changes() -> None:
    clean = pd.Series(["a", "b", None], dtype="str")
    assert strip_text(clean) is clean
    padded = pd.Series([" a", "b ", None], dtype="str")
    assert strip_text(padded).tolist()[:2] == ["a", "b"]


def test_surrounding_space_from_the_buffers_equals_strip(monkeypatch: pytest.MonkeyPatch) -> None:
    """Random cells of ASCII and Unicode spaces, control characters, accents, empties and
    nulls, in sliced columns and blocks of 3 cells: the edge-byte check and the exact
    check on its suspects agree with pandas' strip every time, asked once or twice."""
    import pyarrow as pa

    monkeypatch.setattr(arrow_text, "_BLOCK", 3)
    rng = np.random.default_rng(0)
    alphabet = ["a", "1", " ", "\t", "\u00a0", "\u00e9", "\u2003", "\x1c", "\n", ""]
    found = {True: 0, False: 0}
    for _ in range(300):
        cells = [
            "".join(rng.choice(alphabet, rng.integers(0, 5))) if rng.random() > 0.1 else None
            for _ in range(rng.integers(0, 10))
        ]
        for dtype in ("str", pd.ArrowDtype(pa.large_string())):
            column = pd.Series(cells, dtype=dtype).iloc[1:]
            present = column.dropna()
            expected = bool((present.str.strip() != present).any())
            assert has_surrounding_space(column) is expected
            assert has_surrounding_space(column) is expected  # the remembered answer
            found[expected] += 1
    assert min(found.values()) > 50


def test_strip_text_strips_once_and_remembers() -> None:
    padded = pd.Series([" a", "b\u00a0", "c"] * 3, dtype="str")
    stripped = strip_text(padded)
    assert stripped.tolist() == ["a", "b", "c"] * 3
    assert strip_text(stripped) is stripped


def test_distinct_sample_reads_each_end_as_far_as_it_needs() -> None:
    few = pd.Series([str(i % 7) for i in range(100)], dtype="str")
    assert distinct_sample(few) == [str(i) for i in range(7)]
    many = pd.Series([str(i) for i in range(10_000)], dtype="str")
    assert distinct_sample(many, limit=6) == ["0", "1", "2", "9997", "9998", "9999"]
    runs = pd.Series([f"n{i // 3}" for i in range(30)] + ["x"] * 5, dtype="str")
    assert distinct_sample(runs, limit=4) == ["n0", "n1", "n9", "x"]  # the tail's last two, in file order
    whole = pd.Series(["a", "b", "a", "c", "d", "e"], dtype="str")  # all read: the first and last of the distinct
    assert distinct_sample(whole, limit=4) == ["a", "b", "d", "e"]


def test_text_samples_are_stripped_distinct_and_unit_free() -> None:
    frame = pd.DataFrame({"y": [" 1.5 %", "2 %", "NA", "1.5%", "\u22123 %"]}, dtype="str")
    assert text_samples(frame, ["y"], ()) == {"y": ["1.5", "2", "-3"]}
