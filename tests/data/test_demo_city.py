"""The demo city looks like the real thing, and holds what it says it planted.

One small city (300 clients, 36 months ending 2025-12-31, seed 7) is generated once per session;
every check recomputes its claim from the tables in SQL, independently of the generator's code.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from data.calendar_cn import new_years_eve
from data.demo import DemoParams, generate
from data.demo.params import default_products, resolve
from data.schema import BUSINESS_FORMATS, TABLES

PARAMS = DemoParams(clients=300, end=dt.date(2025, 12, 31), seed=7)


def _build(path, params: DemoParams, calls: list | None = None) -> dict[str, int]:
    con = duckdb.connect(str(path))
    try:
        con.execute("BEGIN")
        counts = generate(con, params, (lambda f, m: calls.append((f, m))) if calls is not None
                          else None)
        con.execute("COMMIT")
    finally:
        con.close()
    return counts


@pytest.fixture(scope="session")
def city(tmp_path_factory):
    """(connection, returned counts, progress calls) of the session's small city."""
    path = tmp_path_factory.mktemp("demo") / "city.duckdb"
    calls: list[tuple[float, str]] = []
    counts = _build(path, PARAMS, calls)
    con = duckdb.connect(str(path), read_only=True)
    yield con, counts, calls
    con.close()


@pytest.fixture(scope="session")
def con(city):
    return city[0]


def one(con, sql: str):
    return con.execute(sql).fetchone()[0]


# --- shape of the API --------------------------------------------------------------------------

def test_every_schema_table_exists_and_counts_match(city):
    con, counts, _ = city
    assert set(counts) == set(TABLES)
    for name in TABLES:
        assert one(con, f"SELECT count(*) FROM {name}") == counts[name], name
    for name in ("clients", "products", "managers", "orders", "inventory_snapshots",
                 "price_snapshots", "manager_forecasts", "supply_plans", "truth_consumer_demand",
                 "truth_facts"):
        assert counts[name] > 0, name
    assert counts["users"] == 0 and counts["allocations"] == 0


def test_progress_is_reported_in_order(city):
    calls = city[2]
    fractions = [f for f, _ in calls]
    assert len(calls) >= 10
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(isinstance(m, str) and m for _, m in calls)


def test_defaults_resolve_from_today():
    r = resolve(DemoParams(), today=dt.date(2026, 3, 15))
    assert (r.start, r.end, r.clients, r.products) == (dt.date(2023, 3, 1), dt.date(2026, 2, 28),
                                                       2000, 150)
    assert default_products(20000) == 400
    assert resolve(DemoParams(end=dt.date(2025, 12, 31))).start == dt.date(2023, 1, 1)


def test_generate_leaves_the_transaction_to_the_caller():
    con = duckdb.connect()
    con.execute("BEGIN")
    generate(con, DemoParams(clients=60, start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31)))
    assert one(con, "SELECT count(*) FROM orders") > 0
    con.execute("ROLLBACK")
    assert one(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'orders'") == 0


def test_write_errors_reach_the_caller():
    con = duckdb.connect()
    con.execute("CREATE TABLE orders (x INTEGER)")  # not the schema's orders: inserts must fail
    with pytest.raises(duckdb.Error):
        generate(con, DemoParams(clients=50, start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31)))


@pytest.mark.parametrize("params", [DemoParams(clients=10), DemoParams(products=5),
                                    DemoParams(start=dt.date(2025, 1, 1), end=dt.date(2025, 2, 1))])
def test_bad_parameters_are_refused(params):
    with pytest.raises(ValueError):
        resolve(params)


def test_same_seed_gives_the_same_city(city, tmp_path):
    con, counts, _ = city
    again = tmp_path / "again.duckdb"
    assert _build(again, PARAMS) == counts
    other = duckdb.connect(str(again), read_only=True)
    sums = ("SELECT sum(qty_demand), sum(qty_ordered), sum(round(amount * 100)::BIGINT) FROM orders",
            "SELECT sum(qty_on_hand), count(DISTINCT client_id) FROM inventory_snapshots",
            "SELECT sum(round(retail_price * 10)::BIGINT) FROM price_snapshots",
            "SELECT sum(qty_consumer_demand), sum(qty_on_hand_end) FROM truth_consumer_demand",
            "SELECT string_agg(kind || entity_id, ',' ORDER BY kind, entity_id) FROM truth_facts")
    for sql in sums:
        assert con.execute(sql).fetchall() == other.execute(sql).fetchall(), sql
    other.close()


