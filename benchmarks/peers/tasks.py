"""The benchmark tasks: data, split and test windows, the same for every system.

Every task is a set of equally long series on one regular time grid (a wide frame:
``time`` and one column per series). Each series is cut in time, as grucast cuts it
with ``test_size=0.1, val_size=0``:

* training part: rows ``[0, train_end)``;
* test part: the last ``test_rows`` rows, ``test_rows = max(horizon, round(0.1 T))``
  (:func:`grucast.data.splits.resolve_size`).

There is no validation part: every system trains on the whole training part for a
fixed number of epochs, without early stopping.

The test windows are every forecast origin in the test period, stride 1, whose
``horizon`` targets all lie in the test part. An origin is written as the row of
the last *input* value, so the windows' origins run from ``train_end - 1`` to
``T - horizon - 1`` (``test_rows - horizon + 1`` windows per series).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Task:
    """One forecasting task.

    Attributes:
        name: short key used on the command line and in the results (``a``, ``b1``...).
        title: one line saying what it is.
        lookback: input steps per window.
        horizon: steps forecast from each origin.
        season: seasonal period of the seasonal naive baseline and of MASE's scale.
        freq: pandas frequency alias of the time grid.
        window_norm: the per-window normalisation every system uses on this task
            (see :class:`systems.common.Settings`): ``"mean_std"`` for the price
            series, which trends out of its training range; ``"none"`` otherwise.
        epochs: epochs every system trains on this task, or ``None`` for the
            command line's ``--epochs``; the price series has so few windows (9
            batches an epoch) that two epochs leave every model untrained.
        test_fraction: share of each series held out at its end.
    """

    name: str
    title: str
    lookback: int
    horizon: int
    season: int
    freq: str
    window_norm: str = "none"
    epochs: int | None = None
    test_fraction: float = 0.1


TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        Task("a", "one hourly electricity series (household global active power)", 168, 24, 24, "h"),
        Task("b1", "global model over 4 hourly household channels, one step", 90, 1, 24, "h"),
        Task("b24", "global model over 4 hourly household channels, one day", 90, 24, 24, "h"),
        Task("c", "one daily price series (geometric random walk, seed 2002)", 60, 1, 1, "D", "mean_std", epochs=20),
    )
}


@dataclass
class TaskData:
    """A task's series and where they are cut.

    Attributes:
        task: the task.
        frame: ``time`` and one float64 column per series, oldest first.
        names: the series (column) names, in order.
        train_end: first test row (the same for every series: they are equally long).
    """

    task: Task
    frame: pd.DataFrame
    names: list[str]
    train_end: int

    @property
    def length(self) -> int:
        return len(self.frame)

    @property
    def test_rows(self) -> int:
        return self.length - self.train_end

    @property
    def origins(self) -> np.ndarray:
        """Rows of the last input value of every test window, ``(W,)`` per series."""
        return np.arange(self.train_end - 1, self.length - self.task.horizon)

    @property
    def train_windows(self) -> int:
        """Training windows (lookback inputs and horizon targets inside the training part), all series."""
        per_series = self.train_end - self.task.lookback - self.task.horizon + 1
        return per_series * len(self.names)

    def values(self, name: str) -> np.ndarray:
        return self.frame[name].to_numpy(dtype=np.float64)

    def actuals(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``series`` ``(W,)`` index into :attr:`names`, ``origin`` ``(W,)`` and actuals ``(W, H)``, series-major."""
        origins = self.origins
        steps = np.arange(1, self.task.horizon + 1)
        series = np.repeat(np.arange(len(self.names)), len(origins))
        origin = np.tile(origins, len(self.names))
        actual = np.concatenate([self.values(name)[origins[:, None] + steps] for name in self.names])
        return series, origin, actual

    def train_stats(self) -> dict[str, tuple[float, float]]:
        """Per-series mean and (population) standard deviation of the training part."""
        stats = {}
        for name in self.names:
            train = self.values(name)[: self.train_end]
            stats[name] = (float(train.mean()), float(train.std()))
        return stats


def price_walk(days: int = 2500, seed: int = 2002) -> pd.DataFrame:
    """A daily geometric random walk standing in for a stock price (no real price data ships).

    ``p_t = 100 exp(sum_{s <= t} r_s)`` with daily log returns
    ``r_s ~ N(0.0003, 0.015^2)`` (about 7.5 % drift and 24 % volatility a year),
    from ``numpy.random.default_rng(seed)``; calendar days from 2015-01-01. The
    length (2500 days, ~2250 for training) is close to seed 002's 2126 training days.
    """
    rng = np.random.default_rng(seed)
    returns = rng.normal(0.0003, 0.015, size=days)
    price = 100.0 * np.exp(np.cumsum(returns))
    time = pd.date_range("2015-01-01", periods=days, freq="D")
    return pd.DataFrame({"time": time, "price": price})


def load_task(name: str) -> TaskData:
    """The data of task ``name``, cut into its training and test parts."""
    from grucast.data.datasets import household_power_frame
    from grucast.data.splits import resolve_size

    task = TASKS[name]
    if name == "a":
        frame = household_power_frame()[["time", "global_active_power"]]
    elif name in ("b1", "b24"):
        frame = household_power_frame()
    elif name == "c":
        frame = price_walk()
    else:  # pragma: no cover - TASKS is the list
        raise ValueError(f"unknown task {name!r}; choose from {', '.join(TASKS)}")
    frame = frame.reset_index(drop=True)
    names = [column for column in frame.columns if column != "time"]
    frame[names] = frame[names].astype(np.float64)
    test_rows = resolve_size(task.test_fraction, len(frame), task.horizon, "test_size")
    return TaskData(task=task, frame=frame, names=names, train_end=len(frame) - test_rows)
