"""品牌 Brand view under AppTest on the demo city (the under-coverage definition itself is tested in
tests/analytics/test_potential.py)."""

from __future__ import annotations

import pytest

from analytics.scope import Scope
from analytics.potential import MIN_PEERS
from tests.dashboard.conftest import MARCH, ROOT, SPRING, metrics, month, no_exception, shown_percent


def _brand(library) -> str:
    frame = library.kpis(month("2025-03-01"), level="brand")
    return frame.sort_values("qty_ordered", ascending=False)["level_key"].iloc[2]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_renders_in_both_languages(page_app, lang):
    at = page_app("brand", {"lang": lang, **MARCH})
    no_exception(at)
    assert at.title[0].value == ("品牌" if lang == "zh" else "Brand")
    assert ("覆盖率" if lang == "zh" else "Coverage") in metrics(at)
    assert ("价格指数" if lang == "zh" else "Price index") in metrics(at)


def test_defaults_to_the_best_selling_brand_and_shows_its_rates(page_app, library):
    at = page_app("brand", {"lang": "en", **MARCH})
    top = library.kpis(month("2025-03-01"), level="brand").sort_values("qty_ordered").iloc[-1]
    assert at.selectbox(key="br_brand").value == top["level_key"]
    assert metrics(at)["Coverage"] == shown_percent(top["coverage_rate"])


def test_specs_and_price_health_match_the_library(page_app, library):
    brand = _brand(library)
    at = page_app("brand", {"lang": "en", **MARCH})
    at.selectbox(key="br_brand").select(brand).run()
    no_exception(at)
    scope = Scope(product_level="brand", product_keys=(brand,))
    specs = library.kpis(month("2025-03-01"), level="product", scope=scope).set_index("level_key")
    table = next(d.value for d in at.dataframe if "Specification" in d.value.columns)
    assert sorted(table["Product code"]) == sorted(specs.index)
    for _, row in table.iterrows():
        assert row["Shelf rate %"] == pytest.approx(round(100 * specs.loc[row["Product code"], "shelf_rate"], 1))
    index = library.prices(month("2025-03-01"), level="brand", scope=scope)["price_index"].iloc[0]
    assert metrics(at)["Price index"] == f"{index:,.1f}"


def test_high_potential_clients_never_ordered_the_brand(page_app, library, demo_sql):
    brand = _brand(library)
    at = page_app("brand", {"lang": "en", **SPRING})
    at.selectbox(key="br_brand").select(brand).run()
    at.slider(key="br_peer_rate").set_value(30).run()
    no_exception(at)
    listing = next((d.value for d in at.dataframe if "Peers buying %" in d.value.columns), None)
    assert listing is not None and len(listing) > 0
    assert (listing["Peers buying %"] >= 30).all()
    assert (listing["Peers"] >= MIN_PEERS).all()
    bought = {r[0] for r in demo_sql.execute(
        "SELECT DISTINCT o.client_id FROM orders o JOIN products p USING (product_id) WHERE p.brand = ? "
        "AND o.qty_ordered > 0 AND o.order_date BETWEEN '2025-01-01' AND '2025-03-31'", [brand]).fetchall()}
    assert not set(listing["Client"]) & bought


def test_customer_manager_sees_only_own_clients_as_prospects(page_app, library, demo_sql):
    manager = demo_sql.execute("SELECT min(manager_id) FROM managers").fetchone()[0]
    at = page_app("brand", {"lang": "en", **SPRING}, role="customer_manager", manager=manager)
    at.slider(key="br_peer_rate").set_value(10).run()
    no_exception(at)
    listing = next((d.value for d in at.dataframe if "Peers buying %" in d.value.columns), None)
    if listing is not None:
        assert set(listing["Manager"].dropna()) <= {manager}


def test_empty_scope_shows_a_message(page_app):
    at = page_app("brand", {"lang": "en", "from": "2022-01-01", "to": "2022-01-31"})
    no_exception(at)
    assert any("No data in this scope" in i.value for i in at.info)


def test_the_chosen_brand_and_threshold_survive_a_visit_to_another_page(page_app, library):
    brand = _brand(library)
    at = page_app("brand", {"lang": "en", **MARCH})
    at.selectbox(key="br_brand").select(brand).run()
    at.slider(key="br_peer_rate").set_value(70).run()
    at.switch_page(str(ROOT / "pages" / "prices.py")).run()
    no_exception(at)
    at.switch_page(str(ROOT / "pages" / "brand.py")).run()
    no_exception(at)
    assert at.selectbox(key="br_brand").value == brand
    assert at.slider(key="br_peer_rate").value == 70
