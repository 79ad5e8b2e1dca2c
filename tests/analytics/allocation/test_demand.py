"""Sell-through demand and stock on hand-built histories, and the hoarding flags."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics.allocation.demand import Inputs, Period, estimate_demand
from analytics.allocation.flags import hoarding_flags

START = dt.date(2025, 3, 3)  # a Monday
PERIOD = Period(START, START + dt.timedelta(days=6))


def _inputs(counts: list[tuple], orders: list[tuple] = (), clients: list[tuple] | None = None) -> Inputs:
    """counts: (client, day offset from START (negative), qty_on_hand, days since previous, sales)."""
    rows = [(c, START + dt.timedelta(days=d), q, START + dt.timedelta(days=d - gap), s)
            for c, d, q, gap, s in counts]
    counts_frame = pd.DataFrame(rows, columns=["client_id", "snapshot_date", "qty_on_hand", "prev_date", "sales"])
    orders_frame = pd.DataFrame([(c, START + dt.timedelta(days=d), dem, got, None, got * 100.0)
                                 for c, d, dem, got in orders],
                                columns=["client_id", "order_date", "qty_demand", "qty_ordered", "qty_cap", "amount"])
    ids = sorted({r[0] for r in counts} | {r[0] for r in orders})
    clients = clients or [(c, 20) for c in ids]
    frame = pd.DataFrame([{"client_id": c, "grade": g, "district": "d", "market_dept": "m", "territory": "t",
                           "market_type": "urban", "business_format": "grocery", "order_cycle": "1W-MON"}
                          for c, g in clients])
    return Inputs("p", PERIOD, START - dt.timedelta(weeks=8), frame, counts_frame, orders_frame,
                  pd.DataFrame({"client_id": ids, "value_per_carton": [100.0] * len(ids)}))


def _weekly(client: str, sales: int, weeks: int = 8, left: int = 2) -> list[tuple]:
    return [(client, -7 * w, left, 7, sales) for w in range(1, weeks + 1)]


def test_uncensored_weeks_give_their_mean():
    # Eight weeks of 3 a week with stock left every time: the estimate is 3 a week (the prior,
    # fitted to the same client, cannot pull it away with this much evidence).
    est = estimate_demand(_inputs(_weekly("a", 3)))
    assert est["weekly_rate"].iloc[0] == pytest.approx(3.0, rel=0.08)
    assert est["demand_estimate"].iloc[0] == pytest.approx(est["weekly_rate"].iloc[0])  # a 7-day period


def test_an_empty_shelf_means_at_least_what_was_sold():
    # Same sales, but every count found the shelf empty: demand was at least 3 a week, so the
    # estimate must lie above the one with stock left.
    open_ = estimate_demand(_inputs(_weekly("a", 3) + _weekly("b", 6)))
    empty = estimate_demand(_inputs(_weekly("a", 3, left=0) + _weekly("b", 6)))
    assert empty["weekly_rate"].iloc[0] > open_["weekly_rate"].iloc[0] * 1.05
    assert bool(empty["sells"].iloc[0])


def test_a_carrier_never_counted_gets_its_grade_peers_rate():
    inputs = _inputs(_weekly("a", 4) + _weekly("b", 4), orders=[("c", -3, 2, 2)],
                     clients=[("a", 20), ("b", 20), ("c", 20)])
    est = estimate_demand(inputs).set_index("client_id")
    assert est.loc["c", "weekly_rate"] == pytest.approx(4.0, rel=0.15)
    assert not est.loc["c", "sells"]
    # Never counted: its stock is what it was delivered in the last fortnight.
    assert est.loc["c", "stock_estimate"] == 2


def test_stock_is_the_last_count_plus_deliveries_less_sales_since():
    # Last count 5 three days before the start (end of that day), 2 delivered the day after;
    # two days of sales at the client's rate run before the start.
    counts = _weekly("a", 3)[1:] + [("a", -3, 5, 4, 2)]
    est = estimate_demand(_inputs(counts, orders=[("a", -2, 2, 2)]))
    rate = est["weekly_rate"].iloc[0]
    assert est["stock_estimate"].iloc[0] == pytest.approx(5 + 2 - rate * 2 / 7)


def test_stated_demand_changes_nothing_but_the_flags():
    base = _inputs(_weekly("a", 3), orders=[("a", -7 * w, 3, 3) for w in range(1, 9)])
    loud = _inputs(_weekly("a", 3), orders=[("a", -7 * w, 30, 3) for w in range(1, 9)])
    quiet, inflated = estimate_demand(base), estimate_demand(loud)
    cols = ["weekly_rate", "demand_estimate", "stock_estimate", "last_qty", "sells"]
    pd.testing.assert_frame_equal(quiet[cols], inflated[cols])
    assert inflated["stated_weekly"].iloc[0] == pytest.approx(30.0)


def _flag_frame(**change) -> pd.DataFrame:
    n = 12  # one grade of twelve, enough peers for its own mean and σ
    f = pd.DataFrame({"client_id": [f"c{i}" for i in range(n)], "grade": [20] * n,
                      "weekly_rate": [2.0] * n, "stated_weekly": [2.5] * n, "stock_estimate": [2.0] * n,
                      "order_size": [2.0 + 0.1 * (i % 3) for i in range(n)],
                      "value_per_carton": [100.0 + i % 4 for i in range(n)]})
    for col, value in change.items():
        f.loc[0, col] = value
    return f


def test_flags_by_hand():
    assert hoarding_flags(_flag_frame())["flags"].eq("").all()
    # Asking 9 a week while selling 2: more than 3x and 7 above.
    assert hoarding_flags(_flag_frame(stated_weekly=9.0)).loc[0, "flags"] == "inflated"
    # 5.9 a week is under 3x the sell-through: not flagged.
    assert not hoarding_flags(_flag_frame(stated_weekly=5.9)).loc[0, "inflated"]
    # 20 cartons held at 2 a week: 10 weeks of cover against the peers' 1.
    got = hoarding_flags(_flag_frame(stock_estimate=20.0))
    assert got.loc[0, "high_cover"] and got.loc[0, "cover_weeks"] == pytest.approx(10.0)
    # An order size of 40 among peers of ~2.1: the grade's mean is 5.3 and its σ (the outlier
    # included) 10.5, so it lies 3.3σ out. (With the outlier inside the σ, a grade needs at
    # least eleven clients before anything can lie 3σ out: hence twelve.)
    assert hoarding_flags(_flag_frame(order_size=40.0)).loc[0, "order_size_outlier"]
    assert hoarding_flags(_flag_frame(value_per_carton=900.0)).loc[0, "value_outlier"]
    assert not hoarding_flags(_flag_frame(value_per_carton=104.0)).loc[0, "value_outlier"]
    # Stock held and nothing sold: infinite cover.
    got = hoarding_flags(_flag_frame(weekly_rate=0.0, stock_estimate=6.0))
    assert np.isinf(got.loc[0, "cover_weeks"]) and got.loc[0, "high_cover"]
