"""Constructor and input checks of grucast.nn (exact messages), and the kernel's fallback."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import pytest
import torch

from grucast.nn import GRU, GRUCell
from grucast.nn.kernels import GRU_KERNEL, load_kernel
from grucast.runtime import extensions

# A float64 GRU's outputs and gradients, printed as exact hex floats.
_GRU_NUMBERS = """
import torch
from grucast.nn import GRU
torch.manual_seed(3)
gru = GRU(3, 5, num_layers=2, bidirectional=True, dtype=torch.float64)
x = torch.randn(7, 4, 3, dtype=torch.float64, requires_grad=True)
out, h_n = gru(x)
grads = torch.autograd.grad(out.sum() + 2 * h_n.sum(), [x, *gru.parameters()])
for t in (out, h_n, *grads):
    print(" ".join(v.hex() for v in t.flatten().tolist()))
"""


def _numbers(script: str, env_extra: dict[str, str]) -> list[torch.Tensor]:
    env = {**os.environ, **env_extra}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    return [torch.tensor([float.fromhex(v) for v in line.split()], dtype=torch.float64)
            for line in done.stdout.splitlines()]


@pytest.mark.skipif(load_kernel() is None, reason="no C++ compiler here: the kernel path is absent")
def test_disabling_the_kernel_falls_back_to_the_same_numbers():
    with_kernel = _numbers(_GRU_NUMBERS, {"GRUCAST_DISABLE_KERNEL": "0"})
    without = _numbers(_GRU_NUMBERS + "\nfrom grucast.nn.kernels import load_kernel\nassert load_kernel() is None\n",
                       {"GRUCAST_DISABLE_KERNEL": "1"})
    assert len(with_kernel) == len(without) == 2 + 1 + 16
    for fused, pure in zip(with_kernel, without, strict=True):
        torch.testing.assert_close(fused, pure, rtol=1e-12, atol=1e-12)


def test_a_failed_build_warns_once_and_the_gru_still_runs(monkeypatch, tmp_path):
    # No usable compiler: the build fails, one warning names the fallback, and the GRU
    # computes through pure PyTorch.
    monkeypatch.setenv("CXX", str(tmp_path / "no-such-compiler"))
    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(tmp_path / "builds"))
    monkeypatch.delenv("GRUCAST_DISABLE_KERNEL", raising=False)
    extensions.load.cache_clear()
    try:
        with pytest.warns(RuntimeWarning, match=r"grucast: the C\+\+ extension grucast_gru could not be built .*"
                          r"using the slower pure PyTorch GRU path. Install a C\+\+ compiler"):
            assert load_kernel() is None
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert load_kernel() is None  # decided once: no second build, no second warning
        gru = GRU(3, 4, dtype=torch.float64)
        ref = torch.nn.GRU(3, 4, dtype=torch.float64)
        ref.load_state_dict(gru.state_dict())
        x = torch.randn(5, 2, 3, dtype=torch.float64)
        torch.testing.assert_close(gru(x)[0], ref(x)[0], rtol=1e-12, atol=1e-12)
    finally:
        extensions.load.cache_clear()
    assert not extensions.is_built(GRU_KERNEL)  # the failed build left no module behind


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        ({"input_size": 0, "hidden_size": 4}, ValueError, r"GRU: input_size must be a positive integer, got 0"),
        ({"input_size": 3, "hidden_size": 2.5}, TypeError, r"GRU: hidden_size must be an int, got float 2.5"),
        ({"input_size": 3, "hidden_size": 4, "num_layers": 0}, ValueError, r"GRU: num_layers must be at least 1, got 0"),
        ({"input_size": 3, "hidden_size": 4, "dropout": 1.5}, ValueError, r"GRU: dropout must be in \[0, 1\], got 1.5"),
        ({"input_size": 3, "hidden_size": 4, "update_convention": "keras"}, ValueError, r"update_convention must be 'cho'"),
        ({"input_size": 3, "hidden_size": 4, "reset_after": "yes"}, TypeError, r"GRU: reset_after must be True or False"),
        ({"input_size": 3, "hidden_size": 4, "engine": "cuda"}, ValueError, r"GRU: engine must be one of"),
    ],
)
def test_constructor_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        GRU(**kwargs)


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match=r"dropout=0.3 has no effect with num_layers=1"):
        GRU(3, 4, dropout=0.3)


def test_input_errors():
    gru = GRU(3, 4, num_layers=2)
    with pytest.raises(ValueError, match=r"GRU: input has 5 features in its last dimension but the layer was built with input_size=3"):
        gru(torch.randn(6, 2, 5))
    with pytest.raises(ValueError, match=r"GRU: expected input to be 2-D \(unbatched\) or 3-D \(batched\), got 4-D"):
        gru(torch.randn(1, 6, 2, 3))
    with pytest.raises(ValueError, match=r"GRU: expected hx of shape \(2, 2, 4\) \(num_layers \* num_directions, N, hidden_size\), got \(1, 2, 4\)"):
        gru(torch.randn(6, 2, 3), torch.zeros(1, 2, 4))
    with pytest.raises(ValueError, match=r"GRU: the input sequence is empty"):
        gru(torch.randn(0, 2, 3))
    with pytest.raises(TypeError, match=r"PackedSequence input is not supported"):
        gru(torch.nn.utils.rnn.pack_sequence([torch.randn(3, 3), torch.randn(2, 3)]))


def test_fused_engine_refuses_unsupported_dtype():
    gru = GRU(3, 4, engine="fused", dtype=torch.bfloat16)
    with pytest.raises(RuntimeError, match=r"engine='fused' needs the C\+\+ kernel on a CPU float32/float64 tensor "
                       r"\(or bfloat16 under autocast\), got torch.bfloat16 with a torch.bfloat16 state"):
        gru(torch.randn(5, 2, 3, dtype=torch.bfloat16))


def test_auto_engine_runs_bfloat16_through_the_pytorch_path():
    gru = GRU(3, 4, dtype=torch.bfloat16)
    ref = torch.nn.GRU(3, 4, dtype=torch.float32)
    ref.load_state_dict({k: v.float() for k, v in gru.state_dict().items()})
    x = torch.randn(5, 2, 3)
    out, _ = gru(x.bfloat16())
    torch.testing.assert_close(out.float(), ref(x)[0], rtol=0.05, atol=0.02)


def test_cell_errors():
    cell = GRUCell(3, 4)
    with pytest.raises(ValueError, match=r"GRUCell: input has 2 features but the cell was built with input_size=3"):
        cell(torch.randn(5, 2))
    with pytest.raises(ValueError, match=r"GRUCell: expected hx of shape \(5, 4\), got \(5, 3\)"):
        cell(torch.randn(5, 3), torch.zeros(5, 3))


def test_repr_shows_non_default_options():
    assert repr(GRU(3, 4, 2, reset_after=False)) == "GRU(3, 4, num_layers=2, reset_after=False)"


@pytest.mark.skipif(load_kernel() is None, reason="no C++ compiler here: the kernel path is absent")
def test_kernel_backward_checks_its_contract():
    kernel = load_kernel()
    xg, h0 = torch.randn(4, 2, 9), torch.zeros(2, 3)
    w, b = torch.randn(9, 3), torch.zeros(9)
    out, cache, *aux = kernel.forward(xg, h0, w, b, b, True, 1.0, True)
    d_hn = torch.ones(2, 3)
    kernel.backward(torch.empty(0), d_hn, h0, w, out, cache, aux, True, 1.0, False)  # as forward left them
    with pytest.raises(RuntimeError, match=r"gru kernel backward: cache must be \(T, B, 4H\)"):
        kernel.backward(torch.empty(0), d_hn, h0, w, out, cache[:, :, :9].contiguous(), aux, True, 1.0, False)
    with pytest.raises(RuntimeError, match=r"gru kernel backward: all tensors must share one dtype"):
        kernel.backward(torch.empty(0), d_hn.double(), h0, w, out, cache, aux, True, 1.0, False)
    with pytest.raises(RuntimeError, match=r"gru kernel backward: the outputs' gradient must be empty or \(T, B, H\)"):
        kernel.backward(torch.ones(3, 2, 3), d_hn, h0, w, out, cache, aux, True, 1.0, False)
    with pytest.raises(RuntimeError, match=r"gru kernel backward: bfloat16 needs the copies forward returned"):
        kernel.backward(torch.empty(0), d_hn, h0, w, out, cache, aux, True, 1.0, True)
