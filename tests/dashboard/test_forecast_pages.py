"""需求预测 Forecast and 预测准确度 Forecast accuracy under AppTest on the demo city.

Expected numbers come from the forecast library called directly with the page's arguments (the
plan, the series chart, the review's metrics and value added), from the spec's festival dates,
and from the warehouse's own tables (which territory a manager holds). Monthly runs with small
horizons keep the fits to seconds; the pages' caches are shared across the tests of a session,
as they are across a server's sessions.
"""

from __future__ import annotations

import base64
import datetime as dt
import json

import duckdb
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from analytics.forecast.accuracy import drill, fva, manager_review, review_metrics
from analytics.forecast.pipeline import run_forecast
from dashboard import state
from dashboard.i18n import t
from data.warehouse import Viewer, Warehouse
from tests.dashboard.conftest import APP, ROOT, metrics, no_exception

D = dt.date
LAST_DAY = D(2025, 12, 31)  # the demo city's last day: the page's default cutoff
Q4 = {"from": "2025-10-01", "to": "2025-12-31"}
SPEC_SPRING_FESTIVALS = [D(2023, 1, 22), D(2024, 2, 10), D(2025, 1, 29), D(2026, 2, 17)]  # 05-forecasting.md


def library_run(db, level: str, region: str, horizon: int = 3, viewer: Viewer | None = None, model="auto"):
    """``run_forecast`` on the demo city as ``viewer`` sees it, with the page's default cutoff."""
    wh = Warehouse.open(db)
    try:
        swh = wh.for_viewer(viewer or Viewer("test", "marketing"))
        return run_forecast(swh.table("agg_client_product_month"), swh.table("clients"), swh.table("products"),
                            level, region, "month", horizon, LAST_DAY, model)
    finally:
        wh.close()


@pytest.fixture(scope="module")
def brand_district(demo_db):
    return library_run(demo_db, "brand", "district")


@pytest.fixture(scope="module")
def review(demo_db):
    wh = Warehouse.open(demo_db)
    try:
        b = wh.backend()
        return manager_review(b.table("agg_client_product_month"), b.table("clients"), b.table("products"),
                              b.table("manager_forecasts"), b.table("managers"), D(2025, 10, 1), D(2025, 12, 1))
    finally:
        wh.close()


def table_with(at: AppTest, *columns: str):
    """The first table on the page holding every one of ``columns``."""
    found = [d.value for d in at.dataframe if all(c in d.value.columns for c in columns)]
    assert found, f"no table with {columns!r}: {[list(d.value.columns) for d in at.dataframe]}"
    return found[0]


