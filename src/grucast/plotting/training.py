"""The loss curves of a training run."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from grucast.plotting._common import BASELINE, FORECAST, MUTED, new_axes

__all__ = ["plot_loss_curves"]

_WHERE = "plot_loss_curves"


def _column(history: Sequence[Mapping[str, Any]], key: str) -> np.ndarray:
    """One key of every row as floats; a row without it (or with None) gives NaN."""
    values = []
    for row in history:
        value = row.get(key)
        values.append(math.nan if value is None else float(value))
    return np.asarray(values, dtype=np.float64)


def _check_history(history: Any) -> None:
    if isinstance(history, Mapping) or not isinstance(history, Sequence):
        raise TypeError(
            f"{_WHERE}: history must be a list of dicts (one per epoch), got {type(history).__name__}. "
            "Pass FitResult.history."
        )
    if len(history) == 0:
        raise ValueError(f"{_WHERE}: history is empty; there is no epoch to plot.")
    for number, row in enumerate(history):
        if not isinstance(row, Mapping):
            raise TypeError(f"{_WHERE}: history[{number}] must be a dict, got {type(row).__name__}")
        if "epoch" not in row:
            raise ValueError(f"{_WHERE}: history[{number}] has no 'epoch' key (keys: {sorted(row)})")


def plot_loss_curves(history: Sequence[Mapping[str, Any]], ax: Axes | None = None) -> Axes:
    """Training and validation loss against epoch, with the best epoch marked.

    The y axis turns logarithmic when the losses span more than two decades
    (largest / smallest > 100), so the late epochs stay readable. The best epoch
    (lowest validation loss, or lowest training loss when there is no validation
    loss) gets a dot and a note with its epoch and loss, hung from the top of the
    axes. When the learning rate
    changes during the run (a plateau schedule), it is drawn as a dotted step line
    on a second, logarithmic y axis on the right.

    Args:
        history: one dict per epoch with ``epoch`` and any of ``train_loss``,
            ``val_loss`` and ``lr`` (as in ``FitResult.history``). A row may miss
            a key or hold None; that point is left out.
        ax: the axes to draw on; a new figure when None.

    Returns:
        The axes with the loss curves (not the learning-rate axes).

    Raises:
        TypeError: if ``history`` is not a list of dicts.
        ValueError: if it is empty, a row has no ``epoch``, or no row has a loss.
    """
    _check_history(history)
    rows = sorted(history, key=lambda row: float(row["epoch"]))
    epochs = _column(rows, "epoch")
    train = _column(rows, "train_loss")
    val = _column(rows, "val_loss")
    if np.isnan(train).all() and np.isnan(val).all():
        raise ValueError(f"{_WHERE}: no row of history has a 'train_loss' or 'val_loss' value.")

    ax = new_axes(ax, (8.0, 4.5), _WHERE)
    for values, label, color in ((train, "training", FORECAST), (val, "validation", BASELINE)):
        keep = ~np.isnan(values)
        if keep.any():
            ax.plot(epochs[keep], values[keep], color=color, marker="o", markersize=3, linewidth=1.6, label=label)

    losses = np.concatenate([train, val])
    losses = losses[~np.isnan(losses)]
    if losses.min() > 0 and losses.max() / losses.min() > 100:
        ax.set_yscale("log")

    # The epoch a fit keeps is the one with the lowest monitored loss.
    watched, name = (val, "validation") if not np.isnan(val).all() else (train, "training")
    best = int(np.nanargmin(watched))
    best_epoch, best_loss = epochs[best], watched[best]
    ax.plot([best_epoch], [best_loss], "o", color="#c0392b", markersize=8, zorder=5)
    # The note hangs from the top of the axes on a leader line down to the dot:
    # losses fall from the top left, so the top above the best epoch is free.
    on_right = best_epoch > (epochs.min() + epochs.max()) / 2
    ax.annotate(
        f"best {name} loss {best_loss:.4g}\n(epoch {best_epoch:g})",
        xy=(best_epoch, best_loss),
        xytext=(best_epoch, 0.95),
        textcoords=ax.get_xaxis_transform(),
        ha="right" if on_right else "left",
        va="top",
        fontsize="small",
        arrowprops={
            "arrowstyle": "-",
            "color": "#c0392b",
            "linewidth": 0.8,
            "linestyle": "--",
            "shrinkB": 4,
            "relpos": (1.0, 0.0) if on_right else (0.0, 0.0),  # from the text's corner above the dot
        },
    )

    lr = _column(rows, "lr")
    known = ~np.isnan(lr)
    handles, labels = ax.get_legend_handles_labels()
    if known.sum() > 1 and np.unique(lr[known]).size > 1:
        twin = ax.twinx()
        (line,) = twin.step(epochs[known], lr[known], where="post", color=MUTED, linestyle=":", linewidth=1.6)
        twin.set_yscale("log")
        rates = np.unique(lr[known])
        if rates.size <= 6:
            # A schedule has few distinct rates: tick exactly those, in plain numbers.
            twin.set_yticks(rates, [f"{rate:g}" for rate in rates])
            twin.minorticks_off()
        twin.set_ylabel("learning rate")
        # Keep the losses and the legend drawn above the learning-rate line.
        ax.set_zorder(twin.get_zorder() + 1)
        ax.patch.set_visible(False)
        handles.append(line)
        labels.append("learning rate")

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss" + (" (log scale)" if ax.get_yscale() == "log" else ""))
    ax.set_title("Loss per epoch")
    ax.grid(True, alpha=0.3)
    # Falling curves leave the lower left empty.
    ax.legend(handles, labels, loc="lower left", fontsize="small")
    return ax
