"""``grucast tune``: search a forecaster's settings on the validation part, then refit the best.

Every trial trains a :class:`~grucast.api.Forecaster` with the shared settings plus
the values its sampler drew, and is scored by its **validation** MASE; the test
part is never forecast while searching. After the search, the best trial's
settings are trained again and scored on the test part beside the baselines,
exactly as ``grucast train`` does (:func:`grucast.api.runs.train_run`).

The output folder::

    study.db        the Optuna study (unless --storage names another database)
    tune.json       which study and storage the folder belongs to
    best.toml       the best settings, for ``grucast train --config best.toml``
    trials.csv      one row per trial: state, validation MASE, values, time, worker
    plots/          optimisation history, parameter importances
    report.md       the search and the refit in one page
    best/           the refit run folder (metrics.json on the test part, ...)
    logs/           TensorBoard / MLflow logs of the trials, when asked for
"""

from __future__ import annotations

import gc
import json
import math
import os
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from grucast import __version__
from grucast import settings as settings_table
from grucast.api.forecaster import Forecaster
from grucast.api.run_folder import is_run_folder
from grucast.data.frame import SeriesSet
from grucast.errors import InputError, RunFolderError, option
from grucast.settings import Settings
from grucast.training.fit import check_loggers
from grucast.tuning.pruning import ValidationPruning
from grucast.tuning.space import SearchSpace, default_space, load_space, parse_space
from grucast.tuning.study import import_optuna, open_storage, open_study, quiet_optuna

#: The marker file of a tuning folder.
MARKER = "tune.json"
#: Settings that say where and how a trial runs or is logged, not what it is: left out of
#: a study's record (workers on different machines may differ in them) and out of best.toml.
_LOCAL_SETTINGS = (
    "accelerator", "devices", "strategy", "num_nodes", "threads", "progress", "logger", "tracking_dir",
)


class TrialFailed(Exception):
    """A trial that could not be scored (recorded as failed in the study, with the reason)."""


@dataclass
class TuneResult:
    """What a search found.

    Attributes:
        out: the tuning folder.
        study_name: the study's name; ``storage``: its URL (password hidden).
        trials: the trials table (as ``trials.csv``).
        best_value: the best validation MASE.
        best_params: the best trial's searched values.
        best_settings: the settings ``best.toml`` holds (shared settings and best values).
        test_metrics: the refit's ``metrics.json`` (test part, with baselines), or ``None``.
        search_seconds: wall time of this call's trials.
        new_trials: trials this call ran.
    """

    out: Path
    study_name: str
    storage: str
    trials: pd.DataFrame
    best_value: float
    best_params: dict[str, Any]
    best_settings: dict[str, Any]
    test_metrics: dict[str, Any] | None
    search_seconds: float
    new_trials: int


