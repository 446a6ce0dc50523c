"""The many-groups pass equals the metric functions applied group by group."""

from __future__ import annotations

import numpy as np
import pytest

from grucast.evaluation import evaluate_forecasts
from grucast.evaluation.grouped import grouped_metrics, mase_scales
from grucast.evaluation.metrics import UndefinedMetricError, mase_scale
from grucast.evaluation.summary import _block


def _one_group(actual, forecast, scaled, where):
    """The single-group path of evaluate_forecasts, which calls the metric functions."""
    notes = []
    values = _block(actual, forecast, scaled[~np.isnan(scaled)], where, notes)
    return values, notes


def _assert_same(got, expected):
    assert got.keys() == expected.keys()
    for name in got:
        if expected[name] is None:
            assert got[name] is None, name
        else:
            assert got[name] == pytest.approx(expected[name], rel=1e-12, abs=1e-12), name


def test_grouped_metrics_equal_the_functions_group_by_group():
    rng = np.random.default_rng(3)
    windows, horizon = 60, 4
    actual = rng.normal(10, 3, (windows, horizon))
    forecast = actual + rng.normal(0, 1, (windows, horizon))
    actual[rng.random((windows, horizon)) < 0.05] = 0.0  # zeros: MAPE undefined in some groups
    labels = rng.integers(0, 9, windows)
    labels[labels == 8] = 7
    rows_of_7 = np.flatnonzero(labels == 7)
    actual[rows_of_7] = 2.5  # a constant group: R² undefined
    forecast[rows_of_7[:1]] = 0.0
    actual[labels == 6] = 0.0  # zeros and forecasts both zero: sMAPE's 0/0 counts as 0
    forecast[labels == 6] = 0.0
    scaled = np.abs(actual - forecast) / rng.uniform(0.5, 2.0, windows)[:, None]
    scaled[labels == 5] = np.nan  # a series with no MASE scale
    groups = [np.flatnonzero(labels == k) for k in range(8) if (labels == k).any()]
    names = [f"s{k}" for k in range(8) if (labels == k).any()]
    got, notes = grouped_metrics(actual, forecast, scaled, groups, names)
    expected_notes = []
    for rows, name, values in zip(groups, names, got):
        expected, group_notes = _one_group(actual[rows], forecast[rows], scaled[rows], f"series {name!r}")
        _assert_same(values, expected)
        expected_notes += group_notes
    assert notes == expected_notes
    assert any("MAPE is undefined" in note for note in notes) and any("R² is undefined" in note for note in notes)
    assert got[names.index("s5")]["mase"] is None
    assert got[names.index("s6")]["smape"] == 0.0


def test_mase_scales_equal_mase_scale_part_by_part():
    rng = np.random.default_rng(4)
    parts = [rng.normal(size=n) for n in (1, 2, 5, 13, 30)] + [np.arange(10), np.ones(6, dtype=np.float32)]
    lags = np.array([1, 1, 4, 12, 12, 3, 1])
    got = mase_scales(parts, lags)
    for part, lag, value in zip(parts, lags, got):
        if len(part) <= lag:
            assert np.isnan(value)
        else:
            try:
                expected = mase_scale(part, int(lag))
            except UndefinedMetricError:
                expected = 0.0
            assert value == pytest.approx(expected, rel=1e-12, abs=0)
    assert mase_scales([np.array([1.0, np.nan])], np.array([1])) is None
    assert mase_scales([np.ones((2, 2))], np.array([1])) is None


def test_evaluate_forecasts_names_a_training_part_with_nan():
    with pytest.raises(ValueError, match=r"train\['a'\]: y_train contains 1 non-finite value"):
        evaluate_forecasts(np.ones((1, 2)), np.ones((1, 2)), np.array(["a"]), {"a": np.array([1.0, np.nan, 2.0])})


def test_evaluate_forecasts_notes_a_flat_training_part():
    result = evaluate_forecasts(
        np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.5, 2.0], [3.0, 3.0]]), np.array(["flat", "ok"]),
        {"flat": np.array([2.0, 2.0, 2.0]), "ok": np.array([1.0, 2.0, 4.0])},
    )
    assert result.per_series["flat"]["mase"] is None
    assert result.per_series["ok"]["mase"] == pytest.approx(0.5 / 1.5)
    assert "series 'flat': MASE is undefined: the seasonal naive forecast (season 1) is exact on y_train" in result.notes[0]


@pytest.mark.parametrize("season, error, message", [
    (0, ValueError, "season must be a positive integer, got 0"),
    (-1, ValueError, "season must be a positive integer, got -1"),
    (2.5, TypeError, "season must be"),
    (True, TypeError, "season must be"),
])
def test_evaluate_forecasts_checks_the_season_first(season, error, message):
    with pytest.raises(error, match=message):
        evaluate_forecasts(np.ones((1, 2)), np.ones((1, 2)), np.array(["a"]), {"a": np.arange(5.0)}, season)
