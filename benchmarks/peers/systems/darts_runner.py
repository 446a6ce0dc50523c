"""Darts: ``BlockRNNModel(model="GRU")``, the direct multi-output RNN, like grucast's.

Setting conversions (grucast name -> Darts):

* lookback -> ``input_chunk_length``; horizon -> ``output_chunk_length``;
* hidden_size -> ``hidden_dim``; num_layers -> ``n_rnn_layers``;
  ``hidden_fc_sizes=None``: the head is one linear layer, as in grucast. Darts' head
  reads the last ``horizon`` GRU outputs (one linear map per step, shared), grucast's
  the last state only (one linear map to all steps): the nearest Darts offers;
* epochs -> ``n_epochs``; lr -> ``optimizer_kwargs={"lr": lr}`` (Adam, Darts' default);
  loss MAE -> ``loss_fn=torch.nn.L1Loss()``; grad clip and CPU via ``pl_trainer_kwargs``;
* scaling: the series are standardised here with the training part's mean and
  standard deviation (what grucast's ``scaler="standard"`` does) and forecasts are
  scaled back; Darts' own ``Scaler`` would do the same arithmetic;
* backtest: ``historical_forecasts(retrain=False, stride=1, last_points_only=False)``
  from the first test step, with ``predict_kwargs={"batch_size": settings.inference_batch}``.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import torch

from systems.common import Output, Settings, quiet, row_lookup, scale, trainer_options, unscale
from tasks import TaskData


def run(data: TaskData, settings: Settings) -> Output:
    import darts
    from darts import TimeSeries
    from darts.models import BlockRNNModel

    quiet()
    task = data.task
    stats = data.train_stats()
    times = data.frame["time"]
    full = [
        TimeSeries.from_times_and_values(
            pd.DatetimeIndex(times), scale(data.values(name), stats[name]).astype(np.float32), freq=task.freq
        )
        for name in data.names
    ]
    train = [one[: data.train_end] for one in full]

    model = BlockRNNModel(
        model="GRU",
        input_chunk_length=task.lookback,
        output_chunk_length=task.horizon,
        hidden_dim=settings.hidden_size,
        n_rnn_layers=settings.num_layers,
        hidden_fc_sizes=None,
        use_reversible_instance_norm=settings.window_norm == "mean_std",
        dropout=settings.dropout,
        batch_size=settings.batch_size,
        n_epochs=settings.epochs,
        optimizer_kwargs={"lr": settings.lr},
        loss_fn=torch.nn.L1Loss(),
        random_state=settings.seed,
        save_checkpoints=False,
        pl_trainer_kwargs=trainer_options(settings),
    )
    start = time.perf_counter()
    model.fit(train if len(train) > 1 else train[0], verbose=False)
    train_seconds = time.perf_counter() - start

    start = time.perf_counter()
    forecasts = model.historical_forecasts(
        series=full if len(full) > 1 else full[0],
        start=times.iloc[data.train_end],
        forecast_horizon=task.horizon,
        stride=1,
        retrain=False,
        overlap_end=False,
        last_points_only=False,
        verbose=False,
        predict_kwargs={"batch_size": settings.inference_batch},
    )
    backtest_seconds = time.perf_counter() - start

    if len(full) == 1:
        forecasts = [forecasts]
    rows = row_lookup(times)
    series, origin, values = [], [], []
    for index, (name, per_series) in enumerate(zip(data.names, forecasts)):
        first = rows[[one.start_time() for one in per_series]].to_numpy()
        block = np.stack([one.values(copy=False)[:, 0] for one in per_series]).astype(np.float64)
        series.append(np.full(len(per_series), index))
        origin.append(first - 1)
        values.append(unscale(block, stats[name]))
    return Output(
        train_seconds=train_seconds,
        backtest_seconds=backtest_seconds,
        series=np.concatenate(series),
        origin=np.concatenate(origin).astype(np.int64),
        forecast=np.concatenate(values),
        version=darts.__version__,
    )
