"""Tests for data.warehouse: row-level security per viewer, default deny.

The hand-built city (one market department MD1, territories T1 and T2):

managers   M1 -> T1, M2 -> T2
clients    C1  T1  M1     assigned to M1
           C2  T1  -      M1's territory, no manager code          -> M1
           C3  -   -      the market department's unassigned pool  -> no customer manager
           C4  T2  M2     assigned to M2
           C5  T2  -      M2's territory, no manager code          -> M2
           C6  T2  M1     in T2 but assigned to M1                 -> M1, not M2
           C7  T3  -      a territory without a manager            -> no customer manager

So M1 sees {C1, C2, C6} and M2 sees {C4, C5}.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from data import store
from data.warehouse import TABLE_POLICY, AccessDenied, ScopedWarehouse, Viewer, Warehouse

ALL_CLIENTS = ["C1", "C2", "C3", "C4", "C5", "C6", "C7"]
M1_CLIENTS = ["C1", "C2", "C6"]
M2_CLIENTS = ["C4", "C5"]

ADMIN = Viewer("root", "admin")
MARKETING = Viewer("mk", "marketing")
BRAND = Viewer("bm", "brand_manager")
CM1 = Viewer("zhang", "customer_manager", manager_id="M1")
CM2 = Viewer("li", "customer_manager", manager_id="M2")

CLIENT_TABLES = ["orders", "inventory_snapshots", "price_snapshots", "manager_forecasts",
                 "agg_client_product_week", "agg_client_product_month"]


def _fill(con) -> None:
    con.execute("INSERT INTO managers VALUES ('M1', 'Zhang', 'T1', 'MD1'), "
                "('M2', 'Li', 'T2', 'MD1')")
    con.execute("""INSERT INTO clients (client_id, city, district, market_dept, territory,
                                        manager_id) VALUES
        ('C1', 'X', 'D1', 'MD1', 'T1', 'M1'),
        ('C2', 'X', 'D1', 'MD1', 'T1', NULL),
        ('C3', 'X', 'D1', 'MD1', NULL, NULL),
        ('C4', 'X', 'D1', 'MD1', 'T2', 'M2'),
        ('C5', 'X', 'D1', 'MD1', 'T2', NULL),
        ('C6', 'X', 'D1', 'MD1', 'T2', 'M1'),
        ('C7', 'X', 'D1', 'MD1', 'T3', NULL)""")
    con.execute("INSERT INTO products (product_id, name, brand, price_class, wholesale_price, "
                "retail_price) VALUES ('P1', 'a', 'A', 1, 100.0, 120.0)")
    for c in ALL_CLIENTS:  # one order, one stock count, one price, one forecast per client
        con.execute("INSERT INTO orders VALUES ('2024-01-02', ?, 'P1', 5, NULL, 5, 500.0)", [c])
        con.execute("INSERT INTO inventory_snapshots VALUES ('2024-01-03', ?, 'P1', 9, 'visit')",
                    [c])
        con.execute("INSERT INTO price_snapshots VALUES ('2024-01-03', ?, 'P1', 118.0)", [c])
        con.execute("INSERT INTO manager_forecasts VALUES ('2024-02-01', ?, NULL, 20)", [c])
    con.execute("INSERT INTO users (username, role, manager_id) VALUES "
                "('root', 'admin', NULL), ('zhang', 'customer_manager', 'M1')")
    con.execute("INSERT INTO import_log (version, loaded_at, table_name) "
                "VALUES (1, '2024-01-05 10:00:00', 'orders')")


@pytest.fixture(scope="module")
def wh(tmp_path_factory) -> Warehouse:
    path = tmp_path_factory.mktemp("rls") / "rls.duckdb"
    with store.writing(path, action="test", fresh=True) as con:
        _fill(con)
    warehouse = Warehouse.open(path)
    yield warehouse
    warehouse.close()


def _ids(scoped: ScopedWarehouse, table: str, column: str = "client_id") -> list[str]:
    return sorted(scoped.table(table).execute()[column].tolist())


# --- who sees which clients ------------------------------------------------------------------

@pytest.mark.parametrize("viewer", [ADMIN, MARKETING, BRAND], ids=lambda v: v.role)
def test_everything_roles_see_all_clients(wh, viewer):
    scoped = wh.for_viewer(viewer)
    assert _ids(scoped, "clients") == ALL_CLIENTS
    for table in CLIENT_TABLES:
        assert sorted(set(_ids(scoped, table))) == ALL_CLIENTS, table


def test_customer_manager_sees_own_and_unassigned_of_own_territory(wh):
    assert _ids(wh.for_viewer(CM1), "clients") == M1_CLIENTS
    assert _ids(wh.for_viewer(CM2), "clients") == M2_CLIENTS
    assert sorted(wh.for_viewer(CM1).clients().execute()["client_id"]) == M1_CLIENTS


def test_unassigned_pool_and_unmanaged_territory_are_visible_to_no_customer_manager(wh):
    for viewer in (CM1, CM2):
        visible = set(_ids(wh.for_viewer(viewer), "clients"))
        assert "C3" not in visible  # no territory: the market department's pool
        assert "C7" not in visible  # territory T3 has no manager


@pytest.mark.parametrize("table", CLIENT_TABLES)
def test_facts_are_filtered_like_clients(wh, table):
    assert _ids(wh.for_viewer(CM1), table) == M1_CLIENTS
    assert _ids(wh.for_viewer(CM2), table) == M2_CLIENTS


def test_fact_values_are_not_altered_by_the_filter(wh):
    orders = wh.for_viewer(CM2).table("orders").execute()
    assert len(orders) == 2
    assert orders["qty_ordered"].sum() == 10  # 5 + 5 for C4 and C5
    week = wh.for_viewer(CM1).table("agg_client_product_week").execute()
    assert len(week) == 3
    assert week["qty_demand"].sum() == 15  # 5 each for C1, C2, C6


def test_filters_compose_with_user_filters(wh):
    # a page narrowing the scoped table cannot widen it
    t = wh.for_viewer(CM1).table("orders")
    assert sorted(t.filter(t.client_id.isin(["C1", "C4"])).execute()["client_id"]) == ["C1"]


def test_customer_manager_reads_only_own_manager_row(wh):
    assert _ids(wh.for_viewer(CM1), "managers", "manager_id") == ["M1"]
    assert _ids(wh.for_viewer(MARKETING), "managers", "manager_id") == ["M1", "M2"]


def test_shared_tables_are_whole_for_every_known_role(wh):
    for viewer in (ADMIN, MARKETING, BRAND, CM1):
        assert _ids(wh.for_viewer(viewer), "products", "product_id") == ["P1"]
        assert wh.for_viewer(viewer).can_read("warehouse_meta")


# --- default deny ---------------------------------------------------------------------------

@pytest.mark.parametrize("viewer", [Viewer("x", "guest"), Viewer("y", ""),
                                    Viewer("z", "Admin"), Viewer("w", "customer")],
                         ids=["guest", "empty", "Admin", "customer"])
def test_unknown_role_is_refused_everything(wh, viewer):
    scoped = wh.for_viewer(viewer)
    assert viewer.scope_key == "deny"
    for table in ["clients", "products", "warehouse_meta", *CLIENT_TABLES, "users", "managers"]:
        with pytest.raises(AccessDenied):
            scoped.table(table)
        assert scoped.can_read(table) is False
    assert scoped.clients().execute().empty


def test_customer_manager_without_manager_id_sees_no_client(wh):
    viewer = Viewer("nobody", "customer_manager")
    scoped = wh.for_viewer(viewer)
    assert viewer.scope_key == "deny"
    assert _ids(scoped, "clients") == []
    for table in CLIENT_TABLES:
        assert _ids(scoped, table) == [], table
    assert scoped.table("managers").execute().empty


def test_customer_manager_unknown_to_managers_sees_only_assigned_clients(wh):
    # M9 is in no territory and has no client: nothing, not the pool
    assert _ids(wh.for_viewer(Viewer("ghost", "customer_manager", "M9")), "clients") == []


def test_crafted_manager_id_is_not_sql(wh):
    viewer = Viewer("evil", "customer_manager", manager_id="M1' OR '1'='1")
    scoped = wh.for_viewer(viewer)
    assert _ids(scoped, "clients") == []
    assert _ids(scoped, "orders") == []


def test_table_without_policy_is_refused_even_for_admin(wh):
    scoped = wh.for_viewer(ADMIN)
    for name in ("no_such_table", "information_schema.tables", "duckdb_settings"):
        with pytest.raises(AccessDenied):
            scoped.table(name)


def test_every_schema_table_has_a_policy():
    from data import schema
    assert set(schema.TABLES) <= set(TABLE_POLICY)


def test_users_readable_only_by_admin(wh):
    assert _ids(wh.for_viewer(ADMIN), "users", "username") == ["root", "zhang"]
    for viewer in (MARKETING, BRAND, CM1):
        with pytest.raises(AccessDenied):
            wh.for_viewer(viewer).table("users")


@pytest.mark.parametrize("table", ["import_log", "allocation_runs", "truth_facts"])
def test_privileged_tables(wh, table):
    assert wh.for_viewer(ADMIN).can_read(table)
    assert wh.for_viewer(MARKETING).can_read(table)
    assert not wh.for_viewer(BRAND).can_read(table)
    assert not wh.for_viewer(CM1).can_read(table)


# --- cache keys ------------------------------------------------------------------------------

def test_scope_keys():
    assert CM1.scope_key != CM2.scope_key
    assert Viewer("a", "marketing").scope_key == Viewer("b", "marketing").scope_key
    assert Viewer("a", "customer_manager", "M1").scope_key == CM1.scope_key
    assert CM1.scope_key != MARKETING.scope_key
    assert MARKETING.scope_key != ADMIN.scope_key  # admin may read more tables (users)
    assert ADMIN.sees_everything and BRAND.sees_everything and not CM1.sees_everything


def test_scoped_warehouse_carries_scope_and_version(wh):
    scoped = wh.for_viewer(CM1)
    assert scoped.scope_key == CM1.scope_key
    assert scoped.version == wh.version == 1


def test_scoped_warehouses_use_their_own_cursors(wh):
    a, b = wh.for_viewer(CM1), wh.for_viewer(CM2)
    assert a._backend.con is not b._backend.con


# --- the Warehouse object --------------------------------------------------------------------

def test_warehouse_meta_and_tables(wh):
    meta = wh.meta()
    assert meta["version"] == "1"
    assert meta["last_action"] == "test"
    assert {"clients", "orders", "agg_client_product_month"} <= set(wh.table_names())
    assert wh.has_table("users") and not wh.has_table("nope")


def test_new_import_is_visible_to_a_reopened_warehouse(tmp_path):
    path = tmp_path / "v.duckdb"
    with store.writing(path, action="test", fresh=True) as con:
        _fill(con)
    old = Warehouse.open(path)
    with store.writing(path, action="new client") as con:
        con.execute("INSERT INTO clients (client_id, city, district, market_dept, territory) "
                    "VALUES ('C8', 'X', 'D1', 'MD1', 'T1')")
        con.execute("INSERT INTO orders VALUES (?, 'C8', 'P1', 1, NULL, 1, 100.0)",
                    [dt.date(2024, 1, 9)])
    assert not old.is_current()
    assert _ids(old.for_viewer(CM1), "clients") == M1_CLIENTS
    new = Warehouse.open(path)
    assert new.version == 2
    assert _ids(new.for_viewer(CM1), "clients") == ["C1", "C2", "C6", "C8"]
    assert _ids(new.for_viewer(CM1), "agg_client_product_week") == ["C1", "C2", "C6", "C8"]
    assert _ids(new.for_viewer(CM2), "clients") == M2_CLIENTS
    old.close()
    new.close()


def test_unassigned_clients_of_a_same_named_territory_elsewhere_stay_hidden(tmp_path):
    """Territory names repeat across market departments (一片区 in M1 and in M2): a manager of
    M1/一片区 sees M1's unassigned 一片区 clients, never M2's."""
    path = tmp_path / "twins.duckdb"
    with store.writing(path, action="test", fresh=True) as con:
        con.execute("INSERT INTO managers VALUES ('m1', '甲', '一片区', 'M1'), ('m2', '乙', '一片区', 'M2')")
        con.execute("""INSERT INTO clients (client_id, city, district, market_dept, territory, manager_id) VALUES
            ('a', 'X', 'D1', 'M1', '一片区', 'm1'),
            ('b', 'X', 'D1', 'M1', '一片区', NULL),
            ('c', 'X', 'D2', 'M2', '一片区', NULL),
            ('d', 'X', 'D2', 'M2', '一片区', 'm2')""")
    wh = Warehouse.open(path)
    try:
        seen = lambda m: sorted(wh.for_viewer(Viewer(m, "customer_manager", manager_id=m))
                                .table("clients").to_pandas()["client_id"])
        assert seen("m1") == ["a", "b"]
        assert seen("m2") == ["c", "d"]
    finally:
        wh.close()
