"""Retail clients of the demo city: classification, order and visit rhythm, ordering habits.

The public columns follow ``data.schema.CLIENTS``; columns prefixed ``_`` are the generator's own
(behaviour and schedule parameters) and never reach the warehouse.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from data.demo import names
from data.demo.regions import build_geography

FORMATS = ("convenience", "grocery", "supermarket", "mall", "tobacco_liquor", "entertainment",
           "other")
_FORMAT_P = {
    "urban": np.array([0.38, 0.30, 0.08, 0.02, 0.10, 0.05, 0.07]),
    "rural": np.array([0.24, 0.60, 0.05, 0.00, 0.04, 0.02, 0.05]),
}
# How the format mix tilts with grade: big clients are more often shops and supermarkets.
_FORMAT_GRADE_SLOPE = np.array([0.0, -0.06, 0.06, 0.08, 0.10, 0.02, 0.0])
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
CREDIT = ("AAA", "AA", "A", "B", "C")


def grade_distribution() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grade probabilities over 1..30: overall, urban and rural.

    Overall is the industry's 1-2-3-4-5-4-3-2-1 band shape stretched over 30 grades; rural clients
    sit in grades 5–18; urban gets what is left, so it is concentrated in the high grades.
    """
    g = np.arange(1, 31)
    overall = np.interp((g - 1) / 29 * 8, np.arange(9), [1, 2, 3, 4, 5, 4, 3, 2, 1])
    overall /= overall.sum()
    rural = np.exp(-0.5 * ((g - 11) / 3.6) ** 2)
    rural[(g < 5) | (g > 18)] *= 0.25
    rural /= rural.sum()
    urban = np.maximum(overall - 0.25 * rural, 0.12 * overall)
    urban /= urban.sum()
    return overall, urban, rural


def _pick_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One category per row of a (rows x categories) weight matrix."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return (cum < u[:, None]).sum(axis=1)


def _shop_names(rng: np.random.Generator, fmt: np.ndarray) -> list[str]:
    words = np.array(names.SHOP_WORDS)
    w1, w2 = rng.choice(words, len(fmt)), rng.choice(words, len(fmt))
    sur = rng.choice(np.array(names.SURNAMES), len(fmt))
    style = rng.random(len(fmt))
    pick = rng.integers(0, 3, len(fmt))
    out = []
    for f, a, b, s, st, k in zip(fmt, w1, w2, sur, style, pick):
        suffixes = names.SHOP_SUFFIX[f]
        prefix = f"{s}记" if st < 0.35 else (a + b if a != b else a + "源")
        out.append(prefix + suffixes[k % len(suffixes)])
    return out


def _random_dates(rng: np.random.Generator, n: int, lo: dt.date, hi: dt.date) -> np.ndarray:
    days = rng.integers(0, max(1, (hi - lo).days), n)
    return np.array([lo + dt.timedelta(days=int(d)) for d in days], dtype=object)