def tune(
    data: SeriesSet,
    out: str | Path,
    *,
    trials: int = 20,
    timeout: float | None = None,
    space: SearchSpace | Mapping[str, Any] | str | Path | None = None,
    storage: str | None = None,
    study: str = "grucast",
    prune: bool = True,
    refit: bool = True,
    config: Mapping[str, Any] | None = None,
    echo: Callable[[str], None] = lambda _: None,
    **settings: Any,
) -> TuneResult:
    """Search settings on the validation part, write the results, refit the best on the test part.

    Args:
        data: the series.
        out: the tuning folder: new, empty, or one an earlier call wrote for the same
            study (the search then continues where it stopped).
        trials: the study's size: trials are added until it holds this many (complete,
            pruned, failed, or running in another process). A resumed or shared study
            counts the trials it already has.
        timeout: seconds after which no new trial starts (``None``: no limit).
        space: the search space: a :class:`SearchSpace`, a mapping in the file's
            form, or a TOML/YAML file (see :mod:`grucast.tuning.space`); the default
            space if omitted. Settings passed in ``settings`` are fixed and left out of it.
        storage: an RDB URL shared by several processes (``postgresql://...``,
            ``mysql://...``, ``sqlite:///path.db``); ``out/study.db`` if omitted.
        study: the study's name in the storage.
        prune: stop trials whose validation MASE after an epoch is worse than the
            median of earlier trials at that epoch.
        refit: train the best settings again and score them on the test part
            (``out/best``); without it only the search's outputs are written.
        config: more options to write at the top of ``best.toml`` (the command line
            passes ``data`` and the reader's options, so ``grucast train --config
            best.toml`` reads the same file).
        echo: where progress lines go.
        **settings: settings shared by every trial (any :class:`~grucast.api.Forecaster`
            parameter); e.g. ``epochs=5, max_batches=50`` to keep trials cheap.

    Returns:
        A :class:`TuneResult`.

    Raises:
        MissingExtraError: Optuna is not installed.
        InputError: a bad space, storage, setting or output folder, a study that
            searches something else, or a search in which no trial completed.
    """
    import_optuna()
    if not isinstance(data, SeriesSet):
        raise InputError(f"tune expects a SeriesSet, got {type(data).__name__}; read files with grucast.data.read_series")
    if not isinstance(trials, int) or isinstance(trials, bool) or trials < 0:
        raise InputError(f"trials must be a whole number >= 0, got {trials!r}")
    if timeout is not None and not timeout > 0:
        raise InputError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if not isinstance(study, str) or not study.strip():
        raise InputError(f"study must be a non-empty name, got {study!r}")
    shared = Settings(**settings)
    if shared.val_size == 0:
        raise InputError(
            f"tune scores every trial on the validation part, but {option('val_size', 0)} leaves none; "
            f"give {option('val_size', 0.1)} or similar"
        )
    check_loggers(shared.logger)  # before any trial: a missing extra would fail every one of them
    searched = _space(space).without(frozenset(settings))
    if not searched.params:
        raise InputError("nothing to search: every setting of the search space is fixed by an option; fix fewer")
    unit = _season_unit(shared, data)
    signature = {
        "space": searched.to_dict(),
        "unit": unit,
        "settings": {k: v for k, v in shared.to_dict().items() if k not in _LOCAL_SETTINGS},
        "data": {"series": list(data.names), "lengths": [int(n) for n in data.lengths.values()]},
    }
    out = Path(out)
    where = storage or str(out / "study.db")
    _check_tune_dir(out, study, where)
    created = not out.exists()
    try:
        url = storage or f"sqlite:///{(out / 'study.db').resolve()}"
        if storage is None:
            out.mkdir(parents=True, exist_ok=True)
        with quiet_optuna():
            backend = open_storage(url)
            found = open_study(backend, study, signature, seed=shared.seed, prune=prune, where=where)
        out.mkdir(parents=True, exist_ok=True)
        (out / MARKER).write_text(json.dumps({"grucast": __version__, "study": study, "storage": where}, indent=2) + "\n")
    except BaseException:
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise

    given = {k: v for k, v in settings.items() if settings_table.describe(k)["cli"] is not None}
    objective = _Objective(data, shared, searched, unit, out, given_tracking=shared.tracking_dir is not None, echo=echo)
    echo(
        f"searching {', '.join(searched.names)} in study {study!r} ({where}); "
        f"{_counted(found)} of {trials} trials done"
    )
    start = time.perf_counter()
    ran = 0
    optuna = import_optuna()
    scratch = out / f".scratch-{uuid.uuid4().hex[:8]}"
    objective.scratch = scratch
    # Each trial ends with a full garbage collection (a trainer's cycles can hold tensors);
    # with the libraries' millions of objects frozen out of it, it takes milliseconds, not 0.5 s.
    gc.freeze()
    try:
        with quiet_optuna():
            while True:
                # A trial whose process was killed stays "running" until its heartbeat goes
                # stale; failing it here lets a resumed study run its place again.
                optuna.storages.fail_stale_trials(found)
                if _counted(found) >= trials:
                    break
                if timeout is not None and time.perf_counter() - start >= timeout:
                    echo(f"timeout: no new trial after {timeout:g} s")
                    break
                # One trial per call: the count is read from the storage between trials,
                # so processes sharing the study stop together at `trials`.
                found.optimize(objective, n_trials=1, catch=(InputError, TrialFailed), gc_after_trial=True)
                ran += 1
    finally:
        gc.unfreeze()
        shutil.rmtree(scratch, ignore_errors=True)
    seconds = time.perf_counter() - start

    table = trials_table(found)
    complete = found.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if not complete:
        _write_outputs(out, table, None, {}, None, found, study, where)
        raise InputError(
            f"no trial of study {study!r} completed ({len(table)} ran; see {out / 'trials.csv'} for why); "
            "widen the search space or train longer"
        )
    best = found.best_trial
    best_settings = {**given, **best.params}
    best_config = {**{k: v for k, v in (config or {}).items() if v is not None}, **_toml_ready(best_settings)}
    metrics = None
    if refit:
        from grucast.api.runs import train_run

        echo(f"refitting trial {best.number} (validation MASE {best.value:.4f}) and scoring it on the test part ...")
        forecaster = Forecaster(**{**settings, **best.params})
        metrics = train_run(data, forecaster, out / "best", force=True, flag="--force", echo=echo)
    importances = _importances(found)
    _write_outputs(out, table, best, best_config, metrics, found, study, where, importances)
    return TuneResult(
        out=out, study_name=study, storage=where, trials=table, best_value=float(best.value),
        best_params=dict(best.params), best_settings=best_settings, test_metrics=metrics,
        search_seconds=seconds, new_trials=ran,
    )


