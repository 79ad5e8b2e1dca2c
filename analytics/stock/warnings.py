"""The stock-warning list 终端库存预警表: one row per client x product carried, as of a date.

Per row (``analytics.stock.positions`` defines the inputs; ``d = weekly_rate ÷ 7`` is the daily
rate, ``as_of`` the day the list holds at the end of):

    days_of_cover      qty_on_hand ÷ d (empty when the rate is 0 or unknown)     contract column
    cover_left_days    (qty_on_hand + on_order_qty) ÷ d − snapshot_age_days: the days the stock
                       lasts from the as-of date, counting deliveries since the count and the
                       sales since it at the same rate
    next_order_date    from the order cycle (``analytics.stock.cycle``); the delivery arrives
                       ``lead_days`` later (0 by default, the house timing of 04-kpis.md)

Status, the first rule that applies in this order, with its severity (3 act now, 2 act at the
next order, 1 look into it, 0 nothing to do):

    stale_data     no count, or the latest count is older than ``stale_data_days``: the
                   numbers cannot be trusted, count first.                       severity 1
    out_of_stock   counted 0 while the client sells the product (a rate above 0, or an order
                   within ``recent_order_days``).     severity 3; 2 when delivered since the count
    stale          counted stock > 0 and no sale over count intervals spanning at least
                   ``stale_weeks`` weeks.                                        severity 1
    shortage_risk  the stock runs out before the next delivery (cover_left_days < days until
                   it).                          severity 2; 3 when it is out already (<= 0)
    overstock      cover_left_days beyond the price class's ``overstock_weeks``, by at least
                   ``overstock_min_excess`` 条.           severity 1; 2 beyond twice the weeks
    ok             none of these.                                                severity 0

A pair counted 0 that the client does not sell (no rate, no recent order) is not carried and
has no row. A product discontinued on or before the as-of date keeps a row only while stock is
on the shelf; it is never short and nothing is suggested for it.

Suggested order quantity (条, for the next order day) brings the stock after that delivery to
the target cover = order cycle + ``safety_days`` (one week: a weekly client 2 weeks, a
fortnightly one 3): ``ceil(d × target − projected)``, projected = max(0, qty_on_hand +
on_order_qty − d × days from the count to the delivery), at most the cap of the latest capped
order (scarce products) and at least 0. It is 0 for overstock, stale and discontinued rows,
and empty for stale data and when the rate is unknown (a pair counted only once).
"""

from __future__ import annotations

import datetime as dt

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.scope import Scope
from analytics.stock.cycle import next_order_days
from analytics.stock.positions import stock_positions
from analytics.stock.thresholds import STATUSES, Thresholds

CONTRACT = ["client_id", "product_id", "territory", "manager_id", "snapshot_date", "qty_on_hand",
            "weekly_rate", "days_of_cover", "status", "severity", "suggested_order_qty"]
EXTRAS = ["client_name", "district", "market_dept", "business_format", "product_name",
          "price_class", "snapshot_age_days", "on_order_qty", "cover_left_days", "next_order_date",
          "cycle_days", "cycle_source", "target_cover_days", "qty_cap", "last_order_date",
          "rate_days", "stale_span_days", "counts"]
COLUMNS = CONTRACT + EXTRAS
_DATES = ["snapshot_date", "next_order_date", "last_order_date"]


def latest_snapshot_date(snapshots: ir.Table) -> dt.date | None:
    """The default as-of date: the latest stock count in ``snapshots`` (None when empty)."""
    value = snapshots.snapshot_date.max().to_pandas()
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def stock_warnings(orders: ir.Table, snapshots: ir.Table, clients: ir.Table, products: ir.Table,
                   as_of: dt.date | None = None, thresholds: Thresholds = Thresholds(),
                   scope: Scope = Scope()) -> pd.DataFrame:
    """The warning list: one row per client x product carried on ``as_of``.

    Args:
        orders, snapshots: the ``orders`` and ``inventory_snapshots`` tables.
        clients, products: the dimension tables (already restricted to the viewer, if any).
        as_of: the day the list holds at the end of (default: the latest count in
            ``snapshots``).
        thresholds: see ``Thresholds``.
        scope: region / segment / product filters (e.g. ``Scope(territories=("...",))``).

    Returns:
        ``COLUMNS`` (the contract of 07-warnings-prices.md first), sorted by severity (highest
        first), then client and product. Dates are ``datetime.date``; qty_on_hand,
        suggested_order_qty, on_order_qty and qty_cap are nullable integers. Empty (with these
        columns) when there are no counts at all.
    """
    if as_of is None:
        as_of = latest_snapshot_date(snapshots)
        if as_of is None:
            return _empty()
    frame = stock_positions(orders, snapshots, clients, products, as_of, thresholds, scope).to_pandas()
    return classify(frame, as_of, thresholds)


