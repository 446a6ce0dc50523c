"""The fitted pipeline between a user's series and a model's tensors.

:class:`WindowPipeline` learns everything the model's inputs depend on from the
training part of the data, once: the window shape, the split rule, the calendar
features, the window normalisation, the season, the per-series scaler, the column
roles and the frequencies. Then it

* turns series into lazy train / validation / test windows (:meth:`~WindowPipeline.transform`),
* builds the inputs that forecast the steps after the end of each series
  (:meth:`~WindowPipeline.forecast_inputs`),
* and maps the model's outputs back to the data's units (:meth:`~WindowPipeline.inverse`).

It is saved as one JSON document (:meth:`~WindowPipeline.to_dict`). Nothing in the
validation or test period can change what training sees: the scaler, every
"auto" choice and every training window depend on training rows alone.
"""

from __future__ import annotations

import copy
import dataclasses
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from grucast.data._text import quote_list
from grucast.data.agreement import ALONE, Agreement
from grucast.data.errors import DataError, NotFittedError
from grucast.data.features import (
    CalendarEncoding,
    calendar_features,
    calendar_names,
    covered_features,
    default_calendar,
)
from grucast.data.frame import Series, SeriesSet
from grucast.data.frequency import Frequency
from grucast.data.future import FutureCovariates
from grucast.data.scaling import ScalerKind, SeriesScaler
from grucast.data.splits import Part, SplitPlan, plan_notes, plan_splits, split_series, too_short
from grucast.data.static import StaticEncoder
from grucast.data.window_norm import WindowNorm, denormalize, normalize_window, suggest_window_norm, window_statistics
from grucast.data.windows import Segment, WindowDataset
from grucast.errors import option
from grucast.evaluation.baselines import season_for_frequency

#: The input that marks observed rows (1) and padding before a series' first row (0).
OBSERVED = "observed"

#: Default lookback by the frequency's base unit: a week of hours, eight weeks of
#: days, about three months of trading days; otherwise a few seasons.
DEFAULT_LOOKBACK = {"h": 168, "D": 56, "B": 60, "W": 52, "M": 36, "Q": 12}
#: Default horizon: one season.
DEFAULT_HORIZON = {"h": 24, "D": 7, "B": 5, "W": 4, "M": 12, "Q": 4}


def default_window(frequency: Frequency) -> tuple[int, int]:
    """``(lookback, horizon)`` for a frequency: one season ahead, a few seasons back."""
    base = "".join(ch for ch in frequency.alias if ch.isalpha())[:1]
    base = {"H": "h", "T": "h", "m": "h", "S": "h"}.get(base, base)
    horizon = DEFAULT_HORIZON.get(base, 1)
    return max(DEFAULT_LOOKBACK.get(base, 48), 2 * horizon), horizon


@dataclass(frozen=True, eq=False)
class RawInputs:
    """Unscaled inputs for forecasting past the end of each series (see :meth:`WindowPipeline.raw_forecast_inputs`).

    Attributes:
        history: ``(S, lookback, F)`` float64, the last ``lookback`` rows of each
            series' features in :attr:`WindowPipeline.feature_names_` order (zeros
            before the first row of a short series).
        observed: ``(S, lookback)`` bool, False on those padded rows.
        known_future: ``(S, horizon, K)`` float64, the known inputs of each forecast
            step (known covariates, calendar features, ``observed``).
        times: ``(S, horizon)`` the forecast steps' times.
        names: the series, in row order.
    """

    history: np.ndarray
    observed: np.ndarray
    known_future: np.ndarray
    times: np.ndarray
    names: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class WindowedData:
    """A set of series cut into lazy windows by a fitted :class:`WindowPipeline`.

    Attributes:
        data: the series.
        plan: where each series was split.
        pipeline: the fitted pipeline that made the windows (and undoes their scaling).
        train, val, test: the windows of each part.
    """

    data: SeriesSet
    plan: SplitPlan
    pipeline: WindowPipeline
    train: WindowDataset
    val: WindowDataset
    test: WindowDataset

    @property
    def lookback(self) -> int:
        """Input rows per window."""
        return self.plan.lookback

    @property
    def horizon(self) -> int:
        """Target rows per window."""
        return self.plan.horizon

    def split(self, part: Part) -> WindowDataset:
        """The windows of ``"train"``, ``"val"`` or ``"test"``."""
        return {"train": self.train, "val": self.val, "test": self.test}[part]


