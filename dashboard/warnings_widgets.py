"""What the stock-warning page 库存预警 draws: status cards in the statuses' colours, the territory
picker's options, the list's filters and table, the client card's suggestions and charts, the region
view's table and bars, and the thresholds form.

Pure helpers (options, filters, frames, figures) take the language as an argument where Streamlit
may call them outside a script run; the drawing helpers use the session's language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields, replace

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.scope import Scope
from analytics.stock import STATUSES, Thresholds
from dashboard import charts
from dashboard.export import to_csv, to_xlsx
from dashboard.i18n import code_label, language, t
from dashboard.kpi_widgets import keep, seed
from dashboard.warnings_export import block_order

ALL = "__all__"
# The same colour for the same status everywhere: cards (Streamlit's named colours), table dots,
# charts (hex) and the visit sheet (dashboard.warnings_export.STATUS_FILLS, lighter for print).
STATUS_METRIC_COLORS = {"out_of_stock": "red", "shortage_risk": "orange", "overstock": "yellow",
                        "stale": "violet", "stale_data": "gray", "ok": "green"}
STATUS_COLORS = {"out_of_stock": "#C0392B", "shortage_risk": "#E67E22", "overstock": "#C99A2E",
                 "stale": "#6C5B7B", "stale_data": "#9AA5B1", "ok": "#2E8B57"}
STATUS_ICONS = {"out_of_stock": ":material/remove_shopping_cart:", "shortage_risk": ":material/warning:",
                "overstock": ":material/inventory:", "stale": ":material/hourglass_bottom:",
                "stale_data": ":material/sync_problem:", "ok": ":material/check_circle:"}
WARNING_STATUSES = [s for s in STATUSES if s != "ok"]


def status_label(status: str, lang: str | None = None) -> str:
    return t(f"status.{status}", lang)


def status_cards(counts: pd.DataFrame) -> None:
    """One card per status (``analytics.stock.status_counts``): items, and clients below in the
    status's colour; the definition on hover."""
    columns = st.columns(len(counts))
    for column, row in zip(columns, counts.itertuples(index=False)):
        column.metric(status_label(row.status), f"{int(row.rows):,}", t("sw.count_delta", n=f"{int(row.clients):,}"),
                      delta_color=STATUS_METRIC_COLORS.get(row.status, "off"), delta_arrow="off",
                      icon=STATUS_ICONS.get(row.status), border=True, height="stretch",
                      help=t("sw.count_help", status=status_label(row.status), help=t(f"status_help.{row.status}"),
                             rows=f"{int(row.rows):,}", clients=f"{int(row.clients):,}"))


# --- territories -------------------------------------------------------------------------------

def territory_code(market_dept: str, territory: str) -> str:
    """A territory as the picker stores it: names repeat across market departments (一片区…)."""
    return f"{market_dept}|{territory}"


def territory_options(regions: pd.DataFrame, scope: Scope) -> list[str]:
    """The territories of ``regions`` (the viewer's) within the sidebar's region filters, in
    district, market department, territory order."""
    r = regions.dropna(subset=["market_dept", "territory"])
    for column, chosen in (("district", scope.districts), ("market_dept", scope.market_depts),
                           ("territory", scope.territories)):
        if chosen:
            r = r[r[column].isin(chosen)]
    r = r.drop_duplicates(["market_dept", "territory"]).sort_values(["district", "market_dept", "territory"])
    return [territory_code(d, tr) for d, tr in zip(r["market_dept"], r["territory"])]


def territory_scope(scope: Scope, code: str) -> Scope:
    """The sidebar's scope narrowed to one territory (``ALL``: unchanged)."""
    if code == ALL:
        return scope
    dept, territory = code.split("|", 1)
    return replace(scope, market_depts=(dept,), territories=(territory,))


def territory_labeller(all_label: str):
    def label(code: str) -> str:
        if code == ALL:
            return all_label
        dept, territory = code.split("|", 1)
        return f"{territory} · {dept}"
    return label


def territory_name(code: str, all_label: str) -> str:
    return all_label if code == ALL else code.split("|", 1)[1]


# --- the list ----------------------------------------------------------------------------------