def classify(positions: pd.DataFrame, as_of: dt.date, thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """Status, severity and suggestion for each position (the rules of the module docstring).

    Args:
        positions: ``stock_positions`` as a DataFrame.
        as_of: its as-of date.
        thresholds: see ``Thresholds``.

    Returns:
        The warning list (``COLUMNS``), sorted as ``stock_warnings`` says.
    """
    t = thresholds
    if positions.empty:
        return _empty()
    f = positions.copy()
    for column in ("snapshot_date", "last_order_date", "discontinued_on", "last_client_order",
                   "first_client_order"):
        f[column] = pd.to_datetime(f[column])
    day = pd.Timestamp(as_of)
    cycles = next_order_days(f.drop_duplicates("client_id")[
        ["client_id", "order_cycle", "last_client_order", "first_client_order", "client_order_days"]], as_of)
    cycles["next_order_date"] = pd.to_datetime(cycles["next_order_date"])
    f = f.merge(cycles, on="client_id", how="left")

    counted = f["snapshot_date"].notna().to_numpy()
    qty = f["qty_on_hand"].astype(float).to_numpy()
    rate = f["weekly_rate"].astype(float).to_numpy()
    daily = rate / 7.0
    age = (day - f["snapshot_date"]).dt.days.astype(float).to_numpy()
    position = qty + f["on_order_qty"].astype(float).fillna(0).to_numpy()
    delivery = f["next_order_date"] + pd.Timedelta(days=t.lead_days)
    to_delivery = (delivery - day).dt.days.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(daily > 0, qty / daily, np.nan)
        cover_left = np.where(daily > 0, position / daily - age, np.nan)
    gone = (f["discontinued_on"].notna() & (f["discontinued_on"] <= day)).to_numpy()
    recent = (f["last_order_date"] >= day - pd.Timedelta(days=t.recent_order_days - 1)).to_numpy()
    sells = (rate > 0) | recent
    over_days = 7.0 * f["price_class"].map(t.overstock_weeks_for).astype(float).to_numpy()
    stale_sales = f["stale_sales"].astype(float).to_numpy()
    span = f["stale_span_days"].astype(float).to_numpy()

    # Not carried: counted empty and not sold, or a discontinued product with nothing left.
    empty = ~counted | (qty == 0)
    keep = ~((counted & (qty == 0) & ~sells) | (gone & empty))
    stale_data = ~counted | (age > t.stale_data_days)
    out = ~stale_data & (qty == 0)
    stale = ~stale_data & (qty > 0) & (stale_sales <= 0) & (span >= 7 * t.stale_weeks)
    short = ~stale_data & ~gone & (daily > 0) & (cover_left < to_delivery)
    excess = daily * (cover_left - over_days)  # 条 beyond the threshold cover, as of today
    over = ~stale_data & (daily > 0) & (cover_left > over_days) & (excess >= t.overstock_min_excess - 1e-9)
    status = np.select([stale_data, out, stale, short, over],
                       ["stale_data", "out_of_stock", "stale", "shortage_risk", "overstock"], "ok")
    severity = np.select(
        [stale_data, out & (position == 0), out, stale, short & (cover_left <= 0), short,
         over & (cover_left > 2 * over_days), over],
        [1, 3, 2, 1, 3, 2, 2, 1], 0)

    target = (f["cycle_days"] + t.safety_days).to_numpy(dtype=float)
    since_count = (delivery - f["snapshot_date"]).dt.days.to_numpy(dtype=float)
    projected = np.maximum(0.0, position - daily * since_count)
    need = np.maximum(0.0, np.ceil(daily * target - projected - 1e-9))
    cap = f["qty_cap"].astype(float).to_numpy()
    need = np.where(np.isnan(cap), need, np.minimum(need, cap))
    nothing = np.isin(status, ["overstock", "stale"]) | gone
    suggested = np.where(stale_data | np.isnan(daily), np.nan, np.where(nothing, 0.0, need))

    f = f.assign(days_of_cover=cover, cover_left_days=cover_left, status=status, severity=severity,
                 suggested_order_qty=suggested, snapshot_age_days=age, target_cover_days=target,
                 client_name=f["name"])
    f = f[keep]
    f = f.sort_values(["severity", "client_id", "product_id"], ascending=[False, True, True], kind="stable")
    return _typed(f[COLUMNS].reset_index(drop=True))


def status_counts(warnings: pd.DataFrame) -> pd.DataFrame:
    """Rows and distinct clients per status, every status listed (zeros too), in ``STATUSES``
    order: the counts on top of the page.

    Returns:
        status, rows, clients.
    """
    g = warnings.groupby("status").agg(rows=("product_id", "size"), clients=("client_id", "nunique"))
    g = g.reindex(list(STATUSES), fill_value=0).rename_axis("status").reset_index()
    return g.astype({"rows": "int64", "clients": "int64"})


def _typed(f: pd.DataFrame) -> pd.DataFrame:
    for column in _DATES:
        f[column] = pd.to_datetime(f[column]).dt.date.astype(object).where(f[column].notna(), None)
    for column in ("qty_on_hand", "suggested_order_qty", "on_order_qty", "qty_cap",
                   "snapshot_age_days", "counts", "rate_days", "stale_span_days"):
        f[column] = pd.array(np.round(f[column].astype(float)), dtype="Int64")
    for column in ("weekly_rate", "days_of_cover", "cover_left_days"):
        f[column] = f[column].astype(float)
    f["severity"] = f["severity"].astype("int64")
    f["cycle_days"] = f["cycle_days"].astype("int64")
    f["target_cover_days"] = f["target_cover_days"].astype("int64")
    return f


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
