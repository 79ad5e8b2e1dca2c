"""The sidebar's global filters: date range and granularity, region, client segment, products.

They live in ``st.session_state`` (so they persist across pages) and are mirrored into the URL
query string (so a view can be shared as a link and survives a reload). Values read from the URL
are checked against what the viewer may choose; anything else is dropped with a visible note —
a crafted link can neither break a page nor widen what a customer manager sees.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analytics.scope import GRANULARITIES, PRODUCT_LEVELS, Scope, Window
from dashboard.formatting import literal
from dashboard.i18n import labeller, t
from dashboard.widgets import coded, widget_keys

# URL parameter -> session key. Lists are comma-separated in the URL.
_LIST_PARAMS = {
    "district": "f_district", "dept": "f_market_dept", "territory": "f_territory",
    "format": "f_format", "market": "f_market_type", "keys": "f_keys",
}


@dataclass(frozen=True)
class Choices:
    """What the viewer may pick, read from the viewer-restricted warehouse.

    Attributes:
        regions: distinct (district, market_dept, territory) of the viewer's clients.
        formats, market_types: codes present among the viewer's clients.
        products: product_id, name, brand, price_class of all products.
        first_day, last_day: the span of months holding any order, stock count or price count.
    """

    regions: pd.DataFrame
    formats: tuple[str, ...]
    market_types: tuple[str, ...]
    products: pd.DataFrame
    first_day: dt.date
    last_day: dt.date

    def product_options(self, level: str) -> list[str]:
        if level == "product":
            return self.products["product_id"].tolist()
        if level == "brand":
            return sorted(self.products["brand"].dropna().unique().tolist())
        if level == "price_class":
            return [str(c) for c in sorted(self.products["price_class"].dropna().unique())]
        return []


@dataclass(frozen=True)
class GlobalFilters:
    """The filters in force on this run."""

    window: Window
    scope: Scope


def default_window(choices: Choices) -> tuple[dt.date, dt.date]:
    """The last twelve months of data, ending with the last month that has orders."""
    end = choices.last_day
    start = (pd.Timestamp(end) - pd.DateOffset(months=12) + pd.Timedelta(days=1)).date()
    return max(start, choices.first_day), end


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def _init_from_url(choices: Choices) -> None:
    """Seed the session's filters from the URL once per session, noting what was refused."""
    if st.session_state.get("_filters_seeded"):
        return
    st.session_state["_filters_seeded"] = True
    params = st.query_params
    refused: list[str] = []
    start, end = default_window(choices)
    lo = choices.first_day - dt.timedelta(days=366)
    hi = choices.last_day + dt.timedelta(days=366)
    if "from" in params or "to" in params:
        a, b = _date(params.get("from", "")), _date(params.get("to", ""))
        if a and b and lo <= a <= b <= hi:
            start, end = a, b
        else:
            refused.append(f"from={params.get('from', '')} to={params.get('to', '')}")
    st.session_state["f_dates"] = (start, end)
    gran = params.get("g", "month")
    if gran not in GRANULARITIES:
        refused.append(f"g={gran}")
        gran = "month"
    st.session_state["f_gran"] = gran
    level = params.get("level", "all")
    if level not in PRODUCT_LEVELS:
        refused.append(f"level={level}")
        level = "all"
    st.session_state["f_level"] = level
    allowed = {
        "f_district": set(choices.regions["district"].dropna()),
        "f_market_dept": set(choices.regions["market_dept"].dropna()),
        "f_territory": set(choices.regions["territory"].dropna()),
        "f_format": set(choices.formats),
        "f_market_type": set(choices.market_types),
        "f_keys": set(choices.product_options(level)),
    }
    for param, key in _LIST_PARAMS.items():
        if param not in params:
            continue
        wanted = [v for v in params.get(param, "").split(",") if v]
        ok = [v for v in wanted if v in allowed[key]]
        refused += [f"{param}={v}" for v in wanted if v not in allowed[key]]
        st.session_state[key] = ok
    if "grade" in params:
        try:
            lo_g, hi_g = (int(x) for x in params["grade"].split("-"))
            if not 1 <= lo_g <= hi_g <= 30:
                raise ValueError
            st.session_state["f_grade"] = (lo_g, hi_g)
        except ValueError:
            refused.append(f"grade={params['grade']}")
    if refused:
        st.session_state["_filters_refused"] = refused


def _write_url(filters: GlobalFilters) -> None:
    """Mirror the filters into the URL. The dates are always written (the default window moves
    with the data, so a link must pin it); other defaults are left out so links stay short."""
    s, w = filters.scope, filters.window
    chosen = st.session_state.get("f_dates")
    if not isinstance(chosen, (tuple, list)) or len(chosen) != 2:  # the end not picked yet
        chosen = (w.start, w.end)
    wanted = {"from": chosen[0].isoformat(), "to": chosen[1].isoformat()}
    if w.granularity != "month":
        wanted["g"] = w.granularity
    if s.product_level != "all":
        wanted["level"] = s.product_level
    for param, values in (("district", s.districts), ("dept", s.market_depts),
                          ("territory", s.territories), ("format", s.business_formats),
                          ("market", s.market_types), ("keys", s.product_keys)):
        if values:
            wanted[param] = ",".join(values)
    if (s.grade_min, s.grade_max) != (1, 30):
        wanted["grade"] = f"{s.grade_min}-{s.grade_max}"
    keep = {k: v for k, v in st.query_params.items() if k not in _ALL_PARAMS}
    if dict(st.query_params) != {**keep, **wanted}:
        st.query_params.from_dict({**keep, **wanted})


