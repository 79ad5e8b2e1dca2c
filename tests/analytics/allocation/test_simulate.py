"""Playing a period out against the truth, by hand; and no truth means no evaluation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics.allocation.demand import Period
from analytics.allocation.simulate import fill_by_grade, gini, load_truth, play, summarise
from data import store


def test_gini_by_hand():
    assert gini(np.array([1.0, 1.0, 1.0, 1.0])) == 0.0
    assert gini(np.array([0.0, 0.0, 0.0, 1.0])) == pytest.approx(0.75)  # (2·4 − 4 − 1)·1 ÷ (4·1)
    assert gini(np.array([1.0, 3.0])) == pytest.approx(0.25)  # mean abs difference 2 ÷ (2 · 2 · mean 2)


def test_play_and_summary_by_hand():
    truth = pd.DataFrame({"client_id": ["a", "b", "c", "d"], "demand": [5.0, 2.0, 0.0, 4.0],
                          "start_stock": [1.0, 3.0, 2.0, 0.0]})
    alloc = pd.DataFrame({"client_id": ["a", "b", "c"], "grade": [10, 10, 10], "qty_alloc": [2, 0, 1]})
    got = play(alloc, truth).set_index("client_id")
    # a: 1 + 2 = 3 against 5 -> sells 3, runs out; b: 3 against 2 -> 1 left; c: no demand, 3 left;
    # d: not allocated (grade unknown), nothing to sell.
    assert got["sold"].tolist() == [3.0, 2.0, 0.0, 0.0]
    assert got["overhang"].tolist() == [0.0, 1.0, 3.0, 0.0]
    assert got.loc["a", "stocked_out"] and not got.loc["b", "stocked_out"] and pd.isna(got.loc["c", "stocked_out"])
    s = summarise(got.reset_index())
    assert s["units_sold"] == 5 and s["overhang"] == 4 and s["qty_alloc"] == 3
    assert s["stockout_share"] == pytest.approx(2 / 3)   # a and d of the three with demand
    assert s["coverage"] == pytest.approx(2 / 3)         # d had nothing to sell
    assert s["fill_rate"] == pytest.approx(5 / 11)
    # grade 10 holds a (fill 0.6) and b (1.0): Gini 0.4 ÷ (2 · 2 · 0.8) = 0.125; d has no grade
    assert s["gini_within_grade"] == pytest.approx(0.125)
    table = fill_by_grade(got.reset_index())
    assert table.to_dict("records") == [{"grade": 10, "clients": 2, "demand": 7.0, "sold": 5.0,
                                         "fill_rate": 5 / 7, "gini": pytest.approx(0.125)}]


def test_no_truth_means_no_evaluation(tmp_path):
    path = tmp_path / "real.duckdb"
    with store.writing(path, action="test", who="tests", fresh=True):
        pass  # a warehouse with every table, none of them holding truth
    con, _ = store.open_reader(path)
    period = Period(dt.date(2025, 3, 3), dt.date(2025, 3, 9))
    assert load_truth(con, "p", period) is None
    con.close()
    with store.writing(path, action="test", who="tests", refresh=False) as con:
        con.execute("DROP TABLE truth_consumer_demand")  # an older or foreign warehouse
    con, _ = store.open_reader(path)
    assert load_truth(con, "p", period) is None
    con.close()
