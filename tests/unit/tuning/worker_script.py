"""Run by test_search.py: one `tune` worker of a study shared through a SQLite file.

Usage: worker_script.py STORAGE OUT TRIALS READY_DIR INDEX. Each worker marks itself
ready and waits for the other before searching, so that the two overlap; it prints
``{"new_trials": N}`` on its last line.
"""

import json
import sys
import time
from pathlib import Path

from grucast.api import tune
from tune_data import FAST, SPACE, hourly_frame, series_of


def wait_for_both(ready: Path, index: str) -> None:
    ready.mkdir(exist_ok=True)
    (ready / index).touch()
    deadline = time.monotonic() + 120
    while len(list(ready.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)


def main() -> None:
    storage, out, trials, ready, index = sys.argv[1:6]
    data = series_of(hourly_frame()[["time", "region", "load"]])
    wait_for_both(Path(ready), index)
    result = tune(data, Path(out), trials=int(trials), space=SPACE, storage=storage, study="shared", refit=False, prune=False,
                  **FAST)
    print(json.dumps({"new_trials": result.new_trials}))


if __name__ == "__main__":
    main()
