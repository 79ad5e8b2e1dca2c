"""Derived aggregate tables, rebuilt after every import so pages never scan raw order lines.

Written as Ibis expressions so the same definitions run on DuckDB and, later, Spark.

Tables (grain in the name; one row per period x client x product with any order, stock count or
price observation in the period):

``agg_client_product_week`` / ``agg_client_product_month``:
    period_start (Monday / first of month), client_id, product_id,
    qty_demand, qty_ordered, amount, order_lines            -- from orders (0 when none)
    snapshots                                               -- stock counts in the period (0 when none)
    first_snapshot_date, first_qty_on_hand,
    last_snapshot_date, last_qty_on_hand                    -- from inventory_snapshots (NULL when none)
    price_observations, price_sum                           -- from price_snapshots (0 when none)
"""

from __future__ import annotations

import time

import duckdb
import ibis
import ibis.expr.types as ir

from data import schema

AGGREGATES = {"week": schema.AGG_WEEK.name, "month": schema.AGG_MONTH.name}
_KEYS = ["period_start", "client_id", "product_id"]
_UNIT = {"week": "W", "month": "M"}


def _period(column: ir.DateValue, period: str) -> ir.DateValue:
    # Via timestamp and .date(): a cast of a truncated date to date is dropped by Ibis, and
    # DuckDB's date_trunc returns a TIMESTAMP.
    return column.cast("timestamp").truncate(_UNIT[period]).date()


def client_product_facts(orders: ir.Table, snapshots: ir.Table, prices: ir.Table,
                         period: str) -> ir.Table:
    """Client x product x period facts from the three fact tables.

    Args:
        orders, snapshots, prices: the ``orders``, ``inventory_snapshots`` and ``price_snapshots``
            tables (or any filtered view of them).
        period: 'week' or 'month'.

    Returns:
        An Ibis expression with the columns listed in the module docstring.
    """
    null_int = ibis.null().cast("int64")
    null_date = ibis.null().cast("date")
    o = orders.group_by(period_start=_period(orders.order_date, period),
                        client_id=orders.client_id, product_id=orders.product_id).aggregate(
        qty_demand=orders.qty_demand.sum(), qty_ordered=orders.qty_ordered.sum(),
        amount=orders.amount.sum().coalesce(0.0), order_lines=orders.count())
    s = snapshots.group_by(period_start=_period(snapshots.snapshot_date, period),
                           client_id=snapshots.client_id, product_id=snapshots.product_id).aggregate(
        snapshots=snapshots.count(),
        first_snapshot_date=snapshots.snapshot_date.min(),
        first_qty_on_hand=snapshots.qty_on_hand.argmin(snapshots.snapshot_date),
        last_snapshot_date=snapshots.snapshot_date.max(),
        last_qty_on_hand=snapshots.qty_on_hand.argmax(snapshots.snapshot_date))
    p = prices.group_by(period_start=_period(prices.snapshot_date, period),
                        client_id=prices.client_id, product_id=prices.product_id).aggregate(
        price_observations=prices.count(), price_sum=prices.retail_price.sum())

    blank = dict(qty_demand=null_int, qty_ordered=null_int, amount=ibis.null().cast("float64"),
                 order_lines=null_int, snapshots=null_int, first_snapshot_date=null_date,
                 first_qty_on_hand=null_int, last_snapshot_date=null_date,
                 last_qty_on_hand=null_int, price_observations=null_int,
                 price_sum=ibis.null().cast("float64"))

    def widen(t: ir.Table) -> ir.Table:
        fill = {k: v for k, v in blank.items() if k not in t.columns}
        t = t.mutate(**fill)
        return t.select(*_KEYS, *blank.keys()).cast({k: v.type() for k, v in blank.items()})

    u = ibis.union(widen(o), widen(s), widen(p))
    return u.group_by(_KEYS).aggregate(
        qty_demand=u.qty_demand.sum().coalesce(0).cast("int64"),
        qty_ordered=u.qty_ordered.sum().coalesce(0).cast("int64"),
        amount=u.amount.sum().coalesce(0.0),
        order_lines=u.order_lines.sum().coalesce(0).cast("int64"),
        snapshots=u.snapshots.sum().coalesce(0).cast("int64"),
        first_snapshot_date=u.first_snapshot_date.max(),
        first_qty_on_hand=u.first_qty_on_hand.max(),
        last_snapshot_date=u.last_snapshot_date.max(),
        last_qty_on_hand=u.last_qty_on_hand.max(),
        price_observations=u.price_observations.sum().coalesce(0).cast("int64"),
        price_sum=u.price_sum.sum().coalesce(0.0),
    )


def refresh_aggregates(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Rebuild every aggregate table inside the caller's transaction.

    Args:
        con: a read-write DuckDB connection (the working copy of ``store.writing``).

    Returns:
        Seconds taken per table.
    """
    backend = ibis.duckdb.from_connection(con)
    timings: dict[str, float] = {}
    for period, name in AGGREGATES.items():
        started = time.perf_counter()
        expr = client_product_facts(backend.table("orders"), backend.table("inventory_snapshots"),
                                    backend.table("price_snapshots"), period)
        sql = ibis.to_sql(expr, dialect="duckdb")
        # Into the table declared in data.schema, so the stored types are DATE and BIGINT
        # whatever the engine's SUM returns (DuckDB: HUGEINT).
        con.execute(schema.TABLES[name].ddl())
        con.execute(f"DELETE FROM {name}")
        con.execute(f"INSERT INTO {name} BY NAME ({sql} ORDER BY period_start, client_id)")
        timings[name] = time.perf_counter() - started
    return timings
