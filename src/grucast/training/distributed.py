"""Data-parallel processes that each hold a share of the series: their process group, agreement and windows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import torch
import torch.distributed as dist
from torch import nn

from grucast.data.agreement import ALONE, Agreement
from grucast.data.errors import DataError
from grucast.data.frame import SeriesSet
from grucast.data.pipeline import WindowPipeline
from grucast.errors import InputError, option
from grucast.training.sampler import WindowShares

T = TypeVar("T")


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

    def gather_to_first(self, value: Any) -> list[Any] | None:
        """Every process's ``value``, in rank order, on rank 0 only (``None`` elsewhere): for large values."""
        first = dist.get_rank() == 0
        values: list[Any] | None = [None] * dist.get_world_size() if first else None
        dist.gather_object(value, values, dst=0)
        return values


def agreement_for(data: SeriesSet) -> Agreement:
    """:data:`~grucast.data.agreement.ALONE` for all the series, a :class:`GroupAgreement` for a share of them.

    Raises, alike in every process:
        DataError: the shares' text was read differently (a decimal comma found in one
            share only, a static covariate read as numbers in one and as text in another).
    """
    if data.shard is None:
        return ALONE
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() != data.shard.world:
        raise InputError(
            f"these series are share {data.shard.rank} of {data.shard.world} of a dataset, but this process is not one "
            f"of a group of {data.shard.world} data-parallel processes; start {data.shard.world} processes with "
            "torchrun or srun and initialise their process group (grucast.training.distributed.join_process_group)"
        )
    agree = GroupAgreement()
    readings = agree.gather(dict(data.shard.reading))
    for key in readings[0]:
        seen = {reading.get(key) for reading in readings}
        if len(seen) > 1:
            raise DataError(
                f"the processes' shares of the data read {key!r} differently ({', '.join(sorted(map(repr, seen)))}), "
                f"each from its own rows; say how the data is written ({option('decimal')}, {option('thousands')}, "
                f"{option('dayfirst')}, {option('time_format')}), or store typed columns in the Parquet files"
            )
    return agree


def together(step: Callable[[], T]) -> T:
    """Run one process's part of a step; when it fails in any process, fail in every one.

    A process that stops with an error while the others wait in a collective call
    would leave them waiting (for gloo's 30-minute timeout under ``srun``): every
    process gathers whether its part failed, and all raise the first failure.
    """
    try:
        value, failure = step(), None
    except (DataError, InputError) as error:
        value, failure = None, error
    failures = GroupAgreement().gather(None if failure is None else (type(failure).__name__, str(failure)))
    first = next((found for found in failures if found is not None), None)
    if first is not None:
        if failure is not None:
            raise failure
        kind, message = first
        raise (InputError if kind == "InputError" else DataError)(message)
    return value  # type: ignore[return-value]


def merged_pipeline(pipeline: WindowPipeline) -> WindowPipeline:
    """The pipeline of every share's series, from each process's fitted on its own (same settings)."""
    return WindowPipeline.from_dict(WindowPipeline.merged_state(GroupAgreement().gather(pipeline.to_dict())))


def window_shares(train: int, val: int) -> WindowShares:
    """Where this process's training and validation windows lie among every process's.

    Raises, alike in every process:
        DataError: a process has no training windows, or no validation windows while others have some.
    """
    counts = GroupAgreement().gather((train, val))
    no_train = [rank for rank, (windows, _) in enumerate(counts) if not windows]
    if no_train:
        raise DataError(
            f"the series of share(s) {', '.join(map(str, no_train))} of {len(counts)} have no training windows; "
            "use fewer processes"
        )
    no_val = [rank for rank, (_, windows) in enumerate(counts) if not windows]
    if no_val and len(no_val) < len(counts):
        raise DataError(
            f"the series of share(s) {', '.join(map(str, no_val))} of {len(counts)} are too short for a validation "
            f"part while the others' have one; use fewer processes, or {option('val_size', 0)}"
        )
    return WindowShares.of(counts, dist.get_rank())


def share_weights(module: nn.Module) -> None:
    """Give every process rank 0's weights (the best epoch's, which rank 0 loaded from its checkpoint)."""
    state = [module.state_dict() if dist.get_rank() == 0 else None]
    dist.broadcast_object_list(state, src=0)
    module.load_state_dict(state[0])


def join_process_group(accelerator: str = "cpu") -> tuple[int, int]:
    """Start this process's ``torch.distributed`` group as its launcher describes it; ``(rank, world size)``.

    The launcher is found by Lightning's cluster environments (``torchrun``'s
    variables, then SLURM's); Lightning's trainer then uses the same group. gloo
    carries the CPU tensors and, on GPUs, NCCL the CUDA ones.

    Raises:
        InputError: the process was not started by ``torchrun`` or ``srun``.
    """
    import os

    from lightning.fabric.plugins.environments import SLURMEnvironment, TorchElasticEnvironment

    if dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    for kind in (TorchElasticEnvironment, SLURMEnvironment):
        if kind.detect():
            environment = kind()
            break
    else:
        raise InputError(
            "loading a share of the series per process needs the processes started by torchrun (or srun under "
            "SLURM), one per device: see the README's 'Training on several processes or machines'"
        )
    os.environ.setdefault("MASTER_ADDR", environment.main_address)
    os.environ.setdefault("MASTER_PORT", str(environment.main_port))
    on_gpu = accelerator in ("gpu", "cuda") or (accelerator == "auto" and torch.cuda.is_available())
    backend = "cpu:gloo,cuda:nccl" if on_gpu else "gloo"
    dist.init_process_group(backend, rank=environment.global_rank(), world_size=environment.world_size())
    return dist.get_rank(), dist.get_world_size()
