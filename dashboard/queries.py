"""Cached reads for the pages. Every cache key holds the warehouse generation and version and
the viewer's scope, so one viewer never gets another's rows and an import shows at once.

The scoped warehouse itself is passed as ``_swh`` (leading underscore: not hashed); what it
stands for is in the hashed ``key`` (db key + scope key).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics.kpis import facts_grain, kpi_table
from analytics.prices import low_index_products, price_outliers, price_table
from analytics.scope import Scope, Window
from analytics.stock import ClientCard, Thresholds, client_card, social_stock, stock_warnings
from analytics.volume import facts_table_for, volume_summary, volume_trend
from dashboard.filters import Choices
from dashboard.state import settings
from data.aggregates import AGGREGATES, GROUP_AGGREGATES, SOURCES
from data.calendar_cn import add_months
from data.warehouse import ScopedWarehouse

_TTL = settings().cache_ttl_seconds
_MAX = settings().cache_max_entries


def cache_key(swh: ScopedWarehouse) -> tuple:
    wh = swh.warehouse
    return (str(wh.path), wh.generation, wh.version, swh.scope_key)


def _distinct(table, column: str) -> list:
    values = table.filter(table[column].notnull()).select(column).distinct().to_pandas()[column]
    return values.tolist()


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def choices(_swh: ScopedWarehouse, key: tuple) -> Choices:
    """What the viewer may filter on."""
    clients = _swh.table("clients")
    regions = clients.select("district", "market_dept", "territory").distinct().to_pandas()
    formats = _distinct(clients, "business_format")
    markets = _distinct(clients, "market_type")
    products = _swh.table("products").select("product_id", "name", "brand", "price_class") \
        .order_by(["price_class", "brand", "product_id"]).to_pandas()
    orders = _swh.table("agg_client_product_month")
    span = orders.aggregate(first=orders.period_start.min(), last=orders.period_start.max()).to_pandas()
    first, last = span["first"].iloc[0], span["last"].iloc[0]
    today = dt.date.today()
    first = pd.Timestamp(first).date() if pd.notna(first) else today.replace(day=1)
    last = (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date() if pd.notna(last) else today
    return Choices(regions=regions, formats=tuple(sorted(formats)), market_types=tuple(sorted(markets)),
                   products=products, first_day=first, last_day=last)


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def summary(_swh: ScopedWarehouse, key: tuple, scope: Scope, window: Window) -> pd.DataFrame:
    facts = _swh.table(facts_table_for(window.granularity))
    return volume_summary(facts, _swh.table("clients"), _swh.table("products"), scope, window)


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def trend(_swh: ScopedWarehouse, key: tuple, scope: Scope, window: Window) -> pd.DataFrame:
    facts = _swh.table(facts_table_for(window.granularity))
    return volume_trend(facts, _swh.table("clients"), _swh.table("products"), scope, window)


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def freshness(_swh: ScopedWarehouse, key: tuple) -> dict[str, dt.date | None]:
    """Latest order, stock-count and price-count dates the viewer can see."""
    out: dict[str, dt.date | None] = {}
    for table, column in SOURCES.items():
        t = _swh.table(table)
        value = t.aggregate(last=t[column].max()).to_pandas()["last"].iloc[0]
        out[table] = pd.Timestamp(value).date() if pd.notna(value) else None
    return out


# --- five rates ---------------------------------------------------------------------------

def _kpi_inputs(swh: ScopedWarehouse, window: Window, growth: str):
    """The facts, products, orders (lunar growth only) and client x group facts (when built)."""
    grain = facts_grain(window.granularity)
    facts = swh.table(AGGREGATES[grain])
    orders = swh.table("orders") if growth == "lunar" else None
    name = GROUP_AGGREGATES.get(grain)
    groups = swh.table(name) if name and swh.warehouse.has_table(name) else None
    return facts, swh.table("products"), orders, groups


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def kpis(_swh: ScopedWarehouse, key: tuple, scope: Scope, window: Window, by: tuple[str, ...] = (),
         level: str = "all", growth: str = "yoy") -> pd.DataFrame:
    """``analytics.kpis.kpi_table`` over the viewer's aggregates: one row per period x ``by`` x
    level key (rates NaN where the denominator is empty)."""
    facts, products, orders, groups = _kpi_inputs(_swh, window, growth)
    return kpi_table(facts, _swh.table("clients"), products, window, by, level, scope, growth, orders,
                     groups)


def kpis_vs_last_year(swh: ScopedWarehouse, key: tuple, scope: Scope, window: Window,
                      level: str = "all", growth: str = "yoy") -> pd.DataFrame:
    """The scope's KPI rows per period and level key, with ``base_<column>`` holding the same
    period a year earlier (52 weeks for weeks), so rates can be shown with their change."""
    now = kpis(swh, key, scope, window, (), level, growth)
    before = kpis(swh, key, scope, window.year_earlier(), (), level, growth)
    before = before.assign(period_start=before["period_start"].map(
        lambda d: _year_later(d, window.granularity)))
    before = before.drop(columns=["level_name"]).rename(
        columns={c: f"base_{c}" for c in before.columns if c not in ("period_start", "level_key")})
    return now.merge(before, on=["period_start", "level_key"], how="left")


def _year_later(day: dt.date, granularity: str) -> dt.date:
    return day + dt.timedelta(weeks=52) if granularity == "week" else add_months(day, 12)


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def client_kpis(_swh: ScopedWarehouse, key: tuple, scope: Scope, window: Window, level: str = "all",
                growth: str = "yoy", extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """The five-rate flags of each client of ``scope``: one row per period x client x level key.

    ``kpi_table`` by client_id: the per-client counts (0 or 1: buying, observed, on shelf,
    carrying, selling, stocked out) and volumes come from the same formulas as every rate on the
    pages. The client's attributes (name, region, segment, manager) are joined back on; ``extra``
    adds kpi dimensions such as grade_band, spelled the way ``kpi_table`` spells them.
    """
    clients = scope.clients(_swh.table("clients"))
    products_only = Scope(product_level=scope.product_level, product_keys=scope.product_keys)
    facts, products, orders, groups = _kpi_inputs(_swh, window, growth)
    frame = kpi_table(facts, clients, products, window, ("client_id", *extra), level, products_only, growth,
                      orders, groups)
    attributes = clients.select("client_id", "name", "district", "market_dept", "territory", "manager_id",
                                "business_format", "grade", "market_type").to_pandas()
    attributes = attributes[[c for c in attributes.columns if c == "client_id" or c not in frame.columns]]
    return frame.merge(attributes, on="client_id", how="left")


# --- prices -------------------------------------------------------------------------------

@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def prices(_swh: ScopedWarehouse, key: tuple, scope: Scope, window: Window, by: tuple[str, ...] = (),
           level: str = "all") -> pd.DataFrame:
    """``analytics.prices.price_table`` over the viewer's price snapshots: one row per period x
    ``by`` x level key with observations, prices, price index, margin index, inversion share."""
    return price_table(_swh.table("price_snapshots"), _swh.table("clients"), _swh.table("products"),
                       _swh.table(AGGREGATES["month"]), window, by, level, scope)


def prices_vs_last_year(swh: ScopedWarehouse, key: tuple, scope: Scope, window: Window,
                        level: str = "all") -> pd.DataFrame:
    """``prices`` for the whole scope with ``base_<column>`` from the same period a year earlier."""
    now = prices(swh, key, scope, window, (), level)
    before = prices(swh, key, scope, window.year_earlier(), (), level)
    if before.empty:
        return now.assign(**{f"base_{c}": pd.NA for c in ("price_index", "margin_index", "inversion_share")})
    before = before.assign(period_start=before["period_start"].map(lambda d: _year_later(d, window.granularity)))
    keep = ["period_start", "level_key", "observations", "mean_price", "price_index", "margin_index",
            "inversion_share"]
    before = before[keep].rename(columns={c: f"base_{c}" for c in keep[2:]})
    return now.merge(before, on=["period_start", "level_key"], how="left")


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def low_index(_swh: ScopedWarehouse, key: tuple, scope: Scope, window: Window, last: dt.date,
              threshold: float) -> pd.DataFrame:
    """Products whose price index in period ``last`` is below ``threshold`` (with the change
    since the period before), from the product-level price table of the window up to ``last``."""
    table = prices(_swh, key, scope, window, (), "product")
    return low_index_products(table[table["period_start"] <= last], threshold)


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def outliers(_swh: ScopedWarehouse, key: tuple, scope: Scope, window: Window, z: float) -> pd.DataFrame:
    """Single observed prices far from their product's median (``analytics.prices.price_outliers``)."""
    return price_outliers(_swh.table("price_snapshots"), _swh.table("clients"), _swh.table("products"),
                          window, scope, z=z, limit=500)


