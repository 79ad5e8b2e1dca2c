"""Region level: 社会库存 (terminal stock in the market) and 存销比 per product and region.

Read from the weekly aggregate ``agg_client_product_week`` (``data.aggregates``), so the city view
costs a group-by over a few weeks of client x product rows, not a pass over the raw facts. The
window is the ``region_weeks`` whole weeks (Monday to Sunday) ending with the week holding the
as-of date. (So for an as-of date inside the data, that week's later counts count too; for the
default, the latest count, there are none.)

Only part of the clients is counted in any few weeks, so the observed stock is scaled up to all
open clients, format by format (a supermarket holds more than a grocery of the same district):

    observed client      a client open on the as-of date with a stock count in the window
    observed stock       Σ over the pairs counted in the window of their latest count
    weekly sales         Σ inferred sales of the window's counts ÷ region_weeks (04-kpis.md: the
                         average weekly inferred sales over the last 4 weeks)
    社会库存 social_stock  Σ over business formats of (observed stock of the region x format cell
                         × open clients of the cell ÷ observed clients of the cell); a cell with
                         open but no observed clients takes its format's stock per observed
                         client over the whole scope (nothing observed nearby to go by)
    weekly_sales         the same scaling of the weekly sales
    存销比               social_stock ÷ weekly_sales, in weeks of sales (the KPIs'
                         stock_to_sales_weeks) and in months (÷ 30.4375/7), the unit of the
                         trade's rule: a warning when the months exceed
                         ``Thresholds.months_of_sales_for(price class)`` (0.7 for classes 1–2,
                         1.0 otherwise by default)

A ratio whose denominator is 0 is empty (NaN), and then no warning.
"""

from __future__ import annotations

import datetime as dt

import ibis.expr.types as ir
import pandas as pd

from analytics.breakdown import client_dims
from analytics.scope import Scope, literal_date
from analytics.stock.positions import active_clients
from analytics.stock.thresholds import DAYS_PER_MONTH, Thresholds
from data.calendar_cn import period_start

REGION_DIMS = ("district", "market_dept", "territory")
COLUMNS = ["product_id", "product_name", "brand", "price_class", "active_clients",
           "observed_clients", "carrying_clients", "observed_stock", "social_stock",
           "weekly_sales", "stock_to_sales_weeks", "stock_to_sales_months", "threshold_months",
           "warning"]


def social_stock(facts_week: ir.Table, clients: ir.Table, products: ir.Table,
                 as_of: dt.date | None = None, by: tuple[str, ...] | list[str] = ("district",),
                 thresholds: Thresholds = Thresholds(), scope: Scope = Scope()) -> pd.DataFrame:
    """社会库存 and 存销比 per region x product, with warnings.

    Args:
        facts_week: ``agg_client_product_week`` (restricted to the viewer, if any).
        clients, products: the dimension tables.
        as_of: the day the figures hold at (default: the latest count in ``facts_week``).
        by: region levels from ``REGION_DIMS`` (empty: the whole scope, one row per product).
        thresholds: ``region_weeks`` and ``months_of_sales*``.
        scope: region / segment / product filters.

    Returns:
        One row per ``by`` x product counted in the window: *by, then ``COLUMNS``
        (carrying_clients: observed clients that counted the product). Warnings first, then by
        months of sales, highest first.

    Raises:
        ValueError: an unknown region level.
    """
    by = list(by)
    unknown = [d for d in by if d not in REGION_DIMS]
    if unknown:
        raise ValueError(f"unknown region level {unknown[0]!r}: use {', '.join(REGION_DIMS)}")
    if as_of is None:
        latest = facts_week.last_snapshot_date.max().to_pandas()
        if latest is None or pd.isna(latest):
            return pd.DataFrame(columns=[*by, *COLUMNS])
        as_of = pd.Timestamp(latest).date()
    weeks = thresholds.region_weeks
    last = period_start(as_of, "week")
    first = last - dt.timedelta(weeks=weeks - 1)
    cell = [*by, "business_format"]
    dims = client_dims(active_clients(clients, as_of, scope)).select("client_id", *cell)

    f = facts_week.filter(facts_week.period_start.between(literal_date(first), literal_date(last))
                          & (facts_week.snapshots > 0))
    f = f.semi_join(scope.products(products), "product_id").inner_join(dims, "client_id")
    pairs = f.group_by([*cell, "client_id", "product_id"]).aggregate(
        stock=f.last_qty_on_hand.argmax(f.last_snapshot_date), sales=f.inferred_sales.coalesce(0).sum())
    stock = pairs.group_by([*cell, "product_id"]).aggregate(
        observed_stock=pairs.stock.sum(), observed_sales=pairs.sales.sum() / weeks,
        carrying_clients=pairs.count()).to_pandas()
    seen = f.select(*cell, "client_id").distinct()
    observed = seen.group_by(cell).aggregate(observed_clients=seen.count()).to_pandas()
    active = dims.group_by(cell).aggregate(active_clients=dims.count()).to_pandas()
    p = scope.products(products).select("product_id", "brand", "price_class", product_name="name").to_pandas()
    return _scale(stock, observed, active, p, by, thresholds)


