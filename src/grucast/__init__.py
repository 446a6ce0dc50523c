"""grucast: GRU time-series forecasting, with a GRU written from its gate equations.

Importing the package is light: it does not import matplotlib or Lightning. It
does ask OpenMP for a passive wait before torch loads it (unless the environment
chose one): see :mod:`grucast.runtime.threads`.
"""

from grucast.runtime import threads as _threads

_threads.prefer_passive_wait()

__version__ = "0.1.0"

__all__ = ["__version__"]
