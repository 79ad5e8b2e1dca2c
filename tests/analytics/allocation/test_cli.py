"""``python -m analytics allocate`` as a user runs it: the files are the library's tables, a saved
run can be read back whole, and bad input is refused in one line with no file written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from analytics.allocation import CONTRACT, GRADE_COLUMNS, Period, allocate, load_inputs
from analytics.allocation.runs import list_runs, load_run
from data.warehouse import Warehouse
from tests.analytics.cli_runner import run, run_here

START = dt.date(2025, 12, 15)


def _scarce(db: Path) -> tuple[str, int]:
    wh = Warehouse.open(db)
    try:
        return wh.cursor().execute(
            "SELECT product_id, qty_available FROM supply_plans WHERE period_start = ? ORDER BY product_id LIMIT 1",
            [START]).fetchone()
    finally:
        wh.close()


def _library(db: Path, product: str, supply: int, method: str, split: str | None = None):
    wh = Warehouse.open(db)
    try:
        b = wh.backend()
        inputs = load_inputs(b.table("orders"), b.table("inventory_snapshots"), b.table("clients"),
                             b.table("agg_client_product_month"), product,
                             Period(START, START + dt.timedelta(days=6)))  # the supply plan's week
        return allocate(inputs, supply, method, split=split)
    finally:
        wh.close()


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want) > 0
    for col in want.columns:
        if pd.api.types.is_float_dtype(want[col]):
            pd.testing.assert_series_equal(got[col].astype(float), want[col], check_names=False, rtol=1e-9)
        else:
            assert got[col].fillna("").astype(str).str.replace(r"\.0$", "", regex=True).tolist() == \
                want[col].fillna("").astype(str).str.replace(r"\.0$", "", regex=True).tolist(), col


def test_cli_csv_is_the_library_allocation(demo_db, tmp_path):
    product, supply = _scarce(demo_db)
    out, grades = tmp_path / "alloc.csv", tmp_path / "grades.csv"
    done = run("allocate", "--db", str(demo_db), "--product", product, "--supply", str(supply),
               "--period-start", START.isoformat(), "--out", str(out), "--grade-table", str(grades))
    assert done.returncode == 0, done.stderr
    want = _library(demo_db, product, supply, "optimal")
    got = pd.read_csv(out, dtype={"client_id": str})
    assert list(got.columns[:len(CONTRACT)]) == CONTRACT
    _same(got, want.clients)
    assert got["qty_alloc"].sum() <= supply
    _same(pd.read_csv(grades), want.grades)


def test_cli_by_grade_with_a_split_as_parquet(demo_db, tmp_path, capsys):
    product, supply = _scarce(demo_db)
    out, grades = tmp_path / "alloc.parquet", tmp_path / "grades.xlsx"
    done = run_here(capsys, "allocate", "--db", str(demo_db), "--product", product, "--supply", str(supply),
                    "--period-start", START.isoformat(), "--method", "by_grade", "--region-split", "urban_rural",
                    "--out", str(out), "--grade-table", str(grades))
    assert done.returncode == 0, done.stderr
    want = _library(demo_db, product, supply, "by_grade", "urban_rural")
    _same(pd.read_parquet(out), want.clients)
    got = pd.read_excel(grades)
    assert list(got.columns) == GRADE_COLUMNS + ["part"]
    _same(got, want.grades)


def test_saved_run_reads_back_whole_and_changes_nothing_else(demo_db_copy, tmp_path, capsys):
    product, supply = _scarce(demo_db_copy)
    wh = Warehouse.open(demo_db_copy)
    before = wh.cursor().execute("SELECT count(*), sum(qty_ordered) FROM orders").fetchone()
    wh.close()
    out = tmp_path / "alloc.csv"
    done = run_here(capsys, "allocate", "--db", str(demo_db_copy), "--product", product, "--supply", str(supply),
                    "--period-start", START.isoformat(), "--out", str(out), "--save", "--user", "王经理",
                    "--note", "第51周")
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.split("saved run ")[1].split()[0]
    wh = Warehouse.open(demo_db_copy)
    try:
        con = wh.cursor()
        assert con.execute("SELECT count(*), sum(qty_ordered) FROM orders").fetchone() == before
        row, clients, grades = load_run(con, run_id)
        runs = list_runs(wh.backend().table("allocation_runs"))
    finally:
        wh.close()
    assert runs["run_id"].tolist() == [run_id]
    assert (row["created_by"], row["product_id"], row["supply"], row["method"], row["note"]) == \
        ("王经理", product, supply, "optimal", "第51周")
    assert row["params"]["settings"]["floor"] == 1 and row["params"]["error"] == supply - clients["qty_alloc"].sum()
    written = pd.read_csv(out, dtype={"client_id": str})
    assert clients["client_id"].tolist() == sorted(written["client_id"])
    assert clients.set_index("client_id")["qty_alloc"].to_dict() == written.set_index("client_id")["qty_alloc"].to_dict()
    assert grades["grade"].tolist() == list(range(30, 0, -1))
    with pytest.raises(KeyError, match="no saved allocation run"):
        wh = Warehouse.open(demo_db_copy)
        try:
            load_run(wh.cursor(), "nope")
        finally:
            wh.close()


@pytest.mark.parametrize("change, message", [
    ({"--supply": "0"}, "release at least 1 carton"),
    ({"--supply": "many"}, "is not a whole number"),
    ({"--product": "no-such"}, "unknown product"),
    ({"--period-start": "2025-02-30"}, "is not a date"),
    ({"--period-end": "2025-12-01"}, "is before --period-start"),
    ({"--method": "lottery"}, "invalid choice"),
    ({"--region-split": "province"}, "unknown region split"),
    ({"--out": "alloc.txt"}, "the output must end in"),
    ({"--db": "missing.duckdb"}, "no warehouse at"),
    ({"--bogus": None}, "unrecognized arguments"),
])
def test_bad_input_is_refused_in_one_line(demo_db, tmp_path, capsys, change, message):
    product, supply = _scarce(demo_db)
    args = {"--db": str(demo_db), "--product": product, "--supply": str(supply),
            "--period-start": START.isoformat(), "--out": str(tmp_path / "a.csv")}
    args.update({k: str(tmp_path / v) if k in ("--db", "--out") else v for k, v in change.items()})
    argv = ["allocate"] + [x for k, v in args.items() for x in ([k] if v is None else [k, v])]
    done = run_here(capsys, *argv)
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr, done.stderr
    assert not list(tmp_path.iterdir())  # no file written
