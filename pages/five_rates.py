"""五率分析 Five-rate explorer: the five rates of one product, brand or price class by region x
segment for a period, their trends, a drill from the city down to a territory's clients, and
brands side by side. Clicking a region or a matrix cell narrows the page."""

import streamlit as st

from analytics.kpis import GROWTH, RATES
from dashboard import charts, drill, queries
from dashboard.context import page_context
from dashboard.formatting import period_label
from dashboard.i18n import labeller, t
from dashboard.kpi_widgets import (DENOMINATOR, client_marks, formula_panel, keep, level_picker, level_scope,
                                   period_picker, rate_cards, rate_columns, rate_label, rates_picker, seed,
                                   show_table)
from dashboard.widgets import coded

# --- inputs -------------------------------------------------------------------------------
ctx = page_context()
window, scope = ctx.filters.window, ctx.filters.scope
st.title(t("page.five_rates"))
st.caption(t("five.intro"))

level, product = level_picker(ctx.choices, scope, key="fr")
left, right = st.columns([3, 1])
rates = rates_picker("fr_rates", container=left)
growth = coded(st.selectbox, t("rates.growth_basis"), GROWTH, key="fr_growth", format_func=labeller("growth"),
               default="yoy", container=right)
if level != "all" and product is None:
    st.info(t("rates.no_products"))
    st.stop()

where = drill.read("fr", ctx.choices.regions, scope)
drill.breadcrumb("fr", where, drill.next_options(ctx.choices.regions, scope, where))
page_scope = where.scope(level_scope(scope, level, product))
rows_dim = where.row_level or "territory"  # at a territory the matrix keeps its one row

# --- compute ------------------------------------------------------------------------------
with st.spinner(t("common.computing")):
    total = queries.kpis_vs_last_year(ctx.swh, ctx.key, page_scope, window, level, growth)
if total.empty:
    st.info(t("common.empty"))
    st.stop()

controls = st.columns([2, 2, 3])
segment_dim = coded(st.selectbox, t("five.segment_dim"), drill.SEGMENTS, key="fr_segment_dim",
                    format_func=labeller("dim"), default="business_format", container=controls[0])
focus = coded(st.selectbox, t("five.focus_rate"), rates, key="fr_focus", format_func=labeller("rate"),
              default=rates[0], container=controls[1])
period = period_picker(total["period_start"], window.granularity, key="fr_period", container=controls[2])
period_name = period_label(period, window.granularity)

with st.spinner(t("common.computing")):
    matrix = queries.kpis(ctx.swh, ctx.key, page_scope, window, (rows_dim, segment_dim), level, growth)
    regions = queries.kpis(ctx.swh, ctx.key, page_scope, window, (rows_dim,), level, growth)
    clients = (queries.client_kpis(ctx.swh, ctx.key, page_scope, window, level, growth)
               if where.row_level is None else None)
matrix = matrix[matrix["period_start"] == period]
regions = regions[regions["period_start"] == period]
now = total[total["period_start"] == period]

# --- headline -----------------------------------------------------------------------------
st.subheader(t("five.headline", period=period_name))
rate_cards(now.iloc[0] if not now.empty else None, rates, history=total)

# --- matrix and regions -------------------------------------------------------------------
denominator = DENOMINATOR[focus]
row_codes = sorted(matrix[rows_dim].unique())
col_codes = drill.segment_order(segment_dim, matrix[segment_dim].unique())
left, right = st.columns([3, 2])
with left:
    st.markdown("**" + t("five.matrix", rate=rate_label(focus), rows=t(f"filters.{rows_dim}"),
                         cols=t(f"dim.{segment_dim}")) + "**")
    if matrix.empty:
        st.info(t("common.empty"))
    else:
        cells = matrix.rename(columns={rows_dim: "row", segment_dim: "col", focus: "rate", denominator: "clients"})
        fig = charts.rate_matrix(cells, focus, row_codes, col_codes, {}, {c: drill.segment_label(segment_dim, c)
                                 for c in col_codes},
                                 (t(f"filters.{rows_dim}"), t(f"dim.{segment_dim}"), rate_label(focus)),
                                 t("rates.empty_short"))
        chart_key = f"fr_matrix_{len(where.path)}_{segment_dim}"
        st.plotly_chart(fig, key=chart_key, on_select=drill.on_matrix_click(
            "fr", chart_key, segment_dim, drills=where.row_level is not None),
            selection_mode="points", config={"displaylogo": False})
        st.caption(t("five.click_hint"))
