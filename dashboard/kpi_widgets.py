"""Widgets the five-rate, brand and overview pages share: rate cards with their formulas, the
product and period pickers, and tables that show an empty rate as "—" instead of 0 or a blank.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from analytics.kpis import RATES
from analytics.scope import PRODUCT_LEVELS, Scope
from dashboard.filters import Choices
from dashboard import charts
from dashboard.export import download_buttons
from dashboard.formatting import EMPTY, index_number, percent, period_label, signed_number, signed_points
from dashboard.i18n import labeller, language, t
from dashboard.widgets import coded

# Rates where a rise is bad news: their deltas are painted red when they go up.
WORSE_WHEN_HIGHER = frozenset({"stockout_rate", "inversion_share"})


def seed(key: str, default) -> None:
    """Give a plain widget its value from the last visit before it is drawn: Streamlit drops the
    state of widgets a run does not draw, so a brand or threshold picked on a page would be lost
    on the way to another page and back. Pair with ``keep`` after the widget."""
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(f"{key}__kept", default)


def keep(key: str) -> None:
    """Remember the widget's value past pages that do not draw it (see ``seed``)."""
    st.session_state[f"{key}__kept"] = st.session_state.get(key)


def rate_label(rate: str) -> str:
    return t(f"rate.{rate}")


def rate_help(rate: str) -> str:
    """The rate's house formula, for tooltips and the formula panel."""
    return t(f"formula.{rate}")


def rate_card(container, rate: str, value, base=None, base_label: str | None = None,
              trend: Sequence[float] | None = None) -> None:
    """A KPI card for a rate (0..1) with its change in points vs ``base``, its formula on hover
    and, given ``trend`` (the rate per period), a sparkline.

    An empty rate (denominator 0) shows "—" and says why in the tooltip.
    """
    delta = None if rate == "growth_rate" else signed_points(difference(value, base))
    notes = [rate_help(rate)]
    if pd.isna(value):
        notes.append(t("rates.empty_hint"))
    if base_label is not None and rate != "growth_rate":
        notes.append(t("kpi.vs_last_year", value=percent(base)))
    spark = [round(100 * v, 1) for v in trend if not pd.isna(v)] if trend is not None else []
    container.metric(rate_label(rate), percent(value), delta, border=True, help="\n\n".join(notes),
                     delta_color="inverse" if rate in WORSE_WHEN_HIGHER else "normal", height="stretch",
                     chart_data=spark if len(spark) > 1 else None)


def index_card(container, measure: str, value, base=None, trend: Sequence[float] | None = None,
               digits: int = 1) -> None:
    """A KPI card for an index (price index, margin index): its change vs ``base`` in index points,
    its formula and last year's value on hover, a sparkline from ``trend``."""
    notes = [rate_help(measure)]
    if value is None or pd.isna(value):
        notes.append(t("prices.no_observations"))
    if base is not None and not pd.isna(base):
        notes.append(t("kpi.vs_last_year", value=index_number(base, digits)))
    spark = [round(v, 3) for v in trend if not pd.isna(v)] if trend is not None else []
    container.metric(rate_label(measure), index_number(value, digits),
                     signed_number(difference(value, base), digits), border=True, help="\n\n".join(notes),
                     height="stretch", chart_data=spark if len(spark) > 1 else None)


def difference(value, base) -> float | None:
    """value − base, or None when either is empty."""
    if value is None or base is None or pd.isna(value) or pd.isna(base):
        return None
    return float(value) - float(base)


def rate_cards(row: pd.Series | None, rates: Sequence[str], with_base: bool = True,
               history: pd.DataFrame | None = None) -> None:
    """One card per rate of ``row`` (a KPI row; ``base_<rate>`` for the change vs last year),
    with a sparkline of each rate from ``history`` (KPI rows per period) when given."""
    columns = st.columns(max(len(rates), 1))
    for column, rate in zip(columns, rates):
        value = None if row is None else row.get(rate)
        base = None if row is None or not with_base else row.get(f"base_{rate}")
        trend = None if history is None else history.sort_values("period_start")[rate].tolist()
        rate_card(column, rate, value, base, t("overview.last_year") if with_base else None, trend)


