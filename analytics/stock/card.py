"""The client card 客户卡片: one client's stock, orders, inferred sales and prices over time, and
its current warnings, for the visit.

The histories are short (``weeks`` up to the as-of date) and for one client, so they read the
fact tables directly; the weekly view groups them by week (Monday start) the way the aggregate
tables do: a count's inferred sales belong to the week of the count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis.expr.types as ir
import pandas as pd

from analytics.scope import Scope, literal_date
from analytics.stock.thresholds import Thresholds
from analytics.stock.warnings import latest_snapshot_date, stock_warnings
from data.aggregates import count_sales


@dataclass
class ClientCard:
    """One client's card.

    Attributes:
        client: the client's row of the clients table, as a dict.
        as_of: the day the card holds at the end of.
        counts: one row per stock count: snapshot_date, product_id, product_name, qty_on_hand,
            prev_date, days (since the previous count), sales (inferred since it; empty for a
            first count), weekly_rate (7 × sales ÷ days).
        orders: one row per order line: order_date, product_id, product_name, qty_demand,
            qty_cap, qty_ordered, amount.
        prices: one row per price observation: snapshot_date, product_id, product_name,
            retail_price, guided_price, wholesale_price.
        weekly: one row per week x product with any of the above: week_start, product_id,
            product_name, qty_ordered, inferred_sales, last_qty_on_hand, mean_price.
        warnings: the client's rows of the warning list (``stock_warnings``).
    """

    client: dict
    as_of: dt.date
    counts: pd.DataFrame
    orders: pd.DataFrame
    prices: pd.DataFrame
    weekly: pd.DataFrame
    warnings: pd.DataFrame


def client_card(client_id: str, orders: ir.Table, snapshots: ir.Table, prices: ir.Table,
                clients: ir.Table, products: ir.Table, as_of: dt.date | None = None,
                weeks: int = 26, thresholds: Thresholds = Thresholds()) -> ClientCard | None:
    """The card of one client.

    Args:
        client_id: the client.
        orders, snapshots, prices: the ``orders``, ``inventory_snapshots`` and
            ``price_snapshots`` tables.
        clients, products: the dimension tables. Pass the viewer's restricted tables: a client
            outside them has no card.
        as_of: the last day shown (default: the latest count in ``snapshots``).
        weeks: how many weeks of history up to ``as_of``.
        thresholds: for the current warnings.

    Returns:
        The card, or None when ``clients`` holds no such client (unknown, or not the viewer's).
    """
    found = clients.filter(clients.client_id == client_id).to_pandas()
    if found.empty:
        return None
    if as_of is None:
        as_of = latest_snapshot_date(snapshots) or dt.date.today()
    start = as_of - dt.timedelta(weeks=weeks) + dt.timedelta(days=1)
    lo, hi = literal_date(start), literal_date(as_of)
    names = products.select("product_id", product_name=products.name, guided_price=products.retail_price,
                            wholesale_price=products.wholesale_price)
    mine = lambda t: t.filter(t.client_id == client_id)  # noqa: E731

    counts = count_sales(mine(orders), mine(snapshots), start, as_of + dt.timedelta(days=1))
    counts = counts.mutate(days=counts.snapshot_date.delta(counts.prev_date, unit="day"))
    counts = counts.inner_join(names.select("product_id", "product_name"), "product_id")
    counts = _dates(counts.to_pandas(), "snapshot_date", "prev_date")
    days = counts["days"].astype(float)
    counts["weekly_rate"] = 7.0 * counts["sales"].astype(float) / days.where(days > 0)
    counts = counts[["snapshot_date", "product_id", "product_name", "qty_on_hand", "prev_date", "days",
                     "sales", "weekly_rate"]].sort_values(["snapshot_date", "product_id"]).reset_index(drop=True)

    o = mine(orders).filter(orders.order_date.between(lo, hi))
    o = o.inner_join(names.select("product_id", "product_name"), "product_id")
    o = _dates(o.select("order_date", "product_id", "product_name", "qty_demand", "qty_cap", "qty_ordered",
                        "amount").to_pandas(), "order_date")
    o = o.sort_values(["order_date", "product_id"]).reset_index(drop=True)

    p = mine(prices).filter(prices.snapshot_date.between(lo, hi)).inner_join(names, "product_id")
    p = _dates(p.select("snapshot_date", "product_id", "product_name", "retail_price", "guided_price",
                        "wholesale_price").to_pandas(), "snapshot_date")
    p = p.sort_values(["snapshot_date", "product_id"]).reset_index(drop=True)

    warnings = stock_warnings(orders, snapshots, clients.filter(clients.client_id == client_id), products,
                              as_of, thresholds, Scope())
    return ClientCard(client=found.iloc[0].to_dict(), as_of=as_of, counts=counts, orders=o, prices=p,
                      weekly=_weekly(counts, o, p), warnings=warnings)


def _weekly(counts: pd.DataFrame, orders: pd.DataFrame, prices: pd.DataFrame) -> pd.DataFrame:
    """Week x product: ordered, inferred sales, the last count and the mean observed price."""
    keys = ["week_start", "product_id", "product_name"]

    def week(frame: pd.DataFrame, column: str) -> pd.DataFrame:
        day = pd.to_datetime(frame[column])
        return frame.assign(week_start=(day - pd.to_timedelta(day.dt.day_of_week, unit="D")).dt.date)

    c = week(counts, "snapshot_date").sort_values("snapshot_date")
    c = c.groupby(keys, as_index=False).agg(inferred_sales=("sales", lambda s: s.sum(min_count=1)),
                                            last_qty_on_hand=("qty_on_hand", "last"))
    o = week(orders, "order_date").groupby(keys, as_index=False).agg(qty_ordered=("qty_ordered", "sum"))
    p = week(prices, "snapshot_date").groupby(keys, as_index=False).agg(mean_price=("retail_price", "mean"))
    out = c.merge(o, on=keys, how="outer").merge(p, on=keys, how="outer")
    out["qty_ordered"] = out["qty_ordered"].fillna(0).astype("int64")
    out = out[[*keys, "qty_ordered", "inferred_sales", "last_qty_on_hand", "mean_price"]]
    return out.sort_values(keys[:2]).reset_index(drop=True)


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column]).dt.date.astype(object).where(frame[column].notna(), None)
    return frame
