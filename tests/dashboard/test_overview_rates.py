"""The Overview's five rates and price index: the window's last period vs the same period a year
earlier, as ``kpi_table`` and ``price_table`` compute them."""

from __future__ import annotations

import pytest

from analytics.kpis import RATES
from analytics.scope import Scope
from tests.dashboard.conftest import metrics, month, no_exception, shown_percent

FIRST_QUARTER = {"from": "2025-01-01", "to": "2025-03-31"}
LABELS = {"zh": ["覆盖率", "上柜率", "动销率", "断货率", "成长率", "价格指数"],
          "en": ["Coverage", "Shelf rate", "Sell-through", "Stock-out rate", "Growth", "Price index"]}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_shows_the_five_rates_and_the_price_index(page_app, lang):
    at = page_app("overview", {"lang": lang, **FIRST_QUARTER})
    no_exception(at)
    assert all(label in metrics(at) for label in LABELS[lang])
    assert any(("2025-03" in s.value) for s in at.subheader)
    coverage = next(m for m in at.metric if m.label == LABELS[lang][0])
    assert ("订购" in coverage.help) if lang == "zh" else ("ordered" in coverage.help)  # the formula


def test_rates_for_a_selected_brand_match_the_library(page_app, library):
    brand = library.kpis(month("2025-03-01"), level="brand").sort_values("qty_ordered")["level_key"].iloc[-3]
    at = page_app("overview", {"lang": "en", **FIRST_QUARTER, "level": "brand", "keys": brand})
    no_exception(at)
    scope = Scope(product_level="brand", product_keys=(brand,))
    now = library.kpis(month("2025-03-01"), scope=scope).iloc[0]
    before = library.kpis(month("2024-03-01"), scope=scope).iloc[0]
    shown = {m.label: m for m in at.metric}
    for rate, label in zip(RATES, LABELS["en"]):
        assert shown[label].value == shown_percent(now[rate]), rate
    change = round(100 * (now["stockout_rate"] - before["stockout_rate"]), 1)
    assert shown["Stock-out rate"].delta == (f"{change:+.1f} pp" if change else "+0.0 pp")
    index = library.prices(month("2025-03-01"), scope=scope)["price_index"].iloc[0]
    assert shown["Price index"].value == f"{index:,.1f}"
