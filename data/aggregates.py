"""Derived aggregate tables, refreshed after every import so pages never scan raw order lines.

Written as Ibis expressions so the same definitions run on DuckDB and on Spark (``data.spark``
builds these tables from a Parquet warehouse).

Tables (declared in ``data.schema``; one row per period x client x product with any order, stock
count or price observation in the period):

``agg_client_product_week`` / ``agg_client_product_month``:
    period_start (Monday / first of month), client_id, product_id,
    qty_demand, qty_ordered, amount, order_lines            -- from orders (0 when none)
    snapshots                                               -- stock counts in the period (0 when none)
    first_snapshot_date, first_qty_on_hand,
    last_snapshot_date, last_qty_on_hand                    -- from inventory_snapshots (NULL when none)
    price_observations, price_sum                           -- from price_snapshots (0 when none)
    last_order_date                                         -- latest order with qty_ordered > 0
    max_qty_on_hand                                         -- largest stock count (NULL when none)
    inferred_sales, sale_intervals, ordered_56d             -- sell-through inputs, see below

Inferred sales (04-kpis.md, the 动销台账 method): for each stock count, the sales since the client's
previous count of the same product are ``previous qty + Σ qty_ordered dated after the previous
count up to and including this count's date − qty``. Summed over the counts dated in a period they
telescope to the definition's ``opening + deliveries − closing``, with the opening being the
latest count before the period (or, when there is none, the first count in it, which then adds
nothing). So the period sums add up across weeks, months and years, and product groups sum too.
``ordered_56d`` marks rows with a stock count whose client ordered the product in the 56 days up to
the period's last day (the "Carrying" test).

``agg_client_group_month``:
    the same facts summed per client to each product group the KPIs count clients on (brand,
    price class, all): a client carries, sells or is out of a brand as a whole, so the group
    rates need this roll-up, and doing it per query meant grouping tens of millions of rows.
    Built from the product rows and ``products``; rebuilt whole when products are imported.

A refresh can be limited to the periods from a date on (``since``): an import of last week's
orders then rebuilds last week and month, not three years.
"""

from __future__ import annotations

import datetime as dt
import time

import duckdb
import ibis
import ibis.expr.types as ir

from data import schema, store
from data.calendar_cn import add_months
from data.calendar_cn import period_start as _period_start_of

AGGREGATES = {"week": schema.AGG_WEEK.name, "month": schema.AGG_MONTH.name}
# Months only: weekly pages ask for a few weeks at a time, and a weekly table would cost the
# refresh about four times the monthly one (78 M rows at 20,000 clients against 20 M).
GROUP_AGGREGATES = {"month": schema.AGG_GROUP_MONTH.name}
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
        amount=orders.amount.sum().coalesce(0.0), order_lines=orders.count(),
        last_order_date=orders.order_date.max(where=orders.qty_ordered > 0))
    s = snapshots.group_by(period_start=period_of(snapshots.snapshot_date, period),
                           client_id=snapshots.client_id, product_id=snapshots.product_id).aggregate(
        snapshots=snapshots.count(),
        first_snapshot_date=snapshots.snapshot_date.min(),
        first_qty_on_hand=snapshots.qty_on_hand.argmin(snapshots.snapshot_date),
        last_snapshot_date=snapshots.snapshot_date.max(),
        last_qty_on_hand=snapshots.qty_on_hand.argmax(snapshots.snapshot_date),
        max_qty_on_hand=snapshots.qty_on_hand.max())
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
        last_order_date=j.last_order_date, max_qty_on_hand=j.max_qty_on_hand,
    )


def group_key(products: ir.Table, level: str) -> ir.StringValue:
    """The key of each product's group at ``level`` (brand, price_class or all), as text;
    'unknown' for a missing brand or class."""
    if level == "brand":
        return products.brand.fill_null(schema.UNKNOWN)
    if level == "price_class":
        return products.price_class.cast("string").fill_null(schema.UNKNOWN)
    if level == "all":
        return ibis.literal("all")
    raise ValueError(f"unknown product group {level!r}: use {', '.join(schema.PRODUCT_GROUPS)}")


