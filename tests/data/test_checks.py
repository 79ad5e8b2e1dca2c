"""Tests for data.checks: integrity findings and freshness, on hand-built warehouses.

The broken warehouse (clients C1, C2; products P1, P2):

orders  #  date        client product demand cap ordered
        1  2024-01-02  C1     P1      10      -   8     \\
        2  2024-01-02  C1     P1      10      -   8      > one key three times: 2 surplus rows
        3  2024-01-02  C1     P1      12      -  12     /
        4  2024-01-03  C1     P9       5      -   5     unknown product
        5  2024-01-04  C9     P9       1      -   1     unknown client and unknown product
        6  2024-01-05  C2     P2       3      2   4     ordered > demand and ordered > cap
        7  2024-01-06  C2     P8       1      -   1     unknown product
        8  2024-01-07  C2     P1      10      3   4     ordered > cap only
inventory_snapshots: one row for unknown client C7
manager_forecasts: one client total (product_id NULL), which is not an orphan
supply_plans: one plan ending before it starts

Expected: orders duplicate key 2, client orphans 1 (#5), product orphans 3 (#4, #5, #7),
ordered > demand 1 (#6), ordered > cap 2 (#6, #8); snapshots client orphan 1; supply plans 1.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from data import checks, store

D = dt.date


def _dims(con) -> None:
    con.execute("INSERT INTO clients (client_id, city, district, market_dept) VALUES "
                "('C1', 'X', 'D', 'M'), ('C2', 'X', 'D', 'M')")
    con.execute("INSERT INTO products (product_id, name, brand, price_class, wholesale_price, "
                "retail_price) VALUES ('P1', 'a', 'A', 1, 100.0, 120.0), "
                "('P2', 'b', 'B', 3, 50.0, 60.0)")


def _reader(path: Path):
    con, _ = store.open_reader(path)
    return con


@pytest.fixture
def broken(tmp_path: Path):
    path = tmp_path / "broken.duckdb"
    with store.writing(path, action="test", fresh=True) as con:
        _dims(con)
        con.execute("""INSERT INTO orders VALUES
            ('2024-01-02', 'C1', 'P1', 10, NULL, 8, 800.0),
            ('2024-01-02', 'C1', 'P1', 10, NULL, 8, 800.0),
            ('2024-01-02', 'C1', 'P1', 12, NULL, 12, 1200.0),
            ('2024-01-03', 'C1', 'P9', 5, NULL, 5, 500.0),
            ('2024-01-04', 'C9', 'P9', 1, NULL, 1, 100.0),
            ('2024-01-05', 'C2', 'P2', 3, 2, 4, 200.0),
            ('2024-01-06', 'C2', 'P8', 1, NULL, 1, 50.0),
            ('2024-01-07', 'C2', 'P1', 10, 3, 4, 400.0)""")
        con.execute("INSERT INTO inventory_snapshots VALUES ('2024-01-20', 'C7', 'P1', 5, 'visit')")
        con.execute("INSERT INTO manager_forecasts VALUES ('2024-02-01', 'C1', NULL, 30)")
        con.execute("INSERT INTO supply_plans VALUES ('2024-01-15', '2024-01-10', 'P1', 100, NULL)")
    con = _reader(path)
    yield con
    con.close()


@pytest.fixture
def clean(tmp_path: Path):
    path = tmp_path / "clean.duckdb"
    with store.writing(path, action="test", fresh=True) as con:
        _dims(con)
        con.execute("""INSERT INTO orders VALUES
            ('2024-01-02', 'C1', 'P1', 10, NULL, 8, 800.0),
            ('2024-01-09', 'C1', 'P1', 10, 10, 10, 1000.0),
            ('2024-01-09', 'C2', 'P2', 4, NULL, 4, 200.0)""")
        con.execute("INSERT INTO inventory_snapshots VALUES ('2024-01-20', 'C1', 'P1', 5, 'visit')")
        con.execute("INSERT INTO manager_forecasts VALUES ('2024-02-01', 'C1', NULL, 30), "
                    "('2024-02-01', 'C1', 'P1', 20)")
        con.execute("INSERT INTO supply_plans VALUES ('2024-01-15', '2024-01-21', 'P1', 100, NULL)")
    con = _reader(path)
    yield con
    con.close()


def _summary(findings) -> dict[tuple[str, str], int]:
    return {(f.table, f.rule): f.rows for f in findings}


def test_integrity_finds_exact_counts(broken):
    assert _summary(checks.integrity(broken)) == {
        ("orders", "duplicate key (order_date, client_id, product_id)"): 2,
        ("orders", "client_id not in clients"): 1,
        ("orders", "product_id not in products"): 3,
        ("orders", "qty_ordered > qty_demand"): 1,
        ("orders", "qty_ordered > qty_cap"): 2,
        ("inventory_snapshots", "client_id not in clients"): 1,
        ("supply_plans", "period_end before period_start"): 1,
    }


def test_findings_say_how_to_fix(broken):
    for finding in checks.integrity(broken):
        assert finding.fix, finding
        assert isinstance(finding.rows, int) and finding.rows > 0
    orphan = next(f for f in checks.integrity(broken) if f.rule == "client_id not in clients")
    assert "clients" in orphan.fix


def test_clean_warehouse_has_no_findings(clean):
    # includes a manager forecast for the client total (product_id NULL) and a capped order
    # with ordered == cap == demand: neither is a finding
    assert checks.integrity(clean) == []


def test_duplicate_pair_counts_one_surplus_row(tmp_path):
    path = tmp_path / "dup.duckdb"
    with store.writing(path, action="test", fresh=True) as con:
        _dims(con)
        con.execute("INSERT INTO clients (client_id, city, district, market_dept) "
                    "VALUES ('C1', 'X', 'D', 'M')")  # C1 twice: 1 surplus row
        con.execute("INSERT INTO manager_forecasts VALUES ('2024-02-01', 'C1', NULL, 30), "
                    "('2024-02-01', 'C1', NULL, 31)")  # same client total twice: 1 surplus
    con = _reader(path)
    try:
        assert _summary(checks.integrity(con)) == {
            ("clients", "duplicate key (client_id)"): 1,
            ("manager_forecasts", "duplicate key (month, client_id, product_id)"): 1,
        }
    finally:
        con.close()


def test_table_status_counts_rows_and_dates(broken):
    status = checks.table_status(broken).set_index("table")
    assert status.loc["orders", "rows"] == 8
    assert status.loc["orders", "first_date"] == D(2024, 1, 2)
    assert status.loc["orders", "last_date"] == D(2024, 1, 7)
    assert status.loc["clients", "rows"] == 2
    assert status.loc["price_snapshots", "rows"] == 0
    assert pd.isna(status.loc["price_snapshots", "last_date"])
    assert "agg_client_product_week" in status.index  # derived tables are listed too
    assert status.loc["agg_client_product_week", "first_date"] is None  # but carry no freshness dates


def test_freshness_for_a_fixed_today(broken):
    fresh = checks.freshness(broken, today=D(2024, 2, 1))
    assert list(fresh.columns) == ["table", "last_date", "age_days"]
    rows = {r["table"]: (r["last_date"], r["age_days"]) for _, r in fresh.iterrows()}
    assert set(rows) == {"orders", "inventory_snapshots", "price_snapshots",
                         "manager_forecasts", "supply_plans"}
    assert rows["orders"] == (D(2024, 1, 7), 25)               # Jan 7 -> Feb 1: 24 + 1
    assert rows["inventory_snapshots"] == (D(2024, 1, 20), 12)  # 11 + 1
    assert rows["manager_forecasts"] == (D(2024, 2, 1), 0)
    assert rows["supply_plans"] == (D(2024, 1, 15), 17)         # 16 + 1
    last, age = rows["price_snapshots"]                         # empty table: unknown
    assert pd.isna(last)
    assert pd.isna(age)


def test_freshness_moves_with_today(clean):
    a = checks.freshness(clean, today=D(2024, 1, 9)).set_index("table")
    b = checks.freshness(clean, today=D(2024, 3, 9)).set_index("table")
    assert a.loc["orders", "age_days"] == 0
    assert b.loc["orders", "age_days"] == 60  # Jan 9 -> Mar 9 2024: 22 + 29 + 9


def test_integrity_findings_speak_chinese_on_the_page(tmp_path):
    # A warehouse that lost a product its orders refer to: the finding renders in both languages.
    from data import store
    from data.checks import integrity
    path = tmp_path / "w.duckdb"
    with store.writing(path, action="test", who="tests", fresh=True) as con:
        con.execute("INSERT INTO clients (client_id, city, district, market_dept) VALUES ('C1', 'X', 'D', 'M')")
        con.execute("INSERT INTO orders (order_date, client_id, product_id, qty_demand, qty_ordered, amount) "
                    "VALUES ('2025-01-02', 'C1', 'P404', 5, 6, 10.0)")
    con, _ = store.open_reader(path)
    try:
        found = {(f.table, str(f.rule)): f for f in integrity(con)}
    finally:
        con.close()
    orphan = found[("orders", "product_id not in products")]
    assert orphan.rows == 1
    assert orphan.rule.render("zh") == "卷烟代码在卷烟中不存在"
    assert orphan.fix.render("zh") == "请先导入缺少的卷烟数据，再重新导入"
    over = found[("orders", "qty_ordered > qty_demand")]
    assert (over.rule.render("zh"), over.fix.render("en")) == (
        "订购量大于需求量", "re-import the order lines with ordered ≤ demand")
