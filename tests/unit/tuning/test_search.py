"""grucast.api.tune end to end on tiny data: outputs, no test leakage, seeds, resuming, failures, pruning, workers."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest

from grucast.api import tune
from grucast.errors import InputError
from grucast.tuning import study as study_module
from tune_data import FAST, SPACE, TEST_ROWS, series_of

#: The columns of trials.csv that depend only on the search, not on timing or the process.
SEARCH_COLUMNS = ["number", "state", "value", "lr", "lookback", "epochs_run"]
WORKER = Path(__file__).with_name("worker_script.py")


def searched(table: pd.DataFrame) -> pd.DataFrame:
    return table[SEARCH_COLUMNS].reset_index(drop=True)


@pytest.fixture(scope="module")
def study(tmp_path_factory, data):
    """Three trials of the small space, with the refit: shared by the tests that only read it."""
    out = tmp_path_factory.mktemp("tune") / "study"
    return tune(data, out, trials=3, space=SPACE, **FAST)


def test_a_tiny_study_writes_best_toml_trials_plots_report_and_the_refit(study):
    out = study.out
    table = pd.read_csv(out / "trials.csv")
    assert list(table["number"]) == [0, 1, 2] and set(table["state"]) == {"COMPLETE"}
    assert study.new_trials == 3
    best_row = table.loc[table["value"].idxmin()]
    assert study.best_value == pytest.approx(best_row["value"], rel=1e-12)
    assert study.best_params == {"lr": pytest.approx(best_row["lr"], rel=1e-12), "lookback": best_row["lookback"]}
    assert set(table["lookback"]) <= {24, 48}
    assert table["lr"].between(1e-3, 3e-2).all()

    best = tomllib.loads((out / "best.toml").read_text())
    # The searched values exactly, the shared settings, and nothing about this machine (threads, progress).
    assert best == {"horizon": 6, "epochs": 2, "hidden_size": 8, "num_layers": 1, "test_size": 48, "val_size": 48,
                    "seed": 0, "lr": study.best_params["lr"], "lookback": study.best_params["lookback"]}

    assert (out / "plots" / "history.png").stat().st_size > 1000
    assert (out / "plots" / "importance.png").stat().st_size > 1000
    report = (out / "report.md").read_text()
    assert f"## Best trial: {int(best_row['number'])} (validation MASE {study.best_value:.4g})" in report
    assert "Trials: 3 (3 complete)" in report

    metrics = json.loads((out / "best" / "metrics.json").read_text())
    assert metrics["model"]["mase"] == study.test_metrics["model"]["mase"]
    assert set(metrics["baselines"]) == {"naive", "seasonal_naive"}
    refit = json.loads((out / "best" / "config.json").read_text())["settings"]
    assert refit["lr"] == study.best_params["lr"] and refit["lookback"] == study.best_params["lookback"]


def test_changing_only_the_test_period_changes_no_trial_and_not_the_choice(study, frame, tmp_path):
    changed = frame[["time", "region", "load"]].copy()
    last = changed.groupby("region").cumcount(ascending=False) < TEST_ROWS
    changed.loc[last, "load"] = changed.loc[last, "load"] * 3 + 100
    other = tune(series_of(changed), tmp_path / "changed", trials=3, space=SPACE, **FAST)
    pd.testing.assert_frame_equal(searched(other.trials), searched(study.trials))
    assert other.best_params == study.best_params
    # The test part did change: the refit scored on it says so.
    assert other.test_metrics["model"]["mase"] != pytest.approx(study.test_metrics["model"]["mase"], rel=1e-3)


def test_the_same_seed_gives_the_same_sqlite_study_and_another_seed_does_not(study, data, tmp_path):
    again = tune(data, tmp_path / "again", trials=3, space=SPACE, refit=False, **FAST)
    pd.testing.assert_frame_equal(searched(again.trials), searched(study.trials))
    stored = optuna.load_study(study_name="grucast", storage=f"sqlite:///{tmp_path / 'again' / 'study.db'}")
    assert [t.params for t in stored.trials] == [t for t in study.trials[["lr", "lookback"]].to_dict("records")]
    other = tune(data, tmp_path / "seed1", trials=3, space=SPACE, refit=False, **{**FAST, "seed": 1})
    assert list(other.trials["lr"]) != list(study.trials["lr"])


def test_a_study_resumes_after_an_interrupt_and_grows_to_the_total(data, tmp_path):
    out = tmp_path / "resumed"

    def interrupt_after_trial_1(line: str) -> None:
        if line.startswith("trial 1: validation MASE"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tune(data, out, trials=3, space=SPACE, refit=False, echo=interrupt_after_trial_1, **FAST)
    first = tune(data, out, trials=3, space=SPACE, refit=False, **FAST)
    # The interrupted trial is kept as failed ("interrupted") and does not count: two new ones take its place.
    assert first.new_trials == 2
    assert list(first.trials["state"]) == ["COMPLETE", "FAIL", "COMPLETE", "COMPLETE"]
    assert first.trials.loc[1, "error"] == "interrupted"
    grown = tune(data, out, trials=5, space=SPACE, refit=False, **FAST)
    assert grown.new_trials == 2
    assert list(grown.trials["number"]) == [0, 1, 2, 3, 4, 5]
    assert (grown.trials["state"] == "COMPLETE").sum() == 5
    assert not list(out.glob(".scratch-*"))
    summary = tune(data, out, trials=0, space=SPACE, refit=False, **FAST)  # summarises, runs nothing
    assert summary.new_trials == 0 and len(summary.trials) == 6 and summary.best_value == grown.best_value


def test_a_trial_left_running_by_a_killed_worker_is_run_again(data, tmp_path, monkeypatch):
    monkeypatch.setattr(study_module, "HEARTBEAT_SECONDS", 1)  # stale after 2 s instead of 2 min
    out = tmp_path / "killed"
    tune(data, out, trials=1, space=SPACE, refit=False, **FAST)
    storage = optuna.storages.RDBStorage(f"sqlite:///{out / 'study.db'}", heartbeat_interval=1, grace_period=2)
    orphan = optuna.load_study(study_name="grucast", storage=storage).ask()  # a worker starts trial 1 ...
    storage.record_heartbeat(orphan._trial_id)  # ... beats once, and is killed
    time.sleep(4.0)  # past the 2 s grace with a margin: heartbeats are stored to the second
    result = tune(data, out, trials=2, space=SPACE, refit=False, **FAST)
    assert result.new_trials == 1
    assert list(result.trials["state"]) == ["COMPLETE", "FAIL", "COMPLETE"]


def test_a_trial_that_its_settings_make_fail_is_recorded_as_failed(frame, tmp_path):
    # Recursive forecasts need future inputs, which past-only covariates lack: those trials fail, the others run.
    data = series_of(frame, past_covariates="temp")
    space = {"multi_step": {"choices": ["direct", "recursive"]}, "lr": {"low": 1e-3, "high": 3e-2, "log": True}}
    lines: list[str] = []
    result = tune(data, tmp_path / "failing", trials=4, space=space, refit=False, echo=lines.append,
                  **{**FAST, "lookback": 24})
    table = result.trials
    failed, complete = table[table["multi_step"] == "recursive"], table[table["multi_step"] == "direct"]
    assert len(failed) >= 1 and len(complete) >= 1, table
    assert set(failed["state"]) == {"FAIL"} and set(complete["state"]) == {"COMPLETE"}
    assert failed["error"].str.contains("past-only covariates").all()
    assert result.best_params["multi_step"] == "direct"
    assert sum("failed: recursive forecasts" in line for line in lines) == len(failed)
    assert "## Failed trials" in (tmp_path / "failing" / "report.md").read_text()


def test_a_search_in_which_every_trial_fails_is_refused_after_writing_the_table(frame, tmp_path):
    data = series_of(frame, past_covariates="temp")
    with pytest.raises(InputError, match=r"no trial of study 'grucast' completed \(2 ran; see .*trials.csv"):
        tune(data, tmp_path / "all-fail", trials=2, space={"multi_step": {"choices": ["recursive"]}},
             refit=False, **{**FAST, "lookback": 24})
    assert list(pd.read_csv(tmp_path / "all-fail" / "trials.csv")["state"]) == ["FAIL", "FAIL"]


def test_the_median_pruner_stops_a_trial_that_falls_behind(data, tmp_path):
    out = tmp_path / "pruned"
    space = {"lr": {"low": 1e-7, "high": 0.1, "log": True}}
    # No seasonal skip: with it, a network that barely trains already forecasts the last season.
    settings = {**FAST, "lookback": 24, "skip": "none"}
    with pytest.raises(InputError, match="no trial"):  # creates the study, runs nothing
        tune(data, out, trials=0, space=space, refit=False, **settings)
    stored = optuna.load_study(study_name="grucast", storage=f"sqlite:///{out / 'study.db'}")
    for _ in range(5):  # the pruner's five startup trials, all good
        stored.enqueue_trial({"lr": 0.03})
    stored.enqueue_trial({"lr": 1e-7})  # then one that barely trains
    result = tune(data, out, trials=6, space=space, refit=False, **settings)
    table = result.trials
    assert list(table["state"]) == ["COMPLETE"] * 5 + ["PRUNED"]
    # Pruned after its second epoch (the first is never judged), with a score far behind the others'.
    assert table.loc[5, "pruned_epoch"] == 1 and table.loc[5, "epochs_run"] == 2
    assert table.loc[5, "value"] > 2 * table.loc[:4, "value"].max()
    assert result.best_params == {"lr": 0.03}


@pytest.mark.slow  # a second Python process imports torch and Lightning: 10-20 s on 2 shared cores
def test_two_worker_processes_sharing_one_sqlite_study_finish_the_total(data, tmp_path):
    # One worker in a new process, the other in this one (already imported: half the start-up cost);
    # both open the new database at the same moment, as two workers started together do.
    storage, ready, total = f"sqlite:///{tmp_path / 'shared.db'}", tmp_path / "ready", 6
    other = subprocess.Popen(
        [sys.executable, str(WORKER), storage, str(tmp_path / "worker-0"), str(total), str(ready), "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (ready / "0").exists() and other.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        (ready / "1").touch()
        here = tune(data, tmp_path / "worker-1", trials=total, space=SPACE, storage=storage, study="shared",
                    refit=False, prune=False, **FAST)
        stdout, stderr = other.communicate(timeout=300)
    finally:
        other.kill()
    assert other.returncode == 0, stderr
    ran = [here.new_trials, json.loads(stdout.strip().splitlines()[-1])["new_trials"]]
    stored = optuna.load_study(study_name="shared", storage=storage)
    assert sorted(t.number for t in stored.trials) == list(range(total))
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in stored.trials)
    assert sum(ran) == total and min(ran) >= 1, ran
    assert len({t.user_attrs["worker"] for t in stored.trials}) == 2
    assert np.isfinite([t.value for t in stored.trials]).all()