# ------------------------------------------------------------------ the objective


class _Objective:
    """Train and score one trial; failures that are the settings' fault become failed trials."""

    def __init__(
        self, data: SeriesSet, shared: Settings, space: SearchSpace, unit: int, out: Path, *,
        given_tracking: bool, echo: Callable[[str], None],
    ) -> None:
        self.data = data
        self.shared = shared
        self.space = space
        self.unit = unit
        self.out = out
        self.given_tracking = given_tracking
        self.echo = echo
        self.scratch = out / ".scratch"
        self.worker = f"{socket.gethostname()}:{os.getpid()}"

    def __call__(self, trial: Any) -> float:
        optuna = import_optuna()
        trial.set_user_attr("worker", self.worker)
        values = self.space.suggest(trial, self.unit)
        label = ", ".join(f"{k}={_short(v)}" for k, v in values.items())
        changes: dict[str, Any] = {**values, "progress": False}
        if any(name != "csv" for name in self.shared.logger) and not self.given_tracking:
            changes["tracking_dir"] = str((self.out / "logs").resolve())  # one store for every trial
        folder = self.scratch / f"trial-{trial.number:04d}"
        started = time.perf_counter()
        try:
            settings = self.shared.replace(**changes)
            forecaster = Forecaster(**settings.to_dict())
            pruning = ValidationPruning(trial, self.data)
            folder.mkdir(parents=True)
            forecaster.fit(self.data, run_dir=folder, callbacks=[pruning])
            result = forecaster.fit_result_
            trial.set_user_attr("epochs_run", result.epochs_run)
            trial.set_user_attr("train_seconds", round(result.train_seconds, 3))
            if pruning.diverged:
                raise TrialFailed("the validation forecasts stopped being finite numbers (training diverged)")
            if pruning.pruned_epoch is not None:
                trial.set_user_attr("pruned_epoch", pruning.pruned_epoch)
                self.echo(f"trial {trial.number}: pruned after epoch {pruning.pruned_epoch} ({label})")
                raise optuna.TrialPruned()
            scores = forecaster.evaluate(part="val")
            value = float(scores.model.overall["mase"])
            if not math.isfinite(value):
                raise TrialFailed(f"validation MASE is {value} (no finite score)")
            trial.set_user_attr("val_seasonal_naive_mase", scores.baselines["seasonal_naive"].overall["mase"])
            trial.set_user_attr("lookback", forecaster.settings_.lookback)
        except (InputError, TrialFailed) as error:
            reason = " ".join(str(error).split()) or type(error).__name__
            trial.set_user_attr("error", reason)
            self.echo(f"trial {trial.number}: failed: {reason}")
            raise
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        seconds = time.perf_counter() - started
        self.echo(f"trial {trial.number}: validation MASE {value:.4f} in {seconds:.0f} s ({label})")
        return value


