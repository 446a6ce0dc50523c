#!/usr/bin/env bash
# grucast on a GPU in a few minutes (issue 18 item 3):
#   1. the GRU equivalence tests on CUDA (float64 and float32; cuDNN through torch's
#      GRU operator, the torch.compile'd loop, the eager loop; TF32 off);
#   2. speed of grucast's default GRU vs torch.nn.GRU (cuDNN) vs torch.nn.LSTM on the
#      seed-004 shape: training step and batch-1 inference, fp32 and bf16 autocast;
#   3. a short seed-004-style GRU-vs-LSTM training run on the shipped hourly data;
#   4. `grucast train --accelerator gpu` on the shipped data, --precision 32 and bf16-mixed
#      (the engine and precision notes of each run, and its test MASE);
#   5. the speed of the reset_after=False GRU (torch.compile'd loop), last: it compiles for minutes.
# Writes benchmarks/results/gpu.json. Needs a CUDA build of torch in $PYTHON's
# environment (default: .venv/bin/python, else python3).
#
# Without a CUDA device it says so, skips 1-3 on CUDA, and runs the same benchmark
# code on the CPU with tiny shapes (a smoke check of the script, not a measurement)
# into benchmarks/gpu/smoke_cpu.json (not committed).
#
# Options: EPOCHS=3 REPS=20 (environment).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
EPOCHS=${EPOCHS:-3}
REPS=${REPS:-20}

if "$PYTHON" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
  "$PYTHON" -c 'import torch; print("CUDA device:", torch.cuda.get_device_name(0), "| torch", torch.__version__, "| cuDNN", torch.backends.cudnn.version())'
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  echo "== 1. equivalence tests on CUDA (float64 and float32) =="
  set +e
  GRUCAST_TEST_DEVICE=cuda "$PYTHON" -m pytest -q -p no:cacheprovider -m "slow or not slow" \
    tests/equivalence/test_gru_vs_torch.py tests/equivalence/test_gru_textbook.py 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  set -e
  echo "== 2-3. speed and GRU-vs-LSTM training on CUDA =="
  "$PYTHON" benchmarks/gpu/bench_gpu.py --device cuda --epochs "$EPOCHS" --reps "$REPS" --parts speed,training \
    --equivalence-log "$log" --equivalence-status "$status"
  echo "== 4. the CLI on CUDA: grucast train on the shipped data, 32 and bf16-mixed =="
  work=$(mktemp -d)
  trap 'rm -f "$log"; rm -rf "$work"' EXIT
  "$PYTHON" -c 'import sys; from grucast.data.datasets.household_power import household_power_frame as f
f().melt(id_vars="time", var_name="series", value_name="kw").to_csv(sys.argv[1], index=False)' "$work/load.csv"
  for precision in 32 bf16-mixed; do
    "$PYTHON" -m grucast train --data "$work/load.csv" --time-col time --series-col series --target kw --lookback 168 --horizon 24 \
      --epochs 2 --max-batches 40 --accelerator gpu --precision "$precision" --quiet --out "$work/run-$precision"
    "$PYTHON" -c 'import json, sys; m = json.load(open(sys.argv[1]))
print("precision", sys.argv[2], "| test MASE", round(m["model"]["mase"], 4), "| seasonal naive",
      round(m["baselines"]["seasonal_naive"]["mase"], 4), "| train s", round(m["train_seconds"], 1))
print("\n".join("  note: " + n for n in m.get("notes", []) if "MAPE" not in n))' "$work/run-$precision/metrics.json" "$precision"
  done
  echo "== 5. speed of the reset_after=False GRU (torch.compile'd loop; compiles for minutes first) =="
  "$PYTHON" benchmarks/gpu/bench_gpu.py --device cuda --reps "$REPS" --parts compiled --merge
  exit "$status"
else
  echo "No CUDA device here (torch.cuda.is_available() is False): skipping the equivalence"
  echo "tests on CUDA, the GPU speed table and the GPU training run. Running the same"
  echo "benchmark code on the CPU with tiny shapes instead (checks the script; measures nothing)."
  "$PYTHON" benchmarks/gpu/bench_gpu.py --device cpu --smoke
fi
