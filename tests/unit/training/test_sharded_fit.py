"""Two gloo processes, each holding its share of the series, train the model one process trains on all of them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from grucast.api import Forecaster
from grucast.data import read_series

READ = dict(time_col="day", target="y", series_col="id")
# No dropout (its masks are drawn per process) and float32 throughout: the steps differ
# from one process's only in the order of the additions. No seasonal skip: with it,
# that order moved one weight by 0.5 % over 3 epochs at lr 0.01.
PARAMS = dict(model="gru", lookback=14, horizon=7, test_size=14, val_size=14, hidden_size=8, num_layers=1,
              epochs=3, batch_size=32, lr=0.01, dropout=0.0, skip="none", progress=False, accelerator="cpu",
              threads=1, seed=3)


def _summary(forecaster, scores):
    return {
        "weights": {k: v.tolist() for k, v in forecaster.module_.model.state_dict().items()},
        "radius": np.asarray(forecaster.calibration_.radius).tolist(),
        "overall": scores.model.overall, "naive": scores.baselines["naive"].overall,
        "per_series": scores.model.per_series, "history": forecaster.fit_result_.history,
        "coverage": scores.intervals["model"]["coverage"], "windows": scores.n_windows,
    }


SHARE = r"""
import json, sys
from grucast.api import Forecaster
from grucast.data import read_series
from grucast.training.distributed import join_process_group
sys.path.insert(0, sys.argv[3])
from test_sharded_fit import PARAMS, READ, _summary
rank, world = join_process_group()
share = read_series(sys.argv[1], **READ, shard=(rank, world))
forecaster = Forecaster(**PARAMS, devices=world, strategy="ddp").fit(share)
scores = forecaster.evaluate()
with open(f"{sys.argv[2]}.{rank}", "w") as handle:
    json.dump({"series": list(share.names), **_summary(forecaster, scores)}, handle)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="gloo processes")
def test_two_processes_on_their_shares_train_and_score_as_one_process_on_all(tmp_path, free_port):
    rng = np.random.default_rng(4)
    parts = []
    for k, length in enumerate([120, 90, 150, 60, 110]):
        steps = np.arange(length)
        parts.append(pd.DataFrame({"id": f"s{k}", "day": pd.date_range("2022-01-01", periods=length, freq="D"),
                                   "y": 10 * (k + 1) + 3 * np.sin(2 * np.pi * steps / 7) + rng.normal(0, 1, length)}))
    frame = pd.concat(parts, ignore_index=True)
    folder = tmp_path / "data"
    for half, rows in frame.groupby(frame.day.dt.month <= 3):
        (folder / f"early={half}").mkdir(parents=True)
        rows.to_parquet(folder / f"early={half}" / "part.parquet", index=False)
    whole = read_series(folder, **READ)
    torch.set_num_threads(1)
    one = Forecaster(**PARAMS).fit(whole)
    expected = json.loads(json.dumps(_summary(one, one.evaluate())))
    out = tmp_path / "fitted"
    script = tmp_path / "share.py"
    script.write_text(SHARE)
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", str(free_port),
         str(script), str(folder), str(out), str(Path(__file__).parent)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    shares = [json.loads((tmp_path / f"fitted.{rank}").read_text()) for rank in range(2)]
    assert 0 < len(shares[0]["series"]) < len(whole)
    assert shares[0]["series"] + shares[1]["series"] == list(whole.names)
    for got in shares:
        for name, values in expected["weights"].items():
            np.testing.assert_allclose(got["weights"][name], values, rtol=1e-4, atol=1e-5, err_msg=name)
        for epoch, want in zip(got["history"], expected["history"]):
            assert epoch == {k: pytest.approx(v, rel=1e-4) for k, v in want.items()}
        np.testing.assert_allclose(got["radius"], expected["radius"], rtol=1e-3)
        assert got["naive"] == {k: pytest.approx(v, rel=1e-12) for k, v in expected["naive"].items()}
        assert got["overall"] == {k: pytest.approx(v, rel=1e-3) for k, v in expected["overall"].items()}
        assert list(got["per_series"]) == list(expected["per_series"])
        assert got["windows"] == expected["windows"]
        assert got["coverage"] == pytest.approx(expected["coverage"], abs=0.02)
