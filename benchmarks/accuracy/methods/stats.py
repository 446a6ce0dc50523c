"""statsforecast's AutoETS and AutoTheta: one local model per forecast window.

Each window's model is fitted on that window's history (for M3 and Tourism, the
series' in-sample part; for household, the data before the origin, so the local
models are refitted at every origin while the global networks are not), at most
its last :data:`MAX_HISTORY` observations: 12 weeks of hours. The cap binds only on
household, whose ~34,400-hour histories take AutoETS about 40 s a fit here (1.7 s
with the cap); no M3 or Tourism series is that long.
``season_length`` is the subset's seasonal period. statsforecast runs in this
process (``n_jobs=1``); a small fit before the clock starts pays the first-call
costs (imports, any JIT compilation), so the wall time is the fitting itself.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from methods import Output

#: The most observations a local model is fitted on (12 weeks of hourly data).
MAX_HISTORY = 12 * 7 * 24


def _model(method: str, season: int):
    from statsforecast.models import AutoETS, AutoTheta

    if method == "auto_ets":
        return AutoETS(season_length=season)
    if method == "auto_theta":
        return AutoTheta(season_length=season)
    raise ValueError(f"not a statsforecast method: {method!r}")


def _forecast(histories: list[np.ndarray], horizon: int, method: str, season: int) -> np.ndarray:
    from statsforecast import StatsForecast

    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(np.arange(len(histories)), [len(h) for h in histories]),
            "ds": np.concatenate([np.arange(len(h)) for h in histories]),
            "y": np.concatenate(histories),
        }
    )
    engine = StatsForecast(models=[_model(method, season)], freq=1, n_jobs=1)
    out = engine.forecast(df=frame, h=horizon)
    out = out.sort_values(["unique_id", "ds"])
    column = [c for c in out.columns if c not in ("unique_id", "ds")][0]
    return out[column].to_numpy(dtype=np.float64).reshape(len(histories), horizon)


def run(subset, options: dict) -> Output:
    import statsforecast

    method = options["method"]
    season = subset.season
    # Warm-up outside the timed region: one short seasonal series.
    warm = 10 + np.sin(np.arange(max(4 * season, 24)) * 2 * np.pi / max(season, 2))
    _forecast([warm], subset.horizon, method, season)

    histories = [subset.history(w)[-MAX_HISTORY:] for w in range(subset.n_windows)]
    start = time.perf_counter()
    forecast = _forecast(histories, subset.horizon, method, season)
    seconds = time.perf_counter() - start
    return Output(
        forecast, seconds, 0.0, statsforecast.__version__,
        notes=["fit and forecast in one call (statsforecast forecast()); fit_seconds is both"],
        settings={"season_length": season, "n_jobs": 1, "max_history": MAX_HISTORY},
    )
