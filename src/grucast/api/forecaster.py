"""The Python API: ``Forecaster(...).fit(data)``, ``.predict()``, ``.save()``, ``Forecaster.load()``."""

from __future__ import annotations

import json
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from safetensors.torch import load_file, save_file

from grucast import __version__
from grucast.api.intervals import conformal_radius
from grucast.api.scoring import Scores, score_windows
from grucast.api.settings import ForecastSettings, split_settings
from grucast.data.errors import DataError, NotFittedError
from grucast.data.frame import SeriesSet
from grucast.data.pipeline import WindowedData, forecast_inputs, prepare_windows
from grucast.data.scaling import SeriesScaler
from grucast.data.windows import WindowDataset
from grucast.models.registry import build_model
from grucast.training.config import TrainConfig
from grucast.training.fit import FitResult, fit_module
from grucast.training.module import ForecastModule

_FILES = ("config.json", "schema.json", "scaler.json", "model.safetensors")


class Forecaster:
    """A GRU (or LSTM, BiGRU, CNN-GRU, minGRU, RNN) forecaster for one or many series.

    Settings are keyword arguments: those of
    :class:`~grucast.api.settings.ForecastSettings` (model, window, scaling,
    splits, intervals) and of :class:`~grucast.training.config.TrainConfig`
    (epochs, batch size, learning rate, seed, devices...). They are stored as
    given and checked by :meth:`fit`.

    Example:
        >>> from grucast.data.datasets import load_household_power
        >>> forecaster = Forecaster("gru", lookback=168, horizon=24, epochs=5)
        >>> forecaster.fit(load_household_power())  # doctest: +SKIP
        >>> forecaster.predict()                     # doctest: +SKIP

    Fitted attributes (after :meth:`fit` or :meth:`load`):
        settings_: the resolved :class:`ForecastSettings`.
        training_: the :class:`TrainConfig`.
        module_: the trained :class:`ForecastModule` (its ``model`` is the network).
        scaler_: the per-series scaler fitted on training rows.
        schema_: column roles, series, frequencies, features, window normalisation.
        interval_radius_: ``(horizon,)`` conformal half-widths in scaled units.
        fit_result_: timings and loss history (``None`` after :meth:`load`).
    """

    def __init__(self, model: str = "gru", lookback: int | None = None, horizon: int | None = None, **settings: Any) -> None:
        self.params: dict[str, Any] = {"model": model, "lookback": lookback, "horizon": horizon, **settings}

    def get_params(self) -> dict[str, Any]:
        """The settings as given to the constructor."""
        return dict(self.params)

    # ------------------------------------------------------------------ fit

    def fit(self, data: SeriesSet, run_dir: str | Path | None = None) -> Forecaster:
        """Split, scale and window ``data``, train the model, and calibrate intervals.

        Args:
            data: the series (see :func:`grucast.data.read_series`).
            run_dir: where the training log and checkpoint go; a temporary folder
                if omitted (:meth:`save` writes the run folder to keep).

        Returns:
            ``self``, fitted.
        """
        if not isinstance(data, SeriesSet):
            raise TypeError(
                f"fit expects a SeriesSet, got {type(data).__name__}; read files with grucast.data.read_series "
                "or convert a DataFrame with grucast.data.from_dataframe"
            )
        settings, training = split_settings(self.params)
        settings = settings.resolved(data.series[0].frequency)
        windows = prepare_windows(
            data,
            lookback=settings.lookback,
            horizon=settings.horizon,
            test_size=settings.test_size,
            val_size=settings.val_size,
            stride=settings.stride,
            scaler=settings.scaler,
            window_norm=settings.window_norm,
            calendar=settings.calendar,
            calendar_encoding=settings.calendar_encoding,
        )
        if settings.multi_step == "recursive" and data.past_covariates:
            raise DataError(
                f"multi_step='recursive' feeds forecasts back as inputs, but past-only covariates "
                f"{list(data.past_covariates)} have no future values; declare them known covariates or use "
                "multi_step='direct'"
            )
        torch.manual_seed(training.seed)
        model = build_model(
            settings.model,
            input_size=windows.n_features,
            horizon=1 if settings.multi_step == "recursive" else settings.horizon,
            hidden_size=settings.hidden_size,
            num_layers=settings.num_layers,
            dropout=settings.dropout,
            **settings.model_options,
        )
        module = ForecastModule(model, training, horizon=settings.horizon, multi_step=settings.multi_step)
        owned_dir = run_dir is None
        work_dir = Path(tempfile.mkdtemp(prefix="grucast-")) if owned_dir else Path(run_dir)
        if owned_dir:  # the log and checkpoint live as long as this forecaster (save() copies the log)
            weakref.finalize(self, shutil.rmtree, work_dir, True)
        result = fit_module(module, windows.train, windows.val, training, work_dir)
        module.cpu().eval()

        self.settings_ = settings
        self.training_ = training
        self.module_ = module
        self.scaler_ = windows.scaler
        self.schema_ = _schema(data, windows)
        self.fit_result_ = result
        self.windows_ = windows
        self._log_dir = result.log_dir
        calibration = windows.val if len(windows.val) else windows.train
        self.calibrated_on_ = "validation" if len(windows.val) else "training (no validation windows: intervals will be too narrow)"
        pred, true, _ = self._run(calibration, calibration_sample(len(calibration)))
        self.interval_radius_ = conformal_radius((true - pred)[..., 0].numpy(), settings.interval_level)
        return self

    # -------------------------------------------------------------- predict

    def predict(self, history: SeriesSet | None = None, future_known: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
        """Forecast the ``horizon`` steps after the end of each series.

        Args:
            history: the series to continue; the training data if omitted (only
                right after :meth:`fit`). Every series must be one the model was
                fitted on, with at least ``lookback`` rows.
            future_known: ``{series: (horizon, K) array}`` of known covariates over
                the horizon, when the data has any.

        Returns:
            One row per series and step: ``series``, ``time``, ``step`` (1-based),
            ``value``, ``lower``, ``upper`` (the conformal interval), in the data's units.
        """
        self._check_fitted()
        if history is None:
            if not hasattr(self, "windows_"):
                raise ValueError("predict() needs history= after Forecaster.load(): pass the series to continue")
            history = self.windows_.data
        self._check_schema(history)
        schema = self.schema_
        batch, times = forecast_inputs(
            history,
            lookback=self.settings_.lookback,
            horizon=self.settings_.horizon,
            scaler=self.scaler_,
            calendar=tuple(schema["calendar"]),
            calendar_encoding=schema["calendar_encoding"],
            window_norm=schema["window_norm"],
            future_known=future_known,
        )
        with torch.no_grad():
            pred = self.module_(batch)  # (S, H, 1), scaled units
        value, lower, upper = self._to_units(pred, batch)
        horizon = self.settings_.horizon
        return pd.DataFrame(
            {
                "series": np.repeat(np.array(history.names, dtype=object), horizon),
                "time": times.reshape(-1),
                "step": np.tile(np.arange(1, horizon + 1), len(history)),
                "value": value.reshape(-1),
                "lower": lower.reshape(-1),
                "upper": upper.reshape(-1),
            }
        )

    def forecast_windows(self, data: SeriesSet | None = None, part: str = "test") -> dict[str, np.ndarray]:
        """Forecasts of every window of a split, with the actual values, in the data's units.

        Args:
            data: the series, split as in :meth:`fit`; the training data if omitted.
            part: ``"test"``, ``"val"`` or ``"train"``.

        Returns:
            A dict of arrays over ``W`` windows: ``actual``, ``forecast``, ``lower``,
            ``upper`` ``(W, H)``; ``series`` ``(W,)`` series index into
            ``data.names``; ``origin`` ``(W,)`` the row of the last input in its series.
        """
        self._check_fitted()
        windows = self._windows_for(data)
        dataset = windows.split(part)  # type: ignore[arg-type]
        pred, _, batch = self._run(dataset)
        value, lower, upper = self._to_units(pred, batch)
        series = batch["series"].numpy()
        origin = (batch["start"] + self.settings_.lookback - 1).numpy()
        # Actuals straight from the data (float64), not back through the float32 scaling.
        actual = np.empty_like(value)
        steps = np.arange(1, self.settings_.horizon + 1)
        for index, one in enumerate(windows.data):
            rows = np.flatnonzero(series == index)
            actual[rows] = one.target[origin[rows, None] + steps]
        return {"actual": actual, "forecast": value, "lower": lower, "upper": upper, "series": series, "origin": origin}

    def evaluate(self, data: SeriesSet | None = None, part: str = "test", season: int | None = None) -> Scores:
        """Metrics of the model and of the naive and seasonal naive forecasts, same windows.

        Args:
            data: the series, split as in :meth:`fit`; the training data if omitted.
            part: ``"test"`` (default), ``"val"`` or ``"train"``.
            season: seasonal period for seasonal naive and MASE; from the
                frequency when omitted (24 hourly, 7 daily, 5 business days...).
        """
        self._check_fitted()
        windows = self._windows_for(data)
        return score_windows(windows, self.forecast_windows(data, part), part, season)

    # ---------------------------------------------------------- save / load

    def save(self, path: str | Path, overwrite: bool = False) -> Path:
        """Write the run folder: settings, schema, scaler, weights and training log.

        Args:
            path: the folder; it must not exist or be empty unless ``overwrite``.
            overwrite: replace grucast's files in an existing folder.
        """
        self._check_fitted()
        path = Path(path)
        if path.exists() and any(path.iterdir()) and not overwrite:
            raise FileExistsError(f"run folder {str(path)!r} already exists and is not empty; choose a new one or pass overwrite=True")
        path.mkdir(parents=True, exist_ok=True)
        config = {"grucast": __version__, "forecast": self.settings_.to_dict(), "training": self.training_.to_dict()}
        (path / "config.json").write_text(json.dumps(config, indent=2, default=str) + "\n")
        schema = {**self.schema_, "interval_radius": [float(r) for r in self.interval_radius_]}
        (path / "schema.json").write_text(json.dumps(schema, indent=2) + "\n")
        (path / "scaler.json").write_text(json.dumps(self.scaler_.to_dict(), indent=2) + "\n")
        state = {k: v.detach().cpu().contiguous() for k, v in self.module_.model.state_dict().items()}
        save_file(state, str(path / "model.safetensors"), metadata={"grucast": __version__, "model": self.settings_.model})
        log_dir = getattr(self, "_log_dir", None)
        if log_dir is not None and Path(log_dir).exists() and Path(log_dir).resolve() != (path / "logs").resolve():
            shutil.copytree(log_dir, path / "logs", dirs_exist_ok=True)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Forecaster:
        """A fitted forecaster from a run folder (on the CPU, wherever it was trained)."""
        path = Path(path)
        missing = [name for name in _FILES if not (path / name).exists()]
        if missing:
            raise FileNotFoundError(
                f"{str(path)!r} is not a grucast run folder (missing {', '.join(missing)}); "
                "give the folder written by `grucast train` or Forecaster.save"
            )
        config = json.loads((path / "config.json").read_text())
        schema = json.loads((path / "schema.json").read_text())
        settings = ForecastSettings(**config["forecast"])
        training = TrainConfig.from_dict(config["training"])
        forecaster = cls(**{**config["forecast"], **config["training"]})
        model = build_model(
            settings.model,
            input_size=len(schema["feature_names"]),
            horizon=1 if settings.multi_step == "recursive" else settings.horizon,
            hidden_size=settings.hidden_size,
            num_layers=settings.num_layers,
            dropout=settings.dropout,
            **settings.model_options,
        )
        model.load_state_dict(load_file(str(path / "model.safetensors"), device="cpu"))
        forecaster.settings_ = settings
        forecaster.training_ = training
        forecaster.module_ = ForecastModule(model, training, horizon=settings.horizon, multi_step=settings.multi_step).eval()
        forecaster.scaler_ = SeriesScaler.from_dict(json.loads((path / "scaler.json").read_text()))
        forecaster.interval_radius_ = np.asarray(schema.pop("interval_radius"), dtype=np.float64)
        forecaster.schema_ = schema
        forecaster.fit_result_ = None
        return forecaster

    # -------------------------------------------------------------- helpers

    def _check_fitted(self) -> None:
        if not hasattr(self, "module_"):
            raise NotFittedError("this Forecaster is not fitted yet; call fit(data) or Forecaster.load(run_folder) first")

    def _check_schema(self, data: SeriesSet) -> None:
        schema = self.schema_
        got = {"target": data.target, "known_covariates": list(data.known_covariates), "past_covariates": list(data.past_covariates)}
        for key, value in got.items():
            if value != schema[key]:
                raise DataError(
                    f"the data's {key.replace('_', ' ')} {value!r} differ from the model's {schema[key]!r}; "
                    "give the same columns the model was trained on"
                )
        unknown = [name for name in data.names if name not in schema["series"]]
        if unknown:
            raise DataError(
                f"series {unknown[:5]!r} were not in the training data, so they have no fitted scaler; "
                f"the model knows {schema['series'][:10]!r}"
            )

    def _windows_for(self, data: SeriesSet | None) -> WindowedData:
        if data is None:
            if not hasattr(self, "windows_"):
                raise ValueError("pass the data: this Forecaster was loaded from disk and holds no series")
            return self.windows_
        self._check_schema(data)
        s = self.settings_
        return prepare_windows(
            data,
            lookback=s.lookback,
            horizon=s.horizon,
            test_size=s.test_size,
            val_size=s.val_size,
            stride=1,
            scaler=self.scaler_.select(data.names),
            window_norm=self.schema_["window_norm"],
            calendar=tuple(self.schema_["calendar"]),
            calendar_encoding=self.schema_["calendar_encoding"],
        )

    def _run(
        self, dataset: WindowDataset, index: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        """Model-unit forecasts and targets of the windows ``index`` (all if omitted),
        and the batch fields that undo scaling."""
        if len(dataset) == 0:
            raise DataError("there are no windows in this part of the data: the series are too short for its size")
        if index is None:
            index = torch.arange(len(dataset))
        device = next(self.module_.parameters()).device
        self.module_.eval()
        batch_size = inference_batch_size(
            self.settings_.lookback, self.settings_.hidden_size, training_batch=self.training_.batch_size
        )
        # Results go into tensors allocated once: small tensors kept from every batch
        # get carved out of the big buffers the batch before freed, and the heap then
        # grew by about one batch's activations per batch.
        results: dict[str, torch.Tensor] = {}
        done = 0
        with torch.no_grad():
            for chunk in index.split(batch_size):
                batch = dataset.batch(chunk)
                pred = self.module_({k: v.to(device) for k, v in batch.items()})
                fields = {"pred": pred, **{k: batch[k] for k in ("y", "series", "start", "offset", "scale")}}
                if not results:
                    results = {k: v.new_empty((len(index), *v.shape[1:]), device="cpu") for k, v in fields.items()}
                for key, value in fields.items():
                    results[key][done : done + len(chunk)] = value
                done += len(chunk)
        pred, true = results.pop("pred"), results.pop("y")
        return pred, true, results

    def _to_units(self, pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Forecast and interval bounds ``(B, H)`` in the data's units."""
        radius = torch.as_tensor(self.interval_radius_, dtype=pred.dtype).reshape(1, -1, 1)
        value, lower, upper = (self._inverse(v, batch) for v in (pred, pred - radius, pred + radius))
        if self.schema_.get("nonnegative", False):
            # A quantity never below zero in training (power, counts, prices): a
            # negative forecast or bound is never closer to the truth than zero.
            value, lower, upper = np.maximum(value, 0), np.maximum(lower, 0), np.maximum(upper, 0)
        return value, lower, upper

    def _inverse(self, value: torch.Tensor, batch: dict[str, torch.Tensor]) -> np.ndarray:
        restored = value * batch["scale"] + batch["offset"]
        return self.scaler_.inverse_target(restored, batch["series"])[..., 0].numpy()


def inference_batch_size(
    lookback: int, hidden_size: int, training_batch: int | None = None, budget_bytes: int = 24 << 20
) -> int:
    """Windows per forward pass without gradients: a power of two in [32, 4096].

    The largest buffer of a recurrent layer is its input projection for all steps,
    ``lookback * 3 * hidden_size`` float32 values per window (4 gate blocks for an
    LSTM, the same order). Batches are kept to ``budget_bytes`` of it: below
    glibc's largest automatic mmap threshold (32 MiB), freed buffers are reused by
    the next batch instead of being mapped and page-faulted afresh (at lookback 168,
    hidden 64, batches of 256 windows were slower than batches of 128). They are
    also no larger than the training batch (or 128 windows, if that is smaller), so
    forecasting never needs more memory than training did.
    """
    per_window = 4 * lookback * 3 * hidden_size
    limit = 4096 if training_batch is None else max(training_batch, 128)
    size = 4096
    while size > 32 and (size * per_window > budget_bytes or size > limit):
        size //= 2
    return size


def calibration_sample(n_windows: int, limit: int = 8192) -> torch.Tensor:
    """Evenly spaced windows, at most ``limit``, for the conformal quantiles.

    A quantile from 8192 residuals is within about half a percentage point of
    coverage, so forecasting every training window (when there is no validation
    part) would only cost time and memory.
    """
    if n_windows <= limit:
        return torch.arange(n_windows)
    return torch.linspace(0, n_windows - 1, limit).round().long().unique()


def _schema(data: SeriesSet, windows: WindowedData) -> dict[str, Any]:
    return {
        "target": data.target,
        "known_covariates": list(data.known_covariates),
        "past_covariates": list(data.past_covariates),
        "time_column": data.time_column,
        "series": list(data.names),
        "frequencies": {s.name: {"alias": s.frequency.alias, "step": s.frequency.step} for s in data},
        "feature_names": list(windows.feature_names),
        "n_known": windows.n_known,
        "window_norm": windows.window_norm,
        "calendar": list(windows.calendar),
        "calendar_encoding": windows.calendar_encoding,
        "nonnegative": bool(all((s.target[: windows.plan[s.name].train_end] >= 0).all() for s in data)),
    }
