"""预测准确度 Forecast accuracy: how good last months' forecasts were — seasonal naive, the rule
前三月平均 x 季节系数, the model and the customer managers' own — by manager, territory, brand
and month; the value each step added (naive → rule → model → manager); and a drill from a bad
number to its series, every forecast drawn against the actual with the festivals marked.

The reviewed months are the whole months of the sidebar's date range that have a year of history
before them and are complete. Each month is forecast one month ahead from the months before it,
as the managers forecast it. The sidebar's region and segment filters narrow the clients.
"""

import streamlit as st

from analytics.forecast.accuracy import STAGES, drill, drill_markers, fva, review_metrics
from dashboard import forecast_queries as fq
from dashboard import forecast_widgets as fw
from dashboard.context import page_context
from dashboard.formatting import percent, period_label, signed_points
from dashboard.i18n import labeller, t
from dashboard.kpi_widgets import show_table
from dashboard.widgets import coded

KINDS = ("total", "product")
BY = {"total": ("manager_id", "territory", "month"), "product": ("manager_id", "territory", "brand", "month")}

# --- inputs -------------------------------------------------------------------------------
ctx = page_context()
window, scope = ctx.filters.window, ctx.filters.scope
st.title(t("page.forecast_accuracy"))
st.caption(t("fa.intro"))
if not fq.has_manager_forecasts(ctx.swh):
    st.warning(t("fa.no_manager_table"))
    st.stop()
span = fq.history_span(ctx.swh, ctx.key, "month", window.end)
if span is None:
    st.info(t("fc.no_history", cutoff=window.end))
    st.stop()
first_data, last_month = span[0], span[1]
start, end = fq.review_months(first_data, last_month, window.start)
if start > end:
    st.warning(t("fa.short_history", first=period_label(fq.first_reviewable(first_data), "month"),
                 end=period_label(last_month, "month")))
    st.stop()

left, right = st.columns([2, 3])
kind = coded(st.segmented_control, t("fa.kind"), KINDS, key="fa_kind", format_func=labeller("fa.kind"),
             default="total", container=left)
by = coded(st.selectbox, t("fa.by"), BY[kind], key=f"fa_by_{kind}", format_func=labeller("fa.by"),
           default="manager_id", container=right)

# --- compute ------------------------------------------------------------------------------
with st.spinner(t("fa.computing")):
    frame = fq.review(ctx.swh, ctx.key, scope, start, end)
cells = frame[frame["kind"] == kind]
if cells.empty:
    st.info(t("fa.empty_scope"))
    st.stop()
months = sorted(cells["month"].unique())
st.caption(t("fa.window", start=period_label(months[0], "month"), end=period_label(months[-1], "month"),
             n=len(months), kind=t(f"fa.kind.{kind}")))
if "manager" not in set(cells["stage"]):
    st.info(t("fa.no_manager_forecasts"))
managers = fq.manager_names(ctx.swh, ctx.key)
names = dict(zip(ctx.choices.products["product_id"], ctx.choices.products["name"]))
overall = review_metrics(frame, [], kind).set_index("stage")
chain = fva(frame, [], kind).iloc[0]

# --- headline -----------------------------------------------------------------------------
st.subheader(t("fa.headline"))
cards = st.columns(4)
for column, stage in zip(cards[:2], ("model", "manager")):
    wape = overall["wape"].get(stage)
    column.metric(t("fa.card_wape", stage=fw.stage_label(stage)), percent(wape), border=True,
                  help=t("fa.card_bias", bias=percent(overall["bias"].get(stage))))
cards[2].metric(t("fa.card_fva_model"), signed_points(chain["fva_model"]), border=True,
                help=t("fa.card_fva_help"))
cards[3].metric(t("fa.card_fva_manager"), signed_points(chain["fva_manager"]), border=True,
                help=t("fa.card_fva_help"))
table = overall.reset_index()
table["stage"] = table["stage"].map(fw.stage_label)
show_table(fw.metrics_frame(table, {"stage": t("fa.stage")}), f"forecast_accuracy_{kind}", key="fa_overall",
           decimals={fw.metric_label("mase"): 2})
st.markdown(f"**{t('fa.fva_chart')}**", help=t("fa.card_fva_help"))
st.plotly_chart(fw.fva_chart(chain), config={"displaylogo": False}, key="fa_fva_chart")

# --- by manager / territory / brand / month -----------------------------------------------
st.subheader(t("fa.by_title", by=t(f"fa.by.{by}")))
header = {by: t(f"fa.by.{by}")}
value_added = fva(frame, [by], kind)
group_metrics = review_metrics(frame, [by], kind)
for table in (value_added, group_metrics):
    if by == "manager_id":
        table.insert(1, "manager_name", table["manager_id"].map(managers))
    if by == "month":
        table["month"] = [period_label(m, "month") for m in table["month"]]
first = {**header, **({"manager_name": t("fa.manager_name")} if by == "manager_id" else {})}
st.markdown(f"**{t('fa.fva_table')}**")
st.caption(t("fa.fva_note"))
show_table(fw.fva_frame(value_added, first), f"forecast_value_added_{kind}_{by}", key="fa_fva")
st.markdown(f"**{t('fa.metrics_table')}**")
group_metrics["stage"] = group_metrics["stage"].map(fw.stage_label)
show_table(fw.metrics_frame(group_metrics, {**first, "stage": t("fa.stage")}), f"forecast_accuracy_{kind}_{by}",
           key="fa_metrics", decimals={fw.metric_label("mase"): 2}, height=400)

# --- drill to a series ---------------------------------------------------------------------
st.subheader(t("fa.drill_title"))
stage = fw.drill_stage(frame, kind)
options = fw.worst_series(frame, kind, stage)
st.caption(t("fa.drill_note", stage=fw.stage_label(stage)))
labels = fw.drill_labels(options, managers, names)
series_id = coded(st.selectbox, t("fa.drill_pick"), list(options["series_id"]), key=f"fa_series_{kind}",
                  format_func=labels.get, default=options["series_id"].iloc[0])
drilled = drill(frame, series_id, kind)
st.plotly_chart(fw.drill_chart(drilled), config={"displaylogo": False}, key="fa_drill_chart")
marks = drill_markers(drilled)
marks = marks[marks["festival"].isin(fw.MARKED)]
if not marks.empty:
    st.caption(t("fa.festivals", days=t("fa.list_sep").join(f"{t('fc.festival.' + f)} {d:%Y-%m-%d}"
                                               for d, f in zip(marks["date"], marks["festival"]))))
table = drilled.copy()
table["month"] = [period_label(m, "month") for m in table["month"]]
shown = {"month": t("common.period"), "actual": t("fc.actual")}
shown.update({s: fw.stage_label(s) for s in STAGES if s in table})
table = table[list(shown)].rename(columns=shown)
show_table(table.round(0), f"forecast_drill_{series_id.replace('|', '_')}", key="fa_drill",
           decimals={c: 0 for c in table.columns if c != t("common.period")})
