"""One allocation end to end: inputs -> demand -> method -> the contract tables, and the comparison
of both methods at equal supply.

The client table (one row per eligible client, i.e. the product's carriers open in the period)
starts with the columns of the command-line contract (06-allocation.md):

    client_id, grade, district, market_type, business_format, demand_estimate, qty_alloc,
    cap_grade, reason

followed by ``EXTRAS``. The grade table has one row per grade (30 … 1): grade, clients, cap,
qty_total (and part, when the by-grade method splits the supply).

``cap_grade`` of the recommendation is its equivalent 30-grade cap table: per grade the largest
quantity any of its clients was given, made non-increasing from grade 30 down, so that the
ordering system, which works with caps per grade, lets every client order its recommendation
(each client's own quantity is its 合理定量).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from analytics.allocation import grade as grading
from analytics.allocation.demand import Inputs, estimate_demand
from analytics.allocation.flags import FLAGS, hoarding_flags
from analytics.allocation.lp import Settings, solve
from analytics.allocation.simulate import fill_by_grade, play, summarise

METHODS = ("by_grade", "optimal")
CONTRACT = ["client_id", "grade", "district", "market_type", "business_format", "demand_estimate",
            "qty_alloc", "cap_grade", "reason"]
EXTRAS = ["reason_code", "weekly_rate", "stock_estimate", "lower", "upper", "expected_sales",
          "last_qty", "stated_weekly", "cover_weeks", "flags", *FLAGS, "market_dept", "territory"]
GRADE_COLUMNS = ["grade", "clients", "cap", "qty_total"]


@dataclass
class Allocation:
    """The result of one allocation.

    Attributes:
        product_id, period_start, period_end, supply, method, split: what was asked.
        settings: the recommendation's knobs (used by both methods for the demand estimate).
        clients: the client table (``CONTRACT`` + ``EXTRAS``).
        grades: the grade table.
        notes: what had to give way (see ``analytics.allocation.lp``), and the by-grade error.
        error: supply − Σ qty_alloc (≥ 0).
        seconds: the method's solve time.
    """

    product_id: str
    period_start: dt.date
    period_end: dt.date
    supply: int
    method: str
    split: str
    settings: Settings
    clients: pd.DataFrame
    grades: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    error: int = 0
    seconds: float = 0.0


def allocate(inputs: Inputs, supply: int, method: str = "optimal", settings: Settings = Settings(),
             split: str | None = None) -> Allocation:
    """Allocate ``supply`` cartons of ``inputs.product_id`` over ``inputs.period``.

    Args:
        inputs: from ``analytics.allocation.demand.load_inputs``.
        supply: cartons to release (≥ 0).
        method: 'by_grade' (the baseline) or 'optimal' (the recommendation).
        settings: the recommendation's knobs.
        split: for by_grade, see ``analytics.allocation.grade.parse_split``.

    Returns:
        The allocation; Σ qty_alloc ≤ supply.

    Raises:
        ValueError: an unknown method or split, a negative supply.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: use {' or '.join(METHODS)}")
    if supply < 0:
        raise ValueError("the supply must not be negative")
    grading.parse_split(split)
    est = estimate_demand(inputs)
    flags = hoarding_flags(est)
    est = est.merge(flags, on="client_id", how="left")
    notes: list[str] = []
    if method == "by_grade":
        per, table = grading.by_grade(est, supply, baseline_curve(inputs, est), split)
        est = est.merge(per[["client_id", "cap_grade", "qty_alloc", "weight"]], on="client_id", how="left")
        est["lower"], est["upper"] = 0, est["qty_alloc"]
        est["expected_sales"] = np.nan
        est["reason_code"] = np.where(est["grade"].isna(), "no_grade", "grade_cap")
        est["reason"] = [f"grade_cap: grade {g if pd.notna(g) else '?'} cap {c}{' x2 (fortnightly)' if w == 2 else ''}"
                         for g, c, w in zip(est["grade"], est["cap_grade"], est["weight"])]
        seconds = 0.0
        split_asked = grading.parse_split(split)[0] != "none"
        grades = table[GRADE_COLUMNS + ["part"]] if split_asked else table[GRADE_COLUMNS]
    else:
        sol = solve(est, supply, settings)
        est = est.merge(sol.clients.drop(columns=["client_id"]).set_index(est.index),
                        left_index=True, right_index=True)
        notes += sol.notes
        seconds = sol.seconds
        caps = equivalent_caps(est)
        est["cap_grade"] = est["grade"].map(dict(zip(range(1, 31), caps)))
        grades = _grade_table(est, caps)
    est["qty_alloc"] = est["qty_alloc"].fillna(0).astype(np.int64)
    est["cap_grade"] = est["cap_grade"].fillna(0).astype(np.int64)
    error = int(supply - est["qty_alloc"].sum())
    clients = est[CONTRACT + EXTRAS].reset_index(drop=True)
    return Allocation(inputs.product_id, inputs.period.start, inputs.period.end, int(supply), method,
                      split or "none", settings, clients, grades.reset_index(drop=True), notes, error, seconds)