def client_group_facts(facts: ir.Table, products: ir.Table) -> ir.Table:
    """Client x product group x period rows from the client x product facts: sums, except the
    largest count (max) and whether any product was ordered lately (any); a group's stock is the
    sum of each product's last count."""
    parts = []
    for level in schema.PRODUCT_GROUPS:
        keyed = products.select("product_id", level_key=group_key(products, level))
        j = facts.inner_join(keyed, "product_id")
        parts.append(j.group_by(["period_start", "client_id", "level_key"]).aggregate(
            qty_demand=j.qty_demand.sum(), qty_ordered=j.qty_ordered.sum(), amount=j.amount.sum(),
            snapshots=j.snapshots.sum(), last_qty_on_hand=j.last_qty_on_hand.sum(),
            max_qty_on_hand=j.max_qty_on_hand.max(), inferred_sales=j.inferred_sales.sum(),
            ordered_56d=j.ordered_56d.any()).mutate(level=ibis.literal(level)))
    return ibis.union(*parts)


def count_sales(orders: ir.Table, snapshots: ir.Table, start: dt.date, end: dt.date) -> ir.Table:
    """Inferred sales since the previous stock count, for each stock count dated in [start, end).

    Args:
        orders, snapshots: the whole ``orders`` and ``inventory_snapshots`` tables (history
            before ``start`` supplies each first count's predecessor and the deliveries since).
        start, end: the half-open date range of the counts to compute.

    Returns:
        One row per stock count in the range: client_id, product_id, snapshot_date, qty_on_hand,
        prev_date, sales (NULL for a client x product's first count ever).
    """
    lo, hi = ibis.literal(start, type="date"), ibis.literal(end, type="date")
    keys = ["client_id", "product_id"]
    new = snapshots.filter((snapshots.snapshot_date >= lo) & (snapshots.snapshot_date < hi))
    new = new.select(*keys, day=new.snapshot_date, qty=new.qty_on_hand, is_new=ibis.literal(True))
    earlier = snapshots.filter(snapshots.snapshot_date < lo)
    prior = earlier.group_by(keys).aggregate(
        day=earlier.snapshot_date.max(), qty=earlier.qty_on_hand.argmax(earlier.snapshot_date))
    prior = prior.semi_join(new, keys).mutate(is_new=ibis.literal(False))
    counts = new.union(prior)
    since = counts.group_by(keys).aggregate(since=counts.day.min())
    o = orders.filter((orders.order_date < hi) & (orders.qty_ordered > 0))
    o = o.inner_join(since, keys)
    o = o.filter(o.order_date > o.since)  # deliveries after the first count we look at
    # One event stream per client x product: deliveries sort before a count of the same day,
    # because a count records the stock at the end of its day.
    events = counts.select(*keys, day="day", kind=ibis.literal(1), qty="qty", is_new="is_new",
                           delivered=ibis.literal(0, type="int64")).union(
        o.select(*keys, day=o.order_date, kind=ibis.literal(0), qty=ibis.null("int64"),
                 is_new=ibis.literal(False), delivered=o.qty_ordered.cast("int64")))
    running = ibis.window(group_by=keys, order_by=["day", "kind"], rows=(None, 0))
    events = events.mutate(cum=events.delivered.sum().over(running))
    c = events.filter(events.kind == 1)
    step = ibis.window(group_by=keys, order_by="day")
    c = c.mutate(prev_date=c.day.lag().over(step), prev_qty=c.qty.lag().over(step),
                 prev_cum=c.cum.lag().over(step))
    c = c.filter(c.is_new)
    return c.select(*keys, snapshot_date=c.day, qty_on_hand=c.qty, prev_date=c.prev_date,
                    sales=(c.prev_qty + c.cum - c.prev_cum - c.qty).cast("int64"))


