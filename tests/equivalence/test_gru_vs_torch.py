"""grucast.nn.GRU / GRUCell against torch.nn.GRU / GRUCell: values and gradients."""

from __future__ import annotations

import itertools
import warnings

import pytest
import torch

from grucast.nn import GRU, GRUCell

F64 = {"rtol": 1e-12, "atol": 1e-12}
# "torch" is torch's own GRU operator on grucast's parameters (cuDNN on CUDA, ATen here).
ENGINES = ["fused", "autograd", "torch"]


def loss_and_grads(module, x, hx, weights):
    out, h_n = module(x, hx) if hx is not None else module(x)
    loss = (out * weights[0]).sum() + (h_n * weights[1]).sum()
    inputs = [x] + ([hx] if hx is not None else []) + list(module.parameters())
    return out, h_n, torch.autograd.grad(loss, inputs)


def twin(engine, device, dtype=torch.float64, **kwargs):
    ref = torch.nn.GRU(dtype=dtype, device=device, **kwargs)
    ours = GRU(dtype=dtype, device=device, engine=engine, **kwargs)
    ours.load_state_dict(ref.state_dict())
    return ref, ours


CASES = list(itertools.product([1, 2, 3], [False, True], [False, True], [False, True], [False, True]))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("num_layers,bidirectional,batch_first,with_hx,bias", CASES)
def test_matches_torch_float64(device, engine, num_layers, bidirectional, batch_first, with_hx, bias):
    ref, ours = twin(
        engine,
        device,
        input_size=3,
        hidden_size=5,
        num_layers=num_layers,
        bias=bias,
        batch_first=batch_first,
        bidirectional=bidirectional,
    )
    steps, batch, directions = 7, 4, 2 if bidirectional else 1
    shape = (batch, steps, 3) if batch_first else (steps, batch, 3)
    x = torch.randn(shape, dtype=torch.float64, device=device, requires_grad=True)
    hx = None
    if with_hx:
        hx = torch.randn(num_layers * directions, batch, 5, dtype=torch.float64, device=device, requires_grad=True)
    out_ref, h_ref, _ = loss_and_grads(ref, x, hx, (0, 0))
    weights = (torch.randn_like(out_ref), torch.randn_like(h_ref))
    out_ref, h_ref, grads_ref = loss_and_grads(ref, x, hx, weights)
    out, h_n, grads = loss_and_grads(ours, x, hx, weights)
    torch.testing.assert_close(out, out_ref, **F64)
    torch.testing.assert_close(h_n, h_ref, **F64)
    assert len(grads) == len(grads_ref)
    for got, want in zip(grads, grads_ref):
        torch.testing.assert_close(got, want, **F64)


