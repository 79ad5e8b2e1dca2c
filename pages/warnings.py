"""库存预警 Stock warnings: the customer manager's Monday list (07-warnings-prices.md). For a
territory and an as-of date: counts by status on top, every client x product carried with its
status, cover and suggested order, sorted by urgency and filterable; a client card with the
client's stock, orders, inferred sales and prices over time and what to suggest on the visit; the
printable visit sheet. Marketing and brand managers pick any territory and also see the region
view of 社会库存 and 存销比.

A customer manager's tables hold only the own clients (row-level security in
``data.warehouse``), so every option, list, card and link on this page is drawn from them: another
territory is never offered, and a client code from a link is checked against them first.
"""

import streamlit as st

from analytics.stock import STATUSES, status_counts
from analytics.stock.region import REGION_DIMS
from dashboard import queries
from dashboard import warnings_widgets as ww
from dashboard.context import page_context
from dashboard.export import to_csv, to_xlsx
from dashboard.formatting import big_number, literal
from dashboard.i18n import code_label, labeller, language, t
from dashboard.kpi_widgets import keep, seed
from dashboard.warnings_export import visit_sheet
from dashboard.widgets import coded

TOP_ROWS = 1000              # rows shown for all territories (the downloads hold all)
ALL_CLIENT_LIMIT = 2500      # beyond this many clients "all territories" asks before computing
SECONDS_PER_CLIENT = 0.002   # the full list's cost, measured: 40 s for 20,000 clients
CARD_WEEKS = 26
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- inputs -------------------------------------------------------------------------------
ctx = page_context()
lang = language()
scope = ctx.filters.scope
manager_view = ctx.viewer.role == "customer_manager"
st.title(t("page.warnings"))
st.caption(t("sw.intro"))

first_count, last_count = queries.stock_count_span(ctx.swh, ctx.key)
if last_count is None:
    st.info(t("sw.no_counts"))
    st.stop()

options = ww.territory_options(ctx.choices.regions, scope)
if manager_view:  # the own clients, usually one territory: "all my clients" only when there are more
    all_label = t("sw.all_mine")
    options = ([ww.ALL] if len(options) > 1 else []) + options
else:  # "all" last: the whole city is never computed unasked
    all_label = t("sw.all_territories", n=f"{TOP_ROWS:,}")
    options = options + [ww.ALL]
if not options:
    st.info(t("sw.no_territories"))
    st.stop()


def follow_link() -> None:
    """A client code in the URL (``?client=``) opens that client's card, in its territory, once;
    a code the viewer may not see is refused with a message and dropped from the URL."""
    wanted = st.query_params.get("client")
    if not wanted or wanted == st.session_state.get("sw_link_seen"):
        return
    st.session_state["sw_link_seen"] = wanted
    found = queries.find_client(ctx.swh, ctx.key, wanted)
    if found is None:
        st.warning(t("sw.link_refused", client=literal(wanted)))  # the link's text, not its Markdown
        del st.query_params["client"]
        return
    code = ww.territory_code(found["market_dept"], found["territory"])
    target = code if code in options else (ww.ALL if ww.ALL in options else None)
    if target is not None and st.session_state.get("sw_territory") not in (target, ww.ALL):
        st.session_state["sw_territory"] = target
        st.session_state.pop("sw_territory__writer", None)  # reseed the picker (dashboard.widgets.coded)
    st.session_state["sw_client"] = wanted


follow_link()
controls = st.columns([3, 2])
territory = coded(st.selectbox, t("sw.territory"), options, key="sw_territory",
                  format_func=ww.territory_labeller(all_label), default=options[0], container=controls[0],
                  disabled=len(options) == 1, help=t("sw.territory_help"))
ww.default_as_of("sw_as_of", first_count, last_count)
as_of = controls[1].date_input(t("sw.as_of"), key="sw_as_of", min_value=first_count, max_value=last_count,
                               help=t("sw.as_of_help", date=last_count))
keep("sw_as_of")
thresholds = ww.thresholds_form(region=not manager_view)
page_scope = ww.territory_scope(scope, territory)
scope_name = ww.territory_name(territory, all_label)
whole = territory == ww.ALL and not manager_view  # the city (or the sidebar's part of it): bounded
several = territory == ww.ALL  # rows from several territories: the list names their territory
if scope.business_formats or scope.market_types or (scope.grade_min, scope.grade_max) != (1, 30) \
        or scope.product_keys:
    st.caption(t("sw.sidebar_scope"))


