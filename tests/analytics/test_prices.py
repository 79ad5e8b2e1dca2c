"""Retail price monitoring on a hand-written city, every number worked out by hand below.

Clients: c1 D1 convenience, c2 D1 grocery, c3 D2 grocery, c4 D2 convenience.
Products (wholesale / guided retail, 元/条):
    pA brand 甲  80 / 100      pC brand 乙  40 / 50       pE brand 丙  26 / 30 (outlier tests)
    pB brand 甲  18 / 20       pD brand 乙   9 / 10       pF brand 丙  no prices at all

Volume (Σ qty_ordered) that sets the weights:
    2024 (last year of 2025):  D1: pA 30 (c1), pB 10 (c2)   D2: pA 10 (c3), pB 30 (c4)
    traps a wrong year would pick up: 2023 c2 pB 1000; 2025-01 c1 pB 500 (in the last 12 months
    of March, not in calendar 2024); 2025-03 c1 pA 100 (the period's own volume: ignored while
    last year has volume)
    March 2025 only: c3 pC 6, c4 pD 2 (brand 乙 never sold in 2024: the period fallback)

Observed retail prices:
    March  pA  c1 95 (03-03), c2 90 (03-10), c1 100 (03-20), c3 110 (03-04)
           pB  c1 25 (03-03), c2 23 (03-10), c3 16 (03-04, below wholesale 18), c4 20 (03-05)
           pC  c3 45 (03-04), c4 55 (03-18)
           pD  c4 8.5 (03-05, below wholesale 9)
    April  pA c1 100, pC c3 40, pD c4 9, pF c2 12
    2024-12-15 pA c1 50 (outside every window asked)
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.prices import CONTRACT, low_index_products, price_outliers, price_table
from analytics.scope import Scope, Window
from data import store
from data.warehouse import Warehouse

D = dt.date
MAR, APR = D(2025, 3, 1), D(2025, 4, 1)


def _fill(con) -> None:
    con.execute("""INSERT INTO clients (client_id, city, district, market_dept, territory,
                                        business_format, grade, market_type) VALUES
        ('c1', 'X', 'D1', 'M1', 'T1', 'convenience', 20, 'urban'),
        ('c2', 'X', 'D1', 'M1', 'T1', 'grocery', 5, 'rural'),
        ('c3', 'X', 'D2', 'M2', 'T2', 'grocery', 8, 'rural'),
        ('c4', 'X', 'D2', 'M2', 'T2', 'convenience', 12, 'urban')""")
    con.execute("""INSERT INTO products (product_id, name, brand, price_class, wholesale_price,
                                         retail_price) VALUES
        ('pA', 'A硬', '甲', 1, 80, 100), ('pB', 'B软', '甲', 4, 18, 20),
        ('pC', 'C硬', '乙', 3, 40, 50), ('pD', 'D软', '乙', 5, 9, 10),
        ('pE', 'E细', '丙', 3, 26, 30), ('pF', 'F新', '丙', 5, NULL, NULL)""")
    con.execute("""INSERT INTO orders (order_date, client_id, product_id, qty_demand, qty_ordered, amount)
        VALUES ('2023-03-01', 'c2', 'pB', 1000, 1000, 18000),
               ('2024-05-06', 'c1', 'pA', 30, 30, 2400), ('2024-06-03', 'c2', 'pB', 10, 10, 180),
               ('2024-07-01', 'c3', 'pA', 10, 10, 800), ('2024-08-05', 'c4', 'pB', 30, 30, 540),
               ('2025-01-10', 'c1', 'pB', 500, 500, 9000),
               ('2025-03-03', 'c1', 'pA', 100, 100, 8000),
               ('2025-03-04', 'c3', 'pC', 6, 6, 240), ('2025-03-05', 'c4', 'pD', 2, 2, 18)""")
    con.execute("""INSERT INTO price_snapshots VALUES
        ('2024-12-15', 'c1', 'pA', 50),
        ('2025-03-03', 'c1', 'pA', 95), ('2025-03-10', 'c2', 'pA', 90), ('2025-03-20', 'c1', 'pA', 100),
        ('2025-03-04', 'c3', 'pA', 110),
        ('2025-03-03', 'c1', 'pB', 25), ('2025-03-10', 'c2', 'pB', 23), ('2025-03-04', 'c3', 'pB', 16),
        ('2025-03-05', 'c4', 'pB', 20),
        ('2025-03-04', 'c3', 'pC', 45), ('2025-03-18', 'c4', 'pC', 55),
        ('2025-03-05', 'c4', 'pD', 8.5),
        ('2025-04-07', 'c1', 'pA', 100), ('2025-04-08', 'c3', 'pC', 40), ('2025-04-09', 'c4', 'pD', 9),
        ('2025-04-10', 'c2', 'pF', 12),
        -- pE for the outlier tests: May a wide spread, June one odd price among equal ones,
        -- July one price a single step off
        ('2025-05-05', 'c1', 'pE', 30), ('2025-05-05', 'c2', 'pE', 30), ('2025-05-05', 'c3', 'pE', 30),
        ('2025-05-05', 'c4', 'pE', 31), ('2025-05-12', 'c1', 'pE', 29), ('2025-05-12', 'c2', 'pE', 45),
        ('2025-05-12', 'c3', 'pE', 21),
        ('2025-06-02', 'c1', 'pE', 30), ('2025-06-02', 'c2', 'pE', 30), ('2025-06-02', 'c3', 'pE', 30),
        ('2025-06-02', 'c4', 'pE', 30), ('2025-06-09', 'c1', 'pE', 30), ('2025-06-09', 'c2', 'pE', 36),
        ('2025-07-07', 'c1', 'pE', 30), ('2025-07-07', 'c2', 'pE', 30), ('2025-07-07', 'c3', 'pE', 30),
        ('2025-07-07', 'c4', 'pE', 30), ('2025-07-14', 'c1', 'pE', 30), ('2025-07-14', 'c2', 'pE', 31)""")


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    path: Path = tmp_path_factory.mktemp("prices") / "tiny.duckdb"
    with store.writing(path, action="test", who="tests", fresh=True) as con:
        _fill(con)
    warehouse = Warehouse.open(path)
    yield warehouse
    warehouse.close()


def prices(wh, start=MAR, end=D(2025, 4, 30), granularity="month", by=(), level="all",
           scope=Scope()) -> pd.DataFrame:
    b = wh.backend()
    return price_table(b.table("price_snapshots"), b.table("clients"), b.table("products"),
                       b.table("agg_client_product_month"), Window.snapped(start, end, granularity),
                       by, level, scope)


def row(frame: pd.DataFrame, **keys) -> pd.Series:
    hit = frame
    for column, value in keys.items():
        hit = hit[hit[column] == value]
    assert len(hit) == 1, f"{keys}: {len(hit)} rows"
    return hit.iloc[0]


def test_brand_by_district_weights_by_last_years_volume_in_the_cell(wh):
    t = prices(wh, by=("district",), level="brand")
    d1 = row(t, period_start=MAR, district="D1", level_key="甲")
    # pA mean (95+90+100)/3 = 95, pB mean (25+23)/2 = 24; D1 sold pA 30, pB 10 in 2024 -> 0.75/0.25
    assert d1["price_index"] == pytest.approx(100 * (0.75 * 95 / 100 + 0.25 * 24 / 20))  # 101.25
    assert d1["price_index"] == pytest.approx(101.25)
    assert d1["margin_index"] == pytest.approx(0.75 * 95 / 80 + 0.25 * 24 / 18)  # 1.2239583
    assert d1["weight_basis"] == "last_year"
    assert d1["observations"] == 5 and d1["clients_observed"] == 2 and d1["products_observed"] == 2
    assert d1["mean_price"] == pytest.approx((95 + 90 + 100 + 25 + 23) / 5)  # 66.6
    assert d1["median_price"] == 90  # 23, 25, 90, 95, 100
    assert d1["inversion_share"] == 0
    assert d1["price_std"] == pytest.approx(statistics.stdev([95, 90, 100, 25, 23]))
    assert d1["price_p10"] == pytest.approx(23 + 0.4 * (25 - 23))   # position 0.1 × 4 = 0.4
    assert d1["price_p90"] == pytest.approx(95 + 0.6 * (100 - 95))  # position 3.6
    assert d1["guided_price"] == pytest.approx((3 * 100 + 2 * 20) / 5)
    assert d1["wholesale_price"] == pytest.approx((3 * 80 + 2 * 18) / 5)

    d2 = row(t, period_start=MAR, district="D2", level_key="甲")
    # pA 110, pB mean (16+20)/2 = 18; D2 sold pA 10, pB 30 in 2024 -> 0.25/0.75
    assert d2["price_index"] == pytest.approx(100 * (0.25 * 110 / 100 + 0.75 * 18 / 20))  # 95.0
    assert d2["margin_index"] == pytest.approx(0.25 * 110 / 80 + 0.75 * 18 / 18)  # 1.09375
    assert d2["observations"] == 3 and d2["median_price"] == 20
    assert d2["mean_price"] == pytest.approx(146 / 3)
    assert d2["inversion_share"] == pytest.approx(1 / 3)  # 16 < 18


def test_no_volume_last_year_falls_back_to_the_period_then_to_equal_weights(wh):
    t = prices(wh, by=("district",), level="brand")
    march = row(t, period_start=MAR, district="D2", level_key="乙")
    # brand 乙 sold nothing in 2024; March 2025 in D2: pC 6, pD 2 -> 0.75/0.25
    assert march["weight_basis"] == "period"
    assert march["price_index"] == pytest.approx(100 * (0.75 * 50 / 50 + 0.25 * 8.5 / 10))  # 96.25
    assert march["margin_index"] == pytest.approx(0.75 * 50 / 40 + 0.25 * 8.5 / 9)  # 1.1736111
    assert march["median_price"] == 45 and march["inversion_share"] == pytest.approx(1 / 3)
    april = row(t, period_start=APR, district="D2", level_key="乙")
    # no volume in 2024 nor in April: equal weights over pC 40 and pD 9
    assert april["weight_basis"] == "equal"
    assert april["price_index"] == pytest.approx(100 * (0.5 * 40 / 50 + 0.5 * 9 / 10))  # 85.0
    assert april["margin_index"] == pytest.approx(0.5 * 40 / 40 + 0.5 * 9 / 9)  # 1.0
    assert april["inversion_share"] == 0  # 9 is not below 9


def test_grid_empty_cells_and_unknown_reference_prices_are_empty_not_zero(wh):
    t = prices(wh, by=("district",), level="brand")
    # March: cells D1, D2 x brands seen in March (甲, 乙); April: D1, D2 x 甲, 乙, 丙
    assert len(t[t.period_start == MAR]) == 4 and len(t[t.period_start == APR]) == 6
    empty = row(t, period_start=MAR, district="D1", level_key="乙")
    assert empty["observations"] == 0 and empty["clients_observed"] == 0
    for column in ("mean_price", "median_price", "price_index", "margin_index", "inversion_share"):
        assert math.isnan(empty[column]), column
    no_prices = row(t, period_start=APR, district="D1", level_key="丙")  # pF: no guided, no wholesale
    assert no_prices["observations"] == 1 and no_prices["mean_price"] == 12
    assert math.isnan(no_prices["price_index"]) and math.isnan(no_prices["margin_index"])
    assert math.isnan(no_prices["inversion_share"])  # no observation with a wholesale price
    only_pf = prices(wh, start=APR, scope=Scope(product_level="brand", product_keys=("丙",))).iloc[0]
    assert only_pf["observations"] == 1 and math.isnan(only_pf["price_index"])  # nothing to weigh
    a = row(t, period_start=APR, district="D1", level_key="甲")  # pA 100 alone
    assert a["price_index"] == pytest.approx(100.0) and a["margin_index"] == pytest.approx(1.25)


def test_all_products_city_wide_and_zero_weight_without_last_year_volume(wh):
    t = prices(wh, level="all")
    march = row(t, period_start=MAR)
    # pA mean (95+90+100+110)/4 = 98.75, pB (25+23+16+20)/4 = 21; 2024: pA 40, pB 40, pC 0, pD 0:
    # pC and pD are observed but weigh 0 because the group had volume last year
    assert march["price_index"] == pytest.approx(100 * (0.5 * 98.75 / 100 + 0.5 * 21 / 20))  # 101.875
    assert march["margin_index"] == pytest.approx(0.5 * 98.75 / 80 + 0.5 * 21 / 18)  # 1.2005208
    assert march["observations"] == 11 and march["level_key"] == "all"
    assert march["mean_price"] == pytest.approx(587.5 / 11)
    assert march["median_price"] == 45  # 8.5 16 20 23 25 [45] 55 90 95 100 110
    assert march["inversion_share"] == pytest.approx(2 / 11)  # pB 16 < 18, pD 8.5 < 9
    april = row(t, period_start=APR)
    # pA (2024: 40) is the only observed product with last year's volume; pF counts as an
    # observation but has no reference price, so no inversion either way
    assert april["price_index"] == pytest.approx(100.0) and april["margin_index"] == pytest.approx(1.25)
    assert april["observations"] == 4 and april["inversion_share"] == 0


def test_product_level(wh):
    t = prices(wh, level="product", end=D(2025, 3, 31))
    expected = {"pA": (98.75, 98.75 / 80, 0), "pB": (105.0, 21 / 18, 1 / 4),
                "pC": (100.0, 50 / 40, 0), "pD": (85.0, 8.5 / 9, 1.0)}
    assert list(t["level_key"]) == list(expected)
    for key, (index, margin, inverted) in expected.items():
        r = row(t, level_key=key)
        assert r["price_index"] == pytest.approx(index)
        assert r["margin_index"] == pytest.approx(margin)
        assert r["inversion_share"] == pytest.approx(inverted)
    assert row(t, level_key="pA")["level_name"] == "A硬"


def test_scope_filters_clients_and_products(wh):
    convenience = prices(wh, end=D(2025, 3, 31), scope=Scope(business_formats=("convenience",)))
    r = convenience.iloc[0]
    # c1 and c4 only: pA 95, 100 (mean 97.5), pB 25, 20 (mean 22.5), pC 55, pD 8.5;
    # their 2024 volume: c1 pA 30, c4 pB 30 -> 0.5/0.5
    assert len(convenience) == 1 and r["observations"] == 6
    assert r["price_index"] == pytest.approx(100 * (0.5 * 97.5 / 100 + 0.5 * 22.5 / 20))  # 105.0
    assert r["margin_index"] == pytest.approx(0.5 * 97.5 / 80 + 0.5 * 22.5 / 18)
    assert r["median_price"] == pytest.approx((25 + 55) / 2)  # 8.5 20 [25 55] 95 100
    assert r["mean_price"] == pytest.approx(303.5 / 6) and r["inversion_share"] == pytest.approx(1 / 6)

    d1 = prices(wh, end=D(2025, 3, 31), scope=Scope(districts=("D1",))).iloc[0]
    # the weights come from the scope's volume too: D1's 2024 is pA 30, pB 10 (the city's 40/40
    # would give 107.5)
    assert d1["price_index"] == pytest.approx(100 * (0.75 * 95 / 100 + 0.25 * 24 / 20))  # 101.25

    brand = prices(wh, scope=Scope(product_level="brand", product_keys=("乙",)))
    # city-wide period volume in March: pC 6, pD 2; April: none -> equal
    assert row(brand, period_start=MAR)["price_index"] == pytest.approx(96.25)
    assert row(brand, period_start=APR)["price_index"] == pytest.approx(85.0)


def test_quarters_and_weeks(wh):
    quarter = prices(wh, start=D(2025, 1, 1), end=D(2025, 3, 31), granularity="quarter")
    # Q1 holds the March observations only; last year is still 2024
    assert list(quarter["period_start"]) == [D(2025, 1, 1)]
    assert quarter.iloc[0]["price_index"] == pytest.approx(101.875)

    week = prices(wh, start=D(2025, 3, 3), end=D(2025, 3, 9), granularity="week", level="brand")
    assert set(week["period_start"]) == {D(2025, 3, 3)}
    jia = row(week, level_key="甲")
    # pA 95, 110 -> 102.5; pB 25, 16, 20 -> 61/3; city 2024 volume 40/40
    assert jia["price_index"] == pytest.approx(100 * (0.5 * 102.5 / 100 + 0.5 * (61 / 3) / 20))
    yi = row(week, level_key="乙")
    # pC 45, pD 8.5; no 2024 volume: March's volume (the month holding the week) pC 6, pD 2
    assert yi["weight_basis"] == "period"
    assert yi["price_index"] == pytest.approx(100 * (0.75 * 45 / 50 + 0.25 * 8.5 / 10))  # 88.75


def test_contract_columns_empty_window_and_bad_arguments(wh):
    t = prices(wh, by=("district", "grade_band"), level="price_class")
    assert list(t.columns[:8]) == ["period_start", "district", "grade_band", "level_key", *CONTRACT[:4]]
    assert list(t.columns[3:3 + 1 + len(CONTRACT)]) == ["level_key", *CONTRACT]
    assert set(t["grade_band"]) == {"1-5", "6-10", "11-15", "16-20"}
    empty = prices(wh, start=D(2022, 1, 1), end=D(2022, 12, 31), by=("district",))
    assert empty.empty and list(empty.columns[:3]) == ["period_start", "district", "level_key"]
    with pytest.raises(ValueError, match="unknown dimension"):
        prices(wh, by=("planet",))
    with pytest.raises(ValueError, match="unknown level"):
        prices(wh, level="flavour")


def test_low_index_products_compares_the_latest_period_with_the_one_before(wh):
    t = prices(wh, level="product")
    low = low_index_products(t)
    # April: pA 100 (not low), pC 40/50 = 80 (March 100), pD 9/10 = 90 (March 85), pF no index
    assert list(low["product_id"]) == ["pC", "pD"]
    c, d = low.iloc[0], low.iloc[1]
    assert c["price_index"] == pytest.approx(80) and c["previous_index"] == pytest.approx(100)
    assert c["index_change"] == pytest.approx(-20) and c["product_name"] == "C硬"
    assert d["price_index"] == pytest.approx(90) and d["index_change"] == pytest.approx(5)
    assert list(low_index_products(t, threshold=85)["product_id"]) == ["pC"]

    by_district = low_index_products(prices(wh, by=("district",), level="product"))
    assert list(by_district["district"]) == ["D2", "D2"]  # both observed in D2 only
    assert low_index_products(t.iloc[0:0]).empty


def test_price_outliers_robust_z_on_log_prices(wh):
    b = wh.backend()
    window = Window.snapped(MAR, D(2025, 7, 31), "month")
    out = price_outliers(b.table("price_snapshots"), b.table("clients"), b.table("products"), window)
    # May pE: 21 29 30 30 30 31 45; median ln 30; |deviations| 0 0 0 ln(31/30) ln(30/29)
    # ln(30/21) ln(45/30) -> MAD = ln(31/30), scale = 1.4826 × MAD
    may_scale = 1.4826 * math.log(31 / 30)
    # June pE: five 30s and a 36: MAD 0, so 1.2533 × mean |deviation| = 1.2533 × ln(1.2) / 6
    june_scale = 1.2533 * math.log(36 / 30) / 6
    # July pE: five 30s and a 31: 1.2533 × ln(31/30) / 6 = 0.0068 < floor 0.02 -> z = 1.64, kept
    # March pA has 4 observations (< 5): not judged, although 110 is far from the rest
    expected = [("c2", "D1", D(2025, 5, 12), 45.0, math.log(45 / 30) / may_scale, "high"),
                ("c3", "D2", D(2025, 5, 12), 21.0, math.log(21 / 30) / may_scale, "low"),
                ("c2", "D1", D(2025, 6, 9), 36.0, math.log(36 / 30) / june_scale, "high")]
    assert len(out) == 3
    for (_, r), (client, district, day, price, z, direction) in zip(out.iterrows(), expected):
        assert (r["client_id"], r["district"], r["territory"], r["snapshot_date"], r["retail_price"],
                r["direction"]) == (client, district, "T" + district[1], day, price, direction)
        assert r["robust_z"] == pytest.approx(z)
        assert r["median_price"] == 30 and r["product_id"] == "pE" and r["product_name"] == "E细"
    assert out.iloc[0]["robust_z"] == pytest.approx(8.3403, abs=1e-3)
    assert math.log(31 / 30) / 0.02 < 3.5  # why July's one-step price is not flagged

    capped = price_outliers(b.table("price_snapshots"), b.table("clients"), b.table("products"),
                            window, limit=2)
    assert list(capped["retail_price"]) == [45.0, 21.0]
    d1 = price_outliers(b.table("price_snapshots"), b.table("clients"), b.table("products"),
                        window, scope=Scope(districts=("D1",)), min_observations=3)
    # D1 in May: 29 30 30 45 -> median ln 30, MAD = (0 + ln(30/29)) / 2;
    # D1 in June: 30 30 30 36 -> MAD 0, z = ln 1.2 / (1.2533 × ln 1.2 / 4) = 3.19, not flagged
    assert list(d1["retail_price"]) == [45.0]
    assert d1.iloc[0]["robust_z"] == pytest.approx(math.log(1.5) / (1.4826 * math.log(30 / 29) / 2))
    assert 4 / 1.2533 < 3.5


# --- the demo city: planted truth recovered --------------------------------------------------

def test_demo_oversupplied_prices_slide_below_the_guide_and_below_scarce_ones(demo_db, demo_sql):
    """data/demo/products.py plants the price paths: an oversupplied product trades at the guide
    (× a per-product level ~ N(1, 0.012)) until its slide day, drawn in the 25–45 % of the history
    (after the first six months of 36), then slides linearly to end_ratio × guide on the last day,
    end_ratio ≤ 0.94; a scarce product trades 5–10 % above the guide, rising by 4–12 % more. So
    over the last six months an oversupplied product is at least ~0.85 × 6 = 5 points below its
    first six months, and a scarce one is above 105."""
    truth = demo_sql.execute("""SELECT kind, entity_id FROM truth_facts
                                WHERE kind IN ('oversupplied_product', 'scarce_product')""").df()
    over = list(truth.loc[truth.kind == "oversupplied_product", "entity_id"])
    scarce = list(truth.loc[truth.kind == "scarce_product", "entity_id"])
    assert over and scarce
    wh = Warehouse.open(demo_db)
    try:
        b = wh.backend()
        t = price_table(b.table("price_snapshots"), b.table("clients"), b.table("products"),
                        b.table("agg_client_product_month"),
                        Window.snapped(D(2023, 1, 1), D(2025, 12, 31), "month"), (), "product")
    finally:
        wh.close()
    index = t.pivot(index="period_start", columns="level_key", values="price_index").sort_index()
    assert len(index) == 36
    first, last = index.iloc[:6].mean(), index.iloc[-6:].mean()
    for product in over:
        assert last[product] < first[product] - 3, product
        assert last[product] < 100, product
    assert last[over].max() < last[scarce].min()
    assert (last[scarce] > 103).all()
    low = low_index_products(t)
    assert set(over) & set(low["product_id"]), "an oversupplied product is flagged below 95"
    assert not set(scarce) & set(low["product_id"])


def test_demo_brand_index_matches_an_independent_sql_computation(demo_db, demo_sql):
    """The weighted index of every district x brand cell of June 2025, recomputed in plain SQL
    (cells whose observed products sold in 2024, i.e. weighted by last year's volume)."""
    expected = demo_sql.execute("""
        WITH obs AS (
            SELECT c.district, p.brand, s.product_id, avg(s.retail_price) AS mean_price,
                   any_value(p.retail_price) AS guide, any_value(p.wholesale_price) AS wholesale
            FROM price_snapshots s JOIN clients c USING (client_id) JOIN products p USING (product_id)
            WHERE s.snapshot_date BETWEEN DATE '2025-06-01' AND DATE '2025-06-30'
            GROUP BY ALL),
        vol AS (
            SELECT c.district, o.product_id, sum(o.qty_ordered) AS qty
            FROM orders o JOIN clients c USING (client_id)
            WHERE o.order_date BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'
            GROUP BY ALL),
        w AS (
            SELECT obs.*, coalesce(vol.qty, 0) AS qty,
                   sum(coalesce(vol.qty, 0)) OVER (PARTITION BY obs.district, obs.brand) AS total
            FROM obs LEFT JOIN vol USING (district, product_id))
        SELECT district, brand AS level_key,
               100 * sum(qty / total * mean_price / guide) AS price_index,
               sum(qty / total * mean_price / wholesale) AS margin_index
        FROM w WHERE total > 0 GROUP BY ALL""").df()
    wh = Warehouse.open(demo_db)
    try:
        b = wh.backend()
        t = price_table(b.table("price_snapshots"), b.table("clients"), b.table("products"),
                        b.table("agg_client_product_month"),
                        Window.snapped(D(2025, 6, 1), D(2025, 6, 30), "month"), ("district",), "brand")
    finally:
        wh.close()
    got = t[t.observations > 0].merge(expected, on=["district", "level_key"], suffixes=("", "_sql"))
    assert len(got) == len(expected) > 20
    assert (got["weight_basis"] == "last_year").all()
    np.testing.assert_allclose(got["price_index"], got["price_index_sql"], rtol=1e-12)
    np.testing.assert_allclose(got["margin_index"], got["margin_index_sql"], rtol=1e-12)
    raw = demo_sql.execute("""
        SELECT c.district, p.brand AS level_key, count(*) AS n, median(s.retail_price) AS med,
               avg(CASE WHEN s.retail_price < p.wholesale_price THEN 1.0 ELSE 0.0 END) AS inv
        FROM price_snapshots s JOIN clients c USING (client_id) JOIN products p USING (product_id)
        WHERE s.snapshot_date BETWEEN DATE '2025-06-01' AND DATE '2025-06-30' GROUP BY ALL""").df()
    got = t[t.observations > 0].merge(raw, on=["district", "level_key"])
    assert len(got) == len(raw)
    assert (got["observations"] == got["n"]).all()
    np.testing.assert_allclose(got["median_price"], got["med"], rtol=1e-12)
    np.testing.assert_allclose(got["inversion_share"], got["inv"], rtol=1e-12)
