"""The CLI's contract: exit codes by exception type, options from the library's tables, hints that exist."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from cli_data import COLUMNS, FAST
from grucast import settings as settings_table
from grucast.cli import main as cli_main
from grucast.cli.options import cli_names
from grucast.errors import DataError, InputError, option
from grucast.models import MODELS

SRC = Path(__file__).resolve().parents[2] / "src" / "grucast"


def last_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    return lines[-1]


@pytest.mark.parametrize("raised, code", [
    (ValueError("a bug deep inside"), 1),
    (TypeError("another bug"), 1),
    (KeyError("x"), 1),
    (InputError("the input is wrong; fix it"), 2),
    (DataError("column 'x' is wrong; fix it"), 2),
])
def test_the_exit_code_comes_from_the_exception_type(raised, code, load_csv, tmp_path, capsys, monkeypatch):
    def fail(self, data, run_dir=None, **options):
        raise raised

    monkeypatch.setattr("grucast.api.forecaster.Forecaster.fit", fail)
    out = tmp_path / "run"
    assert cli_main.main(["train", "--data", str(load_csv), *COLUMNS, *FAST, "--out", str(out)]) == code
    err = capsys.readouterr().err
    if code == 2:
        assert err.strip() == f"error: {raised}"
    else:
        assert "Traceback" in err
        assert last_error_line(err) == (
            f"grucast: internal error ({type(raised).__name__}); please report it with the traceback above"
        )
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == []


def test_model_choices_and_defaults_come_from_the_settings_table():
    train = cli_main.cli.commands["train"]
    by_name = {p.name: p for p in train.params}
    assert list(by_name["model"].type.choices) == list(MODELS)
    for name in settings_table.names():
        metadata = settings_table.describe(name)
        if metadata["cli"] is None:
            assert name not in by_name
            continue
        param = by_name[name]
        assert param.default is None  # "not given": the library's default applies
        default = settings_table.defaults()[name]
        if default is not None and not isinstance(default, bool):
            assert f"[default: {default}]" in param.help, name


def test_every_hint_names_an_option_that_exists():
    flags = {opt for command in cli_main.cli.commands.values() for p in command.params for opt in p.opts + p.secondary_opts}
    names = cli_names()
    hinted = set()
    for path in SRC.rglob("*.py"):
        if path.name == "errors.py":  # defines option(); its docstring shows examples
            continue
        hinted |= set(re.findall(r"option\(\s*[\"'](\w+)[\"']", path.read_text()))
    assert hinted, "no hints found: the pattern is stale"
    for name in sorted(hinted):
        flag = names.get(name, "--" + name.replace("_", "-"))
        assert flag in flags, f"option({name!r}) renders {flag}, which no command has"


def test_hints_speak_the_callers_language():
    assert option("missing", "interpolate") == "missing='interpolate'"
    from grucast.errors import use_cli_names

    use_cli_names(cli_names())
    try:
        assert option("missing", "interpolate") == "--missing interpolate"
        assert option("max_batches", 5) == "--max-batches 5"
        assert option("overwrite", True) == "--force"
    finally:
        use_cli_names(None)


def test_a_gpu_on_a_machine_without_one_is_a_user_error(load_csv, tmp_path, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    out = tmp_path / "run"
    code = cli_main.main(["train", "--data", str(load_csv), *COLUMNS, *FAST, "--accelerator", "gpu", "--out", str(out)])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "error: accelerator 'gpu' needs a CUDA GPU, and this machine has none (or torch is a CPU build); "
        "use --accelerator cpu or --accelerator auto"
    )
    assert not out.exists()


def test_a_bad_value_in_a_config_file_is_refused_like_the_option(load_csv, tmp_path, capsys):
    config = tmp_path / "run.toml"
    config.write_text('epochs = "ten"\n')
    code = cli_main.main(["train", "--data", str(load_csv), *COLUMNS, "--config", str(config), "--out", str(tmp_path / "r")])
    assert code == 2
    assert re.fullmatch(r"error: config file '.*run\.toml': epochs = 'ten': 'ten' is not a valid integer.*",
                        capsys.readouterr().err.strip())
    assert isinstance(click.IntRange(min=1), click.ParamType)
