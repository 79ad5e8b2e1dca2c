"""紧俏货源投放 Allocation: this period's scarce supply by the sell-through recommendation and by grade
caps, side by side at equal supply, with the simulated outcome where the truth is known, the
flags, a reason per client, save and export."""

import datetime as dt

import streamlit as st

from analytics.allocation import Settings
from dashboard import allocation_queries as aq
from dashboard import allocation_widgets as aw
from dashboard.context import page_context
from dashboard.formatting import big_number
from dashboard.i18n import labeller, language, t
from dashboard.kpi_widgets import keep, seed

SPLITS = ["none", "urban_rural", "district"]

# --- inputs -------------------------------------------------------------------------------
ctx = page_context()
st.title(t("page.allocation"))
st.caption(t("alloc.intro"))
plans = aq.plans(ctx.swh, ctx.key)
if plans.empty:
    st.info(t("alloc.no_plans"))
    st.stop()

products = list(dict.fromkeys(plans["product_id"]))
names = dict(zip(plans["product_id"], plans["name"]))
wanted = st.query_params.get("product")  # a link from another page (Prices) may name the product
if wanted in products and st.session_state.get("al_from_link") != wanted:
    st.session_state["al_product"] = wanted
    st.session_state["al_from_link"] = wanted
seed("al_product", products[0])
if st.session_state.get("al_product") not in products:
    st.session_state["al_product"] = products[0]
top = st.columns([3, 3, 2, 2])
product = top[0].selectbox(t("alloc.product"), products, key="al_product",
                           format_func=lambda p: f"{names.get(p, p)} ({p})")
keep("al_product")

mine = plans[plans["product_id"] == product]
starts = list(mine["period_start"])
ends = dict(zip(mine["period_start"], mine["period_end"]))
# The default period: with a ground truth (the demo city) the latest one that can be played out;
# otherwise the next one to release after the latest orders.
last = aq.last_order_day(ctx.swh)
done = list(mine.loc[mine["has_truth"], "period_start"])
upcoming = [s for s in starts if last is None or s > last]
default = done[-1] if done else (upcoming[0] if upcoming else starts[-1])
if st.session_state.get("al_period") not in starts:
    st.session_state["al_period"] = default
lang = language()  # format_func may run after the script run, where the language is unknown
start = top[1].selectbox(t("alloc.period"), starts, key="al_period",
                         format_func=lambda s: t("alloc.period_label", lang, start=s, end=ends[s]))
end: dt.date = ends[start]
planned = int(mine.loc[mine["period_start"] == start, "qty_available"].sum())
if st.session_state.get("al_supply_for") != (product, start):  # a new plan: its quantity again
    st.session_state["al_supply"] = planned
    st.session_state["al_supply_for"] = (product, start)
supply = int(top[2].number_input(t("alloc.supply"), min_value=1, max_value=10_000_000, step=10,
                                 key="al_supply", help=t("alloc.supply_help")))
seed("al_split", "none")
split = top[3].selectbox(t("alloc.split"), SPLITS, key="al_split", format_func=labeller("split"))
keep("al_split")
with st.expander(t("alloc.knobs"), icon=":material/tune:"):
    k = st.columns(4)
    floor = k[0].number_input(t("alloc.floor"), 0, 50, 1, key="al_floor", help=t("alloc.floor_help"))
    cover = k[1].number_input(t("alloc.cover"), 0.0, 12.0, 1.0, step=0.5, key="al_cover", help=t("alloc.cover_help"))
    band = k[2].number_input(t("alloc.band"), 0.0, 1.0, 0.2, step=0.05, key="al_band", help=t("alloc.band_help"))
    smoothing = k[3].checkbox(t("alloc.smoothing"), True, key="al_smoothing")
knobs = Settings(floor=int(floor), cover_weeks=float(cover), band=float(band), smoothing=bool(smoothing))

# --- compute ------------------------------------------------------------------------------
with st.spinner(t("common.computing")):
    result = aq.comparison(ctx.swh, ctx.key, product, start, end, supply, split, knobs)
rec, base = result.recommended, result.baseline
if rec.clients.empty:
    st.info(t("alloc.no_clients"))
    st.stop()

# --- headline -----------------------------------------------------------------------------
cards = st.columns(5)
cards[0].metric(t("alloc.card_supply"), big_number(supply), border=True)
for column, a, label in ((cards[1], rec, "alloc.card_optimal"), (cards[2], base, "alloc.card_baseline")):
    column.metric(t(label), big_number(int(a.clients["qty_alloc"].sum())), border=True,
                  help=t("alloc.left", n=a.error))
cards[3].metric(t("alloc.card_clients"), big_number(len(rec.clients)), border=True)
cards[4].metric(t("alloc.card_flags"), big_number(int((rec.clients["flags"] != "").sum())), border=True)
for note in rec.notes:
    st.warning(t(f"note.{note}"))

# --- outcome ------------------------------------------------------------------------------
st.subheader(t("alloc.outcome"))
if result.outcome is None:
    st.info(t("alloc.no_truth"))
else:
    st.caption(t("alloc.outcome_hint"))
    aw.outcome_table(result.outcome, f"allocation_outcome_{product}_{start}", key="al_outcome")
    st.markdown(f"**{t('alloc.fill_chart')}**")
    st.plotly_chart(aw.fill_chart(result.fill), key="al_fill", config={"displaylogo": False})

# --- the two allocations, flags, save -----------------------------------------------------
tabs = st.tabs([t("alloc.tab_optimal"), t("alloc.tab_baseline"), t("alloc.tab_flags"), t("alloc.tab_runs")])
with tabs[0]:
    st.markdown(f"**{t('alloc.grade_table_optimal')}**")
    aw.grade_table(rec, f"allocation_grades_optimal_{product}_{start}", key="al_grades_opt")
    st.markdown(f"**{t('alloc.client_list')}**")
    aw.client_table(rec, f"allocation_optimal_{product}_{start}", key="al_clients_opt")
with tabs[1]:
    st.markdown(f"**{t('alloc.grade_table')}**")
    aw.grade_table(base, f"allocation_grades_by_grade_{product}_{start}", key="al_grades_base")
    st.markdown(f"**{t('alloc.client_list')}**")
    aw.client_table(base, f"allocation_by_grade_{product}_{start}", key="al_clients_base")
with tabs[2]:
    st.caption(t("alloc.flags_hint"))
    aw.flags_table(rec, f"allocation_flags_{product}_{start}", key="al_flags")
with tabs[3]:
    with st.form("al_save_form"):
        method = st.radio(t("alloc.save_method"), ["optimal", "by_grade"], horizontal=True,
                          format_func=labeller("method"), key="al_save_method")
        note = st.text_input(t("alloc.note"), key="al_note", max_chars=500)
        if st.form_submit_button(t("alloc.save"), icon=":material/save:"):
            try:
                st.session_state["al_saved"] = aq.save(ctx.swh, rec if method == "optimal" else base, note)
            except Exception as exc:  # a busy or read-only warehouse: say so, keep the page
                st.error(t("alloc.save_failed", msg=str(exc).splitlines()[0]))
            else:
                st.rerun()  # this run still reads the file as it was before the save
    if st.session_state.get("al_saved"):
        st.success(t("alloc.saved", run_id=st.session_state["al_saved"]))
    st.markdown(f"**{t('alloc.runs')}**")
    runs = aq.saved_runs(ctx.swh, ctx.key, product)
    if runs.empty:
        st.caption(t("alloc.no_runs"))
    else:
        aw.runs_table(runs, key="al_runs")