# --- integrity --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [n for n, t in TABLES.items() if t.key])
def test_no_duplicate_keys(con, name):
    key = ", ".join(f"coalesce({k}::VARCHAR, '∅')" for k in TABLES[name].key)
    assert one(con, f"SELECT count(*) - count(DISTINCT ({key})) FROM {name}") == 0


@pytest.mark.parametrize("name", ["orders", "inventory_snapshots", "price_snapshots",
                                  "manager_forecasts", "truth_consumer_demand"])
def test_facts_reference_existing_clients_and_products(con, name):
    assert one(con, f"SELECT count(*) FROM {name} WHERE client_id NOT IN "
                    "(SELECT client_id FROM clients)") == 0
    assert one(con, f"SELECT count(*) FROM {name} WHERE product_id IS NOT NULL AND product_id "
                    "NOT IN (SELECT product_id FROM products)") == 0


def test_orders_are_consistent(con):
    bad = one(con, """SELECT count(*) FROM orders o JOIN products p USING (product_id)
        WHERE qty_ordered > qty_demand OR qty_ordered < 0 OR qty_demand <= 0
           OR abs(amount - qty_ordered * p.wholesale_price) > 0.01""")
    assert bad == 0
    assert one(con, "SELECT count(*) FROM clients WHERE manager_id NOT IN "
                    "(SELECT manager_id FROM managers)") == 0


def test_truth_rows_add_up(con):
    assert one(con, """SELECT count(*) FROM truth_consumer_demand WHERE qty_sold < 0
        OR qty_sold + qty_lost <> qty_consumer_demand OR qty_on_hand_end < 0
        OR dayofweek(week_start) <> 1""") == 0


def test_snapshots_and_sales_follow_the_timing_convention(con):
    """POS clients are counted daily: stock at the end of one Sunday + deliveries through the
    next Sunday - stock at its end = the week's true sales (deliveries arrive on the order date,
    a snapshot is the stock at the end of its day)."""
    n, ok = con.execute("""
        WITH s AS (SELECT client_id, product_id, snapshot_date d, qty_on_hand FROM inventory_snapshots
                   WHERE source = 'pos' AND dayofweek(snapshot_date) = 0),
        w AS (SELECT *, lag(qty_on_hand) OVER (PARTITION BY client_id, product_id ORDER BY d) prev,
                     lag(d) OVER (PARTITION BY client_id, product_id ORDER BY d) prev_d FROM s),
        o AS (SELECT client_id, product_id, (order_date + (6 - (dayofweek(order_date) + 6) % 7)::INT)
                     AS d, sum(qty_ordered) q FROM orders GROUP BY ALL)
        SELECT count(*), sum((w.prev + coalesce(o.q, 0) - w.qty_on_hand = t.qty_sold
                              AND w.qty_on_hand = t.qty_on_hand_end)::INT)
        FROM w LEFT JOIN o USING (client_id, product_id, d)
        JOIN truth_consumer_demand t ON t.client_id = w.client_id
             AND t.product_id = w.product_id AND t.week_start = w.d - 6
        WHERE w.prev_d = w.d - 7""").fetchone()
    assert n > 100 and ok == n


# --- clients and regions ------------------------------------------------------------------------

def test_grades_are_bell_shaped(con):
    bands = dict(con.execute("SELECT (grade - 1) // 5, count(*) FROM clients GROUP BY 1").fetchall())
    middle = bands.get(2, 0) + bands.get(3, 0)  # grades 11–20
    assert middle > 2 * bands.get(0, 0) and middle > 2 * bands.get(5, 0)
    assert one(con, "SELECT count(*) FROM clients WHERE grade NOT BETWEEN 1 AND 30") == 0