# --- stock warnings -----------------------------------------------------------------------
# One territory's list takes about half a second and its card a third; the whole city's list
# grows with the clients (40 s at 20,000), so it is kept in fewer entries and only computed when
# asked for (pages/warnings.py).

_WARNINGS_MAX = min(_MAX, 32)


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def stock_count_span(_swh: ScopedWarehouse, key: tuple) -> tuple[dt.date | None, dt.date | None]:
    """The first and the latest stock count the viewer can see ((None, None) without any)."""
    snaps = _swh.table("inventory_snapshots")
    span = snaps.aggregate(first=snaps.snapshot_date.min(), last=snaps.snapshot_date.max()).to_pandas()
    first, last = span["first"].iloc[0], span["last"].iloc[0]
    return (pd.Timestamp(first).date() if pd.notna(first) else None,
            pd.Timestamp(last).date() if pd.notna(last) else None)


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def scope_client_count(_swh: ScopedWarehouse, key: tuple, scope: Scope) -> int:
    """How many of the viewer's clients ``scope`` holds (to size a warning list before computing it)."""
    return int(scope.clients(_swh.table("clients")).count().to_pandas())


@st.cache_data(ttl=_TTL, max_entries=_WARNINGS_MAX, show_spinner=False)
def stock_warning_list(_swh: ScopedWarehouse, key: tuple, scope: Scope, as_of: dt.date,
                       thresholds: Thresholds) -> pd.DataFrame:
    """``analytics.stock.stock_warnings`` over the viewer's tables: one row per client x product
    carried on ``as_of``, sorted by severity."""
    return stock_warnings(_swh.table("orders"), _swh.table("inventory_snapshots"), _swh.table("clients"),
                          _swh.table("products"), as_of, thresholds, scope)


