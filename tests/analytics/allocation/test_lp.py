"""The recommendation LP: hand-computed optima on tiny cases, and its invariants on any input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.allocation.lp import Settings, expected_sales, solve
from analytics.allocation.pipeline import equivalent_caps

# Nearly Poisson demand (cv of the mean 0.001), no smoothing, no regions, room to give.
POISSON = Settings(cv=0.001, smoothing=False, region="", cover_weeks=3.0, floor=0)


def _frame(demand, stock=None, sells=None, last=None, region=None) -> pd.DataFrame:
    n = len(demand)
    f = pd.DataFrame({"client_id": [f"c{i}" for i in range(n)], "demand_estimate": demand,
                      "weekly_rate": demand, "stock_estimate": stock if stock is not None else [0.0] * n,
                      "sells": sells if sells is not None else [True] * n,
                      "last_qty": last if last is not None else [0.0] * n})
    if region is not None:
        f["district"] = region
    return f


def _sf(mean: float, k: int) -> float:
    """P(D ≥ k) for D ~ Poisson(mean), by hand."""
    return 1 - sum(math.exp(-mean) * mean ** i / math.factorial(i) for i in range(k))


def test_expected_sales_is_the_poisson_sum_by_hand():
    # E[min(D, 2)] = P(D ≥ 1) + P(D ≥ 2) for D ~ Poisson(2): (1 − e⁻²) + (1 − 3e⁻²)
    got = expected_sales(np.array([2.0]), 0.001, np.array([[0, 1, 2]]))
    assert got[0].tolist() == pytest.approx([0, 1 - math.exp(-2), 2 - 4 * math.exp(-2)], abs=1e-3)


def test_tiny_case_gives_the_hand_computed_optimum():
    # Three cartons for A (mean 2) and B (mean 0.5). The chances each next carton sells:
    # A 0.865, 0.594, 0.323; B 0.393, 0.090. The best three: A, A, B.
    assert _sf(2, 3) < _sf(0.5, 1) < _sf(2, 2)
    sol = solve(_frame([2.0, 0.5]), 3, POISSON)
    assert sol.clients["qty_alloc"].tolist() == [2, 1]
    want = _sf(2, 1) + _sf(2, 2) + _sf(0.5, 1)
    assert sol.clients["expected_sales"].sum() == pytest.approx(want, abs=2e-3)


def test_stock_on_hand_counts_before_the_allocation():
    # A already holds 2 cartons, so its next carton sells with P(D ≥ 3) = 0.323 < B's 0.393.
    sol = solve(_frame([2.0, 0.5], stock=[2.0, 0.0]), 1, POISSON)
    assert sol.clients["qty_alloc"].tolist() == [0, 1]


def test_the_floor_goes_first_when_the_supply_allows():
    # Mean 5 and mean 0.2, three cartons: without a floor all go to A (P(D ≥ 3) = 0.875 beats
    # 0.181); with a floor of one each active seller gets one first.
    frame = _frame([5.0, 0.2])
    assert solve(frame, 3, POISSON).clients["qty_alloc"].tolist() == [3, 0]
    floor = Settings(cv=0.001, smoothing=False, region="", cover_weeks=3.0, floor=1)
    assert solve(frame, 3, floor).clients["qty_alloc"].tolist() == [2, 1]


def test_anti_hoarding_cap_leaves_supply_undelivered_rather_than_overstock():
    # Demand 1 a week, cover 1 week, stock 0: at most ⌈1 + 1⌉ = 2 cartons, whatever the supply.
    sol = solve(_frame([1.0]), 10, Settings(smoothing=False, region="", floor=0))
    assert sol.clients["qty_alloc"].tolist() == [2]
    assert sol.clients["reason_code"].tolist() == ["at_cap"]


def test_smoothing_bounds_last_period():
    # Last period 4: with smooth 0.5 and slack 2 the client gets 2..8 whatever else happens.
    s = Settings(region="", floor=0, smooth=0.5, smooth_slack=2, cover_weeks=10)
    assert solve(_frame([20.0], last=[4.0]), 100, s).clients["qty_alloc"].tolist() == [8]
    # A (mean 1) keeps its 2 though B's first carton sells far more surely; B, new, gets ≤ 0 + 2.
    assert solve(_frame([1.0, 20.0], last=[4.0, 0.0]), 3, s).clients["qty_alloc"].tolist() == [2, 1]
    assert solve(_frame([1.0, 20.0], last=[4.0, 0.0]), 30, s).clients["upper"].tolist() == [8, 2]


def test_regions_stay_within_their_band():
    # Region x has 80 % of the demand, on one big empty client; y's four small clients hold 3
    # cartons each. Left alone (band 1 = off) the LP gives y 2 of the 50; with a band of 0.1
    # around the demand shares (0.8 / 0.2) y gets 18–22 % of them.
    frame = _frame([40.0, 2.5, 2.5, 2.5, 2.5], stock=[0, 3, 3, 3, 3], region=["x", "y", "y", "y", "y"])
    loose = Settings(region="district", band=1.0, smoothing=False, floor=0, cover_weeks=3.0)
    assert solve(frame, 50, loose).clients["qty_alloc"].iloc[1:].sum() <= 2
    s = Settings(region="district", band=0.1, smoothing=False, floor=0, cover_weeks=3.0)
    alloc = solve(frame, 50, s).clients["qty_alloc"].to_numpy()
    assert alloc.sum() == 50
    assert 0.18 * 50 - 1 <= alloc[1:].sum() <= 0.22 * 50 + 1  # ± one carton of rounding


clients = st.integers(1, 40)


@settings(max_examples=120, deadline=None)
@given(data=st.data(), n=clients, supply=st.integers(0, 400), smoothing=st.booleans(),
       floor=st.integers(0, 3))
def test_invariants(data, n, supply, smoothing, floor):
    demand = data.draw(st.lists(st.floats(0, 30), min_size=n, max_size=n))
    stock = data.draw(st.lists(st.floats(0, 20), min_size=n, max_size=n))
    sells = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    last = data.draw(st.lists(st.integers(0, 20), min_size=n, max_size=n))
    region = data.draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    frame = _frame(demand, stock, sells, [float(x) for x in last], region)
    s = Settings(smoothing=smoothing, floor=floor)
    sol = solve(frame, supply, s)
    alloc = sol.clients["qty_alloc"].to_numpy()
    assert alloc.dtype.kind == "i" and (alloc >= 0).all()
    assert alloc.sum() <= supply
    assert (alloc <= sol.clients["upper"].to_numpy()).all()
    # The floor is kept whenever every active seller's floor fits in the supply.
    if floor * sum(sells) <= supply:
        assert (alloc[np.array(sells)] >= floor).all()
    # Equivalent grade caps: non-increasing from grade 30 down, and every client can order its own.
    grades = data.draw(st.lists(st.integers(1, 30), min_size=n, max_size=n))
    table = frame.assign(grade=grades, qty_alloc=alloc)
    caps = equivalent_caps(table)
    assert (np.diff(caps) >= 0).all()
    assert (alloc <= caps[np.array(grades) - 1]).all()


def test_negative_supply_is_refused():
    with pytest.raises(ValueError, match="negative"):
        solve(_frame([1.0]), -1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fixing_far_segments_keeps_the_full_lp_optimum(seed):
    # The solver fixes segments far from the supply's price and checks them by reduced cost; the
    # answer must be the one HiGHS gives on the whole LP.
    rng = np.random.default_rng(seed)
    n = 400
    frame = _frame(list(rng.gamma(1.5, 2, n)), list(rng.poisson(2, n).astype(float)), list(rng.random(n) < 0.8),
                   list(rng.integers(0, 6, n).astype(float)), list(rng.choice(["a", "b", "c", "d"], n)))
    s = Settings(band=0.05)
    fixed = solve(frame, 700, s).clients
    full = solve(frame, 700, s, whole=True).clients
    assert fixed["expected_sales"].sum() == pytest.approx(full["expected_sales"].sum(), abs=1e-6)
    assert fixed["qty_alloc"].sum() == full["qty_alloc"].sum() == 700
