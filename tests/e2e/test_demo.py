"""`grucast demo` end to end on the shipped data, with a small budget (slow: ~1 min)."""

from __future__ import annotations

import json

import pytest

from grucast.cli.main import main


@pytest.mark.slow
def test_demo_writes_a_complete_run(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--epochs", "1", "--max-batches", "5", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "GRU test MASE" in printed and str(out) in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["windows"] == 4 * (3459 - 24 + 1)  # 10 % of 34,588 hours, rounded up, per series
    assert {"naive", "seasonal_naive"} == set(metrics["baselines"])
    for name in ("report.md", "plots/loss_curves.png", "plots/future.png", "forecasts.csv", "future.csv"):
        assert (out / name).stat().st_size > 0, name