def sell_through_facts(counts: ir.Table, orders: ir.Table, period: str, start: dt.date,
                       end: dt.date) -> ir.Table:
    """Sell-through inputs per period x client x product with a stock count in [start, end).

    Args:
        counts: ``count_sales`` rows covering at least [start, end).
        orders: the ``orders`` table (the 55 days before ``start`` are read too).
        period: 'week' or 'month'; ``start`` and ``end`` must be period starts.

    Returns:
        period_start, client_id, product_id, inferred_sales, sale_intervals and ordered_56d (see
        the module docstring).
    """
    keys = ["client_id", "product_id"]
    lo, hi = ibis.literal(start, type="date"), ibis.literal(end, type="date")
    counts = counts.filter((counts.snapshot_date >= lo) & (counts.snapshot_date < hi))
    per = counts.group_by(period_start=period_of(counts.snapshot_date, period),
                          client_id=counts.client_id, product_id=counts.product_id).aggregate(
        inferred_sales=counts.sales.sum().coalesce(0), sale_intervals=counts.sales.count())
    step = ibis.interval(weeks=1) if period == "week" else ibis.interval(months=1)
    per = per.mutate(period_end=(per.period_start + step).cast("date") - ibis.interval(days=1))
    per = per.mutate(recent_from=per.period_end - ibis.interval(days=55))
    o = orders.filter((orders.qty_ordered > 0)
                      & (orders.order_date >= ibis.literal(start - dt.timedelta(days=55), type="date"))
                      & (orders.order_date < hi))
    o = o.semi_join(per, keys)
    # The latest order on or before each period's last day: a running max over one stream of
    # orders and period ends per client x product (orders sort before a period end of the same day).
    events = per.select(*keys, "period_start", day=per.period_end, kind=ibis.literal(1),
                        ordered_on=ibis.null("date")).union(
        o.select(*keys, period_start=ibis.null("date"), day=o.order_date, kind=ibis.literal(0),
                 ordered_on=o.order_date))
    running = ibis.window(group_by=keys, order_by=["day", "kind"], rows=(None, 0))
    events = events.mutate(latest=events.ordered_on.max().over(running))
    ends = events.filter(events.kind == 1)
    ends = ends.select(*keys, "period_start", recent=ends.latest >= ends.day - ibis.interval(days=55))
    out = per.inner_join(ends, ["period_start", *keys])
    return out.select("period_start", *keys, inferred_sales=out.inferred_sales.cast("int64"),
                      sale_intervals=out.sale_intervals.cast("int64"),
                      ordered_56d=out.recent.coalesce(False))


def refresh_aggregates(con: duckdb.DuckDBPyConnection, since: dt.date | None = None,
                       chunk_months: int | None = None) -> dict[str, float]:
    """Rebuild the aggregate tables inside the caller's transaction.

    The work runs in chunks of whole periods (about ``chunk_months`` at a time), so memory stays
    bounded however long the history is: each period falls in exactly one chunk.

    Args:
        con: a read-write DuckDB connection (the working copy of ``store.writing``).
        since: rebuild only the periods holding ``since`` and later (None: everything).
        chunk_months: months of facts per chunk; None sizes chunks to about
            ``CHUNK_ROWS`` fact rows (at least 3 months), so a small warehouse runs in one chunk
            (each chunk costs a fixed compile and scan overhead) and a city in bounded memory.

    Returns:
        Seconds taken per table, and by 'count_sales' (the per-count inferred sales both use).
    """
    backend = ibis.duckdb.from_connection(con)
    span = _fact_span(con)
    stale = set(outdated(con))
    timings: dict[str, float] = {}
    if span is not None and chunk_months is None:
        chunk_months = _chunk_months(con, span)
    if span is not None:
        started = time.perf_counter()
        full = since is None or stale
        _store_count_sales(con, backend, span[0] if full else
                           min(_period_start_of(since, p) for p in AGGREGATES), span[1],
                           chunk_months)
        timings["count_sales"] = time.perf_counter() - started
    for period, name in AGGREGATES.items():
        started = time.perf_counter()
        if name in stale:  # written by an older version: rebuild it whole in today's shape
            con.execute(f"DROP TABLE IF EXISTS {name}")
        con.execute(schema.TABLES[name].ddl())
        first = _period_start_of(since, period) if since and name not in stale else None
        if first is None:
            con.execute(f"DELETE FROM {name}")
        else:
            con.execute(f"DELETE FROM {name} WHERE period_start >= ?", [first])
        if span is not None:
            lo = max(first, span[0]) if first else span[0]
            for chunk_start, chunk_end in _chunks(_period_start_of(lo, period), span[1], period, chunk_months):
                _insert_chunk(con, backend, name, period, chunk_start, chunk_end)
        timings[name] = time.perf_counter() - started
        if period in GROUP_AGGREGATES:
            started = time.perf_counter()
            _refresh_groups(con, backend, period, first, span, chunk_months, stale)
            timings[GROUP_AGGREGATES[period]] = time.perf_counter() - started
    con.execute(f"DROP TABLE IF EXISTS {_COUNTS}")
    return timings


