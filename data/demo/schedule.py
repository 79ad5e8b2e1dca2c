"""When each client orders and is visited: day x client masks built once before the simulation.

Masks are stored day-major (``mask[t]`` is one row of clients) because the simulation reads one
day at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_GAP = 28  # a client that stops ordering plans as if the next order were four weeks away


@dataclass
class Schedule:
    """Day x client masks and calendar indices.

    Attributes:
        order: the client orders that day (n_ext x clients, bool).
        gap: days from that day to the client's next order day (n_ext x clients, int16).
        snapshot: stock is recorded at the end of that day (n_days x clients, bool).
        price: a visit that records retail prices (n_days x clients, bool).
        week: week index of each day, week 0 holding the first day (n_ext).
        month: month index of each day, month 0 holding the first day (n_ext).
        weekday: 0 = Monday (n_ext).
    """

    order: np.ndarray
    gap: np.ndarray
    snapshot: np.ndarray
    price: np.ndarray
    week: np.ndarray
    month: np.ndarray
    weekday: np.ndarray


def _open(clients: pd.DataFrame, n: int) -> np.ndarray:
    days = np.arange(n)[:, None]
    return ((clients["_open_day"].to_numpy()[None, :] <= days)
            & (days < clients["_close_day"].to_numpy()[None, :]))


def _keep(rng: np.random.Generator, mask: np.ndarray, drop_p: np.ndarray) -> np.ndarray:
    """Randomly clear entries of ``mask`` with a per-client probability (missed orders/visits)."""
    rows, cols = np.nonzero(mask)
    drop = rng.random(len(rows)) < drop_p[cols]
    mask[rows[drop], cols[drop]] = False
    return mask


def build_schedule(clients: pd.DataFrame, cal: pd.DataFrame, n_days: int,
                   rng: np.random.Generator) -> Schedule:
    """Build the order and visit calendars.

    Args:
        clients: the clients frame (with the ``_`` schedule columns).
        cal: calendar frame of the extended range (history plus the look-ahead).
        n_days: days of history; visits are only scheduled inside it.
        rng: the generator.

    Returns:
        The schedule.
    """
    n_ext = len(cal)
    weekday = cal["weekday"].to_numpy()
    week = (np.arange(n_ext) + weekday[0]) // 7
    ms = pd.to_datetime(cal["month_start"])
    month = ((ms.dt.year - ms.dt.year.iloc[0]) * 12 + ms.dt.month - ms.dt.month.iloc[0]).to_numpy()
    holiday = cal["is_holiday"].to_numpy()
    is_open = _open(clients, n_ext)

    # Orders: the client's weekday, every week or every other week; none on public holidays
    # (the distribution centre is closed), a few skipped; new clients stock up on opening day.
    parity = (week[:, None] % 2) == clients["_order_parity"].to_numpy()[None, :]
    order = ((weekday[:, None] == clients["_order_dow"].to_numpy()[None, :])
             & ((clients["_cycle"].to_numpy()[None, :] == 1) | parity)
             & ~holiday[:, None] & is_open)
    order = _keep(rng, order, clients["_skip"].to_numpy())
    opening = clients["_open_day"].to_numpy()
    new = np.flatnonzero((opening > 0) & (opening < n_ext))
    order[opening[new], new] = True

    gap = np.empty(order.shape, dtype=np.int16)
    nxt = np.full(order.shape[1], n_ext + MAX_GAP, dtype=np.int64)
    for t in range(n_ext - 1, -1, -1):
        gap[t] = np.minimum(nxt - t, MAX_GAP)
        nxt = np.where(order[t], t, nxt)

    # Visits: the manager's route day, weekly or fortnightly, a few missed; POS clients report
    # their stock every day on top.
    v_parity = (week[:n_days, None] % 2) == clients["_visit_parity"].to_numpy()[None, :]
    visit = ((weekday[:n_days, None] == clients["_visit_dow"].to_numpy()[None, :])
             & ((clients["_visit_weeks"].to_numpy()[None, :] == 1) | v_parity)
             & ~holiday[:n_days, None] & is_open[:n_days])
    visit = _keep(rng, visit, clients["_miss"].to_numpy())
    snapshot = visit | (clients["_pos"].to_numpy()[None, :] & is_open[:n_days])
    return Schedule(order=order, gap=gap, snapshot=snapshot, price=visit, week=week,
                    month=month, weekday=weekday)
