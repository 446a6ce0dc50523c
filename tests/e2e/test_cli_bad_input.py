"""Malformed input: exit code 2, one `error:` line, no traceback, nothing modified."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from cli_data import COLUMNS, FAST, hourly_load
from grucast.cli.main import main


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "absent"


def folder_state(path: Path) -> dict[str, str]:
    return {str(p.relative_to(path)): digest(p) for p in sorted(path.rglob("*"))} if path.exists() else {}


def files(tmp: Path) -> dict[str, Path]:
    good = hourly_load(rows=24 * 25)
    made = {}
    made["good"] = tmp / "good.csv"
    good.to_csv(made["good"], index=False)
    made["empty"] = tmp / "empty.csv"
    made["empty"].write_bytes(b"")
    made["binary"] = tmp / "binary.csv"
    made["binary"].write_bytes(bytes(range(256)) * 4)
    made["text_in_numbers"] = tmp / "text.csv"
    bad = good.copy().astype({"load": object})
    bad.loc[7, "load"] = "n/a?"
    bad.to_csv(made["text_in_numbers"], index=False)
    made["bad_time"] = tmp / "bad_time.csv"
    bad_time = good.copy().astype({"time": object})
    bad_time.loc[3, "time"] = "yesterday-ish"
    bad_time.to_csv(made["bad_time"], index=False)
    made["duplicate_time"] = tmp / "dup.csv"
    dup = good.copy()
    dup.loc[5, "time"] = dup.loc[4, "time"]
    dup.to_csv(made["duplicate_time"], index=False)
    made["short"] = tmp / "short.csv"
    good.groupby("region").head(30).to_csv(made["short"], index=False)
    made["header_only"] = tmp / "header.csv"
    made["header_only"].write_text("time,region,load\n")
    return made


CASES = {
    "missing file": (["--data", "{tmp}/nope.csv", *COLUMNS], r"does not exist"),
    "empty file": (["--data", "{empty}", *COLUMNS], r"is empty"),
    "binary file": (["--data", "{binary}", *COLUMNS], r"binary"),
    "header only": (["--data", "{header_only}", *COLUMNS], r"no data rows|empty"),
    "missing target column": (["--data", "{good}", "--time-col", "time", "--target", "demand", "--series-col", "region"],
                              r"column 'demand' \(--target\) is not in the data"),
    "missing time column": (["--data", "{good}", "--time-col", "when", "--target", "load", "--series-col", "region"],
                            r"'when'"),
    "text in numbers": (["--data", "{text_in_numbers}", *COLUMNS], r"non-numeric value 'n/a\?'"),
    "bad timestamp": (["--data", "{bad_time}", *COLUMNS], r"yesterday-ish"),
    "duplicate timestamp": (["--data", "{duplicate_time}", *COLUMNS], r"appears more than once"),
    "too short": (["--data", "{short}", *COLUMNS], r"rows|short"),
    "bad number": (["--data", "{good}", *COLUMNS, "--lookback", "abc"], r"'--lookback'"),
    "bad model": (["--data", "{good}", *COLUMNS, "--model", "transformer"], r"'--model'"),
    "unknown option": (["--data", "{good}", *COLUMNS, "--colour", "red"], r"No such option"),
    "bad test size": (["--data", "{good}", *COLUMNS, "--test-size", "2.5"], r"--test-size"),
}


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grucast", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def check_refused(done: subprocess.CompletedProcess, pattern: str) -> None:
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in done.stderr
    import re

    assert re.search(pattern, lines[0]), lines[0]


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_cleanly(case, tmp_path, capsys, monkeypatch):
    made = files(tmp_path)
    before = {name: digest(path) for name, path in made.items()}
    args, pattern = CASES[case]
    args = [a.format(tmp=tmp_path, **{k: str(v) for k, v in made.items()}) for a in args]
    out = tmp_path / "run"
    monkeypatch.chdir(tmp_path)
    code = main(["train", *FAST, *args, "--out", str(out)])
    check_refused(subprocess.CompletedProcess([], code, "", capsys.readouterr().err), pattern)
    assert {name: digest(path) for name, path in made.items()} == before
    assert not out.exists()


def test_existing_output_folder_is_left_alone(tmp_path):
    made = files(tmp_path)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    state = folder_state(out)
    done = run_cli(["train", "--data", str(made["good"]), *COLUMNS, *FAST, "--out", str(out)], cwd=tmp_path)
    check_refused(done, r"already exists and is not empty, and it is not a grucast run folder; choose another output "
                        r"folder \(grucast never deletes other files\)")
    assert folder_state(out) == state
    done = run_cli(["train", "--data", str(made["good"]), *COLUMNS, *FAST, "--out", str(out), "--force"], cwd=tmp_path)
    check_refused(done, r"is not a grucast run folder")
    assert folder_state(out) == state


def test_predict_refuses_to_overwrite_and_bad_run_folder(tmp_path):
    made = files(tmp_path)
    target = tmp_path / "forecast.csv"
    target.write_text("keep me")
    done = run_cli(["predict", "--run", str(tmp_path), "--data", str(made["good"]), "--out", str(target)], cwd=tmp_path)
    check_refused(done, r"already exists; choose another name or pass --force to overwrite it")
    done = run_cli(["predict", "--run", str(tmp_path), "--data", str(made["good"]), "--out", str(tmp_path / "f.csv")], cwd=tmp_path)
    check_refused(done, r"is not a complete grucast run folder \(missing config.json, pipeline.json")
    assert target.read_text() == "keep me"
