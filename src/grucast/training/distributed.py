"""Agreement between data-parallel processes through their ``torch.distributed`` process group."""

from __future__ import annotations

from typing import Any

import torch.distributed as dist


class GroupAgreement:
    """:class:`grucast.data.agreement.Agreement` over the initialised default process group.

    Every process hands its value to :func:`torch.distributed.all_gather_object` and
    gets every process's back, in rank order; each process must make the same calls
    in the same order. The values travel between this program's own processes only.
    """

    def __init__(self) -> None:
        if not (dist.is_available() and dist.is_initialized()):
            raise RuntimeError("GroupAgreement needs an initialised torch.distributed process group")

    def gather(self, value: Any) -> list[Any]:
        values: list[Any] = [None] * dist.get_world_size()
        dist.all_gather_object(values, value)
        return values
