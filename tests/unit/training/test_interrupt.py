"""Ctrl-C during training reaches the caller as a KeyboardInterrupt, and Ctrl-C keeps working after."""

from __future__ import annotations

import signal

import lightning.pytorch as pl
import numpy as np
import pytest

from grucast.api import Forecaster
from grucast.data.frame import SeriesSet


class CtrlC(pl.Callback):
    """Interrupts training after its first batch, as a Ctrl-C there would."""

    def on_train_batch_end(self, *args) -> None:
        raise KeyboardInterrupt


def test_ctrl_c_during_fit_raises_keyboard_interrupt_and_leaves_sigint_as_it_was(tmp_path):
    data = SeriesSet.from_arrays(np.sin(np.linspace(0, 20 * np.pi, 400)))
    forecaster = Forecaster(lookback=12, horizon=3, epochs=2, hidden_size=8, threads=1, progress=False)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        # Lightning answers with sys.exit(1) and SIGINT ignored; the caller gets its Ctrl-C back.
        with pytest.raises(KeyboardInterrupt):
            forecaster.fit(data, run_dir=tmp_path / "run", callbacks=[CtrlC()])
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, before)
