"""Fit a ForecastModule on lazy windows with Lightning, and keep the best weights."""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import logging
import math
import re
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger, Logger
from torch.utils.data import DataLoader

from grucast.data.windows import WeightedBatches, WindowBatchSampler, WindowDataset
from grucast.errors import MissingExtraError, RunFolderError, option
from grucast.runtime import keep_freed_memory
from grucast.settings import Settings
from grucast.training.module import ForecastModule
from grucast.training.sampler import OwnedWindowBatches, RankShardedBatches, WindowShares

# Lightning's advice that does not apply here: our loaders gather whole batches in
# the main process (workers would only add copies), and small validation sets are fine.
_QUIET_WARNINGS = (
    r".*does not have many workers.*",
    r".*The number of training batches.*is smaller than the logging interval.*",
    r".*Checkpoint directory .* exists and is not empty.*",
    r".*isinstance\(treespec, LeafSpec\)` is deprecated.*",
)


@dataclass
class FitResult:
    """What a training run produced besides the weights.

    Attributes:
        train_seconds: wall time of ``Trainer.fit``.
        epochs_run: epochs completed (fewer than asked when stopped early).
        best_epoch: the epoch whose weights were kept (0-based), or ``None``.
        best_loss: the monitored loss at that epoch.
        monitor: the loss that chose it (``"val_loss"`` or ``"train_loss"``).
        history: one dict per epoch: ``epoch``, ``train_loss``, ``val_loss``, ``lr``.
        log_dir: where Lightning's CSV log lives (``metrics.csv``).
        global_rank: this process's rank in data-parallel training (0 alone, and
            in the process that writes the run's files).
        steps: optimiser steps taken, over every epoch (a resumed run's earlier ones included).
    """

    train_seconds: float
    epochs_run: int
    best_epoch: int | None
    best_loss: float | None
    monitor: str
    history: list[dict[str, float]] = field(default_factory=list)
    log_dir: Path | None = None
    global_rank: int = 0
    steps: int = 0


def run_name(run_dir: Path) -> str:
    """The name a run goes by in TensorBoard and MLflow: its folder's name.

    A folder being written aside (``.NAME.partial-1a2b3c4d``, see
    :func:`grucast.api.run_folder.staged_folder`) goes by the name it will have.
    """
    staged = re.fullmatch(r"\.(.+)\.partial-[0-9a-f]+", run_dir.name)
    return staged.group(1) if staged else run_dir.name


def check_loggers(names: Sequence[str]) -> None:
    """Refuse trackers whose packages are not installed, naming the extra that installs them."""
    for name in names:
        if name == "csv":
            continue
        for package in ("mlflow", "alembic") if name == "mlflow" else (name,):
            if importlib.util.find_spec(package) is None:
                raise MissingExtraError(
                    f"logger '{name}' needs the {package} package; install it with: pip install 'grucast[{name}]'"
                )


def make_loggers(settings: Settings, run_dir: Path) -> list[Logger]:
    """Lightning loggers for ``settings.logger``: the CSV log first, always, then the trackers asked for.

    The CSV log (``run_dir/logs/metrics.csv``) is kept whatever is asked: the
    loss history and the loss-curve plot are read from it. TensorBoard event files
    (``tensorboard/<run>/``) and an MLflow store (``mlflow.db``, a SQLite tracking
    URI, with ``mlartifacts/``) go into ``settings.tracking_dir`` when given, else
    into ``run_dir/logs``; each run is named after its folder.

    Raises:
        MissingExtraError: a tracker's package is not installed (the message names the extra).
    """
    loggers: list[Logger] = [CSVLogger(run_dir, name="logs", version="")]
    check_loggers(settings.logger)
    trackers = [name for name in settings.logger if name != "csv"]
    if not trackers:
        return loggers
    tracking_dir = Path(settings.tracking_dir) if settings.tracking_dir else run_dir / "logs"
    name = run_name(run_dir)
    if "tensorboard" in trackers:
        from lightning.pytorch.loggers import TensorBoardLogger

        # One sub-folder per run, so `tensorboard --logdir` on a shared folder lists them side by side.
        board = TensorBoardLogger(tracking_dir, name="tensorboard", version=name, default_hp_metric=False)
        loggers.append(board)
    if "mlflow" in trackers:
        import mlflow  # noqa: F401  (importing it sets its loggers to INFO: quieten them after, not before)
        from lightning.pytorch.loggers import MLFlowLogger

        for noisy in ("mlflow", "alembic"):
            logging.getLogger(noisy).setLevel(logging.WARNING)

        # MLflow's own embedded store: one SQLite file (its plain-file store is frozen and refused
        # by MLflow 3), and an artifact folder beside it so nothing lands in the working directory.
        # The store records the artifact folder's path: where the run folder will be once moved
        # into place, not the staging folder it is written in.
        tracking_dir.mkdir(parents=True, exist_ok=True)
        store = tracking_dir.resolve()
        final = Path(settings.tracking_dir) if settings.tracking_dir else run_dir.parent / name / "logs"
        loggers.append(MLFlowLogger(
            experiment_name="grucast", run_name=name, tracking_uri=f"sqlite:///{store / 'mlflow.db'}",
            artifact_location=(final.resolve() / "mlartifacts").as_uri(),
        ))
    return loggers