def _scale(stock: pd.DataFrame, observed: pd.DataFrame, active: pd.DataFrame, products: pd.DataFrame,
           by: list[str], t: Thresholds) -> pd.DataFrame:
    """Scale observed cells to open clients (the module docstring), then sum over formats."""
    cell = [*by, "business_format"]
    cells = active.merge(observed, on=cell, how="left")
    cells["observed_clients"] = cells["observed_clients"].fillna(0).astype("int64")
    # Each format's stock and sales per observed client over the whole scope, for unobserved cells.
    fmt = stock.groupby(["business_format", "product_id"], as_index=False)[["observed_stock", "observed_sales"]].sum()
    fmt = fmt.merge(observed.groupby("business_format", as_index=False)["observed_clients"].sum(),
                    on="business_format")
    fmt["stock_per_client"] = fmt["observed_stock"] / fmt["observed_clients"]
    fmt["sales_per_client"] = fmt["observed_sales"] / fmt["observed_clients"]

    seen = cells[cells["observed_clients"] > 0].merge(stock, on=cell, how="inner")
    factor = seen["active_clients"] / seen["observed_clients"]
    seen = seen.assign(social_stock=seen["observed_stock"] * factor,
                       weekly_sales=seen["observed_sales"] * factor)
    unseen = cells[cells["observed_clients"] == 0].merge(
        fmt[["business_format", "product_id", "stock_per_client", "sales_per_client"]], on="business_format")
    unseen = unseen.assign(social_stock=unseen["stock_per_client"] * unseen["active_clients"],
                           weekly_sales=unseen["sales_per_client"] * unseen["active_clients"],
                           observed_stock=0, carrying_clients=0)
    keys = [*by, "product_id"]
    out = pd.concat([seen, unseen], ignore_index=True).groupby(keys, as_index=False)[
        ["observed_stock", "carrying_clients", "social_stock", "weekly_sales"]].sum()
    if by:
        totals = cells.groupby(by, as_index=False)[["active_clients", "observed_clients"]].sum()
        out = out.merge(totals, on=by, how="left")
    else:
        out = out.assign(active_clients=cells["active_clients"].sum(),
                         observed_clients=cells["observed_clients"].sum())
    out = out.merge(products, on="product_id", how="left")
    sales = out["weekly_sales"].astype(float)
    out["stock_to_sales_weeks"] = out["social_stock"].astype(float) / sales.where(sales > 0)
    out["stock_to_sales_months"] = out["stock_to_sales_weeks"] / (DAYS_PER_MONTH / 7)
    out["threshold_months"] = out["price_class"].map(t.months_of_sales_for).astype(float)
    out["warning"] = (out["stock_to_sales_months"] > out["threshold_months"]).fillna(False).astype(bool)
    for column in ("observed_stock", "carrying_clients", "active_clients", "observed_clients"):
        out[column] = out[column].astype("int64")
    for column in ("social_stock", "weekly_sales"):
        out[column] = out[column].astype(float)
    out = out.sort_values(["warning", "stock_to_sales_months", *keys],
                          ascending=[False, False, *[True] * len(keys)], na_position="last", kind="stable")
    return out[[*by, *COLUMNS]].reset_index(drop=True)
