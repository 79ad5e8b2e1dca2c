"""Volume companions of the five rates: volume (条, 箱), sales, 单箱值, 条均值, order fill rate.

Formulas (04-kpis.md, "Companion KPIs"):
    volume      = Σ qty_ordered (条); cases = volume ÷ 250
    sales       = Σ amount (元)
    fill_rate   = Σ qty_ordered ÷ Σ qty_demand            (empty when Σ qty_demand = 0)
    value_per_case (单箱值)  = Σ amount ÷ (Σ qty_ordered ÷ 250)   (empty when no volume)
    value_per_carton (条均值) = Σ amount ÷ Σ qty_ordered
    volume_per_client (户均销量) = Σ qty_ordered ÷ buying clients
    growth      = (volume − volume of the base window) ÷ volume of the base window

Inputs are the derived client x product x period facts (``agg_client_product_week`` for weekly
windows, ``agg_client_product_month`` otherwise), already restricted to the viewer.
"""

from __future__ import annotations

import datetime as dt

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.scope import Scope, Window, literal_date, next_period_start, period_before, period_column
from data.schema import CARTONS_PER_CASE

MEASURES = ["qty_ordered", "qty_demand", "amount", "buying_clients"]


def facts_table_for(granularity: str) -> str:
    """The aggregate table to read for a granularity (weeks do not nest in months)."""
    return "agg_client_product_week" if granularity == "week" else "agg_client_product_month"


def _in_scope(facts: ir.Table, clients: ir.Table, products: ir.Table, scope: Scope) -> ir.Table:
    f = facts.semi_join(scope.clients(clients).select("client_id"), "client_id")
    if scope.product_level != "all" and scope.product_keys:
        f = f.semi_join(scope.products(products).select("product_id"), "product_id")
    return f


def _between(column: ir.DateValue, window: Window) -> ir.BooleanValue:
    return column.between(literal_date(window.start), literal_date(window.end))


def add_ratios(frame: pd.DataFrame, prefix: str = "") -> pd.DataFrame:
    """Add cases, sales ratios and fill rate computed from the summed measures.

    Empty denominators give NaN ("empty", never 0 and never an error).
    """
    ordered = frame[f"{prefix}qty_ordered"].astype(float)
    demand = frame[f"{prefix}qty_demand"].astype(float)
    amount = frame[f"{prefix}amount"].astype(float)
    buyers = frame[f"{prefix}buying_clients"].astype(float)
    frame[f"{prefix}cases"] = ordered / CARTONS_PER_CASE
    frame[f"{prefix}value_per_case"] = amount / (ordered / CARTONS_PER_CASE).replace(0, np.nan)
    frame[f"{prefix}value_per_carton"] = amount / ordered.replace(0, np.nan)
    frame[f"{prefix}fill_rate"] = ordered / demand.replace(0, np.nan)
    frame[f"{prefix}volume_per_client"] = ordered / buyers.replace(0, np.nan)
    return frame


CHANGED = ("cases", "amount", "value_per_case", "buying_clients")


def add_changes(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the changes against the base window.

    ``growth_rate`` = (volume − base volume) ÷ base volume; ``change_<m>`` the same relative
    change for each of ``CHANGED``; ``fill_rate_change`` the difference of the two fill rates
    (a change of a rate, in points). Empty (NaN) when the base is empty.
    """
    def relative(now: pd.Series, base: pd.Series) -> pd.Series:
        return (now - base) / base.replace(0, np.nan)

    frame["growth_rate"] = relative(frame["qty_ordered"], frame["base_qty_ordered"])
    for m in CHANGED:
        frame[f"change_{m}"] = relative(frame[m], frame[f"base_{m}"])
    frame["fill_rate_change"] = frame["fill_rate"] - frame["base_fill_rate"]
    return frame


def volume_summary(facts: ir.Table, clients: ir.Table, products: ir.Table, scope: Scope,
                   window: Window) -> pd.DataFrame:
    """Headline volume KPIs for a window and the same window a year earlier.

    Args:
        facts: client x product x period facts (see module docstring) at a grain no coarser
            than ``window.granularity``.
        clients, products: dimension tables (viewer-restricted clients).
        scope: region / segment / product scope.
        window: the time window.

    Returns:
        One row. Columns: the measures (qty_ordered, qty_demand, amount, buying_clients) and
        ratios of ``add_ratios`` for the window, the same with prefix ``base_`` for the window a
        year earlier, and the changes of ``add_changes``.
    """
    base = window.year_earlier()
    f = _in_scope(facts, clients, products, scope)
    f = f.filter(_between(f.period_start, window) | _between(f.period_start, base))
    f = f.mutate(is_current=_between(f.period_start, window))
    grouped = f.group_by("is_current").aggregate(
        qty_ordered=f.qty_ordered.sum(), qty_demand=f.qty_demand.sum(), amount=f.amount.sum(),
        buying_clients=f.client_id.nunique(where=f.qty_ordered > 0),
    ).to_pandas()
    row = {}
    for is_current, prefix in ((True, ""), (False, "base_")):
        part = grouped[grouped["is_current"] == is_current]
        for m in MEASURES:
            row[prefix + m] = float(part[m].iloc[0]) if len(part) and pd.notna(part[m].iloc[0]) else 0.0
    out = pd.DataFrame([row])
    out = add_ratios(add_ratios(out), "base_")
    return add_changes(out)


def volume_trend(facts: ir.Table, clients: ir.Table, products: ir.Table, scope: Scope,
                 window: Window) -> pd.DataFrame:
    """Volume KPIs per period of the window, each beside the same period a year earlier.

    Returns:
        One row per period_start of the window (periods with no data are present with zeros).
        Columns: period_start, the measures and ratios, ``base_`` measures and ratios of the
        period a year earlier, growth_rate.
    """
    base = window.year_earlier()
    f = _in_scope(facts, clients, products, scope)
    f = f.filter(_between(f.period_start, window) | _between(f.period_start, base))
    f = f.mutate(period=period_column(f.period_start, window.granularity))
    per = f.group_by("period").aggregate(
        qty_ordered=f.qty_ordered.sum(), qty_demand=f.qty_demand.sum(), amount=f.amount.sum(),
        buying_clients=f.client_id.nunique(where=f.qty_ordered > 0),
    ).to_pandas()
    per["period"] = pd.to_datetime(per["period"]).dt.date
    periods = _periods(window)
    by_period = per.set_index("period")
    rows = []
    for start in periods:
        earlier = period_before(start, window.granularity)
        row = {"period_start": start}
        for m in MEASURES:
            row[m] = float(by_period[m].get(start, 0.0) or 0.0)
            row["base_" + m] = float(by_period[m].get(earlier, 0.0) or 0.0)
        rows.append(row)
    out = pd.DataFrame(rows, columns=["period_start", *MEASURES, *("base_" + m for m in MEASURES)])
    out = add_ratios(add_ratios(out), "base_")
    return add_changes(out)


def _periods(window: Window) -> list[dt.date]:
    starts, current = [], window.start
    while current <= window.end:
        starts.append(current)
        current = next_period_start(current, window.granularity)
    return starts

