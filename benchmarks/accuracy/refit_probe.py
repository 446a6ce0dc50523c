"""Does training on the validation rows too help? grucast's defaults, then a refit.

Early stopping holds back each series' last ``val_size`` rows before the test part
(one horizon on M3 and Tourism: 18 of M3 monthly's 48 to 126 in-sample months),
and those are the rows nearest the forecasts. This probe fits grucast's defaults
(``Forecaster(horizon=H, test_size=H)``, plus ``--settings``), scores it, then trains
the model again on the training and validation rows together and scores that too,
on the same test windows with the same scale (``Forecaster.evaluate``):

* ``scratch``: a new network (same seed) for as many epochs as the validated fit's
  best epoch (``best_epoch + 1``), with no early stopping;
* ``tune:K:F``: the validated network trained K more epochs on all the rows at F
  times the learning rate.

The fitted pipeline (scalers, window normalisation) is kept; only the windows and
the weights change. Run in the benchmark's environment (``setup.sh``), one subset
per process::

    benchmarks/accuracy/.venv/bin/python benchmarks/accuracy/refit_probe.py m3-monthly \\
        [--mode scratch|tune:2:0.3] [--label L] [--settings '{"seed": 1}']

Each run appends one JSON line to ``benchmarks/results/accuracy_refit.jsonl``: the
ratio of the model's MASE to seasonal naive's before (``ratio_first``) and after
(``ratio``) the refit, and the seconds of both fits together.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import torch

sys.path.insert(0, str(Path(__file__).parent))

from grucast_defaults import append_row, fit_defaults, probe_parser  # noqa: E402

if TYPE_CHECKING:
    from grucast.api import Forecaster
    from grucast.data.windows import WindowDataset

RESULTS = Path(__file__).parents[1] / "results" / "accuracy_refit.jsonl"


def training_and_validation_windows(forecaster: Forecaster) -> WindowDataset:
    """The windows whose targets lie in the training or validation rows of each series."""
    from grucast.data.windows import WindowDataset

    windows, train = forecaster.windows_, forecaster.windows_.train
    merged = dataclasses.replace(
        windows.plan, series=tuple(dataclasses.replace(split, train_end=split.val_end) for split in windows.plan)
    )
    # A probe may use the pipeline's split helper: the product has no refit step.
    values, segments = forecaster.pipeline_._split_tensor(windows.data, merged, "train")
    return WindowDataset(
        values, segments, lookback=train.lookback, horizon=train.horizon, n_known=train.n_known,
        stride=train.stride, window_norm=train.window_norm, static=train.static, categories=train.categories,
    )


def main() -> None:
    parser = probe_parser(__doc__.splitlines()[0], "refit")
    parser.add_argument("--mode", default="scratch", help="scratch, or tune:EPOCHS:LR_FACTOR")
    args = parser.parse_args()
    settings = json.loads(args.settings)

    from grucast.training.fit import fit_module
    from grucast.training.module import ForecastModule

    forecaster, data, first, first_seconds = fit_defaults(args.subset, settings)
    fitted, pipeline, best = forecaster.settings_, forecaster.pipeline_, forecaster.fit_result_.best_epoch
    start = time.perf_counter()
    every_row = training_and_validation_windows(forecaster)
    if args.mode == "scratch":
        again = fitted.replace(epochs=best + 1, patience=0)
        torch.manual_seed(fitted.seed)
        module = ForecastModule(fitted.make_model(pipeline), again)
    else:
        _, epochs, factor = args.mode.split(":")
        again = fitted.replace(epochs=int(epochs), patience=0, lr=fitted.lr * float(factor))
        module = ForecastModule(forecaster.module_.model.train(), again)
    refit = fit_module(module, every_row, None, again, Path(tempfile.mkdtemp(prefix="grucast-refit-")))
    forecaster.module_ = module.cpu().eval()
    second = forecaster.evaluate(data).to_dict()
    naive = first["baselines"]["seasonal_naive"]["mase"]
    append_row(RESULTS, {
        "subset": args.subset, "label": args.label, "mode": args.mode, "settings": settings,
        "seconds_first": round(first_seconds, 1), "seconds": round(first_seconds + time.perf_counter() - start, 1),
        "best_epoch": best, "train_windows": len(forecaster.windows_.train), "all_windows": len(every_row),
        "refit_epochs": refit.epochs_run, "mase_first": first["model"]["mase"], "mase": second["model"]["mase"],
        "seasonal_naive": naive, "ratio_first": round(first["model"]["mase"] / naive, 4),
        "ratio": round(second["model"]["mase"] / naive, 4),
    })


if __name__ == "__main__":
    main()
