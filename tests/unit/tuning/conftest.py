"""Fixtures of the tuning tests: the tiny series of tune_data.py."""

from __future__ import annotations

import pandas as pd
import pytest

from tune_data import hourly_frame, series_of


@pytest.fixture(scope="session")
def frame() -> pd.DataFrame:
    return hourly_frame()


@pytest.fixture(scope="session")
def data(frame):
    return series_of(frame[["time", "region", "load"]])
