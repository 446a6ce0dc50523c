"""Series-balanced training batches: grucast's defaults with windows drawn per series.

grucast's training epoch visits every window once, so a series with 90 training
windows weighs 7 times one with 13, while the competitions (and the validation
part, one window per series on M3 and Tourism) weigh every series once. This probe
draws each epoch's windows with replacement, window ``i`` of series ``s`` with
probability proportional to ``n_s ** -P`` (``n_s``: the series' training windows;
``P = 1`` gives every series the same share, ``P = 0`` every window the same
chance), as many windows per epoch as the defaults, and scores the fit beside
seasonal naive with ``Forecaster.evaluate``. Everything else is grucast's defaults
(plus ``--settings``).

Run in the benchmark's environment (``setup.sh``), one subset per process::

    benchmarks/accuracy/.venv/bin/python benchmarks/accuracy/sampling_probe.py m3-quarterly --power 1

Each run appends one JSON line to ``benchmarks/results/accuracy_sampling.jsonl``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Sampler

sys.path.insert(0, str(Path(__file__).parent))

from grucast_defaults import append_row, fit_defaults, probe_parser  # noqa: E402

RESULTS = Path(__file__).parents[1] / "results" / "accuracy_sampling.jsonl"


class SeriesBalancedBatches(Sampler[torch.Tensor]):
    """Batches of window numbers drawn with probability ``n_s ** -power`` per window of series ``s``."""

    def __init__(self, counts: list[int], batch_size: int, power: float, seed: int) -> None:
        sizes = torch.tensor(counts, dtype=torch.float64)
        weights = torch.repeat_interleave(sizes.clamp(min=1) ** -power, sizes.long())
        self.probabilities = weights / weights.sum()
        self.n_windows = int(sizes.sum())
        self.batch_size = batch_size
        self.drop_last = False
        self.generator = torch.Generator()  # read by grucast's ShuffleState callback
        self.generator.manual_seed(seed)

    def __len__(self) -> int:
        return -(-self.n_windows // self.batch_size)

    def __iter__(self) -> Iterator[torch.Tensor]:
        drawn = torch.multinomial(self.probabilities, self.n_windows, replacement=True, generator=self.generator)
        yield from drawn.split(self.batch_size)


def use_balanced_batches(power: float) -> None:
    """Make grucast's training loader draw series-balanced batches (validation is unchanged)."""
    import grucast.training.fit as fit
    from grucast.training.sampler import RankShardedBatches

    default_loader = fit.window_loader

    def loader(windows, batch_size, *, shuffle, seed, share=None, processes=1):  # noqa: ANN001, ANN202
        if not shuffle or share is not None:
            return default_loader(windows, batch_size, shuffle=shuffle, seed=seed, share=share, processes=processes)
        batches = SeriesBalancedBatches(windows.counts(), batch_size, power, seed)
        return DataLoader(windows, sampler=RankShardedBatches(batches), batch_size=None)

    fit.window_loader = loader


def main() -> None:
    parser = probe_parser(__doc__.splitlines()[0], "balanced")
    parser.add_argument("--power", type=float, default=1.0)
    args = parser.parse_args()
    settings = json.loads(args.settings)
    use_balanced_batches(args.power)
    forecaster, _, scores, seconds = fit_defaults(args.subset, settings)
    naive = scores["baselines"]["seasonal_naive"]["mase"]
    append_row(RESULTS, {
        "subset": args.subset, "label": args.label, "power": args.power, "settings": settings,
        "seconds": round(seconds, 1), "epochs_run": forecaster.fit_result_.epochs_run,
        "best_epoch": forecaster.fit_result_.best_epoch, "mase": scores["model"]["mase"], "seasonal_naive": naive,
        "ratio": round(scores["model"]["mase"] / naive, 4),
    })


if __name__ == "__main__":
    main()