def baseline_curve(inputs: Inputs, est: pd.DataFrame) -> np.ndarray:
    """The shape of today's caps: last period's caps nudged by their feedback rates (三率一面)
    when the product was capped then, else the grades' mean stated demand."""
    start = pd.Timestamp(inputs.period.start)
    days = pd.to_datetime(inputs.orders["order_date"])
    last = inputs.orders[days >= start - pd.Timedelta(days=inputs.period.days)]
    graded = est.dropna(subset=["grade"])
    if last["qty_cap"].notna().any() and len(graded):
        rates = grading.feedback_rates(last, graded[["client_id", "grade"]])
        if rates["cap"].gt(0).any():
            return grading.adjust_curve(rates)
    weight = grading.client_weight(graded["order_cycle"])
    return grading.demand_curve(graded["stated_weekly"], graded["grade"], weight)


def equivalent_caps(est: pd.DataFrame) -> np.ndarray:
    """The recommendation's 30-grade cap table (index 0 = grade 1): the largest quantity given
    in each grade, made non-increasing from grade 30 down."""
    top = est.dropna(subset=["grade"]).groupby("grade")["qty_alloc"].max()
    return np.maximum.accumulate(top.reindex(range(1, 31), fill_value=0).to_numpy(np.int64))


def _grade_table(est: pd.DataFrame, caps: np.ndarray) -> pd.DataFrame:
    g = est.dropna(subset=["grade"])
    per = g.groupby("grade").agg(clients=("client_id", "size"), qty_total=("qty_alloc", "sum"))
    per = per.reindex(range(1, 31), fill_value=0)
    per["cap"] = caps
    per = per.reset_index(names="grade").sort_values("grade", ascending=False)
    return per[GRADE_COLUMNS].astype(np.int64)


@dataclass
class Comparison:
    """Both methods at equal supply, played out against the truth.

    Attributes:
        baseline, recommended: the two allocations.
        outcome: one row per metric (units_sold, overhang, stockout_share, coverage,
            gini_within_grade, fill_rate, qty_alloc, demand, inflation_gain) with columns
            by_grade, optimal, difference (optimal − by_grade). None without truth.
        fill: fill rate by grade of both methods (grade, method, clients, demand, sold,
            fill_rate, gini). None without truth.
    """

    baseline: Allocation
    recommended: Allocation
    outcome: pd.DataFrame | None
    fill: pd.DataFrame | None


def compare(inputs: Inputs, supply: int, truth: pd.DataFrame | None, settings: Settings = Settings(),
            split: str | None = None, inflaters: list[str] | None = None, factor: float = 3.0) -> Comparison:
    """The recommendation against the grade baseline at equal supply.

    Args:
        inputs, supply, settings, split: as for ``allocate``.
        truth: ``analytics.allocation.simulate.load_truth`` output, or None (no outcome then).
        inflaters: the clients whose stated demand is inflated for the gain check (default:
            every 20th carrier).
        factor: how much they inflate it.
    """
    base = allocate(inputs, supply, "by_grade", settings, split)
    rec = allocate(inputs, supply, "optimal", settings)
    if truth is None:
        return Comparison(base, rec, None, None)
    rows, fills = {}, []
    for name, a in (("by_grade", base), ("optimal", rec)):
        played = play(a.clients, truth)
        rows[name] = summarise(played)
        rows[name]["inflation_gain"] = inflation_gain(inputs, supply, name, settings, split, inflaters, factor)
        fills.append(fill_by_grade(played).assign(method=name))
    outcome = pd.DataFrame(rows)
    outcome["difference"] = outcome["optimal"] - outcome["by_grade"]
    fill = pd.concat(fills, ignore_index=True)
    return Comparison(base, rec, outcome.reset_index(names="metric"),
                      fill[["grade", "method", "clients", "demand", "sold", "fill_rate", "gini"]])


def inflation_gain(inputs: Inputs, supply: int, method: str, settings: Settings = Settings(),
                   split: str | None = None, inflaters: list[str] | None = None,
                   factor: float = 3.0) -> float:
    """Cartons the ``inflaters`` gain, together, by multiplying their stated demand (需求量) in
    the history by ``factor``, everything else equal (must be ≤ 0 for a method that gives no
    reason to inflate).

    Returns:
        Σ qty_alloc of the inflaters after − before.
    """
    if inflaters is None:
        inflaters = inputs.clients["client_id"].iloc[::20].tolist()
    before = allocate(inputs, supply, method, settings, split).clients
    orders = inputs.orders.copy()
    hit = orders["client_id"].isin(inflaters)
    orders.loc[hit, "qty_demand"] = np.ceil(orders.loc[hit, "qty_demand"] * factor)
    after = allocate(replace(inputs, orders=orders), supply, method, settings, split).clients
    mine = lambda c: int(c.loc[c["client_id"].isin(inflaters), "qty_alloc"].sum())  # noqa: E731
    return float(mine(after) - mine(before))
