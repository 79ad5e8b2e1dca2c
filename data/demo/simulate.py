"""The day-by-day simulation of every client x product pair at once.

Each day, in this order (the timing convention of 04-kpis.md):
1. clients whose order day it is order up to a target cover; the delivery arrives that day;
2. consumers ask for Poisson demand; sales = min(demand, stock); the rest is lost;
3. visits (and POS clients) record the stock at the end of the day, and some retail prices;
4. on Sundays the week's true demand, sales, losses and closing stock go to the truth table.
Only the loop over days is in Python; every step is a numpy operation over all pairs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from data.demo import prices
from data.demo.city import City
from data.demo.writer import Sink

WEEK_ALPHA = 0.22  # the retailer's sense of its sales rate averages over about four weeks
AR_KEEP, AR_NOISE = 0.85, 0.12  # weekly drift of a pair's demand around its expectation
SHORTFALL_P = 0.003  # ordinary lines the company could not fill in full
PUSH = 0.8  # how much harder oversupplied specs are pushed onto clients by the end


@dataclass
class Ledger:
    """What the forecasts need from the simulation: stated demand per month.

    Attributes:
        client_month: qty_demand per client and month (clients x months).
        scarce_pairs: pair indices of scarce products.
        scarce_month: qty_demand per scarce pair and month.
    """

    client_month: np.ndarray
    scarce_pairs: np.ndarray
    scarce_month: np.ndarray


class _PairIndex:
    """Pair indices of a set of clients, in time proportional to the answer (pairs are sorted
    by client, so each client's pairs are one contiguous run)."""

    def __init__(self, pair_client: np.ndarray, n_clients: int) -> None:
        self.count = np.bincount(pair_client, minlength=n_clients)
        self.first = np.concatenate([[0], np.cumsum(self.count)[:-1]])

    def __call__(self, client_mask: np.ndarray) -> np.ndarray:
        clients = np.flatnonzero(client_mask)
        count = self.count[clients]
        total = int(count.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        # Start of each run, repeated over its length, plus the offset inside the run.
        run_start = np.repeat(self.first[clients] - np.cumsum(count) + count, count)
        return run_start + np.arange(total)


class _Simulation:
    """Static per-pair inputs and the evolving state; one method per step of a day."""

    def __init__(self, city: City, sink: Sink, rng: np.random.Generator) -> None:
        self.sink, self.rng, self.sched, self.caps = sink, rng, city.sched, city.supply.caps
        pr, cl, pdf = city.pairs, city.clients, city.products
        n_days, n = city.n_days, len(pr)
        self.n_days, self.n_clients, self.base = n_days, len(cl), pr.base
        self.pc, self.pp = pc, pp = pr.client, pr.product
        self.cf, self.ct, self.ot = pr.carry_from, pr.carry_to, pr.order_to

        fac = city.fac
        self.fac = fac
        self.cfac = np.concatenate([np.zeros((fac.shape[0], 1)), np.cumsum(fac, axis=1)], axis=1)
        week = self.sched.week[:n_days]
        starts = np.flatnonzero(np.r_[True, week[1:] != week[:-1]])
        self.week_fac = np.add.reduceat(fac[:, :n_days], starts, axis=1)
        # Oversupplied specs are pushed onto clients: their order-up-to target grows as the
        # price slides.
        slide = pdf["_slide_day"].to_numpy()[:, None]
        self.push = 1.0 + PUSH * np.clip((np.arange(n_days)[None, :] - slide)
                                         / np.maximum(n_days - slide, 1), 0, 1)
        self.wholesale = pdf["wholesale_price"].to_numpy()
        self.guide = pdf["retail_price"].to_numpy()
        self.drift = prices.drift(pdf, n_days, rng)
        self.offset = prices.client_offset(cl, rng)[pc]

        self.f = cl["_f"].to_numpy()[pc]
        self.min_stock = cl["_min_stock"].to_numpy()[pc]
        self.safety = cl["_safety"].to_numpy()[pc]
        self.cap_mult = cl["_cycle"].to_numpy()[pc]
        self.grade0 = cl["grade"].to_numpy()[pc] - 1
        self.pos = cl["_pos"].to_numpy()[pc].astype(np.int8)
        scarce_of = np.full(len(pdf), -1)
        scarce_of[city.supply.products] = np.arange(len(city.supply.products))
        self.sidx = scarce_of[pp]
        self.inflate = np.where(self.sidx >= 0, city.plants.inflate[pc], 1.0)
        weight = prices.watch_weight(pdf)[pp]
        self.p_price = np.minimum(1.0, prices.PER_VISIT * weight
                                  / np.bincount(pc, weights=weight, minlength=len(cl))[pc])
        self.pairs_of = _PairIndex(pc, len(cl))

        plants = city.plants
        self.overstock_qty = np.zeros(n, dtype=np.int64)
        self.overstock_qty[plants.overstock_pairs] = plants.overstock_qty
        self.over_days = {int(d) for d in plants.overstock_start}
        self.clear_on: dict[int, list[int]] = {}
        for i, s in zip(plants.stockout_pairs, plants.stockout_start):
            self.clear_on.setdefault(int(s), []).append(int(i))
        self.events: set[int] = set()
        for d in (pr.carry_from, pr.carry_to, pr.order_to):
            self.events.update(int(x) for x in np.unique(d[(d > 0) & (d < n_days)]))

        scarce_pairs = np.flatnonzero(self.sidx >= 0)
        self.scarce_pos = np.full(n, -1)
        self.scarce_pos[scarce_pairs] = np.arange(len(scarce_pairs))
        n_months = int(self.sched.month[n_days - 1]) + 1
        self.ledger = Ledger(np.zeros((len(cl), n_months)), scarce_pairs,
                             np.zeros((len(scarce_pairs), n_months)))

        # Start in a steady state: shelves stocked for the first cycle, rates known.
        self.z = np.zeros(n)
        self.base_z = pr.base.copy()
        self.ew = pr.base.copy()
        first = self.cap_mult * 7 + self.safety
        init = self.f * pr.base * (self.cfac[pp, first] - self.cfac[pp, 0]) * rng.uniform(0.5, 1, n)
        self.stock = np.where(self.cf == 0, np.floor(np.maximum(init, self.min_stock) + 0.5),
                              0).astype(np.int64)
        self.week_d = np.zeros(n, dtype=np.int64)
        self.week_s = np.zeros(n, dtype=np.int64)
        self._shelves(0)
        self.week_c = self.carried.copy()

    def _shelves(self, t: int) -> None:
        """Recompute which pairs are on the shelf and orderable (only on days that change it)."""
        self.carried = (self.cf <= t) & (t < self.ct)
        self.can_order = self.carried & (t < self.ot)
        self.lam_base = self.base_z * self.carried

    def day(self, t: int) -> None:
        """Simulate day ``t``."""
        if t in self.events:
            self._shelves(t)
            self.week_c |= self.carried
        self._order(t)
        self._sell(t)
        self._observe(t)
        if self.sched.weekday[t] == 6 or t == self.n_days - 1:
            self._close_week(t)

    def _order(self, t: int) -> None:
        """Order up to the target cover; scarce lines are capped; deliveries arrive today."""
        idx = self.pairs_of(self.sched.order[t])
        idx = idx[self.can_order[idx]]
        if len(idx) == 0:
            return
        c, p = self.pc[idx], self.pp[idx]
        # Cover until the next delivery plus safety days, at the expected seasonal rate.
        horizon = self.sched.gap[t, c] + self.safety[idx]
        cover = self.cfac[p, t + horizon] - self.cfac[p, t]
        target = np.maximum(self.ew[idx] * cover * self.f[idx] * self.push[p, t],
                            self.min_stock[idx])
        need = np.maximum(np.floor(target - self.stock[idx] + 0.7), 0).astype(np.int64)
        s = self.sidx[idx]
        sc = s >= 0
        stated = np.where(sc, np.ceil(need * self.inflate[idx]), need).astype(np.int64)
        if t in self.over_days:
            stated = np.maximum(stated, self.overstock_qty[idx])
        keep = stated > 0
        idx, c, p, s, sc, stated = idx[keep], c[keep], p[keep], s[keep], sc[keep], stated[keep]
        cap = np.full(len(idx), -1, dtype=np.int64)
        cap[sc] = (self.caps[s[sc], self.sched.week[t], self.grade0[idx[sc]]]
                   * self.cap_mult[idx[sc]])
        ordered = np.where(sc, np.minimum(stated, cap), stated)
        short = ~sc & (stated >= 3) & (self.rng.random(len(idx)) < SHORTFALL_P)
        ordered[short] = np.floor(0.8 * stated[short]).astype(np.int64)
        self.stock[idx] += ordered
        self.sink.add("orders", {"order_date": np.full(len(idx), t), "client_id": c,
                                 "product_id": p, "qty_demand": stated, "qty_cap": cap,
                                 "qty_ordered": ordered,
                                 "amount": np.round(ordered * self.wholesale[p], 2)})
        m = self.sched.month[t]
        self.ledger.client_month[:, m] += np.bincount(c, weights=stated,
                                                      minlength=self.n_clients)
        self.ledger.scarce_month[self.scarce_pos[idx[sc]], m] += stated[sc]

    def _sell(self, t: int) -> None:
        demand = self.rng.poisson(self.lam_base * self.fac[:, t][self.pp])
        if t in self.clear_on:  # a bulk buyer empties the shelf: a planted stock-out starts
            i = np.array(self.clear_on[t])
            demand[i] += self.stock[i]
        sold = np.minimum(demand, self.stock)
        self.stock -= sold
        self.week_d += demand
        self.week_s += sold

    def _observe(self, t: int) -> None:
        """Visits record every carried product's stock (zeros too) and a few retail prices."""
        pc, pp = self.pc, self.pp
        idx = self.pairs_of(self.sched.snapshot[t])
        idx = idx[self.carried[idx]]
        self.sink.add("inventory_snapshots", {
            "snapshot_date": np.full(len(idx), t), "client_id": pc[idx], "product_id": pp[idx],
            "qty_on_hand": self.stock[idx], "source": self.pos[idx]})
        cand = self.pairs_of(self.sched.price[t])
        cand = cand[self.carried[cand]]
        idx = cand[self.rng.random(len(cand)) < self.p_price[cand]]
        p = pp[idx]
        price = prices.observe(self.guide[p], self.offset[idx] + self.drift[p, t], self.rng)
        self.sink.add("price_snapshots", {"snapshot_date": np.full(len(idx), t),
                                          "client_id": pc[idx], "product_id": p,
                                          "retail_price": price})

    def _close_week(self, t: int) -> None:
        """Write the week's truth, update the retailers' rate estimates, drift the demand."""
        idx = np.flatnonzero(self.week_c)
        d, s = self.week_d[idx], self.week_s[idx]
        self.sink.add("truth_consumer_demand", {
            "week_start": np.full(len(idx), t - self.sched.weekday[t]),
            "client_id": self.pc[idx], "product_id": self.pp[idx],
            "qty_consumer_demand": d.astype(float), "qty_sold": s,
            "qty_lost": (d - s).astype(float), "qty_on_hand_end": self.stock[idx]})
        # The retailer's sense of its rate: last week's deseasonalised demand, smoothed.
        seen = self.week_d / np.maximum(self.week_fac[self.pp, self.sched.week[t]], 1e-3)
        self.ew = np.where(self.carried, (1 - WEEK_ALPHA) * self.ew + WEEK_ALPHA * seen,
                           self.base_z)
        self.z = AR_KEEP * self.z + self.rng.normal(0, AR_NOISE, len(self.z))
        self.base_z = self.base * np.exp(self.z)
        self.lam_base = self.base_z * self.carried
        self.week_d[:] = 0
        self.week_s[:] = 0
        self.week_c = self.carried.copy()


def simulate(city: City, sink: Sink, rng: np.random.Generator,
             progress: Callable[[float, str], None] | None = None) -> Ledger:
    """Run the city through its history, writing orders, snapshots, prices and truth.

    Args:
        city: the drawn city.
        sink: where fact rows go.
        rng: the generator.
        progress: called with (0..1 share of days done, message) now and then.

    Returns:
        The ledger of monthly stated demand.
    """
    sim = _Simulation(city, sink, rng)
    step = max(1, city.n_days // 60)
    for t in range(city.n_days):
        sim.day(t)
        if progress is not None and t % step == 0:
            progress(t / city.n_days, f"Simulating {city.cal['date'].iloc[t]:%Y-%m-%d}")
    sink.flush()
    return sim.ledger
