"""总览 Overview: headline volume KPIs, the five rates and the price index vs last year, trends, and
how fresh the data is."""

import datetime as dt

import pandas as pd
import streamlit as st

from analytics.kpis import RATES
from dashboard import charts, queries
from dashboard.context import page_context
from dashboard.export import download_buttons
from dashboard.formatting import (big_number, money, percent, period_label, signed_percent, signed_points,
                                  unit_price)
from dashboard.i18n import t
from dashboard.kpi_widgets import index_card, rate_card
from dashboard.widgets import coded

# --- inputs -------------------------------------------------------------------------------
ctx = page_context()
window, scope = ctx.filters.window, ctx.filters.scope
st.title(t("page.overview"))

# --- compute ------------------------------------------------------------------------------
summary = queries.summary(ctx.swh, ctx.key, scope, window).iloc[0]
trend = queries.trend(ctx.swh, ctx.key, scope, window)
fresh = queries.freshness(ctx.swh, ctx.key)

# --- headline -----------------------------------------------------------------------------
st.subheader(t("overview.headline", start=window.start, end=window.end))
if summary["qty_ordered"] == 0 and summary["qty_demand"] == 0:
    st.info(t("common.empty"))


cards = [
    ("kpi.volume_cases", big_number(summary["cases"]), big_number(summary["base_cases"]),
     signed_percent(summary["change_cases"])),
    ("kpi.sales", money(summary["amount"]), money(summary["base_amount"]),
     signed_percent(summary["change_amount"])),
    ("kpi.value_per_case", unit_price(summary["value_per_case"]), unit_price(summary["base_value_per_case"]),
     signed_percent(summary["change_value_per_case"])),
    ("kpi.fill_rate", percent(summary["fill_rate"]), percent(summary["base_fill_rate"]),
     signed_points(summary["fill_rate_change"])),
    ("kpi.buying_clients", big_number(summary["buying_clients"]), big_number(summary["base_buying_clients"]),
     signed_percent(summary["change_buying_clients"])),
]
for column, (label, value, base, delta) in zip(st.columns(len(cards)), cards):
    column.metric(t(label), value, delta, border=True, help=t("kpi.vs_last_year", value=base))

with st.expander(t("overview.formula"), icon=":material/functions:"):
    st.markdown(t("overview.formula_text"))

# --- five rates and price index -----------------------------------------------------------
# Rates are per period (a share of the clients active in it), so they are shown for the
# window's last period rather than summed over the window like volume.
with st.spinner(t("common.computing")):
    rates = queries.kpis_vs_last_year(ctx.swh, ctx.key, scope, window, "all")
    prices = queries.prices_vs_last_year(ctx.swh, ctx.key, scope, window, "all")
if not rates.empty:
    last = rates["period_start"].max()
    st.subheader(t("overview.rates", period=period_label(last, window.granularity)))
    row = rates[rates["period_start"] == last].iloc[0]
    price_row = prices[prices["period_start"] == last]
    columns = st.columns(len(RATES) + 1)
    for column, rate in zip(columns, RATES):
        rate_card(column, rate, row[rate], row.get(f"base_{rate}"), t("overview.last_year"), rates[rate])
    history = prices.sort_values("period_start")
    index_card(columns[-1], "price_index", price_row["price_index"].iloc[0] if not price_row.empty else None,
               price_row["base_price_index"].iloc[0] if not price_row.empty else None, history["price_index"])

# --- trend --------------------------------------------------------------------------------
st.subheader(t("overview.trend"))
metrics = {"cases": ("kpi.volume_cases", False), "amount": ("kpi.sales", False),
           "value_per_case": ("kpi.value_per_case", False), "fill_rate": ("kpi.fill_rate", True)}
metric_labels = {m: t(key) for m, (key, _) in metrics.items()}
metric = coded(st.segmented_control, t("overview.trend_metric"), list(metrics), key="overview_metric",
               format_func=metric_labels.get, default="cases")
label, is_percent = metrics[metric]
st.plotly_chart(charts.trend_vs_base(trend, metric, t(label) + (" %" if is_percent else ""),
                                     t("overview.this_period"), t("overview.last_year"), is_percent,
                                     window.granularity),
                width="stretch", config={"displaylogo": False})

table = pd.DataFrame({
    t("common.period"): trend["period_start"],
    t("kpi.volume_cases"): trend["cases"].round(1),
    t("overview.last_year") + " · " + t("kpi.volume_cases"): trend["base_cases"].round(1),
    t("kpi.growth"): (100 * trend["growth_rate"]).round(1),
    t("kpi.sales"): trend["amount"].round(0),
    t("kpi.value_per_case"): trend["value_per_case"].round(2),
    t("kpi.fill_rate"): (100 * trend["fill_rate"]).round(1),
    t("kpi.buying_clients"): trend["buying_clients"].astype(int),
})
with st.expander(t("overview.table"), icon=":material/table:"):
    st.dataframe(table, hide_index=True, width="stretch")
    download_buttons(table, f"overview_{window.start}_{window.end}", key="overview_trend")

# --- freshness ----------------------------------------------------------------------------
st.subheader(t("overview.freshness"))
today = dt.date.today()
for column, (label, day) in zip(st.columns(3), (
        ("overview.latest_order", fresh["orders"]),
        ("overview.latest_snapshot", fresh["inventory_snapshots"]),
        ("overview.latest_price", fresh["price_snapshots"]))):
    column.metric(t(label), str(day) if day else "—",
                  t("overview.days_ago", n=(today - day).days) if day else None,
                  delta_color="off", delta_arrow="off", border=True)
meta = ctx.warehouse.meta()
st.caption(t("overview.version", version=ctx.warehouse.version, at=meta.get("updated_at", "—")))
