"""Quantile and interval scores, worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from grucast.evaluation.probabilistic import (
    central_pairs,
    coverage,
    crps_from_quantiles,
    evaluate_quantiles,
    interval_score,
    mean_width,
    pinball,
    residual_quantiles,
    weighted_quantile_loss,
)


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
