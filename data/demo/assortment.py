"""Which products each client carries, and how fast each sells there.

A client x product *pair* is the unit of the simulation. Pairs are sorted by client, then product.
Bigger clients carry more specifications; urban, high-grade clients and tobacco shops lean towards
the expensive classes, rural and small clients towards classes 3–5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

_FORMAT_RANGE = {"supermarket": 1.25, "mall": 1.2, "tobacco_liquor": 1.25, "entertainment": 0.7}
_FORMAT_AFFLUENCE = {"tobacco_liquor": 0.8, "mall": 0.6, "entertainment": 0.6, "supermarket": 0.3,
                     "grocery": -0.2}
ADOPTION_DAYS = 42  # clients take up a new spec within six weeks of its launch
SELL_OFF_DAYS = 28  # a discontinued spec stays on the shelf four weeks while it sells out


@dataclass
class Pairs:
    """Per-pair arrays, all of the same length.

    Attributes:
        client, product: indices into the clients and products frames (int32).
        base: expected daily consumer demand before seasonal factors, 条.
        carry_from, carry_to: days the pair is on the shelf, ``[from, to)``.
        order_to: first day the client can no longer order it (closure, discontinuation,
            or a planted stock-out).
    """

    client: np.ndarray
    product: np.ndarray
    base: np.ndarray
    carry_from: np.ndarray
    carry_to: np.ndarray
    order_to: np.ndarray

    def __len__(self) -> int:
        return len(self.client)


def class_affinity(clients: pd.DataFrame, price_class: np.ndarray) -> np.ndarray:
    """How much each client leans to each product's price class, shape (clients, products)."""
    fmt = clients["business_format"]
    affluence = ((clients["grade"].to_numpy() - 15) / 7.0
                 + np.where(clients["market_type"].to_numpy() == "urban", 0.4, -0.4)
                 + fmt.map(_FORMAT_AFFLUENCE).fillna(0.0).to_numpy())
    preferred = np.clip(3.1 - 0.9 * affluence, 1.2, 4.6)
    return np.exp(-0.5 * ((price_class[None, :] - preferred[:, None]) / 1.2) ** 2)


def build_pairs(clients: pd.DataFrame, products: pd.DataFrame,
                rng: np.random.Generator) -> Pairs:
    """Draw each client's assortment and the pair demand rates.

    Args:
        clients: the clients frame (with ``_volume``, ``_open_day``, ``_close_day``).
        products: the products frame (with ``_pop``, ``_launch_day``, ``_stop_day``).
        rng: the generator.

    Returns:
        The pairs, sorted by client then product.
    """
    n_c, n_p = len(clients), len(products)
    grade = clients["grade"].to_numpy()
    span = clients["business_format"].map(_FORMAT_RANGE).fillna(1.0).to_numpy()
    size = np.round(14 + 2.15 * grade * span + rng.normal(0, 4, n_c))
    size = np.clip(size, 6, min(int(0.7 * n_p), 90)).astype(int)

    affinity = class_affinity(clients, products["price_class"].to_numpy())
    pop = products["_pop"].to_numpy()
    # Gumbel top-k: sampling each client's assortment without replacement, for all at once.
    keys = np.log(pop)[None, :] + np.log(affinity) + rng.gumbel(size=(n_c, n_p))
    rank = np.empty_like(keys, dtype=np.int32)
    order = np.argsort(-keys, axis=1)
    np.put_along_axis(rank, order, np.arange(n_p, dtype=np.int32)[None, :], axis=1)
    carried = rank < size[:, None]
    del keys, order, rank

    client, product = np.nonzero(carried)
    weight = (pop[product] * affinity[client, product] * rng.lognormal(0, 0.5, len(client))) ** 0.6
    share = weight / np.bincount(client, weights=weight, minlength=n_c)[client]
    base = clients["_volume"].to_numpy()[client] * share / 7.0

    launch = products["_launch_day"].to_numpy()[product]
    adopt = np.where(launch >= 0, launch + rng.integers(0, ADOPTION_DAYS, len(client)), 0)
    stop = products["_stop_day"].to_numpy()[product]
    open_day = clients["_open_day"].to_numpy()[client]
    close_day = clients["_close_day"].to_numpy()[client]
    return Pairs(
        client=client.astype(np.int32),
        product=product.astype(np.int32),
        base=base,
        carry_from=np.maximum(open_day, adopt).astype(np.int32),
        carry_to=np.minimum(close_day, stop + SELL_OFF_DAYS).astype(np.int32),
        order_to=np.minimum(close_day, stop).astype(np.int32),
    )
