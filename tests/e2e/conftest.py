"""Session fixtures: one small CSV and one trained run, shared by the CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_data import COLUMNS, FAST, hourly_load
from grucast.cli.main import main


@pytest.fixture(scope="session")
def load_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "load.csv"
    hourly_load().to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, load_csv) -> Path:
    out = tmp_path_factory.mktemp("runs") / "gru"
    code = main(["train", "--data", str(load_csv), *COLUMNS, *FAST, "--out", str(out)])
    assert code == 0
    return out