def build_clients(n: int, start: dt.date, end: dt.date,
                  rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw the clients and their managers.

    Args:
        n: number of clients.
        start, end: the history (new and closed clients fall inside it).
        rng: the generator.

    Returns:
        ``(clients, managers)``. clients holds the schema columns plus internal ones:
        ``_cycle`` (1 or 2 weeks), ``_order_dow``, ``_order_parity``, ``_visit_weeks``,
        ``_visit_dow``, ``_visit_parity``, ``_miss`` (missed-visit probability), ``_pos``,
        ``_style`` (normal | over | under), ``_f`` (order-up-to factor), ``_min_stock``,
        ``_safety`` (days), ``_skip`` (probability of skipping an order), ``_volume`` (true weekly
        volume in 条), ``_open_day`` and ``_close_day`` (day indices; close exclusive).
    """
    geo, managers = build_geography(n, rng)
    urban = (geo["market_type"] == "urban").to_numpy()
    _, p_urban, p_rural = grade_distribution()
    grade = np.where(urban, rng.choice(np.arange(1, 31), n, p=p_urban),
                     rng.choice(np.arange(1, 31), n, p=p_rural))

    base_p = np.where(urban[:, None], _FORMAT_P["urban"], _FORMAT_P["rural"])
    tilt = np.exp(_FORMAT_GRADE_SLOPE[None, :] * (grade[:, None] - 15))
    fmt = np.array(FORMATS, dtype=object)[_pick_rows(rng, base_p * tilt)]

    bd = np.where(urban,
                  rng.choice(np.array(names.BUSINESS_DISTRICTS_URBAN), n,
                             p=names.BUSINESS_DISTRICTS_URBAN_P),
                  rng.choice(np.array(names.BUSINESS_DISTRICTS_RURAL), n,
                             p=names.BUSINESS_DISTRICTS_RURAL_P))
    credit_w = np.array([0.12, 0.33, 0.38, 0.13, 0.04])[None, :] * np.exp(
        np.array([0.06, 0.03, 0.0, -0.04, -0.06])[None, :] * (grade[:, None] - 15))
    credit = np.array(CREDIT, dtype=object)[_pick_rows(rng, credit_w)]

    # Small and rural clients order every two weeks; everyone orders on a fixed weekday.
    p_two = np.where(urban, np.clip(0.25 - 0.02 * (grade - 8), 0.0, 0.4),
                     np.clip(0.45 - 0.02 * (grade - 10), 0.05, 0.6))
    cycle = np.where(rng.random(n) < p_two, 2, 1)
    order_dow = rng.choice(7, n, p=[0.2, 0.2, 0.2, 0.19, 0.19, 0.02, 0.0])
    order_cycle = [f"{c}W-{WEEKDAYS[d]}" for c, d in zip(cycle, order_dow)]

    p_weekly_visit = np.clip(0.2 + 0.04 * (grade - 5) + 0.15 * urban, 0.1, 0.95)
    visit_weeks = np.where(rng.random(n) < p_weekly_visit, 1, 2)
    big_shop = np.isin(fmt, ("supermarket", "mall", "tobacco_liquor")) & urban & (grade >= 18)
    pos = np.zeros(n, dtype=bool)
    pos[rng.choice(np.flatnonzero(big_shop), min(big_shop.sum(), max(1, round(0.007 * n))),
                   replace=False)] = True

    style = rng.choice(np.array(["normal", "over", "under"]), n, p=[0.78, 0.11, 0.11])
    f = np.select([style == "over", style == "under"],
                  [rng.uniform(1.8, 3.0, n), rng.uniform(0.5, 0.75, n)],
                  rng.lognormal(0.0, 0.08, n))
    fmt_volume = pd.Series(fmt).map({"supermarket": 1.3, "mall": 1.2, "tobacco_liquor": 1.4,
                                     "entertainment": 0.8}).fillna(1.0).to_numpy()
    volume = 40.0 * np.exp(0.11 * (grade - 15)) * fmt_volume * rng.lognormal(0, 0.25, n)

    n_days = (end - start).days + 1
    opened = np.where(rng.random(n) < 0.35,
                      _random_dates(rng, n, dt.date(1998, 1, 1), start - dt.timedelta(days=365)),
                      None)
    closed = np.full(n, None, dtype=object)
    open_day = np.zeros(n, dtype=np.int32)
    close_day = np.full(n, np.iinfo(np.int32).max // 2, dtype=np.int32)
    n_new = max(2, round(0.015 * n))
    n_closed = max(2, round(0.015 * n))
    churn = rng.choice(n, n_new + n_closed, replace=False)
    new, gone = churn[:n_new], churn[n_new:]
    # Openings and closures fall well inside the history, whatever its length.
    open_day[new] = rng.integers(int(0.1 * n_days), int(0.8 * n_days), n_new)
    opened[new] = [start + dt.timedelta(days=int(d)) for d in open_day[new]]
    last_day = rng.integers(int(0.2 * n_days), int(0.9 * n_days), n_closed)
    close_day[gone] = last_day + 1  # closed_on is the last trading day
    closed[gone] = [start + dt.timedelta(days=int(d)) for d in last_day]

    clients = pd.DataFrame({
        "client_id": [f"C{i + 1:08d}" for i in range(n)],
        "name": _shop_names(rng, fmt),
        **{c: geo[c].to_numpy() for c in ("city", "district", "market_dept", "territory",
                                            "manager_id")},
        "business_format": fmt,
        "grade": grade.astype(np.int64),
        "market_type": geo["market_type"].to_numpy(),
        "business_district": bd,
        "credit_level": credit,
        "order_cycle": order_cycle,
        "opened_on": opened,
        "closed_on": closed,
        "lon": geo["lon"].to_numpy(),
        "lat": geo["lat"].to_numpy(),
        "_cycle": cycle,
        "_order_dow": order_dow,
        "_order_parity": rng.integers(0, 2, n),
        "_visit_weeks": visit_weeks,
        "_visit_dow": rng.integers(0, 5, n),
        "_visit_parity": rng.integers(0, 2, n),
        "_miss": np.where(urban, 0.05, 0.09),
        "_pos": pos,
        "_style": style,
        "_f": f,
        "_min_stock": np.select([style == "over", style == "under"], [2.5, 0.5], 1.5),
        "_safety": np.where(style == "under", rng.integers(0, 2, n), rng.integers(2, 6, n)),
        "_skip": np.select([style == "over", style == "under"], [0.01, 0.12], 0.02),
        "_volume": volume,
        "_open_day": open_day,
        "_close_day": close_day,
    })
    return clients, managers
