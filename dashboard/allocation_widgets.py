"""Tables and the chart of the allocation page, in the reader's language: the grade table, the
client list with a reason per client, the outcome side by side, fill rate by grade, the flags,
the saved runs."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.allocation import Allocation
from analytics.allocation.flags import FLAGS
from dashboard.charts import COLORS, FONT
from dashboard.i18n import code_label, t
from dashboard.kpi_widgets import show_table

PERCENT = ("stockout_share", "coverage", "fill_rate")
METRICS = ["qty_alloc", "demand", "units_sold", "overhang", "stockout_share", "coverage", "fill_rate",
           "gini_within_grade", "inflation_gain"]


def grade_table(a: Allocation, name: str, key: str) -> None:
    """The grade caps (30 … 1), with the part when the by-grade method split the supply."""
    table = a.grades.rename(columns={c: t(f"col.{c}") for c in a.grades.columns})
    if "part" in a.grades:
        table[t("col.part")] = [code_label("mt", p) if p in ("urban", "rural") else p for p in a.grades["part"]]
    show_table(table, name, key=key, height=320)


def reason_text(row) -> str:
    """One line per client: why it got what it got, in the reader's language."""
    code = t(f"reason.{row.reason_code}")
    if row.reason_code in ("grade_cap", "no_grade"):
        return t("alloc.reason_grade", code=code, grade=int(row.grade) if pd.notna(row.grade) else "?",
                 cap=int(row.cap_grade), twice=t("alloc.twice") if row.qty_alloc == 2 * row.cap_grade > 0 else "")
    return t("alloc.reason_line", code=code, demand=row.demand_estimate, stock=row.stock_estimate,
             lo=int(row.lower), up=int(row.upper), q=int(row.qty_alloc))


def flag_text(flags: str) -> str:
    return "、".join(t(f"flag.{f}") for f in flags.split(",") if f) if flags else ""


def client_table(a: Allocation, name: str, key: str) -> None:
    """The client list: the contract's columns with labels, reasons and flags translated."""
    c = a.clients
    table = pd.DataFrame({
        t("col.client_id"): c["client_id"],
        t("col.grade"): c["grade"].astype("Int64"),
        t("filters.district"): c["district"],
        t("filters.market_type"): [code_label("mt", v) for v in c["market_type"]],
        t("filters.business_format"): [code_label("fmt", v) for v in c["business_format"]],
        t("col.weekly_rate"): c["weekly_rate"].round(2),
        t("col.demand_estimate"): c["demand_estimate"].round(2),
        t("col.stock_estimate"): c["stock_estimate"].round(1),
        t("col.qty_alloc"): c["qty_alloc"],
        t("col.cap_grade"): c["cap_grade"],
        t("col.reason"): [reason_text(r) for r in c.itertuples(index=False)],
        t("col.flags"): [flag_text(f) for f in c["flags"]],
    })
    show_table(table.sort_values(t("col.qty_alloc"), ascending=False, kind="stable"), name, key=key, height=420,
               decimals={t("col.weekly_rate"): 2, t("col.demand_estimate"): 2})


def outcome_table(outcome: pd.DataFrame, name: str, key: str) -> None:
    """The simulated outcome: one row per measure, the two methods and the difference."""
    o = outcome.set_index("metric").reindex(METRICS)
    scale = pd.Series([100.0 if m in PERCENT else 1.0 for m in METRICS], index=METRICS)
    table = pd.DataFrame({
        t("alloc.metric"): [t(f"metric.{m}") for m in METRICS],
        t("alloc.by_grade"): (o["by_grade"] * scale).round(3).to_numpy(),
        t("alloc.optimal"): (o["optimal"] * scale).round(3).to_numpy(),
        t("alloc.difference"): (o["difference"] * scale).round(3).to_numpy(),
    })
    show_table(table, name, key=key, decimals={c: 3 for c in table.columns[1:]})


def fill_chart(fill: pd.DataFrame) -> go.Figure:
    """Fill rate by grade of both methods."""
    fig = go.Figure()
    for method, color in (("by_grade", COLORS["base"]), ("optimal", COLORS["current"])):
        f = fill[fill["method"] == method].sort_values("grade")
        fig.add_trace(go.Scatter(x=f["grade"], y=100 * f["fill_rate"], name=t(f"method.{method}"),
                                 mode="lines+markers", line=dict(color=color)))
    fig.update_layout(font_family=FONT, margin=dict(l=10, r=10, t=30, b=10), height=320, plot_bgcolor="white",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1),
                      yaxis=dict(title=t("alloc.fill_axis"), gridcolor="#EEE", range=[0, 105]),
                      xaxis=dict(title=t("alloc.grade_axis"), dtick=5))
    return fig


def flags_table(a: Allocation, name: str, key: str) -> None:
    """Clients with at least one flag."""
    c = a.clients[a.clients["flags"] != ""]
    if c.empty:
        st.success(t("alloc.no_flags"))
        return
    table = pd.DataFrame({
        t("col.client_id"): c["client_id"], t("col.grade"): c["grade"].astype("Int64"),
        t("filters.district"): c["district"], t("col.weekly_rate"): c["weekly_rate"].round(2),
        t("col.stated_weekly"): c["stated_weekly"].round(2), t("col.stock_estimate"): c["stock_estimate"].round(1),
        t("col.cover_weeks"): c["cover_weeks"].round(1), t("col.qty_alloc"): c["qty_alloc"],
        t("col.flags"): [flag_text(f) for f in c["flags"]],
    })
    for flag in FLAGS:  # one column per flag too, so the export can be filtered in Excel
        table[t(f"flag.{flag}")] = c[flag].map({True: "✓", False: ""}).to_numpy()
    show_table(table, name, key=key, decimals={t("col.weekly_rate"): 2, t("col.stated_weekly"): 2})


def runs_table(runs: pd.DataFrame, key: str) -> None:
    cols = ["run_id", "created_at", "created_by", "period_start", "period_end", "supply", "method", "note"]
    table = runs[cols].copy()
    table["method"] = [t(f"method.{m}") if m in ("by_grade", "optimal") else m for m in table["method"]]
    show_table(table.rename(columns={c: t(f"col.{c}") for c in cols}), "allocation_runs", key=key)
