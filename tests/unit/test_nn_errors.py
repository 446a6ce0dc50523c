"""Constructor and input checks of grucast.nn: exact messages."""

from __future__ import annotations

import pytest
import torch

from grucast.nn import GRU, GRUCell
from grucast.nn.kernels import load_kernel


def test_fused_kernel_is_built_here():
    # Without this the "fused" equivalence tests would fail loudly, but say it plainly.
    assert load_kernel() is not None


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
    with pytest.raises(RuntimeError, match=r"engine='fused' needs the C\+\+ kernel on a CPU float32/float64 tensor, got torch.bfloat16"):
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
