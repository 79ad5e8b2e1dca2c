"""Cached reads and computations of the allocation page 紧俏货源投放.

Keys follow ``dashboard.queries``: the warehouse generation, version and the viewer's scope are in
``key``, so a saved run or an import shows at once and one viewer never gets another's rows. The
scoped warehouse is passed as ``_swh`` (not hashed).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics.allocation import Comparison, Period, Settings, compare, load_inputs, load_truth
from analytics.allocation.runs import list_runs
from dashboard.state import settings
from data.aggregates import AGGREGATES
from data.warehouse import ScopedWarehouse

_TTL = settings().cache_ttl_seconds
_MAX = settings().cache_max_entries


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def plans(_swh: ScopedWarehouse, key: tuple) -> pd.DataFrame:
    """The supply plans with their product's name: one row per product x release period, with
    has_truth (the demo city's ground truth covers the period, so it can be played out)."""
    p = _swh.table("supply_plans").to_pandas()
    names = _swh.table("products").select("product_id", "name").to_pandas()
    p = p.merge(names, on="product_id", how="left")
    p["name"] = p["name"].fillna(p["product_id"])
    last_truth = _truth_end(_swh)
    p["has_truth"] = False if last_truth is None else pd.to_datetime(p["period_end"]) <= pd.Timestamp(last_truth)
    for col in ("period_start", "period_end"):
        p[col] = pd.to_datetime(p[col]).dt.date
    return p.sort_values(["name", "product_id", "period_start"]).reset_index(drop=True)


def _truth_end(swh: ScopedWarehouse) -> dt.date | None:
    """The last day of the ground truth, or None in a warehouse without one."""
    if not swh.warehouse.has_table("truth_consumer_demand"):
        return None
    con = swh.warehouse.cursor()
    last = con.execute("SELECT max(week_start) FROM truth_consumer_demand").fetchone()[0]
    if last is None:
        return None
    # The last week may be cut short by the end of the history: only whole days count.
    end = pd.Timestamp(last).date() + dt.timedelta(days=6)
    facts = con.execute("SELECT max(order_date) FROM orders").fetchone()[0]
    return end if facts is None else min(end, pd.Timestamp(facts).date())


def last_order_day(swh: ScopedWarehouse) -> dt.date | None:
    value = swh.table("orders").order_date.max().to_pandas()
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def comparison(_swh: ScopedWarehouse, key: tuple, product_id: str, start: dt.date, end: dt.date, supply: int,
               split: str, knobs: Settings) -> Comparison:
    """Both methods at ``supply``, played out against the truth where the warehouse has one.

    The truth and the planted inflating clients are read straight from the warehouse: the page
    is for marketing and admins, who may read them (``data.warehouse.TABLE_POLICY``).
    """
    period = Period(start, end)
    inputs = load_inputs(_swh.table("orders"), _swh.table("inventory_snapshots"), _swh.table("clients"),
                         _swh.table(AGGREGATES["month"]), product_id, period, knobs.lookback_weeks)
    con = _swh.warehouse.cursor()
    truth = load_truth(con, product_id, period)
    inflaters = None
    if truth is not None:
        planted = con.execute("SELECT entity_id FROM truth_facts WHERE kind = 'inflating_client'").df()
        inflaters = [c for c in planted["entity_id"] if c in set(inputs.clients["client_id"])] or None
    return compare(inputs, supply, truth, knobs, split, inflaters)


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def saved_runs(_swh: ScopedWarehouse, key: tuple, product_id: str) -> pd.DataFrame:
    """The product's saved runs, newest first."""
    return list_runs(_swh.table("allocation_runs"), product_id)


def save(swh: ScopedWarehouse, allocation, note: str) -> str:
    """Save ``allocation`` as a run made by the viewer (one safe write); returns the run_id."""
    from analytics.allocation.runs import save_run

    return save_run(swh.warehouse.path, allocation, swh.viewer.username, note)
