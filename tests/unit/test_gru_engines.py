"""Which engine computes a GRU on which device, inspected on the CPU (no speed is faked).

The numbers of each engine are proven in tests/equivalence; here: the choice itself,
and the errors that name the alternative.
"""

from __future__ import annotations

import pytest
import torch

from grucast.models import GRUForecaster, build_model
from grucast.nn import GRU
from grucast.nn import gru as gru_module
from grucast.nn.kernels import load_kernel

needs_kernel = pytest.mark.skipif(load_kernel() is None, reason="no C++ compiler here: no fused kernel")


@pytest.mark.parametrize(
    "options,device,expected",
    [
        ({}, "cuda", "torch"),
        ({"update_convention": "chung"}, "cuda", "torch"),  # mapped to "cho" for cuDNN
        ({"bidirectional": True, "num_layers": 2}, "cuda", "torch"),
        ({"reset_after": False}, "cuda", "compiled"),  # cuDNN has no reset-before GRU
        ({"reset_after": False, "update_convention": "chung"}, "cuda", "compiled"),
        ({"engine": "native"}, "cuda", "compiled"),  # grucast's own code only
        ({"engine": "autograd"}, "cuda", "autograd"),
        ({}, "mps", "autograd"),
    ],
)
def test_auto_engine_on_cuda_and_elsewhere(options, device, expected):
    assert GRU(3, 4, **options).engine_for(device) == expected


@needs_kernel
@pytest.mark.parametrize("engine", ["auto", "native"])
@pytest.mark.parametrize("reset_after", [True, False])
def test_cpu_keeps_the_fused_kernel(engine, reset_after):
    gru = GRU(3, 4, engine=engine, reset_after=reset_after)
    assert gru.engine_for() == gru.engine_for("cpu") == "fused"
    assert gru.engine_for("cpu", torch.bfloat16) == "fused"  # bfloat16 autocast, float32 state
    assert GRU(3, 4, engine=engine, reset_after=reset_after, dtype=torch.float64).engine_for() == "fused"
    # Parameters (and so the state) in bfloat16: the step loop.
    assert GRU(3, 4, engine=engine, reset_after=reset_after, dtype=torch.bfloat16).engine_for() == "autograd"


def test_without_the_kernel_the_cpu_runs_the_step_loop(monkeypatch):
    monkeypatch.setattr("grucast.nn.recurrence.load_kernel", lambda: None)
    assert GRU(3, 4).engine_for("cpu") == "autograd"
    assert GRU(3, 4).engine_for("cuda") == "torch"  # unaffected


def test_every_concrete_engine_has_a_note():
    concrete = {e for e in gru_module.ENGINES if e not in ("auto", "native")}
    assert set(gru_module.ENGINE_NOTES) == concrete


def test_torch_engine_refuses_reset_before_and_names_the_alternative():
    with pytest.raises(
        ValueError,
        match=r"GRU: engine='torch' runs torch's GRU operator, which only has reset_after=True; "
        r"for reset_after=False use engine='auto' .* or engine='compiled'",
    ):
        GRU(3, 4, engine="torch", reset_after=False)


@pytest.mark.parametrize(
    "backend,options,device,expected",
    [
        ("auto", {}, "cuda", "torch"),
        ("auto", {"update_convention": "chung"}, "cuda", "torch"),
        ("auto", {"reset_after": False}, "cuda", "compiled"),
        ("grucast", {}, "cuda", "compiled"),
        ("torch", {}, "cuda", "torch"),
        ("torch", {}, "cpu", "torch"),
    ],
)
def test_forecaster_says_which_engine_runs(backend, options, device, expected):
    model = GRUForecaster(input_size=3, horizon=2, hidden_size=8, backend=backend, **options)
    assert model.gru_engine(device) == expected


@needs_kernel
@pytest.mark.parametrize("name", ["gru", "bigru", "cnn-gru"])
def test_forecasters_default_to_auto_and_the_fused_kernel_on_the_cpu(name):
    model = build_model(name, input_size=3, horizon=2, hidden_size=8)
    assert model.backend == "auto"
    assert isinstance(model.encoder, GRU) and model.encoder.engine == "auto"
    assert model.gru_engine() == model.gru_engine("cpu") == "fused"


def test_torch_backend_refuses_reset_before_and_names_auto():
    with pytest.raises(
        ValueError,
        match=r"GRUForecaster: torch.nn.GRU only has reset_after=True and update_convention='cho' "
        r"\(got reset_after=False, update_convention='cho'\); use backend='auto' instead of 'torch'",
    ):
        GRUForecaster(input_size=1, horizon=1, backend="torch", reset_after=False)
    with pytest.raises(ValueError, match=r"backend must be one of \('auto', 'grucast', 'torch'\), got 'cudnn'"):
        GRUForecaster(input_size=1, horizon=1, backend="cudnn")


@pytest.mark.parametrize("backend", ["auto", "grucast", "torch"])
def test_backends_share_one_state_dict(backend):
    ref = GRUForecaster(input_size=3, horizon=2, hidden_size=8, backend="auto").double()
    other = GRUForecaster(input_size=3, horizon=2, hidden_size=8, backend=backend).double()
    other.load_state_dict(ref.state_dict())
    x = torch.randn(5, 9, 3, dtype=torch.float64)
    torch.testing.assert_close(other(x), ref(x), rtol=1e-12, atol=1e-12)
