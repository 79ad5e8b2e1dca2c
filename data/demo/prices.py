"""Retail prices as a customer manager records them on a visit.

Observed price = guide × (1 + client offset + product drift over time + noise), rounded the way
shops price a carton. Ordinary products sit around the guide; scarce products above it and rising;
oversupplied products slide below it after their slide day, the worst under the wholesale price.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PER_VISIT = 4.5  # products whose price a visit records, on average
WATCHED = 3.0  # scarce and oversupplied products are checked this many times more often


def drift(products: pd.DataFrame, n_days: int, rng: np.random.Generator) -> np.ndarray:
    """Deviation from the guided price per product and day, shape (products, days), float32."""
    n = len(products)
    days = np.arange(n_days)[None, :]
    level = rng.normal(0.0, 0.012, n)[:, None]  # some specs habitually trade a little off-guide
    scarce = products["_scarce"].to_numpy()[:, None]
    premium = rng.uniform(0.05, 0.10, n)[:, None] + rng.uniform(0.04, 0.12, n)[:, None] * days / n_days
    slide_day = products["_slide_day"].to_numpy()[:, None]
    progress = np.clip((days - slide_day) / np.maximum(n_days - slide_day, 1), 0, 1)
    slide = (products["_end_ratio"].to_numpy()[:, None] - 1.0) * progress
    over = products["_over"].to_numpy()[:, None]
    d = np.where(scarce, premium, level) + np.where(over, slide, 0.0)
    return d.astype(np.float32)


def client_offset(clients: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Per-client habitual deviation: village shops shave the price, tobacco shops add a little."""
    base = np.where(clients["market_type"].to_numpy() == "rural", -0.015, 0.0)
    shop = np.where(clients["business_format"].to_numpy() == "tobacco_liquor", 0.01, 0.0)
    return (base + shop + rng.normal(0, 0.015, len(clients))).astype(np.float32)


def observe(guide: np.ndarray, deviation: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Observed prices for guided prices ``guide`` and total deviations ``deviation``."""
    raw = guide * (1.0 + deviation + rng.normal(0, 0.015, len(guide)))
    step = np.select([raw >= 100, raw >= 20], [5.0, 1.0], 0.5)
    return np.maximum(np.round(raw / step) * step, 0.5)


def watch_weight(products: pd.DataFrame) -> np.ndarray:
    """Relative chance that a visit records each product's price."""
    watched = products["_scarce"].to_numpy() | products["_over"].to_numpy()
    return np.where(watched, WATCHED, 1.0)
