#!/usr/bin/env bash
# The full peer benchmark behind the README's table (about 75 minutes on 2 cores).
#
# Every system gets the same settings on a task; between tasks only the epoch count
# differs: 2 on task a, 20 on task c (set by the task: 9 batches an epoch), and 1 on
# the b tasks (124 k windows, about 4 minutes an epoch in PyTorch Forecasting).
# Results merge into benchmarks/results/peers.json system by system, so any line can
# be rerun alone (e.g. --systems grucast after a change) with the same settings.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/setup.sh"
run=("$here/.venv/bin/python" "$here/run.py")
systems=grucast,darts,neuralforecast,pytorch_forecasting
"${run[@]}" --tasks a,c --systems $systems --epochs 2 --repeats 3 "$@"
"${run[@]}" --tasks b1,b24 --systems $systems --epochs 1 --repeats 3 "$@"
