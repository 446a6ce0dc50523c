"""Export a fitted forecaster as one ONNX or TorchScript file and the JSON a service needs beside it.

The graph (:class:`~grucast.api.serving_graph.ServingGraph`) takes raw recent
history and each series' scaler constants and returns forecasts in the data's
units. What stays outside the graph is written to ``FILE.json`` (:func:`sidecar`):
the input columns in order, how the calendar features are computed from
timestamps, each series' scaler constants and clipping flag, the frequencies,
the opset, the output names. A service needs only onnxruntime (or torch, for
TorchScript) and that file.

Which networks export, and how (:func:`exportable_network`):

==========================  ========================================================
network                     in the graph
==========================  ========================================================
GRU, BiGRU, CNN-GRU         its exact ``torch.nn.GRU`` twin (same ``state_dict``; the
                            "chung" update convention as "cho" with the z rows
                            negated, which is the same model). ONNX: the ``GRU``
                            operator, ``linear_before_reset=1`` for
                            ``reset_after=True``, ``=0`` for ``reset_after=False``
                            (the reset gate applied to :math:`h_{t-1}` before the
                            recurrent matmul, with :math:`b_{hn}` outside it: ONNX's
                            definition is grucast's equation). TorchScript: the
                            twin for ``reset_after=True``; grucast's step loop,
                            unrolled over the lookback, for ``reset_after=False``.
LSTM, RNN                   ``torch.nn.LSTM`` / ``torch.nn.RNN`` as trained (ONNX
                            ``LSTM`` / ``RNN`` operators).
minGRU                      its sequential recurrence, unrolled over the lookback.
==========================  ========================================================
"""

from __future__ import annotations

import copy
import importlib.util
import json
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from grucast import __version__
from grucast.api.run_folder import read_json, staged_file
from grucast.api.serving_graph import ServingGraph, StepGraph
from grucast.data.features import CALENDAR_FEATURES
from grucast.errors import InputError, MissingExtraError, RunFolderError, option

if TYPE_CHECKING:
    from grucast.api.forecaster import Forecaster
    from grucast.data.frame import SeriesSet
    from grucast.data.future import FutureCovariates

#: The formats :func:`export` writes.
FORMATS: tuple[str, ...] = ("onnx", "torchscript")
#: The graphs :func:`export` writes: the window model, or one step with explicit state.
GRAPHS: tuple[str, ...] = ("window", "step")
#: The ONNX opset of exported graphs (onnxruntime 1.15 and later run it).
OPSET = 17
#: Version of the JSON written beside a graph.
SIDECAR_VERSION = 1

_CALENDAR_DOC = {
    "hour": "v = hour (0..23), u = v, P = 24",
    "day_of_week": "v = weekday (Monday 0 .. Sunday 6), u = v, P = 7",
    "day_of_month": "v = day of month (1..31), u = v - 1, P = days in that month",
    "month": "v = month (1..12), u = v - 1, P = 12",
    "day_of_year": "v = day of year (1..366), u = v - 1, P = 365 or 366 (leap years)",
}


def check_format(fmt: str) -> str:
    """``fmt`` if it is an export format, else a one-line error naming the choices."""
    if fmt not in FORMATS:
        raise InputError(f"export format must be one of {', '.join(FORMATS)}, got {fmt!r}; use {option('format', 'onnx')}")
    return fmt


def require_onnx() -> None:
    """Refuse ONNX work when the ``export`` extra is not installed, naming the pip command."""
    for package in ("onnx", "onnxruntime"):
        if importlib.util.find_spec(package) is None:
            raise MissingExtraError(
                f"ONNX export and the onnx engine need the {package} package; install it with: "
                "pip install 'grucast[export]'"
            )


# ------------------------------------------------------------------ the network


