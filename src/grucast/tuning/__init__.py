"""Hyperparameter search on Optuna (the ``tune`` extra): ``grucast tune`` and :func:`tune`.

Importing this package does not import Optuna; :func:`tune` does, and says how to
install it when it is missing.
"""

from grucast.tuning.search import TuneResult, tune
from grucast.tuning.space import DEFAULT_SPACE, SearchSpace, default_space, load_space, parse_space

__all__ = ["DEFAULT_SPACE", "SearchSpace", "TuneResult", "default_space", "load_space", "parse_space", "tune"]
