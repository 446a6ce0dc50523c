"""Run folders and output files that appear only when complete.

Everything grucast writes for a user goes first into a temporary sibling of the
target (same folder, so the final move is a rename on the same file system) and is
moved into place only when the work succeeded. A failure leaves the file tree as it
was: no half-written folder, no empty parent folders, and an earlier run replaced
(``force``) only once the new one is complete.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from grucast.errors import RunFolderError

#: The file that marks a folder as a grucast run.
MARKER = "config.json"


def is_run_folder(path: Path) -> bool:
    """True for a folder whose ``config.json`` was written by grucast."""
    marker = path / MARKER
    if not marker.is_file():
        return False
    try:
        return "grucast" in json.loads(marker.read_text())
    except (OSError, ValueError, TypeError):
        return False


def check_output_dir(path: Path, force: bool, flag: str = "--force") -> None:
    """Refuse an output folder that may not be written, before any work.

    A new or empty folder is fine; an earlier run folder only with ``force``; a
    file, or a folder with other things in it, never.

    Args:
        path: the output folder.
        force: replace an earlier run folder.
        flag: how the user's interface spells ``force``, for the message.
    """
    if path.exists() and not path.is_dir():
        raise RunFolderError(f"output '{path}' is a file, not a folder; choose another output folder")
    if not path.exists() or not any(path.iterdir()):
        return
    if not is_run_folder(path):
        raise RunFolderError(
            f"output folder '{path}' already exists and is not empty, and it is not a grucast run folder; "
            "choose another output folder (grucast never deletes other files)"
        )
    if not force:
        raise RunFolderError(
            f"output folder '{path}' already exists and is not empty; choose another output folder or pass {flag} "
            "to replace that run"
        )


def check_output_file(path: Path, force: bool, flag: str = "--force") -> None:
    """Refuse an output file that exists (unless ``force``) or is a folder, before any work."""
    if path.is_dir():
        raise RunFolderError(f"output '{path}' is a folder; give a file name")
    if path.exists() and not force:
        raise RunFolderError(f"output file '{path}' already exists; choose another name or pass {flag} to overwrite it")


def _missing_parents(path: Path) -> list[Path]:
    """The ancestors of ``path`` that do not exist yet, deepest first."""
    missing = []
    parent = path.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    return missing


@contextlib.contextmanager
def staged_folder(target: Path, force: bool, flag: str = "--force") -> Iterator[Path]:
    """Yield an empty temporary folder that becomes ``target`` when the block succeeds.

    On success the earlier ``target`` (an empty folder, or a run folder when
    ``force``) is replaced; on any failure the temporary folder and any parent
    folders created for it are removed, and ``target`` is untouched.
    """
    target = Path(target)
    check_output_dir(target, force, flag)
    created = _missing_parents(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        yield staging
        _replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


@contextlib.contextmanager
def staged_file(target: Path, force: bool, flag: str = "--force") -> Iterator[Path]:
    """Yield a temporary path that becomes the file ``target`` when the block succeeds."""
    target = Path(target)
    check_output_file(target, force, flag)
    created = _missing_parents(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:8]}"
    try:
        yield staging
        os.replace(staging, target)
    except BaseException:
        with contextlib.suppress(OSError):
            staging.unlink()
        for folder in created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _replace(staging: Path, target: Path) -> None:
    if not target.exists():
        staging.rename(target)
        return
    old = target.parent / f".{target.name}.replaced-{uuid.uuid4().hex[:8]}"
    target.rename(old)
    try:
        staging.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def read_json(path: Path) -> Any:
    """A JSON file of a run folder, or a :class:`RunFolderError` saying it is damaged."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise RunFolderError(f"'{path}' cannot be read as JSON ({error}); the run folder is damaged") from None