def filter_items(frame: pd.DataFrame, products: pd.DataFrame, statuses=(), brands=(), product_ids=(),
                 classes=(), search: str = "") -> pd.DataFrame:
    """The rows of the warning list matching every filter given (an empty filter matches all).

    Args:
        frame: ``stock_warnings`` rows.
        products: product_id -> brand (the choices' product table).
        statuses, brands, product_ids, classes: allowed values.
        search: a piece of the client code or name (case-insensitive).
    """
    f = frame
    if statuses:
        f = f[f["status"].isin(list(statuses))]
    if brands:
        ids = set(products.loc[products["brand"].isin(list(brands)), "product_id"])
        f = f[f["product_id"].isin(ids)]
    if product_ids:
        f = f[f["product_id"].isin(list(product_ids))]
    if classes:
        f = f[f["price_class"].isin([int(c) for c in classes])]
    text = (search or "").strip().lower()
    if text:
        hit = (f["client_id"].astype(str).str.lower().str.contains(text, regex=False)
               | f["client_name"].fillna("").astype(str).str.lower().str.contains(text, regex=False))
        f = f[hit]
    return f


# What a manager reads first comes first: the item, its stock and cover, what to order and when.
LIST_COLUMNS = ["status", "severity", "client_id", "client_name", "territory", "product_name", "price_class",
                "qty_on_hand", "days_of_cover", "suggested_order_qty", "next_order_date", "weekly_rate",
                "snapshot_date", "on_order_qty", "qty_cap", "product_id"]


def severity_cell(severity: int, lang: str | None = None) -> str:
    return f"{int(severity)} · {t(f'severity.{int(severity)}', lang)}"


def list_table(frame: pd.DataFrame, lang: str, with_territory: bool = False, tags: bool = False) -> pd.DataFrame:
    """The list as shown and exported: translated headers, statuses and price classes as words,
    numbers kept as numbers (empty stays empty). ``tags``: each status as a one-item list, which
    ``list_column_config`` draws as a tag in the status's colour (for the screen, not for files)."""
    columns = [c for c in LIST_COLUMNS if with_territory or c != "territory"]
    out = pd.DataFrame(index=frame.index)
    for column in columns:
        values = frame[column]
        if column == "status":
            values = values.map(lambda s: [status_label(s, lang)] if tags else status_label(s, lang))
        elif column == "severity":
            values = values.map(lambda s: severity_cell(s, lang))
        elif column == "price_class":
            values = values.map(lambda c: code_label("pc", int(c), lang) if pd.notna(c) else None)
        elif column in ("weekly_rate", "days_of_cover"):
            values = values.astype(float).round(1)
        out[t(f"sw.col.{column}", lang)] = values
    return out.reset_index(drop=True)


def list_column_config(lang: str) -> dict:
    """Number and date formats and header tooltips for ``list_table``."""
    def h(c):
        return t(f"sw.col.{c}", lang)
    cfg = {h(c): st.column_config.NumberColumn(format="%d") for c in ("qty_on_hand", "on_order_qty",
                                                                        "suggested_order_qty", "qty_cap")}
    cfg[h("suggested_order_qty")] = st.column_config.NumberColumn(format="%d", help=t("sw.suggest_help", lang))
    cfg[h("weekly_rate")] = st.column_config.NumberColumn(format="%.1f")
    cfg[h("days_of_cover")] = st.column_config.NumberColumn(format="%.1f", help=t("sw.days_help", lang))
    for c in ("snapshot_date", "next_order_date"):
        cfg[h(c)] = st.column_config.DateColumn(format="YYYY-MM-DD")
    cfg[h("status")] = st.column_config.MultiselectColumn(
        options=[status_label(s, lang) for s in STATUSES], color=[STATUS_COLORS[s] for s in STATUSES],
        width=96 if lang == "zh" else 120, pinned=True,
        help="\n\n".join(f"{status_label(s, lang)}: {t('status_help.' + s, lang)}" for s in STATUSES))
    return cfg


# --- the client card ---------------------------------------------------------------------------

def client_options(frame: pd.DataFrame) -> tuple[list[str], dict[str, str]]:
    """The clients of the list, most urgent first, and a label for each: name (code) · worst status."""
    order = block_order(frame)
    worst = frame.sort_values("severity", ascending=False, kind="stable").drop_duplicates("client_id") \
        .set_index("client_id")
    lang = language()
    labels = {c: f"{worst.at[c, 'client_name']}（{c}）· {status_label(worst.at[c, 'status'], lang)}" for c in order}
    return order, labels


