"""grucast: ``Forecaster("gru")``, fit on the training part, forecast every test window."""

from __future__ import annotations

import time

import numpy as np

from systems.common import Output, Settings
from tasks import TaskData


def run(data: TaskData, settings: Settings) -> Output:
    import grucast
    from grucast.api import Forecaster
    from grucast.data import from_dataframe

    task = data.task
    series_set = from_dataframe(data.frame, time_col="time", target=data.names, freq=task.freq)
    forecaster = Forecaster(
        "gru",
        lookback=task.lookback,
        horizon=task.horizon,
        hidden_size=settings.hidden_size,
        num_layers=settings.num_layers,
        dropout=settings.dropout,
        # The split: the last test_rows steps of each series, no validation part.
        test_size=data.test_rows,
        val_size=0,
        # Plain per-series standardisation fitted on the training part, no extra inputs.
        scaler="standard",
        window_norm=settings.window_norm,
        calendar="none",
        # The peers' GRUs have no path from the window to the forecast besides the network.
        skip="none",
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        lr=settings.lr,
        lr_schedule="none",
        patience=0,
        loss="mae",
        grad_clip=settings.grad_clip,
        seed=settings.seed,
        threads=settings.threads,
        accelerator="cpu",
        progress=False,
    )
    start = time.perf_counter()
    forecaster.fit(series_set)
    train_seconds = time.perf_counter() - start

    start = time.perf_counter()
    windows = forecaster.forecast_windows(part="test")
    backtest_seconds = time.perf_counter() - start

    # grucast's series index is into the names of the data it was given; map it to the task's order.
    order = np.array([data.names.index(name) for name in series_set.names])
    return Output(
        train_seconds=train_seconds,
        backtest_seconds=backtest_seconds,
        series=order[windows["series"]],
        origin=windows["origin"].astype(np.int64),
        forecast=windows["forecast"].astype(np.float64),
        version=grucast.__version__,
        notes=[f"trainer.fit alone: {forecaster.fit_result_.train_seconds:.2f} s"],
    )