def _counted(study: Any) -> int:
    """Trials that count toward the study's size: ended (complete, pruned, failed by its settings) or running.

    A trial failed by an interrupt or a killed process (no recorded reason) does not
    count: its place is taken by a new trial when the study resumes. Nor does one
    waiting in the queue (``study.enqueue_trial``): the next trial started runs it.
    """
    optuna = import_optuna()
    state = optuna.trial.TrialState
    counted = 0
    for trial in study.get_trials(deepcopy=False):
        if trial.state in (state.COMPLETE, state.PRUNED, state.RUNNING):
            counted += 1
        elif trial.state == state.FAIL and "error" in trial.user_attrs:
            counted += 1
    return counted


# ------------------------------------------------------------------ helpers


def _space(space: SearchSpace | Mapping[str, Any] | str | Path | None) -> SearchSpace:
    if space is None:
        return default_space()
    if isinstance(space, SearchSpace):
        return space
    if isinstance(space, Mapping):
        return parse_space(space)
    return load_space(space)


def _season_unit(shared: Settings, data: SeriesSet) -> int:
    """The size of ``unit = "season"``: the data's season, or the horizon when it has none."""
    pipeline = shared.make_pipeline().fit(data)
    return int(pipeline.season_) if pipeline.season_ > 1 else int(pipeline.horizon_)


def _check_tune_dir(out: Path, study: str, where: str) -> None:
    """Refuse an output folder that is neither new, empty, nor this study's tuning folder."""
    if out.exists() and not out.is_dir():
        raise RunFolderError(f"output '{out}' is a file, not a folder; choose another output folder")
    if not out.exists() or not any(out.iterdir()):
        return
    marker = out / MARKER
    if not marker.is_file():
        kind = "a grucast run folder" if is_run_folder(out) else "not a grucast tuning folder"
        raise RunFolderError(
            f"output folder '{out}' already exists and is {kind}; choose another output folder "
            "(a tuning folder is continued, never anything else)"
        )
    try:
        recorded = json.loads(marker.read_text())
    except (OSError, ValueError):
        raise RunFolderError(f"'{marker}' cannot be read; the tuning folder is damaged") from None
    if recorded.get("study") != study or recorded.get("storage") != where:
        raise RunFolderError(
            f"output folder '{out}' belongs to study {recorded.get('study')!r} in {recorded.get('storage')}; "
            "pass that study and storage to continue it, or choose another output folder"
        )


