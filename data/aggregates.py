"""Derived aggregate tables, refreshed after every import so pages never scan raw order lines.

Written as Ibis expressions so the same definitions run on DuckDB and, later, Spark.

Tables (declared in ``data.schema``; one row per period x client x product with any order, stock
count or price observation in the period):

``agg_client_product_week`` / ``agg_client_product_month``:
    period_start (Monday / first of month), client_id, product_id,
    qty_demand, qty_ordered, amount, order_lines            -- from orders (0 when none)
    snapshots                                               -- stock counts in the period (0 when none)
    first_snapshot_date, first_qty_on_hand,
    last_snapshot_date, last_qty_on_hand                    -- from inventory_snapshots (NULL when none)
    price_observations, price_sum                           -- from price_snapshots (0 when none)

A refresh can be limited to the periods from a date on (``since``): an import of last week's
orders then rebuilds last week and month, not three years.
"""

from __future__ import annotations

import datetime as dt
import time

import duckdb
import ibis
import ibis.expr.types as ir

from data import schema
from data.calendar_cn import add_months
from data.calendar_cn import period_start as _period_start_of

AGGREGATES = {"week": schema.AGG_WEEK.name, "month": schema.AGG_MONTH.name}
_KEYS = ["period_start", "client_id", "product_id"]
_UNIT = {"week": "W", "month": "M", "quarter": "Q", "year": "Y"}
# Fact tables the aggregates read, with their date column.
SOURCES = {"orders": "order_date", "inventory_snapshots": "snapshot_date",
           "price_snapshots": "snapshot_date"}


def period_of(column: ir.DateValue, period: str) -> ir.DateValue:
    """The start of the week (Monday), month, quarter or year holding each date."""
    # Via timestamp and .date(): a cast of a truncated date to date is dropped by Ibis, and
    # DuckDB's date_trunc returns a TIMESTAMP.
    return column.cast("timestamp").truncate(_UNIT[period]).date()


def _outer(left: ir.Table, right: ir.Table) -> ir.Table:
    """Full outer join on the keys, keeping one copy of each key column."""
    left = left.view()  # Ibis refuses to join onto a projection of a join without a fresh alias
    j = left.outer_join(right, [left[k] == right[k] for k in _KEYS])
    keys = {k: ibis.coalesce(j[k], j[f"{k}_right"]) for k in _KEYS}
    rest = [c for c in j.columns if c not in _KEYS and not c.endswith("_right")]
    return j.select(**keys, **{c: j[c] for c in rest})


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
    o = orders.group_by(period_start=period_of(orders.order_date, period),
                        client_id=orders.client_id, product_id=orders.product_id).aggregate(
        qty_demand=orders.qty_demand.sum(), qty_ordered=orders.qty_ordered.sum(),
        amount=orders.amount.sum().coalesce(0.0), order_lines=orders.count())
    s = snapshots.group_by(period_start=period_of(snapshots.snapshot_date, period),
                           client_id=snapshots.client_id, product_id=snapshots.product_id).aggregate(
        snapshots=snapshots.count(),
        first_snapshot_date=snapshots.snapshot_date.min(),
        first_qty_on_hand=snapshots.qty_on_hand.argmin(snapshots.snapshot_date),
        last_snapshot_date=snapshots.snapshot_date.max(),
        last_qty_on_hand=snapshots.qty_on_hand.argmax(snapshots.snapshot_date))
    p = prices.group_by(period_start=period_of(prices.snapshot_date, period),
                        client_id=prices.client_id, product_id=prices.product_id).aggregate(
        price_observations=prices.count(), price_sum=prices.retail_price.sum())
    j = _outer(_outer(o, s), p)
    return j.select(
        *_KEYS,
        qty_demand=j.qty_demand.coalesce(0), qty_ordered=j.qty_ordered.coalesce(0),
        amount=j.amount.coalesce(0.0), order_lines=j.order_lines.coalesce(0),
        snapshots=j.snapshots.coalesce(0),
        first_snapshot_date=j.first_snapshot_date, first_qty_on_hand=j.first_qty_on_hand,
        last_snapshot_date=j.last_snapshot_date, last_qty_on_hand=j.last_qty_on_hand,
        price_observations=j.price_observations.coalesce(0), price_sum=j.price_sum.coalesce(0.0),
    )


def refresh_aggregates(con: duckdb.DuckDBPyConnection, since: dt.date | None = None,
                       chunk_months: int = 3) -> dict[str, float]:
    """Rebuild the aggregate tables inside the caller's transaction.

    The work runs in chunks of whole periods (about ``chunk_months`` at a time), so memory stays
    bounded however long the history is: each period falls in exactly one chunk.

    Args:
        con: a read-write DuckDB connection (the working copy of ``store.writing``).
        since: rebuild only the periods holding ``since`` and later (None: everything).
        chunk_months: months of facts per chunk.

    Returns:
        Seconds taken per table.
    """
    backend = ibis.duckdb.from_connection(con)
    span = _fact_span(con)
    timings: dict[str, float] = {}
    for period, name in AGGREGATES.items():
        started = time.perf_counter()
        con.execute(schema.TABLES[name].ddl())
        first = _period_start_of(since, period) if since else None
        if first is None:
            con.execute(f"DELETE FROM {name}")
        else:
            con.execute(f"DELETE FROM {name} WHERE period_start >= ?", [first])
        if span is not None:
            lo = max(first, span[0]) if first else span[0]
            for chunk_start, chunk_end in _chunks(_period_start_of(lo, period), span[1], period, chunk_months):
                _insert_chunk(con, backend, name, period, chunk_start, chunk_end)
        timings[name] = time.perf_counter() - started
    return timings


def _fact_span(con: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date] | None:
    """The first and last fact date across the source tables, or None when all are empty."""
    parts = " UNION ALL ".join(f"SELECT min({c}) AS lo, max({c}) AS hi FROM {t}" for t, c in SOURCES.items())
    lo, hi = con.execute(f"SELECT min(lo), max(hi) FROM ({parts})").fetchone()
    return None if lo is None else (lo, hi)


def _chunks(first: dt.date, last: dt.date, period: str, months: int):
    """Half-open [start, end) ranges of whole periods from ``first`` past ``last``."""
    start = first
    while start <= last:
        end = _period_start_of(add_months(start, months), period)
        if end <= start:  # a week period starting late in a month: step at least one week
            end = start + dt.timedelta(weeks=1)
        yield start, end
        start = end


def _insert_chunk(con, backend, name: str, period: str, start: dt.date, end: dt.date) -> None:
    lo, hi = ibis.literal(start, type="date"), ibis.literal(end, type="date")
    tables = {}
    for table, column in SOURCES.items():
        t = backend.table(table)
        tables[table] = t.filter((t[column] >= lo) & (t[column] < hi))
    expr = client_product_facts(tables["orders"], tables["inventory_snapshots"],
                                tables["price_snapshots"], period)
    # Into the table declared in data.schema, so the stored types are DATE and BIGINT
    # whatever the engine's SUM returns (DuckDB: HUGEINT).
    con.execute(f"INSERT INTO {name} BY NAME ({ibis.to_sql(expr, dialect='duckdb')})")


def rebuild(path, who: str = "cli") -> dict[str, float]:
    """Rebuild every aggregate of the warehouse at ``path`` as one safe write.

    Returns:
        Seconds taken per table.
    """
    from data import store  # late: store imports this module

    with store.writing(path, action="refresh", who=who, refresh=False) as con:
        return refresh_aggregates(con)
