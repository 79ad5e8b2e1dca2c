"""On the demo city, against the consumer demand the generator planted: the recommendation sells
more and leaves less in the shops than the grade caps at equal supply, no less fairly, and
gives an inflating client nothing."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics.allocation import CONTRACT, GRADE_COLUMNS, Period, allocate, compare, load_inputs, load_truth
from data.warehouse import Warehouse

# Two weekly release periods of December, within the history that has truth (to 2025-12-31).
PERIOD = Period(dt.date(2025, 12, 8), dt.date(2025, 12, 21))


@pytest.fixture(scope="module")
def city(demo_db):
    wh = Warehouse.open(demo_db)
    b, con = wh.backend(), wh.cursor()
    scarce = con.execute("SELECT entity_id FROM truth_facts WHERE kind = 'scarce_product' ORDER BY 1").df()
    inflaters = con.execute("SELECT entity_id FROM truth_facts WHERE kind = 'inflating_client'").df()
    runs = {}
    for pid in scarce["entity_id"]:
        supply = con.execute("SELECT sum(qty_available) FROM supply_plans WHERE product_id = ? "
                             "AND period_start BETWEEN ? AND ?", [pid, PERIOD.start, PERIOD.end]).fetchone()[0]
        inputs = load_inputs(b.table("orders"), b.table("inventory_snapshots"), b.table("clients"),
                             b.table("agg_client_product_month"), pid, PERIOD)
        truth = load_truth(con, pid, PERIOD)
        runs[pid] = (int(supply), inputs, compare(inputs, int(supply), truth,
                                                  inflaters=inflaters["entity_id"].tolist()))
    yield runs
    wh.close()


def _total(runs, metric: str, method: str) -> float:
    return sum(c.outcome.set_index("metric").loc[metric, method] for _, _, c in runs.values())


def _mean(runs, metric: str, method: str) -> float:
    return sum(c.outcome.set_index("metric").loc[metric, method] for _, _, c in runs.values()) / len(runs)


def test_recommendation_sells_more_and_leaves_less_at_equal_supply(city):
    assert len(city) >= 5
    for supply, _, c in city.values():
        assert c.recommended.clients["qty_alloc"].sum() <= supply
        assert c.baseline.clients["qty_alloc"].sum() <= supply
    sold = _total(city, "units_sold", "optimal"), _total(city, "units_sold", "by_grade")
    over = _total(city, "overhang", "optimal"), _total(city, "overhang", "by_grade")
    print(f"\nsold {sold[1]:.0f} -> {sold[0]:.0f}, overhang {over[1]:.0f} -> {over[0]:.0f}")
    assert sold[0] > sold[1] * 1.03
    assert over[0] < over[1]
    # not one product carried by the pooled figure: the most of them gain
    gains = [c.outcome.set_index("metric").loc["units_sold", "difference"] for _, _, c in city.values()]
    assert sum(g > 0 for g in gains) >= 0.8 * len(gains)


def test_no_worse_fairness(city):
    gini = _mean(city, "gini_within_grade", "optimal"), _mean(city, "gini_within_grade", "by_grade")
    cover = _mean(city, "coverage", "optimal"), _mean(city, "coverage", "by_grade")
    out = _mean(city, "stockout_share", "optimal"), _mean(city, "stockout_share", "by_grade")
    print(f"\nGini {gini[1]:.3f} -> {gini[0]:.3f}, coverage {cover[1]:.3f} -> {cover[0]:.3f}, "
          f"stock-outs {out[1]:.3f} -> {out[0]:.3f}")
    assert gini[0] <= gini[1]
    assert cover[0] >= cover[1]
    assert out[0] <= out[1]


def test_a_period_past_the_history_is_not_played_out(demo_db):
    # The demo city ends on 2025-12-31, inside this week: part of its demand was never simulated.
    wh = Warehouse.open(demo_db)
    try:
        con = wh.cursor()
        pid = con.execute("SELECT min(entity_id) FROM truth_facts WHERE kind = 'scarce_product'").fetchone()[0]
        assert load_truth(con, pid, Period(dt.date(2025, 12, 29), dt.date(2026, 1, 4))) is None
        assert load_truth(con, pid, Period(dt.date(2025, 12, 22), dt.date(2025, 12, 28))) is not None
    finally:
        wh.close()


def test_inflating_clients_gain_nothing(city):
    for _, _, c in city.values():
        assert c.outcome.set_index("metric").loc["inflation_gain", "optimal"] <= 0


def test_the_contract_tables(city):
    supply, inputs, c = next(iter(city.values()))
    for a in (c.baseline, c.recommended):
        assert list(a.clients.columns[:len(CONTRACT)]) == CONTRACT
        assert list(a.grades.columns) == GRADE_COLUMNS
        assert a.grades["grade"].tolist() == list(range(30, 0, -1))
        assert (a.grades["cap"].diff().dropna() <= 0).all()  # non-increasing from 30 down
        assert a.error == supply - a.clients["qty_alloc"].sum() >= 0
        graded = a.clients.dropna(subset=["grade"])
        assert a.grades.set_index("grade")["qty_total"].sum() == graded["qty_alloc"].sum()
    # the baseline's clients hold their grade's cap (twice for a fortnightly client)
    b = c.baseline.clients.merge(inputs.clients[["client_id", "order_cycle"]], on="client_id")
    twice = b["order_cycle"].str.startswith("2W")
    assert (b.loc[~twice, "qty_alloc"] == b.loc[~twice, "cap_grade"]).all()
    assert (b.loc[twice, "qty_alloc"] == 2 * b.loc[twice, "cap_grade"]).all()


def test_split_urban_rural_gives_each_part_its_share(city):
    supply, inputs, _ = next(iter(city.values()))
    a = allocate(inputs, supply, "by_grade", split="urban_rural")
    assert set(a.grades["part"]) <= {"urban", "rural"}
    per = a.grades.groupby("part")["qty_total"].sum()
    # 4:6 of the supply, each part under its own share
    assert per.get("urban", 0) <= round(supply * 0.4) + 1 and per.get("rural", 0) <= round(supply * 0.6) + 1
    with pytest.raises(ValueError, match="unknown method"):
        allocate(inputs, supply, "lottery")
    assert pd.api.types.is_integer_dtype(a.clients["qty_alloc"])
