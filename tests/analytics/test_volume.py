"""Volume companions on a hand-written city where every answer is computed by hand."""

import datetime as dt
import math

import pytest

from analytics.scope import Scope, Window, next_period_start
from analytics.volume import facts_table_for, volume_summary, volume_trend
from data import store
from data.warehouse import Viewer, Warehouse

D = dt.date
MARKETING = Viewer("m", "marketing")
CM_A = Viewer("a", "customer_manager", manager_id="MA")


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    path = tmp_path_factory.mktemp("vol") / "v.duckdb"
    with store.writing(path, action="test", fresh=True) as con:
        con.execute("INSERT INTO managers VALUES ('MA','甲','TA','M1'), ('MB','乙','TB','M1')")
        con.execute("""INSERT INTO clients (client_id, city, district, market_dept, territory, manager_id,
                       business_format, grade, market_type) VALUES
            ('c1','X','D1','M1','TA','MA','convenience', 20, 'urban'),
            ('c2','X','D1','M1','TB','MB','grocery',      5, 'rural'),
            ('c3','X','D2','M2','TB','MB','grocery',      8, 'rural')""")
        con.execute("""INSERT INTO products (product_id, name, brand, price_class, wholesale_price, retail_price)
            VALUES ('p1','甲(硬)','甲', 1, 200, 230), ('p2','乙(软)','乙', 4, 20, 23)""")
        con.execute("""INSERT INTO orders VALUES
            -- March 2025 (this period)
            ('2025-03-03','c1','p1', 10, NULL,  8, 1600),
            ('2025-03-10','c1','p2', 50, NULL, 50, 1000),
            ('2025-03-04','c2','p2', 30, NULL, 30,  600),
            ('2025-03-05','c3','p1',  5, NULL,  0,    0),
            -- March 2024 (same period last year)
            ('2024-03-04','c1','p1',  4, NULL,  4,  800),
            ('2024-03-05','c2','p2', 20, NULL, 20,  400),
            -- April 2025
            ('2025-04-07','c2','p2', 10, NULL, 10,  200)""")
    w = Warehouse.open(path)
    yield w
    w.close()


def _tables(wh, viewer, granularity="month"):
    swh = wh.for_viewer(viewer)
    return swh.table(facts_table_for(granularity)), swh.table("clients"), swh.table("products")


def test_summary_march_2025_all_clients(wh):
    facts, clients, products = _tables(wh, MARKETING)
    row = volume_summary(facts, clients, products, Scope(), Window.snapped(D(2025, 3, 1), D(2025, 3, 31), "month")).iloc[0]
    # ordered 8 + 50 + 30 + 0 = 88 条; demand 10 + 50 + 30 + 5 = 95; amount 1600 + 1000 + 600 = 3200
    assert row["qty_ordered"] == 88 and row["qty_demand"] == 95 and row["amount"] == 3200
    assert row["cases"] == pytest.approx(88 / 250)
    assert row["value_per_case"] == pytest.approx(3200 / (88 / 250))      # 单箱值
    assert row["value_per_carton"] == pytest.approx(3200 / 88)            # 条均值
    assert row["fill_rate"] == pytest.approx(88 / 95)
    assert row["buying_clients"] == 2  # c3 ordered 0: asked, not bought
    # March 2024: ordered 24, demand 24, amount 1200
    assert row["base_qty_ordered"] == 24 and row["base_fill_rate"] == pytest.approx(1.0)
    assert row["growth_rate"] == pytest.approx((88 - 24) / 24)
    assert row["change_cases"] == pytest.approx((88 - 24) / 24)            # cases scale with cartons
    assert row["change_amount"] == pytest.approx((3200 - 1200) / 1200)
    assert row["change_value_per_case"] == pytest.approx((3200 / 88) / (1200 / 24) - 1)
    assert row["change_buying_clients"] == pytest.approx(0.0)            # 2 vs 2 (c1, c2)
    assert row["fill_rate_change"] == pytest.approx(88 / 95 - 1.0)


def test_summary_respects_segment_and_product_scope(wh):
    facts, clients, products = _tables(wh, MARKETING)
    window = Window.snapped(D(2025, 3, 1), D(2025, 3, 31), "month")
    rural = volume_summary(facts, clients, products, Scope(market_types=("rural",)), window).iloc[0]
    assert rural["qty_ordered"] == 30 and rural["qty_demand"] == 35  # c2 p2 30/30, c3 p1 0/5
    class1 = volume_summary(facts, clients, products,
                            Scope(product_level="price_class", product_keys=("1",)), window).iloc[0]
    assert class1["qty_ordered"] == 8 and class1["qty_demand"] == 15 and class1["base_qty_ordered"] == 4
    high = volume_summary(facts, clients, products, Scope(grade_min=10, grade_max=30), window).iloc[0]
    assert high["qty_ordered"] == 58  # only c1 (grade 20)