with right:
    st.markdown(f"**{t('five.by_region', rate=rate_label(focus), rows=t('filters.' + rows_dim))}**")
    if not regions.empty:
        bars = regions.rename(columns={rows_dim: "key", focus: "rate", denominator: "clients"})
        chart_key = f"fr_bars_{len(where.path)}"
        on_click = drill.on_region_click("fr", chart_key) if where.row_level else "ignore"
        st.plotly_chart(charts.rate_bars(bars, focus, {}, rate_label(focus), t("rates.empty_short")),
                        key=chart_key, on_select=on_click, selection_mode="points",
                        config={"displaylogo": False})

st.markdown(f"**{t('five.region_table', rows=t('filters.' + rows_dim), period=period_name)}**")
headers = {rows_dim: t(f"filters.{rows_dim}")}
headers.update({c: t(f"col.{c}") for c in ("active_clients", "buying_clients", "observed_clients",
                                            "carrying_clients")})
headers["cases"] = t("kpi.volume_cases")
table = rate_columns(regions, headers, rates)
show_table(table, f"five_rates_{rows_dim}_{period}", key="fr_regions", decimals={t("kpi.volume_cases"): 1})

# --- client list --------------------------------------------------------------------------
if clients is not None:
    st.subheader(t("five.clients", territory=where.path[-1], period=period_name))
    rows = clients[clients["period_start"] == period].sort_values(["grade", "client_id"], ascending=[False, True])
    marks = client_marks(rows)
    listing = rate_columns(rows, {"client_id": t("col.client_id"), "name": t("col.client_name"),
                                  "manager_id": t("col.manager_id"), "grade": t("filters.grade")})
    listing[t("filters.business_format")] = [drill.segment_label("business_format", v)
                                            for v in rows["business_format"]]
    for flag in ("buying", "observed", "shelf", "carrying", "selling", "stockout"):
        listing[t(f"flag.{flag}")] = marks[flag].to_numpy()
    listing[t("col.qty_ordered")] = rows["qty_ordered"].to_numpy()
    listing[t("col.stock_qty")] = rows["stock_qty"].to_numpy()
    if rows.empty:
        st.info(t("common.empty"))
    else:
        st.caption(t("five.flags_hint"))
        show_table(listing, f"clients_{where.path[-1]}_{period}", key="fr_clients")

# --- trends -------------------------------------------------------------------------------
st.subheader(t("five.trend"))
st.plotly_chart(charts.rate_trends(total, [(r, rate_label(r)) for r in rates], t("rates.axis"),
                                   base_label=t("overview.last_year"), granularity=window.granularity),
                config={"displaylogo": False})
trend_table = rate_columns(total, {"period_start": t("common.period"), "cases": t("kpi.volume_cases")}, rates)
with st.expander(t("overview.table"), icon=":material/table:"):
    show_table(trend_table, f"five_rates_trend_{window.start}_{window.end}", key="fr_trend",
               decimals={t("kpi.volume_cases"): 1})

# --- brands side by side ------------------------------------------------------------------
st.subheader(t("five.compare"))
area = where.scope(level_scope(scope, "all", None))
with st.spinner(t("common.computing")):
    by_brand = queries.kpis(ctx.swh, ctx.key, area, window, (), "brand", growth)
ranked = by_brand[by_brand["period_start"] == period].sort_values("qty_ordered", ascending=False)["level_key"]
suggested = ([product] if level == "brand" else []) + [b for b in ranked if b != product][:4]
# seeded once: a default that moved with the period would reset the user's choice
seed("fr_brands", [b for b in suggested if b in ctx.choices.product_options("brand")])
brands = st.multiselect(t("five.compare_pick"), ctx.choices.product_options("brand"), key="fr_brands",
                        max_selections=8, placeholder=t("five.compare_placeholder"))
keep("fr_brands")
if brands:
    picked = by_brand[by_brand["level_key"].isin(brands)]
    at_period = picked[picked["period_start"] == period].set_index("level_key")
    at_period = at_period.reindex([b for b in brands if b in at_period.index])  # the order picked
    groups = [(b, b) for b in brands]
    st.plotly_chart(charts.grouped_bars(at_period, groups, [(r, rate_label(r)) for r in rates],
                                        t("rates.axis")), config={"displaylogo": False})
    st.plotly_chart(charts.group_trends(picked, focus, groups, rate_label(focus) + " %",
                                        granularity=window.granularity), config={"displaylogo": False})
    compare = rate_columns(at_period.reset_index(),
                           {"level_key": t("level.brand"), "cases": t("kpi.volume_cases")}, rates)
    show_table(compare, f"brands_{period}", key="fr_compare", decimals={t("kpi.volume_cases"): 1})

formula_panel(RATES)
