#!/usr/bin/env bash
# The runs behind benchmarks/results/accuracy.json, in order (see README.md for times).
# Each line can be rerun alone: results merge per subset and method.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/setup.sh"
run=("$here/.venv/bin/python" "$here/run.py")
"${run[@]}" --methods naive,seasonal_naive,auto_ets,auto_theta                       # all subsets
"${run[@]}" --subsets m3-monthly,m3-yearly,m3-quarterly,tourism-monthly,tourism-quarterly \
    --methods nf_gru,darts_gru --steps 1000
"${run[@]}" --subsets m3-other,tourism-yearly,household --methods nf_gru,darts_gru --steps 1000
"${run[@]}" --methods grucast --timeout 1800                                         # grucast's defaults
