"""Charts and tables of the 需求预测 and 预测准确度 pages: history with forecast and intervals, every
forecast of a reviewed series against its actual, festival dates marked, and the display frames
of the plan and the metrics (headers in the reader's language, exports equal to what is shown).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics.forecast.accuracy import STAGES, review_metrics
from analytics.forecast.features import festival_markers
from analytics.forecast.metrics import METRICS
from dashboard.charts import COLORS, FONT, TICK_FORMAT
from dashboard.formatting import period_label, signed_percent
from data.calendar_cn import add_months
from dashboard.i18n import code_label, t

# The festivals the charts mark (05-forecasting.md: the peaks demand follows); 除夕 sits a day
# before 春节 and 五一 moves little, so marking them too would only crowd the axis.
MARKED = ("spring_festival", "mid_autumn", "national_day")
FESTIVAL_COLORS = {"spring_festival": "#C0392B", "mid_autumn": "#C99A2E", "national_day": "#355C7D"}
# One colour per stage of the review, on every chart that shows it.
STAGE_COLORS = {"naive": "#BDC3C7", "seasonal_naive": "#9AA5B1", "rule": "#355C7D", "model": "#C99A2E",
                "manager": "#6C5B7B"}
BAND_80, BAND_95 = "rgba(201,154,46,0.35)", "rgba(201,154,46,0.15)"


def model_label(name: str) -> str:
    return t(f"fc.model.{name}")


def stage_label(stage: str) -> str:
    return t(f"fa.stage.{stage}")


def metric_label(metric: str) -> str:
    return t(f"fa.metric.{metric}")


def _layout(fig: go.Figure, freq: str, y_title: str) -> go.Figure:
    fig.update_layout(
        font_family=FONT, margin=dict(l=10, r=10, t=40, b=10), height=420, plot_bgcolor="white",
        # legend on the left: on the right it runs under Plotly's toolbar
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0), hovermode="x unified",
        yaxis=dict(title=y_title, gridcolor="#EEE", rangemode="tozero", tickformat=",.0f"),
        xaxis=dict(title=t("fc.axis_period", freq=t(f"gran.{freq}")), gridcolor="#F5F5F5",
                   tickformat=TICK_FORMAT[freq], hoverformat="%Y-%m-%d"))
    return fig


def add_festivals(fig: go.Figure, first: dt.date, last: dt.date, top: float) -> pd.DataFrame:
    """Mark the festivals between ``first`` and ``last``: a dotted line per date and, for the
    legend and the hover, a marker per festival at the top of the plot.

    Returns:
        The marked dates (date, festival), for the page's tests and captions.
    """
    marks = festival_markers(first, last)
    marks = marks[marks["festival"].isin(MARKED)].reset_index(drop=True)
    for name in MARKED:
        days = marks.loc[marks["festival"] == name, "date"].tolist()
        if not days:
            continue
        for day in days:
            fig.add_shape(type="line", xref="x", yref="paper", x0=day, x1=day, y0=0, y1=1,
                          line=dict(color=FESTIVAL_COLORS[name], width=1, dash="dot"))
        fig.add_trace(go.Scatter(x=days, y=[top] * len(days), mode="markers", name=t(f"fc.festival.{name}"),
                                 marker=dict(symbol="triangle-down", size=10, color=FESTIVAL_COLORS[name]),
                                 hovertemplate="%{x|%Y-%m-%d}"))
    return marks


def forecast_chart(frame: pd.DataFrame, model: str, freq: str) -> go.Figure:
    """History, the forecast of ``model`` and its 80 % / 95 % intervals, festivals marked.

    Args:
        frame: ``ForecastRun.series`` rows (period_start, actual, model, model_lo_80 …).
        model: the model whose columns the frame carries.
        freq: 'week' or 'month' (axis ticks).
    """
    fig = go.Figure()
    future = frame[frame[model].notna()]
    past = frame[frame["actual"].notna()]
    x = list(future["period_start"])
    for level, colour in (("95", BAND_95), ("80", BAND_80)):
        lo, hi = future[f"{model}_lo_{level}"], future[f"{model}_hi_{level}"]
        fig.add_trace(go.Scatter(x=x + x[::-1], y=list(hi) + list(lo[::-1]), fill="toself", fillcolor=colour,
                                 mode="lines", line=dict(width=0), name=t(f"fc.interval_{level}"), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=past["period_start"], y=past["actual"], name=t("fc.actual"), mode="lines+markers",
                             line=dict(color=COLORS["current"], width=2), hovertemplate="%{y:,.0f}"))
    # join the forecast to the last actual so the eye reads one line into the future
    bridge = past.tail(1)
    fig.add_trace(go.Scatter(x=list(bridge["period_start"]) + x, y=list(bridge["actual"]) + list(future[model]),
                             name=t("fc.forecast_of", model=model_label(model)), mode="lines+markers",
                             line=dict(color=COLORS["accent"], width=3, dash="dash"), hovertemplate="%{y:,.0f}"))
    top = float(np.nanmax(np.r_[frame["actual"].to_numpy(float), future[f"{model}_hi_95"].to_numpy(float), 1.0]))
    add_festivals(fig, min(frame["period_start"]), _period_end(max(frame["period_start"]), freq), top * 1.05)
    fig = _layout(fig, freq, t("fc.axis_demand"))
    # open on the last two years and the forecast, so the future is not a sliver at the edge;
    # the whole history is a zoom-out (double click) away
    start = max(min(frame["period_start"]), x[0] - dt.timedelta(days=730)) if x else min(frame["period_start"])
    fig.update_xaxes(range=[start - dt.timedelta(days=15), _period_end(max(frame["period_start"]), freq)])
    return fig


def drill_chart(drilled: pd.DataFrame) -> go.Figure:
    """One reviewed series: the actual as bars, every stage's forecast as a line, festivals
    marked (``accuracy.drill`` rows)."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=drilled["month"], y=drilled["actual"], name=t("fc.actual"),
                         marker_color=COLORS["base"], hovertemplate="%{y:,.0f}"))
    for stage in STAGES:
        if stage in drilled:
            fig.add_trace(go.Scatter(x=drilled["month"], y=drilled[stage], name=stage_label(stage),
                                     mode="lines+markers", line=dict(color=STAGE_COLORS[stage],
                                                                     width=3 if stage in ("model", "manager") else 2),
                                     hovertemplate="%{y:,.0f}"))
    values = drilled.drop(columns="month").to_numpy(float)
    top = float(np.nanmax(np.r_[values.ravel(), 1.0]))
    add_festivals(fig, min(drilled["month"]), _period_end(max(drilled["month"]), "month"), top * 1.05)
    return _layout(fig, "month", t("fc.axis_demand"))


