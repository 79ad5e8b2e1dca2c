"""五率分析 Five-rate explorer under AppTest on the demo city: it renders in both languages, shows
what ``kpi_table`` computes, drills from the city to a territory's clients, and a customer manager
can drill only into the own territory."""

from __future__ import annotations

import pytest

from analytics.kpis import RATES
from analytics.scope import Scope
from dashboard import drill
from data.warehouse import Viewer
from tests.dashboard.conftest import MARCH, metrics, month, no_exception, shown_percent

LABELS = {"zh": ["覆盖率", "上柜率", "动销率", "断货率", "成长率"],
          "en": ["Coverage", "Shelf rate", "Sell-through", "Stock-out rate", "Growth"]}


def _top_brand(library) -> str:
    frame = library.kpis(month("2025-03-01"), level="brand")
    return frame.sort_values("qty_ordered", ascending=False)["level_key"].iloc[1]


def _pick_brand(at, brand: str, lang: str = "en"):
    at.selectbox(key=f"fr_level__{lang}").select("brand").run()
    at.selectbox(key=f"fr_key_brand__{lang}").select(brand).run()
    return at


@pytest.mark.parametrize("role", ["marketing", "brand_manager"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_renders_in_both_languages(page_app, role, lang):
    at = page_app("five_rates", {"lang": lang, **MARCH}, role=role)
    no_exception(at)
    assert at.title[0].value == ("五率分析" if lang == "zh" else "Five rates")
    assert all(label in metrics(at) for label in LABELS[lang])
    assert any(e.proto.label for e in at.expander if "公式" in e.proto.label or "formulas" in e.proto.label)


def test_cards_show_what_kpi_table_computes(page_app, library):
    brand = _top_brand(library)
    at = _pick_brand(page_app("five_rates", {"lang": "en", **MARCH}), brand)
    no_exception(at)
    expected = library.kpis(month("2025-03-01"), level="brand",
                            scope=Scope(product_level="brand", product_keys=(brand,))).iloc[0]
    shown = metrics(at)
    for rate, label in zip(RATES, LABELS["en"]):
        assert shown[label] == shown_percent(expected[rate]), (rate, shown[label], expected[rate])


def test_region_table_matches_kpi_table_by_district(page_app, library):
    brand = _top_brand(library)
    at = _pick_brand(page_app("five_rates", {"lang": "en", **MARCH}), brand)
    table = next(d.value for d in at.dataframe if "District" in d.value.columns)
    expected = library.kpis(month("2025-03-01"), ("district",), "brand",
                            Scope(product_level="brand", product_keys=(brand,))).set_index("district")
    for _, row in table.iterrows():
        want = expected.loc[row["District"]]
        assert row["Active clients"] == want["active_clients"]
        assert row["Coverage %"] == pytest.approx(round(100 * want["coverage_rate"], 1))


def test_drill_from_city_to_a_territorys_clients(page_app, library):
    brand = _top_brand(library)
    at = _pick_brand(page_app("five_rates", {"lang": "en", **MARCH}), brand)
    for header in ("Market department", "Territory"):
        picker = at.selectbox(key="fr_pick")
        picker.select(picker.options[0]).run()
        no_exception(at)
        assert any(header in d.value.columns for d in at.dataframe), header
    picker = at.selectbox(key="fr_pick")
    territory = picker.options[0]
    picker.select(territory).run()
    no_exception(at)
    district, dept = at.session_state["fr_path"][:2]
    clients = next(d.value for d in at.dataframe if "Bought" in d.value.columns)
    scope = Scope(districts=(district,), market_depts=(dept,), territories=(territory,),
                  product_level="brand", product_keys=(brand,))
    expected = library.kpis(month("2025-03-01"), level="brand", scope=scope).iloc[0]
    assert len(clients) == expected["active_clients"]
    assert (clients["Bought"] == "✓").sum() == expected["buying_clients"]
    assert (clients["On shelf"] == "✓").sum() == expected["shelf_clients"]
    assert (clients["Out of stock"] == "✓").sum() == expected["stockout_clients"]
    assert (clients["Selling"] == "✓").sum() == expected["selling_clients"]
    # back up to the city with the breadcrumb
    at.button(key="fr_crumb_0").click().run()
    assert at.session_state["fr_path"] == ()


def test_customer_manager_drills_only_into_the_own_territory(page_app, demo_sql):
    manager, district, dept, territory = demo_sql.execute(
        "SELECT manager_id, c.district, m.market_dept, m.territory FROM managers m "
        "JOIN clients c USING (manager_id) ORDER BY manager_id LIMIT 1").fetchone()
    at = page_app("five_rates", {"lang": "en", **MARCH}, role="customer_manager", manager=manager)
    no_exception(at)
    for expected in ([district], [dept], [territory]):
        picker = at.selectbox(key="fr_pick")
        assert picker.options == expected
        picker.select(expected[0]).run()
    clients = next(d.value for d in at.dataframe if "Bought" in d.value.columns)
    own = {r[0] for r in demo_sql.execute(
        "SELECT client_id FROM clients WHERE manager_id = ? OR (manager_id IS NULL AND territory = ? "
        "AND market_dept = ?)", [manager, territory, dept]).fetchall()}
    assert set(clients["Client"]) <= own
    assert len(clients) > 0


def test_brand_comparison_shows_each_brand(page_app, library):
    at = page_app("five_rates", {"lang": "en", **MARCH})
    brands = at.multiselect(key="fr_brands").value
    assert 1 <= len(brands) <= 8
    compare = next(d.value for d in at.dataframe if "Brand" in d.value.columns)
    assert list(compare["Brand"]) == brands
    expected = library.kpis(month("2025-03-01"), level="brand").set_index("level_key")
    for _, row in compare.iterrows():
        assert row["Coverage %"] == pytest.approx(round(100 * expected.loc[row["Brand"], "coverage_rate"], 1))


def test_empty_scope_shows_a_message(page_app):
    at = page_app("five_rates", {"lang": "en", "from": "2022-01-01", "to": "2022-01-31"})
    no_exception(at)
    assert any("No data in this scope" in i.value for i in at.info)


def test_switching_language_keeps_the_page_working(page_app, library):
    at = _pick_brand(page_app("five_rates", {"lang": "en", **MARCH}), _top_brand(library))
    for lang in ("zh", "en"):
        at.sidebar.segmented_control(key="lang").set_value(lang).run()
        no_exception(at)
    assert at.session_state["fr_level"] == "brand"


def test_a_click_on_a_matrix_cell_drills_and_narrows(monkeypatch):
    """The chart callbacks turn a clicked point's customdata into drill state."""
    session = {"m": {"selection": {"points": [{"customdata": ["东湖区", "convenience"]}]}}}
    monkeypatch.setattr(drill.st, "session_state", session)
    drill.on_matrix_click("fr", "m", "business_format", drills=True)()
    assert session["fr_path"] == ("东湖区",)
    assert session["fr_segment"] == ("business_format", "convenience")
    where = drill.Drill(session["fr_path"], session["fr_segment"])
    narrowed = where.scope(Scope(grade_min=3))
    assert narrowed.districts == ("东湖区",) and narrowed.business_formats == ("convenience",)
    session["b"] = {"selection": {"points": [{"customdata": "东湖区城东市场部"}]}}
    drill.on_region_click("fr", "b")()
    assert session["fr_path"] == ("东湖区", "东湖区城东市场部")
    assert drill.Drill((), ("grade_band", "6-10")).scope(Scope(grade_min=8)).grade_min == 8


def test_a_stale_drill_step_is_dropped(monkeypatch):
    import pandas as pd

    regions = pd.DataFrame({"district": ["A", "A"], "market_dept": ["A1", "A2"], "territory": ["t1", "t2"]})
    session = {"fr_path": ("A", "A9"), "fr_segment": ("grade_band", "unknown")}
    monkeypatch.setattr(drill.st, "session_state", session)
    where = drill.read("fr", regions, Scope())
    assert where.path == ("A",) and where.segment is None
    assert drill.next_options(regions, Scope(), where) == ["A1", "A2"]
    # a district outside the sidebar's filter cannot be drilled into
    assert drill.read("fr", regions, Scope(districts=("B",))).path == ()


def test_viewer_scope_in_library_is_the_pages_scope(library, demo_sql):
    """Guard for the manager test above: the library's customer-manager view is the own clients."""
    manager = demo_sql.execute("SELECT min(manager_id) FROM managers").fetchone()[0]
    swh = library.swh(Viewer("m", "customer_manager", manager_id=manager))
    assert swh.table("clients").count().to_pyarrow().as_py() > 0
