"""--backend and --precision from the command line (issue 18): choices checked before any work, the engine noted."""

from __future__ import annotations

import json

import pytest

from cli_data import COLUMNS, FAST
from grucast.cli.main import main


@pytest.mark.parametrize("options, message", [
    (["--model", "lstm", "--backend", "torch"],
     "error: --backend torch chooses what runs a GRU, and model 'lstm' has none; leave --backend out, or use "
     "--model gru"),
    (["--precision", "16-mixed"],
     "error: --precision 16-mixed needs a CUDA GPU; on the CPU use --precision bf16-mixed (bfloat16 matmuls, "
     "float32 state) or --precision 32"),
])
def test_engine_choices_that_cannot_work_are_refused(load_csv, tmp_path, capsys, options, message):
    out = tmp_path / "run"
    assert main(["train", "--data", str(load_csv), *COLUMNS, *FAST, *options, "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == message
    assert not out.exists()


def test_the_run_notes_which_engine_computed_the_gru(trained_run):
    notes = json.loads((trained_run / "metrics.json").read_text())["notes"]
    assert "the GRU ran on grucast's fused C++ kernel (CPU)" in notes


def test_bf16_mixed_trains_on_the_cpu(load_csv, tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--data", str(load_csv), *COLUMNS, *FAST, "--precision", "bf16-mixed", "--out", str(out)]) == 0
    assert json.loads((out / "config.json").read_text())["settings"]["precision"] == "bf16-mixed"
    from grucast.nn.kernels import bf16_native

    notes = json.loads((out / "metrics.json").read_text())["notes"]
    native = "bf16-mixed: the GRU kernel's matmuls ran in bfloat16, with float32 accumulation, gate math and state"
    fallback = "bf16-mixed: this processor has no bfloat16 matmul instructions, so the GRU kernel computes in float32"
    assert (native if bf16_native() else fallback) in notes
