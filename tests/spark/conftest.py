"""Fixtures of the Spark parity tests: one local Spark session per test process (two cores,
small shuffles, no web UI) and a tiny city exported to the Parquet warehouse.

Without Java (or pyspark) these tests skip on a developer's machine and fail under CI (the
environment variable CI set), where a skipped parity suite would hide a broken engine.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from data import store
from data.demo import DemoParams, generate
from data.spark import SparkUnavailable
from data.spark import session as spark_session

# Two full years (growth against last year has a base), few clients and products: Spark's cost
# here is per query, not per row, so a bigger city would only slow the suite.
SPARK_CITY = DemoParams(clients=50, products=40, start=dt.date(2024, 1, 1), end=dt.date(2025, 12, 31), seed=5)
# A small local session, on top of what data.spark.session sets for every session.
LOCAL_CONF = {
    "spark.driver.memory": "1g",
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "4",
    # a short-lived JVM: the quick JIT tier only, which cuts the warm-up of every new query plan
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: the Spark parity tests must run in CI")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def spark():
    """A local SparkSession (local[2]) made as the command lines make theirs, stopped at the end
    of the test process."""
    try:
        session, _ = spark_session("local[2]", LOCAL_CONF, app_name="jinye-tests")
    except SparkUnavailable as exc:
        _unavailable(str(exc))
    yield session
    session.stop()


@pytest.fixture(scope="session")
def spark_city(tmp_path_factory) -> Path:
    """The tiny city's DuckDB warehouse (read-only: copy it to change it)."""
    path = tmp_path_factory.mktemp("spark_city") / "city.duckdb"
    with store.writing(path, action="generate", who="tests", fresh=True) as con:
        generate(con, SPARK_CITY)
    return path


@pytest.fixture(scope="session")
def spark_export(spark_city, tmp_path_factory) -> Path:
    """The tiny city exported to the Parquet warehouse, with the aggregates DuckDB built (do not
    write to it)."""
    from data.export import export_warehouse

    target = tmp_path_factory.mktemp("spark_export") / "warehouse"
    export_warehouse(spark_city, target)
    return target


def assert_same_frame(duck, spark, float_rtol: float = 1e-9) -> None:
    """The two engines' frames agree: the same columns in the same order with the same dtypes,
    the same rows in the same order; every value equal, except floats (ratios, and sums of
    money, whose last bits depend on the order of addition) within ``float_rtol``."""
    import numpy as np
    import pandas as pd

    assert list(spark.columns) == list(duck.columns)
    assert {c: str(t) for c, t in spark.dtypes.items()} == {c: str(t) for c, t in duck.dtypes.items()}
    assert len(spark) == len(duck)
    for column in duck.columns:
        d, s = duck[column], spark[column]
        if pd.api.types.is_float_dtype(d):
            d, s = d.to_numpy(dtype=float), s.to_numpy(dtype=float)
            assert (np.isnan(d) == np.isnan(s)).all(), column
            assert np.allclose(d[~np.isnan(d)], s[~np.isnan(s)], rtol=float_rtol, atol=0), column
        else:
            assert d.isna().tolist() == s.isna().tolist(), column
            assert d[d.notna()].tolist() == s[s.notna()].tolist(), column
