"""The dashboard shell, Overview and Data pages under Streamlit's AppTest, on the demo city.

Expected figures are computed here with plain SQL on the raw ``orders`` table, independently of
the aggregates and analytics the pages use.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from streamlit.testing.v1 import AppTest

from pathlib import Path

from dashboard import state

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
MARCH = {"from": "2025-03-01", "to": "2025-03-31"}


@pytest.fixture
def app(demo_db, monkeypatch):
    """An AppTest of the router pointed at the demo city."""
    monkeypatch.setenv("JINYE_DB", str(demo_db))
    monkeypatch.delenv("JINYE_DEMO_MODE", raising=False)
    state.settings.clear()

    def make(query: dict | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=90)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        return at

    yield make
    state.settings.clear()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _cases(sql, start: str, end: str, where: str = "", params: list | None = None) -> float:
    query = ("SELECT coalesce(sum(o.qty_ordered), 0) FROM orders o JOIN clients c USING (client_id) "
             f"WHERE o.order_date BETWEEN ? AND ? {where}")
    return sql.execute(query, [start, end, *(params or [])]).fetchone()[0] / 250


def _lang(at: AppTest) -> str:
    return at.session_state["lang"] if "lang" in at.session_state else "zh"


def _as_role(at: AppTest, role: str, manager: str | None = None) -> AppTest:
    # Coded widgets have one widget per language (dashboard/widgets.py).
    at.sidebar.selectbox(key=f"demo_role__{_lang(at)}").select(role).run()
    if manager is not None:
        at.sidebar.selectbox(key="demo_manager").select(manager).run()
    return at


@pytest.mark.parametrize("role", ["marketing", "brand_manager", "customer_manager"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_renders_for_each_role_and_language(app, role, lang):
    at = app({"lang": lang, **MARCH}).run()
    at = _as_role(at, role)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == ("总览" if lang == "zh" else "Overview")
    labels = list(_metrics(at))
    assert ("销量（箱）" if lang == "zh" else "Volume (cases)") in labels
    assert ("订单满足率" if lang == "zh" else "Order fill rate") in labels


def test_chinese_by_default_and_english_switch(app):
    at = app(MARCH).run()
    assert at.title[0].value == "总览"
    at.session_state["lang"] = "en"
    at.run()
    assert at.title[0].value == "Overview"
    assert at.query_params["lang"] == ["en"] or at.query_params["lang"] == "en"


def test_headline_volume_matches_the_raw_orders(app, demo_sql):
    at = app({"lang": "en", **MARCH}).run()
    expected = _cases(demo_sql, "2025-03-01", "2025-03-31")
    shown = _metrics(at)["Volume (cases)"]
    assert shown == f"{expected:,.0f}" or shown == f"{expected / 1e3:,.1f}K", (shown, expected)


def test_segment_filter_changes_the_result(app, demo_sql):
    at = app({"lang": "en", **MARCH, "market": "rural"}).run()
    rural = _cases(demo_sql, "2025-03-01", "2025-03-31", "AND c.market_type = ?", ["rural"])
    everyone = _cases(demo_sql, "2025-03-01", "2025-03-31")
    shown = _metrics(at)["Volume (cases)"]
    assert rural < everyone
    assert shown in (f"{rural:,.0f}", f"{rural / 1e3:,.1f}K"), (shown, rural)


def test_customer_manager_sees_only_the_own_territory(app, demo_sql):
    manager, territory = demo_sql.execute(
        "SELECT manager_id, territory FROM managers ORDER BY manager_id LIMIT 1").fetchone()
    at = _as_role(app({"lang": "en", **MARCH}).run(), "customer_manager", manager)
    own = _cases(demo_sql, "2025-03-01", "2025-03-31", "AND c.manager_id = ?", [manager])
    shown = _metrics(at)["Volume (cases)"]
    assert shown in (f"{own:,.0f}", f"{own / 1e3:,.1f}K"), (shown, own)
    # the territory filter offers only the manager's own territory
    options = at.sidebar.multiselect(key="f_territory").options
    assert options == [territory]


def test_crafted_url_cannot_widen_a_customer_managers_view(app, demo_sql):
    (mine, _), (other_manager, other_territory) = demo_sql.execute(
        "SELECT manager_id, territory FROM managers ORDER BY manager_id LIMIT 2").fetchall()
    at = app({"lang": "en", **MARCH, "territory": other_territory}).run()
    at = _as_role(at, "customer_manager", mine)
    own = _cases(demo_sql, "2025-03-01", "2025-03-31", "AND c.manager_id = ?", [mine])
    shown = _metrics(at)["Volume (cases)"]
    assert shown in (f"{own:,.0f}", f"{own / 1e3:,.1f}K")
    assert other_territory not in at.sidebar.multiselect(key="f_territory").value


@pytest.mark.parametrize("query", [
    {"g": "fortnight"}, {"from": "not-a-date", "to": "2025-01-01"}, {"from": "2099-01-01", "to": "2099-02-01"},
    {"district": "不存在的区"}, {"grade": "40-99"}, {"level": "galaxy"}, {"format": "'; DROP TABLE orders; --"},
])
def test_absurd_url_filters_give_a_message_and_the_default_view(app, query):
    at = app({"lang": "en", **query}).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Ignored invalid filters" in w.value for w in at.sidebar.warning)
    assert at.title[0].value == "Overview"


def test_filters_are_mirrored_in_the_url(app):
    at = app({"lang": "en", **MARCH}).run()
    at.sidebar.segmented_control(key="f_gran__en").set_value("week").run()
    assert at.query_params["g"] in ("week", ["week"])
    assert not at.exception


def test_empty_scope_shows_a_message_not_an_error(app):
    at = app({"lang": "en", "from": "2022-01-01", "to": "2022-01-31"}).run()
    assert not at.exception
    assert any("No data in this scope" in i.value for i in at.info)


@pytest.mark.parametrize("lang,title,table_col,rows_col,ok,orders", [
    ("en", "Data", "Table", "Rows", "Integrity checks passed", "orders"),
    ("zh", "数据", "表", "行数", "完整性检查通过", "订单 orders"),
])
def test_data_page_for_marketing_shows_status_and_integrity(app, demo_sql, lang, title, table_col, rows_col, ok,
                                                            orders):
    at = app({"lang": lang}).run()
    at.switch_page(str(Path(APP).parents[1] / "pages" / "data.py")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == title
    status = at.dataframe[0].value
    orders_rows = demo_sql.execute("SELECT count(*) FROM orders").fetchone()[0]
    assert int(status.set_index(table_col).loc[orders, rows_col]) == orders_rows
    assert any(ok in s.value for s in at.success)


@pytest.mark.parametrize("role", ["customer_manager", "brand_manager"])
def test_data_page_is_not_offered_to_other_roles(app, demo_sql, role):
    manager = demo_sql.execute("SELECT min(manager_id) FROM managers").fetchone()[0]
    at = _as_role(app({"lang": "en"}).run(), role, manager if role == "customer_manager" else None)
    assert not at.exception
    with pytest.raises(ValueError, match="Known pages: \\['[^,]*overview.py'[^]]*\\]") as refused:
        at.switch_page(str(Path(APP).parents[1] / "pages" / "data.py"))  # not registered for this role
    assert "data.py" not in str(refused.value).split("Known pages:")[1]


def test_first_start_offers_to_build_the_demo_city(tmp_path, monkeypatch):
    monkeypatch.setenv("JINYE_DB", str(tmp_path / "none.duckdb"))
    state.settings.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=30).run()
        assert not at.exception
        assert any(str(tmp_path / "none.duckdb") in i.value for i in at.info)
        assert at.button[0].label in ("生成演示城市", "Generate the demo city")
    finally:
        state.settings.clear()


def test_overview_shows_data_freshness(app, demo_sql):
    at = app({"lang": "en"}).run()
    last_order = demo_sql.execute("SELECT max(order_date) FROM orders").fetchone()[0]
    assert _metrics(at)["Latest order"] == str(last_order)
    assert isinstance(last_order, dt.date)


def test_language_round_trip_keeps_codes_not_labels(app):
    """zh -> en -> zh: Streamlit matches widget state by label, so a role or level must not
    come back as its Chinese label (it once came back as '营销中心' and was refused)."""
    at = app(MARCH).run()
    at.sidebar.selectbox(key="demo_role__zh").select("brand_manager").run()
    at.sidebar.selectbox(key="f_level__zh").select("brand").run()
    for lang in ("en", "zh"):
        at.sidebar.segmented_control(key="lang").set_value(lang).run()
        assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["demo_role"] == "brand_manager"
    assert at.session_state["f_level"] == "brand"
    assert at.query_params["level"] in ("brand", ["brand"])
    assert at.title[0].value == "总览"


def test_demo_identity_is_dropped_once_accounts_exist(demo_db_copy, monkeypatch):
    """A visitor who picked a demo role must log in once the first account is created."""
    import bcrypt

    from data import store

    monkeypatch.setenv("JINYE_DB", str(demo_db_copy))
    monkeypatch.delenv("JINYE_DEMO_MODE", raising=False)
    state.settings.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=90).run()
        assert at.metric, "demo mode shows the Overview"
        digest = bcrypt.hashpw(b"s3cret-pass", bcrypt.gensalt()).decode()
        with store.writing(demo_db_copy, action="add user", refresh=False) as con:
            con.execute("INSERT INTO users (username, role, password_hash, disabled) "
                        "VALUES ('boss', 'admin', ?, false)", [digest])
        at.run()
        assert not at.exception
        assert not at.metric  # no data shown to the former demo identity
        assert [w.label for w in at.text_input] == ["用户名", "密码"]
    finally:
        state.settings.clear()


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("3", "3")])
def test_the_server_gives_openmp_one_thread_unless_told(app, monkeypatch, given, expected):
    """Forecast fits share the server with every session: OpenMP's busy-waiting threads starved
    them on a busy machine, so the app asks for one thread, and an administrator's value wins."""
    if given is None:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OMP_NUM_THREADS", given)
    at = app().run()
    assert not at.exception, [e.value for e in at.exception]
    assert os.environ["OMP_NUM_THREADS"] == expected
