"""`grucast train --devices 2 --strategy ddp` on the CPU: two gloo processes, one run folder, about the one-process numbers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from cli_data import COLUMNS, FAST

# A fixed learning rate: the comparison is of the data-parallel arithmetic, which
# splits each batch of 64 into 32 + 32.
SAME = [*FAST, "--batch-size", "64", "--window-norm", "none", "--lr-schedule", "none", "--accelerator", "cpu"]


def train(load_csv, out, *options):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "grucast", "train", "--data", str(load_csv), *COLUMNS, *SAME, *options, "--out", str(out)],
        capture_output=True, text=True, timeout=400, env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.mark.skipif(sys.platform != "linux", reason="gloo processes launched by Lightning (Linux)")
def test_two_processes_write_one_run_folder_with_the_one_process_numbers(load_csv, tmp_path):
    single = tmp_path / "one"
    double = tmp_path / "two"
    train(load_csv, single)
    done = train(load_csv, double, "--devices", "2", "--strategy", "ddp")
    assert done.stdout.count("wrote ") == 1  # rank 0 alone reports and writes
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert leftovers == ["one", "two"]  # no staging or checkpoint folder left by either rank
    one = json.loads((single / "metrics.json").read_text())
    two = json.loads((double / "metrics.json").read_text())
    # Equal halves give the one-process step exactly (tests/unit/training/test_ddp.py); an
    # epoch's odd-sized last batch splits unevenly, and the mean of the halves' mean
    # losses weights its windows slightly differently: close, not identical.
    assert two["model"]["mae"] == pytest.approx(one["model"]["mae"], rel=2e-3)
    assert two["model"]["mae"] != one["model"]["mae"]  # two processes really trained
    assert two["baselines"] == one["baselines"]
    a = pd.read_csv(single / "future.csv")
    b = pd.read_csv(double / "future.csv")
    pd.testing.assert_frame_equal(a, b, rtol=2e-3)
