"""How the processes that each hold a share of the series decide the data's settings together.

A pipeline fitted on one process's share of the series (see
:mod:`grucast.data.shards`) must decide what depends on all the series (the window
from the first series' frequency, which series are left out, padding, the calendar
features, the window normalisation, the static features' statistics and labels)
exactly as a fit on all of them would, and the same in every process. Each such
decision is a function of a few values per share: the fit hands its share's values
to :meth:`Agreement.gather`, gets every share's back, in share order, and combines
them. One process holding all the series gathers from itself alone
(:data:`ALONE`); data-parallel processes gather through their process group
(:class:`grucast.training.distributed.GroupAgreement`).
"""

from __future__ import annotations

from typing import Any, Protocol


class Agreement(Protocol):
    """Gathers one value from each share of the series."""

    def gather(self, value: Any) -> list[Any]:
        """Every share's ``value`` (this one's included), in share order; every share must call it alike."""
        ...


class _Alone:
    """The one share of all the series: gathering returns its own value."""

    def gather(self, value: Any) -> list[Any]:
        return [value]


#: The agreement of a process that holds every series.
ALONE: Agreement = _Alone()