# --- compute ------------------------------------------------------------------------------
def warning_list():
    """The list of the chosen territory; for all territories, only when small enough or confirmed."""
    if whole:
        n = queries.scope_client_count(ctx.swh, ctx.key, page_scope)
        if n > ALL_CLIENT_LIMIT:
            st.info(t("sw.too_many", n=f"{n:,}", s=f"{max(1, round(n * SECONDS_PER_CLIENT)):,}"))
            if not st.checkbox(t("sw.compute_all"), key="sw_all_confirm"):
                return None
    with st.spinner(t("common.computing")):
        return queries.stock_warning_list(ctx.swh, ctx.key, page_scope, as_of, thresholds)


def pick_row() -> None:
    """A row selected in the list opens its client's card."""
    state = st.session_state.get("sw_list")
    rows = state["selection"]["rows"] if state else []
    ids = st.session_state.get("sw_list_ids", [])
    if rows and rows[0] < len(ids):
        st.session_state["sw_client"] = ids[rows[0]]


# --- counts and the list ------------------------------------------------------------------
def show_counts(warnings) -> None:
    st.subheader(t("sw.counts", scope=scope_name, date=as_of))
    ww.status_cards(status_counts(warnings))


def show_list(warnings):
    """Filters, the table, its downloads and the visit sheet; the filtered rows."""
    st.subheader(t("sw.list"))
    products = ctx.choices.products
    present = products[products["product_id"].isin(set(warnings["product_id"]))]
    row = st.columns([3, 2, 3, 2, 3])
    statuses = coded(st.multiselect, t("sw.f_status"), STATUSES, key="sw_status", format_func=labeller("status"),
                     default=ww.WARNING_STATUSES, container=row[0], placeholder=t("sw.f_all"))
    brand_options = sorted(present["brand"].dropna().unique())
    seed("sw_brands", [])
    st.session_state["sw_brands"] = [b for b in st.session_state["sw_brands"] or [] if b in brand_options]
    brands = row[1].multiselect(t("sw.f_brand"), brand_options, key="sw_brands", placeholder=t("sw.f_all"))
    keep("sw_brands")
    in_brands = present[present["brand"].isin(brands)] if brands else present
    names = dict(zip(present["product_id"], present["name"]))
    product_options = in_brands["product_id"].tolist()
    seed("sw_products", [])
    st.session_state["sw_products"] = [p for p in st.session_state["sw_products"] or [] if p in product_options]
    picked = row[2].multiselect(t("sw.f_product"), product_options, key="sw_products", placeholder=t("sw.f_all"),
                                format_func=lambda p: f"{names.get(p, p)} ({p})")
    keep("sw_products")
    class_options = sorted(int(c) for c in present["price_class"].dropna().unique())
    classes = coded(st.multiselect, t("sw.f_class"), class_options, key="sw_classes", format_func=labeller("pc"),
                    default=[], container=row[3], placeholder=t("sw.f_all"))
    seed("sw_search", "")
    search = row[4].text_input(t("sw.f_search"), key="sw_search", icon=":material/search:")
    keep("sw_search")
    filtered = ww.filter_items(warnings, products, statuses, brands, picked, classes, search)

    if filtered.empty:
        st.info(t("sw.none_match"))
        return filtered
    shown = filtered.head(TOP_ROWS) if whole else filtered
    st.caption(t("sw.filtered", shown=f"{len(shown):,}", rows=f"{len(filtered):,}",
                 clients=f"{filtered['client_id'].nunique():,}"))
    if whole and len(filtered) > TOP_ROWS:
        st.caption(t("sw.top_rows", n=f"{TOP_ROWS:,}", rows=f"{len(filtered):,}"))
    st.session_state["sw_list_ids"] = shown["client_id"].tolist()
    st.dataframe(ww.list_table(shown, lang, with_territory=several, tags=True), key="sw_list", on_select=pick_row,
                 selection_mode="single-row", hide_index=True, column_config=ww.list_column_config(lang),
                 placeholder="—", height=min(600, 38 + 35 * len(shown)))
    st.caption(t("sw.list_hint"))

    # Built when clicked (a callable), in this run's language: nothing waits on them meanwhile.
    full = ww.list_table(filtered, lang, with_territory=several)
    clients = queries.warning_clients(ctx.swh, ctx.key, page_scope)
    name = f"{t('page.warnings', lang)}_{scope_name}_{as_of}"
    buttons = st.columns([1, 1, 2, 2])
    buttons[0].download_button(t("common.download_csv"), lambda: to_csv(full), file_name=f"{name}.csv",
                               mime="text/csv", key="sw_csv", icon=":material/download:", on_click="ignore")
    buttons[1].download_button(t("common.download_xlsx"), lambda: to_xlsx(full, t("sw.list", lang)),
                               file_name=f"{name}.xlsx", mime=XLSX, key="sw_xlsx", icon=":material/table:",
                               on_click="ignore")
    buttons[2].download_button(
        t("sw.export_visit"), lambda: visit_sheet(filtered, clients, lang=lang, scope_label=scope_name, as_of=as_of),
        file_name=f"{t('sw.x.sheet', lang)}_{scope_name}_{as_of}.xlsx", mime=XLSX, key="sw_visit",
        icon=":material/print:", type="primary", help=t("sw.export_visit_help"), on_click="ignore")
    return filtered


