"""The exceptions grucast raises for a user's mistakes, and the one rule for exit codes.

Every error caused by what a user gave (a file, a column, a setting, a run folder,
an output path) is an :class:`InputError`, raised where the bad input is found, with
a one-line message that says where, what is wrong, what was expected and how to fix
it. The command line prints such a message after ``error:`` and exits with code 2;
any other exception is a bug in grucast (exit code 1, "internal error").

:class:`InputError` derives from :class:`ValueError` (and :class:`InputTypeError`
also from :class:`TypeError`), so code that catches the built-in types keeps working.
"""

from __future__ import annotations


class InputError(ValueError):
    """A user's input cannot be used as given; the message says why and how to fix it."""


class InputTypeError(InputError, TypeError):
    """A user's input has the wrong type (a string where a number belongs, ...)."""


class DataError(InputError):
    """A user's data cannot be used as given.

    The message is one line that says where (file, series, column, row or
    timestamp), what is wrong, and how to fix it.
    """


class RunFolderError(InputError):
    """A run folder or output path that cannot be read or written as asked.

    A folder that is missing, half-written or not grucast's, an output that exists
    and may not be overwritten, a corrupt weights file.
    """


class NotFittedError(InputError, AttributeError):
    """A forecaster, pipeline or scaler was used before it was fitted."""


class MissingExtraError(InputError):
    """An optional feature whose extra is not installed; the message names the pip command."""


class DataWarning(UserWarning):
    """The data was changed on the way in (sorted, filled, trimmed); the message says how.

    Every such change is also kept in :attr:`grucast.data.SeriesSet.notes`, so a
    caller that silences warnings can still report it.
    """
