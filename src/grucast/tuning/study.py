"""Optuna studies for ``grucast tune``: storage, a seeded sampler, the pruner, and resuming.

A study lives in an RDB storage: a SQLite file by default (embedded, nothing to
start), or a PostgreSQL or MySQL database that several ``grucast tune`` processes,
on several machines, share. Each study records what it searches (the space, the
settings every trial shares, the data's shape); a process that joins or resumes it
must search the same, or it is refused before any trial runs.
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from grucast.errors import InputError, MissingExtraError

#: The study attribute holding what a study searches (see :func:`open_study`).
SIGNATURE_KEY = "grucast"
#: Storage URL schemes grucast accepts (with any SQLAlchemy driver: ``postgresql+psycopg2://``).
SCHEMES = ("sqlite", "postgresql", "mysql")
#: Seconds between a running trial's heartbeats; a trial silent for twice that (its
#: process was killed) is marked failed by the next process that starts.
HEARTBEAT_SECONDS = 60
#: Tries at opening a storage whose tables another worker is creating at the same moment.
SCHEMA_ATTEMPTS = 5


def import_optuna() -> Any:
    """The ``optuna`` module, or a :class:`MissingExtraError` saying how to install it."""
    try:
        import optuna
    except ImportError:
        raise MissingExtraError(
            "grucast tune needs Optuna, an optional extra; install it with: pip install 'grucast[tune]'"
        ) from None
    return optuna


@contextlib.contextmanager
def quiet_optuna() -> Iterator[None]:
    """Optuna's per-trial log lines and experimental-feature warnings off (grucast prints its own lines)."""
    optuna = import_optuna()
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        try:
            yield
        finally:
            optuna.logging.set_verbosity(level)


def check_storage_url(url: str) -> str:
    """Refuse a storage URL grucast cannot use, before connecting; returns it unchanged."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise InputError(
            f"storage {url!r} is not a database URL; give e.g. sqlite:///study.db, "
            "postgresql://user:password@host/db or mysql://user:password@host/db"
        ) from None
    scheme = parsed.get_backend_name()
    if scheme not in SCHEMES:
        raise InputError(
            f"storage {url!r} uses {scheme!r}; grucast tune stores studies in {', '.join(SCHEMES)} "
            "(e.g. sqlite:///study.db or postgresql://user:password@host/db)"
        )
    if scheme == "sqlite" and not parsed.database:
        raise InputError(f"storage {url!r} names no file; give sqlite:///path/to/study.db (an in-memory study cannot be shared or resumed)")
    return url


def open_storage(url: str) -> Any:
    """An Optuna RDB storage at ``url`` (checked), with heartbeats for killed trials.

    Raises:
        InputError: the URL is refused, its database driver is not installed, or
            the database cannot be reached.
    """
    optuna = import_optuna()
    from sqlalchemy.exc import IntegrityError, SQLAlchemyError

    check_storage_url(url)
    # SQLite serialises writers: let a second worker wait for the lock instead of failing.
    engine = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
    try:
        for attempt in range(SCHEMA_ATTEMPTS):
            try:
                return optuna.storages.RDBStorage(
                    url, engine_kwargs=engine, heartbeat_interval=HEARTBEAT_SECONDS,
                    grace_period=2 * HEARTBEAT_SECONDS,
                )
            except SQLAlchemyError as error:
                # Workers started together on a new database race to create its tables and
                # version row; the loser finds them made and succeeds on the next attempt.
                racing = isinstance(error, IntegrityError) or "already exists" in str(error)
                if not racing or attempt == SCHEMA_ATTEMPTS - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
    except ImportError as error:
        raise MissingExtraError(
            f"storage {_redacted(url)!r} needs a database driver that is not installed ({error}); "
            "install it, e.g. pip install psycopg2-binary (PostgreSQL) or pip install pymysql and use mysql+pymysql://"
        ) from None
    except (SQLAlchemyError, OSError) as error:
        raise InputError(
            f"cannot open storage {_redacted(url)!r}: {str(error).splitlines()[0]}; check the URL, the path or "
            "the database server"
        ) from None


def _redacted(url: str) -> str:
    """The URL with its password hidden, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def trial_seed(seed: int, number: int) -> int:
    """The sampler's seed for trial ``number`` of a study seeded with ``seed``."""
    return int(np.random.SeedSequence([seed, number]).generate_state(1)[0])


