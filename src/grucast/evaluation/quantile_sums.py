r"""Quantile and interval scores of many windows, from sums gathered chunk by chunk.

The scores of :mod:`grucast.evaluation.probabilistic` over a group of :math:`n`
cells are functions of sums: of the pinball losses :math:`\sum \rho_{\tau_j}` per
level, of :math:`\sum \lvert y \rvert` (the weighted quantile loss divides by it), of
:math:`\sum \mathbf{1}[y \le q_{\tau_j}]` (the reliability of each level) and, per
central interval :math:`[l, u]`, of :math:`\sum \mathbf{1}[l \le y \le u]`,
:math:`\sum (u - l)` and the interval scores. So, as for the point metrics
(:mod:`grucast.evaluation.point_sums`), windows go through in chunks and only the
sums per series and per horizon step are kept.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from grucast.evaluation.probabilistic import central_pairs
from grucast.evaluation.sums import ChunkCodes, GroupSums, chunk_rows

Scores = dict[str, float | None]


def _interval_terms(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray, alpha: float) -> dict[str, np.ndarray]:
    """The cell terms of coverage, width and the interval score of a central ``1 - alpha`` band."""
    width = upper - lower
    penalty = (2 / alpha) * (np.maximum(lower - actual, 0) + np.maximum(actual - upper, 0))
    return {"inside": ((actual >= lower) & (actual <= upper)).astype(np.float64), "width": width,
            "score": width + penalty}


class QuantileSums:
    """Accumulates the quantile scores of ``(W, H, Q)`` quantile forecasts.

    Args:
        levels: the ``Q`` levels, increasing, each in (0, 1).
        groups: the number of series codes.
        horizon: steps per window.
    """

    def __init__(self, levels: Sequence[float], groups: int, horizon: int) -> None:
        self.levels = list(levels)
        self.pairs = central_pairs(self.levels)
        self.sums = GroupSums(groups, horizon)
        self.series_cells = np.zeros(groups, dtype=np.int64)
        self.step_cells = 0  # windows

    @classmethod
    def concat(cls, parts: Sequence[QuantileSums]) -> QuantileSums:
        """The sums of consecutive ranges of series, in series order, as one."""
        out = cls(parts[0].levels, 0, parts[0].sums.horizon)
        out.sums = GroupSums.concat([part.sums for part in parts])
        out.series_cells = np.concatenate([part.series_cells for part in parts])
        out.step_cells = sum(part.step_cells for part in parts)
        return out

    def add(self, codes: np.ndarray, actual: np.ndarray, quantiles: np.ndarray) -> None:
        """Add a chunk: ``codes`` ``(W,)``, ``actual`` ``(W, H)``, ``quantiles`` ``(W, H, Q)``."""
        chunk = ChunkCodes.of(codes)
        if not chunk.codes.size:
            return
        self.series_cells[chunk.low : chunk.low + chunk.span] += chunk.windows() * actual.shape[1]
        self.step_cells += len(actual)
        self.sums.add("absolute", chunk, np.abs(actual))
        for j, level in enumerate(self.levels):
            error = actual - quantiles[..., j]
            self.sums.add(f"pinball_{j}", chunk, np.maximum(level * error, (level - 1) * error))
            self.sums.add(f"below_{j}", chunk, (error <= 0).astype(np.float64))
        for low, high, nominal in self.pairs:
            terms = _interval_terms(actual, quantiles[..., low], quantiles[..., high], 1 - nominal)
            for key, values in terms.items():
                self.sums.add(f"{key}_{low}", chunk, values)

    def _scores(self, sums: dict[str, float], cells: int) -> Scores:
        out: Scores = {}
        pinball = [sums[f"pinball_{j}"] / cells for j in range(len(self.levels))]
        for level, value in zip(self.levels, pinball):
            out[f"pinball_{level:g}"] = value
        total = sums["absolute"]
        out["wql"] = None if total == 0 else float(np.mean([2 * sums[f"pinball_{j}"] / total for j in range(len(self.levels))]))
        out["crps"] = float(2 * np.mean(pinball))
        for low, _, nominal in self.pairs:
            name = f"{100 * nominal:g}"
            out[f"coverage_{name}"] = sums[f"inside_{low}"] / cells
            out[f"width_{name}"] = sums[f"width_{low}"] / cells
            out[f"interval_score_{name}"] = sums[f"score_{low}"] / cells
        return out

    def result(self, order: np.ndarray, names: Sequence[Hashable]) -> dict[str, dict]:
        """``{"overall", "per_series", "per_step"}`` as :func:`evaluate_quantiles` returns them; series codes
        ``order`` (those scored, in their order) labelled by ``names``."""
        step, series = self.sums.step, self.sums.series
        overall = self._scores({key: float(values.sum()) for key, values in step.items()},
                               self.step_cells * self.sums.horizon)
        per_series = {
            names[k]: self._scores({key: float(values[k]) for key, values in series.items()}, int(self.series_cells[k]))
            for k in order.tolist()
        }
        per_step = {
            h + 1: self._scores({key: float(values[h]) for key, values in step.items()}, self.step_cells)
            for h in range(self.sums.horizon)
        }
        return {"overall": overall, "per_series": per_series, "per_step": per_step}

    def reliability(self) -> dict[float, float]:
        """Share of actual values at or below each level's quantile forecast, over every cell."""
        cells = self.step_cells * self.sums.horizon
        return {level: float(self.sums.step[f"below_{j}"].sum()) / cells for j, level in enumerate(self.levels)}


