"""Seed 000: a noisy straight line, one step ahead from the last 10 values."""

from _common import run

from grucast.data.datasets import noisy_line

if __name__ == "__main__":
    # The line leaves its training range in the test part: window_norm="auto" sees the
    # trend in the training rows and forecasts changes from the last value instead.
    run("noisy_line", noisy_line(), lookback=10, horizon=1, hidden_size=50, num_layers=1,
        epochs=30, lr=1e-3, batch_size=64, seed=0)