_ALL_PARAMS = {"from", "to", "g", "level", "grade", *_LIST_PARAMS}


def _clean(key: str, options: list[str]) -> None:
    """Drop values no longer among the options (a parent filter changed)."""
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]


def sidebar_filters(choices: Choices) -> GlobalFilters:
    """Draw the global filters in the sidebar and return what is in force."""
    _init_from_url(choices)
    sb = st.sidebar
    sb.subheader(t("filters.title"))
    if st.session_state.get("_filters_refused"):
        # A crafted link may carry kilobytes or Markdown in a value: name it, but neither all of
        # it nor as a link or heading drawn in the app's own message.
        items = [literal(i) for i in st.session_state.pop("_filters_refused")]
        sb.warning(t("filters.bad_url", items=", ".join(items)))

    if not isinstance(st.session_state.get("f_dates"), (tuple, list)):
        # Gone (a run that failed drops the widgets it did not draw) or never seeded: without a
        # range in the state, date_input turns into a single-date picker for the session.
        st.session_state["f_dates"] = default_window(choices)
    dates = sb.date_input(t("filters.date_range"), key="f_dates",
                          min_value=choices.first_day - dt.timedelta(days=366),
                          max_value=choices.last_day + dt.timedelta(days=366))
    if not isinstance(dates, (tuple, list)) or len(dates) != 2:
        dates = (dates[0], dates[0]) if isinstance(dates, (tuple, list)) and dates else default_window(choices)
    gran = coded(st.segmented_control, t("filters.granularity"), GRANULARITIES, key="f_gran",
                 format_func=labeller("gran"), default="month", container=sb)
    window = Window.snapped(dates[0], dates[1], gran)

    with sb.expander(t("filters.region"), expanded=bool(st.session_state.get("f_district"))):
        # Each level offers only what lies under the levels chosen above it.
        regions, chosen = choices.regions, {}
        for level, key in (("district", "f_district"), ("market_dept", "f_market_dept"),
                           ("territory", "f_territory")):
            options = sorted(regions[level].dropna().unique())
            _clean(key, options)
            chosen[level] = st.multiselect(t(f"filters.{level}"), options, key=key,
                                           placeholder=t("filters.all"))
            if chosen[level]:
                regions = regions[regions[level].isin(chosen[level])]

    with sb.expander(t("filters.segment")):
        formats = coded(st.multiselect, t("filters.business_format"), choices.formats, key="f_format",
                        format_func=labeller("fmt"), default=[], placeholder=t("filters.all"))
        markets = coded(st.multiselect, t("filters.market_type"), choices.market_types,
                        key="f_market_type", format_func=labeller("mt"), default=[],
                        placeholder=t("filters.all"))
        st.session_state.setdefault("f_grade", (1, 30))
        grade = st.slider(t("filters.grade"), 1, 30, key="f_grade")

    with sb.expander(t("filters.product")):
        level = coded(st.selectbox, t("filters.product_level"), PRODUCT_LEVELS, key="f_level",
                      format_func=labeller("level"), default="all")
        names = dict(zip(choices.products["product_id"], choices.products["name"]))
        keys = coded(st.multiselect, t("filters.product_keys"), choices.product_options(level),
                     key="f_keys", format_func=_product_labeller(level, names), default=[],
                     disabled=level == "all", placeholder=t("filters.all"))

    scope = Scope(districts=tuple(chosen["district"]), market_depts=tuple(chosen["market_dept"]),
                  territories=tuple(chosen["territory"]), business_formats=tuple(formats),
                  market_types=tuple(markets), grade_min=int(grade[0]), grade_max=int(grade[1]),
                  product_level=level, product_keys=tuple(keys) if level != "all" else ())
    filters = GlobalFilters(window=window, scope=scope)
    sb.caption(t("filters.snapped", g=t(f"gran.{gran}"), start=window.start, end=window.end))
    if sb.button(t("filters.reset"), width="stretch"):
        keys_to_drop = ["f_dates", "f_district", "f_market_dept", "f_territory", "f_grade", "_filters_seeded"]
        for key in ("f_gran", "f_format", "f_market_type", "f_level", "f_keys"):
            keys_to_drop += widget_keys(key)
        for key in keys_to_drop:
            st.session_state.pop(key, None)
        st.query_params.clear()
        st.rerun()
    _write_url(filters)
    return filters


def _product_labeller(level: str, names: dict[str, str]):
    if level == "product":
        return lambda key: f"{names.get(key, key)} ({key})"
    if level == "price_class":
        return labeller("pc")
    return str
