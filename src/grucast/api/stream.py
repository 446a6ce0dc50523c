r"""Forecasts that follow a live feed: ``stream = forecaster.stream(history)``, then ``stream.update(rows)``.

Two modes:

* ``"exact"``: the stream keeps each series' last ``lookback`` rows (their raw
  features) in a sliding buffer; every update shifts the new rows in and runs the
  model on the buffer. The forecasts equal :meth:`Forecaster.predict` on the
  history extended by the same rows. Cost per update: one forward pass over
  ``lookback`` steps, :math:`O(L \cdot \text{layers} \cdot H^2)` per series.
* ``"stateful"``: the stream carries the encoder's hidden state. The first state
  is the encoder's over the last ``lookback`` rows of the history (so the first
  forecast is the exact one); each new row then advances it by one step,

  .. math::
      h_t = f(x_t, h_{t-1}), \qquad \hat y_{t+1..t+H} = \mathrm{decoder}(h_t, c_{t+1..t+H}),

  at :math:`O(\text{layers} \cdot H^2)` per row. It is an approximation: the
  model was trained on windows that start from a zero state ``lookback`` steps
  back, while the carried state has read every row since the stream began (and
  the inputs are scaled by the per-series scaler only). It needs a model with no
  window normalisation (``window_norm="none"``), a direct multi-step decoder and a
  one-directional recurrent encoder (GRU, LSTM, RNN, minGRU).

Rows arrive as a DataFrame: a ``series`` column (optional for a stream of one
series), the time column and the target named as in training, and the model's
covariates. Each series' rows must continue its timeline exactly: the next time
at its frequency, no gaps, no repeats; anything else is refused before the stream
changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from grucast.data.errors import DataError
from grucast.data.features import calendar_features
from grucast.data.frame import SeriesSet
from grucast.data.pipeline import RawInputs
from grucast.errors import InputError, option

if TYPE_CHECKING:
    from grucast.api.forecaster import Forecaster
    from grucast.data.pipeline import WindowPipeline

#: The stream modes.
MODES: tuple[str, ...] = ("exact", "stateful")


class ForecastStream:
    """The latest forecasts of a set of series, updated row by row.

    Args:
        forecaster: a fitted forecaster.
        history: the series so far (each at least ``lookback`` rows, or a padded model).
        mode: ``"exact"`` or ``"stateful"`` (see the module docstring).

    Attributes:
        names: the series, in the order of the buffer.
        last_time: ``{series: time of its last row}``.
    """

    def __init__(self, forecaster: Forecaster, history: SeriesSet, mode: str = "exact") -> None:
        if mode not in MODES:
            raise InputError(f"stream mode must be 'exact' or 'stateful', got {mode!r}")
        self.forecaster = forecaster
        self.mode = mode
        pipeline = forecaster.pipeline_for(history)
        history = pipeline.without_excluded(history)
        if pipeline.known_covariates_:
            raise InputError(
                f"streaming needs each step's known covariates {list(pipeline.known_covariates_)} over the horizon, "
                "which a row of observations does not carry; stream a model without known covariates, or call "
                "predict(history, future) per update"
            )
        raw = pipeline.raw_forecast_inputs(history)
        self.pipeline = pipeline
        self.names = raw.names
        self._position = {name: row for row, name in enumerate(self.names)}
        self._buffer = raw.history.copy()  # (S, L, F) raw features, oldest first
        self._observed = raw.observed.copy()  # (S, L)
        self._frequency = {series.name: series.frequency for series in history}
        self.last_time = {series.name: series.time[-1] for series in history}
        self._basis = history.time_basis
        self._static = pipeline.static_.encode(history)
        self._state: Tensor | tuple[Tensor, Tensor] | None = None
        self._cache: dict[object, np.ndarray] = {}
        if mode == "stateful":
            self._check_stateful()
            self._state = self._encode_window()

    # ------------------------------------------------------------------ public

    def forecast(self, names: tuple[str, ...] | None = None) -> pd.DataFrame:
        """The current forecasts of ``names`` (all series if omitted), as :meth:`Forecaster.predict` writes them."""
        names = self.names if names is None else names
        rows = np.array([self._position[name] for name in names])
        times = np.stack([self._future(name, self.pipeline.horizon_) for name in names])
        raw = self._raw(rows, times, names)
        batch = self.pipeline.batch_from_raw(raw, *self._static_rows(rows))
        with torch.no_grad():
            if self.mode == "exact":
                pred = self.forecaster.module_(batch)
            else:
                pred = self._decode(batch, rows)
        return self.forecaster.forecast_frame(pred, batch, names, times, self.pipeline, basis=self._basis)

    def update(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Take new observations and return the next forecasts of the series they belong to.

        Args:
            rows: one or more rows per series, in time order: ``series`` (may be left
                out when the stream holds one series), the time column, the target and
                the past-only covariates, named as in training.

        Returns:
            The forecasts of the updated series (:meth:`Forecaster.predict`'s columns).

        Raises:
            DataError: an unknown series, a missing column or value, or a row that is
                not the next step of its series (out of order, repeated, or after a
                gap); nothing is changed then.
        """
        grouped = self._check_rows(rows)
        by_count: dict[int, list[str]] = {}
        for name, features in grouped.items():
            by_count.setdefault(len(features), []).append(name)
        lookback = self._buffer.shape[1]
        for n, names in by_count.items():  # series with as many new rows move together
            index = np.array([self._position[name] for name in names])
            features = np.stack([grouped[name] for name in names])  # (S_n, n, F)
            if self.mode == "stateful":
                self._advance(index, features)
            keep = max(0, lookback - n)
            self._buffer[index] = np.concatenate([self._buffer[index, lookback - keep :], features[:, -lookback:]], axis=1)
            self._observed[index] = np.concatenate(
                [self._observed[index, lookback - keep :], np.ones((len(index), lookback - keep), dtype=bool)], axis=1
            )
            for name in names:
                self.last_time[name] = self._times[name][-1]
        return self.forecast(tuple(grouped))

    # ---------------------------------------------------------------- checking

    def _check_rows(self, rows: pd.DataFrame) -> dict[str, np.ndarray]:
        """``{series: (n, F) raw features}`` of valid new rows, or a :class:`DataError` naming the first bad one."""
        if not isinstance(rows, pd.DataFrame):
            raise InputError(f"update expects a pandas DataFrame of new rows, got {type(rows).__name__}")
        if rows.empty:
            raise DataError("update got no rows; give at least one new observation")
        pipeline = self.pipeline
        time_col = pipeline.time_column_ or "time"
        needed = [time_col, pipeline.target_, *pipeline.past_covariates_]
        missing = [column for column in needed if column not in rows.columns]
        if "series" not in rows.columns and len(self.names) > 1:
            missing.insert(0, "series")
        if missing:
            raise DataError(f"the new rows lack the column(s) {missing}; give {['series', *needed]}")
        series = rows["series"].astype(str).to_numpy() if "series" in rows.columns else np.repeat(self.names[0], len(rows))
        unknown = sorted(set(series) - set(self.names))
        if unknown:
            raise DataError(f"series {unknown} are not in this stream; it follows {list(self.names)[:10]}")
        values = rows[[pipeline.target_, *pipeline.past_covariates_]].to_numpy(dtype=np.float64)
        if np.isnan(values).any():
            bad = int(np.flatnonzero(np.isnan(values).any(axis=1))[0])
            raise DataError(f"new row {bad} (series {series[bad]!r}) has a missing value; give complete rows")
        times = rows[time_col].to_numpy()
        if np.issubdtype(np.asarray(times).dtype, np.datetime64) or times.dtype == object:
            times = pd.to_datetime(times).to_numpy().astype("datetime64[ns]")
        grouped, self._times = {}, {}
        order = np.argsort(series, kind="stable")  # each series' rows together, in their given order
        names, starts = np.unique(series[order], return_index=True)
        bounds = dict(zip(names, zip(starts, list(starts[1:]) + [len(order)])))
        for name in dict.fromkeys(series):
            take = order[bounds[name][0] : bounds[name][1]]
            given = times[take]
            expected = self._future(name, len(given))
            wrong = np.flatnonzero(given != expected)
            if len(wrong):
                first = int(wrong[0])
                previous = expected[first - 1] if first else self.last_time[name]
                if bool((given[1:] <= given[:-1]).any()):
                    what = "is out of order"
                elif given[first] <= previous:
                    what = "repeats or goes back in time"
                else:
                    what = "leaves a gap"
                raise DataError(
                    f"series {name!r}: new row at {_show(given[first])} {what}; the next row must be at "
                    f"{_show(expected[first])} "
                    "(one step after the last one); give the rows in time order without gaps"
                )
            self._times[name] = given
            grouped[name] = self._features(given, values[take])
        return grouped

    def _features(self, times: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Raw feature rows ``(n, F)`` in the pipeline's column order: target, calendar, observed, past covariates."""
        pipeline = self.pipeline
        columns = [values[:, :1]]
        if pipeline.calendar_:
            columns.append(self._calendar(times))
        if pipeline.padded_:
            columns.append(np.ones((len(times), 1)))
        columns.append(values[:, 1:])
        return np.column_stack(columns)

    def _future(self, name: str, count: int) -> np.ndarray:
        """The ``count`` times after series ``name``'s last row (shared by series that end together)."""
        frequency, last = self._frequency[name], self.last_time[name]
        key = (frequency, last, count)
        if key not in self._cache:
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[key] = frequency.future(last, count)
        return self._cache[key]

    def _calendar(self, times: np.ndarray) -> np.ndarray:
        """Calendar features of ``times`` (computed once per distinct run of times)."""
        key = ("calendar", times.tobytes())
        if key not in self._cache:
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[key] = calendar_features(times, self.pipeline.calendar_, self.pipeline.calendar_encoding)
        return self._cache[key]

    # ---------------------------------------------------------------- helpers

    def _raw(self, rows: np.ndarray, times: np.ndarray, names: tuple[str, ...]) -> RawInputs:
        pipeline = self.pipeline
        known = [self._calendar(t) if pipeline.calendar_ else np.zeros((len(t), 0)) for t in times]
        if pipeline.padded_:
            known = [np.column_stack([k, np.ones(len(k))]) for k in known]
        return RawInputs(
            history=self._buffer[rows], observed=self._observed[rows], known_future=np.stack(known), times=times,
            names=names,
        )

    def _static_rows(self, rows: np.ndarray) -> tuple[Tensor | None, Tensor | None]:
        index = torch.as_tensor(rows)
        return tuple(None if value is None else value[index] for value in self._static)  # type: ignore[return-value]

    def _check_stateful(self) -> None:
        check_stateful(self.forecaster, self.pipeline)

    def _scaled(self, raw_rows: np.ndarray, rows: np.ndarray) -> Tensor:
        """Raw features ``(S, n, F)`` scaled by each series' scaler, as float32."""
        scaler = self.pipeline.scaler_
        index = scaler.rows([self.names[row] for row in rows])
        center, scale = scaler.center_[index], scaler.scale_[index]
        return torch.from_numpy((raw_rows - center[:, None, :]) / scale[:, None, :]).float()

    def _encode_window(self) -> Tensor | tuple[Tensor, Tensor]:
        """The encoder's state after the buffered window of every series, from a zero state."""
        rows = np.arange(len(self.names))
        model = self.forecaster.module_.model
        with torch.no_grad():
            _, state = model.encoder(model.encoder_input(self._scaled(self._buffer, rows)))
        return state

    def _advance(self, index: np.ndarray, features: np.ndarray) -> None:
        """Advance the carried states of series ``index`` over their new raw rows ``(S, n, F)``."""
        model = self.forecaster.module_.model
        x = self._scaled(features, index)  # (S, n, F)
        rows = torch.as_tensor(index)
        state = self._state
        with torch.no_grad():
            if isinstance(state, tuple):  # LSTM: (h, c)
                h, c = state
                _, (h_new, c_new) = model.encoder(x, (h[:, rows].contiguous(), c[:, rows].contiguous()))
                h[:, rows], c[:, rows] = h_new, c_new
            else:
                _, h_new = model.encoder(x, state[:, rows].contiguous())
                state[:, rows] = h_new

    def _decode(self, batch: Mapping[str, Tensor], rows: np.ndarray) -> Tensor:
        """Forecasts ``(S, H, Q)`` from the carried states of series ``rows``."""
        model = self.forecaster.module_.model
        state = self._state[0] if isinstance(self._state, tuple) else self._state
        summary = state[-1, torch.as_tensor(rows)]  # (S, H) the last layer's state
        future = batch["known_future"] if model.n_future else None
        return model.decoder(summary, future, batch.get("static"), batch.get("categories"))


def check_stateful(
    forecaster: Forecaster, pipeline: WindowPipeline | None = None, what: str = "stateful streaming",
    instead: str = "mode='exact'",
) -> None:
    """Refuse a model whose forecasts cannot follow one carried state (the message lists why and
    names ``instead``, the caller's alternative that carries no state)."""
    pipeline = pipeline or forecaster.pipeline_
    model, settings = forecaster.module_.model, forecaster.settings_
    problems = []
    if pipeline.window_norm_ != "none":
        problems.append(f"{option('window_norm', pipeline.window_norm_)} rescales every window by its own rows")
    if settings.multi_step != "direct":
        problems.append("a recursive model rolls whole windows forward")
    if getattr(model, "bidirectional", False) or getattr(model.encoder, "bidirectional", False):
        problems.append("a bidirectional encoder reads each window backwards too")
    if hasattr(model, "conv"):
        problems.append("the CNN front end reads several rows at once")
    if pipeline.padded_:
        problems.append("the model was trained on padded windows")
    if getattr(model, "skip", None) is not None:
        problems.append(f"{option('skip', settings.skip)} reads the last {model.skip.lookback} rows at once")
    if problems:
        raise InputError(
            f"{what} carries one state forward, but " + "; ".join(problems)
            + f"; use {instead} (or train with {option('window_norm', 'none')}, {option('skip', 'none')} and a "
            "one-directional model)"
        )


def _show(time: object) -> str:
    """A time as people write it (``2010-11-22 18:00:00``), an integer step as itself."""
    return str(pd.Timestamp(time)) if np.issubdtype(np.asarray(time).dtype, np.datetime64) else str(time)
