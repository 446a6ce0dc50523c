"""grucast.nn.mingru.MinGRU: parallel scan vs sequential loop vs the paper's equations."""

from __future__ import annotations

import itertools
import math
import re

import pytest
import torch
from torch.nn import functional as F

from grucast.nn.mingru import MinGRU, min_gru_g, min_gru_log_g

F64 = {"rtol": 1e-10, "atol": 1e-10}
# float32, 2048 steps: the parallel scan adds and subtracts A_t (here down to about
# -1600), so its relative rounding is about |A_t| * 2**-24 ~ 1e-4; see MinGRU's Note.
F32_LONG = {"rtol": 1e-3, "atol": 1e-3}


def twins(dtype=torch.float64, **kwargs):
    """The same weights in a parallel and a sequential MinGRU."""
    parallel = MinGRU(dtype=dtype, mode="parallel", **kwargs)
    sequential = MinGRU(dtype=dtype, mode="sequential", **kwargs)
    sequential.load_state_dict(parallel.state_dict())
    return parallel, sequential


def loss_and_grads(module, x, hx, weights):
    out, h_n = module(x, hx)
    loss = (out * weights[0]).sum() + (h_n * weights[1]).sum()
    inputs = [x] + ([hx] if hx is not None else []) + list(module.parameters())
    return out, h_n, torch.autograd.grad(loss, inputs)


def hand_written(state_dict, num_layers, x, h0):
    """The three equations of the paper, one scalar at a time, in Python floats.

    x: nested lists (L, N, F); h0: nested lists (num_layers, N, H).
    Returns the last layer's outputs (L, N, H) and the final states (num_layers, N, H).
    """
    layer_input = x
    finals = []
    for layer in range(num_layers):
        weight = state_dict[f"weight_ih_l{layer}"].tolist()
        bias = state_dict[f"bias_ih_l{layer}"].tolist()
        hidden = len(weight) // 2
        h = [list(row) for row in h0[layer]]
        outputs = []
        for x_t in layer_input:
            for n, x_tn in enumerate(x_t):
                for j in range(hidden):
                    k_z = sum(w * v for w, v in zip(weight[j], x_tn)) + bias[j]
                    k_h = sum(w * v for w, v in zip(weight[hidden + j], x_tn)) + bias[hidden + j]
                    z = 1.0 / (1.0 + math.exp(-k_z))
                    candidate = k_h + 0.5 if k_h >= 0 else 1.0 / (1.0 + math.exp(-k_h))
                    h[n][j] = (1.0 - z) * h[n][j] + z * candidate
            outputs.append([list(row) for row in h])
        finals.append(h)
        layer_input = outputs
    return torch.tensor(layer_input, dtype=torch.float64), torch.tensor(finals, dtype=torch.float64)


HX_KINDS = ["none", "random", "negative"]
CASES = list(itertools.product([1, 2, 3], [False, True], HX_KINDS, [True, False]))


@pytest.mark.parametrize("num_layers,batch_first,hx_kind,bias", CASES)
def test_parallel_matches_sequential_float64(num_layers, batch_first, hx_kind, bias):
    parallel, sequential = twins(
        input_size=3, hidden_size=5, num_layers=num_layers, bias=bias, batch_first=batch_first
    )
    steps, batch = 9, 4
    shape = (batch, steps, 3) if batch_first else (steps, batch, 3)
    x = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    hx = None
    if hx_kind != "none":
        hx = torch.randn(num_layers, batch, 5, dtype=torch.float64)
        if hx_kind == "negative":
            hx = -3.0 - hx.abs()  # every entry <= -3: no log of it can be taken
        hx.requires_grad_(True)
    out_shape = shape[:2] + (5,)
    weights = (
        torch.randn(out_shape, dtype=torch.float64),
        torch.randn(num_layers, batch, 5, dtype=torch.float64),
    )
    out_p, h_p, grads_p = loss_and_grads(parallel, x, hx, weights)
    out_s, h_s, grads_s = loss_and_grads(sequential, x, hx, weights)
    assert out_p.shape == out_shape
    assert h_p.shape == (num_layers, batch, 5)
    torch.testing.assert_close(out_p, out_s, **F64)
    torch.testing.assert_close(h_p, h_s, **F64)
    # the last layer's output at the last step is its final state
    torch.testing.assert_close(out_p[:, -1] if batch_first else out_p[-1], h_p[-1], rtol=0, atol=0)
    assert len(grads_p) == len(grads_s) == 1 + (hx is not None) + num_layers * (2 if bias else 1)
    for got, want in zip(grads_p, grads_s):
        assert got.abs().max() > 0
        torch.testing.assert_close(got, want, **F64)


