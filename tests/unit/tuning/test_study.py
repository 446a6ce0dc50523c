"""Studies: workers that open a new database together, and storage URLs that are refused."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from grucast.errors import InputError
from grucast.tuning.study import check_storage_url, open_storage


def test_workers_opening_a_new_sqlite_study_at_the_same_moment_all_succeed(tmp_path):
    # Without a retry, about half of them lost the race to create the tables
    # ("table studies already exists", "UNIQUE constraint failed: alembic_version").
    for attempt in range(2):
        url = f"sqlite:///{tmp_path / f'study-{attempt}.db'}"
        start = threading.Barrier(4)

        def open_together(_: int):
            start.wait()
            return open_storage(url)

        with ThreadPoolExecutor(4) as pool:
            storages = list(pool.map(open_together, range(4)))
        assert len(storages) == 4
        assert storages[0].get_all_studies() == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", r"storage 'not a url' is not a database URL; give e\.g\. sqlite:///study\.db"),
        ("redis://localhost/0", r"storage 'redis://localhost/0' uses 'redis'; grucast tune stores studies in sqlite, "
                                r"postgresql, mysql"),
        ("sqlite://", r"names no file; give sqlite:///path/to/study\.db"),
    ],
)
def test_a_storage_url_grucast_cannot_use_is_refused_before_connecting(url, message):
    with pytest.raises(InputError, match=message):
        check_storage_url(url)
