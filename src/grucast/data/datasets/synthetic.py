"""The seeds' synthetic series, generated on demand (nothing is stored)."""

from __future__ import annotations

import numpy as np

from grucast.data.frame import SeriesSet


def noisy_line(
    start: float = 0.0, stop: float = 100.0, step: float = 0.1, noise: float = 1.0, seed: int = 0
) -> SeriesSet:
    """A straight line with Gaussian noise (seed 000): :math:`y_t = a_t + \\varepsilon_t`.

    :math:`a_t` runs from ``start`` to ``stop`` (excluded) in ``step``\\ s, and
    :math:`\\varepsilon_t \\sim \\mathcal{N}(0, \\text{noise}^2)`. The defaults give
    1,000 points. The series is named ``noisy_line`` and indexed by integer steps.

    Args:
        start: first value of the line.
        stop: end of the line (not reached).
        step: increase per step.
        noise: standard deviation of the noise.
        seed: seed of the noise, for the same series every time.
    """
    line = np.arange(start, stop, step, dtype=np.float64)
    rng = np.random.default_rng(seed)
    return SeriesSet.from_arrays(line + noise * rng.standard_normal(len(line)), name="noisy_line")


def sine_wave(
    length: int = 1000, periods: float = 1.0, amplitude: float = 1.0, noise: float = 0.0, seed: int = 0
) -> SeriesSet:
    """A sine wave (seed 001): :math:`y_t = A \\sin(2\\pi p\\, t / T) + \\varepsilon_t`.

    The defaults give 1,000 points over one period, with no noise. The series is
    named ``sine_wave`` and indexed by integer steps ``t = 0..T-1``.

    Args:
        length: points :math:`T`.
        periods: full periods :math:`p` over the series.
        amplitude: :math:`A`.
        noise: standard deviation of added Gaussian noise.
        seed: seed of the noise.
    """
    steps = np.arange(length, dtype=np.float64)
    wave = amplitude * np.sin(2.0 * np.pi * periods * steps / length)
    if noise:
        wave = wave + noise * np.random.default_rng(seed).standard_normal(length)
    return SeriesSet.from_arrays(wave, name="sine_wave")
