"""Which clients count in a period: opening and closing on the very first and last day of it.

Active(S, P) = opened on or before P's last day and not closed before P's first (04-kpis.md).

Clients (one product P1; every client orders 1 条 on 2025-01-15, 01-29, 02-15 and 03-15, whether
open or not, as a company's export may hold stray lines):
    L  opened 2025-01-31 (the last day of January)   active January, February, March
    F  closed 2025-02-01 (the first day of February) active January, February
    G  closed 2025-01-31 (the last day of January)   active January only
    H  opened 2025-02-01 (the first day of February) active February, March
    N  no dates                                      always active

Months: January L F G N (4), February L F H N (4), March L H N (3); each active client bought
in its month, so buying = active; the volume is 2 lines each in January (8), 1 after (4, 3).
Quarter 1: all five are active in some part of it; the volume counts every line of an active
client in the quarter: 4 each = 20.
Weeks (Monday to Sunday) with an order: 01-13..01-19 F G N (L and H not open yet);
01-27..02-02 all five (L opens 01-31, G closes 01-31, F closes 02-01, H opens 02-01);
02-10..02-16 L H N. The weeks between hold no fact of P1, so they have no row.
"""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.kpis import kpi_table
from analytics.scope import Window
from data import store
from data.warehouse import Warehouse

D = dt.date


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    path = tmp_path_factory.mktemp("activity") / "edges.duckdb"
    with store.writing(path, action="test", who="tests", fresh=True) as con:
        con.execute("""INSERT INTO clients (client_id, city, district, market_dept, business_format, grade,
                                            market_type, opened_on, closed_on) VALUES
            ('L', 'X', 'D1', 'M1', 'grocery', 10, 'urban', '2025-01-31', NULL),
            ('F', 'X', 'D1', 'M1', 'grocery', 10, 'urban', NULL, '2025-02-01'),
            ('G', 'X', 'D1', 'M1', 'grocery', 10, 'urban', NULL, '2025-01-31'),
            ('H', 'X', 'D2', 'M2', 'grocery', 10, 'urban', '2025-02-01', NULL),
            ('N', 'X', 'D2', 'M2', 'grocery', 10, 'urban', NULL, NULL)""")
        con.execute("""INSERT INTO products (product_id, name, brand, price_class, wholesale_price, retail_price)
            VALUES ('P1', 'p one', 'X', 1, 100.0, 120.0)""")
        con.execute("""INSERT INTO orders (order_date, client_id, product_id, qty_demand, qty_ordered, amount)
            SELECT d, c, 'P1', 1, 1, 100.0
            FROM (VALUES ('L'), ('F'), ('G'), ('H'), ('N')) cs(c),
                 (VALUES (DATE '2025-01-15'), (DATE '2025-01-29'), (DATE '2025-02-15'), (DATE '2025-03-15')) ds(d)""")
    warehouse = Warehouse.open(path)
    yield warehouse
    warehouse.close()


def table(wh, start: dt.date, end: dt.date, granularity: str, level: str):
    b = wh.backend()
    grain = "week" if granularity == "week" else "month"
    frame = kpi_table(b.table(f"agg_client_product_{grain}"), b.table("clients"), b.table("products"),
                      Window.snapped(start, end, granularity), (), level,
                      groups=b.table("agg_client_group_month") if grain == "month" else None)
    return frame.set_index("period_start")


@pytest.mark.parametrize("level", ["product", "all"])
def test_months_count_clients_opening_or_closing_on_their_edges(wh, level):
    f = table(wh, D(2025, 1, 1), D(2025, 3, 31), "month", level)
    assert f["active_clients"].to_dict() == {D(2025, 1, 1): 4, D(2025, 2, 1): 4, D(2025, 3, 1): 3}
    assert f["buying_clients"].to_dict() == {D(2025, 1, 1): 4, D(2025, 2, 1): 4, D(2025, 3, 1): 3}
    assert f["qty_ordered"].to_dict() == {D(2025, 1, 1): 8, D(2025, 2, 1): 4, D(2025, 3, 1): 3}
    assert f["coverage_rate"].tolist() == [1.0, 1.0, 1.0]


def test_a_quarter_counts_every_client_active_in_any_part_of_it(wh):
    f = table(wh, D(2025, 1, 1), D(2025, 3, 31), "quarter", "product")
    assert f.loc[D(2025, 1, 1), "active_clients"] == 5
    assert f.loc[D(2025, 1, 1), "buying_clients"] == 5
    assert f.loc[D(2025, 1, 1), "qty_ordered"] == 20


def test_weeks_count_clients_opening_or_closing_inside_them(wh):
    f = table(wh, D(2025, 1, 13), D(2025, 2, 16), "week", "product")
    weeks = {D(2025, 1, 13): 3, D(2025, 1, 27): 5, D(2025, 2, 10): 3}
    assert f["active_clients"].to_dict() == weeks
    assert f["buying_clients"].to_dict() == weeks
    assert f["qty_ordered"].to_dict() == weeks
