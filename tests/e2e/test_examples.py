"""Every script in examples/ runs to the end, and beats the naive forecast where examples/README.md says so.

Slow (each trains a model): `make test-slow`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[2] / "examples"
#: Scripts that need arguments (an exported model, a history file), tested where named.
NEEDS_ARGUMENTS = {"serve_onnx.py": "tests/unit/api/test_export.py"}
SCRIPTS = sorted(
    path.name for path in EXAMPLES.glob("*.py") if not path.name.startswith("_") and path.name not in NEEDS_ARGUMENTS
)


def claims_to_beat_naive() -> set[str]:
    """Scripts whose row in the README's table says "beats naive"."""
    rows = (EXAMPLES / "README.md").read_text().splitlines()
    return {match.group(1) for row in rows if "beats naive" in row and (match := re.search(r"`(\w+\.py)`", row))}


def mase_of(output: str, label: str) -> list[float]:
    return [float(line.split()[-1]) for line in output.splitlines() if line.split()[:1] == [label]]


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_example_runs_to_the_end(script, tmp_path):
    done = subprocess.run([sys.executable, str(EXAMPLES / script)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=1800)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "seasonal_naive" in done.stdout  # every example prints the model beside the baselines
    if script in claims_to_beat_naive():
        model, naive = mase_of(done.stdout, "model"), mase_of(done.stdout, "naive")
        assert model and len(model) == len(naive)
        assert all(m < n for m, n in zip(model, naive, strict=True)), done.stdout


def test_every_example_is_listed_in_the_readme():
    readme = (EXAMPLES / "README.md").read_text()
    assert [script for script in [*SCRIPTS, *NEEDS_ARGUMENTS] if f"`{script}`" not in readme] == []
