"""Two gloo processes, each loading its share of a partitioned dataset, fit the pipeline a one-process fit gives."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest
import torch.multiprocessing as mp

from grucast.data import read_series
from grucast.data.pipeline import WindowPipeline

SETTINGS = dict(lookback=28, horizon=7, test_size=14, val_size=14, series_embedding=True)
READ = dict(time_col="day", target="y", series_col="id", static_covariates=["kind"])


def _decisions(pipeline):
    return {
        "lookback": pipeline.lookback_, "horizon": pipeline.horizon_, "season": pipeline.season_,
        "excluded": list(pipeline.excluded_), "notes": list(pipeline.notes_), "padded": pipeline.padded_,
        "calendar": list(pipeline.calendar_), "window_norm": pipeline.window_norm_,
        "static": pipeline.static_.to_dict(), "series": list(pipeline.series_),
        "center": pipeline.scaler_.center_.tolist(),
    }


def _fit_share(rank, world, folder, init, out):
    import torch.distributed as dist

    from grucast.training.distributed import GroupAgreement

    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=world)
    try:
        share = read_series(folder, **READ, shard=(rank, world))
        pipeline = WindowPipeline(**SETTINGS).fit(share, GroupAgreement())
        with open(f"{out}.{rank}", "w") as handle:
            json.dump({"rows": share.shard.rows, **_decisions(pipeline)}, handle)
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(sys.platform != "linux", reason="gloo processes")
def test_two_processes_fit_from_their_shares_what_one_fits_from_all(tmp_path):
    rng = np.random.default_rng(0)
    parts = []
    for k, length in enumerate([200, 10, 150, 30, 120, 260, 90]):
        parts.append(pd.DataFrame({"id": f"s{k}", "day": pd.date_range("2022-01-01", periods=length, freq="D"),
                                   "y": 50 + np.cumsum(rng.normal(0, 1, length)), "kind": "xyz"[k % 3]}))
    frame = pd.concat(parts, ignore_index=True)
    folder = tmp_path / "data"
    for month, rows in frame.groupby(frame.day.dt.to_period("Q")):  # every long series spans several files
        (folder / f"quarter={month}").mkdir(parents=True)
        rows.to_parquet(folder / f"quarter={month}" / "part.parquet", index=False)
    whole = read_series(folder, **READ)
    one = _decisions(WindowPipeline(**SETTINGS).fit(whole))
    out = tmp_path / "fitted"
    mp.start_processes(_fit_share, args=(2, str(folder), f"file://{tmp_path / 'rendezvous'}", str(out)), nprocs=2,
                       start_method="spawn")
    shares = [json.loads((tmp_path / f"fitted.{rank}").read_text()) for rank in range(2)]
    assert sum(share["rows"] for share in shares) == len(frame)
    assert 0 < shares[0]["rows"] < len(frame)  # each process loaded only its share
    assert shares[0]["series"] + shares[1]["series"] == one["series"]
    assert np.allclose(shares[0]["center"] + shares[1]["center"], one["center"], rtol=0, atol=0)
    for share in shares:
        for key in ("lookback", "horizon", "season", "excluded", "notes", "padded", "calendar", "window_norm",
                    "static"):
            assert share[key] == one[key], key
    assert one["excluded"] == ["s1"] and one["padded"]
