"""Shared by the example scripts: train, write the run folder, print the comparison."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from grucast.api import Forecaster
from grucast.api.runs import train_run
from grucast.data import SeriesSet

ROOT = Path("runs") / "examples"


def run(name: str, data: SeriesSet, **settings: Any) -> dict[str, Any]:
    out = ROOT / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    metrics = train_run(data, Forecaster(**{"progress": False, **settings}), out)
    print(f"{name}: {metrics['epochs_run']} epochs in {metrics['train_seconds']:.1f} s; test metrics")
    print(f"{'':16}{'mae':>10}{'rmse':>10}{'mase':>10}")
    for label, values in [("model", metrics["model"]), *metrics["baselines"].items()]:
        print(f"{label:16}{values['mae']:>10.4g}{values['rmse']:>10.4g}{values['mase'] or float('nan'):>10.4g}")
    print(f"run folder: {out}/ (report.md)")
    return metrics
