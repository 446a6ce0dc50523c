"""`grucast export` and `grucast predict --engine onnx|torchscript`: same forecasts, clean refusals."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from cli_data import COLUMNS, FAST

import grucast.api.export as export_module
from grucast.cli.main import main


def tree(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_export_then_predict_with_onnx_matches_torch(trained_run, load_csv, tmp_path, capsys):
    graph = tmp_path / "model.onnx"
    assert main(["export", "--run", str(trained_run), "--format", "onnx", "--out", str(graph)]) == 0
    spec = json.loads((tmp_path / "model.onnx.json").read_text())
    assert spec["engine"] == "onnx" and spec["opset"] == 17 and set(spec["series"]) == {"north", "south"}
    torch_csv, onnx_csv = tmp_path / "torch.csv", tmp_path / "onnx.csv"
    assert main(["predict", "--run", str(trained_run), "--data", str(load_csv), "--out", str(torch_csv)]) == 0
    capsys.readouterr()
    assert main(["predict", "--run", str(trained_run), "--data", str(load_csv), "--out", str(onnx_csv),
                 "--engine", "onnx"]) == 0
    assert "exported it to a temporary file" in capsys.readouterr().err  # the run has no model.onnx
    expected, got = pd.read_csv(torch_csv), pd.read_csv(onnx_csv)
    assert list(got.columns) == list(expected.columns)
    for column in ("value", "lower", "upper"):
        np.testing.assert_allclose(got[column], expected[column], rtol=1e-4, atol=1e-6)


def test_predict_with_torchscript(trained_run, load_csv, tmp_path):
    out = tmp_path / "ts.csv"
    assert main(["predict", "--run", str(trained_run), "--data", str(load_csv), "--out", str(out),
                 "--engine", "torchscript"]) == 0
    assert len(pd.read_csv(out)) == 12


def test_export_refusals_exit_2_and_write_nothing(trained_run, tmp_path, capsys, monkeypatch):
    before = tree(trained_run)
    out = tmp_path / "model.onnx"
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    cases = [
        (["--run", str(tmp_path / "nowhere")], "does not exist"),
        (["--run", str(broken)], "not a complete grucast run folder"),
    ]
    for args, message in cases:
        assert main(["export", *args, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err and "Traceback" not in err
    real = export_module.importlib.util.find_spec
    monkeypatch.setattr(export_module.importlib.util, "find_spec",
                        lambda name, *a: None if name == "onnx" else real(name, *a))
    assert main(["export", "--run", str(trained_run), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: ONNX export and the onnx engine need the onnx package; install it with: "
                   "pip install 'grucast[export]'"]
    assert main(["predict", "--run", str(trained_run), "--data", "x.csv", "--out", str(tmp_path / "p.csv"),
                 "--engine", "onnx"]) == 2
    assert "pip install 'grucast[export]'" in capsys.readouterr().err
    assert tree(tmp_path) == ["broken", "broken/config.json"] and tree(trained_run) == before


def test_export_step_graph_from_the_command_line(load_csv, tmp_path, capsys):
    run = tmp_path / "run"  # one state carried forward: a run without window normalisation or skip
    assert main(["train", "--data", str(load_csv), *COLUMNS, *FAST, "--window-norm", "none", "--skip", "none",
                 "--out", str(run)]) == 0
    out = tmp_path / "step.onnx"
    code = main(["export", "--run", str(run), "--graph", "step", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    spec = json.loads((tmp_path / "step.onnx.json").read_text())
    assert spec["kind"] == "step" and spec["inputs"]["state"]["shape"] == [1, "batch", 8]


def test_a_step_graph_of_a_window_normalised_run_is_refused_with_cli_options(trained_run, tmp_path, capsys):
    out = tmp_path / "step.onnx"
    assert main(["export", "--run", str(trained_run), "--graph", "step", "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "error: the step graph carries one state forward, but --window-norm mean_std rescales every window by its "
        "own rows; --skip seasonal reads the last 24 rows at once; use --graph window (or train with --window-norm "
        "none, --skip none and a one-directional model)")
    assert not out.exists()
