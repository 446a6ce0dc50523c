#!/usr/bin/env bash
# The full peer benchmark behind the README's table (about 90 minutes on 2 cores).
#
# Every system gets the same settings on a task; what differs between tasks is the
# epoch count (2 on a and c, where c overrides it to 20; 1 on the b tasks, whose
# 124 k windows take PyTorch Forecasting about 15 minutes an epoch) and, for that
# reason, PyTorch Forecasting runs once on b1 and b24 instead of three times.
# Results merge into benchmarks/results/peers.json system by system, so any line can
# be rerun alone (e.g. grucast after a change) with the same settings.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/setup.sh"
run=("$here/.venv/bin/python" "$here/run.py")
peers=darts,neuralforecast
"${run[@]}" --tasks a,c --systems grucast,$peers,pytorch_forecasting --epochs 2 --repeats 3 "$@"
"${run[@]}" --tasks b1,b24 --systems grucast,$peers --epochs 1 --repeats 3 "$@"
"${run[@]}" --tasks b1,b24 --systems pytorch_forecasting --epochs 1 --repeats 1 "$@"
