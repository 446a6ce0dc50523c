"""The contract every forecasting model keeps: a window (and what is known about the horizon) in, forecasts out."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from grucast import checks


def check_positive_int(owner: str, name: str, value: object) -> int:
    """Return ``value`` as an int, or raise a message naming the model and the argument."""
    return checks.positive_int().check(f"{owner}: {name}", value)


def check_dropout(owner: str, dropout: object) -> float:
    """Return ``dropout`` as a float in [0, 1), or raise a message naming the model."""
    return checks.Real(low=0, high=1, high_open=True).check(f"{owner}: dropout", dropout)


def embedding_size(categories: int) -> int:
    """Width of a categorical's embedding: grows like its square root, at most 16."""
    return int(min(16, max(2, round(1.6 * categories**0.56))))


class HorizonDecoder(nn.Module):
    r"""Forecasts every horizon step from the encoder's summary and what is known about that step.

    For summary :math:`s` (the encoder's final state), the known inputs of step
    :math:`k` (known covariates and calendar features of that future time)
    :math:`c_k`, and the series' static features :math:`e` (numeric values and
    embedded categories),

    .. math::
        \hat y_k = \underbrace{(W_o s + b_o)_k}_{\text{direct head}}
                 + W_2\,\operatorname{ReLU}\!\big(W_1 [s;\, c_k;\, e] + p_k + b_1\big) + b_2,

    with :math:`p_k` a learned embedding of the step :math:`k`. The first term is
    the plain direct multi-horizon head; the second, an MLP shared by all steps,
    adds what the step's own known inputs and the series' static features say.
    :math:`W_2` starts at zero, so an untrained decoder is exactly the direct
    head, and with no known or static inputs the MLP is left out altogether.

    A quantile decoder emits :math:`Q` raw values :math:`r_1..r_Q` per step and
    target for levels :math:`\tau_1 < \dots < \tau_Q` and makes them monotone by
    construction: the median level :math:`m` keeps :math:`q_m = r_m`, and each
    level away from it adds a positive gap,

    .. math::
        q_{j} = q_{j-1} + \operatorname{softplus}(r_j) \ (j > m), \qquad
        q_{j} = q_{j+1} - \operatorname{softplus}(r_j) \ (j < m),

    so quantiles never cross and the median is the point forecast.

    Args:
        summary_size: width of :math:`s`.
        horizon: steps forecast, :math:`h`.
        num_targets: values per step, :math:`m`.
        n_future: known inputs per future step, :math:`K`.
        n_static: numeric static features per series.
        category_sizes: the number of categories of each categorical static
            feature (index 0 is kept for "unknown").
        hidden_size: width of the MLP.
        dropout: dropout on :math:`s` and inside the MLP, in training.
        n_quantiles: :math:`Q`, quantile levels per target (1: a point forecast).
        median_index: :math:`m`, the position of the median level.
    """

    def __init__(
        self,
        summary_size: int,
        horizon: int,
        num_targets: int,
        n_future: int = 0,
        n_static: int = 0,
        category_sizes: Sequence[int] = (),
        hidden_size: int = 64,
        dropout: float = 0.0,
        n_quantiles: int = 1,
        median_index: int = 0,
    ) -> None:
        super().__init__()
        self.horizon, self.num_targets = horizon, num_targets
        self.n_quantiles, self.median_index = n_quantiles, median_index
        outputs = num_targets * n_quantiles
        self.n_future, self.n_static = n_future, n_static
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(summary_size, horizon * outputs)
        self.embeddings = nn.ModuleList(nn.Embedding(size, embedding_size(size)) for size in category_sizes)
        context = n_static + sum(e.embedding_dim for e in self.embeddings)
        self.uses_mlp = n_future + context > 0
        if self.uses_mlp:
            self.hidden = nn.Linear(summary_size + n_future + context, hidden_size)
            self.step = nn.Parameter(torch.zeros(horizon, hidden_size))
            self.out = nn.Linear(hidden_size, outputs)
            nn.init.zeros_(self.out.weight)
            nn.init.zeros_(self.out.bias)

    def forward(
        self, summary: Tensor, future: Tensor | None = None, static: Tensor | None = None,
        categories: Tensor | None = None,
    ) -> Tensor:
        """``(B, S)`` summary [, ``(B, h, K)`` future, ``(B, n_static)``, ``(B, C)`` categories] -> ``(B, h, m Q)``."""
        batch = summary.shape[0]
        summary = self.dropout(summary)
        base = self.head(summary).view(batch, self.horizon, self.num_targets * self.n_quantiles)
        if not self.uses_mlp:
            return self._monotone(base)
        parts = [summary.unsqueeze(1).expand(batch, self.horizon, summary.shape[1])]
        if self.n_future:
            parts.append(future)
        context = []
        if self.n_static:
            context.append(static)
        context += [embed(categories[:, j]) for j, embed in enumerate(self.embeddings)]
        if context:
            joined = torch.cat(context, dim=1)
            parts.append(joined.unsqueeze(1).expand(batch, self.horizon, joined.shape[1]))
        hidden = torch.relu(self.hidden(torch.cat(parts, dim=2)) + self.step)  # (B, h, hidden)
        return self._monotone(base + self.out(self.dropout(hidden)))

    def _monotone(self, raw: Tensor) -> Tensor:
        """Raw outputs ``(B, h, m Q)`` as non-crossing quantiles (unchanged for a point forecast)."""
        if self.n_quantiles == 1:
            return raw
        shape = raw.shape
        raw = raw.view(*shape[:-1], self.num_targets, self.n_quantiles)
        m = self.median_index
        median = raw[..., m : m + 1]
        gaps = nn.functional.softplus(raw)
        above = median + torch.cumsum(gaps[..., m + 1 :], dim=-1)
        below = median - torch.cumsum(gaps[..., :m].flip(-1), dim=-1).flip(-1)
        return torch.cat([below, median, above], dim=-1).view(shape)


