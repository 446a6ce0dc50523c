"""The memory bound, measured: 1 M windows (lookback 90, 5 features) within 2x the raw data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "bench_windows_memory.py"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_peak_memory_of_one_million_windows(tmp_path):
    out = tmp_path / "windows_memory.json"
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], check=True, capture_output=True, timeout=300)
    result = json.loads(out.read_text())
    assert result["windows"] == 1_000_000
    assert result["peak_rss_above_baseline_mib"] <= 2 * result["raw_data_mib"]
    assert result["eager_float64_windows_mib"] > 40 * result["raw_data_mib"]
