"""Search spaces: the default, files in TOML and YAML, and every way a space is refused."""

from __future__ import annotations

import re

import optuna
import pytest

from grucast.errors import InputError
from grucast.tuning.space import DEFAULT_SPACE, default_space, load_space, parse_space

SPACE_TOML = """
model = { choices = ["gru", "lstm"] }
hidden_size = { low = 16, high = 64, log = true }
dropout = { low = 0.0, high = 0.3, step = 0.1 }
lookback = { low = 1, high = 3, unit = "season" }
"""

SPACE_YAML = """
model: {choices: [gru, lstm]}
hidden_size: {low: 16, high: 64, log: true}
dropout: {low: 0.0, high: 0.3, step: 0.1}
lookback: {low: 1, high: 3, unit: season}
"""


def test_the_default_space_searches_the_settings_that_decide_a_gru():
    space = default_space()
    assert space.names == ("model", "hidden_size", "num_layers", "dropout", "lookback", "lr", "batch_size",
                           "window_norm", "skip", "loss")
    assert space.to_dict() == DEFAULT_SPACE
    assert space.to_dict()["lookback"] == {"low": 1, "high": 7, "unit": "season"}


def test_toml_and_yaml_files_give_the_same_space(tmp_path):
    (tmp_path / "space.toml").write_text(SPACE_TOML)
    (tmp_path / "space.yaml").write_text(SPACE_YAML)
    toml, yaml = load_space(tmp_path / "space.toml"), load_space(tmp_path / "space.yaml")
    assert toml == yaml
    assert toml.to_dict()["dropout"] == {"low": 0.0, "high": 0.3, "step": 0.1}


def test_a_season_unit_draws_whole_seasons_in_steps():
    space = parse_space({"lookback": {"low": 1, "high": 3, "unit": "season"}, "lr": {"low": 1e-4, "high": 1e-2, "log": True}})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    drawn = []
    for _ in range(20):
        trial = study.ask()
        drawn.append(space.suggest(trial, unit_size=24))
        study.tell(trial, 0.0)
    assert {d["lookback"] for d in drawn} <= {24, 48, 72} and len({d["lookback"] for d in drawn}) > 1
    assert all(1e-4 <= d["lr"] <= 1e-2 for d in drawn)
    assert isinstance(drawn[0]["lookback"], int)


def test_settings_left_out_are_removed_by_without():
    assert default_space().without(frozenset({"model", "lr"})).names == (
        "hidden_size", "num_layers", "dropout", "lookback", "batch_size", "window_norm", "skip", "loss")


REFUSED = {
    "unknown parameter": ({"hiden_size": {"low": 1, "high": 2}}, r"unknown parameter 'hiden_size'; searchable settings are model, "),
    "empty range": ({"hidden_size": {"low": 64, "high": 16}},
                    r"hidden_size: the range is empty \(low 64 is above high 16\); give low <= high"),
    "empty choices": ({"model": {"choices": []}}, r"model: choices must be a non-empty list"),
    "bad choice": ({"model": {"choices": ["gru", "transformer"]}}, r"model must be one of .*'transformer'"),
    "task setting": ({"test_size": {"low": 0.1, "high": 0.2}}, r"test_size cannot be searched"),
    "log from zero": ({"lr": {"low": 0, "high": 0.1, "log": True}}, r"lr: a log scale needs low > 0"),
    "fraction for an int": ({"num_layers": {"low": 1, "high": 2.5}}, r"num_layers: high must be a whole number"),
    "range of text": ({"model": {"low": 1, "high": 2}}, r"model is not a number: give a list of choices"),
    "unknown key": ({"lr": {"low": 1e-4, "high": 1e-2, "scale": "log"}}, r"lr: unknown key\(s\) scale"),
    "out of the setting's range": ({"dropout": {"low": 0.0, "high": 1.5}},
                                   r"^space file 's.toml': dropout must be a number in \[0, 1\), got 1.5; fix the range$"),
    "not a table": ({"lr": 0.01}, r"lr must be a table such as"),
    "season unit on a real": ({"lr": {"low": 1, "high": 2, "unit": "season"}}, r"unit = 'season' needs a whole-number"),
    "nothing": ({}, r"is empty; name at least one setting"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_bad_spaces_are_refused_with_the_parameter_and_the_fix(case):
    values, pattern = REFUSED[case]
    with pytest.raises(InputError, match=pattern) as caught:
        parse_space(values, "space file 's.toml'")
    assert str(caught.value).startswith("space file 's.toml'")
    assert "\n" not in str(caught.value)


def test_unreadable_files_are_refused(tmp_path):
    with pytest.raises(InputError, match=re.escape(f"space file '{tmp_path / 'none.toml'}' does not exist")):
        load_space(tmp_path / "none.toml")
    (tmp_path / "bad.toml").write_text("model = { choices = [")
    with pytest.raises(InputError, match="is not valid"):
        load_space(tmp_path / "bad.toml")
    (tmp_path / "space.json").write_text("{}")
    with pytest.raises(InputError, match=r"must end in \.toml, \.yaml or \.yml"):
        load_space(tmp_path / "space.json")
