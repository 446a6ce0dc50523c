"""Every setting of a forecaster, in one table: its default, the values it takes, its help.

:class:`Settings` is the only settings object. Its fields are the keyword
parameters of :class:`grucast.api.Forecaster` (which takes its defaults from here),
the options of ``grucast train`` (the command line builds its flags, choices and
help from the same fields), and the keys of a run's ``config.json``. Constructing
one checks every value once, with the shared checks of :mod:`grucast.checks`; the
layers below trust it.

Seven settings may say "decide from the data": ``lookback`` and ``horizon``
(``None``), ``window_norm``, ``calendar``, ``skip`` and ``loss`` (``"auto"``),
``season`` and ``epochs`` (``None``).
They are resolved once: the first six when a :class:`~grucast.data.WindowPipeline`
is fitted (:meth:`Settings.resolved` returns the copy with the values chosen), and
``epochs`` from the number of training windows that pipeline made
(:meth:`Settings.with_epochs`, :func:`default_epochs`); a run folder records the
values chosen. The hardware settings ``accelerator``, ``devices`` and
``strategy`` may also say ``"auto"``: that is decided by Lightning on whichever
machine trains, and is kept as given.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from grucast import checks
from grucast.data.features import CALENDAR_FEATURES
from grucast.data.pipeline import WindowPipeline
from grucast.data.scaling import SCALER_KINDS
from grucast.data.window_norm import WINDOW_NORMS
from grucast.errors import InputError, option
from grucast.models.losses import LOSS_NAMES
from grucast.models.base import RecurrentForecaster
from grucast.models.gru import GRUForecaster
from grucast.models.registry import MODELS, build_model
from grucast.models.rollout import MULTI_STEP

#: Lightning's precision settings that grucast supports.
PRECISIONS: tuple[str, ...] = ("32", "bf16-mixed", "16-mixed")

#: Learning-rate schedules (see :class:`grucast.training.ForecastModule`).
LR_SCHEDULES: tuple[str, ...] = ("plateau", "cosine", "none")
#: The linear path from the window to the forecast (see :class:`grucast.models.base.SeasonalSkip`).
SKIPS: tuple[str, ...] = ("auto", "seasonal", "none")
#: Lightning accelerators grucast accepts.
ACCELERATORS: tuple[str, ...] = ("auto", "cpu", "gpu", "cuda", "mps")
#: Experiment trackers (Lightning loggers); see :func:`grucast.training.fit.make_loggers`.
LOGGERS: tuple[str, ...] = ("csv", "tensorboard", "mlflow")
#: The default training budget (see :func:`default_epochs`).
MIN_EPOCHS, MIN_STEPS, MAX_EPOCHS = 20, 1000, 200


def setting(default: Any, kind: checks.Kind, help: str, *, cli: str | None = "", group: str = "model") -> Any:
    """A field of :class:`Settings`.

    Args:
        default: the default value (immutable: ``None`` stands for an empty dict).
        kind: the values it takes (:mod:`grucast.checks`).
        help: one line for ``--help`` and the docs.
        cli: the command-line flag; ``""`` derives it from the name (``--hidden-size``),
            ``None`` keeps the setting off the command line.
        group: ``"model"``, ``"data"`` or ``"training"``, for the help screen.
    """
    return field(default=default, metadata={"kind": kind, "help": help, "cli": cli, "group": group})


@dataclass(frozen=True)
class Settings:
    """The model, its window, the data handling and the training, checked.

    Every field is described by its ``help`` (see :func:`describe`); the command
    line shows the same text under ``grucast train --help``.
    """

    # -- the model
    model: str = setting("gru", checks.Choice(choices=lambda: tuple(MODELS)), "Model to train.")
    lookback: int | None = setting(
        None, checks.positive_int(optional=True),
        "Input steps per window [default: from the frequency, e.g. 168 for hourly].")
    horizon: int | None = setting(
        None, checks.positive_int(optional=True), "Steps to forecast [default: one season, e.g. 24 for hourly].")
    hidden_size: int = setting(64, checks.positive_int(), "Recurrent state size.")
    num_layers: int = setting(2, checks.positive_int(), "Stacked recurrent layers.")
    dropout: float = setting(0.1, checks.Real(low=0, high=1, high_open=True), "Dropout between layers and before the head.")
    multi_step: str = setting(
        "direct", checks.Choice(choices=MULTI_STEP),
        "'direct' forecasts all steps at once; 'recursive' rolls a one-step model forward.")
    series_embedding: bool = setting(
        False, checks.Flag(), "Learn a vector per series (global models; refuses series unseen in training).")
    quantiles: tuple[float, ...] | None = setting(
        None, checks.Probabilities(optional=True),
        "Quantile levels to forecast, e.g. 0.1,0.5,0.9 (the median is added; trained with the pinball loss).")
    backend: str = setting(
        "auto", checks.Choice(choices=("auto", "grucast", "torch")),
        "What runs a GRU (gru, bigru): 'auto' the fastest exact engine of the device (the fused kernel on CPUs, "
        "cuDNN on CUDA), 'grucast' grucast's own code, 'torch' torch.nn.GRU.")
    skip: str = setting(
        "auto", checks.Choice(choices=SKIPS),
        "A linear path from the window to the forecast, added to the network's and started as the seasonal naive "
        "forecast: 'seasonal', 'none', or 'auto' (seasonal where the season is longer than one step).")
    model_options: dict[str, Any] | None = setting(
        None, checks.Options(optional=True), "Further keyword arguments of the model class.", cli=None)
    # -- the data
    scaler: str = setting(
        "standard", checks.Choice(choices=SCALER_KINDS), "Per-series scaler, fitted on the training part only.",
        group="data")
    window_norm: str = setting(
        "auto", checks.Choice(choices=("auto",) + WINDOW_NORMS),
        "Window-relative normalisation ('auto': 'last' for random-walk data, else 'mean_std').", group="data")
    calendar: str | tuple[str, ...] = setting(
        "auto", checks.Names(vocabulary=CALENDAR_FEATURES, keywords=("auto",)),
        "Calendar features: 'auto' (those the training part covers twice), 'none', or a comma-separated list.",
        group="data")
    calendar_encoding: str = setting(
        "cyclical", checks.Choice(choices=("cyclical", "raw")), "Calendar features as sin/cos pairs or raw values.",
        group="data")
    test_size: int | float = setting(
        0.1, checks.Size(), "Last steps of each series for testing, or a fraction if < 1.", group="data")
    val_size: int | float = setting(
        0.1, checks.Size(), "Steps before the test part for validation, or a fraction if < 1 (0: none).",
        group="data")
    stride: int = setting(1, checks.positive_int(), "Steps between the starts of training windows.", group="data")
    season: int | None = setting(
        None, checks.positive_int(optional=True),
        "Season length for seasonal naive and MASE [default: from the frequency].", group="data")
    interval_level: float = setting(
        0.9, checks.Real(low=0, high=1, low_open=True, high_open=True),
        "Coverage of the conformal prediction intervals.", group="data")
    # -- the training
    epochs: int | None = setting(
        None, checks.positive_int(optional=True),
        f"Passes over the training windows, at most [default: from the data: {MIN_EPOCHS}, or more to make "
        f"{MIN_STEPS:,} optimiser steps, up to {MAX_EPOCHS}].", group="training")
    batch_size: int = setting(256, checks.positive_int(), "Windows per optimiser step.", group="training")
    lr: float = setting(1e-3, checks.Real(low=0, low_open=True), "Adam's learning rate.", group="training")
    weight_decay: float = setting(0.0, checks.Real(low=0), "Adam's L2 penalty.", group="training")
    lr_schedule: str = setting(
        "plateau", checks.Choice(choices=LR_SCHEDULES),
        "'plateau' halves the rate when the monitored loss stalls; 'cosine' anneals to 0.", group="training")
    patience: int = setting(
        5, checks.non_negative_int(), "Early stopping: epochs without improvement (0: never stop early).",
        group="training")
    grad_clip: float | None = setting(
        1.0, checks.Real(low=0, optional=True), "Clip the gradient norm to this value (0: no clipping).",
        group="training")
    loss: str = setting(
        "auto", checks.Choice(choices=("auto", *LOSS_NAMES)),
        "Training loss on scaled values: mae (the median forecast, robust to spikes), mse, huber, or mase (each "
        "window's MAE over its own seasonal naive error); 'auto': mase where the season is longer than one step, "
        "else mae.", group="training")
    precision: str = setting(
        "32", checks.Choice(choices=PRECISIONS),
        "Arithmetic: '32' float32; 'bf16-mixed' bfloat16 matmuls with float32 state (CPUs with bf16, GPUs); "
        "'16-mixed' float16 (GPUs).", group="training")
    seed: int = setting(0, checks.non_negative_int(), "Seeds Python, NumPy, torch and the shuffle.", group="training")
    deterministic: bool = setting(
        False, checks.Flag(), "Ask torch for deterministic algorithms.", group="training")
    accelerator: str = setting(
        "auto", checks.Choice(choices=ACCELERATORS), "Where to train: auto (a GPU if there is one), cpu or gpu.",
        group="training")
    devices: int | str = setting(
        "auto", checks.Devices(), "Devices, or CPU processes, per machine (DDP when more than one).",
        group="training")
    strategy: str = setting("auto", checks.Text(), "Lightning strategy, e.g. auto or ddp.", group="training")
    num_nodes: int = setting(1, checks.positive_int(), "Machines taking part (DDP).", group="training")
    max_batches: int | None = setting(
        None, checks.positive_int(optional=True), "At most this many (shuffled) batches per epoch.",
        group="training")
    progress: bool | None = setting(
        None, checks.Flag(optional=True), "Show a progress bar (None: only on a terminal).", cli=None,
        group="training")
    threads: int | None = setting(
        None, checks.positive_int(optional=True), "CPU threads for torch [default: torch's].", group="training")
    logger: str | tuple[str, ...] = setting(
        "csv", checks.Names(vocabulary=LOGGERS),
        "Experiment trackers, comma-separated: csv (always kept: it feeds the loss plot), tensorboard, mlflow.",
        group="training")
    tracking_dir: str | None = setting(
        None, checks.Text(optional=True),
        "Folder for the TensorBoard and MLflow logs, to share across runs [default: the run folder's logs/].",
        group="training")

    def __post_init__(self) -> None:
        for one in fields(self):
            value = getattr(self, one.name)
            if one.name == "calendar" and (value is None or value == "none"):
                value = ()
            if one.name == "model_options" and value is None:
                value = {}
            if one.name == "quantiles" and value is not None:
                value = tuple(sorted(set(one.metadata["kind"].check(one.name, value)) | {0.5}))
            object.__setattr__(self, one.name, one.metadata["kind"].check(one.name, value))

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Settings:
        """Settings from a mapping, refusing names that are not settings (with the list of known ones)."""
        check_names(values)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain Python values (tuples as lists), JSON-ready."""
        return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()}

    def replace(self, **changes: Any) -> Settings:
        """A checked copy with some settings changed."""
        check_names(changes)
        return replace(self, **changes)

    def make_pipeline(self) -> WindowPipeline:
        """The unfitted :class:`~grucast.data.WindowPipeline` these settings describe."""
        return WindowPipeline(
            self.lookback,
            self.horizon,
            test_size=self.test_size,
            val_size=self.val_size,
            scaler=self.scaler,
            window_norm=self.window_norm,
            calendar=self.calendar,
            calendar_encoding=self.calendar_encoding,
            season=self.season,
            series_embedding=self.series_embedding,
        )

    def resolved(self, pipeline: WindowPipeline) -> Settings:
        """A copy with every "decide from the data" setting as a fitted pipeline chose it."""
        seasonal = pipeline.season_ > 1  # the skip and the loss refer to a season only where there is one
        return self.replace(
            lookback=pipeline.lookback_,
            horizon=pipeline.horizon_,
            window_norm=pipeline.window_norm_,
            calendar=pipeline.calendar_,
            season=pipeline.season_,
            skip=("seasonal" if seasonal else "none") if self.skip == "auto" else self.skip,
            loss=("mase" if seasonal else "mae") if self.loss == "auto" else self.loss,
        )

    def with_epochs(self, windows: int) -> Settings:
        """A copy with ``epochs`` chosen for ``windows`` training windows when it was left to the data."""
        if self.epochs is not None:
            return self
        batches = -(-windows // self.batch_size)
        if self.max_batches is not None:
            batches = min(batches, self.max_batches)
        return self.replace(epochs=default_epochs(batches))

    def make_model(self, pipeline: WindowPipeline) -> RecurrentForecaster:
        """The untrained network for the inputs a fitted pipeline makes; ``horizon`` steps out (1 when recursive)."""
        if self.horizon is None:
            raise InputError("the horizon is not resolved yet: fit a pipeline and call resolved() first")
        return build_model(
            self.model,
            input_size=pipeline.n_features,
            horizon=1 if self.multi_step == "recursive" else self.horizon,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            dropout=self.dropout,
            n_future=pipeline.n_known_,
            n_static=pipeline.static_.n_numeric,
            category_sizes=pipeline.static_.category_sizes,
            quantiles=self.quantiles or (),
            **self._skip_options(),
            **self._engine_options(),
            **self.model_options,
        )

    def _skip_options(self) -> dict[str, Any]:
        """The model's skip arguments: the window it reads and the season it starts from."""
        if self.skip == "none":
            return {}
        if self.skip == "auto" or self.lookback is None or self.season is None:
            raise InputError("the skip is not resolved yet: fit a pipeline and call resolved() first")
        return {"skip_lookback": self.lookback, "skip_season": self.season}

    def _engine_options(self) -> dict[str, Any]:
        """``backend`` for the models it applies to; refused for the others unless left at 'auto'."""
        if issubclass(MODELS[self.model], GRUForecaster):
            return {} if "backend" in self.model_options else {"backend": self.backend}
        if self.backend != "auto":
            raise InputError(
                f"{option('backend', self.backend)} chooses what runs a GRU, and model {self.model!r} has none; "
                f"leave {option('backend')} out, or use {option('model', 'gru')}"
            )
        return {}

    @property
    def is_resolved(self) -> bool:
        """True when nothing is left to decide from the data."""
        return None not in (self.lookback, self.horizon, self.season, self.epochs) and "auto" not in (
            self.window_norm, self.calendar, self.skip, self.loss)


def default_epochs(batches_per_epoch: int) -> int:
    r"""The number of epochs a fit may run when ``epochs`` is left to the data.

    .. math::
        E = \min\big(E_{\max},\ \max(E_{\min},\ \lceil S / b \rceil)\big)

    for :math:`b` optimiser steps per epoch, with :math:`E_{\min} = 20`,
    :math:`S = 1000` and :math:`E_{\max} = 200`. An epoch is every training window
    once, so a large collection makes thousands of steps in 20 epochs while a few
    short series make a few hundred; those get more epochs, until about 1,000
    steps, and early stopping (``patience``) still ends any fit whose validation
    loss stops falling. The cap bounds a fit on a handful of windows, where each
    epoch is one or two steps.
    """
    return min(MAX_EPOCHS, max(MIN_EPOCHS, -(-MIN_STEPS // max(1, batches_per_epoch))))


def names() -> tuple[str, ...]:
    """Every setting's name, in table order."""
    return tuple(one.name for one in fields(Settings))


def defaults() -> dict[str, Any]:
    """Every setting's default."""
    return {one.name: one.default for one in fields(Settings)}


def describe(name: str) -> dict[str, Any]:
    """A setting's ``kind``, ``help``, ``cli`` flag and ``group``."""
    for one in fields(Settings):
        if one.name == name:
            return dict(one.metadata)
    raise KeyError(name)


def check_names(values: dict[str, Any]) -> None:
    """Refuse names that are not settings, listing the known ones."""
    unknown = sorted(set(values) - set(names()))
    if unknown:
        raise InputError(f"unknown setting(s) {', '.join(unknown)}; known ones are {', '.join(names())}")
