"""Compile grucast's C++ extensions once per build environment, and load them.

An extension compiled for one environment must never be loaded, nor rebuilt over,
by another. So each build lives in a folder named by a digest of everything that
makes its binary what it is (:func:`build_key`):

* the processor (model name and feature flags), since the code is built with
  ``-march=native``;
* the torch install: ``torch.__version__``, its git revision
  (``torch.version.git_version``), its C++ ABI flag, and the folder it lies in
  (the build commands name its headers, and torch's JIT builder recompiles
  whenever the command line changes);
* the Python implementation and version (the module's ABI tag);
* the C++ compiler (``$CXX``) and the compiler and linker flags;
* the bytes of every source file.

Two virtual environments with different torch installs then keep two builds side
by side instead of rebuilding one in turn, and editing a source file gives a new
build instead of a stale one.

A folder that already holds the built module is imported directly, without
running torch's JIT builder (which would invoke ninja and the compiler on every
start). Otherwise the module is built, which takes 20-80 s: ``make setup`` builds
every extension at install time (:func:`build`), so a training run or a timed
benchmark never does. A build at run time logs one line that says so.

Builds go to ``$TORCH_EXTENSIONS_DIR/grucast/<name>_<key>`` (by default
``~/.cache/torch_extensions/grucast/...``). Each build runs in a staging folder of
its own and is renamed into place when it is complete, so a build that was killed
half-way leaves nothing that a later process waits on or imports (torch's JIT
builder guards a shared folder with a lock file, and a lock left by a killed build
makes every later build in that folder wait forever).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import os
import platform
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

_log = logging.getLogger("grucast")

#: Setting this to anything but "" or "0" disables every compiled extension.
DISABLE_ENV = "GRUCAST_DISABLE_KERNEL"


def _cpu_ident() -> str:
    """The processor's model name and feature flags (Linux), else the architecture."""
    ident = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "model name")):
                ident += line
                if line.startswith("flags"):
                    break  # the first processor describes them all
    except OSError:
        pass
    return ident


def native_flags() -> list[str]:
    """``-march=native`` where the build key pins the build to this processor.

    On x86-64 also 512-bit vectors where the processor has them: GCC's default for
    AVX-512 processors is 256-bit, which halved the gate passes' throughput.
    """
    if sys.platform.startswith("linux") and platform.machine() == "x86_64":
        return ["-march=native", "-mprefer-vector-width=512"]
    if sys.platform.startswith("linux") and platform.machine() == "aarch64":
        return ["-march=native"]
    return []


@dataclass(frozen=True)
class Extension:
    """A C++ extension: its name, its sources, and how to compile and link it.

    Attributes:
        name: the module's name before the build key (e.g. ``"grucast_gru"``).
        sources: the C++ files, compiled into one module.
        cflags: compiler flags (``-march=native`` is added on Linux x86-64/aarch64).
        ldflags: linker flags.
        purpose: what the extension is for, in the warning shown when it cannot be built.
    """

    name: str
    sources: tuple[Path, ...]
    cflags: tuple[str, ...] = ("-O3",)
    ldflags: tuple[str, ...] = ()
    purpose: str = ""

    @property
    def all_cflags(self) -> list[str]:
        return [*self.cflags, *native_flags()]


def build_key(extension: Extension) -> str:
    """A digest of everything that makes the extension's binary what it is (see module doc)."""
    import torch

    digest = hashlib.sha256()
    for part in (
        _cpu_ident(),
        torch.__version__,
        str(torch.version.git_version),
        str(torch._C._GLIBCXX_USE_CXX11_ABI),
        str(Path(torch.__file__).resolve().parent),
        sys.implementation.cache_tag or sys.version,
        os.environ.get("CXX", "c++"),
        " ".join(extension.all_cflags),
        " ".join(extension.ldflags),
    ):
        digest.update(part.encode())
        digest.update(b"\0")
    for source in extension.sources:
        digest.update(source.name.encode() + b"\0")
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def build_directory(extension: Extension) -> tuple[Path, str]:
    """Where the extension's build lives, and the module's full name."""
    from torch.utils import cpp_extension

    root = os.environ.get("TORCH_EXTENSIONS_DIR") or cpp_extension.get_default_build_root()
    module = f"{extension.name}_{build_key(extension)}"
    return Path(root) / "grucast" / module, module


def _import_built(path: Path, module: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def is_built(extension: Extension) -> bool:
    """Whether this environment's build of the extension is already on disk."""
    folder, module = build_directory(extension)
    return (folder / f"{module}.so").is_file() and not (folder / "lock").exists()


def _compile(extension: Extension, folder: Path, module: str, verbose: bool) -> ModuleType:
    """Build the extension in a fresh staging folder beside ``folder``, then rename it
    into place. Concurrent builds each stage their own; the first rename wins and the
    others keep their (identical) module. A leftover folder without a finished module
    (an older build that was killed) is replaced."""
    from torch.utils import cpp_extension

    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{module}.staging-", dir=folder.parent))
    try:
        loaded = cpp_extension.load(
            name=module,
            sources=[str(path) for path in extension.sources],
            extra_cflags=extension.all_cflags,
            extra_ldflags=list(extension.ldflags),
            build_directory=str(staging),
            verbose=verbose,
        )
        if folder.exists() and not is_built(extension):
            shutil.rmtree(folder, ignore_errors=True)
        try:
            staging.rename(folder)
        except OSError:  # another process finished first: its build is the same
            pass
        return loaded
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@functools.cache
def load(extension: Extension, verbose: bool = False) -> ModuleType | None:
    """Import the extension's build for this environment, compiling it first if needed.

    Returns:
        The module, or ``None`` when compiled extensions are disabled
        (``GRUCAST_DISABLE_KERNEL=1``) or the build fails (one ``RuntimeWarning``
        says why; callers fall back to pure PyTorch code).
    """
    if os.environ.get(DISABLE_ENV, "") not in ("", "0"):
        return None
    import torch  # noqa: F401  (the module links against torch's libraries)

    try:
        folder, module = build_directory(extension)
        library = folder / f"{module}.so"
        if is_built(extension):
            return _import_built(library, module)
        _log.warning(
            "grucast: compiling the C++ extension %s for this environment (once, 20-80 s)",
            module,
        )
        return _compile(extension, folder, module, verbose)
    except Exception as exc:  # a missing compiler surfaces as many exception types
        text = str(exc).strip()
        warnings.warn(
            f"grucast: the C++ extension {extension.name} could not be built "
            f"({type(exc).__name__}: {text.splitlines()[-1] if text else repr(exc)}); "
            f"{extension.purpose or 'using the pure PyTorch path'}. Install a C++ compiler "
            "(g++ or clang++) to enable it.",
            RuntimeWarning,
            stacklevel=2,
        )
        return None


def build(verbose: bool = False) -> int:
    """Compile every extension of grucast now (``make setup`` calls this).

    Prints each outcome; returns 0 (a failed build leaves the pure PyTorch paths).
    """
    from grucast.nn.kernels import GRU_KERNEL  # the one place that names them all
    from grucast.runtime.memory import BLOCK_CACHE

    for extension in (BLOCK_CACHE, GRU_KERNEL):
        module = load(extension, verbose=verbose)
        state = "ready" if module is not None else "unavailable (pure PyTorch path)"
        print(f"grucast: {extension.name} {state}")
    return 0
