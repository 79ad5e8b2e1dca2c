"""紧俏货源投放 Allocation under AppTest on the demo city: the library's numbers for both methods,
inputs that change the answer, the Prices page's link, ?product= links, roles, and a saved run."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from analytics.allocation import Period, Settings, compare, load_inputs, load_truth
from dashboard import state
from data.warehouse import Warehouse
from tests.dashboard.conftest import APP, ROOT, as_role, metrics, no_exception

SECOND_HALF = {"from": "2025-07-01", "to": "2025-12-31"}


def _library(db, product: str, start: dt.date, end: dt.date, supply: int):
    wh = Warehouse.open(db)
    try:
        b, con = wh.backend(), wh.cursor()
        period = Period(start, end)
        inputs = load_inputs(b.table("orders"), b.table("inventory_snapshots"), b.table("clients"),
                             b.table("agg_client_product_month"), product, period)
        return compare(inputs, supply, load_truth(con, product, period), Settings())
    finally:
        wh.close()


def _plan(at: AppTest) -> tuple[str, dt.date, dt.date, int]:
    product = at.selectbox(key="al_product").value
    start = at.selectbox(key="al_period").value
    return product, start, start + dt.timedelta(days=6), int(at.number_input(key="al_supply").value)


def _table(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_renders_in_both_languages(page_app, lang):
    at = page_app("allocation", {"lang": lang}, role="marketing")
    no_exception(at)
    assert at.title[0].value == ("紧俏货源投放" if lang == "zh" else "Allocation")
    assert ("推荐方案投放" if lang == "zh" else "Recommended") in metrics(at)


def test_shows_what_the_library_computes(page_app, demo_db):
    at = page_app("allocation", {"lang": "en"})
    no_exception(at)
    product, start, end, supply = _plan(at)
    want = _library(demo_db, product, start, end, supply)
    shown = metrics(at)
    assert shown["Supply"] == f"{supply:,}"
    assert shown["Recommended"] == f"{int(want.recommended.clients['qty_alloc'].sum()):,}"
    assert shown["By grade"] == f"{int(want.baseline.clients['qty_alloc'].sum()):,}"
    assert shown["Clients"] == f"{len(want.recommended.clients):,}"
    # the default period of the demo city can be played out: the outcome is the library's
    outcome = _table(at, "Measure").set_index("Measure")
    got = want.outcome.set_index("metric")
    assert outcome.loc["Sold to consumers (cartons)", "Recommended"] == pytest.approx(got.loc["units_sold", "optimal"])
    assert outcome.loc["Left in shops (cartons)", "By grade"] == pytest.approx(got.loc["overhang", "by_grade"])
    assert outcome.loc["Clients out of stock %", "Difference"] == pytest.approx(
        100 * got.loc["stockout_share", "difference"], abs=1e-3)
    # the client list: every client of the library with its quantity
    # the client lists of both tabs are drawn, the recommendation's first
    rec = want.recommended.clients.set_index("client_id")["qty_alloc"].to_dict()
    lists = [d.value for d in at.dataframe if "Reason" in d.value.columns]
    assert dict(zip(lists[0]["Client"], lists[0]["Allocated (cartons)"])) == rec
    base = want.baseline.clients.set_index("client_id")["qty_alloc"].to_dict()
    assert dict(zip(lists[1]["Client"], lists[1]["Allocated (cartons)"])) == base


def test_supply_input_changes_the_answer(page_app, demo_db):
    at = page_app("allocation", {"lang": "en"})
    product, start, end, supply = _plan(at)
    smaller = max(1, supply // 2)
    at.number_input(key="al_supply").set_value(smaller).run()
    no_exception(at)
    want = _library(demo_db, product, start, end, smaller)
    assert metrics(at)["Supply"] == f"{smaller:,}"
    assert metrics(at)["Recommended"] == f"{int(want.recommended.clients['qty_alloc'].sum()):,}"
    assert int(want.recommended.clients["qty_alloc"].sum()) <= smaller


def test_a_link_names_the_product(page_app, demo_sql):
    products = [r[0] for r in demo_sql.execute(
        "SELECT DISTINCT product_id FROM supply_plans ORDER BY 1").fetchall()]
    at = page_app("allocation", {"lang": "en", "product": products[-1]})
    no_exception(at)
    assert at.selectbox(key="al_product").value == products[-1]


def test_a_future_period_says_evaluation_is_unavailable(page_app, demo_sql):
    at = page_app("allocation", {"lang": "en"})
    product = at.selectbox(key="al_product").value
    future = demo_sql.execute("SELECT max(period_start) FROM supply_plans WHERE product_id = ?",
                              [product]).fetchone()[0]
    at.selectbox(key="al_period").select(future).run()
    no_exception(at)
    assert any("unavailable" in i.value for i in at.info)
    assert not any("Measure" in d.value.columns for d in at.dataframe)
    assert metrics(at)["Recommended"]  # both allocations still shown


def test_prices_links_here_for_marketing_only(page_app):
    at = page_app("prices", {"lang": "en", **SECOND_HALF})
    links = at.get("page_link")
    assert links and links[0].proto.page.endswith("allocation")
    at = page_app("prices", {"lang": "en", **SECOND_HALF}, role="brand_manager")
    no_exception(at)
    assert not at.get("page_link")


def test_save_a_run(demo_db_copy, monkeypatch):
    monkeypatch.setenv("JINYE_DB", str(demo_db_copy))
    monkeypatch.delenv("JINYE_DEMO_MODE", raising=False)
    state.settings.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=120)
        at.query_params["lang"] = "en"
        at.run()
        as_role(at, "marketing")
        at.switch_page(str(ROOT / "pages" / "allocation.py")).run()
        product, start, _, supply = _plan(at)
        at.text_input(key="al_note").input("week 52")
        at.button[0].click()  # the form's submit button is the page's only button
        at.run()
        no_exception(at)
        assert any("Saved:" in s.value for s in at.success)
        runs = _table(at, "Saved by")
        assert runs["Note"].tolist() == ["week 52"] and runs["Supply"].tolist() == [supply]
    finally:
        state.settings.clear()
    wh = Warehouse.open(demo_db_copy)
    try:
        row = wh.cursor().execute("SELECT product_id, period_start, supply, method FROM allocation_runs").fetchall()
        total = wh.cursor().execute("SELECT sum(qty_alloc) FROM allocations").fetchone()[0]
    finally:
        wh.close()
    assert row == [(product, start, supply, "optimal")]
    assert 0 < total <= supply


@pytest.mark.parametrize("role", ["brand_manager", "customer_manager"])
def test_other_roles_cannot_open_it(page_app, demo_sql, role):
    manager = demo_sql.execute("SELECT min(manager_id) FROM managers").fetchone()[0]
    at = page_app("overview", {"lang": "en"}, role=role, manager=manager if role == "customer_manager" else None)
    with pytest.raises(ValueError, match="Known pages") as refused:
        at.switch_page(str(ROOT / "pages" / "allocation.py"))
    assert "allocation.py" not in str(refused.value).split("Known pages:")[1]
