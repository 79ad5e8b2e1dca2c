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


# --- five rates and prices ------------------------------------------------------------------

# One colour per measure, used by every chart and card that shows it.
MEASURE_COLORS = {
    "coverage_rate": "#355C7D",      # blue
    "shelf_rate": "#3C6E71",         # teal
    "sell_through_rate": "#2E8B57",  # green
    "stockout_rate": "#C0392B",      # red: the one rate where higher is worse
    "growth_rate": "#6C5B7B",        # violet
    "fill_rate": "#D08C60",
    "price_index": "#C99A2E",        # gold
    "margin_index": "#8A6D3B",       # brown
    "inversion_share": "#7B241C",    # dark red
}


def measure_color(measure: str) -> str:
    return MEASURE_COLORS.get(measure, COLORS["current"])


def _scale(measure: str) -> list[list]:
    """A white-to-colour scale in the measure's colour."""
    return [[0.0, "#FFFFFF"], [1.0, measure_color(measure)]]


def rate_matrix(frame: pd.DataFrame, rate: str, rows: list, cols: list, row_labels: dict, col_labels: dict,
                titles: tuple[str, str, str], empty_label: str) -> go.Figure:
    """A heatmap of ``rate`` (0..1) for rows x cols, clickable.

    Plotly heatmaps send no selection events to Streamlit, so each cell also carries an almost
    invisible square marker; clicking it selects the point, whose customdata is
    ``[row code, column code]``.

    Args:
        frame: one row per cell with columns ``row``, ``col``, ``rate`` and ``clients`` (the
            rate's denominator).
        rows, cols: the codes in display order.
        row_labels, col_labels: code -> shown label.
        titles: (row axis title, column axis title, rate name).
        empty_label: what an empty rate (denominator 0) reads as in the hover.
    """
    cells = frame.set_index(["row", "col"])
    z, text, custom = [], [], []
    for r in rows:
        z_row, text_row = [], []
        for c in cols:
            value = cells["rate"].get((r, c), float("nan"))
            z_row.append(None if pd.isna(value) else 100 * value)
            text_row.append("—" if pd.isna(value) else f"{100 * value:.1f}")
        z.append(z_row)
        text.append(text_row)
    y = [row_labels.get(r, str(r)) for r in rows]
    x = [col_labels.get(c, str(c)) for c in cols]
    if rate == "growth_rate":  # a change, not a share: diverging around 0, falls in red
        colors = dict(colorscale=[[0.0, COLORS["bad"]], [0.5, "#FFFFFF"], [1.0, COLORS["good"]]], zmid=0)
    else:
        colors = dict(colorscale=_scale(rate), zmin=0, zmax=100)
    fig = go.Figure(go.Heatmap(z=z, x=x, y=y, text=text, texttemplate="%{text}", hoverinfo="skip",
                               xgap=2, ygap=2, colorbar=dict(title="%", thickness=12), **colors))
    px_, py_, pc, hover = [], [], [], []
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            denominator = cells["clients"].get((r, c), 0)
            px_.append(x[j])
            py_.append(y[i])
            pc.append([r, c])
            shown = text[i][j] + ("%" if text[i][j] != "—" else f" ({empty_label})")
            hover.append(f"{y[i]} · {x[j]}<br>{titles[2]}: {shown}<br>n = {int(denominator):,}")
    fig.add_trace(go.Scatter(x=px_, y=py_, mode="markers", customdata=pc, hovertext=hover,
                             hoverinfo="text", showlegend=False,
                             marker=dict(symbol="square", size=30, opacity=0.02, color="#000000"),
                             selected=dict(marker=dict(opacity=0.25)),
                             unselected=dict(marker=dict(opacity=0.02))))
    fig.update_layout(font_family=FONT, margin=dict(l=10, r=10, t=30, b=10), plot_bgcolor="white",
                      height=max(260, 34 * len(rows) + 110), clickmode="event+select",
                      xaxis=dict(title=titles[1], side="top", type="category"),
                      yaxis=dict(title=titles[0], autorange="reversed", type="category"))
    return fig


