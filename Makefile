# grucast: `make demo` and `make test` work from a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.grucast-installed

.PHONY: setup extensions demo test test-slow bench clean

setup: $(STAMP) extensions

# The C++ extensions, built once per build environment (processor, torch install,
# Python, sources: see grucast/runtime/extensions.py) so that no run or benchmark
# compiles them; a no-op when this environment's builds are already there.
extensions: $(STAMP)
	$(PY) -c 'from grucast.runtime.extensions import build; raise SystemExit(build())'

# torch is installed on its own first: see requirements/torch.txt for why.
$(STAMP): pyproject.toml requirements/torch.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/torch.txt
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: setup
	$(PY) -m grucast demo

test: setup
	$(PY) -m pytest -q -n 2 -m "not slow"

test-slow: setup
	$(PY) -m pytest -q -m slow

bench: setup
	$(PY) benchmarks/bench_gru.py
	$(PY) benchmarks/bench_bf16.py
	$(PY) benchmarks/bench_training.py
	$(PY) benchmarks/bench_windows_memory.py

# Speed of several training processes on shared cores (1, 2, 3 at once; issue 14).
.PHONY: bench-shared-cores
bench-shared-cores: setup
	$(PY) benchmarks/bench_shared_cores.py

# GPU checks (issue 18): equivalence on CUDA, speed vs cuDNN, GRU vs LSTM training;
# writes benchmarks/results/gpu.json. Needs an environment with a CUDA build of torch
# (PYTHON=...; `make setup` installs the CPU build). Without a GPU: a CPU smoke run.
.PHONY: bench-gpu
bench-gpu:
	bash benchmarks/gpu/run.sh

clean:
	rm -rf $(VENV) build dist src/*.egg-info

# grucast against Darts, NeuralForecast and PyTorch Forecasting (issue 6), in their own
# virtualenv (benchmarks/peers/.venv, built by setup.sh). Options: PEERS_ARGS="--tasks a --epochs 1".
PEERS_ARGS ?=
.PHONY: bench-peers
bench-peers:
	bash benchmarks/peers/setup.sh
	benchmarks/peers/.venv/bin/python benchmarks/peers/run.py $(PEERS_ARGS)

# Accuracy on M3, Tourism and the household data (issue 13): grucast, the peers' GRUs at
# an equal budget, and statistical anchors, all scored alike. Environments built by
# benchmarks/accuracy/setup.sh. Options: ACCURACY_ARGS="--subsets m3-monthly --methods grucast".
ACCURACY_ARGS ?=
.PHONY: bench-accuracy
bench-accuracy:
	bash benchmarks/accuracy/setup.sh
	benchmarks/accuracy/.venv/bin/python benchmarks/accuracy/run.py $(ACCURACY_ARGS)

# Time and peak memory per phase at 1k, 10k and 100k series (issue 14): results/scale.json;
# windows per second on 1,428 short series against one long one: results/series_count.json.
.PHONY: bench-scale
bench-scale: setup
	$(PY) benchmarks/bench_scale.py
	$(PY) benchmarks/bench_series_count.py
	$(PY) benchmarks/bench_shards.py
