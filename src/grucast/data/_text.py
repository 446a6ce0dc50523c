"""Small helpers that format values for error messages and notes."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def format_time(value: object) -> str:
    """Format a timestamp or an integer step for a message.

    Args:
        value: a ``numpy.datetime64``, ``pandas.Timestamp`` or integer step.

    Returns:
        ``2024-01-31 13:00:00`` for a timestamp (the date alone at midnight), the
        integer itself for a step.
    """
    if isinstance(value, (np.datetime64, pd.Timestamp)):
        stamp = pd.Timestamp(value)
        if stamp == stamp.normalize():
            return stamp.strftime("%Y-%m-%d")
        return str(stamp)
    if isinstance(value, (np.integer, int)):
        return str(int(value))
    return str(value)


def quote_list(names: Iterable[object], limit: int = 12) -> str:
    """Quote names for a message: ``'a', 'b', 'c'`` (and a count past ``limit``)."""
    names = list(names)
    shown = ", ".join(repr(str(name)) for name in names[:limit])
    if len(names) > limit:
        shown += f" and {len(names) - limit} more"
    return shown
