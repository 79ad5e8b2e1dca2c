"""What each client can really sell of a scarce product in the period, from its sell-through.

The allocation never trusts stated demand (需求量): a client that asks for more gets nothing for
it. Demand comes from the terminal's stock counts and deliveries (the 动销台账 method of
04-kpis.md, ``data.aggregates.count_sales``): for each count, sales since the previous count =
previous count + deliveries in between − count.

Definitions (per client, over the ``lookback_weeks`` before the period; an "interval" is the
days from one count to the next):

    censored interval    one that ended with an empty shelf: the client sold all it had, so
                         its sales are a lower bound of what consumers asked for
    weekly_rate          the posterior mean of the client's weekly consumer demand λ: sales in an
                         interval of d days are Poisson(λ d ÷ 7), observed exactly when the
                         interval ended with stock left and as "at least" when it ended empty
                         (the scarce product's usual case, which a plain sales rate would read as
                         low demand); the prior is a gamma around the mean λ of the client's grade,
                         fitted to the grade's clients (empirical Bayes), so a client seen a few
                         times leans on its peers and a client never counted gets its grade's mean
    demand_estimate      weekly_rate × period days ÷ 7 (the expected consumer demand, 条)
    stock_estimate       the latest count + deliveries since − weekly_rate × days since, ≥ 0
    last_qty             mean qty_ordered per period over the two periods before this one
                         (two, so a fortnightly client that skipped last week still has one)
    sells                sold something over the lookback, or was counted with an empty shelf of
                         the product it carries (an active seller: owed the floor)

Grain of every frame returned here: one row per client eligible for the product (open in the
period, and counted or ordered in the lookback: the product's carriers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from data.aggregates import count_sales

CLIENT_COLUMNS = ["client_id", "grade", "district", "market_dept", "territory", "market_type",
                  "business_format", "order_cycle"]
PRIOR_DAYS = 35  # how far before the lookback a first count's predecessor is looked for


@dataclass(frozen=True)
class Period:
    """The release period: ``start`` to ``end`` inclusive."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass
class Inputs:
    """The facts one allocation reads, as plain frames (so tests and the inflation check can
    change them and run the same pipeline).

    Attributes:
        product_id: the scarce product.
        period: the release period.
        lookback_start: first day of the history read.
        clients: one row per carrier open in the period (``CLIENT_COLUMNS``).
        counts: one row per stock count in the lookback: client_id, snapshot_date,
            qty_on_hand, prev_date, sales (NULL for a pair's first count).
        orders: one row per order line of the product in the lookback: client_id, order_date,
            qty_demand, qty_ordered, qty_cap, amount.
        value_per_carton: one row per client: client_id, value_per_carton (元/条 over all
            products in the lookback months; NaN without orders).
    """

    product_id: str
    period: Period
    lookback_start: dt.date
    clients: pd.DataFrame
    counts: pd.DataFrame
    orders: pd.DataFrame
    value_per_carton: pd.DataFrame


def load_inputs(orders: ir.Table, snapshots: ir.Table, clients: ir.Table, month_facts: ir.Table,
                product_id: str, period: Period, lookback_weeks: int = 8) -> Inputs:
    """Read what one allocation needs from the warehouse tables.

    Args:
        orders, snapshots: the ``orders`` and ``inventory_snapshots`` tables.
        clients: the ``clients`` table (already restricted to the viewer, if any).
        month_facts: ``agg_client_product_month`` (for 条均值, value per carton).
        product_id: the scarce product.
        period: the release period; only facts dated before its start are read, so an
            allocation made for a past period sees what the planner saw then.
        lookback_weeks: weeks of history before the period.

    Returns:
        The inputs; ``clients`` holds the product's carriers open in the period.
    """
    if lookback_weeks < 1:
        raise ValueError("lookback_weeks must be at least 1")
    start = period.start - dt.timedelta(weeks=lookback_weeks)
    lo = ibis.literal(start, type="date")
    hi = ibis.literal(period.start, type="date")
    prior = ibis.literal(start - dt.timedelta(days=PRIOR_DAYS), type="date")
    o = orders.filter((orders.product_id == product_id) & (orders.order_date >= prior)
                      & (orders.order_date < hi))
    s = snapshots.filter((snapshots.product_id == product_id) & (snapshots.snapshot_date >= prior)
                         & (snapshots.snapshot_date < hi))
    counts = count_sales(o, s, start, period.start).drop("product_id").to_pandas()
    lines = o.filter(o.order_date >= lo).select(
        "client_id", "order_date", "qty_demand", "qty_ordered", "qty_cap", "amount").to_pandas()

    c = clients.filter((clients.opened_on.isnull() | (clients.opened_on <= ibis.literal(period.end, type="date")))
                       & (clients.closed_on.isnull() | (clients.closed_on >= hi)))
    carriers = set(counts["client_id"]) | set(lines["client_id"])
    frame = c.select(*CLIENT_COLUMNS).to_pandas()
    frame = frame[frame["client_id"].isin(carriers)].sort_values("client_id").reset_index(drop=True)

    m = month_facts.filter(month_facts.period_start >= ibis.literal(start.replace(day=1), type="date"))
    m = m.filter(m.period_start < hi)
    vpc = m.group_by("client_id").aggregate(amount=m.amount.sum(), cartons=m.qty_ordered.sum()).to_pandas()
    vpc["value_per_carton"] = vpc["amount"] / vpc["cartons"].where(vpc["cartons"] > 0)
    return Inputs(product_id, period, start, frame, counts, lines,
                  vpc[["client_id", "value_per_carton"]])


