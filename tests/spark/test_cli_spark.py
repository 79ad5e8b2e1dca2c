"""``python -m analytics kpis|prices|warnings --engine spark``: the same file as with ``--db``
(the same columns, types and rows), and the refusals of the engine options.

The Spark runs share the test process's local session (the command uses the active session, as
it does under spark-submit); one run goes through a process of its own, as a user types it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from data import layout
from tests.analytics.cli_runner import run, run_here
from tests.cli_runner import python_m
from tests.spark.conftest import assert_same_frame

pytestmark = pytest.mark.spark


def _same_file(duck: Path, spark: Path) -> None:
    a, b = pq.read_table(duck), pq.read_table(spark)
    assert b.schema.equals(a.schema), (a.schema, b.schema)
    assert a.num_rows > 0
    assert_same_frame(a.to_pandas(), b.to_pandas())


@pytest.mark.parametrize("command,options", [
    ("kpis", ["--period", "month", "--by", "district,business_format", "--level", "brand",
              "--from", "2025-01-01", "--to", "2025-06-30", "--growth", "yoy"]),
    ("kpis", ["--period", "quarter", "--by", "market_type", "--level", "price_class", "--growth", "mom"]),
    ("prices", ["--by", "district", "--level", "product", "--from", "2025-07-01"]),
])
def test_spark_writes_the_duckdb_file(spark, spark_city, spark_export, tmp_path, capsys, command, options):
    want, got = tmp_path / "duckdb.parquet", tmp_path / "spark.parquet"
    done = run_here(capsys, command, "--db", str(spark_city), *options, "--out", str(want))
    assert done.returncode == 0, done.stderr
    done = run_here(capsys, command, "--engine", "spark", "--warehouse", str(spark_export), *options,
                    "--out", str(got))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("wrote ")
    _same_file(want, got)


def test_as_a_user_types_it(spark, spark_city, spark_export, tmp_path, capsys):
    """Its own process, so its own Spark session from --spark-master and --spark-conf."""
    want, got = tmp_path / "duckdb.parquet", tmp_path / "spark.parquet"
    with_db = run_here(capsys, "warnings", "--db", str(spark_city), "--as-of", "2025-11-20", "--out", str(want))
    assert with_db.returncode == 0, with_db.stderr
    done = run("warnings", "--engine", "spark", "--warehouse", str(spark_export), "--spark-master", "local[2]",
               "--spark-conf", "spark.sql.shuffle.partitions=2", "--spark-conf", "spark.ui.enabled=false",
               "--as-of", "2025-11-20", "--out", str(got))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote {pq.read_metadata(want).num_rows:,} rows to {got}")
    _same_file(want, got)


# -- refusals: one line, exit 1, nothing written, and no Spark started for any of them


@pytest.mark.parametrize("args,message", [
    (["--engine", "spark"], "--engine spark needs --warehouse DIR"),
    (["--engine", "spark", "--warehouse", "W", "--db", "x.duckdb"], "--db is for the DuckDB engine"),
    (["--warehouse", "W"], "--warehouse is a Parquet warehouse for --engine spark"),
    (["--engine", "spark", "--warehouse", "W", "--spark-conf", "novalue"], "use KEY=VALUE"),
])
def test_engine_options_are_checked(tmp_path, capsys, args, message):
    out = tmp_path / "k.csv"
    args = [str(tmp_path / a) if a == "W" else a for a in args]
    done = run_here(capsys, "kpis", *args, "--out", str(out))
    assert done.returncode == 1
    assert message in done.stderr and done.stderr.count("\n") == 1
    assert not out.exists()


def test_not_a_parquet_warehouse(tmp_path, capsys):
    (tmp_path / "wh").mkdir()
    out = tmp_path / "w.csv"
    done = run_here(capsys, "warnings", "--engine", "spark", "--warehouse", str(tmp_path / "wh"), "--out", str(out))
    assert done.returncode == 1
    assert done.stderr == f"error: {tmp_path / 'wh'} has no manifest.json: not a Jinye Parquet warehouse, " \
                       f"or an export that did not finish\n"
    done = run_here(capsys, "prices", "--engine", "spark", "--warehouse", str(tmp_path / "none"), "--out", str(out))
    assert done.returncode == 1 and "no Parquet warehouse at" in done.stderr and "python -m data export" in done.stderr
    assert not out.exists()


def test_facts_without_aggregates_are_refused(spark_export, tmp_path, capsys):
    copy = tmp_path / "wh"
    shutil.copytree(spark_export, copy)
    manifest = json.loads((copy / layout.MANIFEST).read_text(encoding="utf-8"))
    for name in layout.DERIVED:
        del manifest["tables"][name]
        shutil.rmtree(copy / name)
    layout.write_manifest(copy, manifest)
    done = run_here(capsys, "kpis", "--engine", "spark", "--warehouse", str(copy), "--out", str(tmp_path / "k.csv"))
    assert done.returncode == 1
    assert done.stderr == (f"error: {copy} has no aggregates: build them with "
                        f"`python -m data refresh --engine spark --warehouse {copy}`\n")


@pytest.mark.parametrize("args,message", [
    (["--engine", "spark"], "--engine spark needs --warehouse DIR"),
    (["--warehouse", "W"], "add --engine spark"),
    (["--engine", "spark", "--warehouse", "W", "--db", "x.duckdb"], "--db and --from are for the DuckDB engine"),
])
def test_data_refresh_engine_options_are_checked(tmp_path, args, message):
    args = [str(tmp_path) if a == "W" else a for a in args]
    done = python_m("data", "refresh", *args, timeout=120)
    assert done.returncode == 1
    assert message in done.stderr and done.stderr.count("\n") == 1, done.stderr


def test_a_company_layout_is_read_as_declared(spark, spark_export, tmp_path):
    """Files written by other tools: 32-bit quantities and an extra column read as the schema
    declares; a missing column refuses the warehouse, naming it."""
    import duckdb

    from data.warehouse import SparkWarehouse

    copy = tmp_path / "wh"
    shutil.copytree(spark_export, copy)
    month = sorted((copy / "orders").iterdir())[0]
    for f in month.glob("*.parquet"):
        duckdb.sql(f"SELECT * REPLACE (CAST(qty_ordered AS INTEGER) AS qty_ordered), 'x' AS note "
                   f"FROM read_parquet('{f}')").write_parquet(str(tmp_path / "narrow.parquet"))
        shutil.move(tmp_path / "narrow.parquet", f)
    wh = SparkWarehouse.open(copy, spark=spark)
    try:
        orders = wh.backend().table("orders")
        assert dict(orders.schema())["qty_ordered"].is_int64() and "note" not in orders.columns
        want = duckdb.sql(f"SELECT sum(qty_ordered) FROM read_parquet('{copy}/orders/**/*.parquet')").fetchall()[0][0]
        assert int(orders.qty_ordered.sum().to_pandas()) == want
    finally:
        wh.close()
    clients = copy / "clients" / "data.parquet"
    duckdb.sql(f"SELECT * EXCLUDE (grade) FROM read_parquet('{clients}')").write_parquet(str(tmp_path / "c.parquet"))
    shutil.move(tmp_path / "c.parquet", clients)
    with pytest.raises(layout.LayoutError, match=r"clients lacks the column\(s\) grade"):
        SparkWarehouse.open(copy, spark=spark)