def test_urban_share_and_grades(con):
    share = one(con, "SELECT avg((market_type = 'urban')::INT) FROM clients")
    assert 0.68 <= share <= 0.82
    urban, rural = con.execute("""SELECT avg(grade) FILTER (WHERE market_type = 'urban'),
        avg(grade) FILTER (WHERE market_type = 'rural') FROM clients""").fetchone()
    assert urban > rural + 2
    assert one(con, """SELECT avg((grade BETWEEN 5 AND 18)::INT) FROM clients
                       WHERE market_type = 'rural'""") > 0.75


def test_business_formats(con):
    formats = dict(con.execute("SELECT business_format, count(*) FROM clients GROUP BY 1").fetchall())
    assert set(formats) <= set(BUSINESS_FORMATS)
    assert formats["convenience"] + formats["grocery"] > 0.5 * sum(formats.values())
    assert len(formats) >= 5


def test_region_hierarchy(con):
    depts = con.execute("SELECT district, count(DISTINCT market_dept) FROM clients GROUP BY 1").fetchall()
    assert 3 <= len(depts) <= 10 and all(3 <= n <= 5 for _, n in depts)
    assert one(con, "SELECT count(*) FROM (SELECT territory FROM clients GROUP BY 1 "
                    "HAVING count(DISTINCT manager_id) <> 1)") == 0
    assert one(con, "SELECT count(*) - count(DISTINCT territory) FROM managers") == 0
    assert one(con, "SELECT count(*) FROM clients WHERE order_cycle NOT SIMILAR TO "
                    "'[12]W-(MON|TUE|WED|THU|FRI|SAT|SUN)'") == 0


def test_orders_fall_on_the_order_weekday_while_open(con):
    bad = one(con, """SELECT count(*) FROM (SELECT DISTINCT client_id, order_date FROM orders) o
        JOIN clients c USING (client_id)
        WHERE (upper(strftime(order_date, '%a')) <> c.order_cycle[4:6]
               AND order_date IS DISTINCT FROM c.opened_on)
           OR order_date < c.opened_on OR order_date > c.closed_on""")
    assert bad == 0
    # Fortnightly clients never order twice within 13 days.
    assert one(con, """SELECT count(*) FROM (SELECT client_id, order_date - lag(order_date) OVER
        (PARTITION BY client_id ORDER BY order_date) gap FROM (SELECT DISTINCT client_id, order_date
        FROM orders JOIN clients USING (client_id) WHERE order_cycle LIKE '2W%'
        AND (opened_on IS NULL OR order_date > opened_on))) WHERE gap < 14""") == 0


def test_new_and_closed_clients_are_recorded(con):
    assert one(con, """SELECT count(*) FROM truth_facts t JOIN clients c ON c.client_id = t.entity_id
        WHERE (kind = 'new_client' AND t.start_date = c.opened_on)
           OR (kind = 'closed_client' AND t.end_date = c.closed_on)""") == one(
        con, "SELECT count(*) FROM truth_facts WHERE kind IN ('new_client', 'closed_client')")
    assert one(con, "SELECT count(*) FROM truth_facts WHERE kind = 'new_client'") >= 2
    assert one(con, "SELECT count(*) FROM clients WHERE closed_on IS NOT NULL") >= 2


# --- products and prices -------------------------------------------------------------------------

def test_product_classes_and_prices(con):
    assert one(con, """SELECT count(*) FROM products WHERE NOT (
        (price_class = 1 AND wholesale_price >= 100) OR
        (price_class = 2 AND wholesale_price >= 70 AND wholesale_price < 100) OR
        (price_class = 3 AND wholesale_price >= 35 AND wholesale_price < 70) OR
        (price_class = 4 AND wholesale_price >= 16.5 AND wholesale_price < 35) OR
        (price_class = 5 AND wholesale_price < 16.5))
        OR retail_price / wholesale_price NOT BETWEEN 1.05 AND 1.2""") == 0
    brands, classes = con.execute(
        "SELECT count(DISTINCT brand), count(DISTINCT price_class) FROM products").fetchone()
    assert 25 <= brands <= 40 and classes == 5