def rate_bars(frame: pd.DataFrame, rate: str, labels: dict, x_title: str, empty_label: str) -> go.Figure:
    """Horizontal bars of ``rate`` (0..1) per region, clickable (customdata = the region code).

    Args:
        frame: columns ``key`` (the region code), ``rate`` and ``clients``.
        labels: code -> shown label.
    """
    frame = frame.sort_values("rate", na_position="first")
    text = [("—" if pd.isna(v) else f"{100 * v:.1f}%") for v in frame["rate"]]
    y = [labels.get(k, str(k)) for k in frame["key"]]
    hover = [f"{name}<br>{x_title}: {shown if shown != '—' else '— (' + empty_label + ')'}<br>n = {int(n):,}"
             for name, shown, n in zip(y, text, frame["clients"])]
    fig = go.Figure(go.Bar(x=(100 * frame["rate"]).fillna(0), y=y, orientation="h", text=text,
                           textposition="outside", marker_color=measure_color(rate),
                           customdata=frame["key"], hovertext=hover, hoverinfo="text"))
    fig.update_layout(font_family=FONT, margin=dict(l=10, r=30, t=30, b=10), plot_bgcolor="white",
                      height=max(240, 28 * len(frame) + 90), clickmode="event+select", showlegend=False,
                      xaxis=dict(title=x_title + " %", gridcolor="#EEE", range=_bar_range(frame["rate"])),
                      yaxis=dict(type="category"))
    return fig


def _bar_range(rates: pd.Series) -> list[float]:
    """An x range in % with room for the labels outside the bars (a full bar reads 100.0%);
    growth can be negative or above 100 %."""
    values = (100 * rates.dropna()).tolist() or [0.0]
    lo, hi = min(0.0, min(values)), max(100.0, max(values))
    pad = 0.18 * (hi - lo)
    return [lo - (pad if lo < 0 else 0.0), hi + pad]


def rate_trends(frame: pd.DataFrame, series: list[tuple[str, str]], y_title: str, base_label: str | None = None,
                granularity: str = "month", percent: bool = True) -> go.Figure:
    """One line per measure over period_start, in the measure's colour; with ``base_label``,
    the same periods a year earlier (``base_<measure>``) dotted in the same colour.

    Args:
        series: (column, legend label) pairs.
    """
    fig = go.Figure()
    scale = 100.0 if percent else 1.0
    fmt = ".1f" if percent else ",.1f"
    for column, label in series:
        color = measure_color(column)
        if base_label and f"base_{column}" in frame:
            fig.add_trace(go.Scatter(x=frame["period_start"], y=frame[f"base_{column}"] * scale,
                                     name=f"{label} · {base_label}", mode="lines",
                                     line=dict(color=color, dash="dot", width=1.5), opacity=0.6,
                                     hovertemplate=f"%{{y:{fmt}}}"))
        fig.add_trace(go.Scatter(x=frame["period_start"], y=frame[column] * scale, name=label,
                                 mode="lines+markers", line=dict(color=color, width=3),
                                 hovertemplate=f"%{{y:{fmt}}}"))
    return _layout(fig, y_title, granularity=granularity)


def grouped_bars(frame: pd.DataFrame, groups: list[tuple[str, str]], measures: list[tuple[str, str]],
                 y_title: str, percent: bool = True) -> go.Figure:
    """Bars of several measures (x) for several groups side by side (one colour per group).

    Args:
        frame: one row per group, indexed by the group code, with a column per measure.
        groups: (code, label) pairs, in order.
        measures: (column, label) pairs, in order.
    """
    fig = go.Figure()
    scale = 100.0 if percent else 1.0
    for i, (code, label) in enumerate(groups):
        values = [frame.at[code, m] * scale if code in frame.index else None for m, _ in measures]
        text = ["—" if v is None or pd.isna(v) else f"{v:.1f}" for v in values]
        fig.add_trace(go.Bar(x=[name for _, name in measures], y=values, name=label, text=text,
                             textposition="outside", marker_color=PALETTE[i % len(PALETTE)],
                             hovertemplate=f"{label}: %{{text}}<extra></extra>"))
    fig.update_layout(barmode="group", font_family=FONT, margin=dict(l=10, r=10, t=30, b=10),
                      plot_bgcolor="white", height=380,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1),
                      yaxis=dict(title=y_title, gridcolor="#EEE", rangemode="tozero"))
    return fig