class IntervalSums:
    """Accumulates coverage, mean width and interval score of one central band, per horizon step.

    Args:
        level: the band's nominal coverage :math:`1 - \\alpha`.
        horizon: steps per window.
    """

    def __init__(self, level: float, horizon: int) -> None:
        self.alpha = 1 - level
        self.sums = {key: np.zeros(horizon) for key in ("inside", "width", "score")}
        self.windows = 0

    @classmethod
    def concat(cls, parts: Sequence[IntervalSums]) -> IntervalSums:
        """The sums of several sets of windows as one."""
        out = cls(1 - parts[0].alpha, len(parts[0].sums["inside"]))
        out.sums = {key: np.sum([part.sums[key] for part in parts], axis=0) for key in out.sums}
        out.windows = sum(part.windows for part in parts)
        return out

    def add(self, actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Add a chunk of ``(W, H)`` actuals and band edges."""
        for key, values in _interval_terms(actual, lower, upper, self.alpha).items():
            self.sums[key] += values.sum(axis=0)
        self.windows += len(actual)

    def result(self) -> dict[str, float]:
        """``coverage``, ``width`` and ``interval_score`` over every cell (as
        :func:`~grucast.evaluation.probabilistic.interval_scores` gives them for one array)."""
        cells = self.windows * len(self.sums["inside"])
        return {"coverage": float(self.sums["inside"].sum()) / cells, "width": float(self.sums["width"].sum()) / cells,
                "interval_score": float(self.sums["score"].sum()) / cells}

    def coverage_per_step(self) -> list[float]:
        """Share of values inside the band at each horizon step."""
        return (self.sums["inside"] / self.windows).tolist()


def evaluate_quantiles(
    y_true: ArrayLike, y_quantiles: ArrayLike, levels: Sequence[float], series: ArrayLike
) -> dict[str, dict]:
    """Quantile scores overall, per series and per horizon step.

    Args:
        y_true: ``(W, H)`` actual values.
        y_quantiles: ``(W, H, Q)`` quantile forecasts of the same windows.
        levels: the ``Q`` levels, increasing.
        series: ``(W,)`` series label of each window.

    Returns:
        ``{"overall": scores, "per_series": {label: scores}, "per_step": {step: scores}}``;
        scores hold ``pinball_<level>``, ``wql``, ``crps``, and for each central pair of
        levels (``0.1`` and ``0.9``: the 80 % interval) ``coverage_80``, ``width_80`` and
        ``interval_score_80``. Series appear in the order of their first window.
    """
    actual = np.asarray(y_true, dtype=np.float64)
    quantiles = np.asarray(y_quantiles, dtype=np.float64)
    if quantiles.shape != actual.shape + (len(levels),):
        raise ValueError(
            f"y_quantiles must be {actual.shape + (len(levels),)} for y_true {actual.shape} and {len(levels)} "
            f"levels, got {quantiles.shape}"
        )
    codes, unique = pd.factorize(np.asarray(series), use_na_sentinel=False)
    sums = QuantileSums(levels, len(unique), actual.shape[1])
    step = chunk_rows(actual.shape[1] * len(levels))
    for start in range(0, len(actual), step):
        rows = slice(start, start + step)
        sums.add(codes[rows], actual[rows], quantiles[rows])
    names = [label.item() if isinstance(label, np.generic) else label for label in np.asarray(unique, dtype=object)]
    return sums.result(np.arange(len(names)), names)
