"""grucast: GRU time-series forecasting, with a GRU written from its gate equations.

Importing the package is light: it does not import matplotlib or Lightning.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
