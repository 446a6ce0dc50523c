"""The contract every forecasting model keeps: (B, lookback, features) -> (B, horizon, targets)."""

from __future__ import annotations

from torch import Tensor, nn

from grucast import checks


def check_positive_int(owner: str, name: str, value: object) -> int:
    """Return ``value`` as an int, or raise a message naming the model and the argument."""
    return checks.positive_int().check(f"{owner}: {name}", value)


def check_dropout(owner: str, dropout: object) -> float:
    """Return ``dropout`` as a float in [0, 1), or raise a message naming the model."""
    return checks.Real(low=0, high=1, high_open=True).check(f"{owner}: dropout", dropout)


class RecurrentForecaster(nn.Module):
    """A recurrent encoder read to its final state, then a linear head to all horizon steps.

    The direct multi-horizon map: the encoder summarises the lookback window into
    :math:`s \\in \\mathbb{R}^{D H}` (the last layer's final state, both directions
    for a bidirectional encoder) and one linear layer emits every step at once,

    .. math::
        \\hat{y}_{t+1 \\ldots t+h} = \\operatorname{reshape}(W_o s + b_o, (h, m)),

    with :math:`h` the horizon and :math:`m` the number of targets.

    Subclasses build the encoder in :meth:`build_encoder` and declare what they support.

    Args:
        input_size: features per time step (targets, covariates, calendar features).
        horizon: steps forecast at once (1 for a one-step model).
        num_targets: target series forecast per window. Default: 1.
        hidden_size: :math:`H`, the encoder's state size. Default: 64.
        num_layers: stacked encoder layers. Default: 2.
        dropout: dropout between encoder layers and before the head, in training.
    """

    name = "recurrent"
    supports_bidirectional = False

    def __init__(
        self,
        input_size: int,
        horizon: int,
        num_targets: int = 1,
        hidden_size: int = 64,
        num_layers: int = 2,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        owner = type(self).__name__
        self.input_size = check_positive_int(owner, "input_size", input_size)
        self.horizon = check_positive_int(owner, "horizon", horizon)
        self.num_targets = check_positive_int(owner, "num_targets", num_targets)
        self.hidden_size = check_positive_int(owner, "hidden_size", hidden_size)
        self.num_layers = check_positive_int(owner, "num_layers", num_layers)
        self.dropout = check_dropout(owner, dropout)
        self.encoder = self.build_encoder()
        directions = 2 if getattr(self.encoder, "bidirectional", False) else 1
        self.head_dropout = nn.Dropout(self.dropout)
        self.head = nn.Linear(directions * self.hidden_size, self.horizon * self.num_targets)

    def build_encoder(self) -> nn.Module:
        raise NotImplementedError

    def encoder_input(self, x: Tensor) -> Tensor:
        """Hook for a front end before the recurrent encoder (identity here)."""
        return x

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 3 or x.shape[-1] != self.input_size:
            raise ValueError(
                f"{type(self).__name__}: expected input (batch, lookback, {self.input_size}), "
                f"got {tuple(x.shape)}"
            )
        _, h_n = self.encoder(self.encoder_input(x))
        if isinstance(h_n, tuple):  # LSTM: (h_n, c_n)
            h_n = h_n[0]
        directions = 2 if getattr(self.encoder, "bidirectional", False) else 1
        summary = h_n[-directions:].transpose(0, 1).reshape(x.shape[0], -1)  # (B, D * H)
        out = self.head(self.head_dropout(summary))  # (B, horizon * targets)
        return out.view(x.shape[0], self.horizon, self.num_targets)
