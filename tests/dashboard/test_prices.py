"""价格监测 Prices under AppTest on the demo city: price index, margin index and inversion share as
``analytics.prices`` computes them, the below-threshold list following the threshold input, and
outlier prices beyond the chosen robust z."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import MARCH, metrics, month, no_exception

SECOND_HALF = {"from": "2025-07-01", "to": "2025-12-31"}


@pytest.mark.parametrize("role", ["marketing", "brand_manager", "customer_manager"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_renders_in_both_languages(page_app, demo_sql, role, lang):
    manager = demo_sql.execute("SELECT min(manager_id) FROM managers").fetchone()[0]
    at = page_app("prices", {"lang": lang, **MARCH}, role=role,
                  manager=manager if role == "customer_manager" else None)
    no_exception(at)
    assert at.title[0].value == ("价格监测" if lang == "zh" else "Prices")
    assert ("价格指数" if lang == "zh" else "Price index") in metrics(at)


def test_cards_show_what_price_table_computes(page_app, library):
    at = page_app("prices", {"lang": "en", **MARCH})
    expected = library.prices(month("2025-03-01")).iloc[0]
    shown = metrics(at)
    assert shown["Price index"] == f"{expected['price_index']:,.1f}"
    assert shown["Price margin index"] == f"{expected['margin_index']:,.3f}"
    assert shown["Inversion share"] == f"{100 * expected['inversion_share']:.1f}%"
    assert shown["Price observations"] == f"{expected['observations']:,}"


def test_products_below_the_threshold_follow_the_input(page_app, library):
    at = page_app("prices", {"lang": "en", **SECOND_HALF})
    table = library.prices(month("2025-12-01"), level="product")

    def listed() -> set:
        frame = next((d.value for d in at.dataframe if "Previous index" in d.value.columns), None)
        return set() if frame is None else set(frame["Product code"])

    assert listed() == set(table.loc[table["price_index"] < 95, "level_key"])
    assert listed(), "the demo city plants oversupplied products whose index slides"
    at.number_input(key="pr_threshold").set_value(100.0).run()
    assert listed() == set(table.loc[table["price_index"] < 100, "level_key"])
    # the list links to the allocation page, where the release can be cut (控量稳价)
    assert [link.proto.page for link in at.get("page_link")] == ["allocation"]


def test_outliers_are_beyond_the_chosen_z(page_app):
    at = page_app("prices", {"lang": "en", **SECOND_HALF})
    at.number_input(key="pr_z").set_value(3.0).run()
    no_exception(at)
    odd = next(d.value for d in at.dataframe if "Robust z" in d.value.columns)
    assert len(odd) > 0
    assert (odd["Robust z"].abs() > 3.0).all()
    assert set(odd["Direction"]) <= {"High", "Low"}


def test_drill_into_a_district(page_app, library):
    at = page_app("prices", {"lang": "en", **MARCH})
    district = at.selectbox(key="pr_pick").options[0]
    at.selectbox(key="pr_pick").select(district).run()
    no_exception(at)
    from analytics.scope import Scope

    expected = library.prices(month("2025-03-01"), scope=Scope(districts=(district,))).iloc[0]
    assert metrics(at)["Price index"] == f"{expected['price_index']:,.1f}"
    assert any("Market department" in d.value.columns for d in at.dataframe)


def test_no_price_counts_shows_a_message(page_app):
    at = page_app("prices", {"lang": "en", "from": "2022-01-01", "to": "2022-01-31"})
    no_exception(at)
    assert any("No price observations" in i.value for i in at.info)
