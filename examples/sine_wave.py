"""Seed 001: one period of a sine wave in 1000 points, window 10, 70/30 split in time."""

from _common import run

from grucast.data.datasets import sine_wave

if __name__ == "__main__":
    run("sine_wave", sine_wave(), lookback=10, horizon=1, hidden_size=50, num_layers=1,
        test_size=0.3, val_size=0.1, epochs=50, lr=0.01, batch_size=64, seed=0, patience=10)
