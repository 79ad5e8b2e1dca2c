"""Play a period out against the true consumer demand, to compare allocations at equal supply.

Only the demo city knows the truth (``truth_consumer_demand``, written by the generator); a real
warehouse has none, and ``load_truth`` then says so (None) instead of guessing.

The period, per client carrying the product (``truth_consumer_demand`` rows):

    start_stock   true stock at the end of the last week that ends before the period
    demand        Σ true consumer demand over the weeks starting in the period
    available     start_stock + qty_alloc (delivered at the start: the scarce product arrives
                  only through the allocation)
    sold          min(demand, available)                units sold to consumers
    overhang      available − sold                      left in the client's stock
    stocked_out   demand > available                    (a client with demand only)
    fill          sold ÷ demand                         (a client with demand only)

Summary: units sold, overhang, share of clients with demand that stocked out, coverage (share of
the clients with demand that had something to sell), fill rate by grade, and fairness: the Gini
of fill across clients of the same grade, averaged over grades weighted by their clients.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from analytics.allocation.demand import Period
from data import store


def load_truth(con: duckdb.DuckDBPyConnection, product_id: str, period: Period) -> pd.DataFrame | None:
    """The true demand and starting stock of each carrier, or None when the warehouse has no truth.

    Args:
        con: a DuckDB cursor on the warehouse (the truth table is privileged, never shown per
            viewer, so it is read directly).
        product_id, period: what to play out.

    Returns:
        One row per client with a truth row for the product in or just before the period:
        client_id, demand, start_stock; None when there is no truth for the period, or the
        history (the latest order) ends before the period does.
    """
    if "truth_consumer_demand" not in store.table_names(con):
        return None
    # A period the history does not cover to its last day (a future week, or the last week cut
    # short by the end of the data) would be played out against part of its demand.
    last = con.execute("SELECT max(order_date) FROM orders").fetchone()[0]
    if last is None or period.end > last:
        return None
    before = period.start - dt.timedelta(days=7)
    frame = con.execute("""
        SELECT client_id,
               sum(qty_consumer_demand) FILTER (WHERE week_start >= ? AND week_start <= ?) AS demand,
               arg_max(qty_on_hand_end, week_start) FILTER (WHERE week_start <= ?) AS start_stock,
               count(*) FILTER (WHERE week_start >= ? AND week_start <= ?) AS weeks
        FROM truth_consumer_demand
        WHERE product_id = ? AND week_start BETWEEN ? AND ?
        GROUP BY client_id""", [period.start, period.end, before, period.start, period.end,
                                product_id, period.start - dt.timedelta(days=13), period.end]).df()
    if frame.empty or frame["weeks"].sum() == 0:
        return None
    frame["demand"] = frame["demand"].fillna(0.0)
    frame["start_stock"] = frame["start_stock"].fillna(0).astype(float)
    return frame[["client_id", "demand", "start_stock"]].sort_values("client_id").reset_index(drop=True)


def play(alloc: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """The period per client (see the module docstring).

    Args:
        alloc: client_id, grade, qty_alloc (clients missing from it get 0).
        truth: ``load_truth`` output.

    Returns:
        One row per client of ``truth``: client_id, grade, qty_alloc, demand, start_stock,
        available, sold, overhang, stocked_out, fill.
    """
    t = truth.merge(alloc[["client_id", "grade", "qty_alloc"]], on="client_id", how="left")
    t["qty_alloc"] = t["qty_alloc"].fillna(0).astype(np.int64)
    t["available"] = t["start_stock"] + t["qty_alloc"]
    t["sold"] = np.minimum(t["demand"], t["available"])
    t["overhang"] = t["available"] - t["sold"]
    has = t["demand"] > 0
    t["stocked_out"] = (t["demand"] > t["available"]).where(has)
    t["fill"] = (t["sold"] / t["demand"]).where(has)
    return t


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 equal, → 1 concentrated); NaN when empty or
    all zero."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0 or x.sum() <= 0:
        return float("nan") if n == 0 else 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum()))


def summarise(played: pd.DataFrame) -> dict[str, float]:
    """The outcome of one allocation: units_sold, overhang, stockout_share, coverage,
    gini_within_grade, fill_rate, qty_alloc, demand."""
    has = played[played["demand"] > 0]
    ginis = has.dropna(subset=["grade"]).groupby("grade")["fill"].agg(lambda s: gini(s.to_numpy()))
    sizes = has.dropna(subset=["grade"]).groupby("grade").size()
    ok = ginis.notna()
    return {
        "qty_alloc": float(played["qty_alloc"].sum()),
        "demand": float(played["demand"].sum()),
        "units_sold": float(played["sold"].sum()),
        "overhang": float(played["overhang"].sum()),
        "stockout_share": float(has["stocked_out"].astype(float).mean()) if len(has) else float("nan"),
        "coverage": float((has["available"] > 0).mean()) if len(has) else float("nan"),
        "fill_rate": float(has["sold"].sum() / has["demand"].sum()) if len(has) else float("nan"),
        "gini_within_grade": float((ginis[ok] * sizes[ok]).sum() / sizes[ok].sum()) if ok.any() else float("nan"),
    }


def fill_by_grade(played: pd.DataFrame) -> pd.DataFrame:
    """One row per grade (30 … 1) with demand: grade, clients, demand, sold, fill_rate, gini."""
    has = played[(played["demand"] > 0) & played["grade"].notna()]
    g = has.groupby("grade").agg(clients=("client_id", "size"), demand=("demand", "sum"),
                                 sold=("sold", "sum"), gini=("fill", lambda s: gini(s.to_numpy())))
    g["fill_rate"] = g["sold"] / g["demand"]
    return g.reset_index().sort_values("grade", ascending=False)[
        ["grade", "clients", "demand", "sold", "fill_rate", "gini"]].reset_index(drop=True)
