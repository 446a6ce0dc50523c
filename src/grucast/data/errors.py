"""Exceptions and warnings raised by :mod:`grucast.data` (defined in :mod:`grucast.errors`)."""

from __future__ import annotations

from grucast.errors import DataError, DataWarning, InputError, NotFittedError

__all__ = ["DataError", "DataWarning", "InputError", "NotFittedError"]