def test_launch_and_discontinuation(con):
    launched, launch_day = con.execute("""SELECT entity_id, start_date FROM truth_facts
        WHERE kind = 'launched_product'""").fetchone()
    stopped, stop_day = con.execute("""SELECT entity_id, end_date FROM truth_facts
        WHERE kind = 'discontinued_product'""").fetchone()
    assert one(con, f"SELECT launched_on FROM products WHERE product_id = '{launched}'") == launch_day
    assert one(con, f"SELECT discontinued_on FROM products WHERE product_id = '{stopped}'") == stop_day
    first = one(con, f"SELECT min(order_date) FROM orders WHERE product_id = '{launched}'")
    last = one(con, f"SELECT max(order_date) FROM orders WHERE product_id = '{stopped}'")
    assert launch_day <= first < launch_day + dt.timedelta(days=21)
    assert stop_day - dt.timedelta(days=21) < last < stop_day


def test_oversupplied_prices_slide_below_the_guide(con):
    rows = con.execute("""
        WITH q AS (SELECT product_id, date_trunc('quarter', snapshot_date) q,
                          avg(retail_price) price FROM price_snapshots GROUP BY ALL)
        SELECT p.product_id, p.retail_price, p.wholesale_price, min_by(price, q), max_by(price, q)
        FROM truth_facts t JOIN products p ON p.product_id = t.entity_id
        JOIN q ON q.product_id = p.product_id
        WHERE t.kind = 'oversupplied_product' GROUP BY ALL""").fetchall()
    assert len(rows) >= 3
    for _, guide, wholesale, first_q, last_q in rows:
        assert last_q < guide and last_q < first_q - 0.03 * guide
    assert any(last_q < wholesale for _, _, wholesale, _, last_q in rows)


def test_ordinary_prices_sit_at_the_guide_and_scarce_above(con):
    ordinary, scarce = con.execute("""SELECT
        avg(s.retail_price / p.retail_price) FILTER (WHERE t.kind IS NULL),
        avg(s.retail_price / p.retail_price) FILTER (WHERE t.kind = 'scarce_product')
        FROM price_snapshots s JOIN products p USING (product_id)
        LEFT JOIN truth_facts t ON t.entity_id = p.product_id
             AND t.kind IN ('scarce_product', 'oversupplied_product')""").fetchone()
    assert 0.97 < ordinary < 1.03 and scarce > 1.04
    per_visit = one(con, "SELECT count(*) / count(DISTINCT (snapshot_date, client_id)) "
                         "FROM price_snapshots")
    assert 3 <= per_visit <= 6


# --- scarce products and supply ------------------------------------------------------------------

def test_about_a_tenth_of_products_are_scarce_and_capped(con):
    n_products = one(con, "SELECT count(*) FROM products")
    n_scarce = one(con, "SELECT count(*) FROM truth_facts WHERE kind = 'scarce_product'")
    assert 0.07 * n_products <= n_scarce <= 0.13 * n_products
    capped, uncapped_scarce, capped_plain, over_cap = con.execute("""
        SELECT count(*) FILTER (WHERE qty_cap IS NOT NULL),
               count(*) FILTER (WHERE qty_cap IS NULL AND s.entity_id IS NOT NULL),
               count(*) FILTER (WHERE qty_cap IS NOT NULL AND s.entity_id IS NULL),
               count(*) FILTER (WHERE qty_ordered > qty_cap)
        FROM orders o LEFT JOIN truth_facts s ON s.kind = 'scarce_product'
             AND s.entity_id = o.product_id""").fetchone()
    assert capped > 0 and uncapped_scarce == 0 and capped_plain == 0 and over_cap == 0
    # Demand above supply: scarce lines are filled far less than ordinary ones.
    assert one(con, "SELECT sum(qty_ordered) / sum(qty_demand) FROM orders "
                    "WHERE qty_cap IS NOT NULL") < 0.8


def test_caps_never_increase_as_grade_falls(con):
    bad = one(con, """
        WITH c AS (SELECT o.product_id, o.order_date, c.grade, max(qty_cap) cap FROM orders o
                   JOIN clients c USING (client_id)
                   WHERE qty_cap IS NOT NULL AND c.order_cycle LIKE '1W%' GROUP BY ALL)
        SELECT count(*) FROM c a JOIN c b ON a.product_id = b.product_id
             AND a.order_date = b.order_date AND a.grade > b.grade AND a.cap < b.cap""")
    assert bad == 0


