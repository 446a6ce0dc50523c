r"""Point-forecast metrics of many windows, from sums gathered chunk by chunk.

For a group of :math:`n` cells (one series, one horizon step, or all) with actuals
:math:`y_i`, forecasts :math:`\hat y_i`, errors :math:`e_i = y_i - \hat y_i` and
MASE scales :math:`q_i` (the scale of the cell's series), every metric of
:mod:`grucast.evaluation.metrics` is a function of six sums:

.. math::
    A = \sum \lvert e_i \rvert, \quad
    Q = \sum e_i^2, \quad
    P = \sum_{y_i \ne 0} \frac{\lvert e_i \rvert}{\lvert y_i \rvert}, \quad
    S = \sum \frac{\lvert e_i \rvert}{\lvert y_i \rvert + \lvert \hat y_i \rvert}, \quad
    K = \sum_{q_i \text{ defined}} \frac{\lvert e_i \rvert}{q_i}, \quad
    M = \sum (y_i - \bar y)^2

.. math::
    \mathrm{MAE} = \frac{A}{n}, \quad \mathrm{MSE} = \frac{Q}{n}, \quad
    \mathrm{RMSE} = \sqrt{\frac{Q}{n}}, \quad \mathrm{MAPE} = \frac{100 P}{n}, \quad
    \mathrm{sMAPE} = \frac{200 S}{n}, \quad \mathrm{MASE} = \frac{K}{n_q}, \quad
    R^2 = 1 - \frac{Q}{M}

with sMAPE's 0/0 counted as 0 and :math:`n_q` the cells whose series has a scale.
MAPE is undefined when an actual is 0, R² when the actuals are constant (their
least equals their greatest, as :func:`~grucast.evaluation.metrics.r2` tests) and
MASE when no cell has a scale; the notes word these as the single-group functions
do. Values agree with those functions up to the order of floating-point additions.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np

from grucast.evaluation.metrics import METRIC_NAMES, mae, mape_undefined, mase_undefined, r2_undefined
from grucast.evaluation.sums import ChunkCodes, GroupSums, Moments

Metrics = dict[str, float | None]

_TERMS = ("abs", "square", "ratio", "smape", "scaled")


class PointSums:
    """Accumulates the point metrics of several forecasts of the same windows (a model and its baselines).

    Args:
        scales: ``(S,)`` the MASE scale of each series code: 0 where the seasonal
            naive forecast is exact on the training part, NaN where it has none.
        lags: ``(S,)`` the lag each scale was taken at (the season, or 1 for a
            training part shorter than a season and a step).
        season: the season asked for.
        horizon: steps per window, :math:`H`.
        forecasts: the names of the forecasts each chunk brings.
    """

    def __init__(
        self, scales: np.ndarray, lags: np.ndarray, season: int, horizon: int, forecasts: Sequence[str]
    ) -> None:
        groups = len(scales)
        self.raw_scales = np.asarray(scales, dtype=np.float64)
        self.scales = np.where(self.raw_scales == 0.0, np.nan, self.raw_scales)
        self.lags = np.asarray(lags)
        self.season = season
        self.horizon = horizon
        self.forecasts = list(forecasts)
        self.sums = {name: GroupSums(groups, horizon) for name in self.forecasts}
        self.series_moments = Moments(groups)
        self.step_moments = Moments(horizon)
        self.step_scaled = 0  # windows whose series has a scale
        self.first = np.full(groups, np.iinfo(np.int64).max)  # each series' first window, for its order
        self.seen = 0

    @classmethod
    def concat(cls, parts: Sequence[PointSums]) -> PointSums:
        """The sums of consecutive ranges of series (data-parallel processes' shares), in series order, as one."""
        first = parts[0]
        out = cls(np.concatenate([part.raw_scales for part in parts]), np.concatenate([part.lags for part in parts]),
                  first.season, first.horizon, first.forecasts)
        out.sums = {name: GroupSums.concat([part.sums[name] for part in parts]) for name in first.forecasts}
        out.series_moments = Moments.side_by_side([part.series_moments for part in parts])
        out.step_moments = Moments.merged([part.step_moments for part in parts])
        out.step_scaled = sum(part.step_scaled for part in parts)
        unseen = np.iinfo(np.int64).max
        offsets = np.cumsum([0, *(part.seen for part in parts)])
        out.first = np.concatenate([np.where(part.first == unseen, unseen, part.first + offset)
                                    for part, offset in zip(parts, offsets)])
        out.seen = int(offsets[-1])
        return out

    def add(self, codes: np.ndarray, actual: np.ndarray, forecasts: Mapping[str, np.ndarray]) -> None:
        """Add a chunk: ``codes`` ``(W,)`` series codes, ``actual`` and each forecast ``(W, H)`` float64."""
        chunk = ChunkCodes.of(codes)
        if not chunk.codes.size:
            return
        where = slice(chunk.low, chunk.low + chunk.span)
        width = actual.shape[1]
        is_zero = actual == 0.0
        # Each series' and each step's share of the actuals' moments.
        cells = chunk.windows() * width
        mean = chunk.per_series(actual.sum(axis=1)) / np.maximum(cells, 1)
        deviation = actual - mean[chunk.local][:, None]
        spread = chunk.per_series(np.einsum("ij,ij->i", deviation, deviation))
        low, high = np.full(chunk.span, np.inf), np.full(chunk.span, -np.inf)
        np.minimum.at(low, chunk.local, actual.min(axis=1))
        np.maximum.at(high, chunk.local, actual.max(axis=1))
        self.series_moments.merge(
            where, cells, mean, spread, low, high, chunk.per_series(is_zero.sum(axis=1)).astype(np.int64)
        )
        step_mean = actual.mean(axis=0)
        np.subtract(actual, step_mean, out=deviation)
        self.step_moments.merge(
            slice(0, width), np.full(width, len(actual)), step_mean, np.einsum("ij,ij->j", deviation, deviation),
            actual.min(axis=0), actual.max(axis=0), is_zero.sum(axis=0),
        )
        del deviation
        np.minimum.at(self.first, chunk.codes, np.arange(self.seen, self.seen + len(actual)))
        self.seen += len(actual)

        magnitude = np.abs(actual)
        inverse_scale = 1.0 / self.scales[chunk.codes]
        has_scale = ~np.isnan(inverse_scale)
        inverse_scale[~has_scale] = 0.0  # no scale: the cell adds 0 to K and is not counted in n_q
        self.step_scaled += int(has_scale.sum())
        ratio = np.empty_like(actual)
        for name, forecast in forecasts.items():
            if not np.isfinite(forecast).all():
                mae(actual, forecast)  # raises the checked function's message
            sums = self.sums[name]
            error = np.abs(actual - forecast)
            sums.add("abs", chunk, error)
            sums.add("square", chunk, error * error)
            ratio.fill(0.0)
            sums.add("ratio", chunk, np.divide(error, magnitude, out=ratio, where=~is_zero))
            both = magnitude + np.abs(forecast)
            ratio.fill(0.0)
            sums.add("smape", chunk, np.divide(error, both, out=ratio, where=both > 0))
            error *= inverse_scale[:, None]
            sums.add("scaled", chunk, error)

    def order(self) -> np.ndarray:
        """The codes of the series scored, in the order of their first window."""
        seen = np.flatnonzero(self.series_moments.count > 0)
        return seen[np.argsort(self.first[seen], kind="stable")]

    def result(
        self, names: Sequence[Hashable]
    ) -> dict[str, tuple[Metrics, dict[Hashable, Metrics], dict[int, Metrics], list[str]]]:
        """Each forecast's ``(overall, per series, per step, notes)``.

        ``names`` labels the series codes; series appear in the order of their first
        window, and series with no window are left out.
        """
        order = self.order()
        labels = [names[k] for k in order.tolist()]
        shared_notes = self._scale_notes(order, labels)
        has_scale = ~np.isnan(self.scales[order])
        series_scaled = np.where(has_scale, self.series_moments.count[order], 0)
        overall_moments = self.step_moments.pooled()
        out = {}
        for name in self.forecasts:
            sums = self.sums[name]
            notes = list(shared_notes)
            overall = _table({k: np.array([v.sum()]) for k, v in sums.step.items()}, overall_moments,
                             np.array([self.step_scaled * self.horizon]), ["overall"], notes)[0]
            series_sums = {k: v[order] for k, v in sums.series.items()}
            per_series = _table(series_sums, self.series_moments.rows(order), series_scaled,
                                [f"series {label!r}" for label in labels], notes)
            steps = list(range(1, self.horizon + 1))
            per_step = _table(sums.step, self.step_moments, np.full(self.horizon, self.step_scaled),
                              [f"step {step}" for step in steps], notes)
            out[name] = (overall, dict(zip(labels, per_series)), dict(zip(steps, per_step)), notes)
        return out

    def _scale_notes(self, order: np.ndarray, labels: list[Hashable]) -> list[str]:
        """The notes on the MASE scales of the series scored, in their order."""
        notes = []
        raw, lags = self.raw_scales[order], self.lags[order]
        for k in np.flatnonzero(raw == 0.0).tolist():
            notes.append(f"series {labels[k]!r}: {mase_undefined(int(lags[k]))}")
        short = [labels[k] for k in np.flatnonzero(lags != self.season).tolist()]
        if short:
            shown = ", ".join(repr(label) for label in short[:5])
            more = f" and {len(short) - 5} more" if len(short) > 5 else ""
            notes.append(
                f"{len(short)} series have fewer than {self.season + 1} training values ({shown}{more}): their MASE "
                "is scaled by the in-sample naive (lag-1) error, or left out with a single value"
            )
        missing = np.isnan(self.scales[order])
        if len(order) and missing.all():
            notes.append("overall and per-step mase are undefined: no series has a MASE scale")
        elif missing.any():
            skipped = ", ".join(repr(labels[k]) for k in np.flatnonzero(missing).tolist())
            notes.append(f"overall and per-step mase leave out series {skipped}, which have no MASE scale")
        return notes


def _table(
    sums: Mapping[str, np.ndarray], moments: Moments, scaled_count: np.ndarray, where: list[str], notes: list[str]
) -> list[Metrics]:
    """Every metric of each group from its sums (see the module docstring); undefined ones noted in group order."""
    count = moments.count.astype(np.float64)
    size = np.maximum(count, 1.0)
    mse = sums["square"] / size
    constant = moments.low == moments.high
    columns = {
        "mae": (sums["abs"] / size).tolist(),
        "rmse": np.sqrt(mse).tolist(),
        "mse": mse.tolist(),
        "mape": (100.0 * sums["ratio"] / size).tolist(),
        "smape": (200.0 * sums["smape"] / size).tolist(),
        "mase": (sums["scaled"] / np.maximum(scaled_count, 1)).tolist(),
        "r2": (1.0 - sums["square"] / np.where(constant, 1.0, moments.spread)).tolist(),
    }
    undefined = {"mape": moments.zeros > 0, "mase": scaled_count == 0, "r2": constant}
    rows: list[Metrics] = [{name: columns[name][k] for name in METRIC_NAMES} for k in range(len(where))]
    for name, mask in undefined.items():
        for k in np.flatnonzero(mask).tolist():
            rows[k][name] = None
    for k in np.flatnonzero(undefined["mape"] | constant).tolist():
        if moments.zeros[k]:
            notes.append(f"{where[k]}: {mape_undefined(int(moments.zeros[k]))}")
        if constant[k]:
            notes.append(f"{where[k]}: {r2_undefined(int(moments.count[k]), float(moments.low[k]))}")
    return rows