@pytest.mark.parametrize("mode", ["parallel", "sequential"])
def test_matches_hand_written_equations(mode):
    module = MinGRU(3, 2, num_layers=2, dtype=torch.float64, mode=mode)
    with torch.no_grad():
        # wide weights so both branches of g (v >= 0 and v < 0) are exercised
        for p in module.parameters():
            p.mul_(3.0)
    x = torch.randn(6, 2, 3, dtype=torch.float64)
    h0 = torch.tensor([[[-2.0, 0.5], [1.5, -0.25]], [[0.75, -1.0], [-3.0, 2.0]]], dtype=torch.float64)
    k_h = F.linear(x, module.weight_ih_l0, module.bias_ih_l0)[..., 2:]
    assert (k_h >= 0).any() and (k_h < 0).any()

    out_ref, h_ref = hand_written(module.state_dict(), 2, x.tolist(), h0.tolist())
    out, h_n = module(x, h0)
    torch.testing.assert_close(out, out_ref, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(h_n, h_ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["parallel", "sequential"])
def test_unbatched_equals_batch_of_one(mode):
    module = MinGRU(3, 4, num_layers=2, dtype=torch.float64, mode=mode)
    x = torch.randn(7, 3, dtype=torch.float64)
    hx = torch.randn(2, 4, dtype=torch.float64)
    out, h_n = module(x, hx)
    out_b, h_b = module(x.unsqueeze(1), hx.unsqueeze(1))
    assert out.shape == (7, 4) and h_n.shape == (2, 4)
    torch.testing.assert_close(out, out_b.squeeze(1), rtol=0, atol=0)
    torch.testing.assert_close(h_n, h_b.squeeze(1), rtol=0, atol=0)
    out0, _ = module(x)
    out0_ref, _ = module(x, torch.zeros(2, 4, dtype=torch.float64))
    torch.testing.assert_close(out0, out0_ref, rtol=0, atol=0)


def test_unbatched_parallel_matches_sequential():
    parallel, sequential = twins(input_size=3, hidden_size=4, num_layers=3)
    x = torch.randn(11, 3, dtype=torch.float64)
    hx = -torch.rand(3, 4, dtype=torch.float64) - 1.0
    out_p, h_p = parallel(x, hx)
    out_s, h_s = sequential(x, hx)
    torch.testing.assert_close(out_p, out_s, **F64)
    torch.testing.assert_close(h_p, h_s, **F64)


def test_long_sequence_float32_is_finite_and_matches():
    steps, batch, hidden = 2048, 2, 8
    parallel, sequential = twins(torch.float32, input_size=3, hidden_size=hidden)
    x = torch.randn(steps, batch, 3, requires_grad=True)
    hx = torch.randn(1, batch, hidden) * 3.0

    # The test is only meaningful if the cumulative log-decay is far below what
    # float32 can exponentiate: prod(1 - z) underflows and its inverse overflows.
    k_z = F.linear(x, parallel.weight_ih_l0, parallel.bias_ih_l0)[..., :hidden]
    big_a = (-F.softplus(k_z)).cumsum(0)
    assert big_a.min() < -1000
    assert torch.isinf(torch.exp(-big_a)).any()

    out_p, h_p = parallel(x, hx)
    out_s, h_s = sequential(x, hx)
    assert torch.isfinite(out_p).all() and torch.isfinite(h_p).all()
    torch.testing.assert_close(out_p, out_s, **F32_LONG)
    torch.testing.assert_close(h_p, h_s, **F32_LONG)

    # and against the float64 truth
    truth, _ = sequential.double()(x.detach().double(), hx.double())
    torch.testing.assert_close(out_p.double(), truth, **F32_LONG)

    grads = torch.autograd.grad(out_p.sum() + h_p.sum(), [x, *parallel.parameters()])
    for grad in grads:
        assert torch.isfinite(grad).all()
        assert grad.abs().max() > 0


def test_short_sequence_float32_matches_closely():
    parallel, sequential = twins(torch.float32, input_size=4, hidden_size=16, num_layers=2)
    x = torch.randn(40, 8, 4)
    hx = torch.randn(2, 8, 16)
    out_p, h_p = parallel(x, hx)
    out_s, h_s = sequential(x, hx)
    torch.testing.assert_close(out_p, out_s, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(h_p, h_s, rtol=1e-5, atol=1e-5)


def test_parallel_gradients_pass_gradcheck():
    module = MinGRU(2, 3, num_layers=2, dtype=torch.float64)
    x = torch.randn(5, 2, 2, dtype=torch.float64, requires_grad=True)
    hx = (-torch.rand(2, 2, 3, dtype=torch.float64) - 0.5).requires_grad_(True)
    weight = torch.randn(5, 2, 3, dtype=torch.float64)

    def loss(x, hx, *params):
        out, h_n = torch.func.functional_call(
            module, dict(zip([n for n, _ in module.named_parameters()], params)), (x, hx)
        )
        return (out * weight).sum() + h_n.sum()

    params = [p.detach().clone().requires_grad_(True) for p in module.parameters()]
    assert torch.autograd.gradcheck(loss, (x, hx, *params))


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("mode", ["parallel", "sequential"])
def test_step_by_step_matches_forward(mode, batched):
    module = MinGRU(3, 4, num_layers=3, dtype=torch.float64, mode=mode)
    batch = (2,) if batched else ()
    x = torch.randn(8, *batch, 3, dtype=torch.float64)
    hx = torch.randn(3, *batch, 4, dtype=torch.float64)
    out, h_n = module(x, hx)
    h = hx
    for t in range(x.shape[0]):
        y_t, h = module.step(x[t], h)
        torch.testing.assert_close(y_t, out[t], **F64)
    torch.testing.assert_close(h, h_n, **F64)
    y0, h0 = module.step(x[0])
    torch.testing.assert_close(y0, module(x[:1])[0][0], **F64)
    assert h0.shape == hx.shape


def test_activation_g():
    v = torch.tensor([-50.0, -2.0, -1e-6, 0.0, 1e-6, 3.0], dtype=torch.float64)
    expected = torch.tensor(
        [1 / (1 + math.exp(50.0)), 1 / (1 + math.exp(2.0)), 1 / (1 + math.exp(1e-6))]
        + [0.5, 0.5 + 1e-6, 3.5],
        dtype=torch.float64,
    )
    torch.testing.assert_close(min_gru_g(v), expected, rtol=1e-14, atol=0)
    torch.testing.assert_close(min_gru_log_g(v), expected.log(), rtol=1e-14, atol=1e-14)
    # float32: sigma(-200) underflows to 0 but its log does not
    far = torch.tensor([-200.0, 0.0, 200.0], requires_grad=True)
    log_g = min_gru_log_g(far)
    assert torch.isfinite(log_g).all() and log_g[0].item() == pytest.approx(-200.0)
    (grad,) = torch.autograd.grad(log_g.sum(), far)
    assert torch.isfinite(grad).all()


@pytest.mark.parametrize("bias", [True, False])
def test_state_dict_keys_and_shapes(bias):
    module = MinGRU(4, 6, num_layers=3, bias=bias)
    shapes = {name: tuple(t.shape) for name, t in module.state_dict().items()}
    expected = {"weight_ih_l0": (12, 4), "weight_ih_l1": (12, 6), "weight_ih_l2": (12, 6)}
    if bias:
        expected.update({f"bias_ih_l{k}": (12,) for k in range(3)})
    assert shapes == expected
    twin = MinGRU(4, 6, num_layers=3, bias=bias)
    twin.load_state_dict(module.state_dict())
    x = torch.randn(5, 2, 4)
    torch.testing.assert_close(twin(x)[0], module(x)[0], rtol=0, atol=0)


def test_initialisation_range():
    module = MinGRU(64, 100, num_layers=2, dtype=torch.float64)
    bound = 1.0 / math.sqrt(100)
    for name, param in module.named_parameters():
        assert param.abs().max() <= bound, name
        assert param.abs().max() > 0.9 * bound, name
        assert abs(param.mean().item()) < 0.2 * bound, name


def test_dropout_between_layers():
    module = MinGRU(3, 4, num_layers=2, dropout=1.0, dtype=torch.float64)
    x = torch.randn(6, 2, 3, dtype=torch.float64)
    # training with p = 1: the second layer sees zeros, so it only sees its bias
    out, h_n = module.train()(x)
    zeros = torch.zeros(6, 2, 4, dtype=torch.float64)
    top = MinGRU(4, 4, dtype=torch.float64)
    top.weight_ih_l0.data.copy_(module.weight_ih_l1)
    top.bias_ih_l0.data.copy_(module.bias_ih_l1)
    out_top, _ = top(zeros)
    torch.testing.assert_close(out, out_top, **F64)
    # the first layer's final state is untouched by dropout
    no_drop = MinGRU(3, 4, num_layers=2, dtype=torch.float64)
    no_drop.load_state_dict(module.state_dict())
    torch.testing.assert_close(h_n[0], no_drop(x)[1][0], **F64)
    # evaluation: no dropout at all
    torch.testing.assert_close(module.eval()(x)[0], no_drop(x)[0], rtol=0, atol=0)


def test_dropout_warns_with_one_layer():
    message = "MinGRU: dropout=0.5 has no effect with num_layers=1"
    with pytest.warns(UserWarning, match=re.escape(message)):
        MinGRU(2, 3, dropout=0.5)


CONSTRUCTOR_ERRORS = [
    ({"input_size": 0}, ValueError, "MinGRU: input_size must be at least 1, got 0"),
    ({"input_size": 2.0}, TypeError, "MinGRU: input_size must be an int, got float 2.0"),
    ({"hidden_size": -3}, ValueError, "MinGRU: hidden_size must be at least 1, got -3"),
    ({"hidden_size": True}, TypeError, "MinGRU: hidden_size must be an int, got bool True"),
    ({"num_layers": 0}, ValueError, "MinGRU: num_layers must be at least 1, got 0"),
    ({"bias": 1}, TypeError, "MinGRU: bias must be True or False, got 1"),
    ({"batch_first": "yes"}, TypeError, "MinGRU: batch_first must be True or False, got 'yes'"),
    ({"dropout": 1.5}, ValueError, "MinGRU: dropout must be in [0, 1], got 1.5"),
    ({"dropout": "0.1"}, TypeError, "MinGRU: dropout must be a float in [0, 1], got '0.1'"),
    (
        {"mode": "scan"},
        ValueError,
        "MinGRU: mode must be 'parallel' (log-space scan, for training) or 'sequential' "
        "(a loop over time, for inference), got 'scan'",
    ),
]


@pytest.mark.parametrize("kwargs,error,message", CONSTRUCTOR_ERRORS)
def test_constructor_errors(kwargs, error, message):
    arguments = {"input_size": 2, "hidden_size": 3, "num_layers": 2, **kwargs}
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        MinGRU(**arguments)


def test_bidirectional_is_not_offered():
    with pytest.raises(TypeError, match="bidirectional"):
        MinGRU(2, 3, bidirectional=True)


def test_mode_assignment_is_checked():
    module = MinGRU(2, 3)
    module.mode = "sequential"
    assert module.mode == "sequential" and "mode='sequential'" in repr(module)
    with pytest.raises(ValueError, match=re.escape("MinGRU: mode must be 'parallel'")):
        module.mode = "Parallel"
    assert module.mode == "sequential"


INPUT_ERRORS = [
    (
        lambda: (torch.randn(4),),
        ValueError,
        "MinGRU: expected input to be 2-D (unbatched) or 3-D (batched), got 1-D with shape (4,)",
    ),
    (
        lambda: (torch.randn(5, 2, 7),),
        ValueError,
        "MinGRU: input has 7 features in its last dimension but the layer was built with "
        "input_size=3",
    ),
    (
        lambda: (torch.randn(0, 2, 3),),
        ValueError,
        "MinGRU: the input sequence is empty (length 0); give at least one step",
    ),
    (lambda: ([[1.0, 2.0, 3.0]],), TypeError, "MinGRU: input must be a Tensor, got list"),
    (
        lambda: (torch.randn(5, 2, 3), torch.randn(1, 2, 4)),
        ValueError,
        "MinGRU: expected hx of shape (2, 2, 4) (num_layers, N, hidden_size), got (1, 2, 4)",
    ),
    (
        lambda: (torch.randn(5, 3), torch.randn(2, 1, 4)),
        ValueError,
        "MinGRU: expected hx of shape (2, 4) (num_layers, hidden_size), got (2, 1, 4)",
    ),
    (
        lambda: (torch.randn(5, 2, 3), torch.randn(2, 2, 4, dtype=torch.float64)),
        ValueError,
        "MinGRU: hx (torch.float64, cpu) must match input (torch.float32, cpu); "
        "move or cast one of them",
    ),
    (
        lambda: (torch.randn(5, 2, 3), [[0.0] * 4] * 2),
        TypeError,
        "MinGRU: hx must be a Tensor or None, got list",
    ),
]


@pytest.mark.parametrize("make_args,error,message", INPUT_ERRORS)
def test_input_errors(make_args, error, message):
    module = MinGRU(3, 4, num_layers=2)
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        module(*make_args())


def test_step_input_errors():
    module = MinGRU(3, 4, num_layers=2)
    message = (
        "MinGRU.step: expected one time step of shape (N, 3) or (3,), got (5, 2, 3); "
        "for a whole sequence call the module itself"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        module.step(torch.randn(5, 2, 3))
    with pytest.raises(ValueError, match=re.escape("MinGRU: expected hx of shape (2, 2, 4)")):
        module.step(torch.randn(2, 3), torch.randn(2, 4))