def window_loader(
    windows: WindowDataset, batch_size: int, *, shuffle: bool, seed: int, share: tuple[int, int, int] | None = None,
    processes: int = 1,
) -> DataLoader:
    """Whole batches of windows, each process taking its share under data parallelism.

    Every process holds every window and takes a slice of each batch
    (:class:`RankShardedBatches`); or, with ``share`` (``(start, count, total)``: the
    series are sharded), every process holds its own windows and takes those of
    each global batch (:class:`OwnedWindowBatches`).
    """
    if share is None:
        batches = WindowBatchSampler(len(windows), batch_size, shuffle=shuffle, seed=seed)
        return DataLoader(windows, sampler=RankShardedBatches(batches), batch_size=None)
    start, count, total = share
    batches = WindowBatchSampler(total, batch_size, shuffle=shuffle, seed=seed)
    return DataLoader(WeightedBatches(windows), sampler=OwnedWindowBatches(batches, start, count, processes),
                      batch_size=None)


@contextlib.contextmanager
def _quiet_lightning() -> Iterator[None]:
    # MLflow and its database migrations narrate at INFO; Lightning warns that it creates
    # the experiment, which it does for every new tracking store.
    quiet = {"lightning.pytorch": logging.WARNING, "lightning.fabric": logging.WARNING, "lightning": logging.WARNING,
             "lightning.pytorch.loggers.mlflow": logging.ERROR, "mlflow": logging.WARNING, "alembic": logging.WARNING}
    loggers = [logging.getLogger(name) for name in quiet]
    levels = [one.level for one in loggers]
    for one, level in zip(loggers, quiet.values()):
        one.setLevel(level)
    with warnings.catch_warnings():
        for pattern in _QUIET_WARNINGS:
            warnings.filterwarnings("ignore", message=pattern)
        try:
            yield
        finally:
            for one, level in zip(loggers, levels):
                one.setLevel(level)


class ShuffleState(pl.Callback):
    """Keeps the training shuffle's random state in the checkpoint, so a resumed run draws the same orders.

    The sampler draws one permutation per epoch from its own generator; the state
    saved with epoch :math:`k`'s checkpoint is the one that draws epoch :math:`k + 1`'s.
    """

    def __init__(self, sampler: WindowBatchSampler) -> None:
        self.sampler = sampler

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {"generator": self.sampler.generator.get_state()}

    def load_state_dict(self, state_dict: dict[str, torch.Tensor]) -> None:
        self.sampler.generator.set_state(state_dict["generator"])


@contextlib.contextmanager
def _ctrl_c_stays_ctrl_c() -> Iterator[None]:
    """Give a Ctrl-C during ``Trainer.fit`` back to the caller as a KeyboardInterrupt.

    Lightning answers Ctrl-C with ``sys.exit(1)`` (its only exit inside ``fit``): the
    caller (``grucast tune``'s study, the CLI's "interrupted" exit) would see a plain
    exit. It also ignores SIGINT while it shuts down; the handler found is put back.
    """
    handler = signal.getsignal(signal.SIGINT)
    try:
        yield
    except SystemExit as stop:
        if stop.code != 1:
            raise
        if threading.current_thread() is threading.main_thread() and handler is not None:
            signal.signal(signal.SIGINT, handler)
        raise KeyboardInterrupt from stop