def exportable_network(model: nn.Module, fmt: str) -> tuple[nn.Module, bool]:
    """A copy of ``model`` whose encoder torch's exporters can record, and whether ONNX GRU nodes reset before.

    Returns:
        ``(network, reset_before)``: ``reset_before`` is True for a ``reset_after=False``
        GRU exported to ONNX, whose ``GRU`` nodes get ``linear_before_reset=0``
        (see the module docstring).
    """
    import grucast.nn
    from grucast.nn.mingru import MinGRU

    network = copy.deepcopy(model).cpu().float().eval()
    encoder = network.encoder
    reset_before = False
    if isinstance(encoder, grucast.nn.GRU):
        if encoder.reset_after or fmt == "onnx":
            network.encoder = torch_gru_twin(encoder)
            reset_before = not encoder.reset_after
        else:  # TorchScript has no reset-before GRU operator: grucast's own step loop, unrolled
            encoder.engine = "autograd"
    elif isinstance(encoder, MinGRU):
        encoder.mode = "sequential"
    elif not isinstance(encoder, (nn.GRU, nn.LSTM, nn.RNN)):
        raise InputError(
            f"the {type(model).__name__} encoder ({type(encoder).__name__}) cannot be exported; "
            "export a gru, bigru, cnn-gru, lstm, rnn or mingru model"
        )
    return network, reset_before


def torch_gru_twin(gru: nn.Module) -> nn.GRU:
    r"""The ``torch.nn.GRU`` with the same weights as a :class:`grucast.nn.GRU` (``reset_after`` aside).

    The "chung" convention :math:`h_t = (1 - z_t) h_{t-1} + z_t n_t` is the "cho"
    one with :math:`W_{\cdot z}, b_{\cdot z}` negated, since :math:`1 - \sigma(a) = \sigma(-a)`;
    the rows are stacked ``(r | z | n)``.
    """
    twin = nn.GRU(
        gru.input_size, gru.hidden_size, gru.num_layers, bias=gru.bias, batch_first=gru.batch_first,
        bidirectional=gru.bidirectional,
    )
    hidden = gru.hidden_size
    state = {}
    for name, value in gru.state_dict().items():
        value = value.detach().clone().float()
        if gru.update_convention == "chung":
            value[hidden : 2 * hidden] = -value[hidden : 2 * hidden]
        state[name] = value
    twin.load_state_dict(state)
    return twin.eval()


def serving_graph(forecaster: Forecaster, fmt: str) -> tuple[ServingGraph, bool]:
    """The :class:`ServingGraph` of a fitted forecaster, and whether its ONNX GRU nodes reset before."""
    settings, pipeline, calibration = forecaster.settings_, forecaster.pipeline_, forecaster.calibration_
    network, reset_before = exportable_network(forecaster.module_.model, fmt)
    graph = ServingGraph(
        network,
        horizon=settings.horizon,
        n_known=pipeline.n_known_,
        window_norm=pipeline.window_norm_,
        recursive=settings.multi_step == "recursive",
        radius=np.asarray(calibration.radius, dtype=np.float64).tolist(),
        shift=None if not calibration.levels else np.asarray(calibration.shift).tolist(),
        median_index=forecaster._median_index,
        masked=pipeline.padded_,
        uses_static=pipeline.static_.n_numeric > 0,
        uses_categories=bool(pipeline.static_.category_sizes),
    )
    return graph.eval(), reset_before


def step_graph(forecaster: Forecaster, fmt: str) -> tuple[StepGraph, bool]:
    """The :class:`StepGraph` of a fitted forecaster, and whether its ONNX GRU nodes reset before.

    Raises:
        InputError: the model cannot carry one state (see :func:`grucast.api.stream.check_stateful`).
    """
    from grucast.api.stream import check_stateful

    check_stateful(forecaster, what="the step graph", instead=option("graph", "window"))
    calibration, pipeline = forecaster.calibration_, forecaster.pipeline_
    network, reset_before = exportable_network(forecaster.module_.model, fmt)
    graph = StepGraph(
        network,
        n_known=pipeline.n_known_,
        radius=np.asarray(calibration.radius, dtype=np.float64).tolist(),
        shift=None if not calibration.levels else np.asarray(calibration.shift).tolist(),
        median_index=forecaster._median_index,
        uses_static=pipeline.static_.n_numeric > 0,
        uses_categories=bool(pipeline.static_.category_sizes),
        lstm=isinstance(network.encoder, nn.LSTM),
    )
    return graph.eval(), reset_before


