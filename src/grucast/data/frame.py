"""The in-memory form of a user's data: one or many validated series.

Every reader returns a :class:`SeriesSet`. Each of its :class:`Series` holds
contiguous, read-only ``float64`` arrays (views, not copies, of what it was given),
sorted times on a regular grid, and the frequency those times follow.

Times are naive ``datetime64[ns]`` (or integer steps). When the user's times came
with a time zone, :attr:`SeriesSet.time_basis` says how they relate to the user's
clock, and :meth:`SeriesSet.output_times` turns internal times (history or forecast
steps) into the times to write (see :mod:`grucast.data.times` for the policy).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from grucast.data._text import quote_list
from grucast.data.frequency import Frequency
from grucast.data.future import FutureCovariates
from grucast.data.times import TimeBasis, output_times

if TYPE_CHECKING:
    from grucast.data.shards import SeriesShard


def _frozen(array: np.ndarray, dtype: type | str) -> np.ndarray:
    # A read-only view: no copy when the array already has the right layout, so a
    # large series costs its size once.
    out = np.ascontiguousarray(array, dtype=dtype).view()
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class Series:
    """One validated series.

    Attributes:
        name: the series name (its label in long format, its column in wide format).
        time: ``(T,)`` sorted unique times, ``datetime64[ns]`` or ``int64`` steps.
        target: ``(T,)`` target values, ``float64``.
        known: ``(T, K)`` known covariates (also known over the forecast horizon).
        past: ``(T, P)`` past-only covariates (known up to the forecast origin).
        frequency: the spacing of ``time``.
        static: the series' static covariates (constant over time), numbers or
            category labels, in the order of :attr:`SeriesSet.static_covariates`.
    """

    name: str
    time: np.ndarray
    target: np.ndarray
    known: np.ndarray
    past: np.ndarray
    frequency: Frequency
    static: tuple[float | str, ...] = ()

    def __post_init__(self) -> None:
        length = len(self.time)
        time_dtype = "datetime64[ns]" if np.issubdtype(np.asarray(self.time).dtype, np.datetime64) else np.int64
        object.__setattr__(self, "time", _frozen(self.time, time_dtype))
        object.__setattr__(self, "target", _frozen(self.target, np.float64))
        object.__setattr__(self, "static", tuple(self.static))
        for attribute in ("known", "past"):
            value = np.asarray(getattr(self, attribute), dtype=np.float64)
            if value.ndim == 1:
                value = value.reshape(length, -1) if value.size else np.zeros((length, 0))
            object.__setattr__(self, attribute, _frozen(value, np.float64))
        shapes = {"target": self.target.shape[0], "known": self.known.shape[0], "past": self.past.shape[0]}
        for attribute, rows in shapes.items():
            if rows != length:
                raise ValueError(f"Series {self.name!r}: {attribute} has {rows} rows, time has {length}")

    def __len__(self) -> int:
        return len(self.time)

    @property
    def has_calendar(self) -> bool:
        """True when ``time`` holds timestamps rather than integer steps."""
        return np.issubdtype(self.time.dtype, np.datetime64)


@dataclass(frozen=True, eq=False)
class SeriesSet:
    """One or many validated series that share their column roles.

    Attributes:
        series: the series, in the order they first appear in the data.
        target: the target column name (``"value"`` in wide format, where each
            series comes from its own column).
        known_covariates: names of the known covariate columns.
        past_covariates: names of the past-only covariate columns.
        time_column: the time column's name, or ``None`` for an integer step index.
        notes: what was changed on the way in (sorted, filled, trimmed), one line each.
        static_covariates: names of the static covariates (one value per series).
        future: known covariates after the end of each series, when the data
            came with them (rows whose target was still empty), else ``None``.
        time_basis: how the internal times relate to the user's clock (zone, and
            whether they are local wall-clock times or UTC); ``None`` for naive
            times and integer steps. Keep it when rebuilding a set
            (``dataclasses.replace(data, series=...)`` does).
        shard: where these series lie among a dataset's, when they are one process's
            share of it (:func:`grucast.data.read_series` with ``shard``); ``None``
            when they are all of it.
    """

    series: tuple[Series, ...]
    target: str = "value"
    known_covariates: tuple[str, ...] = ()
    past_covariates: tuple[str, ...] = ()
    time_column: str | None = None
    notes: tuple[str, ...] = field(default=())
    static_covariates: tuple[str, ...] = ()
    future: FutureCovariates | None = None
    time_basis: TimeBasis | None = None
    shard: SeriesShard | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "series", tuple(self.series))
        object.__setattr__(self, "static_covariates", tuple(self.static_covariates))
        object.__setattr__(self, "known_covariates", tuple(self.known_covariates))
        object.__setattr__(self, "past_covariates", tuple(self.past_covariates))
        object.__setattr__(self, "notes", tuple(self.notes))
        if not self.series:
            raise ValueError("SeriesSet needs at least one series")
        names = tuple(one.name for one in self.series)
        if len(set(names)) != len(names):
            raise ValueError(f"SeriesSet: series names must be unique, got {list(names)}")
        # One tuple for the set's life: lookups keyed on it (scaler rows) are found by identity.
        object.__setattr__(self, "_names", names)
        for one in self.series:
            if one.known.shape[1] != len(self.known_covariates) or one.past.shape[1] != len(self.past_covariates):
                raise ValueError(
                    f"SeriesSet: series {one.name!r} has {one.known.shape[1]} known and {one.past.shape[1]} "
                    f"past covariates, expected {len(self.known_covariates)} and {len(self.past_covariates)}"
                )
            if len(one.static) != len(self.static_covariates):
                raise ValueError(
                    f"SeriesSet: series {one.name!r} has {len(one.static)} static values, expected "
                    f"{len(self.static_covariates)} ({quote_list(self.static_covariates)})"
                )

    @classmethod
    def from_arrays(
        cls,
        targets: Mapping[str, np.ndarray] | np.ndarray,
        *,
        time: np.ndarray | None = None,
        frequency: str | Frequency = "step",
        name: str = "series",
    ) -> SeriesSet:
        """A set of series from plain arrays, with no covariates.

        The arrays are trusted as they are (no checks of order, spacing or missing
        values); use :func:`grucast.data.from_dataframe` to validate data.

        Args:
            targets: ``{name: values}``, or one array for a single series.
            time: shared times for every series; integer steps ``0..T-1`` if omitted.
            frequency: the frequency of ``time``; ``"step"`` for integer steps.
            name: the series name when ``targets`` is one array.
        """
        if not isinstance(targets, Mapping):
            targets = {name: targets}
        frequency = Frequency.parse(frequency)
        members = []
        for key, values in targets.items():
            values = np.asarray(values, dtype=np.float64)
            stamps = np.arange(len(values), dtype=np.int64) if time is None else np.asarray(time)
            empty = np.zeros((len(values), 0))
            members.append(Series(str(key), stamps, values, empty, empty, frequency))
        return cls(tuple(members))

    def __len__(self) -> int:
        return len(self.series)

    def __iter__(self) -> Iterator[Series]:
        return iter(self.series)

    def __getitem__(self, name: str) -> Series:
        for one in self.series:
            if one.name == name:
                return one
        raise KeyError(f"no series {name!r}; the series are {quote_list(self.names)}")

    @property
    def names(self) -> tuple[str, ...]:
        """The series names, in order."""
        return self._names  # type: ignore[attr-defined, no-any-return]

    @property
    def lengths(self) -> dict[str, int]:
        """Rows per series."""
        return {one.name: len(one) for one in self.series}

    @property
    def covariates(self) -> tuple[str, ...]:
        """All covariate names: known first, then past-only."""
        return self.known_covariates + self.past_covariates

    def select(self, names: Sequence[str]) -> SeriesSet:
        """The same set with only the series ``names``, in that order."""
        by_name = {one.name: one for one in self.series}
        missing = [name for name in names if name not in by_name]
        if missing:
            raise KeyError(f"no series {quote_list(missing)}; the series are {quote_list(self.names)}")
        return dataclasses.replace(self, series=tuple(by_name[name] for name in names))

    def with_notes(self, notes: Sequence[str]) -> SeriesSet:
        """A copy with more notes appended."""
        return dataclasses.replace(self, notes=self.notes + tuple(notes))

    @property
    def timezone(self) -> str | None:
        """The user's time zone (IANA name, ``"UTC"`` or ``"+01:00"``), if the data had one."""
        return None if self.time_basis is None else self.time_basis.zone

    def output_times(self, times: np.ndarray, *, aware: bool = True) -> pd.Index:
        """The times to write for internal times of this set (history or forecasts).

        Internal times are naive; with a :attr:`time_basis` they are the user's
        local wall clock or UTC. This puts them back in the user's terms.

        Args:
            times: internal ``datetime64[ns]`` times, such as
                ``series.frequency.future(series.time[-1], horizon)``; integer steps
                are returned unchanged.
            aware: ``True`` (default) for time-zone-aware timestamps in the user's
                zone, ``False`` for the local wall clock without a zone.

        Returns:
            A ``DatetimeIndex`` (aware when the data had a zone), or an integer
            ``Index`` for steps.
        """
        return output_times(times, self.time_basis, aware=aware)

    def to_frame(self, series_column: str = "series") -> pd.DataFrame:
        """Everything in long format: series, time, target, then covariates.

        Args:
            series_column: the name of the column that holds series names.
        """
        time_column = self.time_column or "step"
        parts = []
        for one in self.series:
            columns: dict[str, object] = {series_column: one.name, time_column: one.time, self.target: one.target}
            for index, column in enumerate(self.known_covariates):
                columns[column] = one.known[:, index]
            for index, column in enumerate(self.past_covariates):
                columns[column] = one.past[:, index]
            for index, column in enumerate(self.static_covariates):
                columns[column] = one.static[index]
            parts.append(pd.DataFrame(columns))
        return pd.concat(parts, ignore_index=True)
