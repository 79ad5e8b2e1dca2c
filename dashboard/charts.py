"""Plotly figures with one look across pages: the same colour for the same thing, units on axes."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

# The same thing gets the same colour on every page.
COLORS = {
    "current": "#B8412C",   # this period: tobacco-leaf red-brown
    "base": "#9AA5B1",      # comparison period: neutral grey
    "accent": "#C99A2E",    # gold (金叶)
    "good": "#2E8B57",
    "bad": "#C0392B",
}
PALETTE = ["#B8412C", "#C99A2E", "#3C6E71", "#6C5B7B", "#2E8B57", "#D08C60", "#355C7D", "#99B898"]
FONT = "PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif"


TICK_FORMAT = {"week": "%Y-%m-%d", "month": "%Y-%m", "quarter": "%Y-%m", "year": "%Y"}


def _layout(fig: go.Figure, y_title: str, x_title: str = "", granularity: str = "month") -> go.Figure:
    fig.update_layout(
        font_family=FONT, margin=dict(l=10, r=10, t=30, b=10), height=360,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1),
        hovermode="x unified", plot_bgcolor="white",
        yaxis=dict(title=y_title, gridcolor="#EEE", rangemode="tozero"),
        xaxis=dict(title=x_title, gridcolor="#F5F5F5", tickformat=TICK_FORMAT.get(granularity, "%Y-%m-%d"),
                   hoverformat="%Y-%m-%d"),
    )
    return fig


def trend_vs_base(frame: pd.DataFrame, column: str, y_title: str, current_label: str,
                  base_label: str, percent: bool = False, granularity: str = "month") -> go.Figure:
    """A line of ``column`` per period_start with the same periods a year earlier dashed."""
    fig = go.Figure()
    scale = 100.0 if percent else 1.0
    fmt = ".1f" if percent else ",.1f"
    fig.add_trace(go.Scatter(x=frame["period_start"], y=frame["base_" + column] * scale,
                             name=base_label, mode="lines+markers",
                             line=dict(color=COLORS["base"], dash="dash"),
                             hovertemplate=f"%{{y:{fmt}}}"))
    fig.add_trace(go.Scatter(x=frame["period_start"], y=frame[column] * scale, name=current_label,
                             mode="lines+markers", line=dict(color=COLORS["current"], width=3),
                             hovertemplate=f"%{{y:{fmt}}}"))
    return _layout(fig, y_title, granularity=granularity)