def _number(value, digits: int = 0) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{float(value):,.{digits}f}"


def suggestions(warnings: pd.DataFrame, lang: str | None = None) -> list[str]:
    """What to tell the client, one markdown line per item to act on (most urgent first), then
    one line for the items that are fine."""
    lines = []
    rows = warnings.sort_values(["severity", "product_id"], ascending=[False, True])
    for r in rows[rows["status"] != "ok"].itertuples(index=False):
        qty = r.suggested_order_qty
        values = dict(product=r.product_name, date=r.snapshot_date, rate=_number(r.weekly_rate, 1),
                      qty=_number(qty), stock=_number(r.qty_on_hand), days=_number(r.cover_left_days, 0),
                      next=r.next_order_date, weeks=_number((r.days_of_cover or 0) / 7, 1)
                      if pd.notna(r.days_of_cover) else "—")
        if r.status == "stale":
            values["weeks"] = _number((r.stale_span_days or 0) / 7, 0) if pd.notna(r.stale_span_days) else "—"
        if r.status == "stale_data":
            values["days"] = _number(r.snapshot_age_days) if pd.notna(r.snapshot_age_days) else "—"
        key = r.status
        if key == "shortage_risk" and pd.notna(r.cover_left_days) and r.cover_left_days <= 0:
            key = "shortage_gone"  # sold out by now at its rate, though the last count was above 0
        line = t(f"sw.act.{key}", lang, **values)
        if r.status in ("out_of_stock", "shortage_risk") and (qty is None or pd.isna(qty)):
            line += " " + t("sw.act.no_rate", lang)
        lines.append(line)
    fine = warnings[warnings["status"] == "ok"]
    if not fine.empty:
        total = fine["suggested_order_qty"].dropna().astype(int).sum()
        lines.append(t("sw.act.ok_orders", lang, n=len(fine), qty=f"{int(total):,}"))
    return lines


def chart_products(warnings: pd.DataFrame, weekly: pd.DataFrame, limit: int = 4) -> list[str]:
    """The products the card's charts start with: the most urgent items to act on, else the
    client's best sellers (inferred sales over the card's weeks)."""
    acting = warnings[warnings["severity"] >= 2].sort_values(["severity", "product_id"], ascending=[False, True])
    chosen = acting["product_id"].tolist()[:limit]
    if len(chosen) < limit and not weekly.empty:
        sold = weekly.groupby("product_id")["inferred_sales"].sum().sort_values(ascending=False)
        chosen += [p for p in sold.index if p not in chosen][:limit - len(chosen)]
    return chosen


def _layout(fig: go.Figure, y_title: str, x_title: str, height: int = 320) -> go.Figure:
    fig.update_layout(font_family=charts.FONT, margin=dict(l=10, r=10, t=30, b=10), height=height,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1),
                      hovermode="x unified", plot_bgcolor="white",
                      yaxis=dict(title=y_title, gridcolor="#EEE", rangemode="tozero"),
                      xaxis=dict(title=x_title, gridcolor="#F5F5F5", tickformat="%Y-%m-%d", hoverformat="%Y-%m-%d"))
    return fig


def product_colors(products: list[str]) -> dict[str, str]:
    """One palette colour per product, the same in the card's three charts."""
    return {p: charts.PALETTE[i % len(charts.PALETTE)] for i, p in enumerate(products)}


def stock_chart(counts: pd.DataFrame, products: list[str], names: dict[str, str], lang: str) -> go.Figure:
    """Each chosen product's stock counts over time."""
    fig = go.Figure()
    colors = product_colors(products)
    for p in products:
        rows = counts[counts["product_id"] == p].sort_values("snapshot_date")
        fig.add_trace(go.Scatter(x=rows["snapshot_date"], y=rows["qty_on_hand"], name=names.get(p, p),
                                 mode="lines+markers", line=dict(color=colors[p], width=2),
                                 hovertemplate="%{y:,.0f}"))
    return _layout(fig, t("sw.axis_cartons", lang), t("sw.axis_date", lang))