def test_supply_plans_cover_history_and_four_weeks_ahead(con):
    first, last, bad_span, n_products = con.execute("""SELECT min(period_start),
        max(period_start), count(*) FILTER (WHERE period_end <> period_start + 6
        OR dayofweek(period_start) <> 1), count(DISTINCT product_id) FROM supply_plans""").fetchone()
    assert first <= dt.date(2023, 1, 1) < first + dt.timedelta(days=7)
    assert last == dt.date(2025, 12, 29) + dt.timedelta(weeks=4)
    assert bad_span == 0
    assert n_products == one(con, "SELECT count(*) FROM truth_facts WHERE kind = 'scarce_product'")
    over = one(con, """SELECT count(*) FROM (SELECT product_id, date_trunc('week', order_date) w,
        sum(qty_ordered) q FROM orders WHERE qty_cap IS NOT NULL GROUP BY ALL) o
        JOIN supply_plans s ON s.product_id = o.product_id AND s.period_start = o.w
        WHERE o.q > s.qty_available""")
    assert over == 0


def test_inflating_clients_ask_for_more_than_they_sell(con):
    honest, inflating = con.execute("""
        WITH d AS (SELECT client_id, product_id, sum(qty_demand) asked FROM orders
                   WHERE qty_cap IS NOT NULL GROUP BY ALL),
        s AS (SELECT client_id, product_id, sum(qty_consumer_demand) wanted
              FROM truth_consumer_demand GROUP BY ALL)
        SELECT sum(asked) FILTER (WHERE t.entity_id IS NULL)
                 / sum(wanted) FILTER (WHERE t.entity_id IS NULL),
               sum(asked) FILTER (WHERE t.entity_id IS NOT NULL)
                 / sum(wanted) FILTER (WHERE t.entity_id IS NOT NULL)
        FROM d JOIN s USING (client_id, product_id)
        LEFT JOIN truth_facts t ON t.kind = 'inflating_client' AND t.entity_id = d.client_id""").fetchone()
    assert inflating > 1.6 * honest
    share = one(con, "SELECT count(*) FROM truth_facts WHERE kind = 'inflating_client'") / 300
    assert 0.04 <= share <= 0.11


# --- seasonality -----------------------------------------------------------------------------------

