"""Figures of a hyperparameter search: the optimisation history and the parameter importances."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from grucast.plotting._common import BASELINE, FORECAST, MUTED, OBSERVED, new_axes

__all__ = ["plot_optimization_history", "plot_param_importances"]


def plot_optimization_history(trials: pd.DataFrame, ax: Axes | None = None, metric: str = "validation MASE") -> Axes:
    """Each trial's score against its number, with the best score so far as a step line.

    Args:
        trials: one row per trial with ``number``, ``state`` (``COMPLETE``, ``PRUNED``,
            ``FAIL``, ...) and ``value`` (the score of complete trials; for a pruned
            trial, its last reported score, drawn as a cross).
        ax: the axes to draw on; a new figure when None.
        metric: the score's name, for the y axis.

    Returns:
        The axes.
    """
    where = "plot_optimization_history"
    missing = {"number", "state", "value"} - set(trials.columns)
    if missing:
        raise ValueError(f"{where}: trials needs the columns number, state and value; missing {sorted(missing)}")
    ax = new_axes(ax, (8.0, 4.5), where)
    rows = trials.sort_values("number")
    done = rows[(rows["state"] == "COMPLETE") & rows["value"].notna()]
    pruned = rows[(rows["state"] == "PRUNED") & rows["value"].notna()]
    ax.scatter(done["number"], done["value"], color=FORECAST, s=22, zorder=3, label="complete")
    if len(pruned):
        ax.scatter(pruned["number"], pruned["value"], color=MUTED, marker="x", s=22, zorder=2,
                   label="pruned (last epoch scored)")
    if len(done):
        best = np.minimum.accumulate(done["value"].to_numpy(dtype=float))
        ax.step(done["number"], best, where="post", color=BASELINE, linewidth=1.6, label="best so far")
    failed = int((rows["state"] == "FAIL").sum())
    title = f"{len(rows)} trials" + (f" ({failed} failed, not drawn)" if failed else "")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("trial")
    ax.set_ylabel(metric)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    if len(done) or len(pruned):
        ax.legend(frameon=False, fontsize=8)
    return ax


def plot_param_importances(importances: Mapping[str, float], ax: Axes | None = None) -> Axes:
    """How much of the score's variation each searched setting explains, largest on top.

    Args:
        importances: setting name -> importance (non-negative, e.g. summing to 1),
            as from :func:`optuna.importance.get_param_importances`.
        ax: the axes to draw on; a new figure when None.

    Returns:
        The axes.
    """
    where = "plot_param_importances"
    if not importances:
        raise ValueError(f"{where}: importances is empty; there is nothing to draw")
    items: list[tuple[str, Any]] = sorted(importances.items(), key=lambda kv: kv[1])
    names = [name for name, _ in items]
    values = np.asarray([float(value) for _, value in items])
    ax = new_axes(ax, (7.0, 0.45 * len(names) + 1.2), where)
    colors = [MUTED] * (len(names) - 1) + [FORECAST]
    ax.barh(names, values, color=colors)
    for y, value in enumerate(values):
        ax.text(value, y, f" {value:.2f}", va="center", fontsize=8, color=OBSERVED)
    ax.set_xlabel("importance for the validation score")
    ax.set_xlim(0, max(values.max() * 1.15, 1e-9))
    ax.grid(axis="x", alpha=0.3)
    return ax
