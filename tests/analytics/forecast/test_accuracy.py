"""The forecast-accuracy review on the demo city: the planted optimistic managers show up, and
forecast value added is laid out by manager, territory, brand and month."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from analytics.forecast.accuracy import STAGES, drill, drill_markers, fva, manager_review, review_metrics
from data.warehouse import Warehouse

D = dt.date


@pytest.fixture(scope="module")
def review(demo_db):
    wh = Warehouse.open(demo_db)
    b = wh.backend()
    try:
        frame = manager_review(b.table("agg_client_product_month"), b.table("clients"), b.table("products"),
                               b.table("manager_forecasts"), b.table("managers"), D(2025, 7, 1), D(2025, 12, 31))
        truth = b.table("truth_facts").to_pandas()
    finally:
        wh.close()
    return frame, truth


def test_review_rows(review):
    frame, _ = review
    assert list(frame.columns) == ["kind", "series_id", "manager_id", "territory", "market_dept", "product_id",
                                   "brand", "month", "stage", "forecast", "actual", "scale"]
    assert set(frame["stage"]) == set(STAGES)
    assert sorted(set(frame["month"])) == [D(2025, m, 1) for m in range(7, 13)]
    totals = frame[frame["kind"] == "total"]
    # one row per manager x month x stage, every stage on the same actual
    assert not totals.duplicated(["manager_id", "month", "stage"]).any()
    assert (totals.groupby(["manager_id", "month"])["actual"].nunique() == 1).all()
    products = frame[frame["kind"] == "product"]
    assert products["product_id"].notna().all() and products["brand"].notna().all()
    assert (frame["scale"] > 0).all()


def test_the_planted_optimistic_managers_forecast_too_high(review):
    frame, truth = review
    planted = truth[truth["kind"] == "optimistic_manager"].set_index("entity_id")["value"]
    assert len(planted) >= 1
    managers = review_metrics(frame, ["manager_id"]).query("stage == 'manager'").set_index("manager_id")["bias"]
    for manager, optimism in planted.items():
        assert managers[manager] > 0.5 * optimism, (manager, managers[manager], optimism)
    others = managers.drop(planted.index)
    assert others.abs().median() < 0.05
    assert managers[planted.index].min() > others.max()


def test_forecast_value_added(review):
    frame, _ = review
    overall = fva(frame).iloc[0]
    # the model adds value over the rule, which adds value over the naive forecast
    assert overall["fva_model"] > 0 and overall["fva_rule"] > 0
    assert overall["wape_model"] < overall["wape_manager"]
    assert overall["fva_total"] == pytest.approx(overall["wape_naive"] - overall["wape_manager"])
    by_manager = fva(frame, ["manager_id"])
    assert by_manager["manager_id"].is_unique and len(by_manager) == frame["manager_id"].nunique()
    by_territory = fva(frame, ["territory"])
    assert by_territory["actual"].sum() == pytest.approx(overall["actual"])
    by_month = fva(frame, ["month"])
    assert len(by_month) == 6
    # brands: only the specifications the managers forecast one by one
    by_brand = fva(frame, ["brand"], kind="product")
    assert len(by_brand) >= 1 and by_brand["wape_manager"].notna().all()


def test_metrics_compare_stages_on_the_same_cells(review):
    frame, _ = review
    got = review_metrics(frame, ["territory"])
    per = got.groupby("territory")["actual"].nunique()
    assert (per == 1).all()  # every stage judged against the same actual
    assert list(got.columns[:2]) == ["stage", "territory"]


def test_drill_from_a_bad_number_to_its_series(review):
    frame, _ = review
    bias = review_metrics(frame, ["manager_id"]).query("stage == 'manager'")
    worst = bias.sort_values("wape").iloc[-1]["manager_id"]
    got = drill(frame, worst)
    assert list(got.columns) == ["month", "actual", *STAGES]
    assert len(got) == 6
    assert np.isfinite(got[list(STAGES)].to_numpy()).all()
    marks = drill_markers(got)
    assert D(2025, 10, 6) in marks["date"].tolist()  # 中秋 2025
    with pytest.raises(ValueError, match="no total series"):
        drill(frame, "nobody")


def test_the_review_refuses_auto(demo_db):
    wh = Warehouse.open(demo_db)
    b = wh.backend()
    try:
        with pytest.raises(ValueError, match="one model name"):
            manager_review(b.table("agg_client_product_month"), b.table("clients"), b.table("products"),
                           b.table("manager_forecasts"), b.table("managers"), D(2025, 7, 1), D(2025, 9, 1),
                           model="auto")
    finally:
        wh.close()
