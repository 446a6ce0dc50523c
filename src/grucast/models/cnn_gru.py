"""CNN-GRU (``cnn-gru``): a causal 1-D convolution front end before a stacked GRU."""

from __future__ import annotations

from torch import Tensor, nn

from grucast.models.base import check_positive_int
from grucast.models.gru import GRUForecaster


class CNNGRUForecaster(GRUForecaster):
    """Causal Conv1d + ReLU over time, then the GRU encoder and a direct head.

    The convolution sees steps :math:`t - k + 1 \\ldots t` only (left padding of
    :math:`k - 1`), so its output at step :math:`t` never reads later inputs:

    .. math::
        c_t = \\operatorname{ReLU}\\Big(b + \\sum_{j=0}^{k-1} W_j x_{t-j}\\Big),
        \\qquad x_{t-j} = 0 \\text{ for } t - j < 1.

    Args:
        conv_channels: output channels of the convolution. Default: 32.
        kernel_size: :math:`k`, steps each convolution output reads. Default: 3.
        Other arguments: see :class:`~grucast.models.gru.GRUForecaster`.
    """

    name = "cnn-gru"
    supports_bidirectional = False

    def __init__(self, *args, conv_channels: int = 32, kernel_size: int = 3, **kwargs) -> None:
        self.conv_channels = check_positive_int(type(self).__name__, "conv_channels", conv_channels)
        self.kernel_size = check_positive_int(type(self).__name__, "kernel_size", kernel_size)
        super().__init__(*args, **kwargs)
        self.conv = nn.Conv1d(self.input_size, self.conv_channels, self.kernel_size)

    def encoder_input_size(self) -> int:
        return self.conv_channels

    def encoder_input(self, x: Tensor) -> Tensor:
        x = x.transpose(1, 2)  # (B, L, F) -> (B, F, L)
        x = nn.functional.pad(x, (self.kernel_size - 1, 0))  # causal: pad the past only
        return nn.functional.relu(self.conv(x)).transpose(1, 2)  # (B, L, C)
