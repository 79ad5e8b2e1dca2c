"""品牌 Brand view: one brand's specifications with their rates, growth and prices, its trend, its
price health, and the clients who should be buying it but are not."""

import streamlit as st

from analytics.kpis import RATES
from dashboard import charts, drill, queries
from dashboard.context import page_context
from dashboard.formatting import big_number, period_label, unit_price
from dashboard.i18n import code_label, t
from dashboard.kpi_widgets import (formula_panel, index_card, keep, level_scope, period_picker, price_charts,
                                   rate_cards, rate_columns, rate_label, seed, show_table)
from analytics.potential import MIN_PEERS, under_covered

# --- inputs -------------------------------------------------------------------------------
ctx = page_context()
window, scope = ctx.filters.window, ctx.filters.scope
st.title(t("page.brand"))

brands = ctx.choices.product_options("brand")
if scope.product_level == "brand" and scope.product_keys:
    brands = [b for b in brands if b in scope.product_keys]
if not brands:
    st.info(t("rates.no_products"))
    st.stop()
with st.spinner(t("common.computing")):
    everything = queries.kpis(ctx.swh, ctx.key, level_scope(scope, "all", None), window, (), "brand")
seed("br_brand", None)
if st.session_state.get("br_brand") not in brands:
    # the brand with the most volume in the window: the one a visitor most likely came for
    volume = everything.groupby("level_key")["qty_ordered"].sum()
    ranked = [b for b in volume.sort_values(ascending=False).index if b in brands]
    st.session_state["br_brand"] = ranked[0] if ranked else brands[0]
top = st.columns([2, 3])
brand = top[0].selectbox(t("level.brand"), brands, key="br_brand")
keep("br_brand")
brand_scope = level_scope(scope, "brand", brand)

# --- compute ------------------------------------------------------------------------------
with st.spinner(t("common.computing")):
    total = queries.kpis_vs_last_year(ctx.swh, ctx.key, brand_scope, window, "brand")
    specs = queries.kpis(ctx.swh, ctx.key, brand_scope, window, (), "product")
    price = queries.prices_vs_last_year(ctx.swh, ctx.key, brand_scope, window, "brand")
    spec_prices = queries.prices(ctx.swh, ctx.key, brand_scope, window, (), "product")
if total.empty:
    st.info(t("common.empty"))
    st.stop()
period = period_picker(total["period_start"], window.granularity, key="br_period", container=top[1])
period_name = period_label(period, window.granularity)
now = total[total["period_start"] == period]
row = now.iloc[0] if not now.empty else None
price_now = price[price["period_start"] == period]
price_row = price_now.iloc[0] if not price_now.empty else None

# --- headline -----------------------------------------------------------------------------
st.subheader(t("brand.headline", brand=brand, period=period_name))
rate_cards(row, RATES, history=total)
cards = st.columns(4)
for column, measure, label, shown in ((cards[0], "cases", "kpi.volume_cases", big_number),
                                      (cards[1], "value_per_case", "kpi.value_per_case", unit_price)):
    value, base = (None, None) if row is None else (row[measure], row[f"base_{measure}"])
    column.metric(t(label), shown(value), border=True, height="stretch",
                  help=t("kpi.vs_last_year", value=shown(base)))
history = price.sort_values("period_start")
for column, measure, digits in ((cards[2], "price_index", 1), (cards[3], "margin_index", 3)):
    index_card(column, measure, None if price_row is None else price_row[measure],
               None if price_row is None else price_row.get(f"base_{measure}"), history[measure], digits)

# --- specifications -----------------------------------------------------------------------
st.subheader(t("brand.specs", period=period_name))
spec_now = specs[specs["period_start"] == period]
prices_now = spec_prices[spec_prices["period_start"] == period][["level_key", "price_index", "margin_index",
                                                                 "inversion_share", "mean_price"]]
spec_now = spec_now.merge(prices_now, on="level_key", how="left")
catalogue = ctx.choices.products.set_index("product_id")
spec_table = rate_columns(spec_now, {"level_key": t("col.product_id"), "level_name": t("col.product_name"),
                                     "cases": t("kpi.volume_cases")}, RATES)
spec_table.insert(2, t("level.price_class"),
                  [code_label("pc", catalogue["price_class"].get(k)) for k in spec_now["level_key"]])
spec_table[t("col.mean_price")] = spec_now["mean_price"].round(2).to_numpy()
spec_table[t("rate.price_index")] = spec_now["price_index"].round(1).to_numpy()
spec_table[t("rate.margin_index")] = spec_now["margin_index"].round(3).to_numpy()
spec_table[t("rate.inversion_share") + " %"] = (100 * spec_now["inversion_share"]).round(1).to_numpy()
show_table(spec_table, f"brand_{brand}_specs_{period}", key="br_specs",
           decimals={t("kpi.volume_cases"): 1, t("rate.margin_index"): 3, t("col.mean_price"): 2})

# --- trend --------------------------------------------------------------------------------
st.subheader(t("five.trend"))
left, right = st.columns(2)
left.markdown(f"**{t('brand.trend_rates')}**")
right.markdown(f"**{rate_label('growth_rate')}**", help=t("formula.growth_rate"))
left.plotly_chart(charts.rate_trends(total, [(r, rate_label(r)) for r in RATES if r != "growth_rate"],
                                     t("rates.axis"), granularity=window.granularity),
                  config={"displaylogo": False})
right.plotly_chart(charts.rate_trends(total, [("growth_rate", rate_label("growth_rate"))], t("rates.axis"),
                                      granularity=window.granularity), config={"displaylogo": False})

# --- price health -------------------------------------------------------------------------
st.subheader(t("brand.price_health"))
if price.empty:
    st.info(t("prices.no_observations"))
else:
    price_charts(price, window.granularity)

# --- under-covered ------------------------------------------------------------------------
st.subheader(t("brand.potential"))
st.caption(t("brand.potential_definition", n=MIN_PEERS))
seed("br_peer_rate", 50)
threshold = st.slider(t("brand.peer_threshold"), 10, 100, step=5, key="br_peer_rate", format="%d%%")
keep("br_peer_rate")
with st.spinner(t("common.computing")):
    brand_clients = queries.client_kpis(ctx.swh, ctx.key, brand_scope, window, "brand")
    all_clients = queries.client_kpis(ctx.swh, ctx.key, level_scope(scope, "all", None), window, "all",
                                      extra=("grade_band", "business_format"))
prospects = under_covered(brand_clients, all_clients, threshold / 100)
if prospects.empty:
    st.success(t("brand.no_potential"))
else:
    st.markdown(t("brand.potential_count", n=len(prospects), brand=brand))
    listing = prospects.rename(columns={
        "client_id": t("col.client_id"), "name": t("col.client_name"), "district": t("filters.district"),
        "territory": t("filters.territory"), "manager_id": t("col.manager_id"), "grade": t("filters.grade"),
        "peers": t("brand.peers")}).drop(columns=["market_dept", "grade_band", "market_type", "business_format",
                                                  "peer_rate", "qty_all", "cases_all"])
    listing.insert(5, t("filters.business_format"),
                   [drill.segment_label("business_format", v) for v in prospects["business_format"]])
    listing[t("brand.peer_rate")] = (100 * prospects["peer_rate"]).round(1)
    listing[t("brand.client_volume")] = prospects["cases_all"].round(1)
    show_table(listing, f"brand_{brand}_potential", key="br_potential")

formula_panel([*RATES, "price_index", "margin_index", "inversion_share"])
