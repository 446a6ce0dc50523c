"""The Python API: ``Forecaster(...).fit(data)``, ``.predict()``, ``.save()``, ``Forecaster.load()``."""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
import warnings
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch
from safetensors.torch import load_file, save_file

from grucast import __version__
from grucast import settings as _settings
from grucast.api.inference import forecast_dataset, inference_batch_size
from grucast.api.intervals import Calibration, calibrate, calibration_sample, nested
from grucast.api.run_folder import read_json, staged_folder
from grucast.api.scoring import Scores, WindowSums, accumulate_windows, baseline_windows
from grucast.data.errors import DataError, DataWarning
from grucast.data.frame import SeriesSet
from grucast.data.future import FutureCovariates
from grucast.data.pipeline import WindowedData, WindowPipeline
from grucast.data.times import TimeBasis, output_times
from grucast.errors import InputError, InputTypeError, NotFittedError, RunFolderError, option
from grucast.evaluation.sums import chunk_rows
from grucast.grouping import group_rows
from grucast.settings import Settings
from grucast.training.devices import check_accelerator, check_precision
from grucast.training.distributed import (
    GroupAgreement,
    agreement_for,
    merged_pipeline,
    share_weights,
    window_shares,
)
from grucast.training.fit import fit_module
from grucast.training.module import ForecastModule

#: Windows put back into the data's units at a time (see ``Forecaster._to_units``).
_UNITS_CHUNK = 1 << 15

#: Values per (windows, horizon) array of a chunk of windows forecast and scored at once (2 MiB of float64).
_EVALUATION_CELLS = 1 << 18

#: The files every run folder holds (see :meth:`Forecaster.save`).
RUN_FILES = ("config.json", "pipeline.json", "intervals.json", "model.safetensors")

if TYPE_CHECKING:
    from grucast.api.stream import ForecastStream

_D = _settings.defaults()