def _short(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _toml_ready(values: Mapping[str, Any]) -> dict[str, Any]:
    """Settings as ``grucast train`` options: command-line settings only, none of the local ones."""
    out = {}
    for name, value in values.items():
        if name in _LOCAL_SETTINGS or value is None or settings_table.describe(name)["cli"] is None:
            continue
        out[name] = list(value) if isinstance(value, tuple) else value
    return out


def trials_table(study: Any) -> pd.DataFrame:
    """One row per trial: number, state, validation MASE, searched values, epochs, seconds, worker, error.

    A pruned trial's ``value`` is its last reported validation MASE.
    """
    names = sorted({name for trial in study.get_trials(deepcopy=False) for name in trial.params})
    rows = []
    for trial in study.get_trials(deepcopy=False):
        value = trial.value
        if value is None and trial.intermediate_values:
            value = trial.intermediate_values[max(trial.intermediate_values)]
        duration = trial.duration.total_seconds() if trial.duration is not None else None
        attrs = trial.user_attrs
        rows.append({
            "number": trial.number,
            "state": trial.state.name,
            "value": value,
            **{name: trial.params.get(name) for name in names},
            "epochs_run": attrs.get("epochs_run"),
            "pruned_epoch": attrs.get("pruned_epoch"),
            "seconds": None if duration is None else round(duration, 2),
            "worker": attrs.get("worker"),
            "error": attrs.get("error", "" if trial.state.name != "FAIL" else "interrupted"),
        })
    return pd.DataFrame(rows)


def _importances(study: Any) -> dict[str, float]:
    """Parameter importances (PED-ANOVA: no scikit-learn needed), empty when too few trials completed."""
    optuna = import_optuna()
    try:
        with quiet_optuna():
            evaluator = optuna.importance.PedAnovaImportanceEvaluator()
            return {k: float(v) for k, v in optuna.importance.get_param_importances(study, evaluator=evaluator).items()}
    except (ValueError, RuntimeError, ZeroDivisionError):
        return {}


def to_toml(values: Mapping[str, Any], comments: tuple[str, ...] = ()) -> str:
    """A flat TOML document of plain values (text, numbers, true/false, lists of those)."""

    def literal(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return repr(value) if math.isfinite(value) else ("nan" if math.isnan(value) else ("inf" if value > 0 else "-inf"))
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(literal(v) for v in value) + "]"
        return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string

    lines = [f"# {line}" for line in comments]
    lines += [f"{key} = {literal(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def _write_outputs(
    out: Path, table: pd.DataFrame, best: Any, config: dict[str, Any], metrics: dict[str, Any] | None,
    study: Any, study_name: str, where: str, importances: dict[str, float] | None = None,
) -> None:
    """best.toml, trials.csv, plots and report.md: each written aside and moved into place."""
    from grucast import plotting

    staging = Path(tempfile.mkdtemp(prefix=".outputs-", dir=out))
    try:
        table.to_csv(staging / "trials.csv", index=False)
        plots = staging / "plots"
        plots.mkdir()
        figures = []
        if len(table):
            plotting.save_figure(plotting.plot_optimization_history(table), plots / "history.png")
            figures.append("history.png")
        if importances:
            plotting.save_figure(plotting.plot_param_importances(importances), plots / "importance.png")
            figures.append("importance.png")
        if best is not None:
            comments = (
                f"grucast tune: study {study_name!r} ({where}), trial {best.number} of {len(table)},",
                f"validation MASE {best.value:.6g}. Train with: grucast train --config best.toml --out DIR",
            )
            (staging / "best.toml").write_text(to_toml(config, comments))
        (staging / "report.md").write_text(_report(table, best, config, metrics, importances or {}, figures,
                                                   study_name, where))
        for item in sorted(staging.iterdir()):
            target = out / item.name
            if item.is_dir() and target.exists():
                shutil.rmtree(target)
            os.replace(item, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _report(
    table: pd.DataFrame, best: Any, config: dict[str, Any], metrics: dict[str, Any] | None,
    importances: dict[str, float], figures: list[str], study_name: str, where: str,
) -> str:
    counts = table["state"].value_counts().to_dict() if len(table) else {}
    lines = [
        f"# grucast tune: study `{study_name}`",
        "",
        f"Storage: `{where}`. Trials: {len(table)} "
        f"({', '.join(f'{n} {s.lower()}' for s, n in sorted(counts.items()))}). "
        "Every trial is scored by its MASE on the **validation** part; the test part is used only by the refit below.",
        "",
    ]
    if best is not None:
        lines += [
            f"## Best trial: {best.number} (validation MASE {best.value:.4g})",
            "",
            "| setting | value |",
            "|---|---|",
            *[f"| {k} | `{v}` |" for k, v in best.params.items()],
            "",
            "`best.toml` holds these with the shared settings: `grucast train --config best.toml --out DIR`.",
            "",
        ]
    if metrics is not None:
        from grucast.api.report import metrics_table

        lines += ["## Refit, scored on the test part (`best/`)", "", metrics_table(metrics), "",
                  f"Trained in {metrics['train_seconds']:.0f} s; see `best/report.md`.", ""]
    if figures:
        lines += ["## Search", ""] + [f"![{name}](plots/{name})" for name in figures] + [""]
    if importances:
        lines += ["| setting | importance |", "|---|---:|"]
        lines += [f"| {k} | {v:.3f} |" for k, v in sorted(importances.items(), key=lambda kv: -kv[1])] + [""]
    failed = table[table["state"] == "FAIL"] if len(table) else table
    if len(failed):
        lines += ["## Failed trials", ""] + [f"- trial {r.number}: {r.error}" for r in failed.itertuples()] + [""]
    lines += ["All trials: `trials.csv`."]
    return "\n".join(lines) + "\n"
