"""Tests for data.aggregates: agg_client_product_week / agg_client_product_month on a hand dataset.

The dataset (January 2024 starts on a Monday, so weeks 2024-01-01 and 2024-01-08 both lie in
January; the week of 2024-01-29 straddles January and February):

C1 x P1  orders     2024-01-02 demand 10 ordered 8 amount 800   (week 01-01)
                    2024-01-04 demand  6 ordered 6 amount 600   (week 01-01, same week)
                    2024-01-09 demand  5 ordered 5 amount 500   (week 01-08)
         snapshots  2024-01-01 qty 30 / 2024-01-03 qty 20 / 2024-01-05 qty 25 (week 01-01)
                    2024-01-10 qty 12                           (week 01-08)
         prices     2024-01-02 120.0 / 2024-01-05 125.0          (week 01-01)
C2 x P1  snapshot   2024-01-11 qty 7                            (only a snapshot)
C1 x P2  price      2024-01-31 55.5                             (week 01-29, month Jan)
         order      2024-02-01 demand 4 ordered 4 amount 200    (week 01-29, month Feb)
C2 x P2  order      2024-02-05 demand 3 ordered 2 amount 100    (only an order; week 02-05)

In week 01-01 the last snapshot (qty 25) is neither the largest nor the smallest quantity, and the
first (qty 30) is the largest, so only argmin/argmax by date give the right first/last values.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from data import store
from data.aggregates import AGGREGATES, client_product_facts, count_sales, sell_through_facts
from data.warehouse import Warehouse

D = dt.date

COLUMNS = ["period_start", "client_id", "product_id", "qty_demand", "qty_ordered", "amount",
           "order_lines", "snapshots", "first_snapshot_date", "first_qty_on_hand",
           "last_snapshot_date", "last_qty_on_hand", "price_observations", "price_sum",
           "last_order_date", "max_qty_on_hand", "inferred_sales", "sale_intervals", "ordered_56d"]

# Inferred sales of C1 x P1 per stock count (previous count + deliveries since − count):
#   01-01 qty 30  first count ever             -> none
#   01-03 qty 20  30 + 8 (01-02) − 20          -> 18
#   01-05 qty 25  20 + 6 (01-04) − 25          -> 1
#   01-10 qty 12  25 + 5 (01-09) − 12          -> 18
# C2 x P1 has one count only: sales 0 over 0 intervals, never ordered -> ordered_56d False.

# period_start, client, product, demand, ordered, amount, lines,
#   snapshots, first date, first qty, last date, last qty, price obs, price sum
EXPECTED_WEEK = [
    # C1/P1 week 01-01: demand 10+6=16, ordered 8+6=14, amount 800+600=1400, 2 lines;
    #   3 snapshots, first 01-01 (30), last 01-05 (25); prices 120+125=245 over 2 observations
    (D(2024, 1, 1), "C1", "P1", 16, 14, 1400.0, 2, 3, D(2024, 1, 1), 30, D(2024, 1, 5), 25, 2, 245.0,
     D(2024, 1, 4), 30, 18 + 1, 2, True),
    # C1/P1 week 01-08: one order, one snapshot, no price
    (D(2024, 1, 8), "C1", "P1", 5, 5, 500.0, 1, 1, D(2024, 1, 10), 12, D(2024, 1, 10), 12, 0, 0.0,
     D(2024, 1, 9), 12, 18, 1, True),
    # C2/P1 week 01-08: only a snapshot -> order columns 0
    (D(2024, 1, 8), "C2", "P1", 0, 0, 0.0, 0, 1, D(2024, 1, 11), 7, D(2024, 1, 11), 7, 0, 0.0,
     None, 7, 0, 0, False),
    # C1/P2 week 01-29: the Feb 1 order and the Jan 31 price share a week
    (D(2024, 1, 29), "C1", "P2", 4, 4, 200.0, 1, 0, None, None, None, None, 1, 55.5,
     D(2024, 2, 1), None, None, 0, None),
    # C2/P2 week 02-05: only an order -> snapshot columns NULL, prices 0
    (D(2024, 2, 5), "C2", "P2", 3, 2, 100.0, 1, 0, None, None, None, None, 0, 0.0,
     D(2024, 2, 5), None, None, 0, None),
]

EXPECTED_MONTH = [
    # C1/P1 January: demand 16+5=21, ordered 14+5=19, amount 1400+500=1900, 3 lines;
    #   4 snapshots, first 01-01 (30), last 01-10 (12); 2 prices summing to 245
    (D(2024, 1, 1), "C1", "P1", 21, 19, 1900.0, 3, 4, D(2024, 1, 1), 30, D(2024, 1, 10), 12, 2, 245.0,
     D(2024, 1, 9), 30, 18 + 1 + 18, 3, True),
    # C1/P2 January: only the price of Jan 31
    (D(2024, 1, 1), "C1", "P2", 0, 0, 0.0, 0, 0, None, None, None, None, 1, 55.5,
     None, None, None, 0, None),
    # C2/P1 January: only the snapshot
    (D(2024, 1, 1), "C2", "P1", 0, 0, 0.0, 0, 1, D(2024, 1, 11), 7, D(2024, 1, 11), 7, 0, 0.0,
     None, 7, 0, 0, False),
    # C1/P2 February: only the Feb 1 order
    (D(2024, 2, 1), "C1", "P2", 4, 4, 200.0, 1, 0, None, None, None, None, 0, 0.0,
     D(2024, 2, 1), None, None, 0, None),
    # C2/P2 February: only the Feb 5 order
    (D(2024, 2, 1), "C2", "P2", 3, 2, 100.0, 1, 0, None, None, None, None, 0, 0.0,
     D(2024, 2, 5), None, None, 0, None),
]

_ORDER = "ORDER BY period_start, client_id, product_id"


def _fill(con) -> None:
    con.execute("INSERT INTO clients (client_id, city, district, market_dept) VALUES "
                "('C1', 'X', 'D', 'M'), ('C2', 'X', 'D', 'M')")
    con.execute("INSERT INTO products (product_id, name, brand, price_class, wholesale_price, "
                "retail_price) VALUES ('P1', 'a', 'A', 1, 100.0, 120.0), "
                "('P2', 'b', 'B', 3, 50.0, 60.0)")
    con.execute("""INSERT INTO orders (order_date, client_id, product_id, qty_demand, qty_cap,
                                       qty_ordered, amount) VALUES
        ('2024-01-02', 'C1', 'P1', 10, NULL, 8, 800.0),
        ('2024-01-04', 'C1', 'P1', 6, NULL, 6, 600.0),
        ('2024-01-09', 'C1', 'P1', 5, NULL, 5, 500.0),
        ('2024-02-01', 'C1', 'P2', 4, NULL, 4, 200.0),
        ('2024-02-05', 'C2', 'P2', 3, 2, 2, 100.0)""")
    con.execute("""INSERT INTO inventory_snapshots VALUES
        ('2024-01-01', 'C1', 'P1', 30, 'visit'),
        ('2024-01-03', 'C1', 'P1', 20, 'visit'),
        ('2024-01-05', 'C1', 'P1', 25, 'pos'),
        ('2024-01-10', 'C1', 'P1', 12, 'visit'),
        ('2024-01-11', 'C2', 'P1', 7, 'visit')""")
    con.execute("""INSERT INTO price_snapshots VALUES
        ('2024-01-02', 'C1', 'P1', 120.0),
        ('2024-01-05', 'C1', 'P1', 125.0),
        ('2024-01-31', 'C1', 'P2', 55.5)""")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "agg.duckdb"
    with store.writing(path, action="test", fresh=True) as con:
        _fill(con)
    return path


def _rows(path: Path, table: str) -> list[tuple]:
    """The rows of an aggregate table, in key order. period_start is read as a DATE here so the
    value tests check values; its stored type is checked by test_columns_and_types."""
    cols = ["CAST(period_start AS DATE) AS period_start", *COLUMNS[1:]]
    con, _ = store.open_reader(path)
    try:
        return con.execute(f"SELECT {', '.join(cols)} FROM {table} {_ORDER}").fetchall()
    finally:
        con.close()


def test_aggregate_table_names():
    assert AGGREGATES == {"week": "agg_client_product_week", "month": "agg_client_product_month"}


def test_week_table_exact_rows(db):
    assert _rows(db, "agg_client_product_week") == EXPECTED_WEEK


def test_month_table_exact_rows(db):
    assert _rows(db, "agg_client_product_month") == EXPECTED_MONTH


EXPECTED_TYPES = {
    "period_start": "DATE", "client_id": "VARCHAR", "product_id": "VARCHAR",
    "qty_demand": "BIGINT", "qty_ordered": "BIGINT", "amount": "DOUBLE", "order_lines": "BIGINT",
    "snapshots": "BIGINT", "first_snapshot_date": "DATE", "first_qty_on_hand": "BIGINT",
    "last_snapshot_date": "DATE", "last_qty_on_hand": "BIGINT", "price_observations": "BIGINT",
    "price_sum": "DOUBLE", "last_order_date": "DATE", "max_qty_on_hand": "BIGINT",
    "inferred_sales": "BIGINT", "sale_intervals": "BIGINT", "ordered_56d": "BOOLEAN",
}


@pytest.mark.parametrize("table", sorted(AGGREGATES.values()))
def test_columns_and_types(db, table):
    # period_start is a calendar date (03-data-model: dates are calendar dates), like the
    # first/last snapshot dates and the keys of calendar_cn.calendar_frame; counts and
    # quantities are integers (the expression casts them to int64).
    con, _ = store.open_reader(db)
    described = con.execute(f"DESCRIBE {table}").fetchall()
    con.close()
    assert [r[0] for r in described] == COLUMNS
    assert {r[0]: r[1] for r in described} == EXPECTED_TYPES


def test_aggregates_read_through_ibis_have_date_keys_and_integer_counts(db):
    # What the analytics get: the stored table read back through the Warehouse's Ibis backend.
    wh = Warehouse.open(db)
    try:
        t = wh.backend().table("agg_client_product_week")
        schema = dict(t.schema().items())
        df = t.order_by(["period_start", "client_id", "product_id"]).execute()
    finally:
        wh.close()
    assert str(schema["period_start"]) == "date"
    assert str(schema["qty_demand"]) == "int64"
    assert df["qty_demand"].dtype.kind == "i"
    # 16 + 5 + 0 + 4 + 3 = 28, usable in float arithmetic
    assert df["qty_demand"].sum() * 1.0 == 28.0


def test_totals_match_raw_facts(db):
    # every order, snapshot and price is counted exactly once per grain
    for table in AGGREGATES.values():
        rows = _rows(db, table)
        assert sum(r[3] for r in rows) == 10 + 6 + 5 + 4 + 3   # qty_demand = 28
        assert sum(r[4] for r in rows) == 8 + 6 + 5 + 4 + 2    # qty_ordered = 25
        assert sum(r[6] for r in rows) == 5                    # order lines
        assert sum(r[7] for r in rows) == 5                    # snapshots
        assert sum(r[12] for r in rows) == 3                   # price observations
        assert sum(r[13] for r in rows) == pytest.approx(300.5)  # 120 + 125 + 55.5


def test_aggregates_are_rebuilt_on_every_write(db):
    with store.writing(db, action="delete an order") as con:
        con.execute("DELETE FROM orders WHERE order_date = '2024-02-05'")
        con.execute("UPDATE inventory_snapshots SET qty_on_hand = 40 "
                    "WHERE snapshot_date = '2024-01-10'")
    week = _rows(db, "agg_client_product_week")
    month = _rows(db, "agg_client_product_month")
    # C2/P2 had only that order: its rows are gone
    assert [r[:3] for r in week] == [r[:3] for r in EXPECTED_WEEK[:4]]
    assert [r[:3] for r in month] == [r[:3] for r in EXPECTED_MONTH[:4]]
    # the new stock count is the last of week 01-08 and of January
    assert week[1][:3] == (D(2024, 1, 8), "C1", "P1")
    assert week[1][8:12] == (D(2024, 1, 10), 40, D(2024, 1, 10), 40)
    assert month[0][:3] == (D(2024, 1, 1), "C1", "P1")
    assert month[0][8:12] == (D(2024, 1, 1), 30, D(2024, 1, 10), 40)


def test_refresh_is_idempotent(db):
    before = (_rows(db, "agg_client_product_week"), _rows(db, "agg_client_product_month"))
    with store.writing(db, action="refresh"):
        pass
    assert (_rows(db, "agg_client_product_week"), _rows(db, "agg_client_product_month")) == before


def test_empty_warehouse_has_empty_aggregates(tmp_path):
    path = tmp_path / "empty.duckdb"
    with store.writing(path, action="test", fresh=True):
        pass
    assert _rows(path, "agg_client_product_week") == []
    assert _rows(path, "agg_client_product_month") == []


def test_client_product_facts_on_filtered_views(db):
    # The expression accepts any filtered view of the fact tables (e.g. one client's rows).
    wh = Warehouse.open(db)
    try:
        b = wh.backend()
        tables = [b.table(n) for n in ("orders", "inventory_snapshots", "price_snapshots")]
        only_c2 = [t.filter(t.client_id == "C2") for t in tables]
        df = client_product_facts(*only_c2, "month").execute()
    finally:
        wh.close()
    df = df.sort_values(["period_start", "product_id"]).reset_index(drop=True)
    # everything but the sell-through columns, which need the whole history (sell_through_facts)
    assert list(df.columns) == COLUMNS[:-3]
    assert df["client_id"].tolist() == ["C2", "C2"]
    assert df["product_id"].tolist() == ["P1", "P2"]
    assert [pd_date(v) for v in df["period_start"]] == [D(2024, 1, 1), D(2024, 2, 1)]
    assert df["qty_demand"].tolist() == [0, 3]
    assert df["qty_ordered"].tolist() == [0, 2]
    assert df["snapshots"].tolist() == [1, 0]
    assert df["last_qty_on_hand"].iloc[0] == 7
    assert df["price_observations"].tolist() == [0, 0]


def pd_date(value) -> dt.date:
    """A date from whatever the backend returns (date or Timestamp)."""
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def test_count_sales_takes_the_opening_count_and_deliveries_from_before_the_range(db):
    # Counts from 01-10 on: the 01-10 count's predecessor (01-05, qty 25) and the 01-09 delivery
    # (5) both lie before the range: 25 + 5 − 12 = 18.
    wh = Warehouse.open(db)
    try:
        b = wh.backend()
        got = count_sales(b.table("orders"), b.table("inventory_snapshots"), D(2024, 1, 10),
                          D(2024, 2, 1)).order_by(["client_id", "snapshot_date"]).to_pandas()
    finally:
        wh.close()
    rows = [(r.client_id, pd_date(r.snapshot_date), r.qty_on_hand,
             None if pd.isna(r.prev_date) else pd_date(r.prev_date),
             None if pd.isna(r.sales) else int(r.sales)) for r in got.itertuples()]
    assert rows == [("C1", D(2024, 1, 10), 12, D(2024, 1, 5), 18), ("C2", D(2024, 1, 11), 7, None, None)]


def test_ordered_56d_looks_back_across_the_period_start():
    # An order on 01-20 and counts on 02-10 (qty 5) and 03-31 (qty 0). February ends 02-29:
    # 56 days back reach 01-05, so the order counts; March's 56 days start on 02-05, so not.
    # February's count is the first ever (0 sales, 0 intervals); March sells 5 + 0 − 0 = 5.
    import ibis
    con = ibis.duckdb.connect()
    orders = con.create_table("orders", ibis.memtable({
        "order_date": [D(2024, 1, 20)], "client_id": ["C9"], "product_id": ["P9"],
        "qty_ordered": [3]}))
    snaps = con.create_table("inventory_snapshots", ibis.memtable({
        "snapshot_date": [D(2024, 2, 10), D(2024, 3, 31)], "client_id": ["C9", "C9"],
        "product_id": ["P9", "P9"], "qty_on_hand": [5, 0]}))
    counts = count_sales(orders, snaps, D(2024, 1, 1), D(2024, 4, 1))
    got = sell_through_facts(counts, orders, "month", D(2024, 1, 1), D(2024, 4, 1)) \
        .order_by("period_start").to_pandas()
    assert [(pd_date(r.period_start), r.inferred_sales, r.sale_intervals, bool(r.ordered_56d))
            for r in got.itertuples()] == [(D(2024, 2, 1), 0, 0, True), (D(2024, 3, 1), 5, 1, False)]


def test_incremental_refresh_equals_a_full_rebuild(demo_db_copy):
    # A refresh from mid-June must rebuild every row from that period on exactly as a full
    # rebuild does, including the sell-through columns whose openings lie before the cut.
    from data.aggregates import refresh_aggregates
    with store.writing(demo_db_copy, action="test", who="tests", refresh=False) as con:
        con.execute("UPDATE agg_client_product_week SET inferred_sales = -1, ordered_56d = NULL "
                    "WHERE period_start >= DATE '2025-06-09'")
        con.execute("UPDATE agg_client_product_month SET inferred_sales = -1 "
                    "WHERE period_start >= DATE '2025-06-01'")
        refresh_aggregates(con, since=D(2025, 6, 15))
        incremental = {t: con.execute(f"SELECT * FROM {t} {_ORDER}").fetchall() for t in AGGREGATES.values()}
        refresh_aggregates(con)
        full = {t: con.execute(f"SELECT * FROM {t} {_ORDER}").fetchall() for t in AGGREGATES.values()}
    def rounded(rows):  # float sums may differ in the last bit with the summation order
        return [tuple(round(v, 6) if isinstance(v, float) else v for v in r) for r in rows]

    for table in AGGREGATES.values():
        assert len(incremental[table]) == len(full[table]) > 1000
        assert rounded(incremental[table]) == rounded(full[table]), table