def example_inputs(graph: ServingGraph | StepGraph, lookback: int, n_features: int, n_static: int, n_categories: int,
                   batch: int = 2) -> tuple[torch.Tensor, ...]:
    """Inputs of the right shapes and types for recording the graph."""
    generator = torch.Generator().manual_seed(0)
    horizon = getattr(graph, "horizon", graph.network.horizon)  # a recursive network forecasts one step
    layers, hidden = graph.network.num_layers, graph.network.hidden_size
    shapes: dict[str, tuple[int, ...]] = {
        "history": (batch, lookback, n_features), "known_future": (batch, horizon, graph.n_known),
        "center": (batch, n_features), "observed": (batch, lookback), "static": (batch, n_static),
        "row": (batch, n_features), "state": (layers, batch, hidden), "cell": (layers, batch, hidden),
    }
    inputs = []
    for name in graph.input_names():
        if name == "scale":
            inputs.append(torch.ones(batch, n_features))
        elif name == "clip_at_zero":
            inputs.append(torch.ones(batch))
        elif name == "observed":
            inputs.append(torch.ones(shapes[name]))
        elif name == "categories":
            inputs.append(torch.ones(batch, n_categories, dtype=torch.int64))
        else:
            inputs.append(torch.randn(shapes[name], generator=generator))
    return tuple(inputs)


# ------------------------------------------------------------------ writing


def export(
    forecaster: Forecaster, path: str | Path, fmt: str = "onnx", overwrite: bool = False, graph: str = "window"
) -> Path:
    """Write the graph to ``path`` and its description to ``path + ".json"``; both appear only once complete.

    Args:
        forecaster: a fitted :class:`~grucast.api.Forecaster`.
        path: the graph's file (``.onnx`` or ``.pt`` by convention).
        fmt: ``"onnx"`` or ``"torchscript"``.
        overwrite: replace existing files.
        graph: ``"window"`` (:class:`ServingGraph`: the last ``lookback`` rows in,
            forecasts out) or ``"step"`` (:class:`StepGraph`: one row and the state
            in, the next state and forecasts out).

    Raises:
        MissingExtraError: ONNX asked but the ``export`` extra is not installed.
        RunFolderError: ``path`` or its JSON exists (without ``overwrite``) or is a folder.
    """
    check_format(fmt)
    if graph not in GRAPHS:
        raise InputError(f"graph must be 'window' or 'step', got {graph!r}")
    if fmt == "onnx":
        require_onnx()
    path = Path(path)
    side = sidecar_path(path)
    flag = option("overwrite", True)
    with staged_file(path, overwrite, flag) as graph_file, staged_file(side, overwrite, flag) as side_file:
        module, reset_before = (serving_graph if graph == "window" else step_graph)(forecaster, fmt)
        pipeline = forecaster.pipeline_
        inputs = example_inputs(
            module, pipeline.lookback_, pipeline.n_features, pipeline.static_.n_numeric,
            len(pipeline.static_.category_sizes),
        )
        if fmt == "onnx":
            _write_onnx(module, inputs, graph_file, reset_before)
        else:
            _write_torchscript(module, inputs, graph_file)
        side_file.write_text(json.dumps(sidecar(forecaster, module, fmt, path.name), indent=2) + "\n")
    return path


def sidecar_path(path: str | Path) -> Path:
    """Where the JSON beside an exported graph lives: ``FILE.json``."""
    path = Path(path)
    return path.with_name(path.name + ".json")


