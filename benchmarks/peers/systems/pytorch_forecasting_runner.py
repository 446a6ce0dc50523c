"""PyTorch Forecasting: ``RecurrentNetwork(cell_type="GRU")``.

This model is an encoder-decoder: the GRU reads the lookback, then keeps running
over the horizon, fed the previous target (the true one in training, its own
forecast when predicting, one step at a time). It has no direct multi-output GRU;
this is its closest model to grucast's.

Setting conversions (grucast name -> PyTorch Forecasting):

* lookback -> ``min_encoder_length = max_encoder_length``; horizon ->
  ``min_prediction_length = max_prediction_length`` (fixed-size windows, as in grucast);
* hidden_size -> ``hidden_size``; num_layers -> ``rnn_layers``; dropout -> ``dropout``;
* epochs -> the Lightning ``Trainer(max_epochs=...)``; batch size -> ``to_dataloader``
  (its training loader drops the last partial batch); lr -> ``learning_rate`` with
  ``optimizer="adam"``; loss ``MAE()``; ``logging_metrics`` empty so that no extra
  metrics are computed every step (kinder to the peer than its default);
* scaling: ``target_normalizer=None`` (identity) on series standardised here with
  the training part's mean and standard deviation; no added features
  (relative time index, target scales, encoder length all off);
* backtest: ``TimeSeriesDataSet.from_dataset(training, whole series,
  min_prediction_idx=first test row)`` and ``model.predict(..., return_index=True)``,
  batch ``settings.inference_batch``. The time to build that dataset is part of the backtest time.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from systems.common import Output, Settings, quiet, scale, trainer_options, unscale_rows
from tasks import TaskData


def run(data: TaskData, settings: Settings) -> Output:
    import lightning.pytorch as pl
    import pytorch_forecasting
    from pytorch_forecasting import EncoderNormalizer, RecurrentNetwork, TimeSeriesDataSet
    from pytorch_forecasting.metrics import MAE
    from torch import nn

    quiet()
    task = data.task
    stats = data.train_stats()
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "series": name,
                    "time_idx": np.arange(data.length),
                    "y": scale(data.values(name), stats[name]).astype(np.float32),
                }
            )
            for name in data.names
        ],
        ignore_index=True,
    )
    long["series"] = long["series"].astype("category")
    pl.seed_everything(settings.seed, verbose=False)

    start = time.perf_counter()
    training = TimeSeriesDataSet(
        long[long["time_idx"] < data.train_end],
        time_idx="time_idx",
        target="y",
        group_ids=["series"],
        min_encoder_length=task.lookback,
        max_encoder_length=task.lookback,
        min_prediction_length=task.horizon,
        max_prediction_length=task.horizon,
        time_varying_unknown_reals=["y"],
        target_normalizer=EncoderNormalizer(method="standard") if settings.window_norm == "mean_std" else None,
        add_relative_time_idx=False,
        add_target_scales=False,
        add_encoder_length=False,
    )
    loader = training.to_dataloader(train=True, batch_size=settings.batch_size, num_workers=0)
    model = RecurrentNetwork.from_dataset(
        training,
        cell_type="GRU",
        hidden_size=settings.hidden_size,
        rnn_layers=settings.num_layers,
        dropout=settings.dropout,
        learning_rate=settings.lr,
        optimizer="adam",
        loss=MAE(),
        logging_metrics=nn.ModuleList([]),
    )
    trainer = pl.Trainer(max_epochs=settings.epochs, **trainer_options(settings))
    trainer.fit(model, train_dataloaders=loader)
    train_seconds = time.perf_counter() - start

    start = time.perf_counter()
    test = TimeSeriesDataSet.from_dataset(training, long, min_prediction_idx=data.train_end, stop_randomization=True)
    test_loader = test.to_dataloader(train=False, batch_size=settings.inference_batch, num_workers=0)
    prediction = model.predict(
        test_loader,
        return_index=True,
        trainer_kwargs={"accelerator": "cpu", "devices": 1, "logger": False, "enable_progress_bar": False},
    )
    backtest_seconds = time.perf_counter() - start

    index = prediction.index
    series = index["series"].map({name: i for i, name in enumerate(data.names)}).to_numpy(dtype=np.int64)
    origin = index["time_idx"].to_numpy(dtype=np.int64) - 1  # time_idx is the first forecast step
    block = prediction.output.detach().cpu().numpy().astype(np.float64).reshape(len(index), task.horizon)
    forecast = unscale_rows(block, series, data.names, stats)
    return Output(
        train_seconds=train_seconds,
        backtest_seconds=backtest_seconds,
        series=series,
        origin=origin,
        forecast=forecast,
        version=pytorch_forecasting.__version__,
    )
