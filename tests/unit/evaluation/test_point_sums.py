"""Metrics from chunked sums equal the metric functions applied group by group."""

from __future__ import annotations

import numpy as np
import pytest

from grucast.evaluation import METRIC_NAMES, evaluate_forecasts
from grucast.evaluation.metrics import UndefinedMetricError, mae, mape, mase_scale, mse, r2, rmse, smape
from grucast.evaluation.point_sums import PointSums
from grucast.evaluation.scales import mase_scales

_PLAIN = {"mae": mae, "rmse": rmse, "mse": mse, "mape": mape, "smape": smape, "r2": r2}


def _one_group(actual, forecast, scaled, where):
    """One group scored by the checked metric functions, notes worded as they raise."""
    notes, values = [], {}
    scaled = scaled[~np.isnan(scaled)]
    for name in METRIC_NAMES:
        if name == "mase":
            values[name] = float(np.mean(scaled)) if scaled.size else None
            continue
        try:
            values[name] = _PLAIN[name](actual, forecast)
        except UndefinedMetricError as error:
            values[name] = None
            notes.append(f"{where}: {error}")
    return values, notes


def _assert_same(got, expected):
    assert got.keys() == expected.keys()
    for name in got:
        if expected[name] is None:
            assert got[name] is None, name
        else:
            assert got[name] == pytest.approx(expected[name], rel=1e-12, abs=1e-12), name


@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_chunked_sums_equal_the_functions_overall_per_series_and_per_step(chunk):
    rng = np.random.default_rng(3)
    windows, horizon = 60, 4
    actual = rng.normal(10, 3, (windows, horizon))
    forecast = actual + rng.normal(0, 1, (windows, horizon))
    actual[rng.random((windows, horizon)) < 0.05] = 0.0  # zeros: MAPE undefined in some groups
    labels = rng.integers(0, 9, windows)  # series interleaved: each spans several chunks
    labels[labels == 8] = 7
    rows_of_7 = np.flatnonzero(labels == 7)
    actual[rows_of_7] = 2.5  # a constant group: R² undefined
    forecast[rows_of_7[:1]] = 0.0
    actual[labels == 6] = 0.0  # zeros and forecasts both zero: sMAPE's 0/0 counts as 0
    forecast[labels == 6] = 0.0
    actual[:, 2] = 4.0  # a constant step
    scales = rng.uniform(0.5, 2.0, 9)
    scales[5] = np.nan  # a series with no MASE scale
    sums = PointSums(scales, np.ones(9, dtype=np.int64), 1, horizon, ["model"])
    for start in range(0, windows, chunk):
        rows = slice(start, start + chunk)
        sums.add(labels[rows], actual[rows], {"model": forecast[rows]})
    names = [f"s{k}" for k in range(9)]
    overall, per_series, per_step, notes = sums.result(names)["model"]

    scaled = np.abs(actual - forecast) / scales[labels][:, None]
    expected, expected_notes = _one_group(actual, forecast, scaled, "overall")
    _assert_same(overall, expected)
    order = list(dict.fromkeys(labels.tolist()))
    assert list(per_series) == [names[k] for k in order]
    for k in order:
        rows = labels == k
        values, group_notes = _one_group(actual[rows], forecast[rows], scaled[rows], f"series {names[k]!r}")
        _assert_same(per_series[names[k]], values)
        expected_notes += group_notes
    for step in range(horizon):
        values, step_notes = _one_group(actual[:, step], forecast[:, step], scaled[:, step], f"step {step + 1}")
        _assert_same(per_step[step + 1], values)
        expected_notes += step_notes
    assert notes == ["overall and per-step mase leave out series 's5', which have no MASE scale", *expected_notes]
    assert any("MAPE is undefined" in note for note in notes) and any("R² is undefined" in note for note in notes)
    assert "step 3: R² is undefined: y_true is constant (60 values, all 4)" in " ".join(notes)
    assert per_series["s5"]["mase"] is None
    # s6: three 0/0 cells per window count as 0, the fourth (actual 4, forecast 0) as 1.
    assert per_series["s6"]["smape"] == 50.0


def test_a_series_with_no_window_is_left_out_of_the_scores_and_notes():
    sums = PointSums(np.array([0.0, 1.0, np.nan]), np.array([1, 1, 1]), 1, 1, ["model"])
    sums.add(np.array([1, 1]), np.array([[1.0], [2.0]]), {"model": np.array([[1.5], [2.0]])})
    overall, per_series, _, notes = sums.result(["flat", "b", "short"])["model"]
    assert list(per_series) == ["b"] and notes == []
    assert overall["mae"] == 0.25 and overall["mase"] == 0.25


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


def test_sums_of_shares_of_the_series_put_together_equal_the_sums_of_all():
    rng = np.random.default_rng(9)
    horizon, series = 3, 7
    labels = np.sort(rng.integers(0, series, 80))  # windows in series order, as each share scores them
    actual = rng.normal(5, 2, (80, horizon))
    actual[labels == 2] = 1.5  # constant: R² undefined
    forecasts = {"model": actual + rng.normal(0, 1, (80, horizon)), "naive": actual + 1.0}
    scales, lags = rng.uniform(0.5, 2, series), np.full(series, 4)
    scales[4] = 0.0  # an exact seasonal naive: noted
    whole = PointSums(scales, lags, 4, horizon, list(forecasts))
    whole.add(labels, actual, forecasts)
    parts = []
    for low, high in ((0, 3), (3, 7)):  # shares of whole series, each numbering its own from 0
        rows = (labels >= low) & (labels < high)
        part = PointSums(scales[low:high], lags[low:high], 4, horizon, list(forecasts))
        for start in range(0, rows.sum(), 5):
            chunk = slice(start, start + 5)
            part.add(labels[rows][chunk] - low, actual[rows][chunk], {k: v[rows][chunk] for k, v in forecasts.items()})
        parts.append(part)
    names = [f"s{k}" for k in range(series)]
    expected, got = whole.result(names), PointSums.concat(parts).result(names)
    for name in forecasts:
        for want, have in zip(expected[name][:3], got[name][:3]):
            flat_want = want.values() if isinstance(next(iter(want.values())), dict) else [want]
            flat_have = have.values() if isinstance(next(iter(have.values())), dict) else [have]
            for a, b in zip(flat_have, flat_want):
                _assert_same(a, b)
        assert list(got[name][1]) == list(expected[name][1])
        assert got[name][3] == expected[name][3]