def group_trends(frame: pd.DataFrame, column: str, groups: list[tuple[str, str]], y_title: str,
                 granularity: str = "month", percent: bool = True) -> go.Figure:
    """One line of ``column`` per group (``level_key``) over period_start, palette colours in the
    same order as ``grouped_bars`` so a brand keeps its colour on the page."""
    fig = go.Figure()
    scale = 100.0 if percent else 1.0
    for i, (code, label) in enumerate(groups):
        rows = frame[frame["level_key"] == code]
        fig.add_trace(go.Scatter(x=rows["period_start"], y=rows[column] * scale, name=label,
                                 mode="lines+markers", line=dict(color=PALETTE[i % len(PALETTE)], width=2),
                                 hovertemplate="%{y:.1f}"))
    return _layout(fig, y_title, granularity=granularity)


def index_trend(frame: pd.DataFrame, column: str, label: str, y_title: str, reference: float,
                reference_label: str, threshold: float | None = None, threshold_label: str = "",
                granularity: str = "month") -> go.Figure:
    """A price measure over time with its reference line (100 for the price index, 1 for the
    margin index) and, optionally, the alert threshold."""
    fig = go.Figure(go.Scatter(x=frame["period_start"], y=frame[column], name=label, mode="lines+markers",
                               line=dict(color=measure_color(column), width=3), hovertemplate="%{y:.2f}"))
    fig.add_hline(y=reference, line=dict(color=COLORS["base"], dash="dash"), annotation_text=reference_label,
                  annotation_position="bottom right")
    if threshold is not None:
        fig.add_hline(y=threshold, line=dict(color=COLORS["bad"], dash="dot"), annotation_text=threshold_label,
                      annotation_position="top right")
    fig = _layout(fig, y_title, granularity=granularity)
    fig.update_yaxes(rangemode="normal")
    return fig


def share_bars(frame: pd.DataFrame, column: str, label: str, y_title: str,
               granularity: str = "month") -> go.Figure:
    """A share (0..1) per period as bars, in the measure's colour."""
    fig = go.Figure(go.Bar(x=frame["period_start"], y=frame[column] * 100, name=label,
                           marker_color=measure_color(column), hovertemplate="%{y:.1f}%"))
    return _layout(fig, y_title, granularity=granularity)


def index_bars(frame: pd.DataFrame, measure: str, labels: dict, x_title: str, reference: float,
               threshold: float | None = None, digits: int = 1) -> go.Figure:
    """Horizontal bars of an index (price index, margin index) per region, clickable
    (customdata = the region code), with the reference value and the alert threshold marked.

    Args:
        frame: columns ``key`` (the region code), ``value`` and ``observations``.
    """
    frame = frame.sort_values("value", na_position="first")
    text = ["—" if pd.isna(v) else f"{v:,.{digits}f}" for v in frame["value"]]
    y = [labels.get(k, str(k)) for k in frame["key"]]
    hover = [f"{name}<br>{x_title}: {shown}<br>n = {int(n):,}"
             for name, shown, n in zip(y, text, frame["observations"])]
    below = [threshold is not None and not pd.isna(v) and v < threshold for v in frame["value"]]
    colors = [COLORS["bad"] if low else measure_color(measure) for low in below]
    fig = go.Figure(go.Bar(x=frame["value"], y=y, orientation="h", text=text, textposition="outside",
                           marker_color=colors, customdata=frame["key"], hovertext=hover, hoverinfo="text"))
    fig.add_vline(x=reference, line=dict(color=COLORS["base"], dash="dash"))
    if threshold is not None:
        fig.add_vline(x=threshold, line=dict(color=COLORS["bad"], dash="dot"))
    values = frame["value"].dropna()
    lo = min([reference, *(values.tolist() or [reference])] + ([threshold] if threshold else []))
    hi = max([reference, *(values.tolist() or [reference])])
    pad = (hi - lo) * 0.15 or abs(reference) * 0.05
    fig.update_layout(font_family=FONT, margin=dict(l=10, r=30, t=30, b=10), plot_bgcolor="white",
                      height=max(240, 28 * len(frame) + 90), clickmode="event+select", showlegend=False,
                      xaxis=dict(title=x_title, gridcolor="#EEE", range=[lo - pad, hi + pad]),
                      yaxis=dict(type="category"))
    return fig