def flow_chart(weekly: pd.DataFrame, products: list[str], lang: str) -> go.Figure:
    """Weekly ordered quantities (bars) and inferred sales (line) of the chosen products together."""
    rows = weekly[weekly["product_id"].isin(products)]
    g = rows.groupby("week_start", as_index=False).agg(
        qty_ordered=("qty_ordered", "sum"), inferred_sales=("inferred_sales", lambda s: s.sum(min_count=1)))
    fig = go.Figure()
    fig.add_trace(go.Bar(x=g["week_start"], y=g["qty_ordered"], name=t("sw.ordered", lang),
                         marker_color=charts.COLORS["accent"], hovertemplate="%{y:,.0f}"))
    fig.add_trace(go.Scatter(x=g["week_start"], y=g["inferred_sales"], name=t("sw.inferred_sales", lang),
                             mode="lines+markers", connectgaps=True, line=dict(color=charts.COLORS["current"], width=2),
                             hovertemplate="%{y:,.0f}"))
    return _layout(fig, t("sw.axis_cartons", lang), t("sw.axis_week", lang))


def price_chart(prices: pd.DataFrame, products: list[str], names: dict[str, str], lang: str) -> go.Figure:
    """Observed retail prices of the chosen products, each with its guided price dashed."""
    fig = go.Figure()
    colors = product_colors(products)
    for p in products:
        rows = prices[prices["product_id"] == p].sort_values("snapshot_date")
        if rows.empty:
            continue
        fig.add_trace(go.Scatter(x=rows["snapshot_date"], y=rows["retail_price"], name=names.get(p, p),
                                 mode="lines+markers", line=dict(color=colors[p], width=2),
                                 hovertemplate="%{y:,.2f}"))
        fig.add_trace(go.Scatter(x=[rows["snapshot_date"].iloc[0], rows["snapshot_date"].iloc[-1]],
                                 y=[rows["guided_price"].iloc[0]] * 2, mode="lines", showlegend=False,
                                 name=t("sw.guided", lang, product=names.get(p, p)),
                                 line=dict(color=colors[p], dash="dash", width=1), hovertemplate="%{y:,.2f}"))
    fig = _layout(fig, t("sw.axis_price", lang), t("sw.axis_date", lang))
    fig.update_yaxes(rangemode="normal")
    return fig


def cycle_text(cycle, lang: str | None = None) -> str:
    """An order cycle in words: '1W-TUE' -> 每周二 / every Tue, '2W-MON' -> 每 2 周周一 / every 2
    weeks on Mon; anything else as recorded."""
    from analytics.stock.cycle import parse_cycle

    parsed = parse_cycle(cycle)
    if parsed is None:
        return "—" if cycle is None or (not isinstance(cycle, str) and pd.isna(cycle)) or cycle == "" else str(cycle)
    weeks, weekday = parsed
    day = t(f"weekday.{weekday}", lang)
    return t("sw.cycle_weekly", lang, day=day) if weeks == 1 else t("sw.cycle_weeks", lang, n=weeks, day=day)


def card_table(warnings: pd.DataFrame, lang: str, tags: bool = False) -> pd.DataFrame:
    """The client's every product, as the list shows them (without the client columns)."""
    table = list_table(warnings, lang, tags=tags)
    return table.drop(columns=[t("sw.col.client_id", lang), t("sw.col.client_name", lang)])


def orders_table(orders: pd.DataFrame, lang: str) -> pd.DataFrame:
    columns = ["order_date", "product_id", "product_name", "qty_demand", "qty_cap", "qty_ordered", "amount"]
    out = orders[columns].sort_values(["order_date", "product_id"], ascending=[False, True])
    return out.rename(columns={c: t(f"sw.col.{c}", lang) for c in columns}).reset_index(drop=True)


# --- the region view ---------------------------------------------------------------------------

REGION_COLUMNS = ["product_id", "product_name", "brand", "price_class", "active_clients", "observed_clients",
                  "carrying_clients", "observed_stock", "social_stock", "weekly_sales", "stock_to_sales_weeks",
                  "stock_to_sales_months", "threshold_months", "warning"]