# --- the client card ----------------------------------------------------------------------
def show_card(listed, warnings) -> None:
    """The card of a client of the filtered list (or of the territory's list: a client opened from
    a link stays open even when the filters hide its items)."""
    st.subheader(t("sw.card"))
    order, _ = ww.client_options(listed)
    if not order:
        st.info(t("sw.no_client"))
        return
    names = dict(zip(warnings["client_id"], warnings["client_name"]))
    seed("sw_client", order[0])
    current = st.session_state.get("sw_client")
    if current not in order:
        if current in names:
            order.append(current)
        else:
            st.session_state["sw_client"] = order[0]
    client = st.selectbox(t("sw.pick_client"), order, key="sw_client", help=t("sw.pick_client_help"),
                          format_func=lambda c: f"{names.get(c) or '—'} · {c}")
    keep("sw_client")
    if st.query_params.get("client") != client:  # the card is a link: ?client=<code>
        st.query_params["client"] = client
        st.session_state["sw_link_seen"] = client
    with st.spinner(t("common.computing")):
        card = queries.stock_client_card(ctx.swh, ctx.key, client, as_of, thresholds, CARD_WEEKS)
    if card is None:
        st.warning(t("sw.card_missing"))
        return
    c, items = card.client, card.warnings

    def value(name):
        v = c.get(name)
        return "—" if v is None or (not isinstance(v, str) and v != v) or v == "" else v

    st.markdown(f"#### {t('sw.card_title', name=value('name'), client=client)}")
    st.caption(t("sw.card_place", district=value("district"), dept=value("market_dept"),
                 territory=value("territory")) + " · " + t(
        "sw.card_facts", format=code_label("fmt", value("business_format")),
        grade=t("sw.grade", g=int(c["grade"])) if value("grade") != "—" else "—",
        market=code_label("mt", value("market_type")), bd=value("business_district"),
        credit=value("credit_level"), cycle=ww.cycle_text(c.get("order_cycle"))))
    cards = st.columns(4)
    acting = items[items["severity"] > 0]
    suggested = items["suggested_order_qty"].dropna()
    cards[0].metric(t("sw.card_items"), f"{len(items):,}", border=True, height="stretch")
    cards[1].metric(t("sw.card_warned"), f"{len(acting):,}", border=True, height="stretch",
                    help=", ".join(f"{ww.status_label(s)} {n}" for s, n in acting["status"].value_counts().items()))
    cards[2].metric(t("sw.card_suggested"), f"{int(suggested.sum()):,}" if len(suggested) else "—", border=True,
                    height="stretch", help=t("sw.suggest_help"))
    next_day = items["next_order_date"].iloc[0] if not items.empty else None
    if next_day is not None:
        first = items.iloc[0]
        cards[3].metric(t("sw.card_next_order"), f"{next_day}", t(f"weekday.{next_day.weekday()}"), border=True,
                        delta_color="off", delta_arrow="off", height="stretch",
                        help=t("sw.card_cycle", days=int(first["cycle_days"]),
                               source=t(f"cycle.{first['cycle_source']}")))
    else:
        cards[3].metric(t("sw.card_next_order"), "—", border=True, height="stretch")

    st.markdown(f"**{t('sw.suggest')}**")
    lines = ww.suggestions(items)
    st.markdown("\n".join(f"- {line}" for line in lines) if lines else t("sw.suggest_none"))

    product_names = dict(zip(items["product_id"], items["product_name"]))
    product_names.update({p: n for p, n in zip(card.weekly["product_id"], card.weekly["product_name"])
                          if p not in product_names})
    chosen = st.multiselect(t("sw.card_products"), list(product_names), key=f"sw_card_products_{client}",
                            default=ww.chart_products(items, card.weekly), max_selections=8,
                            format_func=lambda p: product_names.get(p, p), help=t("sw.card_products_help"))
    config = {"displaylogo": False}
    columns = st.columns(3)
    for column, title, frame, draw in (
            (columns[0], "sw.chart_stock", card.counts,
             lambda: ww.stock_chart(card.counts, chosen, product_names, lang)),
            (columns[1], "sw.chart_flow", card.weekly, lambda: ww.flow_chart(card.weekly, chosen, lang)),
            (columns[2], "sw.chart_prices", card.prices,
             lambda: ww.price_chart(card.prices, chosen, product_names, lang))):
        column.markdown(f"**{t(title)}**")
        if not chosen or frame[frame["product_id"].isin(chosen)].empty:
            column.info(t("sw.no_history"))
        else:
            column.plotly_chart(draw(), config=config, key=f"sw_{title}")

    st.markdown(f"**{t('sw.card_warnings')}**")
    products_table = ww.card_table(items, lang)
    ww.table_with_downloads(products_table, f"{client}_{as_of}", key="sw_card_table",
                            column_config=ww.list_column_config(lang),
                            display=ww.card_table(items, lang, tags=True))
    with st.expander(t("sw.card_orders", weeks=CARD_WEEKS), icon=":material/receipt_long:"):
        ww.table_with_downloads(
            ww.orders_table(card.orders, lang), f"{client}_orders_{as_of}", key="sw_card_orders",
            formats={t("sw.col.amount"): "%.2f", t("sw.col.qty_cap"): "%d"},
            column_config={t("sw.col.order_date"): st.column_config.DateColumn(format="YYYY-MM-DD")})


