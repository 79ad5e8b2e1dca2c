"""``python -m data export``: the DuckDB warehouse as the Parquet warehouse Spark reads
(``data.layout``), checked by reading the files back with DuckDB; and its refusals.

City: the session ``demo_db`` (300 clients, three years to 2025-12-31).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from data import layout, schema, store
from tests.cli_runner import ROOT, python_m


def run(*args, timeout: float = 120) -> subprocess.CompletedProcess:
    return python_m("data", *args, timeout=timeout)


def counts(db: Path, tables) -> dict[str, int]:
    con, _ = store.open_reader(db)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}
    finally:
        con.close()


@pytest.fixture(scope="module")
def exported(demo_db, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("export") / "warehouse"
    done = run("export", "--db", demo_db, "--to", target)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("exported 12 tables")
    return target


def test_one_folder_per_table_and_a_manifest(exported, demo_db):
    manifest = json.loads((exported / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["layout"] == "jinye-parquet" and manifest["layout_version"] == 1
    assert manifest["schema_version"] == "1"
    assert set(manifest["tables"]) == set(layout.TABLES)
    assert sorted(p.name for p in exported.iterdir()) == sorted([*layout.TABLES, "manifest.json"])
    # the rows of every table, as the warehouse holds them
    assert {t: e["rows"] for t, e in manifest["tables"].items()} == counts(demo_db, layout.TABLES)
    # credentials and the audit trail stay with the dashboard's warehouse
    for private in ("users", "import_log", "allocation_runs", "truth_facts", "truth_consumer_demand"):
        assert private not in manifest["tables"]


def test_dimensions_are_single_files(exported):
    for name in layout.SINGLE:
        assert [p.name for p in (exported / name).iterdir()] == ["data.parquet"], name
        assert layout.read_manifest(exported)["tables"][name]["partition_by"] is None


def test_facts_are_partitioned_by_month(exported, demo_db):
    con, _ = store.open_reader(demo_db)
    try:
        for name, column in layout.PARTITIONED.items():
            folders = sorted(p.name for p in (exported / name).iterdir())
            months = [r[0] for r in con.execute(
                f"SELECT DISTINCT strftime({column}, '%Y-%m') FROM {name} ORDER BY 1").fetchall()]
            assert folders == [f"month={m}" for m in months], name
            assert len(months) >= 36 and layout.read_manifest(exported)["tables"][name]["date_column"] == column
            # each month folder holds exactly that month's rows
            per_month = dict(con.execute(
                f"SELECT month, count(*) FROM read_parquet(?, hive_partitioning = true) "
                f"WHERE strftime({column}, '%Y-%m') = month GROUP BY month",
                [str(exported / name / "**" / "*.parquet")]).fetchall())
            want = dict(con.execute(f"SELECT strftime({column}, '%Y-%m'), count(*) FROM {name} GROUP BY 1").fetchall())
            assert per_month == want, name
    finally:
        con.close()


@pytest.mark.parametrize("name", ["orders", "clients", "agg_client_product_month", "agg_client_group_month"])
def test_the_files_hold_the_tables(exported, demo_db, name):
    table = schema.declared(name)
    con, _ = store.open_reader(demo_db)
    try:
        con.execute("CREATE TEMP TABLE got AS SELECT * EXCLUDE (month) FROM read_parquet(?, hive_partitioning = true)"
                    if name in layout.PARTITIONED else "CREATE TEMP TABLE got AS SELECT * FROM read_parquet(?)",
                    [str(exported / name / "**" / "*.parquet")])
        described = [(r[0], r[1]) for r in con.execute("DESCRIBE got").fetchall()]
        assert described == [(c.name, c.sql_type) for c in table.columns]
        for a, b in (("got", name), (name, "got")):
            assert con.execute(f"SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})").fetchall()[0][0] == 0
    finally:
        con.close()


def test_a_missing_warehouse_is_refused(tmp_path):
    done = run("export", "--db", tmp_path / "nothing.duckdb", "--to", tmp_path / "out")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "no warehouse at" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_non_empty_target_needs_force(exported, demo_db, tmp_path):
    before = sorted(p.name for p in exported.iterdir())
    manifest = (exported / "manifest.json").read_text(encoding="utf-8")
    done = run("export", "--db", demo_db, "--to", exported)
    assert done.returncode == 1
    assert done.stderr == f"error: {exported} is not empty: pass --force to replace an earlier export\n"
    assert sorted(p.name for p in exported.iterdir()) == before
    assert (exported / "manifest.json").read_text(encoding="utf-8") == manifest


def test_force_replaces_an_earlier_export_only(demo_db, tmp_path):
    target = tmp_path / "again"
    assert run("export", "--db", demo_db, "--to", target).returncode == 0
    (target / "stray.txt").write_text("left from before")
    done = run("export", "--db", demo_db, "--to", target, "--force")
    assert done.returncode == 0, done.stderr
    assert not (target / "stray.txt").exists()
    assert layout.read_manifest(target)["tables"]["orders"]["rows"] == counts(demo_db, ["orders"])["orders"]
    assert [p.name for p in tmp_path.iterdir()] == ["again"]  # nothing moved aside is left
    # a folder that is not an export is never deleted, --force or not
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("precious")
    done = run("export", "--db", demo_db, "--to", mine, "--force")
    assert done.returncode == 1
    assert "holds no earlier export" in done.stderr and done.stderr.count("\n") == 1
    assert (mine / "thesis.docx").read_text() == "precious"


def test_an_unwritable_target_is_refused(demo_db, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    done = run("export", "--db", demo_db, "--to", blocker / "warehouse")
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: cannot write {blocker / 'warehouse'}:")
    assert done.stderr.count("\n") == 1
    done = run("export", "--db", demo_db, "--to", blocker)
    assert done.returncode == 1 and "exists and is not a folder" in done.stderr
    assert blocker.read_text() == "not a folder"


def test_an_interrupted_export_never_looks_complete(demo_db, tmp_path):
    target = tmp_path / "warehouse"
    proc = subprocess.Popen([sys.executable, "-m", "data", "export", "--db", str(demo_db), "--to", str(target)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        working = []
        while not working and proc.poll() is None and time.monotonic() < deadline:
            working = [p for p in tmp_path.iterdir() if p.name.startswith(".warehouse.export-")]
            time.sleep(0.005)
        assert proc.poll() is None, "the export finished before it could be stopped"
        os.kill(proc.pid, signal.SIGSTOP)  # frozen mid-export: what a reader would find now
        assert not target.exists()
        with pytest.raises(layout.LayoutError, match="no Parquet warehouse"):
            layout.read_manifest(target)
        os.kill(proc.pid, signal.SIGKILL)  # and a power cut
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert not target.exists()
    assert not (working[0] / "manifest.json").exists()
    # the next export works beside the dead one's leftovers
    assert run("export", "--db", demo_db, "--to", target).returncode == 0
    assert layout.read_manifest(target)["tables"]["clients"]["rows"] == 300


def test_nothing_imports_pyspark_until_spark_is_asked_for():
    """pyspark is imported only to start a session: the dashboard's run command does not
    install it, and the command lines must not pay for it (nor for pandera, which imports it
    when installed and then pins Spark's driver to the loopback address)."""
    code = ("import sys, data.warehouse, data.cli, data.export, data.spark, analytics.cli, analytics.kpis; "
            "from data.warehouse import SparkWarehouse; "
            "print('pyspark' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_a_folder_without_manifest_is_not_a_warehouse(tmp_path):
    (tmp_path / "orders").mkdir()
    duckdb.sql("SELECT 1 AS x").write_parquet(str(tmp_path / "orders" / "data.parquet"))
    with pytest.raises(layout.LayoutError, match="has no manifest.json"):
        layout.read_manifest(tmp_path)