def region_table(frame: pd.DataFrame, by: str, lang: str) -> pd.DataFrame:
    """The region view (``social_stock``) as shown and exported, warnings marked in words."""
    out = pd.DataFrame({t("sw.col.warning", lang): frame["warning"].map(
        lambda w: f"▲ {t('sw.region_warn', lang)}" if w else "")})
    out[t(f"filters.{by}", lang)] = frame[by]
    for column in [c for c in REGION_COLUMNS if c != "warning"]:
        values = frame[column]
        if column == "price_class":
            values = values.map(lambda c: code_label("pc", int(c), lang) if pd.notna(c) else None)
        elif column in ("social_stock", "weekly_sales"):
            values = values.astype(float).round(0)
        elif column in ("stock_to_sales_weeks", "stock_to_sales_months"):
            values = values.astype(float).round(2)
        out[t(f"sw.col.{column}", lang)] = values.to_numpy()
    return out.reset_index(drop=True)


def region_bars(frame: pd.DataFrame, by: str, lang: str, top: int = 15) -> go.Figure:
    """The ``top`` region x product pairs by months of stock, warnings in red, each pair's
    threshold as a tick."""
    rows = frame.dropna(subset=["stock_to_sales_months"]).nlargest(top, "stock_to_sales_months")
    rows = rows.iloc[::-1]
    labels = [f"{r} · {n}" for r, n in zip(rows[by], rows["product_name"])]
    colors = [STATUS_COLORS["out_of_stock"] if w else charts.MEASURE_COLORS["price_index"] for w in rows["warning"]]
    fig = go.Figure(go.Bar(x=rows["stock_to_sales_months"], y=labels, orientation="h", marker_color=colors,
                           name=t("sw.col.stock_to_sales_months", lang),
                           text=[f"{v:.2f}" for v in rows["stock_to_sales_months"]], textposition="outside",
                           hovertemplate="%{y}: %{x:.2f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=rows["threshold_months"], y=labels, mode="markers", name=t("sw.region_threshold", lang),
                             marker=dict(symbol="line-ns-open", size=18, color="#2B2B2B", line=dict(width=2)),
                             hovertemplate="%{y}: %{x:.2f}<extra></extra>"))
    fig.update_layout(font_family=charts.FONT, margin=dict(l=10, r=30, t=30, b=10), plot_bgcolor="white",
                      height=max(260, 26 * len(rows) + 100),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1),
                      xaxis=dict(title=t("sw.region_months", lang), gridcolor="#EEE", rangemode="tozero"),
                      yaxis=dict(type="category"))
    return fig


# --- thresholds --------------------------------------------------------------------------------

THRESHOLD_GROUPS = {
    "status": ["overstock_weeks", "overstock_weeks_by_class", "overstock_min_excess", "stale_weeks",
               "stale_data_days"],
    "rate": ["rate_weeks", "history_weeks", "prior_weeks", "safety_days", "lead_days", "recent_order_days",
             "cap_days"],
    "region": ["region_weeks", "months_of_sales", "months_of_sales_by_class"],
}
# (min, max, step) of each field; a field not listed here is a by-class pair list.
_BOUNDS = {
    "rate_weeks": (1, 26, 1), "history_weeks": (1, 52, 1), "prior_weeks": (0, 26, 1),
    "overstock_weeks": (0.5, 52.0, 0.5), "overstock_min_excess": (0.0, 100.0, 1.0), "stale_weeks": (1, 52, 1),
    "stale_data_days": (1, 365, 1), "safety_days": (0, 60, 1), "lead_days": (0, 30, 1),
    "recent_order_days": (1, 365, 1), "cap_days": (1, 365, 1), "region_weeks": (1, 26, 1),
    "months_of_sales": (0.1, 12.0, 0.1),
}
_BY_CLASS_BOUNDS = {"overstock_weeks_by_class": (0.5, 52.0, 0.5), "months_of_sales_by_class": (0.1, 12.0, 0.1)}


def _threshold_keys(defaults: Thresholds) -> list[str]:
    keys = []
    for f in fields(defaults):
        if f.name in _BY_CLASS_BOUNDS:
            keys += [f"sw_th_{f.name}_{cls}" for cls, _ in getattr(defaults, f.name)]
        else:
            keys.append(f"sw_th_{f.name}")
    return keys


def reset_thresholds(defaults: Thresholds = Thresholds()) -> None:
    """Forget every threshold input (a button callback: the inputs come back at the defaults)."""
    for key in _threshold_keys(defaults):
        st.session_state.pop(key, None)
        st.session_state.pop(f"{key}__kept", None)


