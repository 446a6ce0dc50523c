"""Batches of window indices, split across data-parallel processes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch
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


class OwnedWindowBatches(Sampler[tuple[Tensor, float, int]]):
    """Each process takes, from every global batch, the windows its share of the series holds.

    With the series sharded across processes (:mod:`grucast.data.shards`), process
    ``r`` holds windows ``start .. start + count - 1`` of the global numbering (the
    windows of all series, in series order): the numbering a single process would
    use. Every process draws the same global batches (same seed, same number of
    windows), and keeps the members of its range, as local window numbers, with
    the weight that makes the data-parallel step equal the single process's:

    .. math::
        w_r = \\frac{b_r \\cdot P}{G}

    for :math:`b_r` of the global batch's :math:`G` windows held here, of :math:`P`
    processes. A process's mean loss times :math:`w_r` is its windows' summed loss
    times :math:`P / (G H)`, so the average of the processes' gradients that DDP takes
    is the gradient of the mean loss over the whole global batch. A process holding
    none of a batch's windows still steps (DDP averages every process's gradients):
    it forecasts its first window with weight 0. Each item is ``(local window numbers,
    weight, G)``; the loss is logged as the global batch's, of size :math:`G`.

    Args:
        batches: the global batches (a :class:`~grucast.data.windows.WindowBatchSampler`
            over every process's windows).
        start, count: this process's range of global window numbers.
        processes: the number of processes, :math:`P`.
    """

    def __init__(self, batches: Sampler[Tensor], start: int, count: int, processes: int) -> None:
        self.batches = batches
        self.start = start
        self.count = count
        self.processes = processes

    def __len__(self) -> int:
        return len(self.batches)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[tuple[Tensor, float, int]]:
        for batch in self.batches:
            local = batch.long() - self.start
            local = local[(local >= 0) & (local < self.count)]
            if len(local):
                yield local, len(local) * self.processes / len(batch), len(batch)
            else:
                yield torch.zeros(1, dtype=torch.long), 0.0, len(batch)


@dataclass(frozen=True)
class WindowShares:
    """Where one process's training and validation windows lie among all processes' (sharded series).

    Attributes:
        processes: how many processes share the series.
        train, val: ``(start, count, total)``: this process's first global window
            number, its number of windows, and every process's together.
    """

    processes: int
    train: tuple[int, int, int]
    val: tuple[int, int, int]

    @classmethod
    def of(cls, counts: Sequence[tuple[int, int]], rank: int) -> WindowShares:
        """From every process's ``(training windows, validation windows)``, in rank order."""
        parts = []
        for part in range(2):
            sizes = [count[part] for count in counts]
            parts.append((sum(sizes[:rank]), sizes[rank], sum(sizes)))
        return cls(len(counts), parts[0], parts[1])
