"""库存预警 Stock warnings under AppTest on the demo city: the page renders for every role in both
languages; its counts, list, card and visit sheet are what ``analytics.stock`` computes for the
territory shown; a customer manager sees only the own clients whatever the URL, the session or
the widgets say; marketing switches territories and sees the region view; an empty territory says
so.

Expected figures come from the library called directly (``stock_warnings``, ``status_counts``,
``client_card``, ``social_stock``) over the same viewer-restricted tables.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import fields

import openpyxl
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from analytics.scope import Scope
from analytics.stock import (STATUSES, Thresholds, client_card, latest_snapshot_date, social_stock, status_counts,
                             stock_warnings)
from dashboard import state
from dashboard.i18n import t
from dashboard.warnings_widgets import THRESHOLD_GROUPS, territory_code
from data import store
from data.warehouse import Viewer
from tests.dashboard.conftest import APP, ROOT, no_exception

STATUS_EN = {"out_of_stock": "Out of stock", "shortage_risk": "Shortage risk", "overstock": "Overstock",
             "stale": "Stale stock", "stale_data": "Stale data", "ok": "OK"}
STATUS_ZH = {"out_of_stock": "断货", "shortage_risk": "断货风险", "overstock": "积压", "stale": "滞销",
             "stale_data": "数据过期", "ok": "正常"}
WARNING_STATUSES = [s for s in STATUSES if s != "ok"]


# --- helpers ------------------------------------------------------------------------------

@pytest.fixture
def deferred(monkeypatch):
    """The download buttons' deferred callables by file id, so a test can fetch the file a click
    would serve (AppTest does not run them)."""
    seen: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        file_id = original(self, data_callable, mimetype, coordinates, file_name, **kwargs)
        seen[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return seen


def downloaded(at: AppTest, deferred: dict, key: str) -> bytes:
    """The bytes the download button ``key`` serves."""
    button = next(b for b in at.get("download_button") if b.proto.id.endswith(f"-{key}"))
    data = deferred[button.proto.deferred_file_id]()
    return data if isinstance(data, bytes) else data.encode("utf-8")


def managers(demo_sql) -> list[tuple[str, str, str]]:
    """(manager_id, market_dept, territory) of every manager with clients, in order."""
    return demo_sql.execute("SELECT DISTINCT m.manager_id, m.market_dept, m.territory FROM managers m "
                            "JOIN clients c USING (manager_id) ORDER BY 1").fetchall()


def own_clients(demo_sql, manager: str) -> set[str]:
    dept, territory = demo_sql.execute("SELECT market_dept, territory FROM managers WHERE manager_id = ?",
                                       [manager]).fetchone()
    return {r[0] for r in demo_sql.execute(
        "SELECT client_id FROM clients WHERE manager_id = ? OR (manager_id IS NULL AND market_dept = ? "
        "AND territory = ?)", [manager, dept, territory]).fetchall()}


def expected(library, viewer: Viewer | None = None, scope: Scope = Scope(), thresholds: Thresholds = Thresholds()):
    """The library's warning list for the viewer and scope, as of the viewer's latest count."""
    swh = library.swh(viewer)
    as_of = latest_snapshot_date(swh.table("inventory_snapshots"))
    frame = stock_warnings(swh.table("orders"), swh.table("inventory_snapshots"), swh.table("clients"),
                           swh.table("products"), as_of, thresholds, scope)
    return frame, as_of


def territory_scope(code: str) -> Scope:
    dept, territory = code.split("|", 1)
    return Scope(market_depts=(dept,), territories=(territory,))


def metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


# Tables without a selection carry no key in AppTest: they are found by a header of their own.
_TABLES = {"sw_card_table": ("Stock (cartons)", "Client code"), "sw_card_orders": ("Order date", None),
           "sw_region_table": ("Open clients", None)}


def table(at: AppTest, key: str):
    """The table ``key`` as the page shows it (None when it is not on the page)."""
    if key not in _TABLES:
        return next((d.value for d in at.dataframe if d.key == key), None)
    has, lacks = _TABLES[key]
    return next((d.value for d in at.dataframe if has in d.value.columns
                 and (lacks is None or lacks not in d.value.columns)), None)


def assert_counts(at: AppTest, frame, labels=STATUS_EN) -> None:
    counts = status_counts(frame).set_index("status")
    for status in STATUSES:
        card = metric(at, labels[status])
        assert card.value == f"{counts.at[status, 'rows']:,}", status
        assert card.delta == f"{counts.at[status, 'clients']:,} clients", status


def open_as_manager(page_app, manager: str, query: dict | None = None) -> AppTest:
    return page_app("warnings", {"lang": "en", **(query or {})}, role="customer_manager", manager=manager)


def visit_blocks(data: bytes) -> tuple[openpyxl.worksheet.worksheet.Worksheet, dict[str, list[tuple]]]:
    """The visit sheet's blocks: client code -> its item rows (product code, status label, suggested
    quantity), in sheet order; a block starts at a row whose column A holds a client code."""
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    blocks: dict[str, list[tuple]] = {}
    current = None
    for row in sheet.iter_rows(min_row=4, values_only=True):
        first = row[0]
        if isinstance(first, str) and first:
            current = first
            assert current not in blocks, f"client {current} has two blocks"
            blocks[current] = []
        elif isinstance(first, int) and current is not None:
            blocks[current].append((row[1], row[4], row[9]))
    return sheet, blocks


# --- every role, both languages -----------------------------------------------------------

@pytest.mark.parametrize("role", ["marketing", "brand_manager", "customer_manager"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_renders_for_each_role_in_both_languages(page_app, demo_sql, role, lang):
    manager = managers(demo_sql)[0][0] if role == "customer_manager" else None
    at = page_app("warnings", {"lang": lang}, role=role, manager=manager)
    no_exception(at)
    assert at.title[0].value == ("库存预警" if lang == "zh" else "Stock warnings")
    labels = STATUS_ZH if lang == "zh" else STATUS_EN
    shown = [m.label for m in at.metric]
    assert all(labels[s] in shown for s in STATUSES)
    region = t("sw.region", lang)
    assert (region in [h.value for h in at.subheader]) == (role != "customer_manager")
    assert any(b.proto.label == ("打印拜访单（Excel）" if lang == "zh" else "Visit sheet for printing (Excel)")
               for b in at.get("download_button"))
    headers = list(table(at, "sw_list").columns)
    assert headers[0] == ("状态" if lang == "zh" else "Status")


def test_the_page_is_in_every_roles_navigation(page_app, demo_sql):
    for role, manager in (("marketing", None), ("brand_manager", None),
                          ("customer_manager", managers(demo_sql)[0][0])):
        at = page_app("overview", {"lang": "en"}, role=role, manager=manager)
        pages = at.session_state["_registered_pages"]
        assert "warnings" in pages, role


# --- the counts on top and the list -------------------------------------------------------

def test_counts_are_status_counts_of_the_territory_shown(page_app, library):
    at = page_app("warnings", {"lang": "en"})
    no_exception(at)
    code = at.session_state["sw_territory"]
    frame, as_of = expected(library, scope=territory_scope(code))
    assert at.session_state["sw_as_of"] == as_of
    assert not frame.empty
    assert_counts(at, frame)
    # The list: the territory's items to act on (everything but OK), most urgent first.
    listed = table(at, "sw_list")
    urgent = frame[frame["status"] != "ok"]
    assert len(listed) == len(urgent)
    assert list(listed["Client code"]) == list(urgent["client_id"])
    assert list(listed["Product code"]) == list(urgent["product_id"])
    assert list(listed["Suggested order (cartons)"].astype("Int64")) == list(urgent["suggested_order_qty"])
    severity = [int(s.split(" ")[0]) for s in listed["Urgency"]]
    assert severity == sorted(severity, reverse=True)


def test_customer_manager_counts_are_the_own_clients(page_app, library, demo_sql):
    manager = managers(demo_sql)[1][0]
    at = open_as_manager(page_app, manager)
    no_exception(at)
    frame, _ = expected(library, Viewer("m", "customer_manager", manager_id=manager))
    assert set(frame["client_id"]) <= own_clients(demo_sql, manager)
    assert_counts(at, frame)


def test_filters_narrow_the_list(page_app, library):
    at = page_app("warnings", {"lang": "en"})
    frame, _ = expected(library, scope=territory_scope(at.session_state["sw_territory"]))
    at.multiselect(key="sw_status__en").set_value(["overstock"]).run()
    no_exception(at)
    listed = table(at, "sw_list")
    assert len(listed) == (frame["status"] == "overstock").sum()
    assert {tag[0] for tag in listed["Status"]} == {"Overstock"}  # drawn as a tag in the status's colour
    # a piece of one client's name finds only that client's rows
    client = frame[frame["status"] == "overstock"].iloc[0]
    at.text_input(key="sw_search").input(client["client_id"]).run()
    listed = table(at, "sw_list")
    assert set(listed["Client code"]) == {client["client_id"]}
    # price class 1 and 2 only
    at.text_input(key="sw_search").input("").run()
    at.multiselect(key="sw_status__en").set_value(list(STATUSES)).run()
    at.multiselect(key="sw_classes__en").set_value([1, 2]).run()
    listed = table(at, "sw_list")
    assert len(listed) == frame["price_class"].isin([1, 2]).sum()
    # a filter matching nothing says so
    at.text_input(key="sw_search").input("no such client").run()
    assert any("No item matches the filters" in i.value for i in at.info)
    no_exception(at)


# --- a customer manager sees the own clients only -----------------------------------------

def test_customer_manager_sees_only_own_clients(page_app, demo_sql):
    manager, dept, territory = managers(demo_sql)[0]
    own = own_clients(demo_sql, manager)
    at = open_as_manager(page_app, manager)
    no_exception(at)
    picker = at.selectbox(key="sw_territory__en")
    assert picker.options == [f"{territory} · {dept}"] and picker.disabled
    listed = table(at, "sw_list")
    assert len(listed) > 0 and set(listed["Client code"]) <= own
    clients = at.selectbox(key="sw_client")
    assert clients.options and {o.rsplit(" · ", 1)[1] for o in clients.options} <= own
    shown = at.session_state["sw_client"]
    assert shown in own
    assert any(shown in m.value for m in at.markdown if m.value.startswith("####"))
    card = table(at, "sw_card_table")
    assert set(listed.loc[listed["Client code"] == shown, "Product code"]) <= set(card["Product code"])
    # ... and no region view
    assert table(at, "sw_region_table") is None


def test_customer_manager_cannot_reach_other_clients_by_url_or_session(page_app, demo_sql):
    rows = managers(demo_sql)
    manager, dept, territory = rows[0]
    own = own_clients(demo_sql, manager)
    other_manager, other_dept, other_territory = next(r for r in rows if r[2] != territory)
    stranger = sorted(own_clients(demo_sql, other_manager))[0]
    at = open_as_manager(page_app, manager, {"territory": other_territory, "client": stranger})
    no_exception(at)
    assert any(stranger in w.value and "not among the clients you may see" in w.value for w in at.warning)
    assert at.query_params.get("client") != [stranger] and at.query_params.get("client") != stranger

    # Widgets offer nothing else, and values forced into the page's own session keys are not
    # taken. (A value outside a widget's options cannot even be sent: AppTest refuses it.)
    at.session_state["sw_territory"] = territory_code(other_dept, other_territory)
    at.session_state["sw_territory__writer"] = None
    at.session_state["sw_client__kept"] = stranger
    at.run()
    no_exception(at)
    assert at.session_state["sw_territory"] == territory_code(dept, territory)
    assert at.session_state["sw_client"] in own
    listed = table(at, "sw_list")
    assert set(listed["Client code"]) <= own
    card = table(at, "sw_card_table")
    assert len(card) > 0
    everything = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert stranger not in everything

    # A new session opened on a link to the stranger's card gets a refusal, not the card.
    again = open_as_manager(page_app, manager, {"client": stranger})
    assert any(stranger in w.value for w in again.warning)
    assert again.session_state["sw_client"] in own


# --- marketing: any territory, all territories, the region view ---------------------------

def test_marketing_switches_territory(page_app, library):
    at = page_app("warnings", {"lang": "en"})
    picker = at.selectbox(key="sw_territory__en")
    assert len(picker.options) > 2 and picker.options[-1].startswith("All territories")
    first = at.session_state["sw_territory"]
    picker.select_index(3).run()
    no_exception(at)
    code = at.session_state["sw_territory"]
    assert code != first
    frame, _ = expected(library, scope=territory_scope(code))
    assert_counts(at, frame)
    listed = table(at, "sw_list")
    assert set(listed["Client code"]) == set(frame.loc[frame["status"] != "ok", "client_id"])


def test_marketing_sees_all_territories_most_urgent_first(page_app, library):
    at = page_app("warnings", {"lang": "en"})
    at.selectbox(key="sw_territory__en").select_index(len(at.selectbox(key="sw_territory__en").options) - 1).run()
    no_exception(at)
    frame, _ = expected(library)
    assert_counts(at, frame)
    listed = table(at, "sw_list")
    assert "Territory" in listed.columns
    assert len(listed) == min(1000, (frame["status"] != "ok").sum())
    assert list(listed["Client code"]) == list(frame.loc[frame["status"] != "ok", "client_id"][:len(listed)])


def test_region_view_is_social_stock(page_app, library):
    at = page_app("warnings", {"lang": "en"})
    swh = library.swh()
    as_of = latest_snapshot_date(swh.table("inventory_snapshots"))
    want = social_stock(swh.table("agg_client_product_week"), swh.table("clients"), swh.table("products"),
                        as_of, ("district",))
    region = table(at, "sw_region_table")
    assert len(region) == len(want)
    assert list(region["District"]) == list(want["district"])
    assert (region["Warning"] != "").sum() == want["warning"].sum()
    assert metric(at, "Stock-to-sales warnings").value == f"{int(want['warning'].sum()):,}"
    at.toggle(key="sw_region_only").set_value(True).run()
    assert len(table(at, "sw_region_table")) == want["warning"].sum()
    at.selectbox(key="sw_region_by__en").select("territory").run()
    no_exception(at)
    assert "Territory" in table(at, "sw_region_table").columns


# --- the client card ----------------------------------------------------------------------

def test_client_card_is_the_librarys_card(page_app, library):
    at = page_app("warnings", {"lang": "en"})
    code = at.session_state["sw_territory"]
    frame, as_of = expected(library, scope=territory_scope(code))
    options = at.selectbox(key="sw_client").options
    client = options[1].rsplit(" · ", 1)[1]
    at.selectbox(key="sw_client").select(client).run()
    no_exception(at)
    swh = library.swh()
    card = client_card(client, swh.table("orders"), swh.table("inventory_snapshots"), swh.table("price_snapshots"),
                       swh.table("clients"), swh.table("products"), as_of)
    shown = table(at, "sw_card_table")
    assert list(shown["Product code"]) == list(card.warnings["product_id"])
    assert [tag[0] for tag in shown["Status"]] == [STATUS_EN[s] for s in card.warnings["status"]]
    assert metric(at, "Products carried").value == str(len(card.warnings))
    assert metric(at, "Items to act on").value == str(int((card.warnings["severity"] > 0).sum()))
    assert metric(at, "Suggested in total (cartons)").value == \
        f"{int(card.warnings['suggested_order_qty'].dropna().sum()):,}"
    assert len(table(at, "sw_card_orders")) == len(card.orders)
    assert len(at.get("plotly_chart")) >= 2
    assert at.query_params["client"] in (client, [client])  # the card is a link


def test_a_client_link_opens_its_card_in_its_territory(page_app, demo_sql):
    rows = managers(demo_sql)
    far = sorted(own_clients(demo_sql, rows[-1][0]))[0]
    at = page_app("warnings", {"lang": "en", "client": far})
    no_exception(at)
    assert at.session_state["sw_client"] == far
    assert at.session_state["sw_territory"] == territory_code(rows[-1][1], rows[-1][2])


# --- the printable visit sheet ------------------------------------------------------------

def test_visit_sheet_has_one_block_per_client_with_its_items(page_app, library, demo_sql, deferred):
    manager = managers(demo_sql)[0][0]
    at = open_as_manager(page_app, manager)
    frame, as_of = expected(library, Viewer("m", "customer_manager", manager_id=manager))
    urgent = frame[frame["status"] != "ok"]
    sheet, blocks = visit_blocks(downloaded(at, deferred, "sw_visit"))

    assert set(blocks) == set(urgent["client_id"])
    for client, items in blocks.items():
        want = urgent[urgent["client_id"] == client].sort_values(["severity", "product_id"],
                                                                 ascending=[False, True])
        assert [i[0] for i in items] == list(want["product_id"]), client
        assert [i[1] for i in items] == [STATUS_EN[s] for s in want["status"]], client
        assert [None if i[2] == "—" else i[2] for i in items] == \
            [None if pd.isna(v) else int(v) for v in want["suggested_order_qty"]]
    # most urgent client first
    top = [int(urgent.loc[urgent["client_id"] == c, "severity"].max()) for c in blocks]
    assert top == sorted(top, reverse=True)
    # laid out for printing: A4 landscape, one page wide, title and headers on every page
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToHeight in (0, "0")
    assert sheet.print_title_rows == "$1:$3"
    assert sheet["A1"].value == "Stock warnings · visit sheet"
    assert as_of.isoformat() in sheet["A2"].value
    # ... in the page's language
    at.sidebar.segmented_control(key="lang").set_value("zh").run()
    zh_sheet, zh_blocks = visit_blocks(downloaded(at, deferred, "sw_visit"))
    assert zh_sheet["A1"].value == "终端库存预警表 · 拜访单" and set(zh_blocks) == set(blocks)


def test_table_downloads_hold_the_filtered_list(page_app, library, deferred):
    at = page_app("warnings", {"lang": "en"})
    frame, _ = expected(library, scope=territory_scope(at.session_state["sw_territory"]))
    body = downloaded(at, deferred, "sw_csv").decode("utf-8-sig").splitlines()
    assert body[0].startswith("Status,Urgency,Client code")
    assert len(body) - 1 == (frame["status"] != "ok").sum()
    book = openpyxl.load_workbook(io.BytesIO(downloaded(at, deferred, "sw_xlsx")))
    assert book.active.max_row - 1 == (frame["status"] != "ok").sum()


# --- thresholds ---------------------------------------------------------------------------

def test_every_threshold_has_an_input():
    grouped = [name for names in THRESHOLD_GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(f.name for f in fields(Thresholds))
    for name in grouped:
        assert t(f"sw.th.{name}", "en") != f"sw.th.{name}", name


def test_changed_thresholds_change_the_list(page_app, library):
    at = page_app("warnings", {"lang": "en"})
    scope = territory_scope(at.session_state["sw_territory"])
    at.number_input(key="sw_th_overstock_weeks").set_value(8.0).run()
    at.number_input(key="sw_th_overstock_weeks_by_class_1").set_value(6.0).run()
    no_exception(at)
    wanted = Thresholds(overstock_weeks=8.0, overstock_weeks_by_class=((1, 6.0), (2, 3.0)))
    frame, _ = expected(library, scope=scope, thresholds=wanted)
    assert_counts(at, frame)
    assert any("Custom thresholds in use" in c.value for c in at.caption)
    # values that do not fit together fall back to the defaults, saying so
    at.number_input(key="sw_th_rate_weeks").set_value(10).run()
    assert any("do not fit together" in e.value for e in at.error)
    assert_counts(at, expected(library, scope=scope)[0])
    at.button(key="sw_th_reset").click().run()
    assert at.number_input(key="sw_th_overstock_weeks").value == 4.0
    assert not at.error


def test_customer_manager_gets_no_region_thresholds(page_app, demo_sql):
    at = open_as_manager(page_app, managers(demo_sql)[0][0])
    keys = {n.key for n in at.number_input}
    assert "sw_th_overstock_weeks" in keys and "sw_th_months_of_sales" not in keys


# --- as-of date, language, empty states ---------------------------------------------------

def test_an_earlier_as_of_date(page_app, library):
    at = page_app("warnings", {"lang": "en"})
    scope = territory_scope(at.session_state["sw_territory"])
    day = at.session_state["sw_as_of"] - dt.timedelta(days=28)
    at.date_input(key="sw_as_of").set_value(day).run()
    no_exception(at)
    swh = library.swh()
    frame = stock_warnings(swh.table("orders"), swh.table("inventory_snapshots"), swh.table("clients"),
                           swh.table("products"), day, Thresholds(), scope)
    assert_counts(at, frame)


def test_switching_language_keeps_the_choices(page_app):
    at = page_app("warnings", {"lang": "en"})
    at.selectbox(key="sw_territory__en").select_index(2).run()
    at.multiselect(key="sw_status__en").set_value(["out_of_stock"]).run()
    territory = at.session_state["sw_territory"]
    for lang in ("zh", "en", "zh"):
        at.sidebar.segmented_control(key="lang").set_value(lang).run()
        no_exception(at)
        assert at.session_state["sw_territory"] == territory
        assert at.session_state["sw_status"] == ["out_of_stock"]
    assert {tag[0] for tag in table(at, "sw_list")["状态"]} == {"断货"}


@pytest.fixture
def empty_territory_app(demo_db_copy, monkeypatch):
    """The router on a copy of the demo city that has one more territory, holding a single client
    opened yesterday with no orders and no stock counts."""
    with store.writing(demo_db_copy, action="test add client", who="tests", refresh=False) as con:
        con.execute("""INSERT INTO clients (client_id, name, city, district, market_dept, territory, manager_id,
                                            business_format, grade, market_type)
                       SELECT 'C99999999', '新开便利店', city, district, market_dept, '新设9片区', NULL,
                              'convenience', 5, 'urban'
                       FROM clients ORDER BY client_id LIMIT 1""")
    monkeypatch.setenv("JINYE_DB", str(demo_db_copy))
    monkeypatch.delenv("JINYE_DEMO_MODE", raising=False)
    state.settings.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page(str(ROOT / "pages" / "warnings.py")).run()
    yield at
    state.settings.clear()


def test_an_empty_territory_says_so(empty_territory_app):
    at = empty_territory_app
    regions = at.session_state["_page_context"].choices.regions
    code = next(territory_code(d, tr) for d, tr in zip(regions["market_dept"], regions["territory"])
                if tr == "新设9片区")
    at.selectbox(key="sw_territory__en").select(code).run()
    no_exception(at)
    assert at.session_state["sw_territory"] == code
    assert any("has no products carried by open clients" in i.value for i in at.info)
    assert table(at, "sw_list") is None
    assert not any(m.label == "Out of stock" for m in at.metric)
