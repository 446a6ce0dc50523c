"""The model family: one contract, checked over the whole registry."""

from __future__ import annotations

import pytest
import torch

from grucast.models import MODELS, CNNGRUForecaster, GRUForecaster, build_model


@pytest.mark.parametrize("name", sorted(MODELS))
def test_contract_shapes_and_gradients(name):
    model = build_model(name, input_size=4, horizon=6, num_targets=2, hidden_size=8, num_layers=2)
    x = torch.randn(5, 12, 4, requires_grad=True)
    y = model(x)
    assert y.shape == (5, 6, 2)
    y.square().mean().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_reads_each_steps_known_inputs_and_the_static_features(name):
    torch.manual_seed(0)
    model = build_model(name, input_size=4, horizon=3, hidden_size=8, n_future=2, n_static=1, category_sizes=(4, 3))
    x, future = torch.randn(5, 12, 4), torch.randn(5, 3, 2)
    static, categories = torch.randn(5, 1), torch.tensor([[1, 2], [0, 1], [3, 0], [2, 2], [1, 1]])
    base = model(x, future, static, categories)
    # The decoder's last layer starts at zero: untrained, it is the plain direct head.
    summary_only = model.decoder.head(model.decoder.dropout(_summary(model, x))).view(5, 3, 1)
    torch.testing.assert_close(base, summary_only)
    with torch.no_grad():
        model.decoder.out.weight.normal_()
    trained = model(x, future, static, categories)
    changed_step = future.clone()
    changed_step[:, 1] += 1.0
    moved = model(x, changed_step, static, categories)
    # A step's known inputs move that step's forecast, and no other.
    torch.testing.assert_close(moved[:, [0, 2]], trained[:, [0, 2]])
    assert (moved[:, 1] - trained[:, 1]).abs().min() > 0
    for other in (model(x, future, static + 1, categories), model(x, future, static, categories.flip(0))):
        assert not torch.allclose(other, trained)
    with pytest.raises(ValueError, match=r"expected future \(batch, 3, 2\), got None"):
        model(x)


def _summary(model, x):
    _, h_n = model.encoder(model.encoder_input(x))
    h_n = h_n[0] if isinstance(h_n, tuple) else h_n
    directions = 2 if getattr(model.encoder, "bidirectional", False) else 1
    return h_n[-directions:].transpose(0, 1).reshape(x.shape[0], -1)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_rows_are_independent(name):
    # A batch row's forecast depends on that row alone (no leakage across windows).
    model = build_model(name, input_size=3, horizon=2, hidden_size=8).eval()
    x = torch.randn(4, 10, 3)
    y = model(x)
    x2 = x.clone()
    x2[1:] = torch.randn(3, 10, 3)
    torch.testing.assert_close(model(x2)[0], y[0])


@pytest.mark.parametrize("name", ["gru", "bigru", "cnn-gru"])
def test_grucast_and_torch_backends_agree(name):
    ours = build_model(name, input_size=3, horizon=4, hidden_size=8, backend="grucast").double()
    ref = build_model(name, input_size=3, horizon=4, hidden_size=8, backend="torch").double()
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(6, 15, 3, dtype=torch.float64)
    torch.testing.assert_close(ours(x), ref(x), rtol=1e-12, atol=1e-12)


def test_cnn_front_end_is_causal():
    model = CNNGRUForecaster(input_size=2, horizon=1, kernel_size=4, conv_channels=5)
    x = torch.randn(1, 10, 2)
    before = model.encoder_input(x)
    x[:, 6:] = torch.randn(1, 4, 2)
    after = model.encoder_input(x)
    torch.testing.assert_close(after[:, :6], before[:, :6])
    assert (after[:, 6:] - before[:, 6:]).abs().max() > 0


def test_bidirectional_summary_uses_both_final_states():
    torch.manual_seed(0)
    model = build_model("bigru", input_size=2, horizon=3, hidden_size=4, num_layers=2).double().eval()
    x = torch.randn(5, 7, 2, dtype=torch.float64)
    out, h_n = model.encoder(x)
    # The last layer's forward state has read the whole window left to right (its
    # output at the last step); the backward state right to left (output at step 0).
    forward_final, backward_final = out[:, -1, :4], out[:, 0, 4:]
    torch.testing.assert_close(h_n[-2], forward_final)
    torch.testing.assert_close(h_n[-1], backward_final)
    expected = model.decoder.head(torch.cat([forward_final, backward_final], dim=1)).view(5, 3, 1)
    torch.testing.assert_close(model(x), expected)
    # Either half alone changes the forecast: both directions reach the head.
    for half in (slice(0, 4), slice(4, 8)):
        head = model.decoder.head.weight.detach().clone()
        with torch.no_grad():
            model.decoder.head.weight[:, half] = 0
        assert not torch.allclose(model(x), expected)
        with torch.no_grad():
            model.decoder.head.weight.copy_(head)


