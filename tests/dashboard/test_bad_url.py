"""Absurd values in the URL on every analysis page: the page opens on its default view with a
message naming what was ignored, never a traceback, and the warehouse is left as it was.

The single values on the Overview are in ``test_app.py``; here each page gets them all at once
(the global filters are shared, the page's own parameters differ), plus what ``test_app.py`` does
not try: impossible dates, unknown territories, very long and SQL-ish values.
"""

from __future__ import annotations

import hashlib

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import state
from dashboard.formatting import literal
from data import store
from tests.dashboard.conftest import APP, ROOT, lang, no_exception

PAGES = {"overview": "Overview", "five_rates": "Five rates", "brand": "Brand", "prices": "Prices",
         "warnings": "Stock warnings", "forecast": "Forecast", "forecast_accuracy": "Forecast accuracy",
         "allocation": "Allocation"}
SQLISH = "'; DROP TABLE orders; --"
LONG = "金" * 3000 + "x" * 7000
ABSURD = {
    "from": "2099-99-99", "to": "2099-99-99", "g": LONG, "level": SQLISH, "grade": "1-30; DELETE FROM clients",
    "territory": "不存在的片区", "dept": SQLISH, "district": LONG, "format": "' OR 1=1 --",
    "keys": LONG, "market": "[领奖](https://evil.example)",
    # Not global filters: names a page might read. Unknown ones are left alone, known ones
    # (warnings' client, allocation's product) must refuse or ignore a value that is not theirs.
    "period": SQLISH, "client": SQLISH, "product": "../../etc/passwd",
}


def fingerprint(db) -> tuple:
    """The warehouse file's bytes, generation, import log and row counts of the raw tables."""
    con, _ = store.open_reader(db)
    try:
        counts = tuple(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                       for table in ("orders", "clients", "products", "import_log"))
    finally:
        con.close()
    return hashlib.sha256(db.read_bytes()).hexdigest(), store.generation(db), counts


@pytest.fixture
def open_link(demo_db, monkeypatch):
    """``open_link(page, query)``: the router run with the query, then switched to
    ``pages/<page>.py``; returns the sidebar's warnings of the first run and the app.

    AppTest cannot open a page by its url path on the first run (``five-rates`` is not the file
    name), so the link's message is read on the Overview; the browser test opens each page's
    link directly (tests/e2e/test_bad_input.py)."""
    monkeypatch.setenv("JINYE_DB", str(demo_db))
    monkeypatch.delenv("JINYE_DEMO_MODE", raising=False)
    state.settings.clear()

    def make(page: str, query: dict) -> tuple[str, AppTest]:
        at = AppTest.from_file(APP, default_timeout=300)  # the forecast page's first run on a busy machine
        for key, value in query.items():
            at.query_params[key] = value
        first = sidebar_warnings(at.run())
        if page != "overview":
            at.switch_page(str(ROOT / "pages" / f"{page}.py")).run()
        return first, at

    yield make
    state.settings.clear()


def sidebar_warnings(at) -> str:
    return " | ".join(w.value for w in at.sidebar.warning)


@pytest.mark.parametrize("page", list(PAGES))
def test_absurd_url_on_each_page_falls_back_to_the_default_view(open_link, demo_db, page):
    before = fingerprint(demo_db)
    _, plain = open_link(page, {"lang": "en"})
    shown, at = open_link(page, {"lang": "en", **ABSURD})
    no_exception(at)
    assert lang(at) == "en"
    assert at.title[0].value == PAGES[page]
    assert "Ignored invalid filters" in shown
    # The values are inline code in the message (dashboard.formatting.literal).
    read = shown
    for refused in ("from=2099-99-99", "territory=不存在的片区", f"dept={SQLISH}", "format=' OR 1=1 --",
                    "market=[领奖](https://evil.example)"):
        assert refused in read, (refused, read[:500])
    # Everything else is the page's default view: the same window and filters as a plain link.
    for key in ("f_dates", "f_gran", "f_level", "f_territory", "f_district", "f_keys", "f_grade"):
        assert at.session_state[key] == plain.session_state[key], key
    if page == "warnings":  # ?client= names no client the viewer may see: said so on the page
        assert any(SQLISH in w.value for w in at.main.warning), [w.value for w in at.main.warning]
    assert fingerprint(demo_db) == before


@pytest.mark.parametrize("value", [LONG, SQLISH])
def test_a_long_or_sqlish_value_is_cut_short_in_the_message(open_link, value):
    """The message names the refused value, but a 10,000-character one must not fill the sidebar."""
    shown, at = open_link("overview", {"lang": "en", "territory": value})
    no_exception(at)
    assert "Ignored invalid filters" in shown
    assert len(shown) < 300, len(shown)
    assert "territory=" + value[:20] in shown


def test_the_valid_half_of_a_list_is_kept(open_link):
    shown, at = open_link("overview", {"lang": "en", "market": "rural,城网"})
    no_exception(at)
    assert "market=城网" in shown and "market=rural" not in shown
    assert at.session_state["f_market_type"] == ["rural"]


def test_literal_sets_values_as_inline_code_and_cuts_long_ones():
    assert literal("[领奖](https://evil.example)") == "`[领奖](https://evil.example)`"
    assert literal("a`b") == "`a'b`"
    assert literal("金" * 61) == "`" + "金" * 59 + "…`"
