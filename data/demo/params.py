"""Parameters of the demo city and how their defaults are resolved."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from data.calendar_cn import add_months


@dataclass(frozen=True)
class DemoParams:
    """What to generate.

    Attributes:
        clients: number of retail clients.
        products: number of specifications; None scales from ~150 at 2,000 clients to ~400 at
            20,000.
        start: first day of history; None = the first day of the month 36 full months before
            ``end``.
        end: last day of history; None = the last day of the last complete month before today.
        seed: seed of the one random generator everything is drawn from.
    """

    clients: int = 2000
    products: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    seed: int = 42


@dataclass(frozen=True)
class Resolved:
    """DemoParams with every default filled in and checked."""

    clients: int
    products: int
    start: dt.date
    end: dt.date
    seed: int

    @property
    def days(self) -> int:
        """Days of history, ``start`` and ``end`` included."""
        return (self.end - self.start).days + 1


def default_products(clients: int) -> int:
    """~150 specifications at 2,000 clients, ~400 at 20,000, linear in between, clipped."""
    n = 150 + (clients - 2000) * (250 / 18000)
    return int(np.clip(round(n), 100, 400))


def resolve(params: DemoParams, today: dt.date | None = None) -> Resolved:
    """Fill in the defaults of ``params``.

    Args:
        params: the requested parameters.
        today: the reference date for the default ``end`` (tests pin it); None = today.

    Returns:
        The resolved parameters.

    Raises:
        ValueError: too few clients or products, or a history shorter than 8 weeks.
    """
    if params.clients < 50:
        raise ValueError(f"clients must be at least 50, got {params.clients}")
    products = default_products(params.clients) if params.products is None else params.products
    if products < 30:
        raise ValueError(f"products must be at least 30, got {products}")
    end = params.end
    if end is None:
        end = (today or dt.date.today()).replace(day=1) - dt.timedelta(days=1)
    start = params.start
    if start is None:
        start = add_months(end.replace(day=1), -35)
    if (end - start).days < 56:
        raise ValueError(f"history from {start} to {end} is shorter than 8 weeks")
    return Resolved(int(params.clients), int(products), start, end, int(params.seed))
