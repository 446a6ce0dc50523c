"""From validated series to scaled, split, windowed tensors in one call.

:func:`prepare_windows` plans the split, adds calendar features, fits the scaler on
each series' training rows, writes each split once into a contiguous float32
tensor, and wraps it in a lazy :class:`WindowDataset`. Nothing in the validation or
test period can change what training sees: the scaler, the window-normalisation
choice and every training window depend on training rows alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
from torch import Tensor

from grucast.data._text import quote_list
from grucast.data.errors import DataError
from grucast.data.features import (
    CalendarEncoding,
    calendar_features,
    calendar_names,
    covered_features,
    default_calendar,
)
from grucast.data.frame import Series, SeriesSet
from grucast.data.scaling import SeriesScaler, ScalerKind
from grucast.data.splits import Part, SplitPlan, plan_splits
from grucast.data.window_norm import (
    WindowNorm,
    check_window_norm,
    denormalize,
    normalize_window,
    suggest_window_norm,
    window_statistics,
)
from grucast.data.windows import Segment, WindowDataset


@dataclass(frozen=True, eq=False)
class WindowedData:
    """Everything a model needs from the data, and what undoes it on the way out.

    Attributes:
        data: the series it was built from.
        plan: where each series was split.
        scaler: the per-series scaler, fitted on training rows.
        window_norm: the window normalisation in use.
        calendar: the calendar features added as known covariates.
        calendar_encoding: ``"cyclical"`` or ``"raw"``.
        feature_names: the input features, in order: target, known covariates,
            calendar features, past-only covariates.
        n_known: how many features after the target are known over the horizon
            (known covariates and calendar features).
        train, val, test: lazy windows of each part (``stride`` applies to all).
    """

    data: SeriesSet
    plan: SplitPlan
    scaler: SeriesScaler
    window_norm: WindowNorm
    calendar: tuple[str, ...]
    calendar_encoding: CalendarEncoding
    feature_names: tuple[str, ...]
    n_known: int
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

    @property
    def n_features(self) -> int:
        """Features per input row."""
        return len(self.feature_names)

    def split(self, part: Part) -> WindowDataset:
        """The windows of ``"train"``, ``"val"`` or ``"test"``."""
        return {"train": self.train, "val": self.val, "test": self.test}[part]

    def inverse_target(self, forecast: Tensor, batch: Mapping[str, Tensor]) -> Tensor:
        """Forecasts (or targets) of a batch back in the data's units.

        Undoes the window normalisation, then the per-series scaler.

        Args:
            forecast: ``(B, H, 1)`` in the units the model sees.
            batch: the batch it was made for (its ``offset``, ``scale``, ``series``).

        Returns:
            ``(B, H, 1)`` float64 in the original units.
        """
        restored = denormalize(forecast, batch["offset"].to(forecast.device), batch["scale"].to(forecast.device))
        return self.scaler.inverse_target(restored, batch["series"].to(forecast.device))

    def forecast_batch(self, future_known: Mapping[str, np.ndarray] | None = None) -> tuple[dict[str, Tensor], np.ndarray]:
        """Inputs for forecasting the ``horizon`` steps after the end of every series.

        See :func:`forecast_inputs`, called with these windows' settings.
        """
        return forecast_inputs(
            self.data,
            lookback=self.lookback,
            horizon=self.horizon,
            scaler=self.scaler,
            calendar=self.calendar,
            calendar_encoding=self.calendar_encoding,
            window_norm=self.window_norm,
            future_known=future_known,
        )

    def describe(self) -> dict[str, Any]:
        """The settings that rebuild these windows, as plain Python (JSON-ready)."""
        return {
            "lookback": self.lookback,
            "horizon": self.horizon,
            "window_norm": self.window_norm,
            "calendar": list(self.calendar),
            "calendar_encoding": self.calendar_encoding,
            "feature_names": list(self.feature_names),
            "n_known": self.n_known,
            "scaler": self.scaler.to_dict(),
            "split": {s.name: {"length": s.length, "train_end": s.train_end, "val_end": s.val_end} for s in self.plan},
        }


def forecast_inputs(
    data: SeriesSet,
    *,
    lookback: int,
    horizon: int,
    scaler: SeriesScaler,
    calendar: Sequence[str],
    calendar_encoding: CalendarEncoding,
    window_norm: WindowNorm,
    future_known: Mapping[str, np.ndarray] | None = None,
) -> tuple[dict[str, Tensor], np.ndarray]:
    """Inputs for forecasting the ``horizon`` steps after the end of every series.

    Only the last ``lookback`` rows of each series are read, scaled with the given
    (already fitted) scaler, so this serves a model loaded from disk on new data.

    Args:
        data: the series to forecast; every one must be known to ``scaler``.
        lookback, horizon: the model's window.
        scaler: the fitted per-series scaler.
        calendar, calendar_encoding: the calendar features the model was trained with.
        window_norm: the window normalisation the model was trained with.
        future_known: ``{series: (H, K_user) array}`` of the user's known
            covariates over the horizon; needed only when there are any.

    Returns:
        A batch like a :class:`WindowDataset` batch (without ``y``), one row per
        series, and the ``(S, H)`` future times.

    Raises:
        DataError: a series is shorter than ``lookback``, unknown to the scaler, or
            has known covariates that ``future_known`` lacks.
    """
    for series in data:
        if len(series) < lookback:
            raise DataError(
                f"series {series.name!r} has {len(series)} rows but the model reads the last {lookback}; "
                "give a longer history"
            )
        scaler.index(series.name)
    n_known = len(data.known_covariates) + len(calendar_names(calendar, calendar_encoding))
    user_known = len(data.known_covariates)
    inputs, futures, times = [], [], []
    for series in data:
        future_time = series.frequency.future(series.time[-1], horizon)
        columns = _columns(series, calendar, calendar_encoding, slice(len(series) - lookback, len(series)))
        inputs.append(np.column_stack(
            [scaler.transform(series.name, j, column) for j, column in enumerate(columns)]
        ))
        known = np.zeros((horizon, 0))
        if user_known:
            if future_known is None or series.name not in future_known:
                raise DataError(
                    f"forecasting series {series.name!r} needs the future values of its known covariates "
                    f"{quote_list(data.known_covariates)} for the next {horizon} steps; pass future_known="
                )
            known = np.asarray(future_known[series.name], dtype=np.float64).reshape(horizon, user_known)
        if calendar:
            known = np.column_stack([known, calendar_features(future_time, calendar, calendar_encoding)])
        futures.append(np.column_stack(
            [scaler.transform(series.name, 1 + j, known[:, j]) for j in range(n_known)]
        ) if n_known else np.zeros((horizon, 0)))
        times.append(future_time)
    x = torch.from_numpy(np.stack(inputs)).float()
    offset, scale = window_statistics(x, window_norm)
    if window_norm != "none":
        x = normalize_window(x, offset, scale)
    batch = {
        "x": x,
        "known_future": torch.from_numpy(np.stack(futures)).float(),
        "series": torch.tensor([scaler.index(series.name) for series in data]),
        "start": torch.tensor([len(series) - lookback for series in data]),
        "offset": offset,
        "scale": scale,
    }
    return batch, np.stack(times)


def prepare_windows(
    data: SeriesSet,
    *,
    lookback: int,
    horizon: int,
    test_size: float = 0.1,
    val_size: float = 0.1,
    stride: int = 1,
    scaler: ScalerKind | SeriesScaler = "standard",
    window_norm: WindowNorm | Literal["auto"] = "auto",
    calendar: Sequence[str] | Literal["auto"] | None = "auto",
    calendar_encoding: CalendarEncoding = "cyclical",
) -> WindowedData:
    """Split, scale and window a set of series, leak-free.

    Args:
        data: the validated series.
        lookback: input rows per window.
        horizon: target rows per window.
        test_size: rows at the end of each series for testing: steps, or a fraction
            below 1 (at least one horizon). Default: 10 %.
        val_size: rows before the test part for validation, likewise; 0 for none.
        stride: rows between consecutive window starts.
        scaler: ``"standard"``, ``"minmax"``, ``"robust"``, ``"none"``, or an already
            fitted :class:`SeriesScaler` to reuse (e.g. loaded with a model).
        window_norm: ``"none"``, ``"last"``, ``"mean_std"``, or ``"auto"``, which picks
            ``"last"`` when the training data trends out of its range (see
            :func:`grucast.data.window_norm.suggest_window_norm`).
        calendar: calendar features to add as known covariates; ``"auto"`` picks
            them from the frequency (none for integer steps), ``None`` adds none.
        calendar_encoding: ``"cyclical"`` (sin, cos pairs) or ``"raw"``.

    Raises:
        DataError: series too short for the window or the split, or calendar
            features asked of integer steps.
    """
    check_window_norm(window_norm, allow_auto=True)
    plan = plan_splits(data, lookback=lookback, horizon=horizon, test_size=test_size, val_size=val_size)
    features = _resolve_calendar(data, calendar, plan)
    feature_names = (
        (data.target,) + data.known_covariates + calendar_names(features, calendar_encoding) + data.past_covariates
    )
    n_known = len(data.known_covariates) + len(calendar_names(features, calendar_encoding))
    if isinstance(scaler, SeriesScaler):
        if list(scaler.columns_) != list(feature_names):
            raise DataError(
                f"the given scaler was fitted on columns {quote_list(scaler.columns_)}, but these windows have "
                f"{quote_list(feature_names)}; prepare the data with the same columns and calendar features"
            )
        unknown = [series.name for series in data if series.name not in scaler.series_]
        if unknown:
            raise DataError(
                f"series {quote_list(unknown)} were not in the data the given scaler was fitted on "
                f"({quote_list(scaler.series_)}); forecast only series the model was trained on"
            )
        # Rows in the data's order, so that a batch's series index picks its own statistics.
        fitted = scaler.select(data.names)
    else:
        fitted = SeriesScaler(scaler).fit(
            {
                series.name: _columns(series, features, calendar_encoding, slice(0, plan[series.name].train_end))
                for series in data
            },
            feature_names,
        )
    norm: WindowNorm = suggest_window_norm(data, plan) if window_norm == "auto" else window_norm
    parts = {}
    for part in ("train", "val", "test"):
        values, segments = _split_tensor(data, plan, part, fitted, features, calendar_encoding, len(feature_names))
        parts[part] = WindowDataset(
            values, segments, lookback=lookback, horizon=horizon, n_known=n_known, stride=stride, window_norm=norm
        )
    return WindowedData(
        data=data,
        plan=plan,
        scaler=fitted,
        window_norm=norm,
        calendar=features,
        calendar_encoding=calendar_encoding,
        feature_names=feature_names,
        n_known=n_known,
        **parts,
    )


def _resolve_calendar(data: SeriesSet, calendar: Sequence[str] | str | None, plan: SplitPlan) -> tuple[str, ...]:
    if calendar is None:
        return ()
    if calendar == "auto":
        chosen = {default_calendar(series.frequency) for series in data}
        if len(chosen) > 1:
            raise DataError(
                "the series have different frequencies, so calendar='auto' cannot pick one set of calendar "
                "features; pass calendar= a list of features, or None"
            )
        features = chosen.pop()
        if not features:
            return ()
        # Keep only cycles that every series' training part covers twice.
        spans = []
        for series in data:
            end = plan[series.name].train_end
            spans.append((series.time[end - 1] - series.time[0]) / np.timedelta64(1, "D"))
        return covered_features(features, float(min(spans)))
    if isinstance(calendar, str):
        raise DataError(f"calendar must be 'auto', None or a list of features, got the string {calendar!r}")
    return tuple(calendar)


def _columns(series: Series, features: Sequence[str], encoding: CalendarEncoding, rows: slice) -> list[np.ndarray]:
    # Views where possible: target, known covariates, calendar, past covariates.
    columns = [series.target[rows]]
    columns += [series.known[rows, j] for j in range(series.known.shape[1])]
    if features:
        table = calendar_features(series.time[rows], features, encoding)
        columns += [table[:, j] for j in range(table.shape[1])]
    columns += [series.past[rows, j] for j in range(series.past.shape[1])]
    return columns


def _split_tensor(
    data: SeriesSet,
    plan: SplitPlan,
    part: Part,
    scaler: SeriesScaler,
    features: Sequence[str],
    encoding: CalendarEncoding,
    n_features: int,
) -> tuple[Tensor, list[Segment]]:
    """One contiguous float32 tensor with every series' rows for ``part``.

    Validation and test segments start ``lookback`` rows before the part, so their
    first window's inputs are the rows just before it.
    """
    ranges = []
    for index, series in enumerate(data):
        start, end = plan[series.name].bounds(part)
        first = 0 if part == "train" else start - plan.lookback
        ranges.append((index, series, first, end))
    total = sum(end - first for _, _, first, end in ranges)
    values = torch.empty((total, n_features), dtype=torch.float32)
    segments, offset = [], 0
    for index, series, first, end in ranges:
        columns = _columns(series, features, encoding, slice(first, end))
        block = values[offset : offset + end - first]
        for j, column in enumerate(columns):
            # Column by column: temporaries stay one column long.
            block[:, j] = torch.from_numpy(scaler.transform(series.name, j, column))
        segments.append(Segment(series=index, offset=offset, first_row=first, length=end - first))
        offset += end - first
    return values, segments