class Forecaster:
    """A GRU (or LSTM, BiGRU, CNN-GRU, minGRU, RNN) forecaster for one or many series.

    An estimator in scikit-learn's sense: the constructor only stores its
    parameters (``get_params``, ``set_params`` and ``sklearn.base.clone`` work),
    :meth:`fit` checks them once and learns, and what it learned lives in
    attributes ending in ``_``. The parameters are the fields of
    :class:`grucast.settings.Settings`, where each one's meaning, default and
    allowed values are listed; ``None`` and ``"auto"`` mean "decide from the data",
    decided once by :meth:`fit`.

    Example:
        >>> from grucast.data.datasets import load_household_power
        >>> forecaster = Forecaster("gru", lookback=168, horizon=24, epochs=5)
        >>> forecaster.fit(load_household_power())  # doctest: +SKIP
        >>> forecaster.predict()                     # doctest: +SKIP

    Fitted attributes (after :meth:`fit` or :meth:`load`):
        settings_: the :class:`~grucast.settings.Settings`, every "auto" resolved.
        pipeline_: the fitted :class:`~grucast.data.WindowPipeline` (scalers, calendar,
            window normalisation, column roles, frequencies).
        module_: the trained :class:`ForecastModule` (its ``model`` is the network).
        calibration_: the fitted :class:`~grucast.api.intervals.Calibration`: the
            conformal band, the CQR shifts of a quantile model, and the baselines'
            own bands.
        fit_result_: timings and loss history (``None`` after :meth:`load`).
        windows_: the training data's windows (only after :meth:`fit`).
    """

    def __init__(
        self,
        model: str = _D["model"],
        lookback: int | None = _D["lookback"],
        horizon: int | None = _D["horizon"],
        *,
        hidden_size: int = _D["hidden_size"],
        num_layers: int = _D["num_layers"],
        dropout: float = _D["dropout"],
        multi_step: str = _D["multi_step"],
        series_embedding: bool = _D["series_embedding"],
        quantiles: tuple[float, ...] | None = _D["quantiles"],
        backend: str = _D["backend"],
        skip: str = _D["skip"],
        model_options: dict[str, Any] | None = _D["model_options"],
        scaler: str = _D["scaler"],
        window_norm: str = _D["window_norm"],
        calendar: str | tuple[str, ...] | None = _D["calendar"],
        calendar_encoding: str = _D["calendar_encoding"],
        test_size: float = _D["test_size"],
        val_size: float = _D["val_size"],
        stride: int = _D["stride"],
        season: int | None = _D["season"],
        interval_level: float = _D["interval_level"],
        epochs: int | None = _D["epochs"],
        batch_size: int = _D["batch_size"],
        lr: float = _D["lr"],
        weight_decay: float = _D["weight_decay"],
        lr_schedule: str = _D["lr_schedule"],
        patience: int = _D["patience"],
        grad_clip: float | None = _D["grad_clip"],
        loss: str = _D["loss"],
        precision: str = _D["precision"],
        seed: int = _D["seed"],
        deterministic: bool = _D["deterministic"],
        accelerator: str = _D["accelerator"],
        devices: int | str = _D["devices"],
        strategy: str = _D["strategy"],
        num_nodes: int = _D["num_nodes"],
        max_batches: int | None = _D["max_batches"],
        progress: bool | None = _D["progress"],
        threads: int | None = _D["threads"],
        logger: str | tuple[str, ...] = _D["logger"],
        tracking_dir: str | None = _D["tracking_dir"],
    ) -> None:
        given = locals()
        for name in _settings.names():  # stored as given; fit() checks them
            setattr(self, name, given[name])

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        """The parameters as given (``deep`` is accepted for scikit-learn; there are no nested estimators)."""
        return {name: getattr(self, name) for name in _settings.names()}

    def set_params(self, **params: Any) -> Forecaster:
        """Change parameters (checked at the next :meth:`fit`); unknown names are refused."""
        _settings.check_names(params)
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.get_params().items() if not _same(v, _D[k])}
        return f"Forecaster({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    # ------------------------------------------------------------------ fit

    def fit(
        self, data: SeriesSet, run_dir: str | Path | None = None, callbacks: Sequence[Any] = (),
        warm_start: bool = False, checkpoints: str | Path | None = None, resume: bool = False,
    ) -> Forecaster:
        """Check the settings, fit the pipeline, train the model, calibrate the intervals.

        Args:
            data: the series (see :func:`grucast.data.read_series`).
            run_dir: where the training log and checkpoint go; a temporary folder
                if omitted (:meth:`save` writes the run folder to keep).
            callbacks: more Lightning callbacks for the training run (the tuner's
                pruning callback, for one).
            warm_start: continue from this fitted (or loaded) forecaster: its weights
                and fitted pipeline are kept (the scalers of the series it knows; a
                new series gets one fitted on its own training part), the data is
                split by the same rule, and training runs with the current training
                settings (``epochs``, ``lr``, ``patience``, ...) and its own early
                stopping. The model and data settings must stay as fitted.
            checkpoints: folder for ``best.ckpt`` and ``last.ckpt`` (rewritten after
                every epoch); ``run_dir/checkpoints`` if omitted.
            resume: continue an interrupted fit from ``checkpoints/last.ckpt``: same
                data and settings; the weights, optimiser, schedule, early stopping,
                epoch and shuffle order carry on where they stopped.

        Returns:
            ``self``, fitted.
        """
        if not isinstance(data, SeriesSet):
            raise InputTypeError(
                f"fit expects a SeriesSet, got {type(data).__name__}; read files with grucast.data.read_series "
                "or convert a DataFrame with grucast.data.from_dataframe"
            )
        if warm_start:
            self._check_fitted()
            return self._fit_more(data, run_dir, callbacks, checkpoints, resume)
        settings = Settings(**self.get_params())
        check_accelerator(settings.accelerator)
        check_precision(settings.precision, settings.accelerator)
        pipeline = settings.make_pipeline()
        windows = pipeline.fit_transform(data, stride=settings.stride, agree=agreement_for(data))
        settings = settings.resolved(pipeline)
        if settings.multi_step == "recursive" and data.past_covariates:
            raise DataError(
                f"recursive forecasts feed forecasts back as inputs, but past-only covariates "
                f"{list(data.past_covariates)} have no future values; declare them known covariates or use "
                f"{option('multi_step', 'direct')}"
            )
        torch.manual_seed(settings.seed)
        return self._train(settings.make_model(pipeline), pipeline, windows, settings, run_dir, callbacks,
                           checkpoints, resume)

    def _train(
        self, model: torch.nn.Module, pipeline: WindowPipeline, windows: WindowedData, settings: Settings,
        run_dir: str | Path | None, callbacks: Sequence[Any], checkpoints: str | Path | None = None,
        resume: bool = False,
    ) -> Forecaster:
        """Train ``model`` on ``windows`` and set the fitted attributes (``epochs`` resolved here)."""
        # A share of the series per process: each trains on its windows of every global batch.
        shares = window_shares(len(windows.train), len(windows.val)) if windows.data.shard is not None else None
        settings = settings.with_epochs(shares.train[2] if shares is not None else len(windows.train))
        module = ForecastModule(model, settings)
        owned_dir = run_dir is None
        work_dir = Path(tempfile.mkdtemp(prefix="grucast-")) if owned_dir else Path(run_dir)
        if owned_dir:  # the log and checkpoint live as long as this forecaster (save() copies the log)
            weakref.finalize(self, shutil.rmtree, work_dir, True)
        result = fit_module(
            module, windows.train, windows.val, settings, work_dir, callbacks,
            checkpoints=Path(checkpoints) if checkpoints is not None else None, resume=resume, shares=shares,
        )
        module.cpu().eval()
        if shares is not None:
            share_weights(module)
            # Every process keeps the pipeline of all series (their scalers): it saves,
            # and forecasts any series, as a single process's would.
            pipeline = merged_pipeline(pipeline)
        self.shares_ = shares

        self.settings_ = settings
        self.pipeline_ = pipeline
        self.module_ = module
        self.fit_result_ = result
        self.windows_ = windows
        self._log_dir = result.log_dir
        self.calibration_ = self._calibrate(windows)
        return self

    def _fit_more(
        self, data: SeriesSet, run_dir: str | Path | None, callbacks: Sequence[Any],
        checkpoints: str | Path | None, resume: bool,
    ) -> Forecaster:
        """:meth:`fit` with ``warm_start``: continue training the fitted network on ``data``."""
        fitted = self.settings_
        given = Settings(**{**self.get_params(), "progress": self.progress})
        for name in _settings.names():
            if _settings.describe(name)["group"] == "training":
                continue
            value, kept = getattr(given, name), getattr(fitted, name)
            if value != kept and value is not None and value != "auto":
                raise InputError(
                    f"fine-tuning keeps the fitted model and data handling, but {option(name, value)} differs from "
                    f"the fitted {option(name, kept)}; change only training settings (epochs, lr, patience, ...), "
                    "or train a new model"
                )
        for series in data:
            known = self.pipeline_.frequencies_.get(series.name)
            if known is not None and known != series.frequency:
                raise DataError(
                    f"series {series.name!r} has frequency {series.frequency.alias!r} but the model was trained on "
                    f"{known.alias!r} data; give series of the training frequency"
                )
        pipeline, notes = self.pipeline_.with_new_series(data, rows="train")
        for note in notes:
            warnings.warn(note, DataWarning, stacklevel=3)
        windows = pipeline.transform(data, stride=given.stride)
        training = {name: getattr(given, name) for name in _settings.names()
                    if _settings.describe(name)["group"] == "training"}
        if training["loss"] == "auto":  # decided from the data when the model was first fitted
            training["loss"] = fitted.loss
        settings = fitted.replace(**training)
        return self._train(self.module_.model.train(), pipeline, windows, settings, run_dir, callbacks, checkpoints,
                           resume)

    def _calibrate(self, windows: WindowedData) -> Calibration:
        """Fit the bands on the validation windows (the training windows when there are none).

        With the series sharded across processes, each forecasts its windows of the
        global calibration sample, and every process calibrates on all of them.
        """
        shares = getattr(self, "shares_", None)
        has_val = shares.val[2] > 0 if shares is not None else len(windows.val) > 0
        dataset = windows.val if has_val else windows.train
        source = "validation" if has_val else "training windows (no validation part: bands will be too narrow)"
        settings = self.settings_
        if shares is None:
            index = calibration_sample(len(dataset))
        else:
            start, count, total = shares.val if has_val else shares.train
            sample = calibration_sample(total)
            index = sample[(sample >= start) & (sample < start + count)] - start
        pred, true, in_model_units = self._calibration_windows(windows, dataset, index)
        if shares is not None:
            parts = GroupAgreement().gather((pred, true, in_model_units))
            pred = torch.cat([part[0] for part in parts])
            true = torch.cat([part[1] for part in parts])
            in_model_units = {name: np.concatenate([part[2][name] for part in parts]) for name in in_model_units}
        return calibrate(
            pred, true, in_model_units, level=settings.interval_level, levels=settings.quantiles or (),
            median_index=self._median_index, source=source,
        )

    def _calibration_windows(
        self, windows: WindowedData, dataset: Any, index: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, dict[str, np.ndarray]]:
        """Model outputs, targets and the baselines' forecasts (model units) of calibration windows ``index``."""
        settings = self.settings_
        if not len(index):  # a process holding none of the sample's windows
            outputs = len(settings.quantiles or ()) or 1
            empty = np.empty((0, settings.horizon))
            return (torch.empty(0, settings.horizon, outputs), torch.empty(0, settings.horizon, 1),
                    {"naive": empty, "seasonal_naive": empty})
        pred, true, fields = forecast_dataset(self.module_, dataset, settings, index)
        origin = (fields["start"] + settings.lookback - 1).numpy()
        baselines = baseline_windows(windows.data, fields["series"].numpy(), origin, settings.horizon, settings.season)
        return pred, true, {
            name: self.pipeline_.to_model_units(values, fields, windows.data)[..., 0].numpy()
            for name, values in baselines.items()
        }

    @property
    def _median_index(self) -> int:
        return self.settings_.quantiles.index(0.5) if self.settings_.quantiles else 0

    # -------------------------------------------------------------- predict

    def predict(
        self, history: SeriesSet | None = None, future: FutureCovariates | dict[str, np.ndarray] | None = None
    ) -> pd.DataFrame:
        """Forecast the ``horizon`` steps after the end of each series.

        Args:
            history: the series to continue; the training data if omitted (only
                right after :meth:`fit`), each with at least ``lookback`` rows. A
                series the model was not fitted on is forecast from its own history
                (scaled by a scaler fitted on its given rows; a
                :class:`~grucast.data.DataWarning` says so), unless the model
                learned a vector per training series (``series_embedding``).
            future: the known covariates over the horizon, when the model has any:
                a :class:`~grucast.data.FutureCovariates` (values by time, e.g. from
                :func:`grucast.data.read_future`); a DataFrame with the history's time
                column, a ``series`` column (when there are several series) and the
                known covariates; or ``{series: (horizon, K) array}``
                in step order; ``history.future`` (rows of the data file whose target
                was empty) if omitted.

        Returns:
            One row per series and step: ``series``, ``time``, ``step`` (1-based),
            ``value``, ``lower``, ``upper`` (the conformal interval), in the data's units;
            times in the history's time zone when it has one (see
            :meth:`grucast.data.SeriesSet.output_times`).
        """
        self._check_fitted()
        if history is None:
            history = self._training_data()
        pipeline = self.pipeline_for(history)
        history = pipeline.without_excluded(history)
        if isinstance(future, pd.DataFrame):
            future = self._future_from_frame(future, history)
        settings = self.settings_
        # Series by series in batches within the memory budget of forecasting windows, inputs
        # made batch by batch too: a network's buffers for 100,000 series at once are GBs (the
        # input projection alone is series x lookback x 3 x hidden), and inputs for all of them
        # hundreds of MB written once.
        size = inference_batch_size(settings.lookback, settings.hidden_size)
        static, categories = pipeline.static_.encode(history)
        outputs, times, start = [], [], 0
        self.module_.eval()
        with torch.no_grad():
            for raw in pipeline.raw_forecast_chunks(history, future, size):
                rows = slice(start, start + len(raw.names))
                batch = pipeline.batch_from_raw(
                    raw, None if static is None else static[rows], None if categories is None else categories[rows]
                )
                pred = self.module_(batch)  # (B, H, Q), model units
                outputs.append(self._to_units(pred, batch, raw.names, None, with_baselines=False, pipeline=pipeline))
                times.append(raw.times)
                start = rows.stop
        joined = {key: np.concatenate([part[key] for part in outputs]) for key in outputs[0]}
        return self._forecast_table(joined, history.names, np.concatenate(times), history.time_basis)

    def forecast_frame(
        self, pred: torch.Tensor, batch: dict[str, torch.Tensor], names: Sequence[str], times: np.ndarray,
        pipeline: WindowPipeline, basis: TimeBasis | None = None,
    ) -> pd.DataFrame:
        """Model outputs ``(S, H, Q)`` for series ``names`` as :meth:`predict`'s table, in the data's units
        (times in the zone of ``basis``, the history's :attr:`~grucast.data.SeriesSet.time_basis`)."""
        outputs = self._to_units(pred, batch, names, None, with_baselines=False, pipeline=pipeline)
        return self._forecast_table(outputs, names, times, basis)

    def _forecast_table(
        self, outputs: dict[str, np.ndarray], names: Sequence[str], times: np.ndarray, basis: TimeBasis | None
    ) -> pd.DataFrame:
        horizon = self.settings_.horizon
        frame = {
            "series": np.repeat(np.array(names, dtype=object), horizon),
            "time": output_times(times.reshape(-1), basis),
            "step": np.tile(np.arange(1, horizon + 1), len(names)),
            "value": outputs.pop("forecast").reshape(-1),
        }
        frame.update({key: values.reshape(-1) for key, values in outputs.items()})
        return pd.DataFrame(frame)

    def _future_from_frame(self, frame: pd.DataFrame, history: SeriesSet) -> FutureCovariates:
        """Future values from a DataFrame with the history's time column, a ``series`` column
        when there are several series, and the known covariates."""
        from grucast.data.future import future_from_dataframe

        series_col = "series" if "series" in frame.columns else None
        if series_col is None and len(history) > 1:
            raise InputError(
                f"the future values are for {len(history)} series: add a 'series' column naming each row's series"
            )
        return future_from_dataframe(
            frame, columns=self.pipeline_.known_covariates_, time_col=history.time_column, series_col=series_col,
            series=history.names, basis=history.time_basis,
        )

    def stream(self, history: SeriesSet, mode: str = "exact") -> ForecastStream:
        """Forecasts that follow new observations: ``stream.update(rows)`` returns the next forecasts.

        Args:
            history: the series so far.
            mode: ``"exact"`` (the same forecasts as :meth:`predict` on the extended
                history) or ``"stateful"`` (carries the hidden state, one step per
                row; approximate). See :mod:`grucast.api.stream`.
        """
        from grucast.api.stream import ForecastStream

        self._check_fitted()
        return ForecastStream(self, history, mode)

    def pipeline_for(self, history: SeriesSet) -> WindowPipeline:
        """The fitted pipeline, extended by the series of ``history`` it was not fitted on (a warning each).

        See :meth:`grucast.data.WindowPipeline.with_new_series`.
        """
        self._check_fitted()
        pipeline, notes = self.pipeline_.with_new_series(history)
        for note in notes:
            warnings.warn(note, DataWarning, stacklevel=3)
        return pipeline

    def windows(self, data: SeriesSet | None = None) -> WindowedData:
        """``data`` cut into train, validation and test windows as in :meth:`fit` (the training data if omitted)."""
        self._check_fitted()
        if data is None:
            return self._training_windows()
        return self.pipeline_.transform(data)

    def forecast_windows(self, data: SeriesSet | None = None, part: str = "test") -> dict[str, np.ndarray]:
        """Forecasts of every window of a split, with the actual values, in the data's units.

        Args:
            data: the series, split as in :meth:`fit`; the training data if omitted.
            part: ``"test"``, ``"val"`` or ``"train"``.

        Returns:
            A dict of arrays over ``W`` windows: ``actual``, ``forecast``, ``lower``,
            ``upper`` ``(W, H)``; a quantile model's calibrated quantiles ``q<level>``;
            the baselines' forecasts ``naive`` and ``seasonal_naive`` (at the fitted
            season) and their bands ``naive_q<level>`` and ``seasonal_naive_q<level>``;
            ``series`` ``(W,)`` series index into ``data.names``; ``origin`` ``(W,)``
            the row of the last input in its series.
        """
        return self._forecast_windows(self.windows(data), part)

    def _forecast_windows(self, windows: WindowedData, part: str) -> dict[str, np.ndarray]:
        chunks = list(self._forecast_chunks(windows, part))
        return {key: np.concatenate([chunk[key] for chunk in chunks]) for key in chunks[0]}

    def _forecast_chunks(self, windows: WindowedData, part: str) -> Iterator[dict[str, np.ndarray]]:
        """:meth:`forecast_windows` for consecutive chunks of the part's windows, one chunk in memory at a time."""
        if part not in ("train", "val", "test"):
            raise InputError(f"part must be 'train', 'val' or 'test', got {part!r}")
        dataset = windows.split(part)  # type: ignore[arg-type]
        settings = self.settings_
        steps = np.arange(1, settings.horizon + 1)
        size = chunk_rows(settings.horizon, cells=_EVALUATION_CELLS)
        for start in range(0, max(len(dataset), 1), size):
            index = torch.arange(start, min(start + size, len(dataset)))
            pred, _, batch = forecast_dataset(self.module_, dataset, settings, index)
            series = batch["series"].numpy()
            origin = (batch["start"] + settings.lookback - 1).numpy()
            outputs = self._to_units(pred, batch, windows.data, origin)
            # Actuals straight from the data (float64), not back through the float32 scaling.
            actual = np.empty_like(outputs["forecast"])
            for position, rows in group_rows(series):
                actual[rows] = windows.data.series[position].target[origin[rows, None] + steps]
            yield {"actual": actual, **outputs, "series": series, "origin": origin}

    def evaluate(
        self, data: SeriesSet | None = None, part: str = "test", season: int | None = None, keep: str = "all"
    ) -> Scores:
        """Metrics of the model and of the naive and seasonal naive forecasts, same windows.

        Args:
            data: the series, split as in :meth:`fit`; the training data if omitted.
            part: ``"test"`` (default), ``"val"`` or ``"train"``.
            season: seasonal period for seasonal naive and MASE; the fitted one
                (from the frequency, or the ``season`` setting) when omitted.
            keep: which windows' arrays the result keeps in :attr:`Scores.windows`:
                ``"all"``, ``"report"`` (those a run folder writes and plots) or
                ``"none"``. The scores are of every window either way; the windows
                are forecast and scored in chunks, so with ``"none"`` memory stays
                that of one chunk, however many windows there are.

        With the series sharded across processes (``data.shard``), every process
        scores its own and gets the scores of all series; ``windows`` are its own.
        """
        windows = self.windows(data)
        sums = self._window_sums(windows, part, season, keep)
        if windows.data.shard is not None:
            local = sums.windows
            sums = WindowSums.concat(GroupAgreement().gather(dataclasses.replace(sums, windows={})))
            sums.windows = local
        return sums.scores()

    def window_sums(
        self, data: SeriesSet | None = None, part: str = "test", season: int | None = None, keep: str = "all"
    ) -> WindowSums:
        """What :meth:`evaluate` scores, before the metrics are worked out: this process's series only."""
        return self._window_sums(self.windows(data), part, season, keep)

    def _window_sums(self, windows: WindowedData, part: str, season: int | None, keep: str) -> WindowSums:
        return accumulate_windows(
            windows, self._forecast_chunks(windows, part), season or self.settings_.season,
            self.settings_.interval_level, keep=keep, part=part,
        )

    # ---------------------------------------------------------- save / load

    def save(self, path: str | Path, overwrite: bool = False) -> Path:
        """Write the run folder: settings, pipeline, intervals, weights and training log.

        The folder appears only once complete (written aside, then moved into place).

        Args:
            path: the folder; it must not exist, or be empty, unless ``overwrite``,
                which replaces an earlier run folder (never a folder of other files).
        """
        self._check_fitted()
        with staged_folder(Path(path), overwrite, flag=option("overwrite", True)) as folder:
            self.write(folder)
        return Path(path)

    def write(self, folder: Path) -> None:
        """Write the run files (:data:`RUN_FILES` and ``logs/``) into an existing folder."""
        self._check_fitted()
        config = {"grucast": __version__, "settings": self.settings_.to_dict()}
        (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        (folder / "pipeline.json").write_text(json.dumps(self.pipeline_.to_dict(), indent=2) + "\n")
        (folder / "intervals.json").write_text(json.dumps(self.calibration_.to_dict(), indent=2) + "\n")
        state = {k: v.detach().cpu().contiguous() for k, v in self.module_.model.state_dict().items()}
        save_file(state, str(folder / "model.safetensors"), metadata={"grucast": __version__, "model": self.settings_.model})
        log_dir = getattr(self, "_log_dir", None)
        if log_dir is not None and Path(log_dir).exists() and Path(log_dir).resolve() != (folder / "logs").resolve():
            shutil.copytree(log_dir, folder / "logs", dirs_exist_ok=True)

    def export(self, path: str | Path, format: str = "onnx", overwrite: bool = False, graph: str = "window") -> Path:
        """Write the model as one ONNX or TorchScript file and ``path + ".json"`` beside it.

        The graph takes raw recent history and each series' scaler constants and
        returns forecasts in the data's units (see :mod:`grucast.api.export`); the
        JSON lists what stays outside it (columns, calendar rules, scaler constants).

        Args:
            path: the graph's file, e.g. ``model.onnx``.
            format: ``"onnx"`` (needs ``pip install 'grucast[export]'``) or ``"torchscript"``.
            overwrite: replace existing files.
            graph: ``"window"`` (the last ``lookback`` rows in) or ``"step"``
                (one row and the recurrent state in, the next state out: for
                streaming services; see :class:`grucast.api.serving_graph.StepGraph`).
        """
        from grucast.api.export import export

        self._check_fitted()
        return export(self, path, format, overwrite, graph)

    @classmethod
    def load(cls, path: str | Path) -> Forecaster:
        """A fitted forecaster from a run folder (on the CPU, wherever it was trained).

        Raises:
            RunFolderError: the folder is missing files, is not grucast's, or holds
                a corrupt or mismatched file.
        """
        path = Path(path)
        if not path.is_dir():
            raise RunFolderError(f"run folder '{path}' does not exist; give the folder written by `grucast train`")
        missing = [name for name in RUN_FILES if not (path / name).is_file()]
        if missing:
            raise RunFolderError(
                f"'{path}' is not a complete grucast run folder (missing {', '.join(missing)}); "
                "give the folder written by `grucast train` or Forecaster.save"
            )
        config = read_json(path / "config.json")
        if not isinstance(config, dict) or "grucast" not in config or "settings" not in config:
            raise RunFolderError(f"'{path / 'config.json'}' was not written by grucast; give a grucast run folder")
        try:
            # Folders written before the skip existed trained without one.
            settings = Settings.from_dict({"skip": "none", **config["settings"]})
            pipeline = WindowPipeline.from_dict(read_json(path / "pipeline.json"))
            calibration = Calibration.from_dict(read_json(path / "intervals.json"))
        except (InputError, KeyError, TypeError, ValueError) as error:
            raise RunFolderError(
                f"run folder '{path}' holds settings this grucast cannot use ({type(error).__name__}: {error}); "
                "retrain with this version"
            ) from None
        model = settings.make_model(pipeline)
        try:
            model.load_state_dict(load_file(str(path / "model.safetensors"), device="cpu"))
        except Exception as error:  # safetensors raises its own types for a damaged file
            raise RunFolderError(
                f"'{path / 'model.safetensors'}' is damaged or does not match the run's settings "
                f"({str(error).splitlines()[0][:120]}); retrain or restore the file"
            ) from None
        forecaster = cls(**settings.to_dict())
        forecaster.settings_ = settings
        forecaster.pipeline_ = pipeline
        forecaster.module_ = ForecastModule(model, settings).eval()
        forecaster.calibration_ = calibration
        forecaster.fit_result_ = None
        return forecaster

    # -------------------------------------------------------------- helpers

    def _check_fitted(self) -> None:
        if not hasattr(self, "module_"):
            raise NotFittedError("this Forecaster is not fitted yet; call fit(data) or Forecaster.load(run_folder) first")

    def _training_windows(self) -> WindowedData:
        if not hasattr(self, "windows_"):
            raise InputError("pass the data: this Forecaster was loaded from disk and holds no series")
        return self.windows_

    def _training_data(self) -> SeriesSet:
        return self._training_windows().data

    def _to_units(
        self, pred: torch.Tensor, batch: dict[str, torch.Tensor], data: SeriesSet | Sequence[str],
        origin: np.ndarray | None, with_baselines: bool = True, pipeline: WindowPipeline | None = None,
    ) -> dict[str, np.ndarray]:
        """Model outputs ``(B, H, Q)`` as ``(B, H)`` arrays in the data's units.

        Returns ``forecast`` (the point forecast, a quantile model's median), ``lower``
        and ``upper`` (the conformal band), a quantile model's calibrated ``q<level>``
        and, with ``with_baselines`` (which needs the series and ``origin``), the
        baselines' forecasts ``naive`` and ``seasonal_naive`` and their bands ``<baseline>_q<level>``. Windows go through in chunks, written
        into the outputs: the float64 intermediates of a million windows at once
        would take several times the outputs' own memory.
        """
        out: dict[str, np.ndarray] = {}
        for start in range(0, len(pred), _UNITS_CHUNK):
            part = slice(start, start + _UNITS_CHUNK)
            chunk = self._to_units_chunk(
                pred[part], {k: v[part] for k, v in batch.items()}, data, None if origin is None else origin[part],
                with_baselines, pipeline,
            )
            if not out:
                out = {k: np.empty((len(pred), *v.shape[1:]), dtype=v.dtype) for k, v in chunk.items()}
            for key, values in chunk.items():
                out[key][part] = values
        return out

    def _to_units_chunk(
        self, pred: torch.Tensor, batch: dict[str, torch.Tensor], data: SeriesSet | Sequence[str],
        origin: np.ndarray | None, with_baselines: bool, pipeline: WindowPipeline | None,
    ) -> dict[str, np.ndarray]:
        calibration, pipeline = self.calibration_, pipeline or self.pipeline_
        median = pred[..., self._median_index : self._median_index + 1]  # (B, H, 1)
        radius = torch.as_tensor(calibration.radius, dtype=pred.dtype).reshape(1, -1, 1)
        point = pipeline.inverse(torch.cat([median, median - radius, median + radius], dim=-1), batch, data)
        out = {"forecast": point[..., 0], "lower": point[..., 1], "upper": point[..., 2]}
        if calibration.levels:
            shifted = pred.double() + torch.as_tensor(calibration.shift)[None]  # (B, H, Q)
            quantiles = nested(pipeline.inverse(shifted, batch, data), calibration.levels)
            out.update({f"q{level:g}": quantiles[..., j] for j, level in enumerate(calibration.levels)})
        if with_baselines:
            settings = self.settings_
            baselines = baseline_windows(data, batch["series"].numpy(), origin, settings.horizon, settings.season)
            out.update(baselines)  # their point forecasts too: scoring needs them
            for name, values in baselines.items():
                base = pipeline.to_model_units(values, batch, data)  # (B, H, 1)
                band = base + torch.as_tensor(calibration.baseline_quantiles[name])[None]  # (B, H, Q_b)
                restored = pipeline.inverse(band, batch, data)
                out.update({f"{name}_q{level:g}": restored[..., j] for j, level in enumerate(calibration.baseline_levels)})
        return out


def _same(value: Any, default: Any) -> bool:
    try:
        return bool(value == default)
    except Exception:  # arrays and other values without a plain equality
        return False
