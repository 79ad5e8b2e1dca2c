"""需求预测 Forecast: demand (条) of any product level x region level, per month or week, with
80 % / 95 % intervals and the festivals marked; the next periods' plan table for every series of
the level, exported to CSV and Excel.

The sidebar's region and segment filters narrow the clients, its product selection the products;
the end of its date range is the forecast's cutoff (history up to it, forecasts after it), so a
past end shows what the model would have said then. A customer manager's warehouse holds only
the own clients, so the series are the own territory's.
"""

import streamlit as st

from dashboard import forecast_queries as fq
from dashboard import forecast_widgets as fw
from dashboard.context import page_context
from dashboard.formatting import big_number, percent, period_label
from dashboard.i18n import labeller, t
from dashboard.kpi_widgets import keep, seed, show_table
from dashboard.widgets import coded

PRODUCT_LEVELS = ("product", "brand", "price_class", "all")
REGIONS = ("district", "market_dept", "territory", "city")
FREQS = ("month", "week")
# The page offers the fast models: ETS fits one model per series, too slow for a page at city
# scale (the command line has it, and 'auto' uses it on small runs).
PAGE_MODELS = ("auto", "gbm", "rule", "seasonal_naive", "naive")
MAX_HORIZON = {"month": 12, "week": 26}

# --- inputs -------------------------------------------------------------------------------
ctx = page_context()
window, scope = ctx.filters.window, ctx.filters.scope
st.title(t("page.forecast"))
st.caption(t("fc.intro"))

cols = st.columns([2, 2, 2, 3, 2])
level = coded(st.selectbox, t("filters.product_level"), PRODUCT_LEVELS, key="fc_level",
              format_func=labeller("level"), default="brand", container=cols[0])
region = coded(st.selectbox, t("fc.region_level"), REGIONS, key="fc_region", format_func=labeller("fc.region"),
               default="district", container=cols[1])
freq = coded(st.segmented_control, t("fc.freq"), FREQS, key="fc_freq", format_func=labeller("gran"),
             default="week" if window.granularity == "week" else fq.DEFAULT_FREQ, container=cols[2])
horizon_key = f"fc_horizon_{freq}"
seed(horizon_key, fq.DEFAULT_HORIZON[freq])
horizon = cols[3].slider(t("fc.horizon", freq=t(f"gran.{freq}")), 1, MAX_HORIZON[freq], key=horizon_key)
keep(horizon_key)
model = coded(st.selectbox, t("fc.model"), PAGE_MODELS, key="fc_model", format_func=labeller("fc.model"),
              default=fq.DEFAULT_MODEL, container=cols[4])

# --- compute ------------------------------------------------------------------------------
cutoff = window.end
span = fq.history_span(ctx.swh, ctx.key, freq, cutoff)
if span is None:
    st.info(t("fc.no_history", cutoff=cutoff))
    st.stop()
first, last, first_forecast, periods = span
if not fq.enough_history(periods, horizon, freq):
    st.warning(t("fc.short_history", n=periods, g=t(f"gran.{freq}"), last=period_label(last, freq),
                 h=horizon, need=fq.SEASON[freq] + horizon))
    st.stop()
with st.spinner(t("fc.fitting")):
    try:
        run = fq.forecast_run(ctx.swh, ctx.key, scope, freq, horizon, cutoff, model, level, region)
    except ValueError:  # no demand in the scope up to the cutoff
        run = None
if run is None or run.history.n_series == 0:
    st.info(t("fc.empty_scope"))
    st.stop()
shown = run.recommended if model == "auto" else model
listing = run.list_series()
region_column = None if region == "city" else region
names = dict(zip(ctx.choices.products["product_id"], ctx.choices.products["name"]))

st.caption(t("fc.as_of", last=period_label(last, freq), first=period_label(run.periods[0], freq),
             n=len(listing), model=fw.model_label(shown)))
if model == "auto":
    st.caption(t("fc.auto_note", model=fw.model_label(shown)))

# --- one series ---------------------------------------------------------------------------
labels = fw.series_labels(listing, level, region_column, names)
series_id = coded(st.selectbox, t("fc.series", n=len(listing)), list(listing["series_id"]),
                  key=f"fc_series_{level}_{region}", format_func=labels.get, default=listing["series_id"].iloc[0])
frame = run.series(series_id, shown)
future = frame[frame[shown].notna()]
last_year = fw.same_periods_last_year(frame, shown, freq)
cards = st.columns(4)
cards[0].metric(t("fc.card_next", period=period_label(run.periods[0], freq)), big_number(future[shown].iloc[0], "条"),
                fw.change(future[shown].iloc[0], last_year[0]), border=True,
                help=t("fc.card_interval", lo=big_number(future[f"{shown}_lo_80"].iloc[0]),
                       hi=big_number(future[f"{shown}_hi_80"].iloc[0])) + "\n\n" + t("fc.vs_last_year"))
cards[1].metric(t("fc.card_total", h=horizon, g=t(f"gran.{freq}")), big_number(future[shown].sum(), "条"),
                fw.change(future[shown].sum(), sum(last_year)), border=True, help=t("fc.vs_last_year"))
level_metrics = run.metrics(["model"]).set_index("model")
wape = level_metrics["wape"].get(shown)
cards[2].metric(t("fc.card_wape"), percent(wape), border=True, help=t("fc.card_wape_help"))
cards[3].metric(t("fc.card_model"), t(f"fc.model_short.{shown}"), border=True,
                help=fw.model_label(shown) + "\n\n" + t("fc.card_model_help"))

st.subheader(t("fc.chart_title", series=labels[series_id]))
st.plotly_chart(fw.forecast_chart(frame, shown, freq), config={"displaylogo": False}, key="fc_chart")
st.caption(t("fc.chart_note"))

# --- the plan -----------------------------------------------------------------------------
st.subheader(t("fc.plan_title", n=len(listing), h=horizon, g=t(f"gran.{freq}")))
plan = fw.plan_frame(run.plan(shown), level, region_column, freq, names)
show_table(plan, f"forecast_plan_{level}_{region}_{freq}_{run.periods[0]}", key="fc_plan")

# --- why this model -----------------------------------------------------------------------
with st.expander(t("fc.backtest_title"), icon=":material/fact_check:"):
    st.caption(t("fc.backtest_note", windows=run.backtest.windows, h=horizon, g=t(f"gran.{freq}")))
    table = level_metrics.reset_index()
    table["model"] = table["model"].map(fw.model_label)
    show_table(fw.metrics_frame(table, {"model": t("fc.model")}), f"forecast_backtest_{level}_{region}_{freq}",
               key="fc_backtest", decimals={fw.metric_label("mase"): 2})