def refresh_groups(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the client x product group tables whole from the product rows (after the
    products table changed: a product may have moved to another brand or price class)."""
    backend = ibis.duckdb.from_connection(con)
    span = _fact_span(con)
    months = _chunk_months(con, span) if span is not None else 3
    for period in GROUP_AGGREGATES:
        _refresh_groups(con, backend, period, None, span, months, set(outdated(con)))


def _refresh_groups(con, backend, period: str, first: dt.date | None,
                    span: tuple[dt.date, dt.date] | None, months: int | None, stale: set) -> None:
    """Rebuild the group table of ``period`` from ``first`` on (None: whole), chunk by chunk."""
    name = GROUP_AGGREGATES[period]
    # new or old-shaped: build it whole, not just the new periods
    if name in stale or name not in store.table_names(con):
        con.execute(f"DROP TABLE IF EXISTS {name}")
        first = None
    con.execute(schema.declared(name).ddl())
    if first is None:
        con.execute(f"DELETE FROM {name}")
    else:
        con.execute(f"DELETE FROM {name} WHERE period_start >= ?", [first])
    if span is None:
        return
    facts, products = backend.table(AGGREGATES[period]), backend.table("products")
    lo = max(first, span[0]) if first else span[0]
    for start, end in _chunks(_period_start_of(lo, period), span[1], period, months or 3):
        chunk = facts.filter((facts.period_start >= ibis.literal(start, type="date"))
                             & (facts.period_start < ibis.literal(end, type="date")))
        sql = ibis.to_sql(client_group_facts(chunk, products), dialect="duckdb")
        con.execute(f"INSERT INTO {name} BY NAME ({sql})")


_COUNTS = "_count_sales"  # a temporary table: the per-count sales both aggregates group


def _store_count_sales(con, backend, first: dt.date, last: dt.date, months: int = 6) -> None:
    """``count_sales`` for every stock count from ``first`` to ``last``, computed once for both
    aggregate grains, in chunks of ``months`` so the event windows stay small."""
    con.execute(f"DROP TABLE IF EXISTS {_COUNTS}")
    orders, snapshots = backend.table("orders"), backend.table("inventory_snapshots")
    created = False
    for start, end in _chunks(_period_start_of(first, "month"), last, "month", months):
        sql = ibis.to_sql(count_sales(orders, snapshots, start, end), dialect="duckdb")
        con.execute(f"INSERT INTO {_COUNTS} {sql}" if created else f"CREATE TEMP TABLE {_COUNTS} AS {sql}")
        created = True


def outdated(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Aggregate tables that exist with columns other than ``data.schema`` declares (made by an
    older version); they need a full rebuild (``python -m data refresh``)."""
    stale = []
    for name in (*AGGREGATES.values(), *GROUP_AGGREGATES.values()):
        found = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "ORDER BY ordinal_position", [name]).fetchall()]
        declared = schema.declared(name).columns
        if found and found != [c.name for c in declared]:
            stale.append(name)
    return stale


CHUNK_ROWS = 2_000_000


def _chunk_months(con: duckdb.DuckDBPyConnection, span: tuple[dt.date, dt.date]) -> int:
    rows = sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in SOURCES)
    months = (span[1].year - span[0].year) * 12 + span[1].month - span[0].month + 1
    return max(3, min(months, int(months * CHUNK_ROWS / max(rows, 1))))


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


def client_product_rows(orders: ir.Table, snapshots: ir.Table, prices: ir.Table, counts: ir.Table,
                        period: str, start: dt.date, end: dt.date) -> ir.Table:
    """The rows of ``agg_client_product_<period>`` for the periods in [start, end): the facts of
    ``client_product_facts`` with the sell-through inputs of ``sell_through_facts``.

    Args:
        orders, snapshots, prices: the whole fact tables (the 55 days of orders before ``start``
            are read for ``ordered_56d``).
        counts: ``count_sales`` rows covering at least [start, end).
        period: 'week' or 'month'; ``start`` and ``end`` must be period starts.

    Returns:
        An Ibis expression with the columns of the module docstring (engine types: the caller
        stores them as ``data.schema`` declares).
    """
    lo, hi = ibis.literal(start, type="date"), ibis.literal(end, type="date")
    tables = {}
    for name, t in (("orders", orders), ("inventory_snapshots", snapshots), ("price_snapshots", prices)):
        column = SOURCES[name]
        tables[name] = t.filter((t[column] >= lo) & (t[column] < hi))
    facts = client_product_facts(tables["orders"], tables["inventory_snapshots"],
                                 tables["price_snapshots"], period).view()
    sell = sell_through_facts(counts, orders, period, start, end)
    j = facts.left_join(sell, _KEYS)
    return j.select(*(facts[c] for c in facts.columns),
                    inferred_sales=sell.inferred_sales, sale_intervals=sell.sale_intervals.coalesce(0),
                    ordered_56d=sell.ordered_56d)


def _insert_chunk(con, backend, name: str, period: str, start: dt.date, end: dt.date) -> None:
    expr = client_product_rows(backend.table("orders"), backend.table("inventory_snapshots"),
                               backend.table("price_snapshots"), backend.table(_COUNTS), period, start, end)
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
