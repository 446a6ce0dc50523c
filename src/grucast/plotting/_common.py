"""Shared pieces of the figures: input checks, new axes, time axes, colours and legends."""

from __future__ import annotations

from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

# One palette for every figure, so a reader learns it once.
OBSERVED = "#1b1b1b"  # what happened: history and actual values
FORECAST = "#1f6fb4"  # the model
BASELINE = "#e07b00"  # a reference forecast
MUTED = "#b9c3cd"  # bars that are not the best
BAND_ALPHA = 0.22


# ConciseDateFormatter formats per tick level (years, months, days, hours, minutes,
# seconds). Day ticks carry their month ("Mar 04", not "04"), so a tick is never read
# against the wrong month in the offset; the offset then only needs the year.
_DATE_FORMATS = ["%Y", "%b", "%b %d", "%H:%M", "%H:%M", "%S.%f"]
_DATE_ZERO_FORMATS = ["", "%Y", "%b", "%b %d", "%H:%M", "%H:%M"]
_DATE_OFFSET_FORMATS = ["", "%Y", "%Y", "%Y-%b-%d", "%Y-%b-%d", "%Y-%b-%d %H:%M"]


def new_axes(ax: Axes | None, figsize: tuple[float, float], where: str) -> Axes:
    """``ax`` itself, or the axes of a new pyplot figure of ``figsize`` inches when it is None.

    The figure goes through pyplot so that ``plt.show()`` and notebooks display it;
    :func:`grucast.plotting.save_figure` closes it again.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
        return ax
    if not isinstance(ax, Axes):
        raise TypeError(f"{where}: ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def as_values(values: Any, name: str, where: str) -> np.ndarray:
    """``values`` as a 1-D float array; None entries become NaN (a gap in the line)."""
    array = np.asarray(values)
    if array.dtype == object:
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{where}: {name} must hold numbers, got values such as {array.flat[0]!r}") from None
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{where}: {name} must hold numbers (int or float), got an array of dtype {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"{where}: {name} must be 1-D, got shape {array.shape}. Pass one series at a time.")
    return array.astype(np.float64, copy=False)


def as_times(values: Any, name: str, where: str) -> np.ndarray:
    """``values`` as a 1-D ``datetime64[ns]`` array (time zones dropped, wall time kept) or a numeric array."""
    if isinstance(values, (pd.Series, pd.Index)):
        index = pd.Index(values)
    else:
        array = np.asarray(values)
        if array.ndim != 1:
            raise ValueError(f"{where}: {name} must be 1-D, got shape {array.shape}")
        index = pd.Index(array)
    if isinstance(index, pd.DatetimeIndex):
        if index.tz is not None:
            # Show the clock time of the data's own zone, as the user reads it.
            index = index.tz_localize(None)
        return index.to_numpy(dtype="datetime64[ns]")
    if index.dtype.kind in "iuf":
        return index.to_numpy()
    raise TypeError(
        f"{where}: {name} must hold datetimes or numbers (integer steps), got dtype {index.dtype}. "
        "Parse text times with pd.to_datetime first."
    )


def same_length(where: str, reference: tuple[str, np.ndarray], *others: tuple[str, np.ndarray | None]) -> None:
    """Raise if any of ``others`` (name, array) differs in length from ``reference``."""
    ref_name, ref = reference
    for name, array in others:
        if array is not None and len(array) != len(ref):
            raise ValueError(
                f"{where}: {name} has {len(array)} values but {ref_name} has {len(ref)}. "
                "Pass arrays of the same length."
            )


def check_pair(where: str, lower: Any, upper: Any) -> None:
    """An interval needs both bounds or neither."""
    if (lower is None) != (upper is None):
        given = "lower" if upper is None else "upper"
        raise ValueError(f"{where}: {given} was given without its partner. Pass both lower and upper, or neither.")


def check_level(where: str, level: float | None) -> None:
    """``level`` is a coverage in (0, 1) or None."""
    if level is None:
        return
    if isinstance(level, bool) or not isinstance(level, (int, float)):
        raise TypeError(f"{where}: level must be a float in (0, 1) or None, got {type(level).__name__}")
    if not 0 < level < 1:
        hint = f" For {level:g} %, pass {level / 100:g}." if 1 < level < 100 else ""
        raise ValueError(f"{where}: level must be in (0, 1), got {level:g}.{hint}")


def band_label(level: float | None) -> str:
    """Legend text of an interval band: ``90% interval``, or ``interval`` when the level is unknown."""
    return "interval" if level is None else f"{100 * level:g}% interval"


def display_name(label: object) -> str:
    """A label as a reader sees it: ``seasonal_naive`` -> ``seasonal naive``."""
    return str(label).replace("_", " ")


def format_time_axis(ax: Axes, times: np.ndarray) -> None:
    """Concise date ticks for datetimes, whole-number ticks for integer steps; labels the axis."""
    if times.dtype.kind == "M":
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(
            mdates.ConciseDateFormatter(
                locator, formats=_DATE_FORMATS, zero_formats=_DATE_ZERO_FORMATS, offset_formats=_DATE_OFFSET_FORMATS
            )
        )
        ax.set_xlabel("time")
    elif times.dtype.kind in "iu":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("time step")
    else:
        ax.set_xlabel("time")


def legend_above_data(ax: Axes, headroom: float = 0.22) -> None:
    """One row of legend entries in empty space added above the data, so it never hides a line.

    Time series fill the whole width of their axes, so no corner is reliably free;
    raising the top of the y range by ``headroom`` of its span makes a free strip.
    """
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + headroom * (high - low))
    ax.legend(handles, labels, loc="upper left", ncols=len(handles), frameon=False, fontsize="small")