def figure(at: AppTest, index: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def trace(fig: dict, name: str) -> dict:
    hits = [t for t in fig["data"] if t.get("name") == name]
    assert hits, f"no trace {name!r}: {[t.get('name') for t in fig['data']]}"
    return hits[0]


def values(encoded) -> list:
    """A trace's x or y as a list: plotly writes numeric arrays as typed base64 blocks."""
    if isinstance(encoded, dict) and "bdata" in encoded:
        return np.frombuffer(base64.b64decode(encoded["bdata"]), dtype=np.dtype(encoded["dtype"])).tolist()
    return list(encoded)


def dates(encoded) -> list[dt.date]:
    return [dt.date.fromisoformat(str(v)[:10]) for v in values(encoded)]


# --- 需求预测 Forecast ---------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_forecast_page_renders_in_both_languages(page_app, lang):
    at = page_app("forecast", {"lang": lang})
    no_exception(at)
    assert at.title[0].value == ("需求预测" if lang == "zh" else "Forecast")
    assert ("所用模型" if lang == "zh" else "Model used") in metrics(at)
    assert len(at.get("plotly_chart")) == 1
    assert (("合计" if lang == "zh" else "Total") in at.dataframe[0].value.columns)


def test_plan_chart_and_cards_are_the_librarys_run(page_app, brand_district):
    at = page_app("forecast", {"lang": "en"})
    no_exception(at)
    run = brand_district
    expected = run.plan().set_index(["level_key", "district"])
    shown = table_with(at, "Total").set_index(["Brand", "District"])
    assert len(shown) == len(expected) == run.history.n_series
    assert set(shown.index) == set(expected.index)
    for period in run.periods:
        column = f"{period:%Y-%m}"
        np.testing.assert_array_equal(shown.loc[expected.index, column].to_numpy(),
                                      expected[period.isoformat()].round().astype("int64").to_numpy())
    assert (shown["Model"] == t(f"fc.model.{run.recommended}", "en")).all()
    # the chart draws the largest series: its history, the forecast and the 95 % band
    top = run.list_series()["series_id"].iloc[0]
    series = run.series(top)
    name = run.recommended
    fig = figure(at)
    assert fig["layout"]["yaxis"]["title"]["text"] == "Demand (cartons, 条)"
    actual = trace(fig, "Actual demand")
    np.testing.assert_allclose(values(actual["y"]), series["actual"].dropna().to_numpy())
    forecast = [t for t in fig["data"] if t.get("name", "").startswith("Forecast (")][0]
    np.testing.assert_allclose(values(forecast["y"])[1:], series[name].dropna().to_numpy())
    band = trace(fig, "95 % interval")
    np.testing.assert_allclose(values(band["y"])[:3], series[f"{name}_hi_95"].dropna().to_numpy())
    # the Spring Festivals of the spec fall within the chart, each marked
    assert dates(trace(fig, "Spring Festival")["x"]) == SPEC_SPRING_FESTIVALS
    assert D(2025, 10, 6) in dates(trace(fig, "Mid-Autumn")["x"])
    assert D(2025, 10, 1) in dates(trace(fig, "National Day")["x"])
    first = series[name].dropna().iloc[0]
    assert metrics(at)["Forecast 2026-01"] == (f"{first:,.0f} 条" if first < 1e4 else f"{first / 1e3:,.1f}K 条")
    january = series.set_index("period_start").loc[D(2025, 1, 1), "actual"]  # the same month last year
    card = next(m for m in at.metric if m.label == "Forecast 2026-01")
    assert card.delta == f"{100 * (first / january - 1):+.1f}%"
    wape = run.metrics(["model"]).set_index("model").loc[name, "wape"]
    assert metrics(at)["Backtest WAPE (this level)"] == f"{100 * wape:.1f}%"


def test_levels_add_up_across_the_pickers(page_app):
    at = page_app("forecast", {"lang": "en"})
    by_brand = table_with(at, "Total")
    at.selectbox(key="fc_level__en").select("all").run()
    at.selectbox(key="fc_region__en").select("city").run()
    no_exception(at)
    city = table_with(at, "Total")
    assert len(city) == 1
    periods = [c for c in city.columns if c[:2] == "20"]
    # whole 条 per cell, so the sum of the brands' cells may differ by rounding only
    for column in periods + ["Total"]:
        assert abs(city[column].iloc[0] - by_brand[column].sum()) <= len(by_brand)
    assert abs(city["Total"].iloc[0] - by_brand["Total"].sum()) / by_brand["Total"].sum() < 0.001


def test_customer_manager_forecasts_only_the_own_territory(page_app, demo_db, demo_sql, brand_district):
    everyone = brand_district
    manager, territory, dept = demo_sql.execute(
        "SELECT manager_id, territory, market_dept FROM managers ORDER BY manager_id LIMIT 1").fetchone()
    at = page_app("forecast", {"lang": "en"}, role="customer_manager", manager=manager)
    no_exception(at)
    at.selectbox(key="fc_region__en").select("territory").run()
    no_exception(at)
    options = at.selectbox(key="fc_series_brand_territory__en").options
    assert options and all(f" · {dept}/{territory} · " in o for o in options)
    own = library_run(demo_db, "brand", "territory", viewer=Viewer("t", "customer_manager", manager))
    shown = table_with(at, "Total")
    assert set(shown["Territory"]) == {territory}
    assert shown["Total"].sum() == sum(own.plan()[p.isoformat()].round().astype("int64").sum() for p in own.periods)
    assert shown["Total"].sum() < everyone.plan()["total"].sum() / 5  # one territory of many
    with pytest.raises(ValueError, match="Known pages"):
        at.switch_page(str(ROOT / "pages" / "forecast_accuracy.py"))  # not registered for the role


def test_empty_scope_and_short_history_say_so(page_app, demo_sql):
    grade = demo_sql.execute("""SELECT min(g) FROM range(1, 31) r(g)
        WHERE NOT EXISTS (SELECT 1 FROM clients WHERE business_format = 'mall' AND grade = g)""").fetchone()[0]
    at = page_app("forecast", {"lang": "en", "format": "mall", "grade": f"{grade}-{grade}"})
    no_exception(at)
    assert any("No demand in this scope" in i.value for i in at.info)
    assert not at.dataframe
    at = page_app("forecast", {"lang": "en", "from": "2023-01-01", "to": "2023-06-30"})
    no_exception(at)
    assert any("Only 6 months of history up to 2023-06" in w.value for w in at.warning)
    at = page_app("forecast", {"lang": "en", "from": "2022-01-01", "to": "2022-01-31"})
    no_exception(at)
    assert any("No orders up to 2022-01-31" in i.value for i in at.info)


# --- 预测准确度 Forecast accuracy ------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_accuracy_page_renders_in_both_languages(page_app, lang):
    at = page_app("forecast_accuracy", {"lang": lang, **Q4})
    no_exception(at)
    assert at.title[0].value == ("预测准确度" if lang == "zh" else "Forecast accuracy")
    assert ("客户经理预测 WAPE" if lang == "zh" else "Customer managers WAPE") in metrics(at)
    assert len(at.get("plotly_chart")) == 2


def test_accuracy_metrics_and_value_added_are_the_reviews(page_app, review):
    at = page_app("forecast_accuracy", {"lang": "en", **Q4})
    no_exception(at)
    overall = review_metrics(review, [], "total").set_index("stage")
    shown = table_with(at, "Forecast").set_index("Forecast")
    labels = {"naive": "Naive", "seasonal_naive": "Seasonal naive", "rule": "3-month-mean rule", "model": "Model",
              "manager": "Customer managers"}
    for stage, label in labels.items():
        assert shown.loc[label, "WAPE %"] == np.round(100 * overall.loc[stage, "wape"], 1)
        assert shown.loc[label, "Bias %"] == np.round(100 * overall.loc[stage, "bias"], 1)
        assert shown.loc[label, "MASE"] == np.round(overall.loc[stage, "mase"], 2)
        assert shown.loc[label, "Within ±10 % %"] == np.round(100 * overall.loc[stage, "within_10"], 1)
    assert metrics(at)["Customer managers WAPE"] == f"{100 * overall.loc['manager', 'wape']:.1f}%"
    chain = fva(review, [], "total").iloc[0]
    assert metrics(at)["Value added by the managers' adjustment"] == f"{100 * chain['fva_manager']:+.1f} pp"
    by_manager = fva(review, ["manager_id"], "total").set_index("manager_id")
    table = table_with(at, "Managers add (pp)").set_index("Customer manager")
    assert set(table.index) == set(by_manager.index)
    np.testing.assert_allclose(table.loc[by_manager.index, "Managers add (pp)"],
                               (100 * by_manager["fva_manager"]).round(1))
    # the planted optimistic managers stand out with a positive bias
    assert (table["Customer managers bias %"] > 0).any()


def test_accuracy_by_brand_for_specifications(page_app, review):
    at = page_app("forecast_accuracy", {"lang": "en", **Q4})
    at.segmented_control(key="fa_kind__en").set_value("product").run()
    at.selectbox(key="fa_by_product__en").select("brand").run()
    no_exception(at)
    expected = review_metrics(review, ["brand"], "product")
    expected = expected[expected["stage"] == "model"].set_index("brand")
    shown = table_with(at, "Brand", "Forecast")
    shown = shown[shown["Forecast"] == "Model"].set_index("Brand")
    assert set(shown.index) == set(expected.index)
    np.testing.assert_allclose(shown.loc[expected.index, "WAPE %"], (100 * expected["wape"]).round(1))


def test_drill_goes_from_the_worst_number_to_its_series(page_app, review):
    at = page_app("forecast_accuracy", {"lang": "en", **Q4})
    no_exception(at)
    per_series = review_metrics(review, ["series_id"], "total")
    per_series = per_series[per_series["stage"] == "manager"].sort_values("wape", ascending=False)
    worst = per_series["series_id"].iloc[0]
    picker = at.selectbox(key="fa_series_total__en")
    assert picker.value == worst
    assert f"WAPE {100 * per_series['wape'].iloc[0]:.1f}%" in picker.options[0]
    expected = drill(review, worst).set_index("month")
    shown = table_with(at, "Customer managers")
    np.testing.assert_allclose(shown["Customer managers"], expected["manager"].round(0))
    np.testing.assert_allclose(shown["Actual demand"], expected["actual"])
    fig = figure(at, 1)
    assert dates(trace(fig, "Mid-Autumn")["x"]) == [D(2025, 10, 6)]  # 05-forecasting.md
    assert dates(trace(fig, "National Day")["x"]) == [D(2025, 10, 1)]
    np.testing.assert_allclose(values(trace(fig, "Model")["y"]), expected["model"])


def test_accuracy_bad_states_say_so(page_app, demo_db_copy, monkeypatch):
    at = page_app("forecast_accuracy", {"lang": "en", "from": "2023-01-01", "to": "2023-06-30"})
    no_exception(at)
    assert any("A year of history must come first" in w.value for w in at.warning)
    con = duckdb.connect(str(demo_db_copy))
    con.execute("DROP TABLE manager_forecasts")
    con.close()
    monkeypatch.setenv("JINYE_DB", str(demo_db_copy))
    state.settings.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page(str(ROOT / "pages" / "forecast_accuracy.py")).run()
    no_exception(at)
    assert any("no manager_forecasts table" in w.value for w in at.warning)
