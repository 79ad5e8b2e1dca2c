"""The warning list on the demo city finds what the generator planted.

The generator records its planted episodes in ``truth_facts``: stock-outs (a shelf cleared 2–6
weeks before the end and never re-ordered) and overstock (a big order leaving 10–16 weeks of
sales). Recall is measured against them. Precision against them alone is low by design: the
simulated shops also run out and overstock on their own (slow sellers bought a carton at a time,
shops that order far ahead), and those are real warnings too. So precision is also measured
against the simulation's own record of true demand and stock (``truth_consumer_demand``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics.stock import Thresholds, social_stock, stock_warnings
from data.warehouse import Viewer, Warehouse


@pytest.fixture(scope="module")
def city(demo_db):
    wh = Warehouse.open(demo_db)
    b = wh.backend()
    frame = stock_warnings(b.table("orders"), b.table("inventory_snapshots"), b.table("clients"),
                           b.table("products"))
    con = wh.cursor()
    truth = con.execute("SELECT kind, entity_id, start_date, end_date FROM truth_facts "
                        "WHERE kind IN ('planted_stockout', 'planted_overstock')").df()
    truth[["client_id", "product_id"]] = truth["entity_id"].str.split("|", expand=True)
    as_of = max(frame["snapshot_date"].dropna())
    # True demand over the 8 weeks up to the as-of date, and the true stock at its week's end.
    true = con.execute("""
        SELECT client_id, product_id, sum(qty_consumer_demand) / 8.0 AS true_weekly,
               arg_max(qty_on_hand_end, week_start) AS true_stock
        FROM truth_consumer_demand
        WHERE week_start > ?::DATE - 56 AND week_start <= ?::DATE
        GROUP BY ALL""", [as_of, as_of]).df()
    yield wh, frame, truth, true
    wh.close()


def _recall_precision(frame, truth, kind, status):
    planted = truth[truth["kind"] == kind]
    got = planted.merge(frame, on=["client_id", "product_id"], how="left")
    found = int((got["status"] == status).sum())
    flagged = int((frame["status"] == status).sum())
    return found, len(planted), flagged, got


def test_planted_stockouts_are_found(city):
    _, frame, truth, true = city
    found, planted, flagged, got = _recall_precision(frame, truth, "planted_stockout", "out_of_stock")
    missed = got[got["status"] != "out_of_stock"][["client_id", "product_id", "status"]]
    print(f"\nplanted stock-outs: recall {found}/{planted}, precision against planted {found}/{flagged}")
    assert found == planted, f"missed:\n{missed}"
    # Every out-of-stock row is a product the client's consumers really asked for lately.
    out = frame[frame["status"] == "out_of_stock"].merge(true, on=["client_id", "product_id"], how="left")
    real = float((out["true_weekly"] > 0).mean())
    print(f"out_of_stock rows with true consumer demand in the last 8 weeks: {real:.1%} of {len(out)}")
    assert real > 0.95


def test_planted_overstock_is_found(city):
    _, frame, truth, true = city
    found, planted, flagged, got = _recall_precision(frame, truth, "planted_overstock", "overstock")
    missed = got[got["status"] != "overstock"][["client_id", "product_id", "status"]]
    print(f"\nplanted overstock: recall {found}/{planted}, precision against planted {found}/{flagged}")
    assert found == planted, f"missed:\n{missed}"
    # The planted ones are the worst: all of severity 2 (more than twice the threshold).
    assert (got["severity"] == 2).all()
    # Against the simulation's truth: true stock ÷ true weekly demand beyond the threshold.
    over = frame[frame["status"] == "overstock"].merge(true, on=["client_id", "product_id"], how="left")
    limit = over["price_class"].map(Thresholds().overstock_weeks_for)
    really = float((over["true_stock"] > limit * over["true_weekly"]).mean())
    print(f"overstock rows truly holding more than the threshold cover: {really:.1%} of {len(over)}")
    assert really > 0.8


def test_every_row_is_well_formed(city):
    _, frame, _, _ = city
    assert frame.duplicated(["client_id", "product_id"]).sum() == 0
    rated = frame["weekly_rate"] > 0
    expected = frame.loc[rated, "qty_on_hand"].astype(float) / (frame.loc[rated, "weekly_rate"] / 7)
    pd.testing.assert_series_equal(frame.loc[rated, "days_of_cover"], expected, check_names=False)
    assert frame.loc[frame["weekly_rate"] == 0, "days_of_cover"].isna().all()
    assert (frame["suggested_order_qty"].dropna() >= 0).all()
    capped = frame.dropna(subset=["qty_cap", "suggested_order_qty"])
    assert (capped["suggested_order_qty"] <= capped["qty_cap"]).all()
    quiet = frame["status"].isin(["overstock", "stale"])
    assert (frame.loc[quiet, "suggested_order_qty"] == 0).all()
    assert frame.loc[frame["status"] == "stale_data", "suggested_order_qty"].isna().all()


def test_a_customer_manager_gets_only_own_clients(city):
    wh, frame, _, _ = city
    manager = frame["manager_id"].dropna().iloc[0]
    scoped = wh.for_viewer(Viewer(username="m", role="customer_manager", manager_id=manager))
    own = stock_warnings(scoped.table("orders"), scoped.table("inventory_snapshots"), scoped.table("clients"),
                         scoped.table("products"), max(frame["snapshot_date"].dropna()))
    assert len(own) > 0 and set(own["manager_id"]) == {manager}
    # the same rows as the city list's share of that manager (the as-of date is the same)
    mine = frame[frame["manager_id"] == manager]
    assert sorted(zip(own["client_id"], own["product_id"])) == sorted(zip(mine["client_id"], mine["product_id"]))


def test_region_view_scales_observed_stock_up(city):
    wh, frame, _, _ = city
    b = wh.backend()
    r = social_stock(b.table("agg_client_product_week"), b.table("clients"), b.table("products"),
                     by=("district",))
    assert len(r) > 0 and r["district"].nunique() > 1
    assert (r["observed_clients"] <= r["active_clients"]).all()
    assert (r["social_stock"] >= r["observed_stock"] - 1e-9).all()
    expected = r["social_stock"] / r["weekly_sales"] / (30.4375 / 7)
    pd.testing.assert_series_equal(r["stock_to_sales_months"], expected.where(r["weekly_sales"] > 0),
                                   check_names=False)
    assert (r["warning"] == (r["stock_to_sales_months"] > r["threshold_months"])).all()
    assert set(r.loc[r["price_class"] <= 2, "threshold_months"]) == {0.7}
    # observed stock = the list's latest counts dated in the window's weeks, summed (the latest
    # count is on a Wednesday, so the 4 weeks start 3 weeks before its Monday)
    as_of = max(frame["snapshot_date"].dropna())
    first = as_of - dt.timedelta(days=as_of.weekday() + 21)
    fresh = frame[frame["snapshot_date"].notna() & (pd.to_datetime(frame["snapshot_date"]) >= pd.Timestamp(first))]
    assert r["observed_stock"].sum() == fresh["qty_on_hand"].sum()