def test_errors_name_the_model_and_value():
    with pytest.raises(ValueError, match=r"unknown model 'transformer'; choose one of: gru, bigru, lstm"):
        build_model("transformer", input_size=1, horizon=1)
    with pytest.raises(ValueError, match=r"GRUForecaster: horizon must be a positive integer, got 0"):
        GRUForecaster(input_size=1, horizon=0)
    with pytest.raises(ValueError, match=r"GRUForecaster: dropout must be a number in \[0, 1\), got 1.0"):
        GRUForecaster(input_size=1, horizon=1, dropout=1.0)
    with pytest.raises(ValueError, match=r"torch.nn.GRU only has reset_after=True"):
        GRUForecaster(input_size=1, horizon=1, backend="torch", reset_after=False)
    model = GRUForecaster(input_size=3, horizon=1)
    with pytest.raises(ValueError, match=r"GRUForecaster: expected input \(batch, lookback, 3\), got \(2, 5, 4\)"):
        model(torch.randn(2, 5, 4))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_an_untrained_skip_adds_the_seasonal_naive_forecast_to_the_network(name):
    torch.manual_seed(0)
    skipped = build_model(name, input_size=2, horizon=7, num_targets=1, hidden_size=8, skip_lookback=10, skip_season=3)
    plain = build_model(name, input_size=2, horizon=7, num_targets=1, hidden_size=8)
    plain.load_state_dict({k: v for k, v in skipped.state_dict().items() if not k.startswith("skip.")})
    plain.eval(), skipped.eval()
    x = torch.randn(4, 10, 2)
    # Season 3 from a window of 10 rows: the last season is rows 7, 8, 9, repeated over the 7 steps.
    naive = x[:, [7, 8, 9, 7, 8, 9, 7], :1]
    torch.testing.assert_close(skipped(x), plain(x) + naive)


def test_the_skip_is_a_learned_linear_map_of_the_window_targets():
    model = GRUForecaster(input_size=3, horizon=2, num_targets=2, hidden_size=4, skip_lookback=4, skip_season=1,
                          quantiles=(0.1, 0.5, 0.9))
    weight = model.skip.linear.weight
    # Season 1 (the naive forecast): every step starts from the last row.
    assert weight.tolist() == [[0, 0, 0, 1], [0, 0, 0, 1]]
    with torch.no_grad():
        weight.copy_(torch.tensor([[1.0, 0, 0, 0], [0.5, 0, 0, 0.5]]))
        model.skip.linear.bias.copy_(torch.tensor([0.0, 2.0]))
    x = torch.randn(3, 4, 3)
    x_no_targets = x.clone()
    x_no_targets[:, :, :2] = 0
    # Zeroing the targets changes the network's output and the skip's by W x (the bias cancels).
    moved = model(x) - model(x_no_targets)
    without = model.skip
    model.skip = None
    network = model(x) - model(x_no_targets)
    model.skip = without
    first = x[:, 0, :2]
    mean = 0.5 * (x[:, 0, :2] + x[:, 3, :2])
    expected = torch.stack([first, mean], dim=1).unsqueeze(-1).expand(3, 2, 2, 3).reshape(3, 2, 6)
    torch.testing.assert_close(moved - network, expected)
    # Every quantile level moves alike, so the levels stay in order.
    levels = model(x).view(3, 2, 2, 3)
    assert (levels.diff(dim=-1) > 0).all()


def test_a_season_longer_than_the_window_leaves_those_steps_at_zero():
    model = GRUForecaster(input_size=1, horizon=4, hidden_size=4, skip_lookback=2, skip_season=4)
    # Step k reads lag 4 - k: lags 4 and 3 are beyond a 2-row window.
    assert model.skip.linear.weight.tolist() == [[0, 0], [0, 0], [1, 0], [0, 1]]
