"""Cached reads for the pages. Every cache key holds the warehouse generation and version and
the viewer's scope, so one viewer never gets another's rows and an import shows at once.

The scoped warehouse itself is passed as ``_swh`` (leading underscore: not hashed); what it
stands for is in the hashed ``key`` (db key + scope key).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics.scope import Scope, Window
from analytics.volume import facts_table_for, volume_summary, volume_trend
from dashboard.filters import Choices
from dashboard.state import settings
from data.aggregates import SOURCES
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