def test_summary_for_a_customer_manager_sees_only_own_clients(wh):
    facts, clients, products = _tables(wh, CM_A)
    row = volume_summary(facts, clients, products, Scope(), Window.snapped(D(2025, 3, 1), D(2025, 3, 31), "month")).iloc[0]
    assert row["qty_ordered"] == 58 and row["base_qty_ordered"] == 4  # c1 only


def test_empty_denominators_are_empty_not_zero(wh):
    facts, clients, products = _tables(wh, MARKETING)
    row = volume_summary(facts, clients, products, Scope(), Window.snapped(D(2023, 1, 1), D(2023, 1, 31), "month")).iloc[0]
    assert row["qty_ordered"] == 0
    assert math.isnan(row["fill_rate"]) and math.isnan(row["value_per_case"]) and math.isnan(row["growth_rate"])


def test_trend_lists_every_period_with_last_year_beside_it(wh):
    facts, clients, products = _tables(wh, MARKETING)
    trend = volume_trend(facts, clients, products, Scope(), Window.snapped(D(2025, 2, 10), D(2025, 4, 2), "month"))
    assert trend["period_start"].tolist() == [D(2025, 2, 1), D(2025, 3, 1), D(2025, 4, 1)]
    assert trend["qty_ordered"].tolist() == [0, 88, 10]
    assert trend["base_qty_ordered"].tolist() == [0, 24, 0]
    assert math.isnan(trend["growth_rate"].iloc[0]) and trend["growth_rate"].iloc[1] == pytest.approx(64 / 24)


def test_weekly_trend_compares_with_52_weeks_earlier(wh):
    facts, clients, products = _tables(wh, MARKETING, "week")
    trend = volume_trend(facts, clients, products, Scope(), Window.snapped(D(2025, 3, 3), D(2025, 3, 9), "week"))
    # week of Monday 2025-03-03: c1 p1 8, c2 p2 30, c3 p1 0 -> 38; 52 weeks earlier = week of 2024-03-04: 4 + 20
    assert trend["period_start"].tolist() == [D(2025, 3, 3)]
    assert trend["qty_ordered"].iloc[0] == 38 and trend["base_qty_ordered"].iloc[0] == 24


def test_quarter_rolls_up_months(wh):
    facts, clients, products = _tables(wh, MARKETING, "quarter")
    trend = volume_trend(facts, clients, products, Scope(), Window.snapped(D(2025, 2, 1), D(2025, 5, 1), "quarter"))
    assert trend["period_start"].tolist() == [D(2025, 1, 1), D(2025, 4, 1)]
    assert trend["qty_ordered"].tolist() == [88, 10] and trend["base_qty_ordered"].tolist() == [24, 0]


@pytest.mark.parametrize("start,end,gran,expected", [
    (D(2025, 3, 5), D(2025, 3, 20), "week", (D(2025, 3, 3), D(2025, 3, 23))),
    (D(2025, 3, 5), D(2025, 3, 20), "month", (D(2025, 3, 1), D(2025, 3, 31))),
    (D(2025, 2, 5), D(2025, 8, 20), "quarter", (D(2025, 1, 1), D(2025, 9, 30))),
    (D(2025, 3, 20), D(2025, 3, 5), "month", (D(2025, 3, 1), D(2025, 3, 31))),  # reversed input
    (D(2024, 2, 29), D(2024, 2, 29), "year", (D(2024, 1, 1), D(2024, 12, 31))),
])
def test_window_snaps_to_whole_periods(start, end, gran, expected):
    w = Window.snapped(start, end, gran)
    assert (w.start, w.end) == expected


def test_window_year_earlier():
    assert Window.snapped(D(2024, 2, 1), D(2024, 2, 29), "month").year_earlier() == Window(D(2023, 2, 1), D(2023, 2, 28), "month")
    w = Window.snapped(D(2025, 3, 3), D(2025, 3, 9), "week").year_earlier()
    assert (w.start, w.end) == (D(2024, 3, 4), D(2024, 3, 10)) and w.start.weekday() == 0


def test_unknown_granularity_is_refused():
    with pytest.raises(ValueError, match="granularity"):
        Window.snapped(D(2025, 1, 1), D(2025, 1, 2), "fortnight")


def test_next_period_start_crosses_years():
    assert next_period_start(D(2025, 12, 1), "month") == D(2026, 1, 1)
    assert next_period_start(D(2025, 10, 1), "quarter") == D(2026, 1, 1)
    assert next_period_start(D(2025, 12, 29), "week") == D(2026, 1, 5)
