"""The stock-warning list on a hand-written city, every number worked out by hand below.

As of Monday 2025-03-31 (default thresholds: rate and stale windows = counts dated after 03-03,
history from 02-04, facts read from 01-07; overstock 4 weeks, 3 for price classes 1–2, by at
least 2 条; stale data after 21 days; target cover = cycle + 7 days; a delivery arrives on its
order date).

Clients (territory, district, format, order cycle):
    A  T1  D1  convenience  1W-MON          orders every Monday it needs to
    B  T1  D1  convenience  2W-WED          fortnightly; last order 03-19
    C  T1  D1  convenience  1W-TUE          closed 03-20: no rows
    E  T2  D2  grocery      '看情况' (free text: cycle from its orders 02-17, 03-03, 03-17)
    F  T2  D2  grocery      1W-MON          never orders in these weeks
    U  T2  D1  grocery      1W-MON          open, never counted (region: unobserved)
Products: P1 class 3; P2 class 1; P3 class 3, scarce (capped); P4 class 3, launched 03-20;
          P5 class 4, discontinued 03-01.

Counts (qty at the end of the day) and orders (ordered, cap):
    A P1  02-21: 34, 02-28: 27, 03-07: 20, 03-14: 13, [03-21 missed], 03-28: 13
          orders 03-17: 14 (between two counts), 03-31: 5 (after the last count)
    A P2  03-07: 14, 03-14: 10, 03-21: 6, 03-28: 2
    A P3  02-28: 2, 03-07: 3, 03-14: 1, 03-21: 0, 03-28: 0     order 03-03: 3 (cap 3)
    A P4  03-28: 4 (its first count: a new product)             order 03-24: 6
    A P5  03-14: 0, 03-28: 0 (discontinued, empty)
    B P1  02-26: 6, 03-12: 40, 03-26: 36                        order 03-05: 40 (a big one)
    B P2  02-26: 15, 03-12: 15, 03-26: 15                       never ordered
    B P3  never counted                                          order 03-19: 3 (cap 3)
    B P4  03-26: 0, never ordered: counted by habit, not carried
    C P1  03-07: 5, 03-14: 0                                     order 03-10: 5
    E P1  02-28: 10, 03-07: 8 (24 days old on 03-31)             orders 02-17, 03-03, 03-17: 4
    F P1  03-07: 12, 03-14: 10, 03-21: 7, 03-28: 5

Rates (Σ sales ÷ Σ days of the intervals whose count is dated after 03-03):
    A P1  03-07: 27 − 20 = 7 (7 d); 03-14: 20 − 13 = 7 (7 d); 03-28: 13 + 14 − 13 = 14 (14 d:
          the missed visit only makes one interval longer) -> 28 ÷ 28 d = 7.0 a week, 1 a day
    A P2  03-07 is its first count (no rate); 4 + 4 + 4 over 21 d -> 4.0 a week
    A P3  03-07: 2 + 3 − 3 = 2; 03-14: 2; 03-21: 1; 03-28: 0 − 0 with nothing delivered says
          nothing (left out) -> 5 over 21 d = 5/3 a week
    A P4  a single count: no interval, rate unknown
    B P1  03-12: 6 + 40 − 40 = 6 (14 d); 03-26: 40 − 36 = 4 (14 d) -> 10 ÷ 28 d = 2.5 a week
    B P2  0 (14 d) + 0 (14 d) -> 0.0 a week
    E P1  03-07: 10 + 4 − 8 = 6 over 7 d -> 6.0 a week
    F P1  03-07 is its first count; 2 + 3 + 2 over 21 d -> 7/3 a week
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

from analytics.scope import Scope
from analytics.stock import STATUSES, Thresholds, client_card, social_stock, status_counts, stock_warnings
from analytics.stock.cycle import next_order_day, parse_cycle
from analytics.stock.warnings import CONTRACT
from data import store
from data.warehouse import Warehouse

D = dt.date
AS_OF = D(2025, 3, 31)


def _fill(con) -> None:
    con.execute("""INSERT INTO clients (client_id, city, district, market_dept, territory, manager_id,
                                        business_format, grade, market_type, order_cycle, opened_on,
                                        closed_on) VALUES
        ('A', 'X', 'D1', 'M1', 'T1', 'K1', 'convenience', 10, 'urban', '1W-MON', NULL, NULL),
        ('B', 'X', 'D1', 'M1', 'T1', 'K1', 'convenience', 12, 'urban', '2W-WED', NULL, NULL),
        ('C', 'X', 'D1', 'M1', 'T1', 'K1', 'convenience', 8, 'urban', '1W-TUE', NULL, '2025-03-20'),
        ('E', 'X', 'D2', 'M2', 'T2', 'K2', 'grocery', 6, 'rural', '看情况', NULL, NULL),
        ('F', 'X', 'D2', 'M2', 'T2', 'K2', 'grocery', 7, 'rural', '1W-MON', NULL, NULL),
        ('U', 'X', 'D1', 'M2', 'T2', 'K2', 'grocery', 5, 'rural', '1W-MON', NULL, NULL)""")
    con.execute("""INSERT INTO products (product_id, name, brand, price_class, wholesale_price,
                                         retail_price, launched_on, discontinued_on) VALUES
        ('P1', 'one', 'X', 3, 20.0, 25.0, NULL, NULL), ('P2', 'two', 'X', 1, 300.0, 360.0, NULL, NULL),
        ('P3', 'three', 'Y', 3, 20.0, 25.0, NULL, NULL),
        ('P4', 'four', 'Y', 3, 20.0, 25.0, '2025-03-20', NULL),
        ('P5', 'five', 'Y', 4, 10.0, 12.0, NULL, '2025-03-01')""")
    orders = [("2025-03-17", "A", "P1", 14, None), ("2025-03-31", "A", "P1", 5, None),
              ("2025-03-03", "A", "P3", 3, 3), ("2025-03-24", "A", "P4", 6, None),
              ("2025-03-05", "B", "P1", 40, None), ("2025-03-19", "B", "P3", 3, 3),
              ("2025-03-10", "C", "P1", 5, None), ("2025-02-17", "E", "P1", 4, None),
              ("2025-03-03", "E", "P1", 4, None), ("2025-03-17", "E", "P1", 4, None)]
    con.executemany("INSERT INTO orders (order_date, client_id, product_id, qty_demand, qty_cap, "
                    "qty_ordered, amount) VALUES (?, ?, ?, ?, ?, ?, 0.0)",
                    [(d, c, p, q * 2 if cap else q, cap, q) for d, c, p, q, cap in orders])
    counts = {("A", "P1"): [("02-21", 34), ("02-28", 27), ("03-07", 20), ("03-14", 13), ("03-28", 13)],
              ("A", "P2"): [("03-07", 14), ("03-14", 10), ("03-21", 6), ("03-28", 2)],
              ("A", "P3"): [("02-28", 2), ("03-07", 3), ("03-14", 1), ("03-21", 0), ("03-28", 0)],
              ("A", "P4"): [("03-28", 4)],
              ("A", "P5"): [("03-14", 0), ("03-28", 0)],
              ("B", "P1"): [("02-26", 6), ("03-12", 40), ("03-26", 36)],
              ("B", "P2"): [("02-26", 15), ("03-12", 15), ("03-26", 15)],
              ("B", "P4"): [("03-26", 0)],
              ("C", "P1"): [("03-07", 5), ("03-14", 0)],
              ("E", "P1"): [("02-28", 10), ("03-07", 8)],
              ("F", "P1"): [("03-07", 12), ("03-14", 10), ("03-21", 7), ("03-28", 5)]}
    con.executemany("INSERT INTO inventory_snapshots (snapshot_date, client_id, product_id, qty_on_hand, "
                    "source) VALUES (?, ?, ?, ?, 'visit')",
                    [(f"2025-{d}", c, p, q) for (c, p), rows in counts.items() for d, q in rows])
    con.executemany("INSERT INTO price_snapshots (snapshot_date, client_id, product_id, retail_price) "
                    "VALUES (?, ?, ?, ?)", [("2025-03-14", "A", "P1", 24.0), ("2025-03-28", "A", "P1", 23.0)])


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    path: Path = tmp_path_factory.mktemp("warnings") / "tiny.duckdb"
    with store.writing(path, action="test", who="tests", fresh=True) as con:
        _fill(con)
    warehouse = Warehouse.open(path)
    yield warehouse
    warehouse.close()


def tables(wh):
    b = wh.backend()
    return b.table("orders"), b.table("inventory_snapshots"), b.table("clients"), b.table("products")


@pytest.fixture(scope="module")
def listing(wh) -> pd.DataFrame:
    return stock_warnings(*tables(wh), AS_OF)


def row(frame: pd.DataFrame, client: str, product: str) -> pd.Series:
    hit = frame[(frame["client_id"] == client) & (frame["product_id"] == product)]
    assert len(hit) == 1, f"expected one row for {client} {product}, got {len(hit)}"
    return hit.iloc[0]


def same(value, expected) -> bool:
    if expected is None:
        return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
    if isinstance(expected, str | dt.date | bool):
        return value == expected
    return value is not pd.NA and value == pytest.approx(expected, abs=1e-9)


def check(r: pd.Series, **expected) -> None:
    wrong = {k: (r[k], v) for k, v in expected.items() if not same(r[k], v)}
    assert not wrong, f"(got, expected): {wrong}"


def test_rows_are_the_carried_pairs_of_open_clients(listing):
    # C is closed; A P5 is discontinued and empty; B P4 is counted 0 but never sold or ordered.
    assert sorted(zip(listing["client_id"], listing["product_id"])) == [
        ("A", "P1"), ("A", "P2"), ("A", "P3"), ("A", "P4"), ("B", "P1"), ("B", "P2"), ("B", "P3"), ("E", "P1"),
        ("F", "P1")]
    assert list(listing.columns[:len(CONTRACT)]) == CONTRACT
    # sorted by severity, highest first
    assert listing["severity"].tolist() == sorted(listing["severity"], reverse=True)


def test_ok_with_a_missed_visit_and_a_delivery_between_counts(listing):
    # Rate 7 a week (see the module docstring). Cover 13 ÷ 1 = 13 days. The 5 ordered 03-31 came
    # after the count: 13 + 5 = 18 last 18 days from the count, 18 − 3 = 15 from 03-31; the next
    # Monday 04-07 is 7 days away -> no shortage; 15 < 28 -> no overstock.
    # Suggestion: stock at the 04-07 delivery 18 − 1 × 10 = 8; target (7 + 7) days × 1 = 14 -> 6.
    check(row(listing, "A", "P1"), territory="T1", manager_id="K1", snapshot_date=D(2025, 3, 28),
          qty_on_hand=13, weekly_rate=7.0, days_of_cover=13.0, status="ok", severity=0,
          suggested_order_qty=6, snapshot_age_days=3, on_order_qty=5, cover_left_days=15.0,
          next_order_date=D(2025, 4, 7), cycle_days=7, cycle_source="cycle", target_cover_days=14,
          rate_days=28)


def test_shortage_risk(listing):
    # 4 a week: cover 2 ÷ (4/7) = 3.5 days; 3.5 − 3 = 0.5 left on 03-31, the delivery is 7 days
    # away -> shortage risk, not out yet (severity 2). Suggestion: nothing left by 04-07
    # (2 − 10 × 4/7 < 0); target 14 × 4/7 = 8.
    check(row(listing, "A", "P2"), qty_on_hand=2, weekly_rate=4.0, days_of_cover=3.5,
          status="shortage_risk", severity=2, cover_left_days=0.5, suggested_order_qty=8)


def test_out_of_stock_suggestion_respects_the_cap(listing):
    # Counted 0 and sells (5/3 a week), nothing delivered since -> severity 3. Target
    # 14 × 5/21 = 3.33 -> 4, but its latest order was capped at 3.
    check(row(listing, "A", "P3"), qty_on_hand=0, weekly_rate=5 / 3, days_of_cover=0.0,
          status="out_of_stock", severity=3, qty_cap=3, suggested_order_qty=3)


def test_new_product_has_no_rate_yet(listing):
    # One count only: no interval, so no rate, no cover, no suggestion; stock on the shelf -> ok.
    check(row(listing, "A", "P4"), qty_on_hand=4, weekly_rate=None, days_of_cover=None, status="ok",
          severity=0, suggested_order_qty=None, counts=1)


def test_overstock_after_a_big_order(listing):
    # 2.5 a week: cover 36 ÷ (2.5/7) = 100.8 days, 95.8 left on 03-31 (5 days later); beyond
    # 28 days by 0.357 × 67.8 = 24 条 (>= 2) and beyond twice 28 -> severity 2; order nothing.
    # B orders fortnightly on Wednesdays; its last order 03-19 makes 04-02 (two weeks on) the next.
    check(row(listing, "B", "P1"), qty_on_hand=36, weekly_rate=2.5, days_of_cover=100.8,
          status="overstock", severity=2, suggested_order_qty=0, cover_left_days=95.8,
          next_order_date=D(2025, 4, 2), cycle_days=14, target_cover_days=21)


def test_stale(listing):
    # 15 on the shelf, no sale over 02-26 .. 03-26 (28 days >= 4 weeks) -> stale; rate 0 -> no cover.
    check(row(listing, "B", "P2"), qty_on_hand=15, weekly_rate=0.0, days_of_cover=None, status="stale",
          severity=1, suggested_order_qty=0, stale_span_days=28)


def test_stale_data_old_count_and_never_counted(listing):
    # E's latest count is 24 days old (> 21): its numbers are shown but not trusted.
    # E's cycle text is free text: from its orders, every 14 days from 03-17 -> 04-14.
    check(row(listing, "E", "P1"), snapshot_date=D(2025, 3, 7), qty_on_hand=8, weekly_rate=6.0,
          days_of_cover=8 / (6 / 7), status="stale_data", severity=1, suggested_order_qty=None,
          snapshot_age_days=24, on_order_qty=4, next_order_date=D(2025, 4, 14), cycle_days=14,
          cycle_source="orders")
    # B ordered P3 on 03-19 but it was never counted.
    check(row(listing, "B", "P3"), snapshot_date=None, qty_on_hand=None, status="stale_data",
          severity=1, suggested_order_qty=None, on_order_qty=None, qty_cap=3)


def test_status_counts_list_every_status(listing):
    counts = status_counts(listing)
    assert counts["status"].tolist() == list(STATUSES)
    assert dict(zip(counts["status"], counts["rows"])) == {
        "out_of_stock": 1, "shortage_risk": 1, "overstock": 1, "stale": 1, "stale_data": 2, "ok": 3}
    assert dict(zip(counts["status"], counts["clients"]))["stale_data"] == 2  # B and E


def test_territory_scope_and_thresholds(wh):
    t2 = stock_warnings(*tables(wh), AS_OF, scope=Scope(territories=("T2",)))
    assert sorted(t2["client_id"].unique()) == ["E", "F"]
    # A longer stale-data limit trusts E's count: 8 + 4 delivered = 12 last 14 days from 03-07,
    # gone by 03-21 -> shortage risk (out already by the rate: severity 3).
    lenient = stock_warnings(*tables(wh), AS_OF, Thresholds(stale_data_days=30), Scope(territories=("T2",)))
    check(row(lenient, "E", "P1"), status="shortage_risk", severity=3, cover_left_days=-10.0)
    # A looser overstock rule for class 3: 100 weeks -> B P1 is ok.
    loose = stock_warnings(*tables(wh), AS_OF, Thresholds(overstock_weeks=100.0))
    check(row(loose, "B", "P1"), status="ok", suggested_order_qty=0)


def test_default_as_of_is_the_latest_count(wh, listing):
    # The latest count is 03-28, so ages and next order days move three days back.
    frame = stock_warnings(*tables(wh))
    check(row(frame, "A", "P1"), snapshot_age_days=0, next_order_date=D(2025, 3, 31))
    with pytest.raises(ValueError):
        Thresholds(rate_weeks=0)
    # before any fact: an empty list with the same columns, and zero counts
    empty = stock_warnings(*tables(wh), D(2024, 1, 1))
    assert empty.empty and list(empty.columns) == list(listing.columns)
    assert status_counts(empty)["rows"].sum() == 0


def test_order_cycles():
    assert parse_cycle("1W-MON") == (1, 0) and parse_cycle("2w-fri") == (2, 4)
    assert parse_cycle("看情况") is None and parse_cycle(None) is None and parse_cycle("") is None
    # weekly Monday, as of a Monday: the next Monday
    assert next_order_day("1W-MON", AS_OF) == (D(2025, 4, 7), 7, "cycle")
    # fortnightly Wednesday: the week of the last order decides
    assert next_order_day("2W-WED", AS_OF, last_order=D(2025, 3, 26))[0] == D(2025, 4, 9)
    assert next_order_day("2W-WED", AS_OF, last_order=D(2025, 3, 19))[0] == D(2025, 4, 2)
    # no cycle: from the orders; nothing at all: weekly from the as-of date
    assert next_order_day(None, AS_OF, D(2025, 3, 27), D(2025, 3, 6), 4) == (D(2025, 4, 3), 7, "orders")
    assert next_order_day("", AS_OF) == (D(2025, 4, 7), 7, "assumed")


def test_ok_and_the_suggestion_rounds_up(listing):
    # 7/3 a week = 1/3 a day: cover 5 × 3 = 15 days, 12 left on 03-31, the next Monday 7 days
    # away -> ok. At the 04-07 delivery 5 − 10/3 = 1.67 left; target 14/3 = 4.67 -> 3 条.
    check(row(listing, "F", "P1"), weekly_rate=7 / 3, days_of_cover=15.0, cover_left_days=12.0,
          status="ok", suggested_order_qty=3)


def test_region_social_stock_and_stock_to_sales(wh):
    facts = wh.backend().table("agg_client_product_week")
    _, _, clients, products = tables(wh)
    r = social_stock(facts, clients, products, AS_OF)
    # The weeks of 03-10, 03-17, 03-24 and 03-31 (the 4 ending with the as-of date's week).
    # Counted in them: A, B (D1 convenience) and F (D2 grocery). E's last count (03-07) is
    # before them, U (D1 grocery) is never counted, C is closed.
    # Weekly sales = inferred sales of the window's counts ÷ 4:
    #   A P1 7 (03-14) + 14 (03-28) = 21; B P1 6 + 4 = 10; F P1 2 + 3 + 2 = 7; A P2 4 + 4 + 4 = 12.
    # D1 P1: convenience A 13 + B 36 = 49 条 and (21 + 10) ÷ 4 = 7.75 a week (2 of 2 observed);
    #        grocery: U unobserved, so the grocery figures per observed client of the scope,
    #        F's 5 and 7 ÷ 4 = 1.75 -> 54 条, 9.5 a week -> 5.68 weeks = 1.31 months > 1.0: warning
    d1 = r[(r["district"] == "D1") & (r["product_id"] == "P1")].iloc[0]
    check(d1, active_clients=3, observed_clients=2, carrying_clients=2, observed_stock=49,
          social_stock=54.0, weekly_sales=9.5, stock_to_sales_weeks=54 / 9.5,
          stock_to_sales_months=54 / 9.5 / (30.4375 / 7), threshold_months=1.0)
    assert d1["warning"]
    # D1 P2 (class 1): A 2 + B 15 = 17 条, 12 ÷ 4 = 3 a week -> 5.67 weeks = 1.30 months > 0.7
    check(r[(r["district"] == "D1") & (r["product_id"] == "P2")].iloc[0], social_stock=17.0,
          weekly_sales=3.0, stock_to_sales_months=17 / 3 / (30.4375 / 7), threshold_months=0.7, warning=True)
    # D2 P1: grocery E and F open, F observed -> × 2: 10 条, 3.5 a week -> 0.66 months: no warning
    d2 = r[(r["district"] == "D2") & (r["product_id"] == "P1")].iloc[0]
    check(d2, social_stock=10.0, weekly_sales=3.5, active_clients=2, observed_clients=1)
    assert not d2["warning"] and r["warning"].tolist() == sorted(r["warning"], reverse=True)
    # The whole city: convenience 2 of 2 observed (49, 7.75); grocery 1 of 3 (F's 5, 1.75 × 3)
    city = social_stock(facts, clients, products, AS_OF, by=())
    check(city[city["product_id"] == "P1"].iloc[0], social_stock=64.0, weekly_sales=13.0,
          active_clients=5, observed_clients=3)
    # the default date is the latest count, 03-28
    pd.testing.assert_frame_equal(social_stock(facts, clients, products),
                                  social_stock(facts, clients, products, D(2025, 3, 28)))
    with pytest.raises(ValueError):
        social_stock(facts, clients, products, AS_OF, by=("grade_band",))


def test_client_card(wh):
    b = wh.backend()
    card = client_card("A", b.table("orders"), b.table("inventory_snapshots"), b.table("price_snapshots"),
                       b.table("clients"), b.table("products"), AS_OF, weeks=8)
    assert card.client["order_cycle"] == "1W-MON"
    p1 = card.counts[card.counts["product_id"] == "P1"]
    # from 02-04: the 02-21 count has no predecessor in the card's window -> no sales
    assert p1["sales"].tolist()[1:] == [7, 7, 7, 14] and p1["days"].tolist()[1:] == [7, 7, 7, 14]
    assert card.orders["qty_ordered"].sum() == 14 + 5 + 3 + 6
    assert card.prices["retail_price"].tolist() == [24.0, 23.0]
    week = card.weekly[(card.weekly["product_id"] == "P1") & (card.weekly["week_start"] == D(2025, 3, 24))].iloc[0]
    assert (week["qty_ordered"], week["inferred_sales"], week["last_qty_on_hand"]) == (0, 14, 13)
    assert set(card.warnings["product_id"]) == {"P1", "P2", "P3", "P4"}
    restricted = b.table("clients").filter(b.table("clients").territory == "T2")
    assert client_card("A", b.table("orders"), b.table("inventory_snapshots"), b.table("price_snapshots"),
                       restricted, b.table("products"), AS_OF) is None
