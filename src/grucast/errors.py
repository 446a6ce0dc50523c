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


# How messages name a setting. A message is read by someone using one interface: a
# Python caller passes ``dayfirst=True``, a command-line user ``--dayfirst``. The
# command line calls :func:`use_cli_names` once at start-up; library code builds
# every hint with :func:`option`, so the same check serves both.
_cli_names: dict[str, str] | None = None


def use_cli_names(names: dict[str, str] | None) -> None:
    """Make :func:`option` name settings as command-line options from now on.

    Args:
        names: Python setting name -> option flag (``{"max_batches": "--max-batches"}``)
            for the flags that differ from the setting's name with dashes; ``None``
            goes back to Python names.
    """
    global _cli_names
    _cli_names = None if names is None else dict(names)


def option(name: str, value: object = None) -> str:
    """A setting as the user's interface spells it, for hints in messages.

    ``option("dayfirst", True)`` is ``dayfirst=True`` for a Python caller and
    ``--dayfirst`` on the command line; ``option("missing", "interpolate")`` is
    ``missing='interpolate'`` or ``--missing interpolate``; ``option("freq")`` is
    ``freq`` or ``--freq``.

    Args:
        name: the setting's Python name.
        value: the value to suggest, if any. Lists are joined by commas on the
            command line; ``True``/``False`` become ``--flag``/``--no-flag``.
    """
    if _cli_names is None:
        return name if value is None else f"{name}={value!r}"
    flag = _cli_names.get(name, "--" + name.replace("_", "-"))
    if value is None or value is True:
        return flag
    if value is False:
        return "--no-" + flag[2:]
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    text = str(value)
    return f"{flag} {text!r}" if (" " in text or not text) else f"{flag} {text}"
