"""``python -m analytics warnings`` run as a user runs it: the file it writes is the library's list,
column for column, and bad input is refused with one line and no file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest


from analytics.scope import Scope
from analytics.stock import stock_warnings
from analytics.stock.warnings import COLUMNS
from data.warehouse import Warehouse
from tests.analytics.cli_runner import run, run_here

# 07-warnings-prices.md, in this order, first
CONTRACT = ["client_id", "product_id", "territory", "manager_id", "snapshot_date", "qty_on_hand",
            "weekly_rate", "days_of_cover", "status", "severity", "suggested_order_qty"]
AS_OF = dt.date(2025, 12, 24)


def library(db: Path, as_of: dt.date | None, territory: str | None = None) -> pd.DataFrame:
    wh = Warehouse.open(db)
    try:
        b = wh.backend()
        scope = Scope(territories=(territory,)) if territory else Scope()
        return stock_warnings(b.table("orders"), b.table("inventory_snapshots"), b.table("clients"),
                              b.table("products"), as_of, scope=scope)
    finally:
        wh.close()


def first_territory(db: Path) -> str:
    wh = Warehouse.open(db)
    try:
        return wh.cursor().execute("SELECT min(territory) FROM clients").fetchone()[0]
    finally:
        wh.close()


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns[:len(CONTRACT)]) == CONTRACT
    assert list(got.columns) == COLUMNS == list(want.columns)
    assert len(got) == len(want) > 0
    for column in want.columns:
        w = want[column]
        g = got[column]
        if column in ("snapshot_date", "next_order_date", "last_order_date"):
            g = pd.to_datetime(g).dt.date.astype(object).where(g.notna(), None)
            assert g.tolist() == w.tolist(), column
        elif pd.api.types.is_float_dtype(w):
            pd.testing.assert_series_equal(g.astype(float), w, check_names=False, rtol=1e-9, atol=1e-9)
        elif str(w.dtype) == "Int64":
            assert g.astype("Int64").tolist() == w.tolist(), column
        else:
            assert g.astype(str).tolist() == w.astype(str).tolist(), column


def test_cli_csv_is_the_library_list(demo_db, tmp_path):
    out = tmp_path / "warnings.csv"
    done = run("warnings", "--db", str(demo_db), "--out", str(out))
    assert done.returncode == 0, done.stderr
    # the default as-of date is the latest count of the warehouse
    assert_same(pd.read_csv(out, dtype={"client_id": str, "product_id": str}), library(demo_db, None))


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_cli_other_formats_for_one_territory(demo_db, tmp_path, capsys, suffix):
    territory = first_territory(demo_db)
    out = tmp_path / f"warnings{suffix}"
    done = run_here(capsys, "warnings", "--db", str(demo_db), "--as-of", AS_OF.isoformat(),
                    "--territory", territory, "--out", str(out))
    assert done.returncode == 0, done.stderr
    ids = {"client_id": str, "product_id": str}
    got = pd.read_parquet(out) if suffix == ".parquet" else pd.read_excel(out, dtype=ids)
    want = library(demo_db, AS_OF, territory)
    assert set(got["territory"]) == {territory}
    assert_same(got, want)


@pytest.mark.parametrize("change, message", [
    ({"--as-of": "2025-02-30"}, "is not a date"),
    ({"--territory": "no such place"}, "unknown territory"),
    ({"--out": "list.txt"}, "the output must end in"),
    ({"--db": "missing.duckdb"}, "no warehouse at"),
    ({"--bogus": None}, "unrecognized arguments"),
])
def test_bad_input_is_refused_in_one_line(demo_db, tmp_path, capsys, change, message):
    args = {"--db": str(demo_db), "--out": str(tmp_path / "w.csv")}
    args.update({k: str(tmp_path / v) if k in ("--db", "--out") else v for k, v in change.items()})
    argv = ["warnings"] + [x for k, v in args.items() for x in ([k] if v is None else [k, v])]
    done = run_here(capsys, *argv)
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr, done.stderr
    assert not list(tmp_path.iterdir())  # no file written