def _write_onnx(graph: ServingGraph | StepGraph, inputs: tuple[torch.Tensor, ...], target: Path, reset_before: bool) -> None:
    import onnx

    names = graph.input_names()
    states = ("state", "cell", "next_state", "next_cell")  # (layers, batch, hidden)
    dynamic = {name: {1 if name in states else 0: "batch"} for name in names + graph.output_names()}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            graph, inputs, str(target), input_names=names, output_names=graph.output_names(),
            dynamic_axes=dynamic, opset_version=OPSET, dynamo=False,
        )
    model = onnx.load(str(target))
    if reset_before:
        for node in model.graph.node:
            if node.op_type == "GRU":
                for attribute in node.attribute:
                    if attribute.name == "linear_before_reset":
                        attribute.i = 0
    model.doc_string = f"grucast {__version__} forecaster; inputs and columns described in the .json beside it"
    onnx.checker.check_model(model)
    onnx.save(model, str(target))


def _write_torchscript(graph: ServingGraph | StepGraph, inputs: tuple[torch.Tensor, ...], target: Path) -> None:
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(graph, inputs, check_trace=False)
    # torch.jit.save names the format by the file's suffix; write to a .pt and move.
    traced.save(str(target))


def sidecar(forecaster: Forecaster, graph: ServingGraph | StepGraph, fmt: str, file_name: str) -> dict[str, Any]:
    """Everything a service needs besides the graph, as plain JSON (see the README's Export section)."""
    settings, pipeline, calibration = forecaster.settings_, forecaster.pipeline_, forecaster.calibration_
    scaler = pipeline.scaler_
    features = list(pipeline.feature_names_)
    known = features[1 : 1 + pipeline.n_known_]
    lookback, horizon = pipeline.lookback_, pipeline.horizon_
    shapes = {
        "history": ["batch", lookback, len(features)], "known_future": ["batch", horizon, len(known)],
        "center": ["batch", len(features)], "scale": ["batch", len(features)], "clip_at_zero": ["batch"],
        "observed": ["batch", lookback], "static": ["batch", pipeline.static_.n_numeric],
        "categories": ["batch", len(pipeline.static_.category_sizes)],
        "row": ["batch", len(features)],
        "state": [settings.num_layers, "batch", settings.hidden_size],
        "cell": [settings.num_layers, "batch", settings.hidden_size],
    }
    described = {
        "history": f"float32, the last {lookback} rows of each series in the data's units, columns in `columns`",
        "known_future": f"float32, the known inputs of the {horizon} forecast steps, columns in `known_columns`",
        "center": "float32, each series' scaler center per column (series.<name>.center)",
        "scale": "float32, each series' scaler scale per column (series.<name>.scale)",
        "clip_at_zero": "float32, 1.0 where forecasts are clipped at zero (series.<name>.clip_at_zero), else 0.0",
        "observed": "float32, 1.0 on observed rows, 0.0 on rows before a short series' first row (history zeros there)",
        "static": "float32, numeric static covariates as (value - static.numeric.<name>.center) / scale",
        "categories": "int64, category index per categorical (static.categories; 0 for an unseen label)",
        "row": "float32, one new row of each series in the data's units, columns in `columns`",
        "state": "float32, the encoder's state after the previous row (zeros before the first)",
        "cell": "float32, the LSTM's cell state after the previous row (zeros before the first)",
    }
    outputs = {
        "forecast": "float32 (batch, horizon), the point forecast (a quantile model's median) in the data's units",
        "lower": f"float32 (batch, horizon), lower end of the {settings.interval_level:g} conformal interval",
        "upper": f"float32 (batch, horizon), upper end of the {settings.interval_level:g} conformal interval",
    }
    if isinstance(graph, StepGraph):
        outputs = {"next_state": "float32, the state after this row (feed it back with the next row)",
                   **({"next_cell": "float32, the LSTM cell state after this row"} if graph.lstm else {}), **outputs}
    if calibration.levels:
        outputs["quantiles"] = f"float32 (batch, horizon, {len(calibration.levels)}), calibrated quantiles at `quantiles`"
    frequencies = {name: {"alias": f.alias, "step": f.step} for name, f in pipeline.frequencies_.items()}
    return {
        "format": "grucast-export",
        "version": SIDECAR_VERSION,
        "grucast": __version__,
        "graph": file_name,
        "kind": "step" if isinstance(graph, StepGraph) else "window",
        "engine": fmt,
        "opset": OPSET if fmt == "onnx" else None,
        "model": settings.model,
        "multi_step": settings.multi_step,
        "lookback": lookback,
        "horizon": horizon,
        "target": pipeline.target_,
        "columns": features,
        "known_columns": known,
        "inputs": {name: {"shape": shapes[name], "meaning": described[name]} for name in graph.input_names()},
        "outputs": outputs,
        "quantiles": list(calibration.levels),
        "window_norm": pipeline.window_norm_,
        "calendar": {
            "features": list(pipeline.calendar_),
            "encoding": pipeline.calendar_encoding,
            "rule": "cyclical: (sin(2 pi u / P), cos(2 pi u / P)) per feature; raw: v itself",
            "definitions": {name: _CALENDAR_DOC[name] for name in pipeline.calendar_ if name in CALENDAR_FEATURES},
            "note": "computed from each row's timestamp (history rows and the forecast steps' times), before scaling",
        },
        "frequencies": frequencies,
        "series": {
            name: {
                "center": scaler.center_[row].tolist(),
                "scale": scaler.scale_[row].tolist(),
                "clip_at_zero": bool(pipeline.nonnegative_.get(name, False)),
            }
            for row, name in enumerate(scaler.series_)
        },
        "static": pipeline.static_.to_dict(),
    }


