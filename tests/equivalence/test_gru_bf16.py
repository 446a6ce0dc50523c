"""grucast.nn.GRU under bfloat16 autocast on the CPU: the fused kernel's bf16 path.

Matmuls read bfloat16 and accumulate in float32; the gate math and the state stay
float32. Proven here against (1) an emulation of exactly that in float64 (bf16-rounded
matmul inputs, everything else exact) to float32 accuracy, and (2) the float32 GRU,
within the tolerance bfloat16 allows.
"""

from __future__ import annotations

import warnings

import pytest
import torch

from grucast.nn import GRU
from grucast.nn import recurrence
from grucast.nn.kernels import bf16_native, load_kernel

pytestmark = pytest.mark.skipif(load_kernel() is None, reason="no C++ compiler here: no fused kernel")
needs_bf16 = pytest.mark.skipif(not bf16_native(), reason="this processor has no bf16 matmuls")


def bf16(t: torch.Tensor) -> torch.Tensor:
    """Round to bfloat16 and back, in float64."""
    return t.to(torch.bfloat16).double()


def emulated_layer(x, h, w_ih, w_hh, b_ih, b_hh, reset_after, sign):
    """One layer with bf16 matmul inputs and float64 everything else; x: (T, B, F)."""
    H = h.shape[1]
    x_proj = bf16(bf16(x) @ bf16(w_ih).T)  # autocast's linear: bf16 output
    w = bf16(w_hh)
    states = []
    for t in range(x.shape[0]):
        xt = x_proj[t] + b_ih
        if reset_after:
            g = bf16(h) @ w.T + b_hh
            r = torch.sigmoid(xt[:, :H] + g[:, :H])
            k = torch.sigmoid(sign * (xt[:, H : 2 * H] + g[:, H : 2 * H]))
            n = torch.tanh(xt[:, 2 * H :] + r * g[:, 2 * H :])
        else:
            g = bf16(h) @ w[: 2 * H].T + b_hh[: 2 * H]
            r = torch.sigmoid(xt[:, :H] + g[:, :H])
            k = torch.sigmoid(sign * (xt[:, H : 2 * H] + g[:, H:]))
            n = torch.tanh(xt[:, 2 * H :] + bf16(r * h) @ w[2 * H :].T + b_hh[2 * H :])
        h = n + k * (h - n)
        states.append(h)
    return torch.stack(states)


@needs_bf16
@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("convention", ["cho", "chung"])
def test_bf16_path_is_bf16_matmuls_with_float32_math(reset_after, convention):
    gru = GRU(5, 32, reset_after=reset_after, update_convention=convention)
    x = torch.randn(12, 40, 5)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out, h_n = gru(x)
    assert out.dtype == torch.float32 and h_n.dtype == torch.float32  # the state stays float32
    p = {n: v.detach().double() for n, v in gru.named_parameters()}
    want = emulated_layer(
        x.double(), torch.zeros(40, 32, dtype=torch.float64), p["weight_ih_l0"], p["weight_hh_l0"],
        p["bias_ih_l0"], p["bias_hh_l0"], reset_after, 1.0 if convention == "cho" else -1.0,
    )
    # float32 rounding of a state can land it on the other side of a bfloat16 rounding
    # boundary than the float64 emulation's: 1e-4, where float32 matmuls differ by ~1e-3.
    torch.testing.assert_close(out.double(), want, rtol=0, atol=1e-4)


@needs_bf16
@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("num_layers,bidirectional", [(1, False), (2, False), (2, True)])
def test_bf16_outputs_and_gradients_stay_close_to_float32(reset_after, num_layers, bidirectional):
    torch.manual_seed(1)
    gru = GRU(5, 48, num_layers=num_layers, bidirectional=bidirectional, reset_after=reset_after)
    x = torch.randn(20, 24, 5, requires_grad=True)
    weights = torch.randn(20, 24, 48 * (2 if bidirectional else 1))

    def run():
        out, h_n = gru(x)
        loss = (out * weights).sum() + h_n.sum()
        return out, torch.autograd.grad(loss, [x, *gru.parameters()])

    out32, grads32 = run()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out16, grads16 = run()
    assert recurrence.fused_available(torch.empty(0, dtype=torch.bfloat16), torch.empty(0))
    torch.testing.assert_close(out16, out32, rtol=0, atol=2e-2)
    for got, want in zip(grads16, grads32, strict=True):
        assert got.dtype == torch.float32  # float32 master weights keep float32 gradients
        assert (got - want).norm() <= 2e-2 * want.norm()


@needs_bf16
def test_input_projection_gradient_flows_back_in_bfloat16():
    gru = GRU(3, 8)
    x_proj = torch.randn(6, 4, 24, dtype=torch.bfloat16, requires_grad=True)
    out, _ = recurrence.gru_sequence(x_proj, torch.zeros(4, 8), gru.weight_hh_l0, gru.bias_hh_l0, engine="fused")
    (grad,) = torch.autograd.grad(out.sum(), [x_proj])
    assert grad.dtype == torch.bfloat16 and grad.shape == x_proj.shape


def test_without_bf16_matmuls_the_kernel_computes_in_float32_and_says_so(monkeypatch):
    monkeypatch.setattr(recurrence, "bf16_native", lambda: False)
    monkeypatch.setattr(recurrence, "_warned_bf16", False)
    gru = GRU(5, 16)
    x = torch.randn(7, 3, 5)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        with pytest.warns(RuntimeWarning, match=r"no bf16 matmul instructions .* computes in float32"):
            out, _ = gru(x)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            gru(x)  # said once
    # float32 recurrence on autocast's bfloat16 input projection
    x_proj = torch.nn.functional.linear(x.bfloat16(), gru.weight_ih_l0.bfloat16()).float()
    want, _ = recurrence.gru_sequence(
        x_proj, torch.zeros(3, 16), gru.weight_hh_l0, gru.bias_hh_l0, engine="fused", bias_ih=gru.bias_ih_l0
    )
    torch.testing.assert_close(out, want, rtol=1e-6, atol=1e-6)
