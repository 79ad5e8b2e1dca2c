"""The static city: everything drawn before the day-by-day simulation starts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.demo.assortment import Pairs, build_pairs
from data.demo.clients import build_clients
from data.demo.params import Resolved
from data.demo.planting import Plants, plant
from data.demo.products import build_products
from data.demo.schedule import Schedule, build_schedule
from data.demo.seasonality import calendar, demand_factors
from data.demo.supply import Supply, build_supply

LOOKAHEAD_WEEKS = 4  # supply plans run four weeks past the end of history


@dataclass
class City:
    """The drawn city.

    Attributes:
        params: the resolved parameters.
        clients, products, managers: the dimension frames (with the generator's ``_`` columns).
        pairs: client x product pairs carried.
        cal: calendar of the extended range (history plus look-ahead).
        fac: expected-demand factor per product and extended day.
        sched: order and visit calendars.
        supply: scarce supply and caps.
        plants: the planted facts.
        first_monday: the Monday of week 0.
    """

    params: Resolved
    clients: pd.DataFrame
    products: pd.DataFrame
    managers: pd.DataFrame
    pairs: Pairs
    cal: pd.DataFrame
    fac: np.ndarray
    sched: Schedule
    supply: Supply
    plants: Plants
    first_monday: dt.date

    @property
    def n_days(self) -> int:
        return self.params.days


def _start_on_first_order(pairs: Pairs, sched: Schedule) -> None:
    """A newly adopted spec goes on the shelf when its first order arrives, not before."""
    late = np.flatnonzero(pairs.carry_from > 0)
    t, c = pairs.carry_from[late], pairs.client[late]
    t = np.minimum(t, sched.order.shape[0] - 1)
    shift = np.where(sched.order[t, c], 0, sched.gap[t, c])
    pairs.carry_from[late] = (t + shift).astype(np.int32)


def build_city(params: Resolved, rng: np.random.Generator) -> City:
    """Draw the clients, products, assortments, calendars, supply and planted facts.

    Args:
        params: the resolved parameters.
        rng: the generator.

    Returns:
        The city, ready to simulate.
    """
    start, end, n_days = params.start, params.end, params.days
    first_monday = start - dt.timedelta(days=start.weekday())
    n_weeks = (end - first_monday).days // 7 + 1 + LOOKAHEAD_WEEKS
    n_ext = (n_weeks + 1) * 7 - start.weekday()
    cal = calendar(start, n_ext)

    clients, managers = build_clients(params.clients, start, end, rng)
    products = build_products(params.products, start, end, rng)
    pairs = build_pairs(clients, products, rng)
    fac = demand_factors(products, cal)
    sched = build_schedule(clients, cal, n_days, rng)
    _start_on_first_order(pairs, sched)
    plants = plant(pairs, clients, products, managers, sched, n_days, rng)
    supply = build_supply(pairs, clients, products, fac, sched, n_weeks)
    return City(params, clients, products, managers, pairs, cal, fac, sched, supply, plants,
                first_monday)
