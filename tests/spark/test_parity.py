"""Engine parity: the aggregates, KPIs, prices and stock warnings computed on Spark (local[2])
from the Parquet warehouse equal those DuckDB computes from the warehouse file it was exported
from: counts, volumes and dates exactly, rates and money within 1e-9 (relative).

The Spark side reads the aggregates the Spark refresh built itself, so each figure checks the
whole path a cluster runs: export, refresh on Spark, analytics on Spark.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from analytics.kpis import kpi_table
from analytics.prices import price_outliers, price_table
from analytics.scope import Scope, Window
from analytics.stock import stock_warnings
from data import layout, schema, store
from data.aggregates import AGGREGATES, GROUP_AGGREGATES
from data.export import load_aggregates
from data.spark import refresh_aggregates
from data.warehouse import AccessDenied, SparkWarehouse, Viewer, Warehouse
from tests.spark.conftest import assert_same_frame

pytestmark = pytest.mark.spark

DERIVED = layout.DERIVED
KEYS = {AGGREGATES["week"]: ["period_start", "client_id", "product_id"],
        AGGREGATES["month"]: ["period_start", "client_id", "product_id"],
        GROUP_AGGREGATES["month"]: ["period_start", "client_id", "level", "level_key"]}
MONEY = ("amount", "price_sum")  # sums of doubles: equal up to the order of addition


@pytest.fixture(scope="module")
def built(spark, spark_export, tmp_path_factory) -> Path:
    """A copy of the export whose aggregates the Spark refresh rebuilt."""
    target = tmp_path_factory.mktemp("spark_built") / "warehouse"
    shutil.copytree(spark_export, target)
    refresh_aggregates(target, spark=spark)
    return target


@pytest.fixture(scope="module")
def spark_wh(spark, built):
    wh = SparkWarehouse.open(built, spark=spark)
    yield wh
    wh.close()


@pytest.fixture(scope="module")
def engines(spark_wh, spark_city):
    """(DuckDB backend, Spark backend) over the same city."""
    duck = Warehouse.open(spark_city)
    yield duck.backend(), spark_wh.backend()
    duck.close()


def _parquet(folder: Path) -> str:
    return str(folder / "**" / "*.parquet")


@pytest.mark.parametrize("name", DERIVED)
def test_spark_refresh_builds_the_duckdb_aggregates(built, spark_city, name):
    table = schema.declared(name)
    con, _ = store.open_reader(spark_city)
    try:
        # the Spark files, read back with DuckDB, as the declared table
        con.execute("CREATE TEMP TABLE got AS SELECT * FROM read_parquet(?, hive_partitioning = true)",
                    [_parquet(built / name)])
        got = {r[0]: r[1] for r in con.execute("DESCRIBE got").fetchall()}
        assert got == {**{c.name: c.sql_type for c in table.columns}, "month": "VARCHAR"}
        exact = ", ".join(c for c in table.column_names if c not in MONEY)
        for a, b in (("got", name), (name, "got")):
            extra = con.execute(f"SELECT count(*) FROM (SELECT {exact} FROM {a} EXCEPT ALL "
                                f"SELECT {exact} FROM {b})").fetchall()[0][0]
            assert extra == 0, f"{extra} rows of {a} not in {b}"
        rows = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        assert rows == con.execute("SELECT count(*) FROM got").fetchall()[0][0] > 1000
        money = [c for c in MONEY if c in table.column_names]
        worst = con.execute(
            f"SELECT {', '.join(f'max(abs(g.{m} - w.{m}) / greatest(abs(w.{m}), 1e-300))' for m in money)} "
            f"FROM got g JOIN {name} w USING ({', '.join(KEYS[name])})").fetchall()[0]
        assert all(x < 1e-9 for x in worst), worst
        # partitioned by the month of period_start
        wrong = con.execute("SELECT count(*) FROM got WHERE strftime(period_start, '%Y-%m') <> month").fetchall()
        assert wrong[0][0] == 0
    finally:
        con.close()
    manifest = layout.read_manifest(built)
    assert manifest["tables"][name]["rows"] == rows


def test_refresh_records_what_it_was_built_from(built, spark_city):
    manifest = layout.read_manifest(built)
    con, _ = store.open_reader(spark_city)
    try:
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in layout.FACTS}
    finally:
        con.close()
    assert manifest["aggregates_from"] == counts
    assert not [p.name for p in built.iterdir() if p.name.startswith(".")]  # no staging left


def test_the_dashboard_warehouse_takes_the_spark_aggregates(built, spark_city, tmp_path):
    db = tmp_path / "city.duckdb"
    shutil.copyfile(spark_city, db)
    before = store.read_version(duckdb.connect(str(spark_city), read_only=True))
    loaded = load_aggregates(db, built, who="tests")
    assert set(loaded) == set(DERIVED)
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute("ATTACH ? AS original (READ_ONLY)", [str(spark_city)])
        assert store.read_version(con) == before + 1
        for name in DERIVED:
            exact = ", ".join(c for c in schema.declared(name).column_names if c not in MONEY)
            for a, b in ((name, f"original.{name}"), (f"original.{name}", name)):
                assert con.execute(f"SELECT count(*) FROM (SELECT {exact} FROM {a} EXCEPT ALL "
                                   f"SELECT {exact} FROM {b})").fetchall()[0][0] == 0, (a, b)
            assert loaded[name] == con.execute(f"SELECT count(*) FROM original.{name}").fetchall()[0][0]
    finally:
        con.close()


def test_aggregates_of_other_facts_are_refused(built, spark_city, tmp_path):
    db = tmp_path / "city.duckdb"
    shutil.copyfile(spark_city, db)
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM orders WHERE order_date = (SELECT max(order_date) FROM orders)")
    con.close()
    before = db.read_bytes()
    with pytest.raises(ValueError, match="were built from .* rows of orders"):
        load_aggregates(db, built)
    assert db.read_bytes() == before


def test_every_exported_table_reads_with_its_rows(engines, spark_city):
    duck, spark = engines
    con, _ = store.open_reader(spark_city)
    try:
        for name in layout.TABLES:
            want = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
            assert int(spark.table(name).count().to_pandas()) == want, name
    finally:
        con.close()


def _kpis(backend, window, by, level, growth, grain_table, groups):
    return kpi_table(backend.table(grain_table), backend.table("clients"), backend.table("products"),
                     window, by, level, growth=growth,
                     groups=backend.table(GROUP_AGGREGATES["month"]) if groups else None)


@pytest.mark.parametrize("period,start,end,by,level,growth", [
    ("month", "2025-01-01", "2025-12-31", ["district", "business_format"], "product", "yoy"),
    ("month", "2025-01-01", "2025-06-30", ["market_type"], "brand", "mom"),
    ("month", "2024-07-01", "2025-12-31", ["grade_band"], "price_class", "yoy"),
    ("quarter", "2025-01-01", "2025-12-31", [], "all", "yoy"),
    ("week", "2025-01-06", "2025-03-30", ["district"], "all", "yoy"),
])
def test_kpis_agree(engines, period, start, end, by, level, growth):
    duck, spark = engines
    window = Window.snapped(dt.date.fromisoformat(start), dt.date.fromisoformat(end), period)
    table = AGGREGATES["week" if period == "week" else "month"]
    want = _kpis(duck, window, by, level, growth, table, groups=period == "month")
    got = _kpis(spark, window, by, level, growth, table, groups=period == "month")
    assert len(want) >= 4 and want["buying_clients"].sum() > 0 and want["growth_rate"].notna().any()
    assert_same_frame(want, got)


@pytest.mark.parametrize("by,level", [(["district"], "brand"), ([], "product")])
def test_prices_agree(engines, by, level):
    duck, spark = engines
    window = Window.snapped(dt.date(2025, 1, 1), dt.date(2025, 12, 31), "month")

    def prices(b):
        return price_table(b.table("price_snapshots"), b.table("clients"), b.table("products"),
                           b.table(AGGREGATES["month"]), window, by, level)

    want = prices(duck)
    assert len(want) > 20 and want["price_index"].notna().any()
    assert_same_frame(want, prices(spark))


def test_price_outliers_agree(engines):
    duck, spark = engines
    window = Window.snapped(dt.date(2024, 1, 1), dt.date(2025, 12, 31), "quarter")

    def outliers(b):
        return price_outliers(b.table("price_snapshots"), b.table("clients"), b.table("products"),
                              window, z=2.0, limit=None)

    # Ordered by |robust_z|, whose last bits differ between the engines' logarithms, so rows
    # tied in |robust_z| may come in either order: compare them in a fixed order.
    keys = ["period_start", "product_id", "client_id", "snapshot_date"]
    want = outliers(duck).sort_values(keys, ignore_index=True)
    assert len(want) > 10
    assert_same_frame(want, outliers(spark).sort_values(keys, ignore_index=True))


def test_stock_warnings_agree(engines, spark_city):
    duck, spark = engines
    con, _ = store.open_reader(spark_city)
    try:
        territory = con.execute("SELECT min(territory) FROM clients").fetchall()[0][0]
    finally:
        con.close()
    for as_of, scope in ((None, Scope()), (dt.date(2025, 6, 18), Scope(territories=(territory,)))):
        def warnings(b):
            return stock_warnings(b.table("orders"), b.table("inventory_snapshots"), b.table("clients"),
                                  b.table("products"), as_of, scope=scope)

        want = warnings(duck)
        assert len(want) > 20 and (want["status"] != "ok").any()
        assert_same_frame(want, warnings(spark))


def test_the_spark_warehouse_has_no_per_viewer_view(spark_wh):
    for viewer in (Viewer("root", "admin"), Viewer("zhang", "customer_manager", manager_id="M1")):
        with pytest.raises(AccessDenied):
            spark_wh.for_viewer(viewer)
