"""grucast.nn.GRU against a plain step-by-step transcription of the textbook equations.

The transcription below indexes every gate's weights by name and writes each formula
as printed in the papers, with no hoisting, fusing or chunking:

    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
    z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)        reset before (Cho et al. 2014)
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))        reset after (PyTorch)
    h' = z * h + (1 - z) * n                               "cho"
    h' = (1 - z) * h + z * n                               "chung" (Chung et al. 2014)
"""

from __future__ import annotations

import itertools

import pytest
import torch

from grucast.nn import GRU, GRUCell

F64 = {"rtol": 1e-12, "atol": 1e-12}


def textbook_layer(x, h, w_ih, w_hh, b_ih, b_hh, reset_after, convention):
    """x: (T, B, F), h: (B, H) -> (T, B, H)."""
    H = h.shape[1]
    W_ir, W_iz, W_in = w_ih[:H], w_ih[H : 2 * H], w_ih[2 * H :]
    W_hr, W_hz, W_hn = w_hh[:H], w_hh[H : 2 * H], w_hh[2 * H :]
    b_ir, b_iz, b_in = b_ih[:H], b_ih[H : 2 * H], b_ih[2 * H :]
    b_hr, b_hz, b_hn = b_hh[:H], b_hh[H : 2 * H], b_hh[2 * H :]
    states = []
    for t in range(x.shape[0]):
        xt = x[t]
        r = torch.sigmoid(xt @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
        z = torch.sigmoid(xt @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
        if reset_after:
            n = torch.tanh(xt @ W_in.T + b_in + r * (h @ W_hn.T + b_hn))
        else:
            n = torch.tanh(xt @ W_in.T + b_in + (r * h) @ W_hn.T + b_hn)
        if convention == "cho":
            h = z * h + (1 - z) * n
        else:
            h = (1 - z) * h + z * n
        states.append(h)
    return torch.stack(states)


def textbook_gru(module: GRU, x, hx):
    """The textbook equations layer by layer, direction by direction (time-major x)."""
    directions = 2 if module.bidirectional else 1
    layer_input, finals = x, []
    for layer in range(module.num_layers):
        outs = []
        for d in range(directions):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            p = {name: getattr(module, name + sfx) for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
            seq = layer_input.flip(0) if d else layer_input
            out = textbook_layer(
                seq, hx[layer * directions + d], p["weight_ih"], p["weight_hh"], p["bias_ih"],
                p["bias_hh"], module.reset_after, module.update_convention,
            )
            finals.append(out[-1])
            outs.append(out.flip(0) if d else out)
        layer_input = torch.cat(outs, dim=-1)
    return layer_input, torch.stack(finals)


def _engine_cases():
    # "torch" (torch's GRU operator, cuDNN on CUDA) computes reset-after only; "chung"
    # reaches it through the z-row mapping. "compiled" is checked on a smaller grid:
    # each case compiles (here with the aot_eager backend, see the fixture).
    for engine, reset_after, convention, num_layers, bidirectional in itertools.product(
        ["fused", "autograd", "torch", "compiled"], [False, True], ["cho", "chung"], [1, 2], [False, True]
    ):
        if engine == "torch" and not reset_after:
            continue
        if engine == "compiled" and (num_layers, bidirectional) != (2, False):
            continue
        yield engine, reset_after, convention, num_layers, bidirectional


@pytest.fixture(autouse=True)
def _fast_compile(monkeypatch):
    # The graph capture and autograd of torch.compile without generating code; the
    # inductor backend itself is checked by a slow test.
    monkeypatch.setattr("grucast.nn.recurrence.COMPILE_BACKEND", "aot_eager")


@pytest.mark.parametrize("engine,reset_after,convention,num_layers,bidirectional", list(_engine_cases()))
def test_layer_matches_textbook(device, engine, reset_after, convention, num_layers, bidirectional):
    module = GRU(
        3, 4, num_layers=num_layers, bidirectional=bidirectional, dtype=torch.float64, device=device,
        reset_after=reset_after, update_convention=convention, engine=engine,
    )
    directions = 2 if bidirectional else 1
    x = torch.randn(6, 2, 3, dtype=torch.float64, device=device, requires_grad=True)
    hx = torch.randn(num_layers * directions, 2, 4, dtype=torch.float64, device=device, requires_grad=True)
    out, h_n = module(x, hx)
    out_tb, h_tb = textbook_gru(module, x, hx)
    torch.testing.assert_close(out, out_tb, **F64)
    torch.testing.assert_close(h_n, h_tb, **F64)
    w = torch.randn_like(out)
    inputs = [x, hx, *module.parameters()]
    got = torch.autograd.grad((out * w).sum() + h_n.sum(), inputs)
    want = torch.autograd.grad((out_tb * w).sum() + h_tb.sum(), inputs)
    for g, r in zip(got, want):
        torch.testing.assert_close(g, r, **F64)


@pytest.mark.parametrize("reset_after", [False, True])
@pytest.mark.parametrize("convention", ["cho", "chung"])
def test_cell_matches_textbook(device, reset_after, convention):
    cell = GRUCell(3, 4, dtype=torch.float64, device=device, reset_after=reset_after, update_convention=convention)
    x = torch.randn(5, 3, dtype=torch.float64, device=device)
    h = torch.randn(5, 4, dtype=torch.float64, device=device)
    want = textbook_layer(
        x[None], h, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh, reset_after, convention
    )[0]
    torch.testing.assert_close(cell(x, h), want, **F64)


@pytest.mark.parametrize(
    "engine,reset_after",
    [("fused", False), ("fused", True), ("autograd", False), ("autograd", True), ("torch", True)],
)
def test_update_conventions_are_one_model_under_z_to_one_minus_z(device, engine, reset_after):
    # sigmoid(-a) = 1 - sigmoid(a): negating the update gate's rows turns one convention
    # into the other, so both describe the same family of models.
    options = {"dtype": torch.float64, "device": device, "reset_after": reset_after, "engine": engine}
    chung = GRU(3, 4, 2, update_convention="chung", **options)
    cho = GRU(3, 4, 2, update_convention="cho", **options)
    state = {k: v.clone() for k, v in chung.state_dict().items()}
    for v in state.values():
        v[4:8] = -v[4:8]  # rows (r | z | n), H = 4: the z block
    cho.load_state_dict(state)
    x = torch.randn(7, 3, 3, dtype=torch.float64, device=device)
    torch.testing.assert_close(cho(x)[0], chung(x)[0], **F64)
    # ...and without the flip they really are different functions.
    cho.load_state_dict(chung.state_dict())
    assert (cho(x)[0] - chung(x)[0]).abs().max() > 1e-3


def test_reset_placements_are_different_models(device):
    after = GRU(3, 4, dtype=torch.float64, device=device, reset_after=True)
    before = GRU(3, 4, dtype=torch.float64, device=device, reset_after=False)
    before.load_state_dict(after.state_dict())
    x = torch.randn(5, 2, 3, dtype=torch.float64, device=device)
    assert (after(x)[0] - before(x)[0]).abs().max() > 1e-3


@pytest.mark.slow
@pytest.mark.parametrize("reset_after", [False, True])
def test_compiled_engine_with_inductor_matches_textbook(device, monkeypatch, reset_after):
    monkeypatch.setattr("grucast.nn.recurrence.COMPILE_BACKEND", "inductor")
    module = GRU(3, 4, num_layers=2, dtype=torch.float64, device=device, reset_after=reset_after, engine="compiled")
    x = torch.randn(6, 2, 3, dtype=torch.float64, device=device, requires_grad=True)
    hx = torch.randn(2, 2, 4, dtype=torch.float64, device=device, requires_grad=True)
    out, h_n = module(x, hx)
    out_tb, h_tb = textbook_gru(module, x, hx)
    torch.testing.assert_close(out, out_tb, **F64)
    inputs = [x, hx, *module.parameters()]
    got = torch.autograd.grad(out.sum() + h_n.square().sum(), inputs)
    want = torch.autograd.grad(out_tb.sum() + h_tb.square().sum(), inputs)
    for g, r in zip(got, want):
        torch.testing.assert_close(g, r, **F64)
