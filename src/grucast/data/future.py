"""Known covariates after the end of each series: the future values a forecast needs.

A model trained with known covariates (a temperature forecast, planned promotions,
holidays) reads their values at every step it forecasts. To forecast past the
end of the data, those values come from the user: a separate file or frame with
the time column, the series column (when there is one) and the known covariate
columns, or the rows at the end of the data file whose target is still empty
(the reader splits them off). :class:`FutureCovariates` holds them and looks up
the exact forecast times of each series.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from grucast.data._text import format_time, quote_list
from grucast.data.errors import DataError
from grucast.data.times import TimeBasis, parse_time_like
from grucast.grouping import group_rows


@dataclass(frozen=True)
class FutureCovariates:
    """The known covariates' values at future times, per series.

    Attributes:
        columns: the known covariate names, in the model's order.
        rows: ``{series: (times (T,), values (T, K))}``, times sorted and unique.
    """

    columns: tuple[str, ...]
    rows: Mapping[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        for name, (times, values) in self.rows.items():
            if values.shape != (len(times), len(self.columns)):
                raise ValueError(
                    f"FutureCovariates: series {name!r} has values of shape {values.shape}, expected "
                    f"({len(times)}, {len(self.columns)})"
                )

    @property
    def series(self) -> tuple[str, ...]:
        """The series with future rows."""
        return tuple(self.rows)

    def at(self, series: str, times: np.ndarray) -> np.ndarray:
        """``(len(times), K)`` values of ``series`` at exactly ``times``.

        Raises:
            DataError: the series has no future rows, a time is missing, or a
                value is empty; the message names the series, column and time.
        """
        if series not in self.rows:
            known = f"; they are given for {quote_list(self.rows)}" if self.rows else ""
            raise DataError(
                f"no future values of the known covariates {quote_list(self.columns)} for series {series!r}{known}; "
                f"give its next {len(times)} steps after its last time"
            )
        stamps, values = self.rows[series]
        position = np.searchsorted(stamps, times)
        inside = position < len(stamps)
        found = np.zeros(len(times), dtype=bool)
        found[inside] = stamps[position[inside]] == times[inside]
        if not found.all():
            first = int(np.argmax(~found))
            raise DataError(
                f"the future values for series {series!r} have no row at {format_time(times[first])} "
                f"(forecast step {first + 1} of {len(times)}); give the known covariates at each of the "
                f"{len(times)} steps after the series' last time, from {format_time(times[0])}"
            )
        out = values[position]
        empty = np.isnan(out)
        if empty.any():
            step, column = np.argwhere(empty)[0]
            raise DataError(
                f"the future value of known covariate {self.columns[column]!r} for series {series!r} at "
                f"{format_time(times[step])} is empty; every forecast step needs every known covariate"
            )
        return out

    @classmethod
    def from_arrays(cls, columns: Sequence[str], values: Mapping[str, np.ndarray], times: Mapping[str, np.ndarray]) -> FutureCovariates:
        """From ``{series: (T, K) values}`` and ``{series: (T,) times}``."""
        rows = {}
        for name, array in values.items():
            array = np.asarray(array, dtype=np.float64).reshape(len(times[name]), len(columns))
            stamps = np.asarray(times[name])
            order = np.argsort(stamps, kind="stable")
            rows[name] = (stamps[order], array[order])
        return cls(tuple(columns), rows)


def future_from_dataframe(
    frame: pd.DataFrame,
    *,
    columns: Sequence[str],
    time_col: str | None,
    series_col: str | None = None,
    series: Sequence[str] = (),
    time_format: str | None = None,
    dayfirst: bool | None = None,
    basis: TimeBasis | None = None,
) -> FutureCovariates:
    """The future values of the known covariates ``columns`` from a table.

    Args:
        frame: one row per series and future time.
        columns: the known covariate columns, in the model's order.
        time_col: the time column (as in the history).
        series_col: the column naming the series (long format); without one, every
            row belongs to each of ``series`` (one series, or wide-format series
            sharing their covariates).
        series: the names of the history's series, used when there is no series column.
        time_format, dayfirst: how to read the times (see :func:`grucast.data.read_series`).
        basis: the history's :attr:`~grucast.data.SeriesSet.time_basis`, so that times
            written with a zone or offset land on the history's clock.

    Raises:
        DataError: a missing column, an unparseable time or value, or a time given
            twice for one series.
    """
    from grucast.data.validation import to_numeric

    needed = [c for c in (time_col, series_col) if c is not None] + list(columns)
    missing = [column for column in needed if column not in frame.columns]
    if time_col is None:
        raise DataError("future values need the time column the model was trained with; the history has none")
    if missing:
        raise DataError(
            f"the future values lack column(s) {quote_list(missing)}; they need the time"
            + (", series" if series_col else "") + f" and known covariate columns ({quote_list(needed)})"
        )
    rows = np.arange(1, len(frame) + 1)
    times = parse_time_like(frame[time_col], time_col, rows, basis, time_format=time_format, dayfirst=dayfirst)
    values = np.column_stack([to_numeric(frame[column], column, rows) for column in columns]) if columns else np.zeros(
        (len(frame), 0)
    )
    if series_col is None:
        groups = {name: np.arange(len(frame)) for name in series}
    else:
        labels = frame[series_col].astype(str).to_numpy()
        groups = {str(label): rows for label, rows in group_rows(labels)}
    out = {}
    for name, index in groups.items():
        stamps = times[index]
        order = np.argsort(stamps, kind="stable")
        stamps, block = stamps[order], values[index][order]
        repeated = np.flatnonzero(np.diff(stamps.astype(np.int64)) == 0)
        if len(repeated):
            raise DataError(
                f"the future values give series {name!r} the time {format_time(stamps[repeated[0]])} more than "
                "once; keep one row per series and time"
            )
        out[name] = (stamps, block)
    return FutureCovariates(tuple(columns), out)
