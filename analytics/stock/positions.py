"""Stock position of every client x product carried, as of a date: the relational core of the
warning list (and so of the client card), as one Ibis expression, so it runs on DuckDB and Spark
alike.

Only a bounded slice of the facts is read: counts and orders dated in the
``Thresholds.read_days`` before the as-of date, so the cost does not grow with the history.

Definitions (per client x product; "count" = a stock count, "interval" = the days from a count to
the next count of the same pair, 04-kpis.md timing: a delivery arrives on its order date and a
count records the stock at the end of its day):

    snapshot_date, qty_on_hand   the latest count dated on or before the as-of date
    interval sales               previous count + deliveries after it up to the count − count
                                 (``data.aggregates.count_sales``)
    informative interval         one with a predecessor in the slice, except an empty shelf that
                                 stayed empty with nothing delivered (sales 0 and count 0): it says
                                 nothing about how fast the product sells
    rate_sales, rate_days        Σ sales and Σ days of the informative intervals whose count lies
                                 in the ``rate_weeks`` weeks up to the as-of date; a missed visit
                                 only makes one interval longer, so the rate stays right
    hist_sales, hist_days        the same over all counts of the ``history_weeks`` weeks
    weekly_rate                  7 × rate_sales ÷ rate_days, or from hist_* when rate_days is 0
                                 (the shelf was empty all along), NULL when both are 0; never
                                 below 0 (negative sums come from miscounts)
    stale_sales, stale_span_days Σ sales over the intervals whose count lies in the
                                 ``stale_weeks`` weeks up to the as-of date, and the days from
                                 the earliest of their previous counts to the latest count
    on_order_qty                 Σ qty_ordered dated after the latest count up to the as-of date:
                                 delivered but not in the count yet
    last_order_date              the latest order with qty_ordered > 0
    qty_cap                      the cap of the latest capped order within ``cap_days``

A pair has a position when its client is open on the as-of date (opened on or before it, not
closed before it) and it has a count in the history (a visit records every product the client
carries, zeros included) or an order with qty_ordered > 0 within ``recent_order_days``. (The
warning list then drops pairs counted empty that the client does not sell.)
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from analytics.scope import Scope, literal_date
from analytics.stock.thresholds import Thresholds
from data.aggregates import count_sales

KEYS = ["client_id", "product_id"]
CLIENT_COLUMNS = ["name", "district", "market_dept", "territory", "manager_id", "business_format",
                  "order_cycle"]
PRODUCT_COLUMNS = ["price_class", "discontinued_on"]


def active_clients(clients: ir.Table, as_of: dt.date, scope: Scope = Scope()) -> ir.Table:
    """Clients of ``scope`` open on ``as_of`` (an empty opened_on means always open)."""
    day = literal_date(as_of)
    c = scope.clients(clients)
    return c.filter((c.opened_on.isnull() | (c.opened_on <= day))
                    & (c.closed_on.isnull() | (c.closed_on >= day)))


def stock_positions(orders: ir.Table, snapshots: ir.Table, clients: ir.Table, products: ir.Table,
                    as_of: dt.date, thresholds: Thresholds = Thresholds(),
                    scope: Scope = Scope()) -> ir.Table:
    """The stock position of every client x product carried on ``as_of``.

    Args:
        orders, snapshots: the ``orders`` and ``inventory_snapshots`` tables (only the
            ``thresholds.read_days`` up to ``as_of`` are read).
        clients, products: the dimension tables (already restricted to the viewer, if any).
        as_of: the day the positions hold at the end of.
        thresholds: the windows (``rate_weeks``, ``history_weeks``, ...).
        scope: region / segment / product filters.

    Returns:
        An Ibis expression, one row per client x product carried: client_id, product_id, the
        client's ``CLIENT_COLUMNS``, product_name and ``PRODUCT_COLUMNS``, snapshot_date,
        qty_on_hand, counts (in the history), rate_sales, rate_days, hist_sales, hist_days,
        weekly_rate, stale_sales, stale_span_days, on_order_qty, last_order_date, qty_cap, and
        the client's last_client_order, first_client_order and client_order_days (distinct
        order days in the slice, for inferring an order cycle). See the module docstring.
    """
    t = thresholds
    day = literal_date(as_of)
    history_from = as_of - dt.timedelta(days=7 * t.history_weeks - 1)
    read_from = literal_date(as_of - dt.timedelta(days=t.read_days - 1))
    c = active_clients(clients, as_of, scope)
    p = scope.products(products)

    snaps = snapshots.filter(snapshots.snapshot_date.between(read_from, day))
    ords = orders.filter(orders.order_date.between(read_from, day))
    # Restrict the facts early: a territory's page then computes a territory, not the city.
    snaps = snaps.semi_join(c, "client_id").semi_join(p, "product_id")
    ords = ords.semi_join(c, "client_id").semi_join(p, "product_id")

    counts = _count_stats(count_sales(ords, snaps, history_from, as_of + dt.timedelta(days=1)), as_of, t)
    order_stats = _order_stats(ords, counts.select(*KEYS, "snapshot_date"), as_of, t)
    recent_from = literal_date(as_of - dt.timedelta(days=t.recent_order_days - 1))
    ordered = order_stats.filter(order_stats.last_order_date >= recent_from)
    pairs = counts.select(*KEYS).union(ordered.select(*KEYS), distinct=True)

    j = pairs.left_join(counts, KEYS).drop("client_id_right", "product_id_right")
    j = j.left_join(order_stats, KEYS).drop("client_id_right", "product_id_right")
    j = j.inner_join(c.select("client_id", *CLIENT_COLUMNS), "client_id")
    j = j.inner_join(p.select("product_id", *PRODUCT_COLUMNS, product_name=p.name), "product_id")
    j = j.left_join(_client_orders(ords), "client_id").drop("client_id_right")

    rate = ibis.ifelse(j.rate_days > 0, 7.0 * j.rate_sales / j.rate_days,
                       ibis.ifelse(j.hist_days > 0, 7.0 * j.hist_sales / j.hist_days, ibis.null("float64")))
    return j.mutate(
        # not ibis.greatest: DuckDB's GREATEST skips NULLs, turning an unknown rate into 0
        weekly_rate=ibis.ifelse(rate < 0, 0.0, rate),
        # NULL without a count: what was delivered since is unknown then
        on_order_qty=ibis.ifelse(j.snapshot_date.isnull(), ibis.null("int64"),
                                 j.on_order_qty.coalesce(0)),
    )


def _count_stats(cs: ir.Table, as_of: dt.date, t: Thresholds) -> ir.Table:
    """Per pair: the latest count and the rate / stale evidence of its intervals."""
    cs = cs.mutate(days=cs.snapshot_date.delta(cs.prev_date, unit="day"))
    informative = cs.sales.notnull() & ~((cs.sales == 0) & (cs.qty_on_hand == 0))
    recent = cs.snapshot_date > literal_date(as_of - dt.timedelta(weeks=t.rate_weeks))
    stale = cs.sales.notnull() & (cs.snapshot_date > literal_date(as_of - dt.timedelta(weeks=t.stale_weeks)))
    g = cs.group_by(KEYS).aggregate(
        snapshot_date=cs.snapshot_date.max(),
        qty_on_hand=cs.qty_on_hand.argmax(cs.snapshot_date),
        counts=cs.count(),
        rate_sales=cs.sales.sum(where=informative & recent).coalesce(0),
        rate_days=cs.days.sum(where=informative & recent).coalesce(0),
        hist_sales=cs.sales.sum(where=informative).coalesce(0),
        hist_days=cs.days.sum(where=informative).coalesce(0),
        stale_sales=cs.sales.sum(where=stale),
        stale_from=cs.prev_date.min(where=stale),
    )
    return g.mutate(stale_span_days=g.snapshot_date.delta(g.stale_from, unit="day")).drop("stale_from")


def _order_stats(ords: ir.Table, latest: ir.Table, as_of: dt.date, t: Thresholds) -> ir.Table:
    """Per pair with orders in the slice: delivered since the latest count, last order, cap."""
    o = ords.left_join(latest, KEYS).drop("client_id_right", "product_id_right")
    cap_from = literal_date(as_of - dt.timedelta(days=t.cap_days - 1))
    capped = o.qty_cap.notnull() & (o.order_date >= cap_from)
    return o.group_by(KEYS).aggregate(
        on_order_qty=o.qty_ordered.sum(where=o.order_date > o.snapshot_date),
        last_order_date=o.order_date.max(where=o.qty_ordered > 0),
        qty_cap=o.qty_cap.argmax(o.order_date, where=capped),
    )


def _client_orders(ords: ir.Table) -> ir.Table:
    """Per client: the order days in the slice, for inferring a cycle the clients table lacks."""
    o = ords.filter(ords.qty_ordered > 0)
    return o.group_by("client_id").aggregate(
        last_client_order=o.order_date.max(), first_client_order=o.order_date.min(),
        client_order_days=o.order_date.nunique())
