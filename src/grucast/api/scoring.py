"""Score a forecaster on a split, beside the naive baselines, on the very same windows."""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grucast.data.frame import SeriesSet
from grucast.data.pipeline import WindowedData
from grucast.data.errors import DataError
from grucast.evaluation import BASELINE_NAMES, ForecastMetrics, naive_forecast, seasonal_naive_forecast
from grucast.evaluation.point_sums import PointSums
from grucast.evaluation.quantile_sums import IntervalSums, QuantileSums
from grucast.evaluation.sums import chunk_rows
from grucast.evaluation.summary import series_scales
from grucast.grouping import group_rows


@dataclass
class Scores:
    """A model's and its baselines' accuracy on one split.

    Attributes:
        model: the model's metrics (overall, per series, per step).
        baselines: ``{"naive": ..., "seasonal_naive": ...}`` on the same windows.
        season: the seasonal period of the seasonal naive forecast and of MASE.
        windows: the arrays behind the numbers, for the windows kept (see
            :func:`score_windows`): ``actual``, ``forecast``, ``lower``, ``upper``,
            ``naive``, ``seasonal_naive`` ``(W, H)``; ``series`` and ``origin`` ``(W,)``;
            ``in_frame`` ``(W,)``, the windows ``forecasts.csv`` lists.
        level: the nominal coverage of the bands scored.
        intervals: coverage, width and interval score of each band (the model's, the baselines').
        quantiles: the quantile scores of a quantile model and of the baselines' quantiles.
        n_windows: how many windows were scored (all of them, whichever were kept).
        coverage_per_step: each band's share of values inside, per horizon step.
        reliability: share of values at or below each quantile level's forecast, per forecast.
    """

    model: ForecastMetrics
    baselines: dict[str, ForecastMetrics]
    season: int
    windows: dict[str, np.ndarray] = field(repr=False, default_factory=dict)
    level: float | None = None
    intervals: dict[str, dict[str, float]] = field(default_factory=dict)
    quantiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    n_windows: int = 0
    coverage_per_step: dict[str, list[float]] = field(default_factory=dict)
    reliability: dict[str, dict[float, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The metrics.json layout: overall metrics up front, details below."""
        out = {
            "model": dict(self.model.overall),
            "baselines": {name: dict(m.overall) for name, m in self.baselines.items()},
            "season": self.season,
            "windows": self.n_windows,
            "per_series": {
                "model": self.model.to_dict()["per_series"],
                **{name: m.to_dict()["per_series"] for name, m in self.baselines.items()},
            },
            "per_step": {
                "model": self.model.to_dict()["per_step"],
                **{name: m.to_dict()["per_step"] for name, m in self.baselines.items()},
            },
            "notes": _condensed_notes([*self.model.notes, *(n for m in self.baselines.values() for n in m.notes)]),
        }
        if self.intervals:
            out["intervals"] = {"level": self.level, **self.intervals}
        if self.quantiles:
            out["quantiles"] = {
                name: {"overall": scores["overall"], "per_step": scores["per_step"]}
                for name, scores in self.quantiles.items()
            }
        return out


def _condensed_notes(notes: list[str]) -> list[str]:
    """Unique notes, with the per-step ones folded into one line per kind of problem."""
    kept, per_step = [], {}
    for note in dict.fromkeys(notes):
        where, _, what = note.partition(": ")
        if where.startswith("step "):
            kind = what.split(":")[0]
            per_step.setdefault(kind, []).append(int(where.split()[1]))
        else:
            kept.append(note)
    for kind, steps in per_step.items():
        kept.append(f"{len(steps)} horizon step(s) ({min(steps)}..{max(steps)}): {kind}")
    return kept


def baseline_windows(
    data: SeriesSet, series_index: np.ndarray, origin: np.ndarray, horizon: int, season: int
) -> dict[str, np.ndarray]:
    """The naive and seasonal naive forecasts of windows.

    Args:
        data: the series.
        series_index: ``(W,)`` each window's series, by position in ``data``.
        origin: ``(W,)`` each window's last input row (its forecast origin).
        horizon: steps forecast.
        season: the seasonal period; a window with less than a season of history
            gets the naive forecast as its seasonal naive one.

    Returns:
        ``{"naive": (W, H), "seasonal_naive": (W, H)}``.
    """
    first = origin + 1  # the baselines' origin: the first value forecast
    out = {"naive": np.empty((len(origin), horizon)), "seasonal_naive": np.empty((len(origin), horizon))}
    steps = np.arange(1, horizon + 1)
    # h - m * ceil(h / m): the lag back from the last observed value (see seasonal_naive_forecast).
    back = steps - season * ((steps + season - 1) // season)
    groups = group_rows(series_index)
    # The formulas of naive_forecast and seasonal_naive_forecast, gathered directly: the
    # windows' origins lie inside their series by construction; a non-finite value used
    # is caught below by the checked functions, which name it.
    for index, rows in groups:
        target = data.series[index].target
        last = first[rows] - 1
        out["naive"][rows] = target[last][:, None]
        seasonal = first[rows] >= season
        out["seasonal_naive"][rows] = np.where(
            seasonal[:, None], target[np.maximum(last[:, None] + back, 0)], out["naive"][rows]
        )
    if np.isfinite(out["naive"]).all() and np.isfinite(out["seasonal_naive"]).all():
        return out
    for index, rows in groups:
        series = data.series[index]
        out["naive"][rows] = naive_forecast(series.target, first[rows], horizon)
        seasonal = first[rows] >= season
        out["seasonal_naive"][rows] = out["naive"][rows]
        if seasonal.any():
            out["seasonal_naive"][rows[seasonal]] = seasonal_naive_forecast(
                series.target, first[rows[seasonal]], horizon, season
            )
    return out


def quantile_keys(forecasts: dict[str, np.ndarray], prefix: str = "") -> list[tuple[float, str]]:
    """``(level, key)`` of the quantile columns ``{prefix}q<level>`` among ``forecasts``, by level."""
    found = []
    for key in forecasts:
        if key.startswith(prefix + "q"):
            try:
                found.append((float(key[len(prefix) + 1 :]), key))
            except ValueError:
                continue
    return sorted(found)


def score_windows(
    windows: WindowedData,
    forecasts: Mapping[str, np.ndarray] | Iterable[Mapping[str, np.ndarray]],
    season: int,
    level: float | None = None,
    keep: str = "all",
    part: str = "test",
) -> Scores:
    """Metrics of ``forecasts`` and of the baselines: :func:`accumulate_windows`, then its scores."""
    return accumulate_windows(windows, forecasts, season, level, keep, part).scores()


def accumulate_windows(
    windows: WindowedData,
    forecasts: Mapping[str, np.ndarray] | Iterable[Mapping[str, np.ndarray]],
    season: int,
    level: float | None = None,
    keep: str = "all",
    part: str = "test",
) -> WindowSums:
    """Sums behind the metrics of ``forecasts`` (from :meth:`Forecaster.forecast_windows`) and of the baselines.

    MASE is scaled by each series' in-sample seasonal naive error on its training part.
    When ``forecasts`` hold a band (``lower``, ``upper``) and the baselines' bands
    (``naive_q<level>``...), they are scored too at ``level``, and quantile columns
    (``q<level>``) with the quantile scores of :mod:`grucast.evaluation.quantile_sums`.

    The windows are scored in chunks, and only sums are kept between chunks
    (:mod:`grucast.evaluation.point_sums`): ``forecasts`` may be one dict of arrays
    or an iterable of such dicts over consecutive windows, so that a million windows
    need never be in memory at once.

    Args:
        windows: the windows the forecasts were made on (for the series and their split).
        forecasts: ``actual``, ``forecast``, ``series``, ``origin``, and optionally
            ``lower``, ``upper``, the baselines' point forecasts (used when they are at
            ``season``, the fitted one; made here otherwise) and bands, and quantiles;
            or chunks of them.
        season: seasonal period of the seasonal naive forecast and MASE.
        level: the nominal coverage of the ``lower``/``upper`` band.
        keep: which windows :attr:`Scores.windows` holds: ``"all"``; ``"report"``, those
            a run folder writes and plots (see :data:`REPORT_SERIES`); or ``"none"``.
        part: the split the windows are from (for which windows ``in_frame`` marks).
    """
    if keep not in ("all", "report", "none"):
        raise ValueError(f"keep must be 'all', 'report' or 'none', got {keep!r}")
    data = windows.data
    chunks = _row_chunks(forecasts) if isinstance(forecasts, Mapping) else forecasts
    dataset = windows.split(part)  # type: ignore[arg-type]
    horizon = windows.horizon
    # Each series' last window origin in the part: forecasts.csv lists every horizon-th window counted back from it.
    last_origin = np.full(len(data), -1, dtype=np.int64)
    for segment in dataset.segments:
        last_origin[segment.series] = segment.first_row + segment.length - horizon - 1
    frame_step = horizon * dataset.stride
    parts = [s.target[: windows.plan[s.name].train_end] for s in data]
    scales, lags = series_scales(parts, data.names, season)
    point: PointSums | None = None
    bands: dict[str, IntervalSums] = {}
    quantile_sums: dict[str, QuantileSums] = {}
    kept: list[dict[str, np.ndarray]] = []
    fallback = windows_scored = 0
    # Forecasts from Forecaster.forecast_windows bring the baselines at the fitted season.
    fitted_season = season == windows.pipeline.season_
    for chunk in chunks:
        series_index, origin, actual = chunk["series"], chunk["origin"], chunk["actual"]
        if fitted_season and all(name in chunk for name in BASELINE_NAMES):
            baselines = {name: chunk[name] for name in BASELINE_NAMES}
        else:
            baselines = baseline_windows(data, series_index, origin, horizon, season)
        fallback += int(np.count_nonzero(origin + 1 < season))  # less than a season of history: naive
        windows_scored += len(actual)
        if point is None:
            point = PointSums(scales, lags, season, horizon, ["model", *baselines])
            bands, quantile_sums = _probabilistic_sums(chunk, list(baselines), level, len(data), horizon)
        point.add(series_index, actual, {"model": chunk["forecast"], **baselines})
        columns = {**chunk, **baselines}
        for name, sums in bands.items():
            low, high = _band_keys(columns, name, level)  # type: ignore[arg-type]
            sums.add(actual, columns[low], columns[high])
        for name, sums in quantile_sums.items():
            keys = _quantile_columns(columns, name, sums.levels)
            sums.add(series_index, actual, np.stack([columns[key] for key in keys], axis=-1))
        in_frame = (last_origin[series_index] - origin) % frame_step == 0
        if keep != "none":
            rows = slice(None) if keep == "all" else in_frame | (series_index < REPORT_SERIES)
            kept.append({**{key: np.asarray(values)[rows] for key, values in columns.items()},
                         "in_frame": in_frame[rows]})
    if point is None:
        raise DataError("there are no windows in this part of the data: the series are too short for its size")
    return WindowSums(
        names=data.names, season=season, level=level, point=point, bands=bands, quantiles=quantile_sums,
        windows={key: np.concatenate([chunk[key] for chunk in kept]) for key in kept[0]} if kept else {},
        fallback=fallback, count=windows_scored,
    )


@dataclass
class WindowSums:
    """What scoring windows keeps between chunks (see :func:`accumulate_windows`); :meth:`scores` gives the
    metrics, and :meth:`concat` puts together those of consecutive shares of the series."""

    names: tuple[Hashable, ...]
    season: int
    level: float | None
    point: PointSums
    bands: dict[str, IntervalSums]
    quantiles: dict[str, QuantileSums]
    windows: dict[str, np.ndarray]
    fallback: int
    count: int

    @classmethod
    def concat(cls, parts: Sequence[WindowSums]) -> WindowSums:
        """The sums of shares of the series, given in series order, as one; kept windows' ``series`` renumbered."""
        first = parts[0]
        offsets = np.cumsum([0, *(len(part.names) for part in parts)])
        kept = [dict(part.windows, series=part.windows["series"] + offset)
                for part, offset in zip(parts, offsets) if part.windows]
        return cls(
            names=tuple(name for part in parts for name in part.names), season=first.season, level=first.level,
            point=PointSums.concat([part.point for part in parts]),
            bands={name: IntervalSums.concat([part.bands[name] for part in parts]) for name in first.bands},
            quantiles={name: QuantileSums.concat([part.quantiles[name] for part in parts]) for name in first.quantiles},
            windows={key: np.concatenate([one[key] for one in kept]) for key in kept[0]} if kept else {},
            fallback=sum(part.fallback for part in parts), count=sum(part.count for part in parts),
        )

    def scores(self) -> Scores:
        """The metrics of the model and the baselines, the band and quantile scores."""
        season, point = self.season, self.point
        scored = {
            name: ForecastMetrics(overall, per_series, per_step, tuple(notes), int(season))
            for name, (overall, per_series, per_step, notes) in point.result(self.names).items()
        }
        model = scored.pop("model")
        if self.fallback:
            scored["seasonal_naive"] = dataclasses.replace(
                scored["seasonal_naive"],
                notes=scored["seasonal_naive"].notes + (
                    f"{self.fallback} window(s) with less than a season of history use the naive forecast as "
                    "seasonal naive",
                ),
            )
        order = point.order()
        return Scores(
            model=model, baselines=scored, season=season, windows=self.windows, level=self.level,
            intervals={name: sums.result() for name, sums in self.bands.items()},
            quantiles={name: sums.result(order, self.names) for name, sums in self.quantiles.items()},
            n_windows=self.count,
            coverage_per_step={name: sums.coverage_per_step() for name, sums in self.bands.items()},
            reliability={name: sums.reliability() for name, sums in self.quantiles.items()},
        )


#: The series (by position) whose every test window a run folder keeps, for its plots.
REPORT_SERIES = 4


def _row_chunks(forecasts: Mapping[str, np.ndarray]) -> Iterator[dict[str, np.ndarray]]:
    """One dict of whole-window arrays as consecutive chunks of windows."""
    total = len(forecasts["actual"])
    step = chunk_rows(forecasts["actual"].shape[1] if total else 1)
    for start in range(0, total, step):
        yield {key: np.asarray(values)[start : start + step] for key, values in forecasts.items()}


def _band_keys(columns: Mapping[str, np.ndarray], name: str, level: float) -> tuple[str, str] | None:
    """The columns of ``name``'s central band at ``level``: the model's ``lower``/``upper``, a baseline's quantiles."""
    if name == "model":
        return ("lower", "upper") if "lower" in columns else None
    low, high = round((1 - level) / 2, 10), round((1 + level) / 2, 10)
    found = dict(quantile_keys(columns, f"{name}_"))
    return (found[low], found[high]) if low in found and high in found else None


def _quantile_columns(columns: Mapping[str, np.ndarray], name: str, levels: list[float]) -> list[str] | None:
    """The columns of ``name``'s quantiles at every one of ``levels`` (the model's ``q<level>``), or ``None``."""
    found = dict(quantile_keys(columns, "" if name == "model" else f"{name}_"))
    return [found[value] for value in levels] if all(value in found for value in levels) else None


def _probabilistic_sums(
    columns: Mapping[str, np.ndarray], baselines: list[str], level: float | None, groups: int, horizon: int
) -> tuple[dict[str, IntervalSums], dict[str, QuantileSums]]:
    """The band and quantile accumulators of the forecasts whose columns the first chunk holds."""
    bands = {}
    if level is not None and "lower" in columns:
        bands = {name: IntervalSums(level, horizon) for name in ("model", *baselines)
                 if _band_keys(columns, name, level) is not None}
    levels = [value for value, _ in quantile_keys(columns)]
    quantiles = {}
    if levels:
        quantiles = {name: QuantileSums(levels, groups, horizon) for name in ("model", *baselines)
                     if _quantile_columns(columns, name, levels) is not None}
    return bands, quantiles