# ------------------------------------------------------------------ running


class ExportedGraph:
    """An exported file and its JSON, run by onnxruntime (``.onnx``) or torch (TorchScript).

    Args:
        path: the graph's file; its JSON must lie beside it (``FILE.json``).
        threads: intra-op threads of the runtime (default: onnxruntime's / torch's own).

    Raises:
        RunFolderError: the graph or its JSON is missing or damaged.
        MissingExtraError: an ONNX graph without onnxruntime installed.
    """

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        self.path = Path(path)
        side = sidecar_path(self.path)
        if not self.path.is_file() or not side.is_file():
            missing = self.path if not self.path.is_file() else side
            raise RunFolderError(f"exported file '{missing}' does not exist; write it with `grucast export`")
        self.spec = read_json(side)
        if not isinstance(self.spec, dict) or self.spec.get("format") != "grucast-export":
            raise RunFolderError(f"'{side}' was not written by grucast export; export the run again")
        self.engine = self.spec["engine"]
        self.input_names = list(self.spec["inputs"])
        self.output_names = list(self.spec["outputs"])
        try:
            if self.engine == "onnx":
                require_onnx()
                import onnxruntime

                options = onnxruntime.SessionOptions()
                if threads:
                    options.intra_op_num_threads = threads
                self._session = onnxruntime.InferenceSession(
                    str(self.path), options, providers=["CPUExecutionProvider"]
                )
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)  # TorchScript is frozen, not gone
                    self._module = torch.jit.load(str(self.path), map_location="cpu").eval()
        except MissingExtraError:
            raise
        except Exception as error:  # the runtimes raise their own types for a damaged file
            raise RunFolderError(
                f"'{self.path}' cannot be loaded as {self.engine} ({str(error).splitlines()[0][:120]}); export the run again"
            ) from None

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Outputs by name for inputs by name (numpy arrays, float32 / int64)."""
        if self.engine == "onnx":
            values = self._session.run(self.output_names, feeds)
        else:
            with torch.no_grad():
                values = self._module(*(torch.from_numpy(feeds[name]) for name in self.input_names))
            values = [value.numpy() for value in values]
        return dict(zip(self.output_names, values))

    def feeds(self, forecaster: Forecaster, history: SeriesSet,
              future: FutureCovariates | dict[str, np.ndarray] | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The graph's inputs for forecasting past the end of each series of ``history``, and the forecast times.

        Scaler constants come from this file's JSON for the series it lists (and from
        the forecaster's pipeline for series it does not: series new since the export).
        """
        pipeline = forecaster.pipeline_for(history)
        history = pipeline.without_excluded(history)
        raw = pipeline.raw_forecast_inputs(history, future)
        table = self.spec["series"]
        rows = [table.get(name) or _constants(pipeline, name) for name in raw.names]
        feeds: dict[str, np.ndarray] = {
            "history": raw.history.astype(np.float32),
            "known_future": raw.known_future.astype(np.float32),
            "center": np.array([row["center"] for row in rows], dtype=np.float32),
            "scale": np.array([row["scale"] for row in rows], dtype=np.float32),
            "clip_at_zero": np.array([float(row["clip_at_zero"]) for row in rows], dtype=np.float32),
            "observed": raw.observed.astype(np.float32),
        }
        static, categories = pipeline.static_.encode(history)
        if static is not None:
            feeds["static"] = static.numpy()
        if categories is not None:
            feeds["categories"] = categories.numpy()
        return {name: feeds[name] for name in self.input_names}, raw.times

    def predict(self, forecaster: Forecaster, history: SeriesSet,
                future: FutureCovariates | dict[str, np.ndarray] | None = None) -> pd.DataFrame:
        """Forecasts as :meth:`grucast.api.Forecaster.predict` writes them, computed by the exported graph."""
        feeds, times = self.feeds(forecaster, history, future)
        out = self.run(feeds)
        names = forecaster.pipeline_.without_excluded(history).names
        horizon = out["forecast"].shape[1]
        frame = {
            "series": np.repeat(np.array(names, dtype=object), horizon),
            "time": times.reshape(-1),
            "step": np.tile(np.arange(1, horizon + 1), len(names)),
            "value": out["forecast"].astype(np.float64).reshape(-1),
            "lower": out["lower"].astype(np.float64).reshape(-1),
            "upper": out["upper"].astype(np.float64).reshape(-1),
        }
        for j, level in enumerate(self.spec["quantiles"]):
            frame[f"q{level:g}"] = out["quantiles"][:, :, j].astype(np.float64).reshape(-1)
        return pd.DataFrame(frame)


