"""The device the equivalence tests run on: the CPU, or ``GRUCAST_TEST_DEVICE`` (e.g. cuda).

``GRUCAST_TEST_DEVICE=cuda pytest tests/equivalence`` proves the CUDA engines (cuDNN
through torch's GRU operator, the compiled loop, the eager loop) against
``torch.nn.GRU`` and the textbook equations on that device; benchmarks/gpu/run.sh
does so. On CUDA, TF32 is switched off so that float32 means float32.
"""

from __future__ import annotations

import os

import pytest
import torch

DEVICE = torch.device(os.environ.get("GRUCAST_TEST_DEVICE", "cpu"))


def pytest_configure(config: pytest.Config) -> None:
    if DEVICE.type == "cuda":
        if not torch.cuda.is_available():
            raise pytest.UsageError("GRUCAST_TEST_DEVICE=cuda, but torch sees no CUDA device")
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False


@pytest.fixture
def device() -> torch.device:
    return DEVICE


@pytest.fixture(autouse=True)
def _engine_runs_here(request: pytest.FixtureRequest) -> None:
    params = getattr(getattr(request.node, "callspec", None), "params", {})
    if params.get("engine") == "fused" and DEVICE.type != "cpu":
        pytest.skip("the fused kernel is CPU-only")
