"""Shared fixtures: one small demo city per test session, built the way a user builds it."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from data import store
from data.demo import DemoParams, generate

# AppTests run the app in the test process: a background forecast fit per warehouse there would
# only compete with the tests (tests/dashboard/test_warmup.py turns it on where it is the subject;
# the browser tests' servers run with it, as users do).
os.environ["JINYE_WARM_FORECASTS"] = "0"
# The app runs OpenMP on one thread (dashboard/app.py); the tests do too, from the start, so a
# forecast test computes the same whether or not an AppTest ran before it in the same worker.
os.environ["OMP_NUM_THREADS"] = "1"

# A small city: every property of the demo city, generated in seconds.
SMALL_CITY = DemoParams(clients=300, seed=7, end=dt.date(2025, 12, 31))


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A read-only demo warehouse (300 clients, 3 years to 2025-12-31). Do not write to it;
    use ``demo_db_copy`` for tests that import or refresh."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with store.writing(path, action="generate", who="tests", fresh=True) as con:
        generate(con, SMALL_CITY)
    return path


@pytest.fixture
def demo_db_copy(demo_db, tmp_path) -> Path:
    """A private copy of the demo warehouse that a test may change."""
    target = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, target)
    return target


@pytest.fixture
def demo_sql(demo_db):
    """A read-only DuckDB connection to the demo city for computing expected answers."""
    con, _ = store.open_reader(demo_db)
    yield con
    con.close()

