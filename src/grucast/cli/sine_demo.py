"""A small end-to-end check of grucast.nn.GRU: one-step forecasts of a noisy sine wave.

This stands in for the full `grucast demo` (real data, baselines, run folder) until the
data, training and evaluation layers land.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import torch
from torch import nn

from grucast.nn import GRU


class _OneStep(nn.Module):
    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.gru = GRU(1, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.gru(x)  # (B, L, H)
        return self.head(out[:, -1])  # (B, 1)


def run_sine_demo(epochs: int, seed: int, echo: Callable[[str], None] = print) -> float:
    """Fit on the first 70 % of a sine wave (seed 001's set-up), report test MSE; returns it."""
    torch.manual_seed(seed)
    steps, lookback = 1000, 10
    t = torch.linspace(0, 2 * math.pi, steps)
    series = torch.sin(t) + 0.05 * torch.randn(steps)
    windows = series.unfold(0, lookback + 1, 1)  # (N, L + 1), a view
    x, y = windows[:, :lookback, None], windows[:, lookback:]
    split = int(0.7 * len(series)) - lookback
    model = _OneStep(50)
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    start = time.perf_counter()
    for epoch in range(epochs):
        order = torch.randperm(split)
        for batch in order.split(64):
            optimiser.zero_grad()
            loss = nn.functional.mse_loss(model(x[batch]), y[batch])
            loss.backward()
            optimiser.step()
    with torch.no_grad():
        test_mse = nn.functional.mse_loss(model(x[split:]), y[split:]).item()
    naive_mse = nn.functional.mse_loss(x[split:, -1], y[split:]).item()
    echo(f"trained {epochs} epochs in {time.perf_counter() - start:.1f} s")
    echo(f"test MSE  GRU: {test_mse:.5f}   naive (last value): {naive_mse:.5f}")
    return test_mse
