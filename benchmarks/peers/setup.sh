#!/usr/bin/env bash
# Create benchmarks/peers/.venv with torch 2.13.0 (CPU), the peer libraries and grucast.
#
# torch goes in first and on its own: 2.13.0 is the CPU build these machines hold on
# disk, and every later pip call gets constraints.txt so that no peer can pull a newer
# (CUDA, multi-GB) torch. grucast is installed editable with --no-deps; its light
# dependencies are pinned in requirements.txt. Idempotent: a stamp file records a
# finished install, and a changed requirements file triggers a reinstall.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python3}"
venv="$here/.venv"
stamp="$venv/.peers-installed"

build_kernel() {
    # Compile grucast's fused GRU kernel now (a no-op when the cached build matches the
    # source), so that no benchmark run times the compiler.
    "$venv/bin/python" -c 'from grucast.runtime.extensions import build; raise SystemExit(build())'
}

if [[ -f "$stamp" && "$stamp" -nt "$here/requirements.txt" && "$stamp" -nt "$here/constraints.txt" ]]; then
    build_kernel
    exit 0
fi

test -x "$venv/bin/python" || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --quiet --disable-pip-version-check)
"${pip[@]}" install --upgrade pip
"${pip[@]}" install torch==2.13.0
"${pip[@]}" install -c "$here/constraints.txt" -r "$here/requirements.txt"
"${pip[@]}" install -c "$here/constraints.txt" --no-deps -e "$root"
build_kernel
"$venv/bin/python" -c 'import torch; assert torch.__version__.startswith("2.13.0"), torch.__version__'
touch "$stamp"
