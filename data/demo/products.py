"""The product catalogue: specifications across brands and the five price classes.

Public columns follow ``data.schema.PRODUCTS``; ``_`` columns are the generator's own: ``_pop``
(popularity), ``_growth`` (yearly demand trend), ``_scarce``, ``_supply_ratio`` (supply ÷ expected
need for scarce products), ``_over`` (oversupplied), ``_slide_day``/``_end_ratio`` (when an
oversupplied product's price starts sliding and where it ends, as a share of the guide),
``_launch_day`` and ``_stop_day`` (day indices of launch and discontinuation, or out of range).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from data.demo import names

CLASS_SHARE = np.array([0.18, 0.22, 0.28, 0.20, 0.12])  # specifications per price class
# Wholesale (transfer) price bands per class, 元/条; class 5 stays strictly below 16.5.
PRICE_BANDS = ((100.0, 450.0), (70.0, 99.9), (35.0, 69.9), (16.5, 34.9), (8.0, 16.4))
CLASS_GROWTH = np.array([0.05, 0.04, 0.01, -0.02, -0.06])  # consumption upgrade


def _nice(price: np.ndarray) -> np.ndarray:
    """Round guided retail prices the way price lists do: 10s, 5s, whole or half yuan."""
    step = np.select([price >= 100, price >= 40, price >= 15], [10.0, 5.0, 1.0], 0.5)
    return np.round(price / step) * step


def _prices(rng: np.random.Generator, cls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lo = np.array([b[0] for b in PRICE_BANDS])[cls - 1]
    hi = np.array([b[1] for b in PRICE_BANDS])[cls - 1]
    # Class 1 is skewed towards its lower end: a few luxury specs cost 300+, most 100–250.
    u = rng.random(len(cls))
    u = np.where(cls == 1, u ** 2.2, u)
    wholesale = lo + u * (hi - lo)
    markup = rng.uniform(1.10, 1.15, len(cls))
    retail = _nice(wholesale * markup)
    wholesale = np.clip(np.round(retail / markup, 2), lo, hi)
    retail = np.maximum(retail, _nice(wholesale * 1.08 + 0.49))
    return wholesale, retail


def _pick_brands(rng: np.random.Generator, n_products: int) -> list[int]:
    n_brands = int(np.clip(round(n_products / 4.5), 25, len(names.BRANDS)))
    chosen = list(rng.permutation(len(names.BRANDS))[:n_brands])
    for cls in range(1, 6):  # every price class needs brands selling in it
        if not any(cls in names.BRANDS[b][3] for b in chosen):
            chosen.append(next(b for b in range(len(names.BRANDS)) if cls in names.BRANDS[b][3]))
    return sorted(int(b) for b in chosen)


def build_products(n: int, start: dt.date, end: dt.date,
                   rng: np.random.Generator) -> pd.DataFrame:
    """Draw ``n`` specifications with prices, popularity, trend and the planted product facts.

    Args:
        n: number of specifications.
        start, end: the history (the launch and the discontinuation fall inside it).
        rng: the generator.

    Returns:
        One row per product, schema columns first, then the ``_`` columns of the module doc.
    """
    n_days = (end - start).days + 1
    counts = np.floor(CLASS_SHARE * n).astype(int)
    counts[np.argsort(-(CLASS_SHARE * n - counts))[: n - counts.sum()]] += 1
    cls = rng.permutation(np.repeat(np.arange(1, 6), counts))

    brands = _pick_brands(rng, n)
    brand_idx = np.empty(n, dtype=int)
    for c in range(1, 6):
        rows = np.flatnonzero(cls == c)
        options = np.array([b for b in brands if c in names.BRANDS[b][3]])
        w = np.array([names.BRANDS[b][3].count(c) for b in options], dtype=float)
        # Each brand first gets one spec of the class, the rest follow the brand weights.
        first = rng.permutation(options)[: len(rows)]
        rest = rng.choice(options, len(rows) - len(first), p=w / w.sum())
        brand_idx[rows] = rng.permutation(np.concatenate([first, rest]))

    product_id, name = [], []
    used: dict[int, int] = {}
    suffix_order = {b: rng.permutation(len(names.SPEC_SUFFIXES)) for b in set(brand_idx)}
    for b, c in zip(brand_idx, cls):
        k = used.get(b, 0)
        used[b] = k + 1
        suffix = names.SPEC_SUFFIXES[suffix_order[b][k % len(names.SPEC_SUFFIXES)]]
        if k >= len(names.SPEC_SUFFIXES):
            suffix += f"·{k // len(names.SPEC_SUFFIXES) + 1}代"
        name.append(f"{names.BRANDS[b][0]}({suffix})")
        product_id.append(f"{names.BRANDS[b][2]}{b:02d}{c}{k:03d}")

    wholesale, retail = _prices(rng, cls)
    slim = np.array([any(m in s for m in names.SLIM_MARKERS) for s in name])
    pop = rng.lognormal(0.0, 0.9, n)
    growth = CLASS_GROWTH[cls - 1] + 0.05 * slim + rng.normal(0, 0.03, n)

    # Scarce: about a tenth, mostly popular class 1–2 specifications.
    n_scarce = max(2, round(0.1 * n))
    w = pop ** 0.3 * np.array([3.0, 1.5, 0.3, 0.05, 0.02])[cls - 1]
    scarce = np.zeros(n, dtype=bool)
    scarce[rng.choice(n, n_scarce, replace=False, p=w / w.sum())] = True

    # Oversupplied: popular non-scarce class 1–3 specs whose retail price slides below the guide.
    n_over = 5 if n <= 200 else round(n / 50)
    cand = np.flatnonzero(~scarce & (cls <= 3) & (pop >= np.median(pop)))
    over_idx = rng.choice(cand, min(n_over, len(cand)), replace=False)
    over = np.zeros(n, dtype=bool)
    over[over_idx] = True
    growth[over] = -0.08
    ratio_ws = wholesale / retail
    end_ratio = np.ones(n)
    end_ratio[over_idx] = np.maximum(ratio_ws[over_idx] + 0.01, rng.uniform(0.88, 0.94, len(over_idx)))
    under_ws = over_idx[:2]  # the two worst end below the wholesale price (价格倒挂)
    end_ratio[under_ws] = ratio_ws[under_ws] - rng.uniform(0.03, 0.07, len(under_ws))
    slide_day = np.full(n, n_days, dtype=np.int64)
    slide_day[over_idx] = (rng.uniform(0.25, 0.45, len(over_idx)) * n_days).astype(int)

    # One launch (a slim spec of class 2–3) and one discontinuation (an unpopular class 4–5 spec).
    plain = ~scarce & ~over
    launch = rng.choice(np.flatnonzero(plain & np.isin(cls, (2, 3))))
    stop = rng.choice(np.flatnonzero(plain & np.isin(cls, (4, 5)) & (np.arange(n) != launch)
                                     & (pop <= np.median(pop))))
    launch_day = np.full(n, -1, dtype=np.int64)
    stop_day = np.full(n, np.iinfo(np.int32).max // 2, dtype=np.int64)
    launch_day[launch] = int(0.55 * n_days)
    stop_day[stop] = int(0.70 * n_days)
    growth[launch] = 0.10
    pop[launch] = np.median(pop) * 1.5

    launched_on = np.where(rng.random(n) < 0.25, [start - dt.timedelta(days=int(d)) for d in
                                                  rng.integers(400, 5000, n)], None)
    launched_on[launch] = start + dt.timedelta(days=int(launch_day[launch]))
    discontinued_on = np.full(n, None, dtype=object)
    discontinued_on[stop] = start + dt.timedelta(days=int(stop_day[stop]))

    return pd.DataFrame({
        "product_id": product_id,
        "name": name,
        "brand": [names.BRANDS[b][0] for b in brand_idx],
        "manufacturer": [names.BRANDS[b][1] for b in brand_idx],
        "price_class": cls.astype(np.int64),
        "wholesale_price": wholesale,
        "retail_price": retail,
        "launched_on": launched_on,
        "discontinued_on": discontinued_on,
        "_pop": pop,
        "_growth": growth,
        "_scarce": scarce,
        "_supply_ratio": np.where(scarce, rng.uniform(0.65, 0.9, n), np.nan),
        "_over": over,
        "_slide_day": slide_day,
        "_end_ratio": end_ratio,
        "_launch_day": launch_day,
        "_stop_day": stop_day,
    })
