"""The training losses, against values worked out by hand."""

from __future__ import annotations

import pytest
import torch

from grucast.models.losses import seasonal_scaled_error


def test_each_window_is_scaled_by_its_own_seasonal_naive_error():
    # Window 1, season 2: |3-1|, |2-2|, |5-3|, |2-2| -> mean 1; its error |1| + |3| over 2 steps -> 2; ratio 2.
    # Window 2: steps of 4 and 0 and 4 and 0 -> 2; error (0 + 1) / 2 -> 0.5; ratio 0.25.
    history = torch.tensor([[1.0, 2.0, 3.0, 2.0, 5.0, 2.0], [0.0, 1.0, 4.0, 1.0, 8.0, 1.0]])
    target = torch.tensor([[[4.0], [6.0]], [[2.0], [3.0]]])
    prediction = torch.tensor([[[3.0], [3.0]], [[2.0], [2.0]]])
    loss = seasonal_scaled_error(prediction, target, history, season=2)
    assert loss.item() == pytest.approx((2.0 + 0.25) / 2)


def test_padded_rows_are_left_out_and_short_windows_fall_back_to_lag_one():
    history = torch.tensor([[0.0, 0.0, 1.0, 4.0, 2.0]])
    observed = torch.tensor([[False, False, True, True, True]])
    target, prediction = torch.tensor([[[6.0]]]), torch.tensor([[[0.0]]])
    # Season 2: the only observed pair two apart is (1, 2) -> scale 1, error 6.
    assert seasonal_scaled_error(prediction, target, history, 2, observed).item() == pytest.approx(6.0)
    # Season 5 fills the window: lag 1 instead, pairs (1, 4) and (4, 2) -> scale 2.5.
    assert seasonal_scaled_error(prediction, target, history, 5, observed).item() == pytest.approx(6.0 / 2.5)
    # No observed pair at all: the plain error; a flat window: the floor, 0.01.
    alone = torch.tensor([[False, False, False, False, True]])
    assert seasonal_scaled_error(prediction, target, history, 2, alone).item() == pytest.approx(6.0)
    flat = torch.ones(1, 5)
    assert seasonal_scaled_error(prediction, target, flat, 2).item() == pytest.approx(600.0)


def test_the_forecasts_gradient_is_the_sign_over_the_scale():
    history = torch.tensor([[1.0, 3.0, 2.0, 6.0]], requires_grad=True)
    prediction = torch.tensor([[[1.0], [5.0]]], requires_grad=True)
    target = torch.tensor([[[2.0], [4.0]]])
    seasonal_scaled_error(prediction, target, history, 2).backward()
    # Scale: |2-1|, |6-3| -> 2; d/dprediction of mean |error| / 2 is sign / (2 * 2).
    torch.testing.assert_close(prediction.grad, torch.tensor([[[-0.25], [0.25]]]))
