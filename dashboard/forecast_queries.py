"""Cached forecast and review runs for the 需求预测 and 预测准确度 pages.

Fitting is the slow part (seconds at demo scale), so a run is cached once per warehouse version,
viewer scope (the ``key`` from ``queries.cache_key``), filter scope and the arguments that change
the numbers. The forecast is cached at the base level (specification x territory) and summed to
the asked level on each run (``ForecastRun.rollup``: milliseconds, nothing refitted), so moving
between brand x district and price class x city costs nothing.

The scoped warehouse is passed as ``_swh`` (not hashed); what it stands for is in ``key``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import streamlit as st

from analytics.forecast.accuracy import manager_review
from analytics.forecast.features import SEASON, period_starts
from analytics.forecast.pipeline import ForecastRun, run_forecast
from analytics.forecast.series import history_end
from analytics.scope import Scope
from dashboard.state import settings
from data.aggregates import AGGREGATES
from data.calendar_cn import add_months, period_start
from data.warehouse import ScopedWarehouse

_TTL = settings().cache_ttl_seconds
# A run holds every model's backtest arrays: keep fewer of them than of the small KPI frames.
_MAX = min(settings().cache_max_entries, 16)

BASE_LEVEL = ("product", "territory")  # the series every level is summed from
# What the 需求预测 page shows first (and ``warmup`` fits before anyone asks)
DEFAULT_FREQ = "month"
DEFAULT_HORIZON = {"month": 3, "week": 8}
DEFAULT_MODEL = "auto"


def facts_table(freq: str) -> str:
    """The aggregate a frequency reads (``agg_client_product_week`` / ``_month``)."""
    return AGGREGATES[freq]


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def history_span(_swh: ScopedWarehouse, key: tuple, freq: str, cutoff: dt.date | None) -> tuple | None:
    """The viewer's history up to ``cutoff`` in whole periods: (first period, last period,
    first forecast period, number of periods), or None when there is no order at all.

    Checked before fitting, so a horizon the history cannot carry gets a message, not a fit."""
    facts = _swh.table(facts_table(freq))
    first = facts.aggregate(first=facts.period_start.min()).to_pandas()["first"].iloc[0]
    if first is None or pd.isna(first):
        return None
    try:
        last, first_forecast = history_end(facts, freq, cutoff)
    except ValueError:  # no complete period up to the cutoff
        return None
    first = pd.Timestamp(first).date()
    if last < first:
        return None
    return first, last, first_forecast, len(period_starts(first, last, freq))


def enough_history(periods: int, horizon: int, freq: str) -> bool:
    """A year to learn the season from plus the horizon to test it on: with less, the backtest
    behind the model choice and the intervals has nothing honest to measure."""
    return periods >= SEASON[freq] + horizon


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def base_run(_swh: ScopedWarehouse, key: tuple, scope: Scope, freq: str, horizon: int,
             cutoff: dt.date | None, model: str) -> ForecastRun:
    """``run_forecast`` at specification x territory over the viewer's clients in ``scope``.

    Raises:
        ValueError: no demand in the scope up to the cutoff (the library's message).
    """
    return run_forecast(_swh.table(facts_table(freq)), _swh.table("clients"), _swh.table("products"),
                        *BASE_LEVEL, freq, horizon, cutoff, model, scope=scope)


def forecast_run(swh: ScopedWarehouse, key: tuple, scope: Scope, freq: str, horizon: int,
                 cutoff: dt.date | None, model: str, level: str, region: str) -> ForecastRun:
    """The cached base run summed to ``level`` x ``region`` (levels add up by construction)."""
    run = base_run(swh, key, scope, freq, horizon, cutoff, model)
    return run if (level, region) == BASE_LEVEL else run.rollup(level, region)


def review_scope(scope: Scope) -> Scope:
    """The part of the sidebar scope the review can honour: regions and client segments.

    A manager's client-total forecast covers every product, so narrowing the actuals to some
    products would compare a part with the whole; the product selection is therefore left out.
    """
    return replace(scope, product_level="all", product_keys=())


def has_manager_forecasts(swh: ScopedWarehouse) -> bool:
    """Whether the warehouse holds a manager_forecasts table at all (older imports may not)."""
    try:
        swh.table("manager_forecasts")
    except Exception:  # noqa: BLE001 - a missing table raises the backend's own error type
        return False
    return True


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def review(_swh: ScopedWarehouse, key: tuple, scope: Scope, start: dt.date, end: dt.date,
           model: str = "gbm") -> pd.DataFrame:
    """``accuracy.manager_review`` of the months ``start``..``end`` over the viewer's clients in
    ``scope`` (regions and segments only, see ``review_scope``)."""
    clients = review_scope(scope).clients(_swh.table("clients"))
    return manager_review(_swh.table(facts_table("month")), clients, _swh.table("products"),
                          _swh.table("manager_forecasts"), _swh.table("managers"), start, end, model)


@st.cache_data(ttl=_TTL, max_entries=_MAX, show_spinner=False)
def manager_names(_swh: ScopedWarehouse, key: tuple) -> dict[str, str]:
    """manager_id -> name for the managers the viewer may read (the review's tables name them)."""
    m = _swh.table("managers").select("manager_id", "name").to_pandas()
    return {r.manager_id: (r.name or r.manager_id) for r in m.itertuples(index=False)}


REVIEW_MONTHS = 12  # a year of one-step backtests is what a review meeting looks at


def review_months(first_data: dt.date, last_month: dt.date, window_start: dt.date) -> tuple[dt.date, dt.date]:
    """The months the review covers: from the month holding ``window_start`` (the sidebar's), but
    not before a year of history (the season must be learnt first) nor more than
    ``REVIEW_MONTHS`` back, to ``last_month`` (the last complete one). Start > end: none."""
    start = max(period_start(window_start, "month"), add_months(first_data, 12),
                add_months(last_month, 1 - REVIEW_MONTHS))
    return start, last_month


def first_reviewable(first_data: dt.date) -> dt.date:
    """The earliest month with a year of history before it."""
    return add_months(period_start(first_data, "month"), 12)