def _constants(pipeline: Any, name: str) -> dict[str, Any]:
    row = pipeline.scaler_.index(name)
    return {
        "center": pipeline.scaler_.center_[row].tolist(), "scale": pipeline.scaler_.scale_[row].tolist(),
        "clip_at_zero": bool(pipeline.nonnegative_.get(name, False)),
    }


def predict_with_engine(
    forecaster: Forecaster, run_dir: Path | None, history: SeriesSet,
    future: FutureCovariates | dict[str, np.ndarray] | None = None, fmt: str = "onnx",
) -> tuple[pd.DataFrame, str]:
    """Forecast through an exported graph: ``run_dir/model.<onnx|pt>`` if the run has one, else exported now.

    Returns:
        The forecasts and a note saying which file computed them.
    """
    check_format(fmt)
    if fmt == "onnx":
        require_onnx()
    name = "model.onnx" if fmt == "onnx" else "model.pt"
    stored = run_dir / name if run_dir is not None else None
    if stored is not None and stored.is_file() and sidecar_path(stored).is_file():
        return ExportedGraph(stored).predict(forecaster, history, future), f"forecasts computed by {stored}"
    with tempfile.TemporaryDirectory(prefix="grucast-export-") as folder:
        path = export(forecaster, Path(folder) / name, fmt)
        frame = ExportedGraph(path).predict(forecaster, history, future)
    return frame, f"the run has no {name}: exported it to a temporary file for these forecasts"