def make_sampler(seed: int) -> Any:
    """A TPE sampler whose random draws depend on the seed and the trial's number only.

    One process alone gets the same trials for the same seed. Several processes
    sharing a study draw different numbers from the storage, hence different
    random proposals (one seed per process would give them identical ones), and
    ``constant_liar`` keeps them from proposing what another one is running.
    """
    optuna = import_optuna()

    class PerTrialSeeded(optuna.samplers.BaseSampler):
        def __init__(self) -> None:
            self._inner = self._make(0)

        @staticmethod
        def _make(number: int) -> Any:
            return optuna.samplers.TPESampler(
                seed=trial_seed(seed, number), multivariate=True, constant_liar=True, n_startup_trials=10
            )

        def before_trial(self, study: Any, trial: Any) -> None:
            self._inner = self._make(trial.number)
            self._inner.before_trial(study, trial)

        def infer_relative_search_space(self, study: Any, trial: Any) -> Any:
            return self._inner.infer_relative_search_space(study, trial)

        def sample_relative(self, study: Any, trial: Any, search_space: Any) -> Any:
            return self._inner.sample_relative(study, trial, search_space)

        def sample_independent(self, study: Any, trial: Any, param_name: str, param_distribution: Any) -> Any:
            return self._inner.sample_independent(study, trial, param_name, param_distribution)

        def after_trial(self, study: Any, trial: Any, state: Any, values: Any) -> None:
            self._inner.after_trial(study, trial, state, values)

    return PerTrialSeeded()


def make_pruner() -> Any:
    """Stop a trial whose validation MASE after an epoch is worse than the median of earlier trials there.

    Five complete trials first, and never in the first epoch (every model starts badly).
    """
    optuna = import_optuna()
    return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)


def open_study(storage: Any, name: str, signature: dict[str, Any], *, seed: int, prune: bool, where: str) -> Any:
    """Create the study ``name``, or load it and check that it searches the same.

    Args:
        storage: from :func:`open_storage`.
        name: the study's name in the storage.
        signature: what this search is (space, shared settings, data shape), JSON values.
        seed: the sampler's seed.
        prune: use the pruner (else trials always run to their end).
        where: the storage as the user gave it, for messages.

    Raises:
        InputError: the stored study searches something else, or was not made by grucast.
    """
    optuna = import_optuna()
    pruner = make_pruner() if prune else optuna.pruners.NopPruner()
    study = optuna.create_study(
        storage=storage, study_name=name, direction="minimize", sampler=make_sampler(seed), pruner=pruner,
        load_if_exists=True,
    )
    stored = study.user_attrs.get(SIGNATURE_KEY)
    if stored is None:
        if study.trials:
            raise InputError(
                f"study {name!r} in {where} was not made by grucast tune; choose another study name with --study"
            )
        study.set_user_attr(SIGNATURE_KEY, signature)
        return study
    differs = [part for part in signature if stored.get(part) != signature[part]]
    if differs:
        raise InputError(
            f"study {name!r} in {where} searches something else: its {_describe(differs, stored, signature)} "
            "differ from this run's; rerun with the same data, options and space file, or choose another study name"
        )
    return study


def _describe(parts: list[str], stored: dict[str, Any], now: dict[str, Any]) -> str:
    words = {"space": "search space", "settings": "shared settings", "data": "data"}
    details = []
    for part in parts:
        old, new = stored.get(part), now[part]
        if isinstance(old, dict) and isinstance(new, dict):
            keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            details.append(f"{words.get(part, part)} ({', '.join(keys)})")
        else:
            details.append(words.get(part, part))
    return " and ".join(details)
