"""NeuralForecast: ``GRU(recurrent=False)``, its direct multi-output GRU.

Setting conversions (grucast name -> NeuralForecast):

* lookback -> ``input_size``; horizon -> ``h``;
* hidden_size -> ``encoder_hidden_size``; num_layers -> ``encoder_n_layers``;
  dropout -> ``encoder_dropout``; ``decoder_layers=1``: the head is one linear
  layer, as in grucast (NeuralForecast's reads the last ``h`` GRU outputs, one
  shared linear map per step; grucast's reads the last state only);
* epochs -> ``max_steps``: NeuralForecast trains in steps, not epochs. A step takes
  ``batch_size`` *series* and samples ``windows_batch_size`` windows from them, so
  ``batch_size`` = every series, ``windows_batch_size`` = the batch size in windows,
  and ``max_steps = epochs * ceil(training windows / batch size)``: the same number
  of windows seen (sampled at random each step rather than one shuffled pass);
* lr -> ``learning_rate`` (Adam; ``num_lr_decays=-1``, no decay); loss ``MAE()``;
* scaling: ``scaler_type="identity"`` on series standardised here with the training
  part's mean and standard deviation (NeuralForecast's own scalers work per window,
  which grucast calls ``window_norm``, switched off in this benchmark);
* backtest: ``cross_validation(use_fitted=True, test_size=..., step_size=1)`` on the
  whole series, which forecasts every test window with the fitted weights, no refit;
  ``inference_windows_batch_size=settings.inference_batch``.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

from systems.common import Output, Settings, quiet, row_lookup, scale, trainer_options, unscale_rows
from tasks import TaskData


def run(data: TaskData, settings: Settings) -> Output:
    import neuralforecast
    from neuralforecast import NeuralForecast
    from neuralforecast.losses.pytorch import MAE
    from neuralforecast.models import GRU

    quiet()
    task = data.task
    stats = data.train_stats()
    times = data.frame["time"]
    long = pd.concat(
        [
            pd.DataFrame({"unique_id": name, "ds": times, "y": scale(data.values(name), stats[name])})
            for name in data.names
        ],
        ignore_index=True,
    )
    train = long[long["ds"] < times.iloc[data.train_end]]
    steps_per_epoch = math.ceil(data.train_windows / settings.batch_size)

    model = GRU(
        h=task.horizon,
        input_size=task.lookback,
        encoder_n_layers=settings.num_layers,
        encoder_hidden_size=settings.hidden_size,
        encoder_dropout=settings.dropout,
        decoder_layers=1,
        recurrent=False,
        loss=MAE(),
        max_steps=settings.epochs * steps_per_epoch,
        learning_rate=settings.lr,
        batch_size=len(data.names),
        windows_batch_size=settings.batch_size,
        inference_windows_batch_size=settings.inference_batch,
        scaler_type="standard" if settings.window_norm == "mean_std" else "identity",
        random_seed=settings.seed,
        **trainer_options(settings),
    )
    forecaster = NeuralForecast(models=[model], freq=task.freq)
    start = time.perf_counter()
    forecaster.fit(df=train, val_size=0)
    train_seconds = time.perf_counter() - start

    start = time.perf_counter()
    cv = forecaster.cross_validation(
        df=long, n_windows=None, test_size=data.test_rows, step_size=1, use_fitted=True
    )
    backtest_seconds = time.perf_counter() - start

    rows = row_lookup(times)
    cv = cv.assign(
        series=cv["unique_id"].map({name: index for index, name in enumerate(data.names)}).to_numpy(),
        origin=rows[pd.DatetimeIndex(cv["cutoff"])].to_numpy(),
        target=rows[pd.DatetimeIndex(cv["ds"])].to_numpy(),
    ).sort_values(["series", "origin", "target"])
    width = task.horizon
    if len(cv) % width:
        raise RuntimeError(f"NeuralForecast returned {len(cv)} rows, not whole windows of {width}")
    series = cv["series"].to_numpy()[::width]
    origin = cv["origin"].to_numpy()[::width]
    if not (cv["target"].to_numpy().reshape(-1, width) - origin[:, None] == np.arange(1, width + 1)).all():
        raise RuntimeError("NeuralForecast's cross-validation rows are not consecutive steps after each cutoff")
    block = cv["GRU"].to_numpy(dtype=np.float64).reshape(-1, width)
    forecast = unscale_rows(block, series, data.names, stats)
    return Output(
        train_seconds=train_seconds,
        backtest_seconds=backtest_seconds,
        series=series.astype(np.int64),
        origin=origin.astype(np.int64),
        forecast=forecast,
        version=neuralforecast.__version__,
        notes=[f"max_steps={settings.epochs * steps_per_epoch} ({settings.epochs} epochs x {steps_per_epoch} steps)"],
    )