def fva_chart(row: pd.Series) -> go.Figure:
    """WAPE at each step of naive → rule → model → manager (one ``accuracy.fva`` row), lower is better."""
    chain = [s for s in ("naive", "rule", "model", "manager") if pd.notna(row.get(f"wape_{s}"))]
    values = [100 * row[f"wape_{s}"] for s in chain]
    fig = go.Figure(go.Bar(x=[stage_label(s) for s in chain], y=values, text=[f"{v:.1f}%" for v in values],
                           marker_color=[STAGE_COLORS[s] for s in chain], textposition="outside",
                           hovertemplate="%{y:.1f}%"))
    fig.update_layout(font_family=FONT, margin=dict(l=10, r=10, t=30, b=10), height=320, plot_bgcolor="white",
                      yaxis=dict(title=t("fa.axis_wape"), gridcolor="#EEE", rangemode="tozero"), showlegend=False)
    return fig


def same_periods_last_year(frame: pd.DataFrame, model: str, freq: str) -> list[float]:
    """The actual of the period a year before each forecast period (52 weeks for weeks; NaN
    where the history does not reach), to put the forecast's change beside it."""
    actual = dict(zip(frame["period_start"], frame["actual"]))
    future = frame.loc[frame[model].notna(), "period_start"]
    before = [d - dt.timedelta(weeks=52) if freq == "week" else add_months(d, -12) for d in future]
    return [float(actual.get(d, np.nan)) for d in before]


def change(value: float, base: float) -> str | None:
    """The change of ``value`` over ``base`` for a card's delta, or None without a base."""
    return signed_percent(value / base - 1) if base and np.isfinite(base) and base > 0 else None


def _period_end(start: dt.date, freq: str) -> dt.date:
    if freq == "week":
        return start + dt.timedelta(days=6)
    return (pd.Timestamp(start) + pd.offsets.MonthEnd(0)).date()


# --- tables -------------------------------------------------------------------------------

def key_label(level: str, key: str, names: dict[str, str]) -> str:
    """A level key as a reader names it: a specification by name and code, a price class by
    its class name, the whole range as such; brands are their own names."""
    if level == "product":
        return f"{names.get(key, key)} ({key})"
    if level == "price_class":
        return code_label("pc", key)
    if level == "all":
        return t("level.all")
    return str(key)


def series_labels(listing: pd.DataFrame, level: str, region: str | None, names: dict[str, str]) -> dict[str, str]:
    """Picker labels of ``list_series`` rows: what, where (a territory with its market
    department: territory names repeat) and the share of last year's demand."""
    out = {}
    for row in listing.itertuples(index=False):
        where = str(row.series_id).split("|", 1)[1] if region else t("fc.region.city")
        share = f"{100 * row.share:.1f}%" if pd.notna(row.share) else "—"
        out[row.series_id] = f"{key_label(level, row.level_key, names)} · {where} · {share}"
    return out


def series_headers(region: str | None, level: str) -> dict[str, str]:
    """Headers of a series' key columns: the product level and the region level."""
    # a specification is shown by code with its name beside it (both headed as elsewhere)
    out = {"level_key": t("col.product_id") if level == "product" else t(f"level.{level}")}
    if region:
        out[region] = t(f"filters.{region}")
    return out


