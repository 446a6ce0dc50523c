"""How OpenMP's idle threads wait: grucast asks for a passive wait before OpenMP loads.

torch's CPU kernels, MKL's matmuls and grucast's GRU kernel share one OpenMP
thread pool (GNU libgomp in torch's Linux wheels). By default, after each parallel
region libgomp's worker threads spin-wait for the next one, up to 300,000 rounds
(several milliseconds on current x86 processors) before they sleep. A training
step of a small GRU runs thousands of short regions, so its threads never sleep:
alone, that costs nothing, but when several processes share the cores (parallel
tuning trials, a test suite beside a training run) the spinning threads take the
cores the working threads need, and every region then waits for a descheduled
thread. On this project's 2-core machine three such processes each ran up to
~18x slower than alone; with a passive wait, about 2-4x (fair share: 1.5x).

So ``import grucast`` sets ``OMP_WAIT_POLICY=PASSIVE`` (threads sleep as soon as
a region ends), unless

* the user chose a wait already (``OMP_WAIT_POLICY`` or ``GOMP_SPINCOUNT`` is set):
  grucast keeps it; set ``OMP_WAIT_POLICY=ACTIVE`` to restore spinning; or
* OpenMP is already loaded (``import torch`` ran before ``import grucast``):
  libgomp reads its settings once, when it loads, so it is too late; set the
  variable in the environment, or import grucast first.

The variable is inherited by child processes (data-loader workers, DDP ranks).
:func:`wait_policy` says which case applies, for a run's notes. The GRU kernel
also runs small steps on one thread (``grucast/nn/csrc/gru_kernel.cpp``), which
does not depend on import order.
"""

from __future__ import annotations

import os
import sys

WAIT_ENV = "OMP_WAIT_POLICY"
SPIN_ENV = "GOMP_SPINCOUNT"

_outcome = "not requested"


def _openmp_loaded() -> bool:
    """Whether an OpenMP runtime is mapped into this process already."""
    try:
        with open("/proc/self/maps") as handle:
            maps = handle.read()
    except OSError:  # not Linux: judge by torch, which loads OpenMP
        return "torch" in sys.modules
    return any(name in maps for name in ("libgomp", "libiomp", "libomp"))


def prefer_passive_wait() -> str:
    """Set ``OMP_WAIT_POLICY=PASSIVE`` if the user chose no wait and OpenMP is not loaded.

    ``import grucast`` calls this once.

    Returns:
        ``"set"``, ``"user"`` (the user's own setting is kept) or ``"too late"``
        (OpenMP was loaded before grucast; its default spin-wait stays).
    """
    global _outcome
    if WAIT_ENV in os.environ or SPIN_ENV in os.environ:
        _outcome = "user"
    elif _openmp_loaded():
        _outcome = "too late"
    else:
        os.environ[WAIT_ENV] = "PASSIVE"
        _outcome = "set"
    return _outcome


def wait_policy() -> str:
    """One line for a run's notes: how this process's OpenMP threads wait, and why."""
    if _outcome == "set":
        return "OpenMP threads wait passively (OMP_WAIT_POLICY=PASSIVE, set by grucast)"
    if _outcome == "user":
        chosen = ", ".join(f"{k}={os.environ[k]}" for k in (WAIT_ENV, SPIN_ENV) if k in os.environ)
        return f"OpenMP wait as set in the environment ({chosen})"
    if _outcome == "too late":
        return (
            "OpenMP threads spin-wait (libgomp's default): OpenMP was loaded before grucast; "
            "set OMP_WAIT_POLICY=PASSIVE in the environment or import grucast first"
        )
    return "OpenMP wait not configured by grucast"