def estimate_demand(inputs: Inputs) -> pd.DataFrame:
    """Demand, stock and history of each carrier for the period (see the module docstring).

    Args:
        inputs: from ``load_inputs`` (or built by hand).

    Returns:
        One row per carrier: the ``CLIENT_COLUMNS``, weekly_rate, demand_estimate,
        stock_estimate, last_count_date, counted_weeks, censored_share, sells, last_qty,
        stated_weekly (mean qty_demand per week, for the flags only), order_size (mean
        qty_demand per order line), value_per_carton.
    """
    period = inputs.period
    base = inputs.clients.copy()
    counts = inputs.counts.dropna(subset=["sales", "prev_date"]).copy()
    counts["days"] = (pd.to_datetime(counts["snapshot_date"]) - pd.to_datetime(counts["prev_date"])).dt.days
    counts = counts[counts["days"] > 0]
    counts["sales"] = counts["sales"].astype(float).clip(lower=0)  # a miscount is not negative sales
    counts["censored"] = counts["qty_on_hand"] == 0
    rate, _ = weekly_demand(counts, base["client_id"], base["grade"])
    base["weekly_rate"] = rate
    base["demand_estimate"] = base["weekly_rate"] * period.days / 7
    per = counts.assign(cens_days=counts["days"].where(counts["censored"], 0)).groupby("client_id").agg(
        days=("days", "sum"), cens_days=("cens_days", "sum"), sales=("sales", "sum"))
    per = per.reindex(base["client_id"])
    base["counted_weeks"] = per["days"].fillna(0).to_numpy() / 7
    base["censored_share"] = (per["cens_days"] / per["days"].where(per["days"] > 0)).to_numpy()
    # Sold something, or was found with an empty shelf of a product it carries (demand it
    # could not serve): an active seller, owed the floor.
    base["sells"] = (per["sales"].fillna(0).to_numpy() > 0) | (per["cens_days"].fillna(0).to_numpy() > 0)
    base = base.merge(_stock(inputs, base[["client_id", "weekly_rate"]]), on="client_id", how="left")
    base = base.merge(_order_history(inputs), on="client_id", how="left")
    base = base.merge(inputs.value_per_carton, on="client_id", how="left")
    for col in ("last_qty", "stated_weekly"):
        base[col] = base[col].fillna(0.0)
    # A carrier never counted: what it was delivered in the last fortnight is all we know it holds.
    base["stock_estimate"] = base["stock_estimate"].fillna(base["recent_delivered"].fillna(0.0))
    return base.drop(columns=["recent_delivered"])


PRIOR_SHAPE = 1.5  # a wide gamma: grade peers inform, the client's own counts decide
_GRID = np.concatenate([[0.0], np.geomspace(0.01, 1.0, 48)])  # λ as a share of the grid's top