# --- the region view (not for customer managers) ------------------------------------------
def show_region() -> None:
    st.divider()
    st.subheader(t("sw.region"))
    st.caption(t("sw.region_intro"))
    row = st.columns([2, 2, 4])
    by = coded(st.selectbox, t("sw.region_by"), REGION_DIMS, key="sw_region_by", format_func=labeller("filters"),
               default="district", container=row[0])
    seed("sw_region_only", False)
    only = row[1].toggle(t("sw.region_only"), key="sw_region_only")
    keep("sw_region_only")
    with st.spinner(t("common.computing")):
        region = queries.region_stock(ctx.swh, ctx.key, scope, as_of, (by,), thresholds)
    if region.empty:
        st.info(t("sw.region_none"))
        return
    cards = st.columns(3)
    warned = region[region["warning"]]
    by_label = t(f"filters.{by}")
    cards[0].metric(t("sw.region_count"), f"{len(warned):,}", border=True, delta_color="red", delta_arrow="off",
                    delta=f"{warned[by].nunique():,} {by_label}" if len(warned) else None,
                    help=t("sw.region_count_help", by=by_label))
    cards[1].metric(t("sw.region_stock"), big_number(region["social_stock"].sum()), border=True)
    total_sales = region["weekly_sales"].sum()
    months = region["social_stock"].sum() / total_sales / (30.4375 / 7) if total_sales > 0 else None
    cards[2].metric(t("sw.region_months"), "—" if months is None else f"{months:.2f}", border=True)
    st.markdown(f"**{t('sw.region_top')}**")
    st.plotly_chart(ww.region_bars(warned if only and not warned.empty else region, by, lang),
                    config={"displaylogo": False}, key="sw_region_bars")
    shown = warned if only else region
    ww.table_with_downloads(ww.region_table(shown, by, lang), f"{t('sw.region', lang)}_{by}_{as_of}",
                            key="sw_region_table", height=min(500, 38 + 35 * len(shown)),
                            formats={t(f"sw.col.{c}"): f for c, f in (
                                ("social_stock", "%.0f"), ("weekly_sales", "%.0f"), ("stock_to_sales_weeks", "%.2f"),
                                ("stock_to_sales_months", "%.2f"), ("threshold_months", "%.1f"))})


# --- render -------------------------------------------------------------------------------
warnings = warning_list()
if warnings is not None:
    if warnings.empty:
        st.info(t("sw.empty", scope=scope_name, date=as_of))
    else:
        show_counts(warnings)
        listed = show_list(warnings)
        st.divider()
        show_card(listed if not listed.empty else warnings, warnings)
if not manager_view:
    show_region()
