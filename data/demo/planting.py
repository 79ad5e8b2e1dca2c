"""Facts planted on purpose so the analytics have something true to find.

Inflating clients (stated demand = k × need on scarce products), optimistic managers, and stock-out
and overstock episodes near the end of history, each recorded in ``truth_facts``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.demo.assortment import Pairs
from data.demo.schedule import Schedule


@dataclass
class Plants:
    """Planted behaviour, per pair or client.

    Attributes:
        inflate: per-client inflation factor of stated demand on scarce products (1 = honest).
        stockout_pairs, stockout_start, stockout_end: pairs cleared out on ``start`` and never
            re-ordered; ``end`` is a snapshot day at zero stock.
        overstock_pairs, overstock_start, overstock_end, overstock_qty, overstock_weeks: pairs
            that order ``qty`` on ``start``, enough to hold ``weeks`` of sales at ``end``.
        manager_bias: per-manager optimism of forecasts (0 = none), indexed like managers.
    """

    inflate: np.ndarray
    stockout_pairs: np.ndarray
    stockout_start: np.ndarray
    stockout_end: np.ndarray
    overstock_pairs: np.ndarray
    overstock_start: np.ndarray
    overstock_end: np.ndarray
    overstock_qty: np.ndarray
    overstock_weeks: np.ndarray
    manager_bias: np.ndarray


def _episodes(rng: np.random.Generator, cand: np.ndarray, pairs: Pairs, sched: Schedule,
              n_days: int, n_want: int, on_order_day: bool) -> tuple[np.ndarray, ...]:
    """Pick up to ``n_want`` pairs on distinct clients with a start 2–6 weeks before the end and
    an end that is a later snapshot day (the last one of the client)."""
    picked, starts, ends = [], [], []
    used: set[int] = set()
    for i in rng.permutation(cand):
        c = int(pairs.client[i])
        if c in used:
            continue
        window = np.arange(n_days - 42, n_days - 13)
        if on_order_day:
            window = window[sched.order[window, c]]
        if len(window) == 0:
            continue
        s = int(rng.choice(window))
        later = np.flatnonzero(sched.snapshot[s + 7:n_days, c])
        if len(later) == 0:
            continue
        used.add(c)
        picked.append(i)
        starts.append(s)
        ends.append(s + 7 + int(later[-1]))
        if len(picked) == n_want:
            break
    return (np.array(picked, dtype=np.int64), np.array(starts, dtype=np.int64),
            np.array(ends, dtype=np.int64))


def plant(pairs: Pairs, clients: pd.DataFrame, products: pd.DataFrame, managers: pd.DataFrame,
          sched: Schedule, n_days: int, rng: np.random.Generator) -> Plants:
    """Choose what to plant, and stop the planted stock-outs' orders (``pairs.order_to``).

    Args:
        pairs, clients, products, managers: the city so far.
        sched: the order and visit calendars.
        n_days: days of history.
        rng: the generator.

    Returns:
        The planted facts.
    """
    n_c = len(clients)
    scarce = products["_scarce"].to_numpy()
    carries_scarce = np.bincount(pairs.client[scarce[pairs.product]], minlength=n_c) > 0
    eligible = np.flatnonzero(carries_scarce)
    n_infl = min(len(eligible), max(2, round(0.07 * n_c)))
    inflate = np.ones(n_c)
    chosen = rng.choice(eligible, n_infl, replace=False)
    inflate[chosen] = np.round(rng.uniform(2.0, 4.0, n_infl), 1)

    # Episodes go to steady sellers of ordinary specs at ordinary, always-open clients, so what the
    # warning list finds is the planted episode and not some other effect.
    plain = ~(scarce | products["_over"].to_numpy() | (products["_launch_day"].to_numpy() >= 0)
              | (products["_stop_day"].to_numpy() < n_days + 100))
    steady = ((clients["_style"].to_numpy() == "normal") & (clients["_open_day"].to_numpy() == 0)
              & (clients["_close_day"].to_numpy() > n_days) & (inflate == 1.0))
    cand = np.flatnonzero(plain[pairs.product] & steady[pairs.client] & (pairs.base * 7 >= 1.0))
    n_plant = max(8, round(n_c / 50))
    so = _episodes(rng, cand, pairs, sched, n_days, n_plant, on_order_day=False)
    rest = cand[~np.isin(pairs.client[cand], pairs.client[so[0]])]
    ov = _episodes(rng, rest, pairs, sched, n_days, n_plant, on_order_day=True)
    pairs.order_to[so[0]] = np.minimum(pairs.order_to[so[0]], so[1]).astype(np.int32)

    weeks = np.round(rng.uniform(10, 16, len(ov[0])), 1)
    # Enough to still hold ``weeks`` of sales at the end date, after selling until then.
    until_end = (ov[2] - ov[1]) / 7.0
    qty = np.maximum(12, np.round((weeks + until_end) * pairs.base[ov[0]] * 7)).astype(np.int64)

    n_m = len(managers)
    bias = np.zeros(n_m)
    n_opt = max(1, round(0.15 * n_m))
    bias[rng.choice(n_m, n_opt, replace=False)] = np.round(rng.uniform(0.10, 0.25, n_opt), 2)
    return Plants(inflate, so[0], so[1], so[2], ov[0], ov[1], ov[2], qty, weeks, bias)


def truth_frame(plants: Plants, pairs: Pairs, clients: pd.DataFrame, products: pd.DataFrame,
                managers: pd.DataFrame, start: dt.date, n_days: int) -> pd.DataFrame:
    """The truth_facts table: one row per planted fact."""
    day = lambda d: start + dt.timedelta(days=int(d))  # noqa: E731
    cid, pid = clients["client_id"].to_numpy(), products["product_id"].to_numpy()
    rows: list[tuple] = []
    for p in np.flatnonzero(products["_scarce"].to_numpy()):
        rows.append(("scarce_product", pid[p], None, None, round(products["_supply_ratio"].iloc[p], 3),
                     "supply ÷ expected consumer demand; released under per-grade caps"))
    for p in np.flatnonzero(products["_over"].to_numpy()):
        rows.append(("oversupplied_product", pid[p], day(products["_slide_day"].iloc[p]), None,
                     round(products["_end_ratio"].iloc[p], 3),
                     "retail price slides from the guide to value × guide by the end; clients pushed"))
    for c in np.flatnonzero(plants.inflate > 1):
        rows.append(("inflating_client", cid[c], None, None, float(plants.inflate[c]),
                     "stated demand on scarce products = value × real need"))
    for m in np.flatnonzero(plants.manager_bias > 0):
        rows.append(("optimistic_manager", managers["manager_id"].iloc[m], None, None,
                     float(plants.manager_bias[m]), "forecasts = 3-month average × (1 + value)"))
    for i, s, e in zip(plants.stockout_pairs, plants.stockout_start, plants.stockout_end):
        rows.append(("planted_stockout", f"{cid[pairs.client[i]]}|{pid[pairs.product[i]]}", day(s),
                     day(e), None, "shelf cleared on start_date, not re-ordered; zero at end_date"))
    for i, s, e, w in zip(plants.overstock_pairs, plants.overstock_start, plants.overstock_end,
                          plants.overstock_weeks):
        rows.append(("planted_overstock", f"{cid[pairs.client[i]]}|{pid[pairs.product[i]]}", day(s),
                     day(e), float(w), "a big order on start_date leaves about value weeks of sales in stock at end_date"))
    opened = clients["_open_day"].to_numpy()
    for c in np.flatnonzero(opened > 0):
        rows.append(("new_client", cid[c], day(opened[c]), None, None, "opened during the history"))
    closing = clients["_close_day"].to_numpy()
    for c in np.flatnonzero(closing <= n_days):
        rows.append(("closed_client", cid[c], None, day(closing[c] - 1), None,
                     "closed during the history; end_date = last trading day"))
    for p in np.flatnonzero(products["_launch_day"].to_numpy() >= 0):
        rows.append(("launched_product", pid[p], day(products["_launch_day"].iloc[p]), None, None,
                     "launched during the history; clients adopt it within six weeks"))
    for p in np.flatnonzero(products["_stop_day"].to_numpy() < n_days):
        rows.append(("discontinued_product", pid[p], None, day(products["_stop_day"].iloc[p]), None,
                     "no orders from end_date; shelves sell out over four weeks"))
    return pd.DataFrame(rows, columns=["kind", "entity_id", "start_date", "end_date", "value",
                                       "note"])
