"""价格监测 Prices: price index and price margin index (顺价指数) trends, price inversion (价格倒挂),
the products whose index fell below the alert threshold (the signal to cut release, 控量稳价), and
single prices far off their product's median."""

import streamlit as st

from analytics.scope import Window
from dashboard import charts, drill, links, queries
from dashboard.context import page_context
from dashboard.formatting import big_number, index_number, period_label
from dashboard.i18n import t
from dashboard.kpi_widgets import (formula_panel, index_card, keep, level_picker, level_scope, period_picker,
                                   price_charts, rate_card, rate_label, seed, show_table)

MEASURES = ["price_index", "margin_index", "inversion_share"]

# --- inputs -------------------------------------------------------------------------------
ctx = page_context()
window, scope = ctx.filters.window, ctx.filters.scope
st.title(t("page.prices"))
st.caption(t("prices.intro"))

level, product = level_picker(ctx.choices, scope, key="pr", default="all")
where = drill.read("pr", ctx.choices.regions, scope)
drill.breadcrumb("pr", where, drill.next_options(ctx.choices.regions, scope, where))
page_scope = where.scope(level_scope(scope, level, product))
rows_dim = where.row_level or "territory"

# --- compute ------------------------------------------------------------------------------
with st.spinner(t("common.computing")):
    trend = queries.prices_vs_last_year(ctx.swh, ctx.key, page_scope, window, level)
if trend.empty:
    st.info(t("prices.no_observations"))
    st.stop()
controls = st.columns([3, 1, 1])
period = period_picker(trend["period_start"], window.granularity, key="pr_period", container=controls[0])
seed("pr_threshold", 95.0)
seed("pr_z", 3.5)
threshold = controls[1].number_input(t("prices.threshold"), 50.0, 120.0, step=1.0, key="pr_threshold",
                                     help=t("prices.threshold_help"))
z = controls[2].number_input(t("prices.z"), 2.0, 10.0, step=0.5, key="pr_z", help=t("prices.z_help"))
keep("pr_threshold")
keep("pr_z")
period_name = period_label(period, window.granularity)
one_period = Window.snapped(period, period, window.granularity)
with st.spinner(t("common.computing")):
    regions = queries.prices(ctx.swh, ctx.key, page_scope, window, (rows_dim,), level)
    low = queries.low_index(ctx.swh, ctx.key, page_scope, window, period, float(threshold))
    odd = queries.outliers(ctx.swh, ctx.key, page_scope, one_period, float(z))
regions = regions[regions["period_start"] == period]
now = trend[trend["period_start"] == period].iloc[0]

# --- headline -----------------------------------------------------------------------------
st.subheader(t("prices.headline", period=period_name))
cards = st.columns(5)
history = trend.sort_values("period_start")
for column, measure, digits in ((cards[0], "price_index", 1), (cards[1], "margin_index", 3)):
    index_card(column, measure, now[measure], now[f"base_{measure}"], history[measure], digits)
rate_card(cards[2], "inversion_share", now["inversion_share"], now["base_inversion_share"],
          t("overview.last_year"), history["inversion_share"])
cards[3].metric(t("prices.mean_card"), index_number(now["mean_price"], 2), border=True, height="stretch",
                help=t("prices.median", value=index_number(now["median_price"], 2)))
cards[4].metric(t("prices.observations"), big_number(now["observations"]), border=True, height="stretch",
                help=t("prices.clients_observed", n=int(now["clients_observed"])))

# --- trends -------------------------------------------------------------------------------
st.subheader(t("five.trend"))
price_charts(trend, window.granularity, float(threshold))

# --- by region ----------------------------------------------------------------------------
st.subheader(t("prices.by_region", rows=t(f"filters.{rows_dim}"), period=period_name))
if regions.empty:
    st.info(t("prices.no_observations"))
else:
    bars = regions.rename(columns={rows_dim: "key", "price_index": "value"})
    chart_key = f"pr_bars_{len(where.path)}"
    st.plotly_chart(charts.index_bars(bars, "price_index", {}, rate_label("price_index"), 100.0, float(threshold)),
                    key=chart_key, selection_mode="points", config={"displaylogo": False},
                    on_select=drill.on_region_click("pr", chart_key) if where.row_level else "ignore")
    if where.row_level:
        st.caption(t("prices.click_hint"))
    table = regions[[rows_dim, "observations", "mean_price", "median_price", "price_p10", "price_p90",
                     "price_index", "margin_index"]].rename(columns={
                         rows_dim: t(f"filters.{rows_dim}"), "observations": t("prices.observations"),
                         "mean_price": t("col.mean_price"), "median_price": t("prices.median_price"),
                         "price_p10": t("prices.p10"), "price_p90": t("prices.p90"),
                         "price_index": rate_label("price_index"), "margin_index": rate_label("margin_index")})
    table[rate_label("inversion_share") + " %"] = (100 * regions["inversion_share"]).round(1).to_numpy()
    show_table(table.reset_index(drop=True), f"prices_{rows_dim}_{period}", key="pr_regions",
               decimals={rate_label("margin_index"): 3, t("col.mean_price"): 2, t("prices.median_price"): 2,
                         t("prices.p10"): 2, t("prices.p90"): 2})

# --- products below the threshold ---------------------------------------------------------
st.subheader(t("prices.low", threshold=index_number(threshold, 0), period=period_name))
st.caption(t("prices.low_hint"))
if low.empty:
    st.success(t("prices.none_low"))
else:
    allocation = links.page("allocation")
    if allocation is not None:
        st.page_link(allocation, label=t("prices.to_allocation"), icon=":material/local_shipping:")
    listing = low[["product_id", "product_name", "price_index", "previous_index", "index_change", "margin_index",
                   "observations"]].rename(columns={
                       "product_id": t("col.product_id"), "product_name": t("col.product_name"),
                       "price_index": rate_label("price_index"), "previous_index": t("prices.previous_index"),
                       "index_change": t("prices.index_change"), "margin_index": rate_label("margin_index"),
                       "observations": t("prices.observations")})
    listing[rate_label("inversion_share") + " %"] = (100 * low["inversion_share"]).round(1).to_numpy()
    show_table(listing, f"low_price_index_{period}", key="pr_low", decimals={rate_label("margin_index"): 3})

# --- outliers -----------------------------------------------------------------------------
st.subheader(t("prices.outliers", period=period_name))
st.caption(t("prices.outliers_hint", z=z))
if odd.empty:
    st.success(t("prices.none_odd"))
else:
    listing = odd[["client_id", "district", "territory", "product_id", "product_name", "snapshot_date",
                   "retail_price", "median_price", "guided_price", "robust_z"]].rename(columns={
                       "client_id": t("col.client_id"), "district": t("filters.district"),
                       "territory": t("filters.territory"), "product_id": t("col.product_id"),
                       "product_name": t("col.product_name"), "snapshot_date": t("prices.date"),
                       "retail_price": t("prices.retail_price"), "median_price": t("prices.median_price"),
                       "guided_price": t("prices.guided_price"), "robust_z": t("prices.robust_z")})
    listing[t("prices.direction")] = [t(f"prices.dir_{d}") for d in odd["direction"]]
    show_table(listing, f"price_outliers_{period}", key="pr_outliers",
               decimals={t("prices.retail_price"): 2, t("prices.median_price"): 2, t("prices.guided_price"): 2,
                         t("prices.robust_z"): 2})

formula_panel(MEASURES)
