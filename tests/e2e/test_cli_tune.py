"""`grucast tune` from the command line: outputs, best.toml fed to `grucast train`, and every refusal."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from cli_data import COLUMNS, FAST
from grucast.cli.main import main
from test_cli_bad_input import folder_state

SPACE = 'lr = { low = 1e-3, high = 3e-2, log = true }\nmodel = { choices = ["gru", "lstm"] }\n'


def one_error_line(capsys) -> str:
    """The single line a refusal prints on stderr (no traceback, nothing else)."""
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ") and "Traceback" not in lines[0]
    return lines[0]


@pytest.fixture
def space(tmp_path) -> Path:
    path = tmp_path / "space.toml"
    path.write_text(SPACE)
    return path


def test_tune_writes_its_outputs_and_train_accepts_best_toml_unchanged(load_csv, space, tmp_path, capsys):
    out = tmp_path / "tune"
    code = main(["tune", "--data", str(load_csv), *COLUMNS, *FAST, "--trials", "3", "--space", str(space),
                 "--logger", "tensorboard", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "3 trials (3 complete); 3 run here" in printed
    for name in ("best.toml", "trials.csv", "report.md", "plots/history.png", "tune.json", "best/metrics.json"):
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "trials.csv")
    assert list(table["state"]) == ["COMPLETE"] * 3 and set(table["model"]) <= {"gru", "lstm"}
    # Each trial logged to the tuning folder's TensorBoard store, under its own name.
    assert sorted(p.name for p in (out / "logs" / "tensorboard").iterdir()) == ["trial-0000", "trial-0001", "trial-0002"]
    assert all(list(p.glob("events.out.tfevents.*")) for p in (out / "logs" / "tensorboard").iterdir())

    best_text = (out / "best.toml").read_text()
    best = tomllib.loads(best_text)
    winner = table.loc[table["value"].idxmin()]
    assert best["data"] == str(load_csv) and best["series_col"] == "region"
    assert best["model"] == winner["model"] and best["lr"] == pytest.approx(winner["lr"], rel=1e-12)
    assert best["lookback"] == 24 and best["hidden_size"] == 8 and "threads" not in best and "quiet" not in best

    run = tmp_path / "again"
    code = main(["train", "--config", str(out / "best.toml"), "--threads", "1", "--quiet", "--out", str(run)])
    assert code == 0, capsys.readouterr().err
    assert (out / "best.toml").read_text() == best_text
    trained = json.loads((run / "config.json").read_text())["settings"]
    assert (trained["model"], trained["lr"]) == (best["model"], best["lr"])
    # The same settings and seed reproduce the refit's test score.
    refit = json.loads((out / "best" / "metrics.json").read_text())
    again = json.loads((run / "metrics.json").read_text())
    assert again["model"]["mase"] == pytest.approx(refit["model"]["mase"], rel=1e-9)


REFUSED = {
    "unknown parameter": ('colour = { choices = ["red"] }\n', r"unknown parameter 'colour'; searchable settings are "),
    "empty range": ("lr = { low = 0.1, high = 0.01 }\n", r"lr: the range is empty \(low 0.1 is above high 0.01\)"),
    "task setting": ("horizon = { low = 6, high = 12 }\n", r"horizon cannot be searched"),
    "bad toml": ("lr = {\n", r"is not valid"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_bad_space_file_exits_2_with_one_line(case, load_csv, tmp_path, capsys):
    text, pattern = REFUSED[case]
    space = tmp_path / "space.toml"
    space.write_text(text)
    out = tmp_path / "tune"
    code = main(["tune", "--data", str(load_csv), *COLUMNS, *FAST, "--space", str(space), "--out", str(out)])
    assert code == 2
    assert re.search(pattern, one_error_line(capsys))
    assert not out.exists()


@pytest.mark.parametrize(
    ("storage", "pattern"),
    [
        ("redis://localhost/0", r"storage 'redis://localhost/0' uses 'redis'; grucast tune stores studies in"),
        ("nonsense", r"storage 'nonsense' is not a database URL"),
        ("sqlite:///{tmp}/no/such/folder/study.db", r"cannot open storage 'sqlite:///.*study.db'"),
    ],
)
def test_a_bad_storage_url_exits_2_with_one_line(storage, pattern, load_csv, space, tmp_path, capsys):
    out = tmp_path / "tune"
    code = main(["tune", "--data", str(load_csv), *COLUMNS, *FAST, "--space", str(space),
                 "--storage", storage.format(tmp=tmp_path), "--out", str(out)])
    assert code == 2
    assert re.search(pattern, one_error_line(capsys))
    assert not out.exists()


def test_a_study_whose_stored_space_differs_is_refused_and_left_as_it_was(load_csv, space, tmp_path, capsys):
    out = tmp_path / "tune"
    args = ["tune", "--data", str(load_csv), *COLUMNS, *FAST, "--trials", "1", "--no-refit", "--out", str(out)]
    assert main([*args, "--space", str(space)]) == 0
    capsys.readouterr()
    before = folder_state(out)
    other = tmp_path / "other.toml"
    other.write_text("lr = { low = 1e-4, high = 1e-1, log = true }\n")
    assert main([*args, "--space", str(other), "--trials", "2"]) == 2
    line = one_error_line(capsys)
    assert "study 'grucast' in " in line
    assert "searches something else: its search space (lr, model) differ from this run's" in line
    assert folder_state(out) == before


def test_without_optuna_tune_exits_2_naming_the_extra_before_reading_anything(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "optuna", None)  # `import optuna` now fails as if it were not installed
    code = main(["tune", "--data", str(tmp_path / "absent.csv"), *COLUMNS, "--out", str(tmp_path / "tune")])
    assert code == 2
    assert one_error_line(capsys) == (
        "error: grucast tune needs Optuna, an optional extra; install it with: pip install 'grucast[tune]'"
    )
    assert not (tmp_path / "tune").exists()
