"""The peers' GRUs at an equal training budget: NeuralForecast ``GRU`` and Darts ``BlockRNNModel``.

Run with the peer benchmark's environment (``benchmarks/peers/.venv``), and with its
shared Lightning trainer options (``benchmarks/peers/systems/common.py``: CPU, no
progress bar, logger or checkpoints, gradient clipping). Both libraries get:

* the same model: GRU, hidden size 64, 2 layers, no dropout, a linear head that
  reads the last ``horizon`` GRU outputs (the closest each library has to a direct
  multi-step GRU; see ``benchmarks/peers/README.md``);
* the same training budget: ``steps`` Adam steps of ``batch_size`` windows each,
  learning rate 1e-3 with no schedule, MAE loss, gradient-norm clip 1.0, seed 0,
  2 torch threads, no validation and no early stopping. NeuralForecast counts
  steps natively (``max_steps``); Darts gets ``n_epochs`` large enough and
  Lightning's ``max_steps`` to stop at the same step;
* the same data: the in-sample parts of the series at least ``lookback + horizon``
  long (shorter ones give no complete training window and are left out of
  training, for both), each standardised with its own in-sample mean and standard
  deviation; then each input window normalised by its own mean and standard
  deviation, undone on the output (NeuralForecast ``scaler_type="standard"``, Darts
  ``use_reversible_instance_norm=True``), since many M3 and Tourism series trend
  out of their in-sample range;
* the same inputs to forecast: each window's last ``lookback`` observations; a
  history shorter than ``lookback`` is padded on the left with its first value.

``lookback`` is twice the horizon (the shortest input N-BEATS used on M3 and
Tourism) except on household, where it is one week (168 hours, as in the peer
benchmark's task a).
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from methods import Output

PEERS = Path(__file__).resolve().parents[2] / "peers"


@dataclass(frozen=True)
class Budget:
    """What both peer GRUs get (see the module docstring)."""

    lookback: int
    hidden_size: int = 64
    num_layers: int = 2
    batch_size: int = 256
    steps: int = 1000
    lr: float = 1e-3
    seed: int = 0
    threads: int = 2
    grad_clip: float = 1.0


def default_lookback(subset) -> int:
    """Two horizons; one week on hourly data."""
    return 168 if subset.season == 24 else 2 * subset.horizon


def budget_for(subset, options: dict) -> Budget:
    lookback = options.get("lookback") or default_lookback(subset)
    return Budget(lookback=lookback, steps=options.get("steps") or Budget.steps, seed=options.get("seed", 0))


def _prepare(subset, budget: Budget):
    """Standardised training parts (long enough ones), inputs of every window, and the statistics."""
    stats = []
    for part in subset.train_parts():
        std = float(part.std())
        stats.append((float(part.mean()), std if std > 0 else 1.0))
    need = budget.lookback + subset.horizon
    train = [
        (part - stats[s][0]) / stats[s][1] for s, part in enumerate(subset.train_parts()) if len(part) >= need
    ]
    inputs = []
    for w in range(subset.n_windows):
        s = subset.window_series[w]
        history = (subset.history(w)[-budget.lookback :] - stats[s][0]) / stats[s][1]
        if len(history) < budget.lookback:
            history = np.concatenate([np.full(budget.lookback - len(history), history[0]), history])
        inputs.append(history)
    return train, inputs, stats


def _unscale(block: np.ndarray, subset, stats) -> np.ndarray:
    mean = np.array([stats[s][0] for s in subset.window_series])[:, None]
    std = np.array([stats[s][1] for s in subset.window_series])[:, None]
    return block * std + mean


def _common():
    sys.path.insert(0, str(PEERS))
    from systems.common import quiet, trainer_options

    return quiet, trainer_options


def _step_counter():
    """A Lightning callback that counts optimiser steps, to check the budget was spent.

    Both libraries run on the ``pytorch_lightning`` namespace, so the callback does too.
    """
    import pytorch_lightning as pl

    class StepCounter(pl.Callback):
        def __init__(self) -> None:
            self.steps = 0

        def on_train_batch_end(self, *args, **kwargs) -> None:
            self.steps += 1

    return StepCounter()


def run_neuralforecast(subset, budget: Budget) -> Output:
    import neuralforecast
    import pandas as pd
    from neuralforecast import NeuralForecast
    from neuralforecast.losses.pytorch import MAE
    from neuralforecast.models import GRU

    quiet, trainer_options = _common()
    quiet()
    train, inputs, stats = _prepare(subset, budget)
    counter = _step_counter()

    def long(arrays: list[np.ndarray]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "unique_id": np.repeat(np.arange(len(arrays)), [len(a) for a in arrays]),
                "ds": np.concatenate([np.arange(len(a)) for a in arrays]),
                "y": np.concatenate(arrays).astype(np.float32),
            }
        )

    model = GRU(
        h=subset.horizon,
        input_size=budget.lookback,
        encoder_n_layers=budget.num_layers,
        encoder_hidden_size=budget.hidden_size,
        encoder_dropout=0.0,
        decoder_layers=1,
        recurrent=False,
        loss=MAE(),
        max_steps=budget.steps,
        learning_rate=budget.lr,
        batch_size=len(train),  # every series each step; 256 windows sampled from them
        windows_batch_size=budget.batch_size,
        scaler_type="standard",
        random_seed=budget.seed,
        callbacks=[counter],
        **trainer_options(budget),
    )
    forecaster = NeuralForecast(models=[model], freq=1)
    start = time.perf_counter()
    forecaster.fit(df=long(train), val_size=0)
    fit_seconds = time.perf_counter() - start
    # NeuralForecast fits a copy of the model, with copies of its callbacks: count there.
    fitted_callbacks = getattr(forecaster.models[0], "trainer_kwargs", {}).get("callbacks") or []
    steps = next((cb.steps for cb in fitted_callbacks if type(cb).__name__ == "StepCounter"), counter.steps)

    start = time.perf_counter()
    out = forecaster.predict(df=long(inputs)).sort_values(["unique_id", "ds"])
    predict_seconds = time.perf_counter() - start
    block = out["GRU"].to_numpy(dtype=np.float64).reshape(subset.n_windows, subset.horizon)
    return Output(
        _unscale(block, subset, stats), fit_seconds, predict_seconds, neuralforecast.__version__,
        notes=[f"{len(train)} of {subset.n_series} series long enough to train on; optimiser steps taken: {steps}"],
        settings=asdict(budget),
    )


def run_darts(subset, budget: Budget) -> Output:
    import darts
    import torch
    from darts import TimeSeries
    from darts.models import BlockRNNModel

    quiet, trainer_options = _common()
    quiet()
    train, inputs, stats = _prepare(subset, budget)
    counter = _step_counter()
    windows = sum(len(t) - budget.lookback - subset.horizon + 1 for t in train)
    batches_per_epoch = math.ceil(windows / budget.batch_size)
    epochs = math.ceil(budget.steps / batches_per_epoch)

    model = BlockRNNModel(
        model="GRU",
        input_chunk_length=budget.lookback,
        output_chunk_length=subset.horizon,
        hidden_dim=budget.hidden_size,
        n_rnn_layers=budget.num_layers,
        hidden_fc_sizes=None,
        use_reversible_instance_norm=True,
        dropout=0.0,
        batch_size=budget.batch_size,
        n_epochs=epochs,
        optimizer_kwargs={"lr": budget.lr},
        loss_fn=torch.nn.L1Loss(),
        random_state=budget.seed,
        save_checkpoints=False,
        pl_trainer_kwargs={**trainer_options(budget), "max_steps": budget.steps, "callbacks": [counter]},
    )
    series = [TimeSeries.from_values(t.astype(np.float32)) for t in train]
    start = time.perf_counter()
    model.fit(series, verbose=False)
    fit_seconds = time.perf_counter() - start

    start = time.perf_counter()
    predicted = model.predict(
        n=subset.horizon, series=[TimeSeries.from_values(i.astype(np.float32)) for i in inputs], verbose=False
    )
    predict_seconds = time.perf_counter() - start
    block = np.stack([p.values(copy=False)[:, 0] for p in predicted]).astype(np.float64)
    return Output(
        _unscale(block, subset, stats), fit_seconds, predict_seconds, darts.__version__,
        notes=[
            f"{len(train)} of {subset.n_series} series long enough to train on; {windows} training windows, "
            f"{batches_per_epoch} batches an epoch, n_epochs={epochs}, max_steps={budget.steps}; "
            f"optimiser steps taken: {counter.steps}"
        ],
        settings=asdict(budget),
    )


def run(subset, options: dict) -> Output:
    import torch

    budget = budget_for(subset, options)
    torch.set_num_threads(budget.threads)
    if options["method"] == "nf_gru":
        return run_neuralforecast(subset, budget)
    return run_darts(subset, budget)