@pytest.mark.parametrize("engine", ENGINES)
def test_matches_torch_float32(device, engine):
    ref, ours = twin(engine, device, torch.float32, input_size=5, hidden_size=64, num_layers=2)
    x = torch.randn(30, 16, 5, device=device, requires_grad=True)
    weights = (torch.randn(30, 16, 64, device=device), torch.randn(2, 16, 64, device=device))
    out_ref, h_ref, grads_ref = loss_and_grads(ref, x, None, weights)
    out, h_n, grads = loss_and_grads(ours, x, None, weights)
    torch.testing.assert_close(out, out_ref, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(h_n, h_ref, rtol=1e-5, atol=1e-5)
    for got, want in zip(grads, grads_ref):
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("engine", ENGINES)
def test_unbatched_input(device, engine):
    ref, ours = twin(engine, device, input_size=3, hidden_size=4, num_layers=2, bidirectional=True)
    x = torch.randn(6, 3, dtype=torch.float64, device=device)
    hx = torch.randn(4, 4, dtype=torch.float64, device=device)
    out_ref, h_ref = ref(x, hx)
    out, h_n = ours(x, hx)
    assert out.shape == (6, 8) and h_n.shape == (4, 4)
    torch.testing.assert_close(out, out_ref, **F64)
    torch.testing.assert_close(h_n, h_ref, **F64)


@pytest.mark.parametrize("engine", ["fused"])
def test_rows_split_across_threads_match_torch(device, engine):
    # A batch large enough that the fused kernel splits rows over threads.
    ref, ours = twin(engine, device, input_size=2, hidden_size=4)
    x = torch.randn(3, 5000, 2, dtype=torch.float64, requires_grad=True)
    weights = (torch.randn(3, 5000, 4, dtype=torch.float64), torch.randn(1, 5000, 4, dtype=torch.float64))
    _, _, grads_ref = loss_and_grads(ref, x, None, weights)
    out, _, grads = loss_and_grads(ours, x, None, weights)
    torch.testing.assert_close(out, ref(x)[0], **F64)
    for got, want in zip(grads, grads_ref):
        torch.testing.assert_close(got, want, **F64)


def test_state_dict_moves_both_ways():
    ours = GRU(3, 6, num_layers=2, bidirectional=True)
    ref = torch.nn.GRU(3, 6, num_layers=2, bidirectional=True)
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert {k: v.shape for k, v in ours.state_dict().items()} == {
        k: v.shape for k, v in ref.state_dict().items()
    }
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(5, 2, 3)
    torch.testing.assert_close(ours(x)[0], ref(x)[0], rtol=1e-6, atol=1e-6)
    ours2 = GRU(3, 6, num_layers=2, bidirectional=True)
    ours2.load_state_dict(ref.state_dict())
    torch.testing.assert_close(ours2(x)[0], ref(x)[0], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("engine", ENGINES)
def test_dropout_between_layers_consumes_rng_like_torch(device, engine):
    if device.type == "cuda":
        pytest.skip("on CUDA, cuDNN draws its own dropout masks, not from torch's generator")
    ref, ours = twin(engine, device, input_size=3, hidden_size=8, num_layers=3, dropout=0.5)
    x = torch.randn(4, 2, 3, dtype=torch.float64, device=device)
    torch.manual_seed(7)
    out_ref = ref(x)[0]
    torch.manual_seed(7)
    out = ours(x)[0]
    torch.testing.assert_close(out, out_ref, **F64)
    ours.eval()
    ref.eval()
    torch.testing.assert_close(ours(x)[0], ref(x)[0], **F64)


def test_initialisation_range_matches_torch():
    ours = GRU(4, 25, num_layers=2)
    for name, param in ours.named_parameters():
        assert param.abs().max() <= 1 / 5, name
        assert param.abs().max() > 0.15, name  # uniform over the whole range, not a narrow one


@pytest.mark.parametrize("bias", [True, False])
def test_cell_matches_torch_cell(device, bias):
    ref = torch.nn.GRUCell(3, 5, bias=bias, dtype=torch.float64, device=device)
    ours = GRUCell(3, 5, bias=bias, dtype=torch.float64, device=device)
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(4, 3, dtype=torch.float64, device=device, requires_grad=True)
    h = torch.randn(4, 5, dtype=torch.float64, device=device, requires_grad=True)
    w = torch.randn(4, 5, dtype=torch.float64, device=device)
    want = torch.autograd.grad((ref(x, h) * w).sum(), [x, h, *ref.parameters()])
    got = torch.autograd.grad((ours(x, h) * w).sum(), [x, h, *ours.parameters()])
    torch.testing.assert_close(ours(x, h), ref(x, h), **F64)
    for g, r in zip(got, want):
        torch.testing.assert_close(g, r, **F64)
    torch.testing.assert_close(ours(x[0]), ref(x[0]), **F64)  # unbatched, no state


@pytest.mark.parametrize("engine", ["fused"])
@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("num_layers,bidirectional", [(1, False), (2, False), (2, True)])
def test_gradients_through_the_last_state_alone(engine, reset_after, num_layers, bidirectional):
    # A forecaster reads only h_n: no gradient reaches the top layer's outputs, and the
    # kernel then skips them. The reference is torch.nn.GRU (reset after the matmul)
    # or the autograd engine, itself tested against the textbook (reset before).
    kwargs = {"input_size": 3, "hidden_size": 5, "num_layers": num_layers, "bidirectional": bidirectional}
    ours = GRU(dtype=torch.float64, engine=engine, reset_after=reset_after, **kwargs)
    if reset_after:
        ref = torch.nn.GRU(dtype=torch.float64, **kwargs)
    else:
        ref = GRU(dtype=torch.float64, engine="autograd", reset_after=False, **kwargs)
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(7, 4, 3, dtype=torch.float64, requires_grad=True)
    w = torch.randn(num_layers * (2 if bidirectional else 1), 4, 5, dtype=torch.float64)
    grads_ref = torch.autograd.grad((ref(x)[1] * w).sum(), [x, *ref.parameters()])
    grads = torch.autograd.grad((ours(x)[1] * w).sum(), [x, *ours.parameters()])
    for got, want in zip(grads, grads_ref, strict=True):
        torch.testing.assert_close(got, want, **F64)


@pytest.fixture
def small_blocks():
    # The kernel's plan: every call split over threads, step matmuls on blocks of at
    # most ~1 KiB of output (a few rows), so that ranges, blocks, uneven tail blocks
    # and MKL's packed operand (blocks of 16+ rows) all take part. Defaults restored.
    from grucast.nn.kernels import load_kernel

    kernel = load_kernel()
    kernel.set_plan(0, 1, 24 * 64 * 4)
    yield
    kernel.set_plan(1 << 23, 16, 1 << 20)


@pytest.mark.parametrize("engine", ["fused"])
@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("dtype,tol", [(torch.float64, F64), (torch.float32, {"rtol": 1e-4, "atol": 1e-5})])
def test_row_blocks_and_threads_match_torch(small_blocks, engine, reset_after, dtype, tol):
    kwargs = {"input_size": 3, "hidden_size": 8, "num_layers": 2, "bidirectional": True}
    ours = GRU(dtype=dtype, engine=engine, reset_after=reset_after, **kwargs)
    ref = (torch.nn.GRU(dtype=dtype, **kwargs) if reset_after
           else GRU(dtype=dtype, engine="autograd", reset_after=False, **kwargs))
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(9, 131, 3, dtype=dtype, requires_grad=True)  # 131 rows: uneven ranges and blocks
    w = torch.randn(9, 131, 16, dtype=dtype)
    got = ours(x)
    want = ref(x)
    torch.testing.assert_close(got[0], want[0], **tol)
    grads = torch.autograd.grad((got[0] * w).sum() + got[1].sum(), [x, *ours.parameters()])
    grads_ref = torch.autograd.grad((want[0] * w).sum() + want[1].sum(), [x, *ref.parameters()])
    for g, r in zip(grads, grads_ref, strict=True):
        torch.testing.assert_close(g, r, **tol)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_cudnn_parameters_lie_in_one_block_after_a_move(device, bidirectional):
    """On CUDA the parameters are views into one buffer in cuDNN's order (as torch.nn.GRU keeps them), so
    cuDNN reads them in place: no per-call copy and no 'not part of single contiguous chunk' warning; the
    parameters stay the same objects (an optimiser built before the move still updates them). On the CPU
    the move changes nothing of the kind."""
    ref = torch.nn.GRU(3, 5, num_layers=2, bidirectional=bidirectional)
    ours = GRU(3, 5, num_layers=2, bidirectional=bidirectional)
    ours.load_state_dict(ref.state_dict())
    before = list(ours.parameters())
    ours.to(device)
    ref.to(device)
    assert [p is q for p, q in zip(before, ours.parameters())] == [True] * len(before)
    storages = {p.untyped_storage().data_ptr() for p in ours.parameters()}
    assert len(storages) == (1 if device.type == "cuda" else len(before))
    x = torch.randn(7, 4, 3, device=device)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("error")
        out, h_n = ours(x)
        expected, expected_h = ref(x)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(h_n, expected_h, rtol=1e-5, atol=1e-6)
