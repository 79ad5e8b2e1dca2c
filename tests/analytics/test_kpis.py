"""The five rates on a hand-written city, every number worked out by hand below.

Clients (city X):
    A  grade 10  convenience  urban  district D1   always open
    B  grade 20  grocery      urban  district D1   opened 2025-01-20 (opens mid-January)
    C  grade  5  grocery      rural  district D2   closed 2025-01-10 (closes mid-January)
    U  grade  8  grocery      rural  district D2   open, never counted (unobserved)
    E  grade 25  convenience  urban  district D2   opens 2025-03-01
Products: P1 brand X class 1, P2 brand X class 3, P3 brand Y class 3.

Stock counts (qty at the end of the day) and orders (ordered / demand):
    A P1  count 12-28: 10, 01-10: 4, 01-24: 0, 02-14: 5   orders 01-05: 6/8, 02-03: 5/5
    A P2  count 01-10: 3, 01-24: 3 (no count in February: a missing snapshot)   never ordered
    A P3  count 01-24: 0                                   never ordered
    B P1  count 01-25: 2 (first ever), 02-20: 0            orders 01-22: 2/2, 02-05: 4/4
    C P3  count 12-15: 1, 01-08: 0                         order 12-20: 3/3
    U P1                                                   order 01-15: 5/5
    A P1 a year earlier                                    orders 2024-01-20: 20/20, 2024-02-05: 30/30
    E P1 before it opened (an export's stray line)         order 2024-01-25: 7/7, never counted

Inferred sales (previous count + deliveries since − count):
    A P1  January: 10 + 6 − 4 = 12 (01-10), 4 + 0 − 0 = 4 (01-24)  -> 16;  February: 0 + 5 − 5 = 0
    A P2  January: the 01-10 count is the first ever; 3 + 0 − 3 = 0        -> 0
    B P1  January: first count ever -> 0;  February: 2 + 4 − 0 = 6
    C P3  January: 1 + 3 − 0 = 4
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

from analytics.kpis import kpi_table, lunar_offset
from analytics.scope import Scope, Window
from data import store
from data.warehouse import Warehouse

D = dt.date
JAN, FEB = D(2025, 1, 1), D(2025, 2, 1)


def _fill(con) -> None:
    con.execute("""INSERT INTO clients (client_id, city, district, market_dept, business_format, grade,
                                        market_type, opened_on, closed_on) VALUES
        ('A', 'X', 'D1', 'M1', 'convenience', 10, 'urban', NULL, NULL),
        ('B', 'X', 'D1', 'M1', 'grocery', 20, 'urban', '2025-01-20', NULL),
        ('C', 'X', 'D2', 'M2', 'grocery', 5, 'rural', NULL, '2025-01-10'),
        ('U', 'X', 'D2', 'M2', 'grocery', 8, 'rural', NULL, NULL),
        ('E', 'X', 'D2', 'M2', 'convenience', 25, 'urban', '2025-03-01', NULL)""")
    con.execute("""INSERT INTO products (product_id, name, brand, price_class, wholesale_price,
                                         retail_price) VALUES
        ('P1', 'p one', 'X', 1, 100.0, 120.0), ('P2', 'p two', 'X', 3, 20.0, 25.0),
        ('P3', 'p three', 'Y', 3, 20.0, 25.0)""")
    con.execute("""INSERT INTO orders (order_date, client_id, product_id, qty_demand, qty_ordered, amount)
        VALUES ('2025-01-05', 'A', 'P1', 8, 6, 600.0), ('2025-02-03', 'A', 'P1', 5, 5, 500.0),
               ('2025-01-22', 'B', 'P1', 2, 2, 200.0), ('2025-02-05', 'B', 'P1', 4, 4, 400.0),
               ('2024-12-20', 'C', 'P3', 3, 3, 60.0), ('2025-01-15', 'U', 'P1', 5, 5, 500.0),
               ('2024-01-20', 'A', 'P1', 20, 20, 2000.0), ('2024-02-05', 'A', 'P1', 30, 30, 3000.0),
               ('2024-01-25', 'E', 'P1', 7, 7, 700.0)""")
    con.execute("""INSERT INTO inventory_snapshots (snapshot_date, client_id, product_id, qty_on_hand, source)
        VALUES ('2024-12-28', 'A', 'P1', 10, 'visit'), ('2025-01-10', 'A', 'P1', 4, 'visit'),
               ('2025-01-24', 'A', 'P1', 0, 'visit'), ('2025-02-14', 'A', 'P1', 5, 'visit'),
               ('2025-01-10', 'A', 'P2', 3, 'visit'), ('2025-01-24', 'A', 'P2', 3, 'visit'),
               ('2025-01-24', 'A', 'P3', 0, 'visit'),
               ('2025-01-25', 'B', 'P1', 2, 'visit'), ('2025-02-20', 'B', 'P1', 0, 'visit'),
               ('2024-12-15', 'C', 'P3', 1, 'visit'), ('2025-01-08', 'C', 'P3', 0, 'visit')""")


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    path: Path = tmp_path_factory.mktemp("kpis") / "tiny.duckdb"
    with store.writing(path, action="test", who="tests", fresh=True) as con:
        _fill(con)
    warehouse = Warehouse.open(path)
    yield warehouse
    warehouse.close()


def kpis(wh, start=JAN, end=D(2025, 2, 28), granularity="month", by=(), level="product",
         scope=Scope(), growth="yoy", groups=True):
    """kpi_table on the tiny city; with ``groups`` the group levels read the refresh's client x
    group rows (as the pages and the CLI do), without it they roll the product rows up."""
    b = wh.backend()
    grain = "week" if granularity == "week" else "month"
    frame = kpi_table(b.table(f"agg_client_product_{grain}"), b.table("clients"), b.table("products"),
                      Window.snapped(start, end, granularity), by, level, scope, growth,
                      orders=b.table("orders"), groups=b.table("agg_client_group_month") if groups and grain == "month" else None)
    return frame


def row(frame, period, key, **dims):
    hit = frame[(frame["period_start"] == period) & (frame["level_key"] == key)]
    for column, value in dims.items():
        hit = hit[hit[column] == value]
    assert len(hit) == 1, f"expected one row for {period} {key} {dims}, got {len(hit)}"
    return hit.iloc[0]


def same(value, expected) -> bool:
    if expected is None:
        return value is None or (isinstance(value, float) and math.isnan(value))
    return value == pytest.approx(expected, abs=1e-12)


def check(r, **expected) -> None:
    wrong = {k: (r[k], v) for k, v in expected.items() if not same(r[k], v)}
    assert not wrong, f"(got, expected): {wrong}"


def test_january_per_product(wh):
    f = kpis(wh)
    # Active in January: A, B (opened 01-20), C (closed 01-10), U = 4; E opens in March.
    # Observed (any count in January): A, B, C = 3; U is never counted.
    # P1: buying A, B, U; shelf: A's last count is 0, B's 2 -> B; carrying A (a count > 0) and
    #     B; selling A (16), not B (first count ever -> 0); stocked out A (last count 0).
    check(row(f, JAN, "P1"), active_clients=4, buying_clients=3, coverage_rate=3 / 4,
          observed_clients=3, shelf_clients=1, shelf_rate=1 / 3, carrying_clients=2,
          selling_clients=1, sell_through_rate=1 / 2, stockout_clients=1, stockout_rate=1 / 2,
          qty_ordered=6 + 2 + 5, qty_demand=8 + 2 + 5, amount=1300.0, fill_rate=13 / 15,
          stock_qty=0 + 2, inferred_sales=16 + 0)
    # P2: only A counts it (3 and 3, no orders): carrying, on shelf, sells nothing.
    check(row(f, JAN, "P2"), buying_clients=0, coverage_rate=0.0, shelf_clients=1, shelf_rate=1 / 3,
          carrying_clients=1, selling_clients=0, sell_through_rate=0.0, stockout_rate=0.0,
          fill_rate=None)
    # P3: A shows 0 and never ordered it -> A does not carry it; C shows 0 but ordered it on
    #     12-20, within the 56 days up to 01-31 -> carrying, sold 4, stocked out.
    check(row(f, JAN, "P3"), buying_clients=0, shelf_clients=0, shelf_rate=0.0, carrying_clients=1,
          selling_clients=1, sell_through_rate=1.0, stockout_clients=1, stockout_rate=1.0)


def test_february_closed_client_drops_out_and_missing_count_means_not_observed(wh):
    f = kpis(wh)
    # Active in February: A, B, U (C closed in January). Observed: A (P1 02-14), B (02-20).
    # P1: buying A, B; shelf A (5) not B (0); carrying A (5 > 0), B (0, but ordered 02-05);
    #     selling B (2 + 4 − 0 = 6), not A (0 + 5 − 5 = 0); stocked out B.
    check(row(f, FEB, "P1"), active_clients=3, buying_clients=2, coverage_rate=2 / 3,
          observed_clients=2, shelf_clients=1, shelf_rate=1 / 2, carrying_clients=2,
          selling_clients=1, sell_through_rate=1 / 2, stockout_clients=1, stockout_rate=1 / 2,
          qty_ordered=9)
    # P2 and P3 have no fact in February anywhere (A's P2 count is missing): no rows.
    assert set(f[f["period_start"] == FEB]["level_key"]) == {"P1"}


def test_groups_sum_their_products(wh):
    brand = kpis(wh, level="brand")
    # Brand X = P1 + P2 in January. A: stock 0 + 3 = 3 -> on shelf, not stocked out; sales 16.
    # B: stock 2, sales 0. Buying A, B, U.
    check(row(brand, JAN, "X"), buying_clients=3, coverage_rate=3 / 4, shelf_clients=2,
          shelf_rate=2 / 3, carrying_clients=2, selling_clients=1, sell_through_rate=1 / 2,
          stockout_clients=0, stockout_rate=0.0, stock_qty=5, inferred_sales=16)
    every = kpis(wh, level="all")
    # All products in January: A stock 3 (sales 16), B 2 (0), C 0 (4) -> shelf A, B; selling A,
    # C; stocked out C.
    check(row(every, JAN, "all"), buying_clients=3, shelf_clients=2, shelf_rate=2 / 3,
          carrying_clients=3, selling_clients=2, sell_through_rate=2 / 3, stockout_clients=1,
          stockout_rate=1 / 3, qty_ordered=13)
    classes = kpis(wh, level="price_class")
    assert set(classes[classes["period_start"] == JAN]["level_key"]) == {"1", "3"}


def test_breakdown_by_district_and_empty_denominators(wh):
    f = kpis(wh, by=["district"])
    # D1 in January: A, B active and observed. P1: buying both; shelf B; carrying both.
    check(row(f, JAN, "P1", district="D1"), active_clients=2, buying_clients=2, coverage_rate=1.0,
          observed_clients=2, shelf_rate=1 / 2, sell_through_rate=1 / 2, stockout_rate=1 / 2)
    # D2 in January: C, U active; only C observed; U bought P1, nobody in D2 carries it.
    check(row(f, JAN, "P1", district="D2"), active_clients=2, buying_clients=1, coverage_rate=1 / 2,
          observed_clients=1, shelf_rate=0.0, carrying_clients=0, sell_through_rate=None,
          stockout_rate=None)
    # D2 in February: only U is active and it is never counted -> shelf rate empty, not 0.
    check(row(f, FEB, "P1", district="D2"), active_clients=1, buying_clients=0, coverage_rate=0.0,
          observed_clients=0, shelf_rate=None, sell_through_rate=None, stockout_rate=None)


def test_grade_band_and_scope(wh):
    f = kpis(wh, by=["grade_band", "market_type"])
    # Grade 10 (A) and grade 8 (U) share band 6-10 but not the market type.
    check(row(f, JAN, "P1", grade_band="6-10", market_type="urban"), active_clients=1, buying_clients=1)
    check(row(f, JAN, "P1", grade_band="6-10", market_type="rural"), active_clients=1, buying_clients=1)
    check(row(f, JAN, "P1", grade_band="1-5", market_type="rural"), active_clients=1, buying_clients=0)
    urban = kpis(wh, scope=Scope(market_types=("urban",)))
    # Urban clients active in January: A, B -> both bought P1.
    check(row(urban, JAN, "P1"), active_clients=2, buying_clients=2, coverage_rate=1.0)
    only_x = kpis(wh, level="product", scope=Scope(product_level="brand", product_keys=("X",)))
    assert set(only_x["level_key"]) == {"P1", "P2"}


def test_quarter_rolls_up_months(wh):
    f = kpis(wh, start=JAN, end=D(2025, 3, 31), granularity="quarter")
    # Q1 2025: active A, B, C, U and E (opens 03-01) = 5; observed A, B, C.
    # P1: buying A, B, U; last counts in the quarter: A 02-14 (5) on shelf, B 02-20 (0);
    #     carrying A, B; sales A 16 + 0, B 0 + 6 -> both sell; B stocked out.
    check(row(f, JAN, "P1"), active_clients=5, buying_clients=3, coverage_rate=3 / 5,
          observed_clients=3, shelf_clients=1, shelf_rate=1 / 3, carrying_clients=2,
          selling_clients=2, sell_through_rate=1.0, stockout_clients=1, stockout_rate=1 / 2,
          qty_ordered=22, inferred_sales=22)


def test_growth_year_on_year_previous_period_and_lunar(wh):
    yoy = kpis(wh)
    # P1: January 13 vs 20 a year earlier (E's stray order of 2024-01-25 falls before E opened,
    # and the period's own volume counts active clients only, so the base does too); February
    # 9 vs 30.
    check(row(yoy, JAN, "P1"), qty_ordered_base=20, growth_rate=(13 - 20) / 20)
    check(row(yoy, FEB, "P1"), qty_ordered_base=30, growth_rate=(9 - 30) / 30)
    mom = kpis(wh, growth="mom")
    # February against January (13); January against December 2024, which holds no P1 order.
    check(row(mom, FEB, "P1"), qty_ordered_base=13, growth_rate=(9 - 13) / 13)
    check(row(mom, JAN, "P1"), qty_ordered_base=0, growth_rate=None)
    # Lunar: Spring Festival 2025-01-29 vs 2024-02-10, 354 days apart. January 2025 compares with
    # 2024-01-13 .. 2024-02-12, which holds both festival orders of 2024 (20 + 30).
    assert lunar_offset(JAN, D(2025, 1, 31)) == 354
    lunar = kpis(wh, growth="lunar")
    check(row(lunar, JAN, "P1"), qty_ordered_base=50, growth_rate=(13 - 50) / 50)
    # February 2025 compares with 2024-02-13 .. 2024-03-13: no P1 order -> empty growth.
    check(row(lunar, FEB, "P1"), qty_ordered_base=0, growth_rate=None)


def test_weekly_rates_use_the_weekly_facts(wh):
    f = kpis(wh, start=D(2025, 1, 20), end=D(2025, 1, 26), granularity="week")
    # Week 01-20..01-26: active A, B, U (C closed 01-10). Counts: A (01-24),
    # B (01-25). P1: A last 0 (ordered 01-05, within 56 days) -> carrying, stocked out, sold
    # 4 + 0 − 0 = 4; B 2 on shelf, first count -> no sales. Buying: B (01-22).
    check(row(f, D(2025, 1, 20), "P1"), active_clients=3, buying_clients=1, observed_clients=2,
          shelf_clients=1, carrying_clients=2, selling_clients=1, stockout_clients=1)


def test_contract_columns_and_bad_arguments(wh):
    f = kpis(wh, by=["district"])
    assert list(f.columns[:3]) == ["period_start", "district", "level_key"]
    contract = ["active_clients", "buying_clients", "coverage_rate", "observed_clients", "shelf_clients",
                "shelf_rate", "carrying_clients", "selling_clients", "sell_through_rate",
                "stockout_clients", "stockout_rate", "qty_ordered", "qty_demand", "amount",
                "fill_rate", "qty_ordered_base", "growth_rate"]
    assert [c for c in f.columns if c in contract] == contract
    for bad in (dict(by=["city_block"]), dict(level="sku"), dict(growth="wow"), dict(by=["district", "district"])):
        with pytest.raises(ValueError):
            kpis(wh, **bad)


def test_planted_stockouts_raise_the_stockout_rate_where_planted(demo_db, demo_sql):
    # The generator clears chosen shelves (client x product) and stops their orders, so the
    # shelf is empty at the planted end date. Every planted pair must count as stocked out in
    # the month of its end date, in its territory's cell, and those cells must stand out.
    planted = demo_sql.execute("""
        SELECT c.territory, split_part(t.entity_id, '|', 2) AS product_id,
               date_trunc('month', t.end_date)::DATE AS month, count(*) AS n
        FROM truth_facts t JOIN clients c ON c.client_id = split_part(t.entity_id, '|', 1)
        WHERE t.kind = 'planted_stockout' GROUP BY ALL""").fetchall()
    assert planted, "the demo city plants stock-outs"
    months = sorted({m for _, _, m, _ in planted})
    wh = Warehouse.open(demo_db)
    try:
        b = wh.backend()
        f = kpi_table(b.table("agg_client_product_month"), b.table("clients"), b.table("products"),
                      Window.snapped(months[0], months[-1], "month"), ["territory"], "product")
    finally:
        wh.close()
    cells = {(t, p, m) for t, p, m, _ in planted}
    for territory, product, month, n in planted:
        r = row(f, month, product, territory=territory)
        assert r["stockout_clients"] >= n, (territory, product, month)
    planted_rows = f[[(t, p, m) in cells for t, p, m in zip(f["territory"], f["level_key"], f["period_start"])]]
    products = {p for _, p, _ in cells}
    others = f[f["level_key"].isin(products) & ~f.index.isin(planted_rows.index)]
    # one planted shelf among about ten carrying clients: the cells stand out above the rest
    assert planted_rows["stockout_rate"].mean() > 1.5 * others["stockout_rate"].mean()


# --- the group levels from the refresh's client x group rows ------------------------------------

def _compare(a, b) -> None:
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_exact=False,
                                  rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("level", ["brand", "price_class", "all"])
@pytest.mark.parametrize("by", [(), ("district",), ("grade_band", "market_type"), ("client_id",)])
def test_group_rows_give_the_same_table_as_rolling_up_products(wh, level, by):
    for growth in ("yoy", "mom"):
        _compare(kpis(wh, by=by, level=level, growth=growth), kpis(wh, by=by, level=level, growth=growth, groups=False))


def test_group_rows_hold_the_hand_worked_brand_january(wh):
    # The refresh's roll-up itself, by hand (see test_groups_sum_their_products): brand X for A
    # in January is P1 (counted 4 then 0; ordered 6) + P2 (3 then 3): stock 0 + 3, largest 4,
    # sales (10 + 6 − 4) + (4 − 0) + (3 − 3) = 16.
    got = wh.cursor().execute("""SELECT qty_ordered, snapshots, last_qty_on_hand, max_qty_on_hand,
                                        inferred_sales, ordered_56d FROM agg_client_group_month
                                 WHERE period_start = '2025-01-01' AND client_id = 'A'
                                   AND level = 'brand' AND level_key = 'X'""").fetchall()
    assert got == [(6, 4, 3, 4, 16, True)]


def test_a_scope_below_the_level_reads_the_product_rows(wh):
    # Brand X over P1 only is not the brand's group row: A holds 3 of P2 but 0 of P1 in January.
    only_p1 = Scope(product_level="product", product_keys=("P1",))
    x = row(kpis(wh, level="brand", scope=only_p1), JAN, "X")
    check(x, shelf_clients=1, stockout_clients=1, stock_qty=2)


def test_demo_city_group_levels_agree_with_the_product_rows(demo_db):
    wh = Warehouse.open(demo_db)
    try:
        b = wh.backend()
        last = b.table("agg_client_product_month").period_start.max().execute()
        last = pd.Timestamp(last).date()
        window = Window.snapped(D(last.year - 1, last.month, 1), last, "month")
        for by, level in [(("district",), "brand"), (("business_format", "grade_band"), "price_class"),
                          (("territory",), "all")]:
            args = (b.table("agg_client_product_month"), b.table("clients"), b.table("products"), window,
                    by, level)
            _compare(kpi_table(*args, groups=b.table("agg_client_group_month")), kpi_table(*args))
    finally:
        wh.close()


def test_a_product_moving_brand_moves_its_group_rows(tmp_path):
    path = tmp_path / "moved.duckdb"
    with store.writing(path, action="test", who="tests", fresh=True) as con:
        _fill(con)
    csv = tmp_path / "products.csv"
    csv.write_text("product_id,name,brand,price_class,wholesale_price,retail_price\n"
                   "P2,p two,Y,3,20.0,25.0\n")
    from data.loading import load_files
    load_files(path, "products", [csv])
    moved = Warehouse.open(path)
    try:
        brand = kpis(moved, level="brand")
        # P2 now belongs to Y: brand X in January is P1 alone (A 0 on hand, B 2), Y is P2 + P3.
        check(row(brand, JAN, "X"), shelf_clients=1, stockout_clients=1, stock_qty=2)
        _compare(brand, kpis(moved, level="brand", groups=False))
    finally:
        moved.close()


def test_an_older_warehouse_gets_whole_group_tables_from_a_partial_refresh(tmp_path):
    # A warehouse refreshed before the group tables existed, then an import of February: the
    # refresh builds the group tables for every period, not only from February on.
    path = tmp_path / "older.duckdb"
    with store.writing(path, action="test", who="tests", fresh=True) as con:
        _fill(con)
    with store.writing(path, action="drop", who="tests", refresh=False) as con:
        con.execute("DROP TABLE agg_client_group_month")
    with store.writing(path, action="feb", who="tests", refresh=FEB) as con:
        con.execute("INSERT INTO orders (order_date, client_id, product_id, qty_demand, qty_ordered, amount)"
                    " VALUES ('2025-02-10', 'U', 'P2', 1, 1, 20.0)")
    older = Warehouse.open(path)
    try:
        months = older.cursor().execute(
            "SELECT DISTINCT period_start FROM agg_client_group_month ORDER BY 1").fetchall()
        assert [m[0] for m in months][:3] == [D(2024, 1, 1), D(2024, 2, 1), D(2024, 12, 1)]
        _compare(kpis(older, level="brand"), kpis(older, level="brand", groups=False))
    finally:
        older.close()
