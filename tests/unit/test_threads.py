"""``import grucast`` asks OpenMP for a passive wait (grucast.runtime.threads), in fresh processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# Idle CPU time of the process after a parallel region: libgomp's spinning workers
# burn milliseconds of it per 100 ms of sleep, sleeping (passive) workers none.
_PROBE = """
import json, os, resource, statistics, sys, time
first = sys.argv[1]
if first == "torch":
    import torch
import grucast
import torch
from grucast.runtime import threads
torch.set_num_threads(2)
x = torch.randn(4_000_000)
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
idle = []
for _ in range(5):
    y = x * 2.0  # one parallel region on two threads
    before = cpu()
    time.sleep(0.1)
    idle.append(1e3 * (cpu() - before))
print(json.dumps({"env": os.environ.get("OMP_WAIT_POLICY"), "note": threads.wait_policy(),
                  "idle_cpu_ms": statistics.median(idle)}))
"""


def probe(first: str = "grucast", **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    done = subprocess.run([sys.executable, "-c", _PROBE, first], env={**clean, **env},
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="libgomp's wait, as on Linux wheels")
def test_import_grucast_first_makes_openmp_threads_sleep():
    result = probe()
    assert result["env"] == "PASSIVE"
    assert result["note"] == "OpenMP threads wait passively (OMP_WAIT_POLICY=PASSIVE, set by grucast)"
    assert result["idle_cpu_ms"] < 1.5  # nobody spins while the process sleeps


def test_the_users_choice_is_kept():
    result = probe(OMP_WAIT_POLICY="ACTIVE")
    assert result["env"] == "ACTIVE"
    assert result["note"] == "OpenMP wait as set in the environment (OMP_WAIT_POLICY=ACTIVE)"
    result = probe(GOMP_SPINCOUNT="1000")
    assert result["env"] is None
    assert result["note"] == "OpenMP wait as set in the environment (GOMP_SPINCOUNT=1000)"


def test_after_torch_it_is_too_late_and_the_note_says_how_to_fix_it():
    result = probe(first="torch")
    assert result["env"] is None
    assert result["note"].startswith("OpenMP threads spin-wait (libgomp's default): OpenMP was loaded before grucast")
    assert "import grucast first" in result["note"]