def thresholds_form(region: bool, defaults: Thresholds = Thresholds()) -> Thresholds:
    """An expander with every field of ``Thresholds`` (the region's only when ``region``), each
    starting at its default and remembered across pages; the thresholds in force.

    Values that do not fit together (``Thresholds`` refuses them) fall back to the defaults,
    with a message."""
    groups = [g for g in THRESHOLD_GROUPS if region or g != "region"]
    values: dict = {}
    with st.expander(t("sw.th.title"), icon=":material/tune:"):
        columns = st.columns(len(groups))
        for column, group in zip(columns, groups):
            column.markdown(f"**{t('sw.th.group_' + group)}**")
            for name in THRESHOLD_GROUPS[group]:
                default = getattr(defaults, name)
                if name in _BY_CLASS_BOUNDS:
                    lo, hi, step = _BY_CLASS_BOUNDS[name]
                    pairs = []
                    for cls, value in default:
                        key = f"sw_th_{name}_{cls}"
                        seed(key, float(value))
                        got = column.number_input(t(f"sw.th.{name}", cls=code_label("pc", cls)), float(lo), float(hi),
                                                  step=float(step), key=key, format="%.1f",
                                                  help=t(f"sw.th.{name}.help"))
                        keep(key)
                        pairs.append((cls, float(got)))
                    values[name] = tuple(pairs)
                    continue
                lo, hi, step = _BOUNDS[name]
                key = f"sw_th_{name}"
                if isinstance(default, int):
                    seed(key, int(default))
                    got = int(column.number_input(t(f"sw.th.{name}"), int(lo), int(hi), step=int(step), key=key,
                                                  help=t(f"sw.th.{name}.help")))
                else:
                    seed(key, float(default))
                    got = float(column.number_input(t(f"sw.th.{name}"), float(lo), float(hi), step=float(step),
                                                    key=key, format="%.1f", help=t(f"sw.th.{name}.help")))
                keep(key)
                values[name] = got
        st.button(t("sw.th.reset"), key="sw_th_reset", on_click=reset_thresholds, icon=":material/restart_alt:")
    try:
        chosen = replace(defaults, **values)
    except ValueError:
        st.error(t("sw.th.invalid"))
        return defaults
    if chosen != defaults:
        st.caption(t("sw.th.changed"))
    return chosen


def default_as_of(key: str, first: dt.date, last: dt.date) -> None:
    """Start the as-of input at the latest count, and follow the latest count when new counts
    arrive unless the user picked another day; keep it within the counts' span."""
    seed(key, last)
    previous_default = st.session_state.get(f"{key}__default")
    current = st.session_state.get(key)
    if (not isinstance(current, dt.date) or current < first or current > last
            or (previous_default is not None and current == previous_default and previous_default != last)):
        st.session_state[key] = last
    st.session_state[f"{key}__default"] = last


# --- tables ------------------------------------------------------------------------------------

def table_with_downloads(frame: pd.DataFrame, name: str, key: str, formats: dict[str, str] | None = None,
                         column_config: dict | None = None, height: int | str = "auto", display=None,
                         **dataframe_args):
    """A table (empty values as "—", numbers formatted by ``formats``: header -> printf format) with
    its CSV and Excel downloads built only when clicked; ``display`` (e.g. a Styler of ``frame``)
    is shown instead of ``frame`` when given.

    ``kpi_widgets.show_table`` builds the Excel file and a pandas Styler on every run; for the
    card's tables (hundreds of order lines) that alone took a third of a second per rerun.
    """
    config = {c: st.column_config.NumberColumn(format=f) for c, f in (formats or {}).items()}
    for column in frame.columns:
        if column not in config and pd.api.types.is_float_dtype(frame[column]):
            config[column] = st.column_config.NumberColumn(format="%.1f")
    config.update(column_config or {})
    result = st.dataframe(frame if display is None else display, hide_index=True, width="stretch",
                          column_config=config, placeholder="—", height=height, key=key, **dataframe_args)
    left, right, _ = st.columns([1, 1, 4])
    left.download_button(t("common.download_csv"), lambda: to_csv(frame), file_name=f"{name}.csv", mime="text/csv",
                         key=f"{key}_csv", icon=":material/download:", on_click="ignore")
    right.download_button(t("common.download_xlsx"), lambda: to_xlsx(frame), file_name=f"{name}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"{key}_xlsx", icon=":material/table:", on_click="ignore")
    return result
