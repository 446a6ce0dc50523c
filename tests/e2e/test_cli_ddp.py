"""`grucast train --devices 2 --strategy ddp` on the CPU: two gloo processes, one run folder, about the one-process numbers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from cli_data import COLUMNS, FAST, hourly_load

# A fixed learning rate: the comparison is of the data-parallel arithmetic, which
# splits each batch of 64 into 32 + 32. No seasonal skip: with it, the order of the
# additions moved the two runs' test MAE apart by 1 % (1.270 against 1.283) over 2 epochs.
SAME = [*FAST, "--batch-size", "64", "--window-norm", "none", "--skip", "none", "--lr-schedule", "none",
        "--accelerator", "cpu"]


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


@pytest.mark.skipif(sys.platform != "linux", reason="gloo processes started by torchrun (Linux)")
def test_processes_loading_their_shares_of_a_parquet_folder_write_the_one_process_run(tmp_path, free_port):
    # Five regions over two files (by week), so each region's rows lie in both.
    frame = pd.concat([hourly_load(seed=seed).assign(region=lambda f, s=seed: f.region + str(s)) for seed in (1, 2, 3)])
    frame = frame[frame.region != "south3"]
    folder = tmp_path / "load"
    for week, rows in frame.groupby(frame.time.dt.isocalendar().week <= 11):
        (folder / f"early={week}").mkdir(parents=True)
        rows.to_parquet(folder / f"early={week}" / "part.parquet", index=False)
    options = ["--data", str(folder), *COLUMNS, *SAME, "--dropout", "0", "--threads", "1"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    one = subprocess.run([sys.executable, "-m", "grucast", "train", *options, "--out", str(tmp_path / "one")],
                         capture_output=True, text=True, timeout=400, env=env)
    assert one.returncode == 0, one.stderr[-3000:]
    two = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", str(free_port),
         "-m", "grucast", "train", *(o for o in options if o != "--quiet"), "--devices", "2", "--strategy", "ddp",
         "--shard-data", "--out", str(tmp_path / "two")],
        capture_output=True, text=True, timeout=400, env=env,
    )
    assert two.returncode == 0, two.stderr[-3000:]
    assert two.stdout.count("wrote ") == 1  # rank 0 alone writes
    # Rank 0 alone reports, counting every process's series: each really held a share.
    assert two.stderr.count(f"on 5 series ({len(frame)} rows) in 2 processes, each with its share") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["load", "one", "two"]  # no staging folder left
    a = json.loads((tmp_path / "one" / "metrics.json").read_text())
    b = json.loads((tmp_path / "two" / "metrics.json").read_text())
    assert b["windows"] == a["windows"] and list(b["per_series"]["model"]) == list(a["per_series"]["model"])
    assert b["baselines"] == {name: {k: pytest.approx(v, rel=1e-12) for k, v in values.items()}
                              for name, values in a["baselines"].items()}
    # The same global batches and loss: the weights agree to float32 rounding, not bit for bit.
    assert b["model"] == {k: pytest.approx(v, rel=1e-4) for k, v in a["model"].items()}
    assert json.loads((tmp_path / "two" / "pipeline.json").read_text()) == json.loads(
        (tmp_path / "one" / "pipeline.json").read_text())
    for name in ("forecasts.csv", "future.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "two" / name), pd.read_csv(tmp_path / "one" / name),
                                      rtol=1e-4)
    assert (tmp_path / "two" / "report.md").is_file()


def test_shard_data_without_torchrun_says_how_to_start_the_processes(tmp_path, load_csv):
    done = subprocess.run(
        [sys.executable, "-m", "grucast", "train", "--data", str(load_csv), *COLUMNS, *SAME, "--devices", "2",
         "--shard-data", "--out", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: loading a share of the series per process needs the processes started by "
                                  "torchrun (or srun under SLURM)")
    assert not (tmp_path / "run").exists()


def _sharded_train(tmp_path, folder, free_port):
    return subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", str(free_port),
         "-m", "grucast", "train", "--data", str(folder), *COLUMNS, *SAME, "--devices", "2", "--strategy", "ddp",
         "--shard-data", "--out", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _text_folder(tmp_path, loads):
    """Four regions, with their load written as text by ``loads(region index, values)``, one file per region."""
    folder = tmp_path / "text"
    frame = pd.concat([hourly_load(seed=seed).assign(region=lambda f, s=seed: f.region + str(s)) for seed in (1, 2)])
    for k, (name, rows) in enumerate(frame.groupby("region", sort=False)):
        rows = rows.assign(load=loads(k, rows.load))
        (folder / f"part={k}").mkdir(parents=True)
        rows.to_parquet(folder / f"part={k}" / "part.parquet", index=False)
    return folder


@pytest.mark.skipif(sys.platform != "linux", reason="gloo processes started by torchrun (Linux)")
def test_a_share_that_cannot_be_read_stops_every_process_with_its_error(tmp_path, free_port):
    # The last region (in the second process's share) holds a word among its numbers.
    folder = _text_folder(tmp_path, lambda k, v: v.map(str).where(~((k == 3) & (np.arange(len(v)) == 5)), "broken"))
    done = _sharded_train(tmp_path, folder, free_port)
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2 and errors[0] == errors[1]  # both processes stop, with the same message
    assert "'broken'" in errors[0]
    assert not (tmp_path / "run").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="gloo processes started by torchrun (Linux)")
def test_shares_that_read_numbers_differently_are_refused_in_every_process(tmp_path, free_port):
    # Decimal commas in the first process's share only: it would read 50,1 as 50.1 and the other 50.1 as 50.1,
    # but a single process would see both conventions; every process refuses alike.
    folder = _text_folder(tmp_path, lambda k, v: v.map(lambda x: f"{x:.2f}".replace(".", "," if k < 2 else ".")))
    done = _sharded_train(tmp_path, folder, free_port)
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2 and errors[0] == errors[1]
    assert "read 'decimal' differently (',', '.')" in errors[0] and "--decimal" in errors[0]
