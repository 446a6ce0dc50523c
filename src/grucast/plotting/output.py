"""Writing a figure to a PNG file and releasing it."""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from grucast import checks

__all__ = ["save_figure"]

_WHERE = "save_figure"


def _figure_of(ax_or_fig: Axes | Figure | Sequence[Axes]) -> Figure:
    """The top-level figure behind an Axes, a Figure, or a list of Axes of one figure."""
    if isinstance(ax_or_fig, (Figure, SubFigure)):
        figure = ax_or_fig
    elif isinstance(ax_or_fig, Axes):
        figure = ax_or_fig.figure
    elif isinstance(ax_or_fig, (Sequence, np.ndarray)) and not isinstance(ax_or_fig, str):
        panels = list(np.ravel(np.asarray(ax_or_fig, dtype=object)))
        if not panels or not all(isinstance(panel, Axes) for panel in panels):
            raise TypeError(f"{_WHERE}: a sequence passed as ax_or_fig must hold matplotlib Axes only")
        figures = {id(_root(panel.figure)): _root(panel.figure) for panel in panels}
        if len(figures) > 1:
            raise ValueError(f"{_WHERE}: the axes belong to {len(figures)} different figures; save them one at a time.")
        figure = next(iter(figures.values()))
    else:
        raise TypeError(
            f"{_WHERE}: ax_or_fig must be a matplotlib Axes, Figure or list of Axes, got {type(ax_or_fig).__name__}"
        )
    return _root(figure)


def _root(figure: Figure | SubFigure) -> Figure:
    """The top-level figure of a (possibly nested) subfigure; pyplot closes only those."""
    while isinstance(figure, SubFigure):
        figure = figure.figure
    return figure


def save_figure(ax_or_fig: Axes | Figure | Sequence[Axes], path: str | PathLike[str], dpi: int = 120) -> Path:
    """Lay out a figure tightly, write it as a PNG, and close it.

    Closing releases the figure from pyplot, so a script that draws hundreds of
    figures does not keep them all in memory (nor trigger matplotlib's warning
    about too many open figures). The figure is closed even when writing fails.

    Args:
        ax_or_fig: the figure, or any of its axes (a single Axes as returned by
            the ``plot_*`` functions, or the list returned by ``plot_comparison``).
        path: where to write. A name without a suffix gets ``.png``; missing
            parent folders are created.
        dpi: resolution in dots per inch.

    Returns:
        The path written, as a :class:`pathlib.Path`.

    Raises:
        TypeError: if ``ax_or_fig`` is not an Axes, Figure or list of Axes.
        ValueError: if ``path`` has a suffix other than ``.png``, ``dpi`` is not
            positive, or a list of Axes spans several figures.
    """
    figure = _figure_of(ax_or_fig)
    target = Path(path)
    if target.suffix == "":
        target = target.with_suffix(".png")
    if target.suffix.lower() != ".png":
        raise ValueError(
            f"{_WHERE}: writes PNG files, got path {str(path)!r}. Use a .png name, "
            "or call figure.savefig yourself for other formats."
        )
    checks.Real(low=0, low_open=True).check(f"{_WHERE}: dpi", dpi)
    try:
        if figure.get_layout_engine() is None:
            figure.tight_layout()
        target.parent.mkdir(parents=True, exist_ok=True)
        # bbox_inches="tight" also keeps legends and notes placed outside the axes.
        figure.savefig(target, format="png", dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(figure)
    return target
