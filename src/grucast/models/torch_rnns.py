"""Comparison models on torch's own recurrent layers: LSTM (``lstm``) and Elman RNN (``rnn``)."""

from __future__ import annotations

from torch import nn

from grucast.models.base import RecurrentForecaster


class LSTMForecaster(RecurrentForecaster):
    """Stacked :class:`torch.nn.LSTM` encoder (oneDNN on the CPU) with a direct head."""

    name = "lstm"

    def build_encoder(self) -> nn.Module:
        return nn.LSTM(
            self.input_size,
            self.hidden_size,
            self.num_layers,
            batch_first=True,
            dropout=self.dropout if self.num_layers > 1 else 0.0,
        )


class RNNForecaster(RecurrentForecaster):
    """Stacked tanh :class:`torch.nn.RNN` encoder: the ungated baseline."""

    name = "rnn"

    def build_encoder(self) -> nn.Module:
        return nn.RNN(
            self.input_size,
            self.hidden_size,
            self.num_layers,
            batch_first=True,
            dropout=self.dropout if self.num_layers > 1 else 0.0,
        )