def rates_picker(key: str, default: Sequence[str] = RATES, container=st) -> list[str]:
    """A multiselect of the five rates (at least one stays chosen)."""
    chosen = coded(st.multiselect, t("rates.pick"), RATES, key=key, format_func=labeller("rate"),
                   default=list(default), container=container)
    return [r for r in RATES if r in chosen] or [RATES[0]]


def level_picker(choices: Choices, scope: Scope, key: str, container=st,
                 levels: Sequence[str] = PRODUCT_LEVELS, default: str | None = None) -> tuple[str, str | None]:
    """The product level and one product / brand / price class at it (None for all products).

    The sidebar's product level is the default, else ``default`` (else brand: the shelf or
    coverage rate of all products together says little); when the sidebar selects products at
    the same level, only those are offered.
    """
    left, right = container.columns(2)
    if scope.product_level in levels and scope.product_level != "all":
        default = scope.product_level
    elif default not in levels:
        default = "brand" if "brand" in levels else levels[0]
    level = coded(st.selectbox, t("filters.product_level"), levels, key=f"{key}_level",
                  format_func=labeller("level"), default=default, container=left)
    if level == "all":
        right.selectbox(t("rates.product"), [t("level.all")], key=f"{key}_none", disabled=True)
        return level, None
    options = choices.product_options(level)
    if scope.product_level == level and scope.product_keys:
        options = [o for o in options if o in scope.product_keys]
    names = dict(zip(choices.products["product_id"], choices.products["name"]))
    label = product_labeller(level, names)
    picked = coded(st.selectbox, t("rates.product"), options, key=f"{key}_key_{level}", format_func=label,
                   default=options[0] if options else None, container=right)
    return level, picked


def product_labeller(level: str, names: dict[str, str]):
    if level == "product":
        return lambda key: f"{names.get(key, key)} ({key})"
    if level == "price_class":
        return labeller("pc")
    return str


def level_scope(scope: Scope, level: str, key: str | None) -> Scope:
    """``scope`` measuring one product, brand or price class (or all products)."""
    from dataclasses import replace

    if level == "all" or key is None:
        return replace(scope, product_level="all", product_keys=())
    return replace(scope, product_level=level, product_keys=(key,))


def period_picker(periods: Sequence[dt.date], granularity: str, key: str, container=st) -> dt.date | None:
    """A slider over the window's periods; the latest by default (and whenever the stored one
    left the window)."""
    periods = sorted(set(periods))
    if not periods:
        return None
    seed(key, periods[-1])
    if st.session_state.get(key) not in periods:
        st.session_state[key] = periods[-1]
    if len(periods) == 1:
        container.caption(t("rates.period_one", period=period_label(periods[0], granularity)))
        return periods[0]
    lang = language()  # format_func may run outside the script run, where the language is unknown
    chosen = container.select_slider(t("rates.period"), periods, key=key,
                                     format_func=lambda d: period_label(d, granularity, lang))
    keep(key)
    return chosen


def rate_columns(frame: pd.DataFrame, columns: dict[str, str], rates: Sequence[str] = ()) -> pd.DataFrame:
    """A display and export frame: ``columns`` (source -> header) renamed, rates (0..1) turned into
    percentages with one decimal under a "… %" header. Empty rates stay empty (NaN), never 0."""
    out = pd.DataFrame(index=frame.index)
    for source, header in columns.items():
        out[header] = frame[source]
    for rate in rates:
        out[f"{rate_label(rate)} %"] = (100 * frame[rate].astype(float)).round(1)
    return out.reset_index(drop=True)


