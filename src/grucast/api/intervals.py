r"""Calibrated uncertainty: conformal bands, conformalised quantiles, and the baselines' own bands.

Everything here is fitted on the calibration windows (the validation part; the
training part when there is none, which makes bands too narrow) in the model's
scaled units, so series of different sizes share one calibration, and mapped back
through each series' own scaling.

* **Symmetric band** around the point forecast (split conformal prediction, Vovk et
  al. 2005; Lei et al. 2018): for horizon step :math:`k` with absolute residuals
  :math:`|e_{1,k}|, \dots, |e_{n,k}|`, the half-width :math:`r_k` is their
  :math:`\lceil (n + 1)\,\ell \rceil`-th smallest, :math:`\ell` the interval level;
  if new windows are exchangeable with the calibration windows,
  :math:`P(|e_k| \le r_k) \ge \ell`.
* **Conformalised quantile regression** (CQR; Romano, Patterson and Candès 2019) for a
  quantile model: for each pair of levels :math:`\tau, 1 - \tau` (a central
  :math:`1 - 2\tau` band) the score of a window is
  :math:`E = \max(q_\tau - y,\ y - q_{1-\tau})`, and both quantiles move out by the
  :math:`\lceil (n + 1)(1 - 2\tau) \rceil`-th smallest score (in by it, when negative);
  a level without its mirror moves by the :math:`\lceil (n + 1)\tau \rceil`-th smallest
  :math:`y - q_\tau`. The median stays. Shifts are per horizon step; afterwards each
  band is widened where needed so that the bands stay nested.
* **Baselines' bands**: the naive forecasts are given quantiles from the empirical
  quantiles of their own calibration residuals, so a model's band is always
  compared with a baseline's band.

With fewer calibration windows than a level needs (:math:`\lceil (n + 1)\ell \rceil
> n`), the band cannot be calibrated: the largest residual is used, and a note
says the coverage may fall short. Bounds are never infinite.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from grucast.evaluation.probabilistic import central_pairs, residual_quantiles


@dataclass
class Calibration:
    """What calibrating the uncertainty learned.

    Attributes:
        level: the symmetric band's nominal coverage.
        radius: ``(H,)`` its half-widths per horizon step, in model units.
        windows: calibration windows used.
        source: ``"validation"``, or what was used instead.
        levels: the quantile levels of a quantile model (empty otherwise).
        shift: ``(H, Q)`` CQR shifts of those quantiles, in model units.
        baseline_levels: the levels of the baselines' bands.
        baseline_quantiles: ``{"naive": (H, Q_b), "seasonal_naive": (H, Q_b)}``
            quantiles of each baseline's calibration residuals, in model units.
        notes: where a band could not be calibrated, one line each.
        errors: mean absolute error of the model's point forecast and of each
            baseline on the calibration windows, in model units (their ratio is
            what matters: the model against the baselines before the test part).
    """

    level: float
    radius: np.ndarray
    windows: int
    source: str
    levels: tuple[float, ...] = ()
    shift: np.ndarray | None = None
    baseline_levels: tuple[float, ...] = ()
    baseline_quantiles: dict[str, np.ndarray] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    errors: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain Python (JSON-ready)."""
        return {
            "level": self.level,
            "radius": self.radius.tolist(),
            "windows": self.windows,
            "source": self.source,
            "levels": list(self.levels),
            "shift": None if self.shift is None else self.shift.tolist(),
            "baseline_levels": list(self.baseline_levels),
            "baseline_quantiles": {name: values.tolist() for name, values in self.baseline_quantiles.items()},
            "notes": list(self.notes),
            "errors": dict(self.errors),
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> Calibration:
        """Rebuild from :meth:`to_dict`."""
        return cls(
            level=float(state["level"]),
            radius=np.asarray(state["radius"], dtype=np.float64),
            windows=int(state["windows"]),
            source=str(state["source"]),
            levels=tuple(float(v) for v in state["levels"]),
            shift=None if state["shift"] is None else np.asarray(state["shift"], dtype=np.float64),
            baseline_levels=tuple(float(v) for v in state["baseline_levels"]),
            baseline_quantiles={k: np.asarray(v, dtype=np.float64) for k, v in state["baseline_quantiles"].items()},
            notes=tuple(state["notes"]),
            errors={str(k): float(v) for k, v in state.get("errors", {}).items()},
        )


def conformal_radius(residuals: np.ndarray, level: float) -> tuple[np.ndarray, bool]:
    """Half-widths :math:`r_k` per step from ``(n, H)`` residuals (see the module docstring).

    Returns:
        ``(H,)`` radii, and whether there were enough residuals for ``level``; when
        there were not, each radius is the largest absolute residual (0 with none).
    """
    residuals = np.abs(np.asarray(residuals, dtype=np.float64))
    n = residuals.shape[0]
    rank = math.ceil((n + 1) * level)
    if n == 0:
        return np.zeros(residuals.shape[1] if residuals.ndim == 2 else 1), False
    ordered = np.sort(residuals, axis=0)
    if rank > n:
        return ordered[-1], False
    return ordered[rank - 1], True


def cqr_shifts(quantiles: np.ndarray, actual: np.ndarray, levels: Sequence[float]) -> tuple[np.ndarray, list[str]]:
    """``(H, Q)`` CQR shifts of quantile forecasts, and the levels that could not be calibrated.

    Args:
        quantiles: ``(n, H, Q)`` calibration windows' quantile forecasts.
        actual: ``(n, H)`` their actual values.
        levels: the ``Q`` levels, increasing.
    """
    n, horizon, count = quantiles.shape
    shift = np.zeros((horizon, count))
    uncalibrated = []
    paired = set()
    for low, high, nominal in central_pairs(levels):
        paired |= {low, high}
        rank = math.ceil((n + 1) * nominal)
        if n == 0 or rank > n:
            uncalibrated.append(f"{100 * nominal:g} %")
            continue
        score = np.maximum(quantiles[:, :, low] - actual, actual - quantiles[:, :, high])  # (n, H)
        correction = np.sort(score, axis=0)[rank - 1]
        shift[:, low], shift[:, high] = -correction, correction
    for j, level in enumerate(levels):
        if j in paired or level == 0.5:
            continue
        rank = math.ceil((n + 1) * level)
        if n == 0 or rank > n:
            uncalibrated.append(f"quantile {level:g}")
            continue
        shift[:, j] = np.sort(actual - quantiles[:, :, j], axis=0)[rank - 1]
    return shift, uncalibrated


def nested(quantiles: np.ndarray, levels: Sequence[float]) -> np.ndarray:
    """Quantiles ``(..., Q)`` made non-decreasing outward from the median after calibration."""
    out = np.array(quantiles, dtype=np.float64, copy=True)
    middle = list(levels).index(0.5) if 0.5 in levels else len(levels) // 2
    out[..., middle:] = np.maximum.accumulate(out[..., middle:], axis=-1)
    out[..., : middle + 1] = np.flip(np.minimum.accumulate(np.flip(out[..., : middle + 1], -1), axis=-1), -1)
    return out


def baseline_levels(level: float, levels: Sequence[float]) -> tuple[float, ...]:
    """The levels at which the baselines get bands: the model's, the interval level's pair, and the median."""
    low = round((1 - level) / 2, 10)
    return tuple(sorted(set(round(v, 10) for v in levels) | {low, 0.5, round(1 - low, 10)}))


def calibrate(
    pred: torch.Tensor,
    true: torch.Tensor,
    baselines: dict[str, np.ndarray],
    *,
    level: float,
    levels: Sequence[float],
    median_index: int,
    source: str,
) -> Calibration:
    """Fit every band on the calibration windows.

    Args:
        pred: ``(n, H, Q)`` model outputs, model units.
        true: ``(n, H, 1)`` actual values, model units.
        baselines: ``{name: (n, H)}`` each baseline's forecasts, model units.
        level: the symmetric band's coverage.
        levels: the quantile levels of a quantile model (empty for a point model).
        median_index: the median's position among the outputs.
        source: what the windows are, for notes (``"validation"``...).
    """
    actual = true[..., 0].double().numpy()
    outputs = pred.double().numpy()
    n = actual.shape[0]
    notes = []
    radius, calibrated = conformal_radius(actual - outputs[..., median_index], level)
    if not calibrated:
        notes.append(
            f"only {n} calibration window(s), too few for {100 * level:g} % conformal intervals "
            f"(at least {math.ceil(level / (1 - level))} needed): they use the largest calibration error and may "
            "cover less"
        )
    shift = None
    if levels:
        shift, missing = cqr_shifts(outputs, actual, levels)
        if missing:
            notes.append(
                f"too few calibration windows ({n}) to calibrate the {', '.join(missing)} band(s): they are the "
                "model's own quantiles"
            )
    base_levels = baseline_levels(level, levels)
    baseline_quantiles = {name: residual_quantiles(actual - values, base_levels) for name, values in baselines.items()}
    errors = {"model": float(np.abs(actual - outputs[..., median_index]).mean())} if n else {}
    errors.update({name: float(np.abs(actual - values).mean()) for name, values in baselines.items() if n})
    return Calibration(
        level, radius, n, source, tuple(levels), shift, base_levels, baseline_quantiles, tuple(notes), errors
    )


def calibration_sample(n_windows: int, limit: int = 8192) -> torch.Tensor:
    """Evenly spaced windows, at most ``limit``, for the conformal quantiles.

    A quantile from 8192 residuals is within about half a percentage point of
    coverage, so forecasting every training window (when there is no validation
    part) would only cost time and memory.
    """
    if n_windows <= limit:
        return torch.arange(n_windows)
    return torch.linspace(0, n_windows - 1, limit).round().long().unique()
