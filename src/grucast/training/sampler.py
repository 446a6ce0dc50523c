"""Batches of window indices, split across data-parallel processes."""

from __future__ import annotations

from collections.abc import Iterator

import torch.distributed as dist
from torch import Tensor
from torch.utils.data import Sampler


def world_and_rank() -> tuple[int, int]:
    """``(world size, rank)`` of the running process group, ``(1, 0)`` outside one."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size(), dist.get_rank()
    return 1, 0


class RankShardedBatches(Sampler[Tensor]):
    """Each process takes its contiguous share of every global batch.

    Every process draws the same sequence of global batches (same seed), then keeps
    slice ``rank`` of ``world`` near-equal slices. With a mean loss and gradients
    averaged across processes, a step then equals one process training on the whole
    global batch, whatever the number of processes. A last batch smaller than the
    number of processes is skipped (some process would get no window).

    Args:
        batches: yields global batches of window indices, ``(B,)`` tensors; it must
            know ``n_windows`` and ``batch_size``.
    """

    def __init__(self, batches: Sampler[Tensor]) -> None:
        self.batches = batches

    def __len__(self) -> int:
        world, _ = world_and_rank()
        full = len(self.batches)  # type: ignore[arg-type]
        remainder = self.batches.n_windows % self.batches.batch_size  # type: ignore[attr-defined]
        short_last = 0 < remainder < world and not self.batches.drop_last  # type: ignore[attr-defined]
        return full - int(short_last)

    def __iter__(self) -> Iterator[Tensor]:
        world, rank = world_and_rank()
        for batch in self.batches:
            if len(batch) < world:
                continue
            yield batch.tensor_split(world)[rank]