def fit_module(
    module: ForecastModule,
    train: WindowDataset,
    val: WindowDataset | None,
    settings: Settings,
    run_dir: Path,
    callbacks: Sequence[pl.Callback] = (),
    checkpoints: Path | None = None,
    resume: bool = False,
    shares: WindowShares | None = None,
) -> FitResult:
    """Train ``module`` in place; on return it holds the best epoch's weights.

    Args:
        module: the model and its loss.
        train: training windows.
        val: validation windows, or ``None``/empty to monitor the training loss.
        settings: resolved settings (the training ones are read here).
        run_dir: where the CSV log goes (and the trackers' logs, unless
            ``settings.tracking_dir`` names another folder).
        callbacks: more Lightning callbacks (e.g. timing or custom logging).
        checkpoints: folder of the checkpoints: ``best.ckpt`` (the best epoch's
            weights) and ``last.ckpt`` (everything needed to continue: weights,
            optimiser, schedule, early stopping, epoch, shuffle state), rewritten
            after every epoch. Default: ``run_dir/checkpoints``.
        resume: continue from ``checkpoints/last.ckpt`` (an interrupted run with the
            same data and settings), loaded with ``weights_only=True``: tensors and
            plain values only, never pickled code.
        shares: where this process's windows lie among all processes', when each
            holds a share of the series (see :class:`OwnedWindowBatches`).
    """
    if len(train) == 0:
        raise ValueError("no training windows: the training part is shorter than lookback + horizon")
    has_val = val is not None and len(val) > 0 if shares is None else shares.val[2] > 0
    module.monitor = "val_loss" if has_val else "train_loss"
    pl.seed_everything(settings.seed, workers=True, verbose=False)
    if settings.threads is not None:
        torch.set_num_threads(settings.threads)
    run_dir = Path(run_dir)
    checkpoints = Path(checkpoints) if checkpoints is not None else run_dir / "checkpoints"
    last = checkpoints / "last.ckpt"
    if resume and not last.is_file():
        raise RunFolderError(
            f"there is no interrupted training to resume: '{last}' does not exist; train without {option('resume')}"
        )
    processes = shares.processes if shares else 1
    train_loader = window_loader(train, settings.batch_size, shuffle=True, seed=settings.seed,
                                 share=shares.train if shares else None, processes=processes)
    callbacks = [
        *callbacks,
        ModelCheckpoint(
            dirpath=checkpoints, filename="best", monitor=module.monitor, mode="min",
            save_top_k=1, save_weights_only=True, enable_version_counter=False,
        ),
        ModelCheckpoint(dirpath=checkpoints, filename="last", monitor=None, save_top_k=1, enable_version_counter=False),
        ShuffleState(train_loader.sampler.batches),
    ]
    if settings.patience > 0:
        callbacks.append(EarlyStopping(monitor=module.monitor, mode="min", patience=settings.patience))
    on_cpu = settings.accelerator in ("cpu", "auto") and not torch.cuda.is_available()
    strategy = settings.strategy
    if strategy == "auto" and isinstance(settings.devices, int) and settings.devices > 1:
        strategy = "ddp"  # processes that each run their share of every batch, on CPUs too
    with _quiet_lightning(), keep_freed_memory() if on_cpu else contextlib.nullcontext():
        loggers = make_loggers(settings, run_dir)
        for tracker in loggers[1:]:  # the settings, as parameters beside the curves
            tracker.log_hyperparams(settings.to_dict())
        progress = sys.stderr.isatty() if settings.progress is None else settings.progress
        trainer = pl.Trainer(
            max_epochs=settings.epochs,
            accelerator=settings.accelerator,
            devices=settings.devices,
            strategy=strategy,
            num_nodes=settings.num_nodes,
            callbacks=callbacks,
            logger=loggers,
            gradient_clip_val=settings.grad_clip or None,
            precision=settings.precision,
            deterministic=settings.deterministic,
            enable_progress_bar=progress,
            enable_model_summary=False,
            use_distributed_sampler=False,
            limit_train_batches=settings.max_batches or 1.0,
            num_sanity_val_steps=0,
            log_every_n_steps=1,
        )
        val_loader = window_loader(
            val, settings.batch_size, shuffle=False, seed=settings.seed, share=shares.val if shares else None,
            processes=processes,
        ) if has_val else None
        start = time.perf_counter()
        with _ctrl_c_stays_ctrl_c():
            trainer.fit(
                module, train_dataloaders=train_loader, val_dataloaders=val_loader,
                ckpt_path=str(last) if resume else None, weights_only=True,
            )
        seconds = time.perf_counter() - start

    checkpoint = trainer.checkpoint_callback
    best_path = getattr(checkpoint, "best_model_path", "")
    # Rank 0 writes the checkpoint; on another machine without a shared disk the
    # other ranks cannot read it, and need not: only rank 0 evaluates and writes.
    if best_path and (trainer.global_rank == 0 or Path(best_path).is_file()):
        state = torch.load(best_path, map_location="cpu", weights_only=True)["state_dict"]
        module.load_state_dict(state)
    log_dir = Path(loggers[0].log_dir)
    history = read_history(log_dir / "metrics.csv")
    best = min(history, key=lambda row: row.get(module.monitor, math.inf), default=None)
    return FitResult(
        train_seconds=seconds,
        epochs_run=len(history),
        best_epoch=int(best["epoch"]) if best else None,
        best_loss=best.get(module.monitor) if best else None,
        monitor=module.monitor,
        history=history,
        log_dir=log_dir,
        global_rank=int(trainer.global_rank),
        steps=int(trainer.global_step),
    )


def read_history(path: Path) -> list[dict[str, float]]:
    """Per-epoch losses from Lightning's CSV log (its rows are split by stage)."""
    if not path.exists():
        return []
    epochs: dict[int, dict[str, float]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if not row.get("epoch"):
                continue
            epoch = int(float(row["epoch"]))
            entry = epochs.setdefault(epoch, {"epoch": float(epoch)})
            for key, value in row.items():
                if not value or key in ("epoch", "step"):
                    continue
                entry[key] = float(value)
    return [epochs[e] for e in sorted(epochs)]