@pytest.mark.parametrize("year", [2024, 2025])  # 除夕 on 9 February, then on 28 January
def test_spring_festival_peak_moves_with_the_lunar_calendar(con, year):
    weeks = dict(con.execute("""SELECT date_trunc('week', order_date)::DATE, sum(qty_demand)
                               FROM orders GROUP BY 1""").fetchall())
    median = sorted(weeks.values())[len(weeks) // 2]
    eve = new_years_eve(year)
    monday = eve - dt.timedelta(days=eve.weekday())
    run_up = [weeks.get(monday - dt.timedelta(weeks=k), 0) for k in range(1, 5)]
    assert sum(run_up) / 4 > 1.3 * median
    near = {w: q for w, q in weeks.items() if abs((w - eve).days) <= 70}
    peak = max(near, key=near.get)
    assert eve - dt.timedelta(days=35) <= peak <= eve
    after = [weeks.get(monday + dt.timedelta(weeks=k), 0) for k in (1, 2)]
    assert max(after) < median


def test_mid_autumn_and_summer_for_gift_brands(con):
    monthly = dict(con.execute("""SELECT month(order_date), sum(qty_demand) FROM orders
        JOIN products USING (product_id) WHERE price_class = 1 AND qty_cap IS NULL
        AND order_date >= DATE '2023-03-01' GROUP BY 1""").fetchall())
    assert monthly[7] < monthly[9] or monthly[7] < monthly[10]
    assert monthly[7] < sum(monthly.values()) / 12


# --- stock -----------------------------------------------------------------------------------------

def test_stock_outs_and_overstock_exist(con):
    zero, over, n = con.execute("""
        WITH r AS (SELECT client_id, product_id, avg(qty_sold) weekly FROM truth_consumer_demand
                   GROUP BY ALL)
        SELECT count(*) FILTER (WHERE qty_on_hand = 0),
               count(*) FILTER (WHERE qty_on_hand > 8 * weekly AND weekly > 0), count(*)
        FROM inventory_snapshots JOIN r USING (client_id, product_id)""").fetchone()
    assert 0.03 < zero / n < 0.3
    assert 0.005 < over / n < 0.2


def test_visits_are_weekly_or_fortnightly_with_zeros_recorded(con):
    gaps = dict(con.execute("""SELECT gap, count(*) FROM (SELECT snapshot_date - lag(snapshot_date)
        OVER (PARTITION BY client_id ORDER BY snapshot_date) gap FROM (SELECT DISTINCT client_id,
        snapshot_date FROM inventory_snapshots WHERE source = 'visit')) WHERE gap IS NOT NULL
        GROUP BY 1""").fetchall())
    regular = gaps.get(7, 0) + gaps.get(14, 0)
    assert regular > 0.8 * sum(gaps.values())
    assert gaps.get(21, 0) + gaps.get(28, 0) > 0  # some visits are missed
    assert one(con, "SELECT count(*) FROM inventory_snapshots WHERE qty_on_hand = 0") > 0


def test_planted_stock_outs_are_empty_at_their_end_date(con):
    rows = con.execute("""SELECT t.entity_id, t.start_date, t.end_date, s.qty_on_hand
        FROM truth_facts t LEFT JOIN inventory_snapshots s
          ON s.client_id = split_part(t.entity_id, '|', 1)
         AND s.product_id = split_part(t.entity_id, '|', 2) AND s.snapshot_date = t.end_date
        WHERE t.kind = 'planted_stockout'""").fetchall()
    assert len(rows) >= 6
    end = dt.date(2025, 12, 31)
    for _, start, stop, qty in rows:
        assert qty == 0
        assert end - dt.timedelta(weeks=6) <= start < stop <= end


def test_planted_overstock_holds_many_weeks_of_sales(con):
    rows = con.execute("""
        WITH r AS (SELECT client_id, product_id, avg(qty_sold) weekly FROM truth_consumer_demand
                   GROUP BY ALL)
        SELECT t.value, s.qty_on_hand / r.weekly FROM truth_facts t
        JOIN inventory_snapshots s ON s.client_id = split_part(t.entity_id, '|', 1)
         AND s.product_id = split_part(t.entity_id, '|', 2) AND s.snapshot_date = t.end_date
        JOIN r ON r.client_id = s.client_id AND r.product_id = s.product_id
        WHERE t.kind = 'planted_overstock'""").fetchall()
    assert len(rows) >= 6
    assert all(cover > 6 for _, cover in rows)


# --- forecasts -------------------------------------------------------------------------------------

def test_optimistic_managers_forecast_high(con):
    rows = con.execute("""
        WITH a AS (SELECT date_trunc('month', order_date)::DATE AS m, client_id,
                          sum(qty_demand) actual FROM orders GROUP BY ALL)
        SELECT c.manager_id, t.value, sum(f.qty_forecast - a.actual) / sum(a.actual)
        FROM manager_forecasts f JOIN a ON a.m = f.month AND a.client_id = f.client_id
        JOIN clients c ON c.client_id = f.client_id
        LEFT JOIN truth_facts t ON t.kind = 'optimistic_manager' AND t.entity_id = c.manager_id
        WHERE f.product_id IS NULL GROUP BY ALL""").fetchall()
    optimistic = [(bias, value) for _, value, bias in rows if value is not None]
    others = [bias for _, value, bias in rows if value is None]
    assert optimistic and others
    assert all(bias > value - 0.06 and bias > 0.05 for bias, value in optimistic)
    assert all(abs(bias) < 0.05 for bias in others)


def test_forecasts_are_rounded_three_month_averages(con):
    assert one(con, "SELECT count(*) FROM manager_forecasts WHERE product_id IS NULL "
                    "AND qty_forecast % 10 <> 0") == 0
    assert one(con, "SELECT min(month) FROM manager_forecasts") == dt.date(2023, 4, 1)
    assert one(con, "SELECT max(month) FROM manager_forecasts") == dt.date(2026, 1, 1)
    assert one(con, "SELECT count(DISTINCT product_id) FROM manager_forecasts") > 0
