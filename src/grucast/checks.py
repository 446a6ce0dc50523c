"""One check per kind of value a user gives, shared by every entry point.

Each kind is a small object with ``check(name, value)``, which returns the value in
its one canonical type (a Python ``int`` for ``numpy.int64(24)``, a tuple for a
list of names) or raises an :class:`~grucast.errors.InputError` that names the
setting, the value received and what is allowed. Booleans are never integers here
(``True`` is not a lookback). The command line reads the same objects to build
its options, so a choice list or a range is written once.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from grucast.errors import InputError, InputTypeError


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


@dataclass(frozen=True)
class Kind:
    """What values a setting takes. ``optional`` admits ``None`` (meaning "decide from the data")."""

    optional: bool = False

    def check(self, name: str, value: Any, hint: str = "") -> Any:
        """The value in canonical form, or an :class:`InputError` naming ``name`` (and ``hint``, a fix)."""
        try:
            if value is None:
                if self.optional:
                    return None
                raise InputError(f"{name} is required, got None; it must be {self.expected}")
            return self._check(name, value)
        except InputError as error:
            if not hint:
                raise
            raise type(error)(f"{error}; {hint}") from None

    def _check(self, name: str, value: Any) -> Any:
        return value

    @property
    def expected(self) -> str:
        """What is allowed, in words, for messages and help."""
        return "any value"


@dataclass(frozen=True)
class Integer(Kind):
    """A whole number in ``[low, high]`` (either end open when ``None``)."""

    low: int | None = None
    high: int | None = None

    def _check(self, name: str, value: Any) -> int:
        if not _is_int(value):
            raise InputTypeError(f"{name} must be {self.expected}, got {type(value).__name__} {value!r}")
        number = int(value)
        if (self.low is not None and number < self.low) or (self.high is not None and number > self.high):
            raise InputError(f"{name} must be {self.expected}, got {number}")
        return number

    @property
    def expected(self) -> str:
        if self.low == 1 and self.high is None:
            return "a positive integer"
        if self.low == 0 and self.high is None:
            return "an integer >= 0"
        return f"an integer in [{self.low}, {self.high}]"


def positive_int(optional: bool = False) -> Integer:
    """An integer >= 1 (``None`` allowed when ``optional``)."""
    return Integer(optional=optional, low=1)


def non_negative_int(optional: bool = False) -> Integer:
    """An integer >= 0."""
    return Integer(optional=optional, low=0)


@dataclass(frozen=True)
class Real(Kind):
    """A real number between ``low`` and ``high``, each end open or closed."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def _check(self, name: str, value: Any) -> float:
        if not _is_real(value):
            raise InputTypeError(f"{name} must be {self.expected}, got {type(value).__name__} {value!r}")
        number = float(value)
        too_low = self.low is not None and (number <= self.low if self.low_open else number < self.low)
        too_high = self.high is not None and (number >= self.high if self.high_open else number > self.high)
        if too_low or too_high or number != number:
            raise InputError(f"{name} must be {self.expected}, got {value!r}")
        return number

    @property
    def expected(self) -> str:
        if self.low is not None and self.high is not None:
            left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
            return f"a number in {left}{self.low:g}, {self.high:g}{right}"
        if self.low is not None:
            return f"a number {'>' if self.low_open else '>='} {self.low:g}"
        return "a number"


@dataclass(frozen=True)
class Choice(Kind):
    """One of a fixed list of names; ``choices`` may be a callable, read when checking."""

    choices: Sequence[str] | Callable[[], Sequence[str]] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The allowed names."""
        return tuple(self.choices() if callable(self.choices) else self.choices)

    def _check(self, name: str, value: Any) -> str:
        if not isinstance(value, str) or value not in self.names:
            raise InputError(f"{name} must be {self.expected}, got {value!r}")
        return value

    @property
    def expected(self) -> str:
        return "one of " + ", ".join(self.names)


@dataclass(frozen=True)
class Flag(Kind):
    """``True`` or ``False``."""

    def _check(self, name: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise InputTypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
        return value

    @property
    def expected(self) -> str:
        return "True or False"


@dataclass(frozen=True)
class Text(Kind):
    """A non-empty string."""

    def _check(self, name: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise InputTypeError(f"{name} must be {self.expected}, got {type(value).__name__} {value!r}")
        return value

    @property
    def expected(self) -> str:
        return "a non-empty string"


@dataclass(frozen=True)
class Size(Kind):
    """Rows of a split part: whole steps (``>= 1``), a fraction in ``[0, 1)``, or 0 for none."""

    def _check(self, name: str, value: Any) -> int | float:
        if not _is_real(value):
            raise InputTypeError(f"{name} must be {self.expected}, got {type(value).__name__} {value!r}")
        number = float(value)
        if number < 0 or number != number or (number >= 1 and number != int(number)):
            raise InputError(f"{name} must be {self.expected}, got {value!r}")
        return int(number) if number >= 1 else number

    @property
    def expected(self) -> str:
        return "a whole number of steps, or a fraction in [0, 1)"


@dataclass(frozen=True)
class Names(Kind):
    """Names from ``vocabulary``, as a tuple; ``keywords`` are single words allowed instead (``"auto"``)."""

    vocabulary: Sequence[str] = ()
    keywords: Sequence[str] = ()

    def _check(self, name: str, value: Any) -> tuple[str, ...] | str:
        if isinstance(value, str):
            if value in self.keywords:
                return value
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, Sequence) or not all(isinstance(item, str) for item in value):
            raise InputTypeError(f"{name} must be {self.expected}, got {type(value).__name__} {value!r}")
        unknown = [item for item in value if item not in self.vocabulary]
        if unknown:
            raise InputError(f"{name} has unknown name {unknown[0]!r}; {name} must be {self.expected}")
        return tuple(value)

    @property
    def expected(self) -> str:
        words = " or ".join(repr(keyword) for keyword in self.keywords)
        listed = "a list of names from " + ", ".join(self.vocabulary)
        return f"{words} or {listed}" if words else listed


@dataclass(frozen=True)
class Options(Kind):
    """A mapping of keyword arguments (for a model class), with string keys."""

    def _check(self, name: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
            raise InputTypeError(f"{name} must be {self.expected}, got {type(value).__name__} {value!r}")
        return dict(value)

    @property
    def expected(self) -> str:
        return "a dict of keyword arguments"


@dataclass(frozen=True)
class Devices(Kind):
    """``"auto"`` or a positive number of devices (or CPU processes)."""

    def _check(self, name: str, value: Any) -> int | str:
        if value == "auto":
            return "auto"
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if not _is_int(value) or value < 1:
            raise InputError(f"{name} must be {self.expected}, got {value!r}")
        return int(value)

    @property
    def expected(self) -> str:
        return "'auto' or a positive integer"
