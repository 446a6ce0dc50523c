# grucast: `make demo` and `make test` work from a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.grucast-installed

.PHONY: setup demo test test-slow bench clean

setup: $(STAMP)

# torch is installed on its own first: see requirements/torch.txt for why.
$(STAMP): pyproject.toml requirements/torch.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/torch.txt
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -c 'from grucast.nn.kernels import build; raise SystemExit(build())'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m grucast demo

test: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

bench: $(STAMP)
	$(PY) benchmarks/bench_gru.py
	$(PY) benchmarks/bench_training.py
	$(PY) benchmarks/bench_windows_memory.py

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
