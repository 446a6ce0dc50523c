"""Exceptions and warnings raised by :mod:`grucast.data`."""

from __future__ import annotations


class DataError(ValueError):
    """A user's data cannot be used as given.

    The message is one line that says where (file, series, column, row or
    timestamp), what is wrong, and how to fix it. The command line prints it after
    ``error:`` and exits with code 2.
    """


class DataWarning(UserWarning):
    """The data was changed on the way in (sorted, filled, trimmed); the message says how.

    Every such change is also kept in :attr:`grucast.data.SeriesSet.notes`, so a
    caller that silences warnings can still report it.
    """


class NotFittedError(ValueError, AttributeError):
    """A scaler was used before :meth:`fit` was called on it."""