def plan_frame(plan: pd.DataFrame, level: str, region: str | None, freq: str,
               names: dict[str, str]) -> pd.DataFrame:
    """The plan as shown and exported: the series, the model, one whole-条 column per future
    period (headed by the period's name) and the total.

    Args:
        plan: ``ForecastRun.plan`` rows.
        level, region: the run's level and region column (None for the city).
        freq: 'week' or 'month'.
        names: product id -> name (specifications get their name beside the code).
    """
    out = pd.DataFrame(index=plan.index)
    for column, header in series_headers(region, level).items():
        out[header] = plan[column].astype(str)
    if level == "product":
        out.insert(1, t("col.product_name"), plan["level_key"].map(names).fillna(""))
    elif level == "price_class":
        out[t("level.price_class")] = [code_label("pc", k) for k in plan["level_key"]]
    out[t("fc.model")] = plan["model"].map(model_label)
    periods = [c for c in plan.columns if _is_iso(c)]
    for column in periods:
        out[period_label(dt.date.fromisoformat(column), freq)] = plan[column].round().astype("int64")
    out[t("fc.total")] = plan[periods].round().astype("int64").sum(axis=1)
    return out.reset_index(drop=True)


def _is_iso(text: str) -> bool:
    try:
        dt.date.fromisoformat(str(text))
    except ValueError:
        return False
    return True


def metrics_frame(metrics: pd.DataFrame, first: dict[str, str]) -> pd.DataFrame:
    """Metric rows (``metrics.evaluate`` / ``review_metrics``) as shown: ``first`` columns
    (source -> header), the actual in 条, then WAPE, bias, MAPE and within ±10 % in percent
    with one decimal and MASE as a ratio."""
    out = pd.DataFrame(index=metrics.index)
    for column, header in first.items():
        out[header] = metrics[column]
    out[t("fa.actual_total")] = metrics["actual"].round().astype("int64")
    for metric in METRICS:
        values = metrics[metric].astype(float)
        if metric == "mase":
            out[metric_label(metric)] = values.round(2)
        else:
            out[metric_label(metric) + " %"] = (100 * values).round(1)
    return out.reset_index(drop=True)


def fva_frame(table: pd.DataFrame, first: dict[str, str]) -> pd.DataFrame:
    """``accuracy.fva`` rows as shown: ``first`` columns, the actual, WAPE per step, the model's
    and the managers' bias, and the value each step added, in WAPE points (+: it helped)."""
    out = pd.DataFrame(index=table.index)
    for column, header in first.items():
        out[header] = table[column]
    out[t("fa.actual_total")] = table["actual"].round().astype("int64")
    for stage in ("naive", "rule", "model", "manager"):
        out[t("fa.wape_of", stage=stage_label(stage)) + " %"] = (100 * table[f"wape_{stage}"]).round(1)
    for stage in ("model", "manager"):
        out[t("fa.bias_of", stage=stage_label(stage)) + " %"] = (100 * table[f"bias_{stage}"]).round(1)
    for step in ("rule", "model", "manager", "total"):
        out[t(f"fa.fva_{step}")] = (100 * table[f"fva_{step}"]).round(1)
    return out.reset_index(drop=True)


# --- the review's drill ---------------------------------------------------------------------

def drill_stage(frame: pd.DataFrame, kind: str) -> str:
    """The stage whose errors rank the drill list: the managers' where they forecast, else the
    model's."""
    present = set(frame.loc[frame["kind"] == kind, "stage"])
    return "manager" if "manager" in present else "model"


def worst_series(frame: pd.DataFrame, kind: str, stage: str) -> pd.DataFrame:
    """The reviewed series of ``kind``, worst ``stage`` WAPE first (the bad numbers to drill).

    Returns:
        series_id, manager_id, territory, product_id, wape, bias (of ``stage``), one row per series.
    """
    rows = review_metrics(frame, ["series_id"], kind)
    rows = rows[rows["stage"] == stage][["series_id", "wape", "bias"]]
    keys = frame[frame["kind"] == kind][["series_id", "manager_id", "territory", "product_id"]]
    keys = keys.drop_duplicates("series_id")
    out = keys.merge(rows, on="series_id", how="inner")
    return out.sort_values(["wape", "series_id"], ascending=[False, True], na_position="last", ignore_index=True)


def drill_labels(options: pd.DataFrame, managers: dict[str, str], names: dict[str, str]) -> dict[str, str]:
    """Picker labels of ``worst_series`` rows: manager, territory, specification and the WAPE."""
    out = {}
    for row in options.itertuples(index=False):
        parts = [f"{managers.get(row.manager_id, row.manager_id)} ({row.manager_id})", str(row.territory)]
        if isinstance(row.product_id, str):
            parts.append(key_label("product", row.product_id, names))
        parts.append(f"WAPE {100 * row.wape:.1f}%" if pd.notna(row.wape) else "WAPE —")
        out[row.series_id] = " · ".join(parts)
    return out