def show_table(frame: pd.DataFrame, name: str, key: str, decimals: dict[str, int] | None = None,
               column_config: dict | None = None, height: int | str = "auto") -> None:
    """The table with empty values as "—" (numbers stay numbers, so columns sort by value),
    then its CSV and Excel downloads."""
    formats = {}
    for column in frame.columns:
        if column in (decimals or {}):
            formats[column] = f"{{:,.{decimals[column]}f}}"
        elif pd.api.types.is_float_dtype(frame[column]):
            formats[column] = "{:,.1f}"
        elif pd.api.types.is_integer_dtype(frame[column]):
            formats[column] = "{:,}"
    styled = frame.style.format(formats, na_rep=EMPTY)
    # Rates read "—" when nobody was there to count; the header's tooltip says so.
    config = {c: st.column_config.Column(help=t("rates.empty_in_table")) for c in frame.columns
              if str(c).endswith("%")}
    config.update(column_config or {})
    st.dataframe(styled, hide_index=True, width="stretch", column_config=config, height=height)
    download_buttons(frame, name, key=key)


def formula_panel(measures: Sequence[str], key: str = "rates.formulas") -> None:
    """An expander with each measure's house definition, in the reader's language."""
    with st.expander(t(key), icon=":material/functions:"):
        st.markdown("\n".join(f"- **{t('rate.' + m)}** = {t('formula.' + m)}" for m in measures))
        st.caption(t("rates.formula_notes"))


# The clients each rate counts over: the n shown next to a rate.
DENOMINATOR = {"coverage_rate": "active_clients", "shelf_rate": "observed_clients",
               "sell_through_rate": "carrying_clients", "stockout_rate": "carrying_clients",
               "growth_rate": "qty_ordered_base"}

YES, NO = "✓", "✗"


def client_marks(frame: pd.DataFrame) -> pd.DataFrame:
    """Per-client counts (0/1 from ``queries.client_kpis``) as marks: ✓ counted and true, ✗ counted
    and false, — not counted for that rate (e.g. on shelf for a client nobody visited)."""
    def mark(flag: pd.Series, counted: pd.Series) -> pd.Series:
        marks = flag.gt(0).map({True: YES, False: NO})
        return pd.Series(pd.NA, index=flag.index, dtype="object").where(~counted, marks)

    observed = frame["observed_clients"].gt(0)
    carrying = frame["carrying_clients"].gt(0)
    return pd.DataFrame({
        "buying": mark(frame["buying_clients"], frame["active_clients"].gt(0)),
        "observed": frame["observed_clients"].gt(0).map({True: YES, False: NO}),
        "shelf": mark(frame["shelf_clients"], observed),
        "carrying": mark(frame["carrying_clients"], observed),
        "selling": mark(frame["selling_clients"], carrying),
        "stockout": mark(frame["stockout_clients"], carrying),
    }, index=frame.index)


def price_charts(frame: pd.DataFrame, granularity: str, threshold: float = 95.0) -> None:
    """Price index (with the guide line 100 and the alert threshold), margin index (with the
    inversion line 1) and inversion share over the periods of ``frame``, side by side."""
    columns = st.columns(3)
    for column, measure in zip(columns, ("price_index", "margin_index", "inversion_share")):
        column.markdown(f"**{rate_label(measure)}**", help=rate_help(measure))
    config = {"displaylogo": False}
    columns[0].plotly_chart(charts.index_trend(frame, "price_index", rate_label("price_index"),
                                               rate_label("price_index"), 100.0, t("prices.guide_line"),
                                               threshold, t("prices.alert_line"), granularity), config=config)
    columns[1].plotly_chart(charts.index_trend(frame, "margin_index", rate_label("margin_index"),
                                               rate_label("margin_index"), 1.0, t("prices.inversion_line"),
                                               granularity=granularity), config=config)
    columns[2].plotly_chart(charts.share_bars(frame, "inversion_share", rate_label("inversion_share"),
                                              rate_label("inversion_share") + " %", granularity), config=config)
