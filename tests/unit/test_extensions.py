"""Builds of grucast's C++ extensions: one per build environment, loaded without rebuilding."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import torch
from torch.utils import cpp_extension

from grucast.nn.kernels import GRU_KERNEL, load_kernel
from grucast.runtime import extensions


@pytest.fixture
def source(tmp_path: Path) -> extensions.Extension:
    path = tmp_path / "demo.cpp"
    path.write_text("int answer() { return 42; }\n")
    return extensions.Extension(name="grucast_demo", sources=(path,))


def test_key_is_stable(source):
    assert extensions.build_key(source) == extensions.build_key(source)


@pytest.mark.parametrize(
    "change",
    [
        lambda mp: mp.setattr(torch, "__version__", "9.9.9+other"),
        lambda mp: mp.setattr(torch.version, "git_version", "0" * 40),
        lambda mp: mp.setattr(torch._C, "_GLIBCXX_USE_CXX11_ABI", not torch._C._GLIBCXX_USE_CXX11_ABI),
        lambda mp: mp.setattr(torch, "__file__", "/elsewhere/site-packages/torch/__init__.py"),
        lambda mp: mp.setattr(sys.implementation, "cache_tag", "cpython-399"),
        lambda mp: mp.setenv("CXX", "clang++"),
        lambda mp: mp.setattr(extensions, "_cpu_ident", lambda: "another processor"),
    ],
    ids=["torch version", "torch revision", "C++ ABI", "torch install", "python", "compiler", "processor"],
)
def test_key_changes_with_the_build_environment(source, monkeypatch, change):
    before = extensions.build_key(source)
    change(monkeypatch)
    assert extensions.build_key(source) != before


def test_key_changes_with_sources_and_flags(source):
    before = extensions.build_key(source)
    flagged = extensions.Extension(name=source.name, sources=source.sources, cflags=("-O2",))
    assert extensions.build_key(flagged) != before
    source.sources[0].write_text("int answer() { return 43; }\n")
    assert extensions.build_key(source) != before


def test_build_folder_is_named_by_the_key(source, monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(tmp_path / "builds"))
    folder, module = extensions.build_directory(source)
    assert module == f"grucast_demo_{extensions.build_key(source)}"
    assert folder == tmp_path / "builds" / "grucast" / module


@pytest.mark.skipif(load_kernel() is None, reason="no C++ compiler here: nothing was built")
def test_a_built_extension_loads_without_the_jit_builder(monkeypatch):
    # Once built, loading must not run torch's builder (ninja, a compiler check, and a
    # rebuild whenever another environment wrote the folder's build file).
    def refuse(*args, **kwargs):
        raise AssertionError("cpp_extension.load called for an extension already built")

    monkeypatch.setattr(cpp_extension, "load", refuse)
    assert extensions.is_built(GRU_KERNEL)
    extensions.load.cache_clear()
    try:
        module = extensions.load(GRU_KERNEL)
        assert module is not None and hasattr(module, "forward")
    finally:
        extensions.load.cache_clear()


_PYBIND_DEMO = """
#include <pybind11/pybind11.h>
int answer() { return 42; }
PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) { m.def("answer", &answer); }
"""

_BUILD_DEMO = """
import os
import sys
from pathlib import Path
from grucast.runtime import extensions
demo = extensions.Extension(name="grucast_demo", sources=(Path(sys.argv[1]),))
module = extensions.load(demo)
print(module.answer(), extensions.is_built(demo))
"""


def test_a_lock_left_by_a_killed_build_does_not_block_the_next(tmp_path):
    # A build killed half-way (a session ended, a CI job cancelled) used to leave torch's
    # lock file in the shared build folder, and every later build waited on it forever.
    import subprocess

    source = tmp_path / "demo.cpp"
    source.write_text(_PYBIND_DEMO)
    env = {**os.environ, "TORCH_EXTENSIONS_DIR": str(tmp_path / "builds")}
    env.pop("GRUCAST_DISABLE_KERNEL", None)
    probe = [sys.executable, "-c",
             "import sys; from pathlib import Path; from grucast.runtime import extensions;"
             "print(extensions.build_directory(extensions.Extension("
             "name='grucast_demo', sources=(Path(sys.argv[1]),)))[0])", str(source)]
    folder = Path(subprocess.run(probe, env=env, capture_output=True, text=True, check=True).stdout.strip())
    folder.mkdir(parents=True)
    (folder / "lock").write_text("")  # what the killed build left behind
    done = subprocess.run([sys.executable, "-c", _BUILD_DEMO, str(source)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["42", "True"]
    assert not (folder / "lock").exists()
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no staging folder left
