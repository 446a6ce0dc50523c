"""Shared test settings: deterministic and small."""

import socket

import pytest
import torch


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@pytest.fixture
def free_port() -> int:
    """A TCP port free on this machine now, for a torchrun rendezvous."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
