"""Data-parallel training on 2 CPU processes (gloo) equals training on one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import torch

SCRIPT = Path(__file__).with_name("ddp_script.py")


def run(devices: int, out: Path) -> torch.Tensor:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(devices), str(out)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return torch.load(out)


def test_two_gloo_processes_match_one_process(tmp_path):
    single = run(1, tmp_path / "single.pt")
    double = run(2, tmp_path / "double.pt")
    # Same global batch (64), split 32 + 32 and gradients averaged: the same steps
    # up to float32 reduction order.
    assert single.shape == double.shape
    torch.testing.assert_close(double, single, rtol=1e-5, atol=1e-5)
    assert (single.abs() > 0).all()
