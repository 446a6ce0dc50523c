"""Tensor math only: a GRU from its gate equations, and the minGRU scan."""

from grucast.nn.gru import GRU
from grucast.nn.gru_cell import GRUCell
from grucast.nn.mingru import MinGRU

__all__ = ["GRU", "GRUCell", "MinGRU"]
