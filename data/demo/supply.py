"""Scarce supply and the per-grade caps it is released under (按档位投放).

For each scarce product and week the company has a supply ``T`` below the expected need; each
grade g gets an integer per-order cap ``x_g``, non-increasing from grade 30 down, chosen as large
as possible with ``Σ_g x_g × N_g ≤ T`` where ``N_g`` counts the orders expected that week from
clients of grade g (a fortnightly client counts double and gets a double cap).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.demo.assortment import Pairs
from data.demo.schedule import Schedule

GRADES = np.arange(1, 31)


@dataclass
class Supply:
    """Caps and supply of the scarce products.

    Attributes:
        products: product indices of the scarce products.
        caps: per-order cap, shape (scarce products, weeks, 30 grades), int32.
        qty: supply per scarce product and week, shape (scarce products, weeks), int64.
        weeks: number of weeks covered (history plus four weeks ahead).
    """

    products: np.ndarray
    caps: np.ndarray
    qty: np.ndarray
    weeks: int


def grade_curve(need: np.ndarray, grade: np.ndarray) -> np.ndarray:
    """The shape of the cap table: mean need per order of each grade's carriers, made
    non-decreasing in grade (grades without carriers borrow from their neighbours)."""
    total = np.bincount(grade - 1, weights=need, minlength=30)
    count = np.bincount(grade - 1, minlength=30)
    mean = np.divide(total, count, out=np.full(30, np.nan), where=count > 0)
    known = ~np.isnan(mean)
    mean = np.interp(GRADES, GRADES[known], mean[known])
    return np.maximum.accumulate(np.maximum(mean, 1e-3))


def _caps_for(supply: np.ndarray, orders: np.ndarray, curve: np.ndarray) -> np.ndarray:
    """Largest grade caps per week with Σ cap × orders ≤ supply; shapes (W,), (W, 30) -> (W, 30).

    Caps are the curve scaled and rounded to whole cartons, so they stay non-increasing from
    grade 30 down; a grade whose share rounds below half a carton gets nothing.
    """
    lo = np.zeros(len(supply))
    hi = np.maximum(supply, 1).astype(float) / curve.min() + 1
    for _ in range(50):  # bisection on the scale of the cap curve, all weeks at once
        mid = (lo + hi) / 2
        used = (np.round(mid[:, None] * curve[None, :]) * orders).sum(axis=1)
        ok = used <= supply
        lo = np.where(ok, mid, lo)
        hi = np.where(ok, hi, mid)
    return np.round(lo[:, None] * curve[None, :]).astype(np.int32)


def build_supply(pairs: Pairs, clients: pd.DataFrame, products: pd.DataFrame, fac: np.ndarray,
                 sched: Schedule, n_weeks: int) -> Supply:
    """Weekly supply and caps of every scarce product.

    Args:
        pairs: the pairs (their carry windows bound who can order).
        clients, products: the frames (``_cycle``, grade; ``_scarce``, ``_supply_ratio``).
        fac: demand factors (products x extended days).
        sched: the order calendar.
        n_weeks: weeks to cover, history plus the look-ahead.

    Returns:
        The supply.
    """
    scarce = np.flatnonzero(products["_scarce"].to_numpy())
    week = sched.week[sched.week < n_weeks]  # days inside the covered weeks (a prefix)
    days = np.arange(len(week))
    starts = np.flatnonzero(np.r_[True, week[1:] != week[:-1]])
    grade = clients["grade"].to_numpy()
    mult = clients["_cycle"].to_numpy()
    caps = np.zeros((len(scarce), n_weeks, 30), dtype=np.int32)
    qty = np.zeros((len(scarce), n_weeks), dtype=np.int64)
    for s, p in enumerate(scarce):
        idx = np.flatnonzero(pairs.product == p)
        c = pairs.client[idx]
        in_window = ((pairs.carry_from[idx][None, :] <= days[:, None])
                     & (days[:, None] < pairs.order_to[idx][None, :]))
        ordering = sched.order[: len(days), c] & in_window
        weighted = np.add.reduceat(ordering * mult[c][None, :], starts, axis=0)
        onehot = np.zeros((len(idx), 30))
        onehot[np.arange(len(idx)), grade[c] - 1] = 1.0
        orders = weighted @ onehot
        daily_need = (in_window @ pairs.base[idx]) * fac[p, : len(days)]
        need = np.bincount(week, weights=daily_need, minlength=n_weeks)
        ratio = products["_supply_ratio"].iloc[p]
        qty[s] = np.maximum(1, np.round(ratio * need[:n_weeks])).astype(np.int64)
        curve = grade_curve(pairs.base[idx] * 7, grade[c])
        caps[s] = _caps_for(qty[s].astype(float), orders, curve)
    return Supply(products=scarce, caps=caps, qty=qty, weeks=n_weeks)


def supply_plan_frame(supply: Supply, products: pd.DataFrame, first_monday: dt.date) -> pd.DataFrame:
    """The supply_plans table: one row per scarce product and weekly release period."""
    rows = []
    for s, p in enumerate(supply.products):
        for w in range(supply.weeks):
            monday = first_monday + dt.timedelta(weeks=w)
            rows.append((monday, monday + dt.timedelta(days=6), products["product_id"].iloc[p],
                         int(supply.qty[s, w]), "by_grade"))
    return pd.DataFrame(rows, columns=["period_start", "period_end", "product_id",
                                       "qty_available", "method"])