def weekly_demand(counts: pd.DataFrame, client_id: pd.Series, grade: pd.Series,
                  rounds: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean weekly demand per client from censored sell-through (module docstring).

    Args:
        counts: one row per interval: client_id, sales (≥ 0), days (> 0), censored (bool).
        client_id, grade: the clients to estimate, aligned.
        rounds: empirical-Bayes rounds refitting each grade's prior mean.

    Returns:
        (weekly rate per client, whether the client had any interval).
    """
    from scipy import sparse
    from scipy.stats import poisson

    pos = pd.Series(np.arange(len(client_id)), index=client_id.to_numpy())
    counts = counts[counts["client_id"].isin(pos.index)]
    ci = pos.loc[counts["client_id"]].to_numpy()
    sales = counts["sales"].to_numpy(float)
    days = counts["days"].to_numpy(float)
    cens = counts["censored"].to_numpy(bool)
    n = len(client_id)
    naive = 7 * np.bincount(ci, weights=sales, minlength=n) / np.maximum(np.bincount(ci, weights=days, minlength=n), 1)
    top = max(5.0, 4 * float(naive.max(initial=0)), 4 * float((7 * sales / days).max(initial=0)))
    grid = _GRID * top
    mu = days[:, None] / 7 * grid[None, :]
    with np.errstate(divide="ignore"):
        ll = np.where(cens[:, None] & (sales[:, None] > 0), poisson.logsf(sales[:, None] - 1, mu),
                      np.where(cens[:, None], 0.0, poisson.logpmf(sales[:, None], mu)))
    member = sparse.csr_matrix((np.ones(len(ci)), (ci, np.arange(len(ci)))), shape=(n, len(ci)))
    loglik = np.asarray(member @ np.nan_to_num(ll, nan=-np.inf, neginf=-1e9))
    seen = np.bincount(ci, minlength=n) > 0
    g = grade.fillna(0).astype(int).to_numpy()
    city = max(float(naive[seen].mean()) if seen.any() else 0.0, 1e-3)
    prior_mean = np.full(n, city)
    width = np.gradient(grid)
    for _ in range(rounds):
        scale = prior_mean[:, None] / PRIOR_SHAPE
        with np.errstate(divide="ignore"):
            logprior = (PRIOR_SHAPE - 1) * np.log(grid[None, :]) - grid[None, :] / scale
        post = loglik + logprior + np.log(width)[None, :]
        post = np.exp(post - post.max(axis=1, keepdims=True))
        rate = (post @ grid) / post.sum(axis=1)
        # Each grade's prior mean: its clients' posterior means, shrunk to the city's for small grades.
        city = max(float(rate[seen].mean()) if seen.any() else city, 1e-3)
        s = pd.Series(rate[seen]).groupby(g[seen])
        by_grade = ((s.sum() + 5 * city) / (s.count() + 5)).to_dict()
        prior_mean = np.array([by_grade.get(x, city) for x in g])
    return rate, seen


def _stock(inputs: Inputs, rates: pd.DataFrame) -> pd.DataFrame:
    """Stock at the period start: latest count + deliveries since − sales since at the rate."""
    counts = inputs.counts
    if counts.empty:
        return pd.DataFrame({"client_id": pd.Series(dtype=str), "stock_estimate": pd.Series(dtype=float),
                             "last_count_date": pd.Series(dtype="datetime64[ns]")})
    last = counts.sort_values("snapshot_date").groupby("client_id", as_index=False).last()
    last = last[["client_id", "snapshot_date", "qty_on_hand"]].rename(columns={"snapshot_date": "last_count_date"})
    o = inputs.orders.merge(last, on="client_id", how="inner")
    after = pd.to_datetime(o["order_date"]) > pd.to_datetime(o["last_count_date"])
    delivered = o[after].groupby("client_id")["qty_ordered"].sum()
    last = last.merge(rates, on="client_id", how="left")
    last["delivered"] = last["client_id"].map(delivered).fillna(0)
    # The count is the stock at the end of its day; sales run from the next day to the eve of the start.
    days = (pd.Timestamp(inputs.period.start) - pd.to_datetime(last["last_count_date"])).dt.days - 1
    last["stock_estimate"] = (last["qty_on_hand"] + last["delivered"]
                              - last["weekly_rate"].fillna(0) * days / 7).clip(lower=0)
    return last[["client_id", "stock_estimate", "last_count_date"]]


def _order_history(inputs: Inputs) -> pd.DataFrame:
    """Per client: last_qty, stated_weekly, order_size, recent_delivered (see the docstring)."""
    o = inputs.orders
    start = pd.Timestamp(inputs.period.start)
    days = pd.to_datetime(o["order_date"])
    plen = pd.Timedelta(days=inputs.period.days)
    weeks = (inputs.period.start - inputs.lookback_start).days / 7
    g = pd.DataFrame({"client_id": o["client_id"],
                      "last2": o["qty_ordered"].where(days >= start - 2 * plen, 0),
                      "recent": o["qty_ordered"].where(days >= start - pd.Timedelta(days=14), 0),
                      "demand": o["qty_demand"], "lines": o["qty_demand"] > 0})
    out = g.groupby("client_id", as_index=False).agg(last2=("last2", "sum"), recent_delivered=("recent", "sum"),
                                                     demand=("demand", "sum"), lines=("lines", "sum"))
    out["last_qty"] = out["last2"] / 2
    out["stated_weekly"] = out["demand"] / weeks
    out["order_size"] = out["demand"] / out["lines"].where(out["lines"] > 0)
    return out[["client_id", "last_qty", "recent_delivered", "stated_weekly", "order_size"]]