class SeasonalSkip(nn.Module):
    r"""A linear path from the window's last :math:`L` targets to the :math:`h` forecast steps.

    For the window's target values :math:`x_1..x_L` (:math:`x_L` at the forecast
    origin), step :math:`k = 1..h` gets

    .. math::
        \hat y^{\text{skip}}_k = \sum_{j=1}^{L} W_{kj}\, x_j + b_k,

    added to the network's forecast (LSTNet's autoregressive highway, one map
    shared by every series). It starts as the seasonal naive forecast of season
    :math:`m`: :math:`W_{kj} = 1` where :math:`j = L - m + 1 + ((k - 1) \bmod m)`
    (the same phase of the last season seen), 0 elsewhere, :math:`b = 0`. So an
    untrained model forecasts the last season plus the decoder's output, and
    training learns the seasonal pattern's weights (several past seasons, a trend)
    instead of having to rebuild the season from the recurrent state. Where the
    season is longer than the window, the steps it cannot reach start at 0.

    Args:
        lookback: :math:`L`.
        horizon: :math:`h`.
        season: :math:`m` (1: the naive forecast, :math:`x_L` for every step).
    """

    def __init__(self, lookback: int, horizon: int, season: int = 1) -> None:
        super().__init__()
        self.lookback, self.season = lookback, season
        self.linear = nn.Linear(lookback, horizon)
        with torch.no_grad():
            self.linear.weight.zero_()
            self.linear.bias.zero_()
            for k in range(horizon):
                lag = season - k % season  # steps back from the origin to step k's phase
                if lag <= lookback:
                    self.linear.weight[k, lookback - lag] = 1.0

    def forward(self, targets: Tensor) -> Tensor:
        """``(B, L, m)`` window targets -> ``(B, h, m)``."""
        return self.linear(targets.transpose(1, 2)).transpose(1, 2)


