"""Hostile files (issue 11): each shape a new user brings is read right, or refused with a fix.

One table, one test. A case is a file (text, bytes, or a builder for Excel and
Parquet), the reader's arguments, and the exact outcome: the series, their values,
frequency, first and last times, the output times of the two forecast steps after
the end, the notes; or the fragments of the error message.
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grucast.data import DataError, DataWarning, from_dataframe, read_series


@dataclass(frozen=True)
class Read:
    """The file reads as these series (values in order), on this grid."""

    values: dict[str, list[float]]
    freq: str
    start: str
    end: str
    future: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    zone: str | None = None
    known: list[float] | None = None


@dataclass(frozen=True)
class Refused:
    """The file is refused with a message holding these fragments."""

    fragments: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    name: str
    file: str | bytes | Callable[[Path], None] | pd.DataFrame
    expect: Read | Refused
    args: dict = field(default_factory=dict)
    suffix: str = ".csv"


def csv(header: str, rows: list[str], newline: str = "\n") -> str:
    return newline.join([header, *rows]) + newline


def dated(fmt: str, times: pd.DatetimeIndex, values, sep: str = ",", header: str = "t,v") -> str:
    return csv(header, [f"{t.strftime(fmt)}{sep}{v}" for t, v in zip(times, values)])


def frame_file(frame: pd.DataFrame, kind: str) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        if kind == "parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_excel(path, index=False)

    return build


def workbook(rows: list[list[object]]) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        for row in rows:
            sheet.append(row)
        book.save(path)

    return build


def gzipped(text: str) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(gzip.compress(text.encode("utf-8")))

    return build


TV = {"time_col": "t", "target": "v"}
DAYS_3 = ["2024-01-01", "2024-01-02", "2024-01-03"]
DAYS_3_ROWS = ["2024-01-01,1", "2024-01-02,2", "2024-01-03,3"]
PARIS_SPRING = pd.date_range("2024-03-31 00:00", periods=5, freq="h", tz="Europe/Paris")
PARIS_AUTUMN = pd.date_range("2024-10-27 00:00", periods=5, freq="h", tz="Europe/Paris")
PARIS_DAYS = pd.date_range("2024-03-28", periods=6, freq="D", tz="Europe/Paris")
DAYFIRST_MONTHS = pd.date_range("2005-01-01", periods=36, freq="MS")


# --------------------------------------------------------------------- CSV dialects

DIALECTS = [
    Case(
        "decimal comma in a comma-separated file",
        csv("time,meter_kwh", ["2024-01-01 00:00:00,1000,47", "2024-01-01 01:00:00,1001,12"]),
        Refused((
            "row 1 (line 2) has 3 fields but the header has 2 ('time', 'meter_kwh'): '2024-01-01 00:00:00,1000,47' "
            "has 1 more; the numbers seem to use a decimal comma, which clashes with the comma separator",
        )),
        {"time_col": "time", "target": "meter_kwh"},
    ),
    Case(
        "European Excel export: semicolons, dotted day-first dates, decimal commas",
        csv("Zeit;Verbrauch", ["01.01.2024 00:00;10,038", "01.01.2024 01:00;10,041", "01.01.2024 02:00;9,5"]),
        Read({"Verbrauch": [10.038, 10.041, 9.5]}, "h", "2024-01-01T00:00", "2024-01-01T02:00",
             ("2024-01-01 03:00:00", "2024-01-01 04:00:00")),
        {"time_col": "Zeit", "target": "Verbrauch"},
    ),
    Case(
        "European export where every value has three decimals (ambiguous, resolved by the separator)",
        csv("Zeit;Verbrauch", ["13.01.2024;10,038", "14.01.2024;10,041", "15.01.2024;10,050"]),
        Read({"Verbrauch": [10.038, 10.041, 10.05]}, "D", "2024-01-13", "2024-01-15",
             notes=("column 'Verbrauch': read numbers like '10,038' as 10.038 (decimal ',' and no thousands "
                    "separator, usual in ';'-separated files); if they mean 10038, pass decimal='.', thousands=','",)),
        {"time_col": "Zeit", "target": "Verbrauch"},
    ),
    Case(
        "European thousands dots with decimal commas",
        csv("t;v", ["2024-01-01;10.038,00", "2024-01-02;10.041,50", "2024-01-03;1.250.000,25"]),
        Read({"v": [10038.0, 10041.5, 1250000.25]}, "D", "2024-01-01", "2024-01-03"),
        TV,
    ),
    Case(
        "quoted English thousands separators",
        csv("t,v", ['2024-01-01,"10,038.0"', '2024-01-02,"10,041.5"', "2024-01-03,999.25"]),
        Read({"v": [10038.0, 10041.5, 999.25]}, "D", "2024-01-01", "2024-01-03"),
        TV,
    ),
    Case(
        "quoted thousands without decimals in a comma file (ambiguous, resolved by the separator)",
        csv("t,v", ['2024-01-01,"1,234"', '2024-01-02,"2,001"', '2024-01-03,"1,500"']),
        Read({"v": [1234.0, 2001.0, 1500.0]}, "D", "2024-01-01", "2024-01-03",
             notes=("column 'v': read numbers like '1,234' as 1234 (decimal '.' and thousands ',', usual in "
                    "','-separated files); if they mean 1.234, pass decimal=',', thousands=''",)),
        TV,
    ),
    Case(
        "three decimals everywhere in a comma file: the plain reading, no note",
        csv("t,v", ["2024-01-01,100.629", "2024-01-02,101.250", "2024-01-03,99.875"]),
        Read({"v": [100.629, 101.25, 99.875]}, "D", "2024-01-01", "2024-01-03"),
        TV,
    ),
    Case(
        "French spaces as thousands separators",
        csv("t;v", ["2024-01-01;1 234,5", "2024-01-02;2\u00a0001,0", "2024-01-03;999,9"]),
        Read({"v": [1234.5, 2001.0, 999.9]}, "D", "2024-01-01", "2024-01-03"),
        TV,
    ),
    Case(
        "Swiss apostrophes as thousands separators",
        csv("t;v", ["2024-01-01;1'234.50", "2024-01-02;12'001.00", "2024-01-03;999.99"]),
        Read({"v": [1234.5, 12001.0, 999.99]}, "D", "2024-01-01", "2024-01-03"),
        TV,
    ),
    Case(
        "semicolon file whose numbers are all d.ddd (thousands or decimals?)",
        csv("t;v", ["2024-01-01;1.234", "2024-01-02;2.345", "2024-01-03;3.456"]),
        Refused(("column 'v': numbers like '1.234' read as 1234 (decimal ',' and thousands '.') or 1.234 (decimal "
                 "'.' and no thousands separator), and nothing in the file tells which; pass decimal=',', "
                 "thousands='.' or decimal='.', thousands=''",)),
        TV,
    ),
    Case(
        "tab file whose numbers are all d,ddd",
        csv("t\tv", ["2024-01-01\t1,234", "2024-01-02\t2,001"]),
        Refused(("numbers like '1,234' read as 1234 (decimal '.' and thousands ',') or 1.234 (decimal ',' and no "
                 "thousands separator), and nothing in the file tells which",)),
        TV,
        ".txt",
    ),
    Case(
        "ambiguous numbers settled by the user",
        csv("t\tv", ["2024-01-01\t1,234", "2024-01-02\t2,001"]),
        Read({"v": [1.234, 2.001]}, "D", "2024-01-01", "2024-01-02"),
        {**TV, "decimal": ","},
        ".txt",
    ),
    Case(
        "decimal=',' given for a file written with points",
        csv("t;v", ["2024-01-01;1.5", "2024-01-02;2.5"]),
        Refused(("column 'v' has a non-numeric value '1.5' at row 1; the numbers are read with decimal ',' and no "
                 "thousands separator; if this one is right, pass decimal='.', thousands=''",)),
        {**TV, "decimal": ","},
    ),
    Case(
        "semicolons with decimal points",
        csv("t;v", ["2024-01-01;1.5", "2024-01-02;0.125", "2024-01-03;-2.75"]),
        Read({"v": [1.5, 0.125, -2.75]}, "D", "2024-01-01", "2024-01-03"),
        TV,
    ),
    Case(
        "tab-separated .tsv",
        csv("t\tv", ["2024-01-01\t1", "2024-01-02\t2", "2024-01-03\t4"]),
        Read({"v": [1.0, 2.0, 4.0]}, "D", "2024-01-01", "2024-01-03"),
        TV,
        ".tsv",
    ),
    Case(
        "pipe-separated",
        csv("t|v|note", ["2024-01-01|1|a", "2024-01-02|2|b", "2024-01-03|4|c"]),
        Read({"v": [1.0, 2.0, 4.0]}, "D", "2024-01-01", "2024-01-03"),
        TV,
    ),
    Case(
        "a row with one field too many",
        csv("t,v", ["2024-01-01,1", "2024-01-02,2,oops", "2024-01-03,3"]),
        Refused(("row 2 (line 3) has 3 fields but the header has 2 ('t', 'v'): '2024-01-02,2,oops' has 1 more; "
                 "remove the extra fields, or quote values that contain commas",)),
        TV,
    ),
    Case(
        "a semicolon file whose header has a comma in a name",
        csv("Datum;Wert, kWh", ["01.01.2024;10,5", "02.01.2024;11,25", "03.01.2024;9,75"]),
        Read({"Wert, kWh": [10.5, 11.25, 9.75]}, "D", "2024-01-01", "2024-01-03"),
        {"time_col": "Datum", "target": "Wert, kWh"},
    ),
    Case(
        "every row ends in a separator the header lacks",
        csv("t,v", ["2024-01-01,1,", "2024-01-02,2,", "2024-01-03,3,"]),
        Read({"v": [1.0, 2.0, 3.0]}, "D", "2024-01-01", "2024-01-03"),
        TV,
    ),
    Case(
        "rows ending in empty fields the header lacks",
        csv("t,v", ["2024-01-01,1,", "2024-01-02,2,,", "2024-01-03,3"]),
        Read({"v": [1.0, 2.0, 3.0]}, "D", "2024-01-01", "2024-01-03"),
        TV,
    ),
    Case(
        "Excel's sep= line names the separator",
        "sep=;\n" + csv("t;v", ["2024-01-01;1,5", "2024-01-02;2,5"]),
        Read({"v": [1.5, 2.5]}, "D", "2024-01-01", "2024-01-02"),
        TV,
    ),
    Case(
        "separator given by the user",
        csv("t;v", ["2024-01-01;1,5", "2024-01-02;2,5"]),
        Read({"v": [1.5, 2.5]}, "D", "2024-01-01", "2024-01-02"),
        {**TV, "sep": ";", "decimal": ","},
    ),
]

# --------------------------------------------------------------------- encodings

ENCODINGS = [
    Case(
        "UTF-8 with a byte-order mark",
        ("\ufeff" + csv("time,v", DAYS_3_ROWS)).encode("utf-8"),
        Read({"v": [1.0, 2.0, 3.0]}, "D", "2024-01-01", "2024-01-03"),
        {"time_col": "time", "target": "v"},
    ),
    Case(
        "Excel 'Unicode text': UTF-16 LE with a BOM, tabs, CRLF, decimal commas",
        csv("Datum\tTempérature", ["01.01.2024\t1,5", "02.01.2024\t2,5", "03.01.2024\t-0,5"], "\r\n").encode("utf-16"),
        Read({"Température": [1.5, 2.5, -0.5]}, "D", "2024-01-01", "2024-01-03"),
        {"time_col": "Datum", "target": "Température"},
        ".txt",
    ),
    Case(
        "UTF-16 big-endian with a BOM",
        b"\xfe\xff" + csv("t,v", ["2024-01-01,1", "2024-01-02,2"]).encode("utf-16-be"),
        Read({"v": [1.0, 2.0]}, "D", "2024-01-01", "2024-01-02"),
        TV,
    ),
    Case(
        "UTF-16 LE without a BOM",
        csv("t,v", ["2024-01-01,1", "2024-01-02,2"]).encode("utf-16-le"),
        Read({"v": [1.0, 2.0]}, "D", "2024-01-01", "2024-01-02"),
        TV,
    ),
    Case(
        "Windows-1252 text, detected",
        csv("zeit;wärme €", ["2024-01-01;1", "2024-01-02;2"]).encode("cp1252"),
        Read({"wärme €": [1.0, 2.0]}, "D", "2024-01-01", "2024-01-02",
             notes=("is not UTF-8 (byte 0xe4 at byte 6); read it as Windows-1252 (Western European), where that "
                    "byte is 'ä'; if letters look wrong, pass the file's real encoding, e.g. encoding='cp1251'",)),
        {"time_col": "zeit", "target": "wärme €"},
    ),
    Case(
        "Latin-1 text with the encoding given",
        csv("t;débit", ["2024-01-01;1", "2024-01-02;2"]).encode("latin-1"),
        Read({"débit": [1.0, 2.0]}, "D", "2024-01-01", "2024-01-02"),
        {"time_col": "t", "target": "débit", "encoding": "latin-1"},
    ),
    Case(
        "the wrong encoding given",
        csv("t;débit", ["2024-01-01;1"]).encode("latin-1"),
        Refused(("is not valid utf-8 text (invalid continuation byte at byte 3); pass the file's real encoding, e.g. "
                 "encoding='cp1252', or leave it out to detect it",)),
        {"time_col": "t", "target": "débit", "encoding": "utf-8"},
    ),
    Case(
        "an encoding Python does not know",
        csv("t,v", ["2024-01-01,1"]).encode("utf-8"),
        Refused(("unknown encoding 'utf-17'; use a Python codec name such as 'utf-8', 'cp1252', 'latin-1' or "
                 "'utf-16'",)),
        {**TV, "encoding": "utf-17"},
    ),
    Case(
        "gzip-compressed CSV",
        gzipped(csv("t,v", ["2024-01-01,1", "2024-01-02,2"])),
        Read({"v": [1.0, 2.0]}, "D", "2024-01-01", "2024-01-02"),
        TV,
        ".csv.gz",
    ),
]

# --------------------------------------------------------------------- timestamps

TIMESTAMPS = [
    Case(
        "day-first monthly dates (the 3,179-missing-days bug)",
        dated("%d/%m/%Y", DAYFIRST_MONTHS, range(36)),
        Read({"v": [float(k) for k in range(36)]}, "MS", "2005-01-01", "2007-12-01",
             ("2008-01-01 00:00:00", "2008-02-01 00:00:00"),
             notes=("time column 't': dates such as '01/02/2005' can be day-first (1 February 2005) or month-first "
                    "(2 January 2005); read them day-first, the reading that puts the data on a regular grid (0 "
                    "irregular times against 706 month-first); if that is wrong, pass dayfirst=False",)),
        TV,
    ),
    Case(
        "month-first dates settled by a day above 12",
        csv("t,v", ["01/12/2024,1", "01/13/2024,2", "01/14/2024,3"]),
        Read({"v": [1.0, 2.0, 3.0]}, "D", "2024-01-12", "2024-01-14",
             notes=("time column 't': read dates month-first ('01/13/2024' at row 2 cannot be day-first)",)),
        TV,
    ),
    Case(
        "day-first dates and times, settled by a day above 12",
        csv("t,v", ["31/12/2023 22:00,1", "31/12/2023 23:00,2", "01/01/2024 00:00,3"]),
        Read({"v": [1.0, 2.0, 3.0]}, "h", "2023-12-31T22:00", "2024-01-01T00:00",
             notes=("time column 't': read dates day-first ('31/12/2023 22:00' at row 1 cannot be month-first)",)),
        TV,
    ),
    Case(
        "twelve dates that are regular both ways",
        csv("t,v", [f"01/{m:02d}/2024,{m}" for m in range(1, 13)]),
        Refused(("time column 't': dates such as '01/02/2024' can be day-first (1 February 2024) or month-first (2 "
                 "January 2024), and both readings are equally regular; pass dayfirst=True or dayfirst=False",)),
        TV,
    ),
    Case(
        "the same dates with dayfirst=True",
        csv("t,v", [f"01/{m:02d}/2024,{m}" for m in range(1, 13)]),
        Read({"v": [float(m) for m in range(1, 13)]}, "MS", "2024-01-01", "2024-12-01",
             ("2025-01-01 00:00:00", "2025-02-01 00:00:00")),
        {**TV, "dayfirst": True},
    ),
    Case(
        "the same dates with dayfirst=False",
        csv("t,v", [f"01/{m:02d}/2024,{m}" for m in range(1, 13)]),
        Read({"v": [float(m) for m in range(1, 13)]}, "D", "2024-01-01", "2024-01-12"),
        {**TV, "dayfirst": False},
    ),
    Case(
        "dayfirst=True for month-first data",
        csv("t,v", ["01/12/2024,1", "01/13/2024,2"]),
        Refused(("time value '01/13/2024' in column 't' at row 2 is not a date (read day first: year 2024, month 13, "
                 "day 1); fix it, or pass dayfirst=False",)),
        {**TV, "dayfirst": True},
    ),
    Case(
        "dates that are day-first in one row and month-first in another",
        csv("t,v", ["13/01/2024,1", "01/14/2024,2"]),
        Refused(("time column 't' has dates that are only day-first ('13/01/2024' at row 1) and dates that are only "
                 "month-first ('01/14/2024' at row 2); write every date the same way",)),
        TV,
    ),
    Case(
        "an explicit strftime format",
        csv("t,v", ["2024|03|01 10h,1", "2024|03|01 11h,2"]),
        Read({"v": [1.0, 2.0]}, "h", "2024-03-01T10:00", "2024-03-01T11:00"),
        {**TV, "time_format": "%Y|%m|%d %Hh"},
    ),
    Case(
        "a format that does not fit one value",
        csv("t,v", ["01.03.2024,1", "2024-03-02,2"]),
        Refused(("cannot parse time value '2024-03-02' in column 't' at row 2; check time_format='%d.%m.%Y'",)),
        {**TV, "time_format": "%d.%m.%Y"},
    ),
    Case(
        "two formats in one column",
        csv("t,v", ["2024-01-01,1", "2024-01-02,2", "01/03/2024,3"]),
        Refused(("time column 't' mixes formats: '2024-01-01' at row 1 and '01/03/2024' at row 3; write every time "
                 "the same way, or pass time_format",)),
        TV,
    ),
    Case(
        "ISO dates with the time left out at midnight (Excel's habit)",
        csv("t,v", ["2024-01-01 22:00,1", "2024-01-01 23:00,2", "2024-01-02,3", "2024-01-02 01:00,4"]),
        Read({"v": [1.0, 2.0, 3.0, 4.0]}, "h", "2024-01-01T22:00", "2024-01-02T01:00"),
        TV,
    ),
    Case(
        "two-digit years",
        csv("t,v", ["01/11/98,1", "01/12/98,2", "01/01/99,3", "01/02/99,4"]),
        Read({"v": [1.0, 2.0, 3.0, 4.0]}, "MS", "1998-11-01", "1999-02-01",
             notes=("time column 't' has two-digit years; read them as 1998-1999 (00-68 are 2000-2068, 69-99 are "
                    "1969-1999)",
                    "read them day-first, the reading that puts the data on a regular grid")),
        TV,
    ),
    Case(
        "two-digit years that straddle the century guess",
        csv("t,v", [f"01/01/{y:02d},{y}" for y in range(60, 76)]),
        Refused(("time column 't' has two-digit years that read as both 1969 and 2068 (00-68 are 2000-2068, 69-99 are "
                 "1969-1999) with a long hole between; write four-digit years",)),
        TV,
    ),
    Case(
        "midnight written as 24:00 of the day before",
        csv("t;v", ["01.01.2024 23:00;1", "01.01.2024 24:00;2", "02.01.2024 01:00;3"]),
        Read({"v": [1.0, 2.0, 3.0]}, "h", "2024-01-01T23:00", "2024-01-02T01:00",
             notes=("time column 't' writes midnight as 24:00 of the day before ('01.01.2024 24:00' at row 2); read "
                    "it as 00:00 of the next day",)),
        TV,
    ),
    Case(
        "12-hour clock with AM and PM",
        csv("t,v", ["1/2/2024 10:00 PM,1", "1/2/2024 11:00 PM,2", "1/3/2024 12:00 AM,3", "1/3/2024 1:00 AM,4"]),
        Read({"v": [1.0, 2.0, 3.0, 4.0]}, "h", "2024-01-02T22:00", "2024-01-03T01:00",
             notes=("dates such as '1/2/2024 10:00 PM' can be day-first (1 February 2024) or month-first (2 January "
                    "2024); read them month-first, the reading that puts the data on a regular grid",)),
        TV,
    ),
    Case(
        "date and time of day in two columns",
        csv("Date;Time;Global_active_power", ["16/12/2006;17:24:00;4,216", "16/12/2006;17:25:00;5,360"]),
        Refused(("column 'Date' holds dates only, and they repeat (rows 1 and 2: 16/12/2006); the time of day seems to "
                 "be in column 'Time': pass time_col=['Date', 'Time']",)),
        {"time_col": "Date", "target": "Global_active_power"},
    ),
    Case(
        "date and time of day in two columns, both named",
        csv("Date;Time;Global_active_power", ["16/12/2006;17:24:00;4,216", "16/12/2006;17:25:00;5,360",
                                              "16/12/2006;17:26:00;?"]),
        Read({"Global_active_power": [4.216, 5.36]}, "min", "2006-12-16T17:24", "2006-12-16T17:25",
             notes=("column 'Global_active_power': read numbers like '4,216' as 4.216",
                    "time column 'Date + Time': read dates day-first ('16/12/2006 17:24:00' at row 1 cannot be "
                    "month-first)",
                    "dropped 0 leading and 1 trailing row(s) with missing values")),
        {"time_col": ["Date", "Time"], "target": "Global_active_power", "na_values": ["?"], "missing": "interpolate"},
    ),
    Case(
        "Unix seconds",
        csv("t,v", [f"{1704067200 + 3600 * k},{k}" for k in range(4)]),
        Read({"v": [0.0, 1.0, 2.0, 3.0]}, "h", "2024-01-01T00:00", "2024-01-01T03:00",
             ("2024-01-01 04:00:00+00:00", "2024-01-01 05:00:00+00:00"),
             notes=("time column 't' holds numbers such as 1704067200 that read as Unix times in seconds (2024-01-01 "
                    "UTC); converted them to UTC times; if they are step numbers, pass time_format='step'",),
             zone="UTC"),
        TV,
    ),
    Case(
        "Unix milliseconds",
        csv("t,v", [f"{1704067200000 + 900_000 * k},{k}" for k in range(4)]),
        Read({"v": [0.0, 1.0, 2.0, 3.0]}, "15min", "2024-01-01T00:00", "2024-01-01T00:45",
             notes=("Unix times in milliseconds (2024-01-01 UTC)",), zone="UTC"),
        TV,
    ),
    Case(
        "Unix seconds kept as steps on request",
        csv("t,v", [f"{1704067200 + 3600 * k},{k}" for k in range(4)]),
        Read({"v": [0.0, 1.0, 2.0, 3.0]}, "step", "1704067200", "1704078000", ("1704081600", "1704085200")),
        {**TV, "time_format": "step"},
    ),
    Case(
        "whole numbers that could be Excel date serials stay steps, with a note",
        csv("t,v", ["45292,1", "45293,2", "45294,3"]),
        Read({"v": [1.0, 2.0, 3.0]}, "step", "45292", "45294", ("45295", "45296"),
             notes=("time column 't' holds whole numbers such as 45292, read as steps; they could be Excel date "
                    "serials (45292 is 2024-01-01); if so, pass time_format='excel'",)),
        TV,
    ),
    Case(
        "Excel date serials with times of day",
        csv("t,v", ["45292.5,1", "45292.75,2", "45293,3"]),
        Read({"v": [1.0, 2.0, 3.0]}, "6h", "2024-01-01T12:00", "2024-01-02T00:00"),
        {**TV, "time_format": "excel"},
    ),
    Case(
        "Excel date serials with times of day, not named",
        csv("t,v", ["45292.5,1", "45292.75,2", "45293,3"]),
        Refused(("time column 't' holds numbers, and 45292.5 at row 1 is not a whole step; if they are Excel date "
                 "serials, pass time_format='excel'",)),
        TV,
    ),
    Case(
        "dates written as digits (YYYYMMDD)",
        csv("day,v", ["20240130,5", "20240131,6", "20240201,8"]),
        Read({"v": [5.0, 6.0, 8.0]}, "D", "2024-01-30", "2024-02-01",
             notes=("time column 'day' holds numbers such as 20240130 that read as dates written as digits (YYYYMMDD: "
                    "2024-01-30); converted them; if they are step numbers, pass time_format='step'",)),
        {"time_col": "day", "target": "v"},
    ),
    Case(
        "an integer step index",
        csv("time,v", ["1,5", "2,6", "3,8", "4,7"]),
        Read({"v": [5.0, 6.0, 8.0, 7.0]}, "step", "1", "4", ("5", "6")),
        {"time_col": "time", "target": "v"},
    ),
    Case(
        "years as whole numbers stay steps",
        csv("year,v", ["2001,5", "2002,6", "2003,8"]),
        Read({"v": [5.0, 6.0, 8.0]}, "step", "2001", "2003", ("2004", "2005")),
        {"time_col": "year", "target": "v"},
    ),
    Case(
        "a date that does not exist",
        csv("t,v", ["30/01/2024,1", "31/02/2024,2"]),
        Refused(("time value '31/02/2024' in column 't' at row 2 is not a date, read day-first or month-first; fix it "
                 "in the file",)),
        TV,
    ),
    Case(
        "a time that is not one",
        csv("t,v", ["2024-01-01,1", "yesterday,2"]),
        Refused(("cannot parse time value 'yesterday' in column 't' at row 2; write times as ISO 8601 (2024-01-31 "
                 "13:00:00) or pass time_format",)),
        TV,
    ),
    Case(
        "dates with month names",
        csv("t,v", ["5 Jan 2024,1", "6 Jan 2024,2", "7 Jan 2024,3"]),
        Read({"v": [1.0, 2.0, 3.0]}, "D", "2024-01-05", "2024-01-07"),
        TV,
    ),
    Case(
        "ISO weeks written as 2024-W05",
        csv("week,v", ["2024-W01,1", "2024-W02,2", "2024-W03,3"]),
        Read({"v": [1.0, 2.0, 3.0]}, "W-MON", "2024-01-01", "2024-01-15",
             ("2024-01-22 00:00:00", "2024-01-29 00:00:00")),
        {"time_col": "week", "target": "v"},
    ),
    Case(
        "a header line repeated in the middle (files joined together)",
        csv("t,v", ["2024-01-01,1", "t,v", "2024-01-02,2"]),
        Refused(("cannot parse time value 't' in column 't' at row 2; the row repeats the header (files joined "
                 "together?); remove it",)),
        TV,
    ),
    Case(
        "a units line under the header",
        csv("t,v", [",kWh", "2024-01-01,1", "2024-01-02,2"]),
        Refused(("missing time value in column 't' at row 1; every row needs a time (a second header line, such as "
                 "units, belongs in the column names or nowhere)",)),
        TV,
    ),
    Case(
        "quarters written as 2023Q1",
        csv("q,v", ["2023Q1,1", "2023Q2,2", "2023Q3,3", "2023Q4,5"]),
        Read({"v": [1.0, 2.0, 3.0, 5.0]}, "QS-JAN", "2023-01-01", "2023-10-01",
             ("2024-01-01 00:00:00", "2024-04-01 00:00:00")),
        {"time_col": "q", "target": "v"},
    ),
    Case(
        "months written as 2023-01",
        csv("m,v", ["2023-01,1", "2023-02,2", "2023-03,3"]),
        Read({"v": [1.0, 2.0, 3.0]}, "MS", "2023-01-01", "2023-03-01"),
        {"time_col": "m", "target": "v"},
    ),
    Case(
        "Excel dates where the spreadsheet converted only some cells",
        workbook([["date", "value"], [dt.datetime(2024, 1, 12), 1], [dt.datetime(2024, 12, 1), 2],
                  ["13/01/2024", 3]]),
        Refused(("time column 'date' mixes cells that are dates with cells that are text ('13/01/2024' at row 3)",)),
        {"time_col": "date", "target": "value"},
        ".xlsx",
    ),
    Case(
        "Excel time cells that are numbers in some rows and text in others",
        workbook([["date", "value"], [45292, 1], ["2024-01-02", 2]]),
        Refused(("time column 'date' mixes numbers (45292 at row 1) with dates or text ('2024-01-02' at row 2); write "
                 "every time the same way",)),
        {"time_col": "date", "target": "value"},
        ".xlsx",
    ),
    Case(
        "Excel true datetimes",
        workbook([["date", "value"], *[[dt.datetime(2024, 1, 1, h), h * 1.5] for h in range(4)]]),
        Read({"value": [0.0, 1.5, 3.0, 4.5]}, "h", "2024-01-01T00:00", "2024-01-01T03:00"),
        {"time_col": "date", "target": "value"},
        ".xlsx",
    ),
]

# --------------------------------------------------------------------- time zones

ZONES = [
    Case(
        "one UTC offset throughout: local midnight stays midnight",
        csv("t,v", [f"2024-01-{d:02d}T00:00:00+01:00,{d}" for d in range(1, 5)]),
        Read({"v": [1.0, 2.0, 3.0, 4.0]}, "D", "2024-01-01", "2024-01-04",
             ("2024-01-05 00:00:00+01:00", "2024-01-06 00:00:00+01:00"),
             notes=("time column 't': every time has the UTC offset +01:00; modelled on the local clock as written, "
                    "and kept the zone +01:00 for the forecasts",),
             zone="+01:00"),
        TV,
    ),
    Case(
        "daily data at local midnight across a clock change, offsets only",
        csv("t,v", [f"{t.isoformat()},{k}" for k, t in enumerate(PARIS_DAYS)]),
        Read({"v": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]}, "D", "2024-03-28", "2024-04-02",
             ("2024-04-03 00:00:00", "2024-04-04 00:00:00"),
             notes=("time column 't': the UTC offset changes (+01:00, +02:00, daylight saving) but every time is "
                    "00:00 local; modelled on the local dates, forecasts are given as local times without an offset "
                    "(pass timezone to add one)",)),
        TV,
    ),
    Case(
        "daily data across a clock change with its zone named",
        csv("t,v", [f"{t.isoformat()},{k}" for k, t in enumerate(PARIS_DAYS)]),
        Read({"v": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]}, "D", "2024-03-28", "2024-04-02",
             ("2024-04-03 00:00:00+02:00", "2024-04-04 00:00:00+02:00"),
             notes=("modelled on the local dates, forecasts are given in Europe/Paris",), zone="Europe/Paris"),
        {**TV, "timezone": "Europe/Paris"},
    ),
    Case(
        "daily data from two zones in one series",
        csv("t,v", ["2024-01-01T00:00+01:00,1", "2024-01-02T00:00+05:00,2", "2024-01-03T00:00+01:00,3"]),
        Read({"v": [1.0, 2.0, 3.0]}, "D", "2024-01-01", "2024-01-03",
             notes=("time column 't': the UTC offset changes (+01:00, +05:00) but every time is 00:00 local; modelled "
                    "on the local dates",)),
        TV,
    ),
    Case(
        "hourly data with changing offsets: modelled in UTC",
        csv("t,v", [f"{t.isoformat()},{k}" for k, t in enumerate(PARIS_SPRING)]),
        Read({"v": [0.0, 1.0, 2.0, 3.0, 4.0]}, "h", "2024-03-30T23:00", "2024-03-31T03:00",
             ("2024-03-31 04:00:00+00:00", "2024-03-31 05:00:00+00:00"),
             notes=("time column 't': the UTC offset changes (+01:00, +02:00) in sub-daily data; modelled in UTC (a "
                    "regular grid), forecasts are given in UTC",)),
        TV,
    ),
    Case(
        "naive local hours with the spring hour missing",
        csv("t,v", [f"{t.tz_localize(None)},{k}" for k, t in enumerate(PARIS_SPRING)]),
        Refused(("series 'v': the hour from 2024-03-31 02:00:00 is missing (after row 2), as a local hour is when "
                 "clocks go forward for daylight saving (as in Europe/Paris that day); pass the zone, e.g. "
                 "timezone='Europe/Paris', so the times can be placed (or timezone='UTC' if the times are UTC)",)),
        TV,
    ),
    Case(
        "the same even when missing values would be interpolated",
        csv("t,v", [f"{t.tz_localize(None)},{k}" for k, t in enumerate(PARIS_SPRING)]),
        Refused(("the hour from 2024-03-31 02:00:00 is missing (after row 2), as a local hour is when clocks go "
                 "forward for daylight saving",)),
        {**TV, "missing": "interpolate"},
    ),
    Case(
        "naive local hours with the spring hour missing, zone named",
        csv("t,v", [f"{t.tz_localize(None)},{k}" for k, t in enumerate(PARIS_SPRING)]),
        Read({"v": [0.0, 1.0, 2.0, 3.0, 4.0]}, "h", "2024-03-30T23:00", "2024-03-31T03:00",
             ("2024-03-31 06:00:00+02:00", "2024-03-31 07:00:00+02:00"),
             notes=("time column 't': placed the local times in Europe/Paris",
                    "time column 't': the UTC offset changes (+01:00, +02:00) in sub-daily data; modelled in UTC (a "
                    "regular grid), forecasts are given in Europe/Paris"),
             zone="Europe/Paris"),
        {**TV, "timezone": "Europe/Paris"},
    ),
    Case(
        "local midnight written in UTC across a clock change",
        csv("t,v", [f"{t.tz_convert('UTC').strftime('%Y-%m-%d %H:%M')},{k}" for k, t in enumerate(PARIS_DAYS)]),
        Refused(("series 'v': time 2024-03-31 22:00:00 at row 5 is one hour off the daily grid that starts at "
                 "2024-03-27 23:00:00, as local times written in UTC are across a daylight-saving change (the local "
                 "clock is the same every day in Europe/Paris); pass the zone, e.g. timezone='Europe/Paris', to "
                 "model local dates",)),
        TV,
    ),
    Case(
        "local midnight written in UTC, zone named",
        csv("t,v", [f"{t.tz_convert('UTC').strftime('%Y-%m-%dT%H:%MZ')},{k}" for k, t in enumerate(PARIS_DAYS)]),
        Read({"v": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]}, "D", "2024-03-28", "2024-04-02",
             ("2024-04-03 00:00:00+02:00", "2024-04-04 00:00:00+02:00"),
             notes=("converted the times to Europe/Paris", "modelled on the local dates, forecasts are given in "
                    "Europe/Paris"), zone="Europe/Paris"),
        {**TV, "timezone": "Europe/Paris"},
    ),
    Case(
        "UTC hours with a gap where Paris springs forward, declared UTC",
        csv("t,v", ["2024-03-31 01:00,1", "2024-03-31 03:00,3", "2024-03-31 04:00,4"]),
        Read({"v": [1.0, 2.0, 3.0, 4.0]}, "h", "2024-03-31T01:00", "2024-03-31T04:00",
             ("2024-03-31 05:00:00+00:00", "2024-03-31 06:00:00+00:00"),
             notes=("placed the local times in UTC", "every time has the UTC offset +00:00",
                    "filled 0 missing value(s) and 1 missing time(s) with linear interpolation"), zone="UTC"),
        {**TV, "timezone": "UTC", "missing": "interpolate"},
    ),
    Case(
        "a one-hour gap on an ordinary day is an ordinary gap",
        csv("t,v", ["2024-06-02 01:00,1", "2024-06-02 03:00,3", "2024-06-02 04:00,4"]),
        Refused(("series 'v': 1 time(s) missing from the hourly grid, first 2024-06-02 02:00:00 (after row 1); fill "
                 "the gaps in the file",)),
        TV,
    ),
    Case(
        "a repeated hour on an ordinary day is an ordinary duplicate",
        csv("t,v", ["2024-06-02 01:00,1", "2024-06-02 02:00,2", "2024-06-02 02:00,3"]),
        Refused(("series 'v': time 2024-06-02 02:00:00 appears more than once (rows 2 and 3); keep one row per time",)),
        TV,
    ),
    Case(
        "naive local hours with the autumn hour repeated",
        csv("t,v", [f"{t.tz_localize(None)},{k}" for k, t in enumerate(PARIS_AUTUMN)]),
        Refused(("series 'v': time 2024-10-27 02:00:00 appears twice (rows 3 and 4), as a local time does when clocks "
                 "go back at the end of daylight saving (as in Europe/Paris that day); pass the zone, e.g. "
                 "timezone='Europe/Paris', so the repeated hour can be placed (or timezone='UTC' if the times are "
                 "UTC)",)),
        TV,
    ),
    Case(
        "naive local hours with the autumn hour repeated, zone named",
        csv("t,v", [f"{t.tz_localize(None)},{k}" for k, t in enumerate(PARIS_AUTUMN)]),
        Read({"v": [0.0, 1.0, 2.0, 3.0, 4.0]}, "h", "2024-10-26T22:00", "2024-10-27T02:00",
             ("2024-10-27 04:00:00+01:00", "2024-10-27 05:00:00+01:00"),
             notes=("placed the local times in Europe/Paris", "modelled in UTC (a regular grid)"), zone="Europe/Paris"),
        {**TV, "timezone": "Europe/Paris"},
    ),
    Case(
        "a local time that the clock change skips, zone named",
        csv("t,v", ["2024-03-31 01:00,1", "2024-03-31 01:30,2", "2024-03-31 02:00,3", "2024-03-31 02:30,4"]),
        Refused(("time 2024-03-31 02:00:00 in column 't' at row 3 does not exist in Europe/Paris: the clocks went "
                 "forward over it; remove the row, or give the times in UTC",)),
        {**TV, "timezone": "Europe/Paris"},
    ),
    Case(
        "a time zone that does not exist",
        csv("t,v", DAYS_3_ROWS),
        Refused(("unknown time zone 'Mars/Olympus'; use an IANA name such as timezone='Europe/Paris', "
                 "timezone='America/New_York' or timezone='UTC'",)),
        {**TV, "timezone": "Mars/Olympus"},
    ),
    Case(
        "UTC times ending in Z",
        csv("t,v", [f"2024-01-01T{h:02d}:00:00Z,{h}" for h in range(4)]),
        Read({"v": [0.0, 1.0, 2.0, 3.0]}, "h", "2024-01-01T00:00", "2024-01-01T03:00",
             ("2024-01-01 04:00:00+00:00", "2024-01-01 05:00:00+00:00"),
             notes=("every time has the UTC offset +00:00; modelled on the local clock as written, and kept the zone "
                    "UTC for the forecasts",), zone="UTC"),
        TV,
    ),
    Case(
        "UTC times shown in New York",
        csv("t,v", [f"2024-07-01T{h:02d}:00:00Z,{h}" for h in range(4)]),
        Read({"v": [0.0, 1.0, 2.0, 3.0]}, "h", "2024-07-01T00:00", "2024-07-01T03:00",
             ("2024-07-01 00:00:00-04:00", "2024-07-01 01:00:00-04:00"),
             notes=("converted the times to America/New_York", "America/New_York has daylight saving in sub-daily "
                    "data; modelled in UTC"), zone="America/New_York"),
        {**TV, "timezone": "America/New_York"},
    ),
    Case(
        "some times with an offset and some without",
        csv("t,v", ["2024-01-01T00:00:00+01:00,1", "2024-01-01T01:00:00,2"]),
        Refused(("time column 't' has times with a UTC offset ('2024-01-01T00:00:00+01:00' at row 1) and without "
                 "('2024-01-01T01:00:00' at row 2); write every time the same way",)),
        TV,
    ),
    Case(
        "Parquet with a time-zone-aware column keeps its IANA zone",
        frame_file(pd.DataFrame({"t": PARIS_DAYS, "v": np.arange(6.0)}), "parquet"),
        Read({"v": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]}, "D", "2024-03-28", "2024-04-02",
             ("2024-04-03 00:00:00+02:00", "2024-04-04 00:00:00+02:00"),
             notes=("modelled on the local dates, forecasts are given in Europe/Paris",), zone="Europe/Paris"),
        TV,
        ".parquet",
    ),
]

# --------------------------------------------------------------------- frequencies


def frequency_case(alias: str, start: str, inferred: str, future: tuple[str, str]) -> Case:
    times = pd.date_range(start, periods=8, freq=alias)
    return Case(
        f"frequency {alias}",
        dated("%Y-%m-%d %H:%M" if "min" in alias or "h" in alias else "%Y-%m-%d", times, range(8)),
        Read({"v": [float(k) for k in range(8)]}, inferred, str(times[0].date() if times[0].hour == 0 and
             times[0].minute == 0 else times[0]), str(times[-1] if times[-1].hour or times[-1].minute else
             times[-1].date()), future),
        TV,
    )


FREQUENCIES = [
    frequency_case("QS-JAN", "2021-01-01", "QS-JAN", ("2023-01-01 00:00:00", "2023-04-01 00:00:00")),
    frequency_case("QS-FEB", "2021-02-01", "QS-FEB", ("2023-02-01 00:00:00", "2023-05-01 00:00:00")),
    frequency_case("QS-OCT", "2021-10-01", "QS-JAN", ("2023-10-01 00:00:00", "2024-01-01 00:00:00")),
    frequency_case("QE-DEC", "2021-03-31", "QE-DEC", ("2023-03-31 00:00:00", "2023-06-30 00:00:00")),
    frequency_case("QE-NOV", "2021-02-28", "QE-NOV", ("2023-02-28 00:00:00", "2023-05-31 00:00:00")),
    frequency_case("YS-JAN", "2001-01-01", "YS-JAN", ("2009-01-01 00:00:00", "2010-01-01 00:00:00")),
    frequency_case("YS-JUL", "2001-07-01", "YS-JUL", ("2009-07-01 00:00:00", "2010-07-01 00:00:00")),
    frequency_case("YE-DEC", "2001-12-31", "YE-DEC", ("2009-12-31 00:00:00", "2010-12-31 00:00:00")),
    frequency_case("SMS", "2024-01-01", "SMS-15", ("2024-05-01 00:00:00", "2024-05-15 00:00:00")),
    frequency_case("SME", "2024-01-15", "SME-15", ("2024-05-15 00:00:00", "2024-05-31 00:00:00")),
    frequency_case("W-SUN", "2024-01-07", "W-SUN", ("2024-03-03 00:00:00", "2024-03-10 00:00:00")),
    frequency_case("W-WED", "2024-01-03", "W-WED", ("2024-02-28 00:00:00", "2024-03-06 00:00:00")),
    frequency_case("BME", "2024-01-31", "BME", ("2024-09-30 00:00:00", "2024-10-31 00:00:00")),
    frequency_case("BMS", "2024-01-01", "BMS", ("2024-09-02 00:00:00", "2024-10-01 00:00:00")),
    frequency_case("15min", "2024-01-01", "15min", ("2024-01-01 02:00:00", "2024-01-01 02:15:00")),
    frequency_case("2h", "2024-01-01", "2h", ("2024-01-01 16:00:00", "2024-01-01 18:00:00")),
    frequency_case("3D", "2024-01-01", "3D", ("2024-01-25 00:00:00", "2024-01-28 00:00:00")),
    frequency_case("2MS", "2024-01-01", "2MS", ("2025-05-01 00:00:00", "2025-07-01 00:00:00")),
    Case(
        "monthly on the 15th",
        csv("m,v", ["2023-01-15,1", "2023-02-15,2", "2023-03-15,3", "2023-04-15,4"]),
        Refused(("series 'v': every time falls on day 15 of its month, which no monthly frequency has (month start "
                 "'MS' is day 1, month end 'ME' the last day); move the dates to the first (or last) day of their "
                 "month",)),
        {"time_col": "m", "target": "v"},
    ),
]

# --------------------------------------------------------------------- values

VALUES = [
    Case(
        "scientific notation",
        csv("t,v", ["2024-01-01,1e3", "2024-01-02,2.5E+03", "2024-01-03,-1e-2"]),
        Read({"v": [1000.0, 2500.0, -0.01]}, "D", "2024-01-01", "2024-01-03"),
        TV,
    ),
    Case(
        "percent signs",
        csv("t,v", ["2024-01-01,12%", "2024-01-02,15.5%", "2024-01-03,9 %"]),
        Read({"v": [12.0, 15.5, 9.0]}, "D", "2024-01-01", "2024-01-03",
             notes=("column 'v': every value carries '%'; read '12%' as 12",)),
        TV,
    ),
    Case(
        "currency symbols with thousands",
        csv("t,v", ['2024-01-01,"$1,234.50"', "2024-01-02,$99.00", '2024-01-03,"$1,000.00"']),
        Read({"v": [1234.5, 99.0, 1000.0]}, "D", "2024-01-01", "2024-01-03",
             notes=("column 'v': every value carries '$'; read '$1,234.50' as 1234.5",)),
        TV,
    ),
    Case(
        "the Unicode minus sign",
        csv("t;v", ["2024-01-01;\u22121,5", "2024-01-02;2,5", "2024-01-03;\u22120,25"]),
        Read({"v": [-1.5, 2.5, -0.25]}, "D", "2024-01-01", "2024-01-03"),
        TV,
    ),
    Case(
        "a column name in the wrong case",
        csv("Time,Value", ["2024-01-01,1", "2024-01-02,2"]),
        Refused(("column 'time' (time_col) is not in the data (did you mean 'Time'?); the columns are 'Time', 'Value'",)),
        {"time_col": "time", "target": "Value"},
    ),
    Case(
        "whitespace around names and values",
        csv(" t , v ", [" 2024-01-01 , 1 ", "2024-01-02 ,  2", "2024-01-03,3 "]),
        Read({"v": [1.0, 2.0, 3.0]}, "D", "2024-01-01", "2024-01-03"),
        TV,
    ),
    Case(
        "true/false as the target",
        csv("t,v", ["2024-01-01,true", "2024-01-02,false", "2024-01-03,TRUE"]),
        Refused(("target column 'v' holds true/false values, not amounts to forecast; if you mean to forecast a rate, "
                 "write them as 1 and 0; otherwise name the right column with target",)),
        TV,
    ),
    Case(
        "true/false as a covariate",
        csv("t,v,holiday", ["2024-01-01,1,true", "2024-01-02,2,false", "2024-01-03,4,False"]),
        Read({"v": [1.0, 2.0, 4.0]}, "D", "2024-01-01", "2024-01-03", known=[1.0, 0.0, 0.0],
             notes=("column 'holiday' holds true/false; read true as 1 and false as 0",)),
        {**TV, "known_covariates": "holiday"},
    ),
    Case(
        "a target that is empty in every row",
        csv("t,v,w", ["2024-01-01,,1", "2024-01-02,,2", "2024-01-03,,4"]),
        Refused(("target column 'v' has no values (all 3 rows are empty); name the column that holds the values with "
                 "target",)),
        TV,
    ),
    Case(
        "a series whose target is empty in every row",
        csv("id,t,v", ["a,2024-01-01,1", "a,2024-01-02,2", "b,2024-01-01,", "b,2024-01-02,"]),
        Refused(("series 'b' has no values in target column 'v' (rows 3 to 4 are all empty); fill them in, or remove "
                 "the series",)),
        {**TV, "series_col": "id"},
    ),
    Case(
        "missing markers, interpolated",
        csv("t,v", ["2024-01-01,1", "2024-01-02,NA", "2024-01-03,null", "2024-01-04,", "2024-01-05,9"]),
        Read({"v": [1.0, 3.0, 5.0, 7.0, 9.0]}, "D", "2024-01-01", "2024-01-05",
             notes=("series 'v': filled 3 missing value(s) and 0 missing time(s) with linear interpolation "
                    "(missing='interpolate')",)),
        {**TV, "missing": "interpolate"},
    ),
    Case(
        "an unknown missing marker",
        csv("t;v", ["2024-01-01;1,5", "2024-01-02;n/a?", "2024-01-03;2,5"]),
        Refused(("column 'v' has a non-numeric value 'n/a?' at row 2; fix it in the file, or if it marks a missing "
                 "reading pass na_values=['n/a?'] and choose a missing policy",)),
        TV,
    ),
    Case(
        "the unknown missing marker named",
        csv("t;v", ["2024-01-01;1,5", "2024-01-02;n/a?", "2024-01-03;2,5"]),
        Read({"v": [1.5, 2.0, 2.5]}, "D", "2024-01-01", "2024-01-03",
             notes=("filled 1 missing value(s) and 0 missing time(s) with linear interpolation",)),
        {**TV, "na_values": ["n/a?"], "missing": "interpolate"},
    ),
    Case(
        "an infinite value",
        csv("t,v", ["2024-01-01,1", "2024-01-02,inf"]),
        Refused(("column 'v' has an infinite value at row 2; replace it with a number or leave it empty",)),
        TV,
    ),
    Case(
        "Excel numbers stored as text, with decimal commas",
        workbook([["t", "v"], [dt.datetime(2024, 1, 1), "1,5"], [dt.datetime(2024, 1, 2), 2.25],
                  [dt.datetime(2024, 1, 3), " 3,75 "]]),
        Read({"v": [1.5, 2.25, 3.75]}, "D", "2024-01-01", "2024-01-03"),
        TV,
        ".xlsx",
    ),
    Case(
        "short rows leave values missing",
        csv("t,v,w", ["2024-01-01,1,5", "2024-01-02,2", "2024-01-03,3,7"]),
        Read({"v": [1.0, 2.0, 3.0]}, "D", "2024-01-01", "2024-01-03", known=[5.0, 6.0, 7.0],
             notes=("filled 1 missing value(s) and 0 missing time(s) with linear interpolation",)),
        {**TV, "known_covariates": "w", "missing": "interpolate"},
    ),
]

# --------------------------------------------------------------------- identifiers

IDENTIFIERS = [
    Case(
        "series names with leading zeros",
        csv("id,t,v", ["0101,2024-01-01,1", "0101,2024-01-02,2", "0102,2024-01-01,3", "0102,2024-01-02,5"]),
        Read({"0101": [1.0, 2.0], "0102": [3.0, 5.0]}, "D", "2024-01-01", "2024-01-02"),
        {**TV, "series_col": "id"},
    ),
    Case(
        "series called NA, None, null and nan",
        csv("id,t,v", [f"{name},2024-01-0{d},{k * 10 + d}" for k, name in enumerate(["NA", "None", "null", "nan"])
                       for d in (1, 2)]),
        Read({"NA": [1.0, 2.0], "None": [11.0, 12.0], "null": [21.0, 22.0], "nan": [31.0, 32.0]}, "D", "2024-01-01",
             "2024-01-02"),
        {**TV, "series_col": "id"},
    ),
    Case(
        "an empty series name",
        csv("id,t,v", ["a,2024-01-01,1", "a,2024-01-02,2", ",2024-01-01,3"]),
        Refused(("missing series name in column 'id' at row 3; every row needs its series",)),
        {**TV, "series_col": "id"},
    ),
    Case(
        "Excel series names NA and 0101 as text cells",
        workbook([["id", "t", "v"], ["NA", dt.datetime(2024, 1, 1), 1], ["NA", dt.datetime(2024, 1, 2), 2],
                  ["0101", dt.datetime(2024, 1, 1), 3], ["0101", dt.datetime(2024, 1, 2), 4]]),
        Read({"NA": [1.0, 2.0], "0101": [3.0, 4.0]}, "D", "2024-01-01", "2024-01-02"),
        {**TV, "series_col": "id"},
        ".xlsx",
    ),
    Case(
        "Parquet with a categorical series column",
        frame_file(pd.DataFrame({"s": pd.Categorical(["b", "b", "a", "a"], categories=["a", "b", "z"]),
                                 "t": pd.to_datetime(DAYS_3[:2] * 2), "v": [1.0, 2.0, 3.0, 4.0]}), "parquet"),
        Read({"b": [1.0, 2.0], "a": [3.0, 4.0]}, "D", "2024-01-01", "2024-01-02"),
        {**TV, "series_col": "s"},
        ".parquet",
    ),
    Case(
        "wide format with names that look missing or numeric",
        csv("t,NA,0101", ["2024-01-01,1,3", "2024-01-02,2,5"]),
        Read({"NA": [1.0, 2.0], "0101": [3.0, 5.0]}, "D", "2024-01-01", "2024-01-02"),
        {"time_col": "t", "target": ["NA", "0101"]},
    ),
]

# --------------------------------------------------------------------- structure

STRUCTURE = [
    Case(
        "trailing empty columns from a spreadsheet",
        csv("t,v,,", ["2024-01-01,1,,", "2024-01-02,2,,", "2024-01-03,3,,"]),
        Read({"v": [1.0, 2.0, 3.0]}, "D", "2024-01-01", "2024-01-03"),
        {"time_col": "t"},
    ),
    Case(
        "a pandas index column without a name",
        csv(",t,v", ["0,2024-01-01,1", "1,2024-01-02,2", "2,2024-01-03,3"]),
        Read({"v": [1.0, 2.0, 3.0]}, "D", "2024-01-01", "2024-01-03"),
        {"time_col": "t"},
    ),
    Case(
        "trailing empty lines and separator-only lines",
        csv("t,v", ["2024-01-01,1", ",", "2024-01-02,2", "2024-01-03,3", "", "", ""]),
        Read({"v": [1.0, 2.0, 3.0]}, "D", "2024-01-01", "2024-01-03"),
        TV,
    ),
    Case(
        "CRLF line endings",
        csv("t,v", ["2024-01-01,1", "2024-01-02,2"], "\r\n"),
        Read({"v": [1.0, 2.0]}, "D", "2024-01-01", "2024-01-02"),
        TV,
    ),
    Case(
        "quoted fields with separators and a line break inside",
        csv("t,comment,v", ['2024-01-01,"a, b; c",1', '2024-01-02,"two\nlines",2', "2024-01-03,plain,3"]),
        Read({"v": [1.0, 2.0, 3.0]}, "D", "2024-01-01", "2024-01-03"),
        TV,
    ),
    Case(
        "a title line above the header",
        "Energy export 2024\n\n" + csv("t,v", ["2024-01-01,1", "2024-01-02,2"]),
        Read({"v": [1.0, 2.0]}, "D", "2024-01-01", "2024-01-02",
             notes=("skipped 1 line(s) above the header ('Energy export 2024'); the header is the first line with "
                    "several fields",)),
        TV,
    ),
    Case(
        "an Excel title row above the header",
        workbook([["Monthly report"], [], ["t", "v"], [dt.datetime(2024, 1, 1), 1], [dt.datetime(2024, 1, 2), 2]]),
        Read({"v": [1.0, 2.0]}, "D", "2024-01-01", "2024-01-02",
             notes=("skipped 1 row(s) above the header ('Monthly report'); the header is the first row with several "
                    "cells",)),
        TV,
        ".xlsx",
    ),
    Case(
        "no header line",
        csv("2024-01-01,1", ["2024-01-02,2", "2024-01-03,3"]),
        Refused(("the first line ('2024-01-01', '1') looks like data, not column names; add a header line that names "
                 "the columns (such as time,value)",)),
        TV,
    ),
    Case(
        "times across the columns",
        csv("id,2024-01-01,2024-01-02", ["a,1,2", "b,3,4"]),
        Refused(("the header holds times ('2024-01-01', '2024-01-02'), so the times run across the columns; put one "
                 "time per row",)),
        TV,
    ),
    Case(
        "two columns with the same name",
        csv("t,v,v", ["2024-01-01,1,2", "2024-01-02,2,3"]),
        Refused(("the header names column 'v' twice (columns 2 and 3); rename one of them",)),
        TV,
    ),
    Case(
        "columns lined up with spaces",
        csv("time        value", ["2024-01-01  1.5", "2024-01-02  2.5"]),
        Refused(("lines its columns up with spaces ('time        value'), which is not a separator grucast detects; "
                 "save it with commas or tabs between the columns, or pass sep=' ' if no value contains a space",)),
        {"time_col": "time", "target": "value"},
    ),
    Case(
        "columns lined up with spaces, sep=' ' given",
        csv("time        value", ["2024-01-01  1.5", "2024-01-02  2.5"]),
        Read({"value": [1.5, 2.5]}, "D", "2024-01-01", "2024-01-02"),
        {"time_col": "time", "target": "value", "sep": " "},
    ),
    Case(
        "a zip archive with two files",
        lambda path: _zip(path, {"a.csv": "t,v\n", "b.csv": "t,v\n"}),
        Refused(("holds 2 files ('a.csv', 'b.csv'); it must hold exactly one CSV file",)),
        TV,
        ".csv.zip",
    ),
]


# --------------------------------------------------------------------- DataFrames

PARIS_AUTUMN_NAIVE = PARIS_AUTUMN.tz_localize(None)

FRAMES = [
    Case(
        "DataFrame of strings with decimal commas",
        pd.DataFrame({"t": DAYS_3, "v": ["1,5", "2,25", "-3,0"]}, dtype=object),
        Read({"v": [1.5, 2.25, -3.0]}, "D", "2024-01-01", "2024-01-03"),
        {**TV, "decimal": ","},
    ),
    Case(
        "DataFrame of strings with decimal commas and one bad value",
        pd.DataFrame({"t": DAYS_3, "v": ["1,5", "zwei", "-3,0"]}, dtype=object),
        Refused(("column 'v' has a non-numeric value 'zwei' at row 2; fix it in the file, or if it marks a missing "
                 "reading pass na_values=['zwei']",)),
        TV,
    ),
    Case(
        "DataFrame with an aware column in New York",
        pd.DataFrame({"t": pd.date_range("2024-03-08", periods=4, freq="D", tz="America/New_York"),
                      "v": [1.0, 2.0, 3.0, 4.0]}),
        Read({"v": [1.0, 2.0, 3.0, 4.0]}, "D", "2024-03-08", "2024-03-11",
             ("2024-03-12 00:00:00-04:00", "2024-03-13 00:00:00-04:00"),
             notes=("the UTC offset changes (-05:00, -04:00, daylight saving) but every time is 00:00 local",),
             zone="America/New_York"),
        TV,
    ),
    Case(
        "DataFrame of naive local hours with a zone named",
        pd.DataFrame({"t": PARIS_AUTUMN_NAIVE, "v": [0.0, 1.0, 2.0, 3.0, 4.0]}),
        Read({"v": [0.0, 1.0, 2.0, 3.0, 4.0]}, "h", "2024-10-26T22:00", "2024-10-27T02:00",
             ("2024-10-27 04:00:00+01:00", "2024-10-27 05:00:00+01:00"),
             notes=("placed the local times in Europe/Paris", "modelled in UTC"), zone="Europe/Paris"),
        {**TV, "timezone": "Europe/Paris"},
    ),
    Case(
        "DataFrame with integer series ids",
        pd.DataFrame({"id": [7, 7, 12, 12], "t": pd.to_datetime(DAYS_3[:2] * 2), "v": [1.0, 2.0, 3.0, 4.0]}),
        Read({"7": [1.0, 2.0], "12": [3.0, 4.0]}, "D", "2024-01-01", "2024-01-02"),
        {**TV, "series_col": "id"},
    ),
    Case(
        "DataFrame with a boolean target",
        pd.DataFrame({"t": pd.to_datetime(DAYS_3), "v": [True, False, True]}),
        Refused(("target column 'v' holds true/false values",)),
        TV,
    ),
    Case(
        "a time zone without a time column",
        pd.DataFrame({"v": [1.0, 2.0, 3.0]}),
        Refused(("timezone='UTC' needs a time column; pass time_col, or leave timezone out",)),
        {"target": "v", "timezone": "UTC"},
    ),
]


def _zip(path: Path, members: dict[str, str]) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)


CASES = DIALECTS + ENCODINGS + TIMESTAMPS + ZONES + FREQUENCIES + VALUES + IDENTIFIERS + STRUCTURE + FRAMES


def read(case: Case, folder: Path):
    if isinstance(case.file, pd.DataFrame):
        return from_dataframe(case.file, **case.args)
    return read_series(write(case, folder), **case.args)


def write(case: Case, folder: Path) -> Path:
    path = folder / f"data{case.suffix}"
    if callable(case.file):
        case.file(path)
    elif isinstance(case.file, bytes):
        path.write_bytes(case.file)
    else:
        path.write_bytes(case.file.encode("utf-8"))
    return path


def test_the_table_is_large_and_names_are_unique():
    assert len(CASES) >= 60
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_file(case: Case, tmp_path: Path):
    expect = case.expect
    if isinstance(expect, Refused):
        fragments = list(expect.fragments)
        with pytest.raises(DataError, match=re.escape(fragments[0])) as raised:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataWarning)
                read(case, tmp_path)
        message = str(raised.value)
        assert "\n" not in message
        for fragment in fragments[1:]:
            assert fragment in message
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        data = read(case, tmp_path)
    assert data.names == tuple(expect.values)
    for name, values in expect.values.items():
        series = data[name]
        np.testing.assert_array_equal(series.target, np.asarray(values, dtype=np.float64))
        assert series.frequency.alias == expect.freq
    first = data.series[0]
    if first.has_calendar:
        assert first.time[0] == np.datetime64(expect.start)
        assert first.time[-1] == np.datetime64(expect.end)
    else:
        assert (int(first.time[0]), int(first.time[-1])) == (int(expect.start), int(expect.end))
    if expect.future:
        future = first.frequency.future(first.time[-1], 2)
        assert [str(t) for t in data.output_times(future)] == list(expect.future)
    if expect.known is not None:
        np.testing.assert_array_equal(first.known[:, 0], expect.known)
    assert data.timezone == expect.zone
    assert len(data.notes) == len(expect.notes), data.notes
    for fragment, note in zip(expect.notes, data.notes):
        assert fragment in note, (fragment, note)
    assert [str(w.message) for w in caught if issubclass(w.category, DataWarning)] == list(data.notes)
