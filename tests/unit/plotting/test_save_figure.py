from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from grucast.plotting import plot_comparison, plot_horizon_errors, save_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == PNG_SIGNATURE
    return struct.unpack(">II", header[16:24])


def test_writes_a_png_and_closes_the_figure(tmp_path):
    ax = plot_horizon_errors({"gru": [1.0, 2.0]})
    assert plt.get_fignums() != []
    written = save_figure(ax, tmp_path / "plots" / "horizon.png")
    assert written == tmp_path / "plots" / "horizon.png"
    assert written.stat().st_size > 1000
    assert written.read_bytes()[:8] == PNG_SIGNATURE
    assert plt.get_fignums() == []


def test_dpi_sets_the_resolution(tmp_path):
    small = _png_size(save_figure(plot_horizon_errors({"gru": [1.0, 2.0]}), tmp_path / "a.png", dpi=50))
    large = _png_size(save_figure(plot_horizon_errors({"gru": [1.0, 2.0]}), tmp_path / "b.png", dpi=100))
    assert large[0] == pytest.approx(2 * small[0], rel=0.05)


def test_a_figure_or_the_list_of_comparison_axes_works(tmp_path):
    table = pd.DataFrame({"model": ["a", "b"], "mae": [1.0, 2.0], "train_seconds": [3.0, 4.0]})
    save_figure(plot_comparison(table), tmp_path / "comparison.png")
    figure, _ = plt.subplots()
    save_figure(figure, tmp_path / "empty.png")
    assert (tmp_path / "comparison.png").stat().st_size > 1000
    assert (tmp_path / "empty.png").stat().st_size > 0
    assert plt.get_fignums() == []


def test_a_name_without_suffix_gets_png(tmp_path):
    written = save_figure(plot_horizon_errors({"gru": [1.0]}), tmp_path / "horizon")
    assert written.name == "horizon.png"
    assert written.exists()


def test_other_formats_are_refused_and_the_figure_stays_open(tmp_path):
    ax = plot_horizon_errors({"gru": [1.0]})
    with pytest.raises(ValueError, match=r"save_figure: writes PNG files, got path '.*a\.svg'"):
        save_figure(ax, tmp_path / "a.svg")
    assert plt.get_fignums() == [ax.figure.number]
    assert not (tmp_path / "a.svg").exists()


def test_axes_from_two_figures_are_refused():
    _, first = plt.subplots()
    _, second = plt.subplots()
    with pytest.raises(ValueError, match="the axes belong to 2 different figures; save them one at a time."):
        save_figure([first, second], "x.png")


def test_plotting_keeps_the_users_backend(tmp_path):
    code = (
        "import matplotlib, grucast.plotting as p; "
        f"p.save_figure(p.plot_horizon_errors({{'gru': [1.0]}}), {str(tmp_path / 'x.png')!r}); "
        "print(matplotlib.get_backend())"
    )
    env = {**os.environ, "MPLBACKEND": "svg"}
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert output.strip() == "svg"
    assert (tmp_path / "x.png").read_bytes()[:8] == PNG_SIGNATURE


def test_only_the_plotting_package_imports_matplotlib():
    code = "import sys, grucast, grucast.evaluation; print('matplotlib' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "False"