class RecurrentForecaster(nn.Module):
    """A recurrent encoder read to its final state, then a :class:`HorizonDecoder`.

    The encoder summarises the lookback window into :math:`s \\in \\mathbb{R}^{D H}`
    (the last layer's final state, both directions for a bidirectional encoder);
    the decoder forecasts all horizon steps at once from :math:`s`, each step's
    known inputs and the series' static features.

    Subclasses build the encoder in :meth:`build_encoder` and declare what they support.

    Args:
        input_size: features per lookback step (target, covariates, calendar features).
        horizon: steps forecast at once (1 for a one-step model).
        num_targets: target series forecast per window. Default: 1.
        hidden_size: :math:`H`, the encoder's state size. Default: 64.
        num_layers: stacked encoder layers. Default: 2.
        dropout: dropout between encoder layers and in the decoder, in training.
        n_future: known inputs per forecast step (known covariates and calendar
            features of that step). Default: 0.
        n_static: numeric static features per series. Default: 0.
        category_sizes: categories of each categorical static feature (its
            embedding table's rows, row 0 for "unknown"). Default: none.
        quantiles: quantile levels to forecast, increasing, with 0.5 among them
            (see :class:`HorizonDecoder`); empty for a point forecast. Default: none.
        skip_lookback: :math:`L`, the window length a :class:`SeasonalSkip` reads:
            a linear path from the window's targets to the forecast, added to the
            decoder's. ``None`` (default): no skip.
        skip_season: the season :math:`m` the skip starts as the seasonal naive
            forecast of (1: the last value). Default: 1.

    Inputs: ``x``, ``future``, ``static``, ``categories``
        * **x**: ``(B, L, input_size)``.
        * **future**: ``(B, horizon, n_future)``, needed when ``n_future > 0``.
        * **static**: ``(B, n_static)`` float, needed when ``n_static > 0``.
        * **categories**: ``(B, len(category_sizes))`` int64 category indices.

    Output: ``(B, horizon, num_targets)``, or ``(B, horizon, num_targets * Q)`` with ``Q``
    quantiles (each target's levels together, in increasing order).
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
        n_future: int = 0,
        n_static: int = 0,
        category_sizes: Sequence[int] = (),
        quantiles: Sequence[float] = (),
        skip_lookback: int | None = None,
        skip_season: int = 1,
    ) -> None:
        super().__init__()
        owner = type(self).__name__
        self.input_size = check_positive_int(owner, "input_size", input_size)
        self.horizon = check_positive_int(owner, "horizon", horizon)
        self.num_targets = check_positive_int(owner, "num_targets", num_targets)
        self.hidden_size = check_positive_int(owner, "hidden_size", hidden_size)
        self.num_layers = check_positive_int(owner, "num_layers", num_layers)
        self.dropout = check_dropout(owner, dropout)
        self.n_future = checks.non_negative_int().check(f"{owner}: n_future", n_future)
        self.n_static = checks.non_negative_int().check(f"{owner}: n_static", n_static)
        self.category_sizes = tuple(check_positive_int(owner, "category size", size) for size in category_sizes)
        self.quantiles = tuple(float(level) for level in quantiles)
        if self.quantiles and (0.5 not in self.quantiles or list(self.quantiles) != sorted(set(self.quantiles))):
            raise ValueError(f"{owner}: quantiles must increase and include 0.5, got {self.quantiles}")
        self.encoder = self.build_encoder()
        directions = 2 if getattr(self.encoder, "bidirectional", False) else 1
        self.decoder = HorizonDecoder(
            directions * self.hidden_size, self.horizon, self.num_targets, self.n_future, self.n_static,
            self.category_sizes, hidden_size=self.hidden_size, dropout=self.dropout,
            n_quantiles=max(1, len(self.quantiles)),
            median_index=self.quantiles.index(0.5) if self.quantiles else 0,
        )
        self.skip = None
        if skip_lookback is not None:
            lookback = check_positive_int(owner, "skip_lookback", skip_lookback)
            season = check_positive_int(owner, "skip_season", skip_season)
            self.skip = SeasonalSkip(lookback, self.horizon, season)

    def build_encoder(self) -> nn.Module:
        raise NotImplementedError

    def encoder_input(self, x: Tensor) -> Tensor:
        """Hook for a front end before the recurrent encoder (identity here)."""
        return x

    def forward(
        self, x: Tensor, future: Tensor | None = None, static: Tensor | None = None, categories: Tensor | None = None
    ) -> Tensor:
        if x.dim() != 3 or x.shape[-1] != self.input_size:
            raise ValueError(
                f"{type(self).__name__}: expected input (batch, lookback, {self.input_size}), got {tuple(x.shape)}"
            )
        if self.n_future and (future is None or future.shape != (x.shape[0], self.horizon, self.n_future)):
            got = None if future is None else tuple(future.shape)
            raise ValueError(
                f"{type(self).__name__}: expected future (batch, {self.horizon}, {self.n_future}), got {got}"
            )
        _, h_n = self.encoder(self.encoder_input(x))
        if isinstance(h_n, tuple):  # LSTM: (h_n, c_n)
            h_n = h_n[0]
        directions = 2 if getattr(self.encoder, "bidirectional", False) else 1
        summary = h_n[-directions:].transpose(0, 1).reshape(x.shape[0], -1)  # (B, D * H)
        forecast = self.decoder(summary, future, static, categories)
        if self.skip is None:
            return forecast
        levels = max(1, len(self.quantiles))
        forecast = forecast.view(x.shape[0], self.horizon, self.num_targets, levels)
        # The skip moves every quantile level alike: they stay in order.
        return (forecast + self.skip(x[:, :, : self.num_targets]).unsqueeze(-1)).flatten(2)
