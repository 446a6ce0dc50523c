"""Quantile and interval scores, worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from grucast.evaluation.probabilistic import (
    central_pairs,
    coverage,
    crps_from_quantiles,
    interval_score,
    mean_width,
    pinball,
    residual_quantiles,
    weighted_quantile_loss,
)
from grucast.evaluation.quantile_sums import IntervalSums, QuantileSums, evaluate_quantiles


def test_scores_by_hand():
    y = np.array([3.0, 1.5])
    low, high = np.array([1.0, 1.0]), np.array([2.0, 2.0])
    # y = 3 above [1, 2]: pinball 0.1 at q=1 is 0.1 * 2; at 0.9, q=2: 0.9 * 1. y = 1.5 inside: 0.1 * 0.5, 0.1 * 0.5.
    assert pinball(y, low, 0.1) == pytest.approx((0.2 + 0.05) / 2)
    assert pinball(y, high, 0.9) == pytest.approx((0.9 + 0.05) / 2)
    assert crps_from_quantiles(y, np.stack([low, high], axis=-1), [0.1, 0.9]) == pytest.approx(
        2 * ((0.125 + 0.475) / 2)
    )
    assert weighted_quantile_loss(y, low, 0.1) == pytest.approx(2 * (0.2 + 0.05) / 4.5)
    assert weighted_quantile_loss(np.zeros(2), low, 0.1) is None
    assert coverage(y, low, high) == 0.5 and mean_width(low, high) == 1.0
    # Interval score at alpha 0.2: width 1, plus 2 / 0.2 = 10 per unit outside: (1 + 10) and 1.
    assert interval_score(y, low, high, 0.2) == pytest.approx((11 + 1) / 2)


def test_pairs_and_per_step_scores():
    assert central_pairs([0.05, 0.1, 0.5, 0.9, 0.95]) == [(0, 4, 0.9), (1, 3, 0.8)]
    assert central_pairs([0.1, 0.5, 0.8]) == []
    actual = np.array([[1.0, 2.0], [3.0, 4.0]])
    quantiles = np.stack([actual - 1, actual, actual + 1], axis=-1)
    quantiles[1, 1] = [5.0, 6.0, 7.0]  # window 2, step 2: the actual 4 below the band
    scores = evaluate_quantiles(actual, quantiles, [0.1, 0.5, 0.9], ["a", "b"])
    assert scores["per_step"][1]["coverage_80"] == 1.0 and scores["per_step"][2]["coverage_80"] == 0.5
    assert scores["per_series"]["b"]["coverage_80"] == 0.5
    assert scores["overall"]["width_80"] == 2.0
    assert scores["overall"]["pinball_0.5"] == pytest.approx((0 + 0 + 0 + 0.5 * 2) / 4)


def test_residual_quantiles_are_per_step():
    residuals = np.column_stack([np.arange(101.0), -np.arange(101.0)])
    table = residual_quantiles(residuals, [0.1, 0.5, 0.9])
    np.testing.assert_allclose(table, [[10, 50, 90], [-90, -50, -10]])


def _reference(actual, quantiles, levels):
    """One group's scores from the single-array functions."""
    out = {f"pinball_{level:g}": pinball(actual, quantiles[..., j], level) for j, level in enumerate(levels)}
    wql = [weighted_quantile_loss(actual, quantiles[..., j], level) for j, level in enumerate(levels)]
    out["wql"] = None if any(value is None for value in wql) else float(np.mean(wql))
    out["crps"] = crps_from_quantiles(actual, quantiles, levels)
    for low, high, nominal in central_pairs(levels):
        name = f"{100 * nominal:g}"
        out[f"coverage_{name}"] = coverage(actual, quantiles[..., low], quantiles[..., high])
        out[f"width_{name}"] = mean_width(quantiles[..., low], quantiles[..., high])
        out[f"interval_score_{name}"] = interval_score(actual, quantiles[..., low], quantiles[..., high], 1 - nominal)
    return out


def _same(got, expected):
    assert list(got) == list(expected)
    for key, value in expected.items():
        assert got[key] == (None if value is None else pytest.approx(value, rel=1e-12, abs=1e-14)), key


@pytest.mark.parametrize("chunk", [1, 5, 100])
def test_chunked_quantile_sums_equal_the_functions_per_group(chunk):
    rng = np.random.default_rng(7)
    levels = [0.05, 0.1, 0.5, 0.9, 0.95]
    actual = rng.normal(5, 2, (40, 3))
    actual[rng.integers(0, 6, 40) == 5] = 0.0  # a series of zeros: its wQL is undefined
    labels = np.array([f"s{k}" for k in rng.integers(0, 6, 40)])
    actual[labels == "s5"] = 0.0
    quantiles = np.sort(actual[..., None] + rng.normal(0, 2, (40, 3, len(levels))), axis=-1)
    sums = QuantileSums(levels, 6, 3)
    codes = np.array([int(label[1:]) for label in labels])
    for start in range(0, 40, chunk):
        sums.add(codes[start : start + chunk], actual[start : start + chunk], quantiles[start : start + chunk])
    order = np.array(list(dict.fromkeys(codes.tolist())))
    got = sums.result(order, [f"s{k}" for k in range(6)])
    _same(got["overall"], _reference(actual, quantiles, levels))
    assert list(got["per_series"]) == [f"s{k}" for k in order]
    for label, scores in got["per_series"].items():
        _same(scores, _reference(actual[labels == label], quantiles[labels == label], levels))
    assert got["per_series"]["s5"]["wql"] is None
    for step in range(3):
        _same(got["per_step"][step + 1], _reference(actual[:, step], quantiles[:, step], levels))
    assert sums.reliability() == {level: pytest.approx(float((actual <= quantiles[..., j]).mean()))
                                  for j, level in enumerate(levels)}
    if chunk == 100:  # one chunk, as evaluate_quantiles takes these 40 windows: the same additions
        assert evaluate_quantiles(actual, quantiles, levels, labels) == got


def test_interval_sums_equal_the_functions():
    rng = np.random.default_rng(8)
    actual = rng.normal(size=(30, 4))
    lower, upper = actual - rng.uniform(-0.5, 1, (30, 4)), actual + rng.uniform(-0.5, 1, (30, 4))
    sums = IntervalSums(0.8, 4)
    for start in range(0, 30, 7):
        sums.add(actual[start : start + 7], lower[start : start + 7], upper[start : start + 7])
    assert sums.result() == {
        "coverage": pytest.approx(coverage(actual, lower, upper)),
        "width": pytest.approx(mean_width(lower, upper)),
        "interval_score": pytest.approx(interval_score(actual, lower, upper, 0.2)),
    }
    assert sums.coverage_per_step() == pytest.approx(((actual >= lower) & (actual <= upper)).mean(axis=0).tolist())