@st.cache_data(ttl=_TTL, max_entries=_WARNINGS_MAX, show_spinner=False)
def warning_clients(_swh: ScopedWarehouse, key: tuple, scope: Scope) -> pd.DataFrame:
    """The viewer's clients of ``scope`` with what a visit sheet names: region, format, grade,
    market type, business district, credit level and order cycle."""
    clients = scope.clients(_swh.table("clients"))
    return clients.select("client_id", "name", "district", "market_dept", "territory", "manager_id",
                          "business_format", "grade", "market_type", "business_district", "credit_level",
                          "order_cycle").to_pandas()


@st.cache_data(ttl=_TTL, max_entries=_WARNINGS_MAX, show_spinner=False)
def stock_client_card(_swh: ScopedWarehouse, key: tuple, client_id: str, as_of: dt.date,
                      thresholds: Thresholds, weeks: int = 26) -> ClientCard | None:
    """``analytics.stock.client_card`` over the viewer's tables: None for a client the viewer may
    not see (the clients table passed is the viewer's)."""
    return client_card(client_id, _swh.table("orders"), _swh.table("inventory_snapshots"),
                       _swh.table("price_snapshots"), _swh.table("clients"), _swh.table("products"),
                       as_of, weeks, thresholds)


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def region_stock(_swh: ScopedWarehouse, key: tuple, scope: Scope, as_of: dt.date, by: tuple[str, ...],
                 thresholds: Thresholds) -> pd.DataFrame:
    """``analytics.stock.social_stock``: 社会库存 and 存销比 per ``by`` x product, warnings first."""
    return social_stock(_swh.table("agg_client_product_week"), _swh.table("clients"), _swh.table("products"),
                        as_of, by, thresholds, scope)


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def find_client(_swh: ScopedWarehouse, key: tuple, client_id: str) -> dict | None:
    """One of the viewer's clients by code (None when the viewer may not see it, or it does not
    exist): how a client code from a link is checked before anything is shown."""
    clients = _swh.table("clients")
    found = clients.filter(clients.client_id == client_id).select(
        "client_id", "name", "district", "market_dept", "territory").to_pandas()
    return None if found.empty else found.iloc[0].to_dict()
