"""Serve an exported grucast model with onnxruntime and its JSON only: no grucast, no torch, no pandas.

    grucast export --run runs/demo --format onnx --out model.onnx
    python examples/serve_onnx.py model.onnx history.csv    # columns: series,time,value

:func:`forecast` is the whole service: it turns each series' last ``lookback`` rows
(with their timestamps) into the graph's inputs, using the columns, calendar rules
and scaler constants of ``model.onnx.json``, and returns the forecasts.
"""

from __future__ import annotations

import calendar
import csv
import json
import sys
from collections import defaultdict
from datetime import datetime, timedelta

import numpy as np
import onnxruntime


def calendar_row(stamp: datetime, features: list[str], encoding: str) -> list[float]:
    """The calendar features of one timestamp, as grucast computes them (see the JSON's ``calendar``)."""
    out = []
    for feature in features:
        if feature == "hour":
            value, start, period = stamp.hour, 0, 24
        elif feature == "day_of_week":
            value, start, period = stamp.weekday(), 0, 7
        elif feature == "day_of_month":
            value, start, period = stamp.day, 1, calendar.monthrange(stamp.year, stamp.month)[1]
        elif feature == "month":
            value, start, period = stamp.month, 1, 12
        else:  # day_of_year
            value, start = stamp.timetuple().tm_yday, 1
            period = 366 if calendar.isleap(stamp.year) else 365
        if encoding == "raw":
            out.append(float(value))
        else:
            angle = 2 * np.pi * (value - start) / period
            out += [np.sin(angle), np.cos(angle)]
    return out


def forecast(spec: dict, session: onnxruntime.InferenceSession, history: dict[str, list[tuple[datetime, list[float]]]],
             step: timedelta) -> dict[str, np.ndarray]:
    """``{series: (horizon,) forecast}`` from ``{series: [(time, [target, past covariates...]), ...]}``.

    Only models without user known covariates (their future values would be one more input).
    """
    lookback, horizon = spec["lookback"], spec["horizon"]
    names = list(history)
    cal = spec["calendar"]
    n_calendar = len(spec["known_columns"])
    rows, known = [], []
    for name in names:
        last = history[name][-lookback:]
        rows.append([[values[0], *calendar_row(t, cal["features"], cal["encoding"]), *values[1:]] for t, values in last])
        end = last[-1][0]
        known.append([calendar_row(end + step * k, cal["features"], cal["encoding"]) for k in range(1, horizon + 1)])
    table = spec["series"]
    feeds = {
        "history": np.asarray(rows, dtype=np.float32),
        "known_future": np.asarray(known, dtype=np.float32).reshape(len(names), horizon, n_calendar),
        "center": np.asarray([table[n]["center"] for n in names], dtype=np.float32),
        "scale": np.asarray([table[n]["scale"] for n in names], dtype=np.float32),
        "clip_at_zero": np.asarray([float(table[n]["clip_at_zero"]) for n in names], dtype=np.float32),
    }
    (values,) = session.run(["forecast"], {name: feeds[name] for name in spec["inputs"]})
    return dict(zip(names, values))


def main(model_path: str, csv_path: str) -> None:
    spec = json.load(open(model_path + ".json"))
    session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    history: dict[str, list] = defaultdict(list)
    with open(csv_path, newline="") as handle:
        for row in csv.DictReader(handle):
            history[row["series"]].append((datetime.fromisoformat(row["time"]), [float(row["value"])]))
    for name, values in forecast(spec, session, history, timedelta(hours=1)).items():
        print(name, " ".join(f"{v:.3f}" for v in values))


if __name__ == "__main__":
    main(*sys.argv[1:3])