class WindowPipeline:
    """Split, calendar, scaling and window normalisation, learned from training rows.

    Construct it with the settings (``None`` and ``"auto"`` mean "decide from the
    data"), then :meth:`fit` it; :class:`grucast.settings.Settings` checks the values
    and builds one with :meth:`~grucast.settings.Settings.make_pipeline`.

    Args:
        lookback: input rows per window; ``None``: from the frequency.
        horizon: target rows per window; ``None``: one season of the frequency.
        test_size: rows at the end of each series for testing: steps, or a fraction
            below 1 (at least one horizon).
        val_size: rows before the test part for validation, likewise; 0 for none.
        scaler: ``"standard"``, ``"minmax"``, ``"robust"`` or ``"none"``.
        window_norm: ``"none"``, ``"last"``, ``"mean_std"``, or ``"auto"`` (see
            :func:`grucast.data.window_norm.suggest_window_norm`).
        calendar: calendar features to add as known covariates; ``"auto"`` keeps
            those of the frequency that every series' training part covers twice.
        calendar_encoding: ``"cyclical"`` (sin, cos pairs) or ``"raw"``.
        season: seasonal period (seasonal naive, MASE); ``None``: from the frequency.
        series_embedding: give the model each series' name as a categorical static
            input (a learned vector per series; see :mod:`grucast.data.static`).

    Fitted attributes (after :meth:`fit`):
        lookback_, horizon_, season_, window_norm_, calendar_: the resolved settings.
        padded_: whether windows may reach back before a series' first row (some
            series are shorter than a window): their missing input rows are zeros,
            and an ``"observed"`` input (1, or 0 on padding) says which they are.
        excluded_: series left out of fitting, too short to hold their test part.
        notes_: what fitting decided that a user should know, one line each.
        scaler_: the per-series :class:`SeriesScaler`, fitted on training rows.
        feature_names_: the input features in order: target, known covariates,
            calendar features, past-only covariates.
        n_known_: features after the target known over the horizon (known
            covariates and calendar features).
        target_, known_covariates_, past_covariates_, time_column_: column roles.
        series_: series names; frequencies_: ``{series: Frequency}``.
        nonnegative_: ``{series: bool}``, series never negative in training, whose
            forecasts are clipped at zero.
        static_: the fitted :class:`~grucast.data.static.StaticEncoder`.
    """

    def __init__(
        self,
        lookback: int | None = None,
        horizon: int | None = None,
        *,
        test_size: float = 0.1,
        val_size: float = 0.1,
        scaler: ScalerKind = "standard",
        window_norm: WindowNorm | str = "auto",
        calendar: Sequence[str] | str = "auto",
        calendar_encoding: CalendarEncoding = "cyclical",
        season: int | None = None,
        series_embedding: bool = False,
    ) -> None:
        self.lookback = lookback
        self.horizon = horizon
        self.test_size = test_size
        self.val_size = val_size
        self.scaler = scaler
        self.window_norm = window_norm
        self.calendar = calendar
        self.calendar_encoding = calendar_encoding
        self.season = season
        self.series_embedding = series_embedding

    # ------------------------------------------------------------------ fit

    def fit(self, data: SeriesSet, agree: Agreement = ALONE) -> WindowPipeline:
        """Resolve every "auto" and fit the scaler, from the training part of ``data``.

        Args:
            data: the series; or one share of them, with ``agree`` gathering what
                every share holds (see :mod:`grucast.data.agreement`): the settings
                are then decided as a fit on all the series would decide them, and
                the per-series statistics (scalers) are fitted on this share's.

        Raises:
            DataError: series too short for the window or the split, or calendar
                features asked of integer steps.
        """
        first = agree.gather(data.series[0].frequency)[0]  # the first series of all
        lookback, horizon = default_window(first)
        self.lookback_ = self.lookback or lookback
        self.horizon_ = self.horizon or horizon
        local = split_series(
            data, lookback=self.lookback_, horizon=self.horizon_, test_size=self.test_size, val_size=self.val_size
        )
        shares = agree.gather((local.excluded, local.no_validation, local.needs_padding, len(local)))
        excluded = tuple(name for share in shares for name in share[0])
        if not any(share[3] for share in shares):
            raise too_short(excluded, self.horizon_)
        empty = [rank for rank, share in enumerate(shares) if not share[3]]
        if empty:  # raised alike in every process, from the same gathered values: none waits for the others
            raise DataError(
                f"the series of share(s) {', '.join(map(str, empty))} of {len(shares)} are all too short to hold their "
                "test part, so they have no window to train on; use fewer processes"
            )
        plan = dataclasses.replace(
            local, notes=plan_notes(excluded, [name for share in shares for name in share[1]])
        )
        self.excluded_ = excluded
        self.notes_ = plan.notes
        if local.excluded:
            data = data.select([name for name in data.names if name not in local.excluded])
        self.padded_ = any(share[2] for share in shares)
        self.season_ = self.season or season_for_frequency(first)
        self.calendar_ = _resolve_calendar(data, self.calendar, plan, agree)
        self.window_norm_ = (
            suggest_window_norm(data, plan, agree) if self.window_norm == "auto" else self.window_norm
        )
        self.target_ = data.target
        self.known_covariates_ = data.known_covariates
        self.past_covariates_ = data.past_covariates
        self.static_covariates_ = data.static_covariates
        self.time_column_ = data.time_column
        known = data.known_covariates + calendar_names(self.calendar_, self.calendar_encoding)
        if self.padded_:
            known += (OBSERVED,)
        self.feature_names_ = (data.target,) + known + data.past_covariates
        self.n_known_ = len(known)
        self.series_ = data.names
        self.frequencies_ = {series.name: series.frequency for series in data}
        train_columns = {
            series.name: self._columns(series, slice(0, plan[series.name].train_end)) for series in data
        }
        self.scaler_ = SeriesScaler(self.scaler, passthrough=(OBSERVED,)).fit(train_columns, self.feature_names_)
        self.nonnegative_ = {name: bool((columns[0] >= 0).all()) for name, columns in train_columns.items()}
        self.static_ = StaticEncoder(self.series_embedding).fit(data, agree)
        return self

    def fit_transform(self, data: SeriesSet, *, stride: int = 1, agree: Agreement = ALONE) -> WindowedData:
        """:meth:`fit`, then :meth:`transform` the same data."""
        return self.fit(data, agree).transform(data, stride=stride)

    @property
    def is_fitted(self) -> bool:
        """True after :meth:`fit` or :meth:`from_dict`."""
        return hasattr(self, "scaler_")

    @property
    def n_features(self) -> int:
        """Features per input row."""
        self._check_fitted()
        return len(self.feature_names_)

    # ------------------------------------------------------------ transform

    def transform(self, data: SeriesSet, *, stride: int = 1) -> WindowedData:
        """The train, validation and test windows of ``data``, split by this pipeline's rule.

        Args:
            data: series with the columns the pipeline was fitted on, each one it knows.
            stride: rows between consecutive window starts.
        """
        data = self.without_excluded(data)
        self.check_compatible(data)
        plan = self._plan(data)
        static, categories = self.static_.encode(data)
        parts = {}
        for part in ("train", "val", "test"):
            values, segments = self._split_tensor(data, plan, part)
            parts[part] = WindowDataset(
                values, segments, lookback=self.lookback_, horizon=self.horizon_, n_known=self.n_known_,
                stride=stride, window_norm=self.window_norm_, static=static, categories=categories,
            )
        return WindowedData(data=data, plan=plan, pipeline=self, **parts)

    def raw_forecast_inputs(
        self, history: SeriesSet, future: FutureCovariates | Mapping[str, np.ndarray] | None = None
    ) -> RawInputs:
        """The unscaled inputs that forecast the ``horizon`` steps after the end of every series.

        What :meth:`forecast_inputs` scales, and what an exported graph takes
        (:mod:`grucast.api.export`): the last ``lookback`` rows of each series'
        features (:attr:`feature_names_`: target, known covariates, calendar
        features, past-only covariates) and the horizon's known inputs, in the
        data's units.

        Args:
            history, future: as for :meth:`forecast_inputs`.

        Raises:
            DataError: as for :meth:`forecast_inputs`.
        """
        return next(self.raw_forecast_chunks(history, future, size=sys.maxsize))  # one chunk: every series

    def raw_forecast_chunks(
        self, history: SeriesSet, future: FutureCovariates | Mapping[str, np.ndarray] | None, size: int
    ) -> Iterator[RawInputs]:
        """:meth:`raw_forecast_inputs` for ``size`` series at a time, in ``history``'s order.

        Everything is checked before the first chunk. A chunk's arrays are small
        enough to be reused from one chunk to the next, where one array for 100,000
        series (hundreds of MB) would be page-faulted afresh.
        """
        history = self.without_excluded(history)
        self.check_compatible(history)
        lookback, horizon = self.lookback_, self.horizon_
        for series in history:
            if len(series) < lookback and not self.padded_:
                raise DataError(
                    f"series {series.name!r} has {len(series)} rows but the model reads the last {lookback}; "
                    "give a longer history"
                )
        n_user = len(self.known_covariates_)
        future = future if future is not None else history.future
        if n_user and future is None:
            raise DataError(
                f"forecasting past the end needs the future values of the known covariates "
                f"{quote_list(self.known_covariates_)} for the next {horizon} steps of each series; give them in "
                f"{option('future')} (time, series and those columns), or as rows at the end of the data whose "
                "target is empty"
            )
        if n_user and not isinstance(future, FutureCovariates):
            absent = next((name for name in history.names if name not in future), None)
            if absent is not None:
                raise DataError(f"no future values of the known covariates for series {absent!r}")
        members, names = history.series, history.names
        # The series of a collection mostly end together: each distinct end's future times
        # (a pandas date_range) and calendar are made once, not once per series.
        future_times: dict[tuple[Frequency, object], np.ndarray] = {}
        if not members:
            yield self._fill_forecast_inputs((), (), future, future_times)
        for start in range(0, len(members), size):
            yield self._fill_forecast_inputs(
                members[start : start + size], names[start : start + size], future, future_times
            )

    def _fill_forecast_inputs(
        self, members: Sequence[Series], names: tuple[str, ...],
        future: FutureCovariates | Mapping[str, np.ndarray] | None, future_times: dict[tuple[Frequency, object], np.ndarray],
    ) -> RawInputs:
        lookback, horizon = self.lookback_, self.horizon_
        n_user = len(self.known_covariates_)
        n_calendar = self.n_known_ - n_user - int(self.padded_)
        count = len(members)
        # Filled in place, series by series: no array per series to stack afterwards.
        inputs = np.zeros((count, lookback, self.n_features))
        futures = np.zeros((count, horizon, self.n_known_))
        observed = np.ones((count, lookback), dtype=bool)
        times: np.ndarray | None = None if count else np.empty((0, horizon), dtype=np.int64)
        for position, series in enumerate(members):
            end = (series.frequency, series.time[-1].item())
            future_time = future_times.get(end)
            if future_time is None:
                future_time = future_times[end] = series.frequency.future(series.time[-1], horizon)
            columns = self._columns(series, slice(max(0, len(series) - lookback), len(series)))
            missing = lookback - len(columns[0])
            if missing > 0:  # a short history: padded like a training window (zero rows, not observed)
                observed[position, :missing] = False
            for j, column in enumerate(columns):
                inputs[position, max(missing, 0) :, j] = column
            if n_user:
                if isinstance(future, FutureCovariates):
                    futures[position, :, :n_user] = future.at(series.name, future_time)
                else:
                    futures[position, :, :n_user] = np.asarray(future[series.name], dtype=np.float64).reshape(
                        horizon, n_user
                    )
            if n_calendar:
                futures[position, :, n_user : n_user + n_calendar] = self._calendar(future_time)
            if times is None:
                times = np.empty((count, horizon), dtype=future_time.dtype)
            times[position] = future_time
        if self.padded_:
            futures[:, :, -1] = 1.0  # forecast steps are observed steps
        return RawInputs(history=inputs, observed=observed, known_future=futures, times=times, names=tuple(names))

    def forecast_inputs(
        self, history: SeriesSet, future: FutureCovariates | Mapping[str, np.ndarray] | None = None
    ) -> tuple[dict[str, Tensor], np.ndarray]:
        """Inputs for forecasting the ``horizon`` steps after the end of every series.

        Only the last ``lookback`` rows of each series are read (see
        :meth:`raw_forecast_inputs`), scaled with the fitted scaler.

        Args:
            history: the series to continue; each must be one the pipeline knows.
            future: the known covariates over the horizon, when the model has any:
                a :class:`~grucast.data.future.FutureCovariates` (looked up by time),
                or ``{series: (horizon, K) array}`` in step order; ``history.future``
                (rows of the data file with an empty target) if omitted.

        Returns:
            A batch like a :class:`WindowDataset` batch (without ``y``), one row per
            series (``series`` numbers them in ``history``'s order), and the
            ``(S, horizon)`` future times.

        Raises:
            DataError: a series is shorter than ``lookback``, unknown, or lacks future
                values of its known covariates (the message names the series and time).
        """
        history = self.without_excluded(history)
        raw = self.raw_forecast_inputs(history, future)
        return self.batch_from_raw(raw, *self.static_.encode(history)), raw.times

    def batch_from_raw(self, raw: RawInputs, static: Tensor | None = None, categories: Tensor | None = None) -> dict[str, Tensor]:
        """The model's batch for :class:`RawInputs`: scaled, window-normalised, with the static inputs.

        Args:
            raw: unscaled inputs of series this pipeline knows.
            static, categories: the series' encoded static inputs (see
                :meth:`grucast.data.static.StaticEncoder.encode`), when the model has any.
        """
        rows = self.scaler_.rows(raw.names)
        center, scale = self.scaler_.center_[rows], self.scaler_.scale_[rows]  # (S, F)
        # In place on one new array each: a collection's inputs are hundreds of MB.
        inputs = raw.history - center[:, None, :]
        inputs /= scale[:, None, :]
        inputs *= raw.observed[:, :, None]  # padded rows stay zero
        n_known = self.n_known_
        futures = raw.known_future - center[:, None, 1 : 1 + n_known]
        futures /= scale[:, None, 1 : 1 + n_known]
        x = torch.from_numpy(inputs).float()
        mask = torch.from_numpy(raw.observed) if self.padded_ else None
        offset, window_scale = window_statistics(x, self.window_norm_, mask)
        if self.window_norm_ != "none":
            x = normalize_window(x, offset, window_scale, mask)
        batch = {
            "x": x,
            "known_future": torch.from_numpy(futures).float(),
            "series": torch.arange(len(raw.names)),
            "offset": offset,
            "scale": window_scale,
        }
        if static is not None:
            batch["static"] = static
        if categories is not None:
            batch["categories"] = categories
        return batch

    def inverse(
        self, values: Tensor, batch: Mapping[str, Tensor], data: SeriesSet | Sequence[str], *, clip: bool = True
    ) -> np.ndarray:
        """Model outputs (or targets) of a batch in the data's units.

        Undoes the window normalisation, then the per-series scaler; with ``clip``,
        series never negative in training get no negative value.

        Args:
            values: ``(B, H, K)`` in the units the model sees (``K`` values per step:
                a forecast, bounds, quantiles).
            batch: the batch they were made for: its ``offset``, ``scale`` and
                ``series`` (the series' position in ``data``).
            data: the series the batch was made from (or just their names).
            clip: clip at zero where the series was never negative in training.

        Returns:
            ``(B, H, K)`` float64.
        """
        names = data.names if isinstance(data, SeriesSet) else tuple(data)
        rows = torch.from_numpy(self.scaler_.rows(names)[batch["series"].cpu().numpy()])  # a copy: the rows are shared
        restored = denormalize(values.cpu(), batch["offset"].cpu(), batch["scale"].cpu())
        out = self.scaler_.inverse_target(restored, rows).numpy()
        if clip:
            # A quantity never below zero in training (power, counts, prices): a
            # negative forecast or bound is never closer to the truth than zero.
            out = np.maximum(out, self._floor()[rows.numpy()][:, None, None])
        return out

    def _floor(self) -> np.ndarray:
        """Per scaler row: 0 for a series never negative in training, else -inf (kept while the fit is the same)."""
        fitted = (self.nonnegative_, self.scaler_)
        cached = self.__dict__.get("_floor_of")
        if cached is None or cached[0][0] is not fitted[0] or cached[0][1] is not fitted[1]:
            floor = np.array([0.0 if self.nonnegative_[name] else -np.inf for name in self.scaler_.series_])
            cached = self._floor_of = (fitted, floor)
        return cached[1]

    def to_model_units(self, values: np.ndarray, batch: Mapping[str, Tensor], data: SeriesSet) -> Tensor:
        """The reverse of :meth:`inverse` (without clipping): ``(B, H)`` data-unit values as ``(B, H, 1)`` model units."""
        rows = self.scaler_.rows(data.names)[batch["series"].cpu().numpy()]
        center, scale = self.scaler_.center_[rows, 0], self.scaler_.scale_[rows, 0]
        scaled = (np.asarray(values, dtype=np.float64) - center[:, None]) / scale[:, None]
        offset, window_scale = batch["offset"].cpu().double().numpy(), batch["scale"].cpu().double().numpy()
        return torch.from_numpy((scaled[:, :, None] - offset) / window_scale)

    def check_compatible(self, data: SeriesSet) -> None:
        """Refuse data whose columns or series differ from what the pipeline was fitted on."""
        self._check_columns(data)
        unknown = [name for name in data.names if name not in self.frequencies_]
        if unknown:
            raise DataError(
                f"series {quote_list(unknown[:5])} were not in the training data, so they have no fitted scaler; "
                f"the model knows {quote_list(self.series_[:10])}"
            )

    def with_new_series(self, data: SeriesSet, rows: str = "all") -> tuple[WindowPipeline, tuple[str, ...]]:
        """A copy that also knows the series of ``data`` it was not fitted on, and a note per such series.

        A global model forecasts a series it never saw from that series' own
        history: its scaler is fitted on the series' own rows (every given row with
        ``rows="all"``, for forecasting past the end; its training part with
        ``rows="train"``, for fine-tuning and evaluation, so its test period stays
        unseen), its forecasts are clipped at zero when those rows are never
        negative. Everything else the model learned is shared. The pipeline itself
        is not changed; the copy is returned (``self`` when nothing is new).

        Raises:
            DataError: the columns differ from training, a new series' frequency
                differs from the training series', or the model learned a vector per
                training series (``series_embedding``), which a new series lacks.
        """
        self._check_fitted()
        data = self.without_excluded(data)
        new = [series for series in data if series.name not in self.frequencies_]
        if not new:
            return self, ()
        self._check_columns(data)
        self.static_.encode(data.select([series.name for series in new]))  # refuses a series embedding
        aliases = {f.alias for f in self.frequencies_.values()}
        plan = self._plan(data) if rows == "train" else None
        columns, notes = {}, []
        for series in new:
            if series.frequency.alias not in aliases:
                raise DataError(
                    f"series {series.name!r} has frequency {series.frequency.alias!r} but the model was trained on "
                    f"{quote_list(sorted(aliases))} data; give series of the training frequency"
                )
            end = plan[series.name].train_end if plan is not None and series.name in plan else len(series)
            columns[series.name] = self._columns(series, slice(0, end))
            notes.append(
                f"series {series.name!r} was not in the training data: forecast by the global model, scaled by a "
                f"{self.scaler_.kind} scaler fitted on its own {end} rows"
            )
        extended = copy.copy(self)
        extended.scaler_ = self.scaler_.with_series(columns, passthrough=(OBSERVED,))
        extended.frequencies_ = {**self.frequencies_, **{s.name: s.frequency for s in new}}
        extended.series_ = tuple(extended.frequencies_)
        extended.nonnegative_ = {
            **self.nonnegative_, **{name: bool((cols[0] >= 0).all()) for name, cols in columns.items()}
        }
        return extended, tuple(notes)

    def _check_columns(self, data: SeriesSet) -> None:
        """Refuse data whose column roles differ from training's."""
        self._check_fitted()
        got = {
            "target": data.target, "known covariates": data.known_covariates, "past covariates": data.past_covariates,
            "static covariates": data.static_covariates,
        }
        expected = {
            "target": self.target_, "known covariates": self.known_covariates_, "past covariates": self.past_covariates_,
            "static covariates": self.static_covariates_,
        }
        for key, value in got.items():
            if value != expected[key]:
                raise DataError(
                    f"the data's {key} {value!r} differ from the model's {expected[key]!r}; "
                    "give the same columns the model was trained on"
                )

    # ---------------------------------------------------------- save / load

    def to_dict(self) -> dict[str, Any]:
        """Everything fitted, as plain Python (JSON-ready); :meth:`from_dict` reverses it."""
        self._check_fitted()
        return {
            "lookback": self.lookback_,
            "horizon": self.horizon_,
            "test_size": self.test_size,
            "val_size": self.val_size,
            "window_norm": self.window_norm_,
            "calendar": list(self.calendar_),
            "calendar_encoding": self.calendar_encoding,
            "season": self.season_,
            "target": self.target_,
            "known_covariates": list(self.known_covariates_),
            "past_covariates": list(self.past_covariates_),
            "static_covariates": list(self.static_covariates_),
            "static": self.static_.to_dict(),
            "time_column": self.time_column_,
            "feature_names": list(self.feature_names_),
            "n_known": self.n_known_,
            "frequencies": {name: {"alias": f.alias, "step": f.step} for name, f in self.frequencies_.items()},
            "nonnegative": dict(self.nonnegative_),
            "padded": self.padded_,
            "excluded": list(self.excluded_),
            "notes": list(self.notes_),
            "scaler": self.scaler_.to_dict(),
        }

    @staticmethod
    def merged_state(states: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """The :meth:`to_dict` of the pipeline of all series, from those fitted on consecutive shares of them.

        The shares agreed on every setting (see :mod:`grucast.data.agreement`); what
        differs is per series (frequencies, never-negative flags, scalers), put side
        by side in share order.
        """
        out = copy.deepcopy(dict(states[0]))
        out["frequencies"] = {name: f for state in states for name, f in state["frequencies"].items()}
        out["nonnegative"] = {name: flag for state in states for name, flag in state["nonnegative"].items()}
        out["scaler"]["series"] = {name: rows for state in states for name, rows in state["scaler"]["series"].items()}
        return out

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> WindowPipeline:
        """A fitted pipeline from :meth:`to_dict` (its settings are the resolved ones)."""
        pipeline = cls(
            state["lookback"], state["horizon"], test_size=state["test_size"], val_size=state["val_size"],
            scaler=state["scaler"]["kind"], window_norm=state["window_norm"], calendar=tuple(state["calendar"]),
            calendar_encoding=state["calendar_encoding"], season=state["season"],
            series_embedding=bool(state["static"]["series_embedding"]),
        )
        pipeline.lookback_ = int(state["lookback"])
        pipeline.horizon_ = int(state["horizon"])
        pipeline.season_ = int(state["season"])
        pipeline.window_norm_ = state["window_norm"]
        pipeline.calendar_ = tuple(state["calendar"])
        pipeline.target_ = state["target"]
        pipeline.known_covariates_ = tuple(state["known_covariates"])
        pipeline.past_covariates_ = tuple(state["past_covariates"])
        pipeline.static_covariates_ = tuple(state["static_covariates"])
        pipeline.static_ = StaticEncoder.from_dict(state["static"])
        pipeline.time_column_ = state["time_column"]
        pipeline.feature_names_ = tuple(state["feature_names"])
        pipeline.n_known_ = int(state["n_known"])
        pipeline.frequencies_ = {
            name: Frequency(f["alias"], step=int(f["step"])) for name, f in state["frequencies"].items()
        }
        pipeline.series_ = tuple(pipeline.frequencies_)
        pipeline.nonnegative_ = {name: bool(flag) for name, flag in state["nonnegative"].items()}
        pipeline.padded_ = bool(state["padded"])
        pipeline.excluded_ = tuple(state["excluded"])
        pipeline.notes_ = tuple(state["notes"])
        pipeline.scaler_ = SeriesScaler.from_dict(state["scaler"])
        return pipeline

    # -------------------------------------------------------------- helpers

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise NotFittedError("this WindowPipeline is not fitted yet; call fit(data) first")

    def without_excluded(self, data: SeriesSet) -> SeriesSet:
        """``data`` without the series fitting left out (too short for their test part)."""
        if not self.excluded_ or not any(name in self.excluded_ for name in data.names):
            return data
        return data.select([name for name in data.names if name not in self.excluded_])

    def _plan(self, data: SeriesSet) -> SplitPlan:
        return plan_splits(
            data, lookback=self.lookback_, horizon=self.horizon_, test_size=self.test_size, val_size=self.val_size
        )

    def _calendar(self, time: np.ndarray) -> np.ndarray:
        """Calendar features of ``time``; series of a collection usually share their timestamps,
        so each distinct run of times is computed once (pandas' date fields cost ~1 ms a call)."""
        memo = self.__dict__.setdefault("_calendar_memo", {})
        key = time.tobytes()
        table = memo.get(key)
        if table is None:
            table = calendar_features(time, self.calendar_, self.calendar_encoding)
            held = self.__dict__.get("_calendar_bytes", 0) + table.nbytes
            if held > 64 << 20:  # bounded: a few long series, or many distinct short ones
                memo.clear()
                held = table.nbytes
            memo[key] = table
            self._calendar_bytes = held
        return table

    def _columns(self, series: Series, rows: slice) -> list[np.ndarray]:
        # Views where possible: target, known covariates, calendar, past covariates.
        columns = [series.target[rows]]
        columns += [series.known[rows, j] for j in range(series.known.shape[1])]
        if self.calendar_:
            table = self._calendar(series.time[rows])
            columns += [table[:, j] for j in range(table.shape[1])]
        if self.padded_:
            columns.append(np.ones(len(series.time[rows])))
        columns += [series.past[rows, j] for j in range(series.past.shape[1])]
        return columns

    def _split_tensor(self, data: SeriesSet, plan: SplitPlan, part: Part) -> tuple[Tensor, list[Segment]]:
        """One contiguous float32 tensor with every series' rows for ``part``.

        Validation and test segments start ``lookback`` rows before the part, so
        their first window's inputs are the rows just before it.
        """
        ranges = []
        for index, series in enumerate(data):
            if series.name not in plan:
                continue  # left out: too short to hold its test part
            start, end = plan[series.name].bounds(part)
            first = 0 if part == "train" else max(0, start - plan.lookback)
            # Padded windows may start with one observed row; otherwise full windows only.
            first_target = (1 if self.padded_ else None) if part == "train" else start - first
            ranges.append((index, series, first, end, first_target))
        lengths = np.array([end - first for _, _, first, end, _ in ranges], dtype=np.int64)
        offsets = np.r_[0, np.cumsum(lengths)]
        values = torch.empty((int(offsets[-1]), len(self.feature_names_)), dtype=torch.float32)
        segments = [Segment(index, int(offsets[k]), first, end - first, first_target)
                    for k, (index, _, first, end, first_target) in enumerate(ranges)]
        scaler_rows = self.scaler_.rows([series.name for _, series, _, _, _ in ranges])
        # Series by chunks of about 65k rows, each column scaled in one vectorised
        # pass, (x - c) / s with the series' own c and s: temporaries stay one chunk's column long.
        cuts = np.unique(np.r_[np.searchsorted(offsets, np.arange(0, offsets[-1], _CHUNK_ROWS), side="right") - 1,
                              len(ranges)])
        for low, high in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
            columns = [self._columns(series, slice(first, end)) for _, series, first, end, _ in ranges[low:high]]
            owner = np.repeat(scaler_rows[low:high], lengths[low:high])
            for j in range(values.shape[1]):
                column = np.concatenate([np.asarray(cols[j], dtype=np.float64) for cols in columns])
                scaled = (column - self.scaler_.center_[owner, j]) / self.scaler_.scale_[owner, j]
                values[offsets[low] : offsets[high], j] = torch.from_numpy(scaled)
        return values, segments


#: Rows scaled at once when a split's tensor is built (bounds the float64 temporaries).
_CHUNK_ROWS = 1 << 16


def _resolve_calendar(
    data: SeriesSet, calendar: Sequence[str] | str, plan: SplitPlan, agree: Agreement = ALONE
) -> tuple[str, ...]:
    if calendar != "auto":
        return tuple(calendar)
    # Each share's calendars and shortest training span (in days; none for integer steps), gathered.
    calendars = {default_calendar(series.frequency) for series in data}
    spans = [(series.time[plan[series.name].train_end - 1] - series.time[0]) / np.timedelta64(1, "D")
             for series in data] if any(calendars) else [np.inf]
    shares = agree.gather((calendars, float(min(spans))))
    chosen = set().union(*(share[0] for share in shares))
    if len(chosen) > 1:
        raise DataError(
            "the series have different frequencies, so calendar='auto' cannot pick one set of calendar "
            f"features; give {option('calendar')} a list of features, or 'none'"
        )
    features = chosen.pop()
    if not features:
        return ()
    # Keep only cycles that every series' training part covers twice.
    return covered_features(features, min(share[1] for share in shares))
