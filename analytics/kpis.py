"""The five rates (三维五率) and their companions, per period x region/segment x product level.

House definitions (04-kpis.md; all counts are over the clients of the scope that are active in the
period, Active(S, P) = opened on or before its last day and not closed before its first):

    coverage_rate     = buying_clients ÷ active_clients          buying: Σ qty_ordered of i in P > 0
    shelf_rate        = shelf_clients ÷ observed_clients         observed: a stock count (any product)
                                                                 in P; shelf: the last count of i in
                                                                 P shows stock > 0
    sell_through_rate = selling_clients ÷ carrying_clients       carrying: a count of i in P, and one
                                                                 count > 0 or an order of i in the 56
                                                                 days up to P's end; selling:
                                                                 carrying and inferred sales > 0
    stockout_rate     = stockout_clients ÷ carrying_clients      the last count of i in P shows 0
    growth_rate       = (qty_ordered − qty_ordered_base) ÷ qty_ordered_base

A product group (brand, price class, all) sums its products: its stock is the sum of each
product's last count in P, its sales the sum of their inferred sales (``data.aggregates``). A rate
whose denominator is 0 is empty (NaN). Growth compares with the same period a year earlier ('yoy';
52 weeks for weeks), the previous period ('mom'), or the same days relative to the nearest Spring
Festival a year earlier ('lunar', from daily orders, so a January and a February holding the
festival compare with each other).

Inputs are the derived client x product facts (``agg_client_product_week`` for weeks,
``agg_client_product_month`` otherwise), never the raw order lines, except for 'lunar' growth.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.breakdown import DIMENSIONS, LEVELS, check_breakdown, client_dims, level_keys  # noqa: F401
from analytics.scope import Scope, Window, literal_date, period_column
from data.calendar_cn import add_months, next_period_start, spring_festival
from data.schema import CARTONS_PER_CASE

GROWTH = ("yoy", "mom", "lunar")
RATES = ("coverage_rate", "shelf_rate", "sell_through_rate", "stockout_rate", "growth_rate")

_FLAGS = ["buying", "shelf", "carrying", "selling", "stockout"]
COUNTS = ["buying_clients", "shelf_clients", "carrying_clients", "selling_clients", "stockout_clients"]
SUMS = ["qty_ordered", "qty_demand", "amount", "stock_qty", "inferred_sales"]
CONTRACT = ["active_clients", "buying_clients", "coverage_rate", "observed_clients", "shelf_clients",
            "shelf_rate", "carrying_clients", "selling_clients", "sell_through_rate",
            "stockout_clients", "stockout_rate", "qty_ordered", "qty_demand", "amount", "fill_rate",
            "qty_ordered_base", "growth_rate"]
EXTRAS = ["cases", "value_per_case", "value_per_carton", "volume_per_client", "demand_gap_rate",
          "stock_qty", "inferred_sales", "stock_to_sales_weeks"]


def facts_grain(period: str) -> str:
    """The aggregate grain a period is built from: weeks from weeks, the rest from months."""
    return "week" if period == "week" else "month"


def kpi_table(facts: ir.Table, clients: ir.Table, products: ir.Table, window: Window,
              by: tuple[str, ...] | list[str] = (), level: str = "all", scope: Scope = Scope(),
              growth: str = "yoy", orders: ir.Table | None = None,
              groups: ir.Table | None = None) -> pd.DataFrame:
    """The five rates and companions for every period of ``window``.

    Args:
        facts: client x product x period facts at ``facts_grain(window.granularity)``.
        clients, products: the dimension tables (clients already restricted to the viewer).
        window: whole periods; its granularity is the period of the rows.
        by: client dimensions to break down by, from ``DIMENSIONS`` (empty: the whole scope);
            'client_id' gives one row per client, its counts 0 or 1 (the client's flags).
        level: 'product', 'brand', 'price_class' or 'all'.
        scope: region / segment / product filters.
        growth: 'yoy', 'mom' or 'lunar'.
        orders: the raw order lines, needed only for 'lunar' growth.
        groups: the client x product group facts at the same grain (``agg_client_group_*``),
            when the warehouse has them: the brand, price class and all levels then read the
            refresh's per-client roll-up instead of grouping the product rows again. Used only
            when the scope selects no products below the level (a brand's rates over some of
            its specifications need the product rows).

    Returns:
        One row per period_start x ``by`` x level_key, for every region/segment with active
        clients and every level key with any fact in the scope in that period. Columns:
        period_start, *by, level_key, level_name, then ``CONTRACT`` and ``EXTRAS``.

    Raises:
        ValueError: an unknown dimension, level or growth, or 'lunar' without ``orders``.
    """
    by = list(by)
    check_breakdown(by, level)
    if growth not in GROWTH:
        raise ValueError(f"unknown growth {growth!r}: use {', '.join(GROWTH)}")
    if growth == "lunar" and orders is None:
        raise ValueError("lunar growth needs the orders table")
    periods = _periods(window)
    # Cells and keys are small integer codes of the breakdown values and the level keys, ordered
    # like them: grouping a million groups and merging them runs much faster on two integers than
    # on several text columns, and the text is put back once at the end.
    c = client_dims(scope.clients(clients))
    c = c.mutate(cell=_code(c, by))
    p = level_keys(scope.products(products), level)
    p = p.mutate(key=_code(p, ["level_key"]))
    native = facts_grain(window.granularity) == window.granularity

    use_groups = groups is not None and level != "product" and native and \
        (not scope.product_keys or scope.product_level in ("all", level))

    def client_rows(w: Window) -> ir.Table:
        """Period x client x key rows of window ``w`` (see ``_per_client_key``)."""
        if use_groups:
            return _from_groups(groups, w, level, p)
        b = ibis.memtable(_periods(w))
        rows = _client_product_period(_window_facts(facts, w), b, native)
        return _per_client_key(rows.inner_join(p.select("product_id", "key"), "product_id"), level)

    bounds = ibis.memtable(periods)
    per_product = _client_product_period(_window_facts(facts, window), bounds, native)
    lifetimes = _lifetimes(c, window.granularity)
    active = _active(lifetimes, bounds)

    if groups is not None and native:  # a client's 'all' row has a count when any product has one
        every = _from_groups(groups, window, "all", level_keys(products, "all").mutate(key=0))
        observed = every.filter(every.counts > 0).select("period", "client_id")
    else:
        observed = per_product.filter(per_product.counts > 0).select("period", "client_id").distinct()
    observed = _only_active(observed, lifetimes)
    # one row per period x client from here on, so counting rows counts clients
    observed = observed.group_by(["period", "cell"]).aggregate(observed_clients=observed.count())
    active_counts = active.group_by(["period", "cell"]).aggregate(active_clients=active.count())

    # the client's cell joined after the roll-up: grouping by it too would only cost time
    per_client = _only_active(client_rows(window), lifetimes)
    counted = per_client.counts > 0
    carrying = counted & ((per_client.max_stock > 0) | per_client.recent.fill_null(False))
    flags = per_client.mutate(
        buying=per_client.qty_ordered > 0, shelf=counted & (per_client.stock > 0), carrying=carrying,
        selling=carrying & (per_client.sales.fill_null(0) > 0), stockout=carrying & (per_client.stock == 0))
    grouped = flags.group_by(["period", "cell", "key"]).aggregate(
        **{name: flags.count(where=flags[flag]) for name, flag in zip(COUNTS, _FLAGS)},
        qty_ordered=flags.qty_ordered.sum(), qty_demand=flags.qty_demand.sum(), amount=flags.amount.sum(),
        # 0 rather than NULL where no client carries: Ibis turns a column holding any NULL into
        # Python objects row by row, which costs seconds on a million rows
        stock_qty=flags.stock.sum(where=flags.carrying).fill_null(0),
        inferred_sales=flags.sales.sum(where=flags.carrying).fill_null(0))

    grouped = _numeric_frame(grouped)
    frame = _grid(_numeric_frame(active_counts), _numeric_frame(observed), grouped)
    base = _base_volumes(client_rows, lifetimes, p, window, growth, orders, grouped)
    frame = frame.merge(base, on=["period_start", "cell", "key"], how="left")
    frame["qty_ordered_base"] = frame["qty_ordered_base"].fillna(0).astype("int64")
    frame = add_rates(frame, weeks=_weeks_per_period(window))
    frame = _decoded(frame, c.select("cell", *by).distinct().to_pandas(),
                     p.select("key", "level_key", "level_name").to_pandas())
    return frame[["period_start", *by, "level_key", "level_name", *CONTRACT, *EXTRAS]]


def _numeric_frame(expr: ir.Table) -> pd.DataFrame:
    """A table of dates and numbers as a DataFrame (dates as datetime64), through Arrow's own
    conversion: Ibis's column-by-column one takes about a second for a million rows."""
    return expr.to_pyarrow().to_pandas(date_as_object=False)


def _code(table: ir.Table, columns: list[str]) -> ir.IntegerValue:
    """A dense integer code per distinct value of ``columns``, in their sort order (0 for all rows
    when there are no columns)."""
    if not columns:
        return ibis.literal(0, type="int64")
    return ibis.dense_rank().over(order_by=[table[col] for col in columns]).cast("int64")


def _decoded(frame: pd.DataFrame, cells: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """The breakdown values and level key/name back in place of the codes; period_start as dates."""
    keys = keys.drop_duplicates("key").set_index("key")
    frame = frame.join(cells.drop_duplicates("cell").set_index("cell"), on="cell")
    frame = frame.join(keys, on="key")
    frame["period_start"] = _as_dates(frame["period_start"])
    return frame


def _as_dates(days: pd.Series) -> pd.Series:
    """datetime64 -> datetime.date objects (the contract's type), converting each distinct day once."""
    codes, unique = pd.factorize(days)
    return pd.Series(np.array([d.date() for d in pd.DatetimeIndex(unique)] + [None], dtype=object)[codes],
                     index=days.index)


def add_rates(frame: pd.DataFrame, weeks: float | pd.Series = 1.0) -> pd.DataFrame:
    """Rates and companion ratios from the counts and sums (empty when the denominator is 0).

    Args:
        frame: columns active_clients, observed_clients, the ``COUNTS`` and ``SUMS``, and
            qty_ordered_base.
        weeks: weeks per period, for the stock-to-sales ratio in weeks of sales.
    """
    def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
        return num.astype(float) / den.astype(float).replace(0, np.nan)

    frame["coverage_rate"] = ratio(frame["buying_clients"], frame["active_clients"])
    frame["shelf_rate"] = ratio(frame["shelf_clients"], frame["observed_clients"])
    frame["sell_through_rate"] = ratio(frame["selling_clients"], frame["carrying_clients"])
    frame["stockout_rate"] = ratio(frame["stockout_clients"], frame["carrying_clients"])
    frame["fill_rate"] = ratio(frame["qty_ordered"], frame["qty_demand"])
    frame["demand_gap_rate"] = 1 - frame["fill_rate"]
    frame["growth_rate"] = ratio(frame["qty_ordered"] - frame["qty_ordered_base"], frame["qty_ordered_base"])
    frame["cases"] = frame["qty_ordered"].astype(float) / CARTONS_PER_CASE
    frame["value_per_case"] = ratio(frame["amount"], frame["cases"])
    frame["value_per_carton"] = ratio(frame["amount"], frame["qty_ordered"])
    frame["volume_per_client"] = ratio(frame["qty_ordered"], frame["buying_clients"])
    weekly_sales = frame["inferred_sales"].astype(float) / weeks
    frame["stock_to_sales_weeks"] = ratio(frame["stock_qty"], weekly_sales.where(weekly_sales > 0))
    return frame


def _periods(window: Window) -> dict[str, list[dt.date]]:
    """period, period_end and recent_from (55 days before the end) of each period of the window."""
    starts, ends, day = [], [], window.start
    while day <= window.end:
        following = next_period_start(day, window.granularity)
        starts.append(day)
        ends.append(following - dt.timedelta(days=1))
        day = following
    return {"period": starts, "period_end": ends,
            "recent_from": [e - dt.timedelta(days=55) for e in ends]}


def _weeks_per_period(window: Window) -> float:
    return {"week": 1.0, "month": 30.4375 / 7, "quarter": 91.3125 / 7, "year": 365.25 / 7}[window.granularity]


# the bounds of activity for a client with no opening or closing date
_EARLIEST, _LATEST = dt.date(1, 1, 1), dt.date(9999, 12, 31)


def _lifetimes(clients: ir.Table, granularity: str) -> ir.Table:
    """client_id, cell, opened_on, closed_on and the first and last period start the client is
    active in: Active(S, P) holds when ``active_from <= P <= active_to``.

    Opened on or before P's last day is the same as opened in a period starting no later than P,
    and closed on or after P's first day the same as P starting no later than the closing day.
    Comparing a row's period with two dates of its client then replaces a join of the rows to the
    periods' ends, which cost a third of a page question."""
    return clients.select(
        "client_id", "cell", "opened_on", "closed_on",
        active_from=ibis.coalesce(period_column(clients.opened_on, granularity), literal_date(_EARLIEST)),
        active_to=clients.closed_on.fill_null(literal_date(_LATEST)))


def _active(clients: ir.Table, bounds: ir.Table) -> ir.Table:
    """One row per period x client active in it, with the client's cell (``clients`` from
    ``_lifetimes``)."""
    j = clients.cross_join(bounds.select("period"))
    return j.filter(j.period.between(j.active_from, j.active_to)).select("client_id", "cell", "period")


def _window_facts(facts: ir.Table, window: Window) -> ir.Table:
    """The facts of ``window`` with the period (of its granularity) each falls in."""
    f = facts.filter(facts.period_start.between(literal_date(window.start), literal_date(window.end)))
    return f.mutate(period=period_column(f.period_start, window.granularity))


def _from_groups(groups: ir.Table, window: Window, level: str, keyed: ir.Table) -> ir.Table:
    """Period x client x key rows of ``window`` from the refresh's client x group table, in the
    shape ``_per_client_key`` gives (native grain only: a group's last count over a longer
    period is not the sum of its monthly ones)."""
    g = groups.filter((groups.level == level)
                      & groups.period_start.between(literal_date(window.start), literal_date(window.end)))
    g = g.inner_join(keyed.select("level_key", "key").distinct(), "level_key")
    return g.select(period=g.period_start, client_id=g.client_id, key=g.key, qty_ordered=g.qty_ordered,
                    qty_demand=g.qty_demand, amount=g.amount, counts=g.snapshots, stock=g.last_qty_on_hand,
                    max_stock=g.max_qty_on_hand, sales=g.inferred_sales, recent=g.ordered_56d)


def _only_active(rows: ir.Table, clients: ir.Table) -> ir.Table:
    """Period x client rows of clients active in the period, with the client's cell (``clients``
    from ``_lifetimes``)."""
    j = rows.inner_join(clients.select("client_id", "cell", "active_from", "active_to"),
                        [rows.client_id == clients.client_id, rows.period >= clients.active_from,
                         rows.period <= clients.active_to])
    return j.drop("active_from", "active_to")


def _client_product_period(f: ir.Table, bounds: ir.Table, native: bool) -> ir.Table:
    """Facts rolled up to period x client x product: the sums, the last stock count, the largest
    count, inferred sales and whether an order fell in the 56 days up to the period's end."""
    if native:
        return f.select("period", "client_id", "product_id", "qty_ordered", "qty_demand", "amount",
                        counts=f.snapshots, stock=f.last_qty_on_hand, max_stock=f.max_qty_on_hand,
                        sales=f.inferred_sales, recent=f.ordered_56d)
    g = f.group_by(["period", "client_id", "product_id"]).aggregate(
        qty_ordered=f.qty_ordered.sum(), qty_demand=f.qty_demand.sum(), amount=f.amount.sum(),
        counts=f.snapshots.sum(), stock=f.last_qty_on_hand.argmax(f.last_snapshot_date),
        max_stock=f.max_qty_on_hand.max(), sales=f.inferred_sales.sum(),
        last_order=f.last_order_date.max())
    # A quarter or year is longer than 56 days, so any order that counts lies inside it.
    g = g.inner_join(bounds.select("period", "recent_from"), "period")
    return g.select("period", "client_id", "product_id", "qty_ordered", "qty_demand", "amount",
                    "counts", "stock", "max_stock", "sales",
                    recent=g.last_order.notnull() & (g.last_order >= g.recent_from))


def _per_client_key(cp: ir.Table, level: str) -> ir.Table:
    """Period x client x level key (coded ``key``): a group sums its products (its stock is the
    sum of each product's last count); the product level is that already."""
    if level == "product":
        return cp.drop("product_id")
    return cp.group_by(["period", "client_id", "key"]).aggregate(
        qty_ordered=cp.qty_ordered.sum(), qty_demand=cp.qty_demand.sum(), amount=cp.amount.sum(),
        counts=cp.counts.sum(), stock=cp.stock.sum(), max_stock=cp.max_stock.max(),
        sales=cp.sales.sum(), recent=cp.recent.max())


def _grid(active: pd.DataFrame, observed: pd.DataFrame, grouped: pd.DataFrame) -> pd.DataFrame:
    """Every cell (region/segment) with active clients x every level key seen in the period, so a
    product nobody bought in a district shows coverage 0 rather than no row.

    Rows come out ordered by period, cell and key (so by the breakdown values and level key,
    which the codes follow): the two small frames are sorted and the merges keep the order of
    their left side, cheaper than sorting the million-row result."""
    keys = grouped[["period", "key"]].drop_duplicates().sort_values(["period", "key"])
    grid = active.sort_values(["period", "cell"]).merge(keys, on="period", how="inner")
    grid = grid.merge(observed, on=["period", "cell"], how="left")
    grid = grid.merge(grouped, on=["period", "cell", "key"], how="left")
    for column in ["active_clients", "observed_clients", *COUNTS]:
        grid[column] = grid[column].fillna(0).astype("int64")
    for column in SUMS:
        grid[column] = grid[column].fillna(0)
    for column in ("qty_ordered", "qty_demand", "stock_qty", "inferred_sales"):
        grid[column] = grid[column].astype("int64")
    grid["amount"] = grid["amount"].astype(float)
    return grid.rename(columns={"period": "period_start"})


def _base_volumes(client_rows, clients: ir.Table, products: ir.Table, window: Window,
                  growth: str, orders: ir.Table | None, grouped: pd.DataFrame) -> pd.DataFrame:
    """qty_ordered of the comparison period, keyed by the period it is compared with. Like the
    period's own volume it counts clients active then, so both sides of the ratio count alike.

    ``grouped`` (the window's own volumes by period, ``by`` and level key) already holds the base
    of every period whose comparison period lies inside the window; only the earlier ones are
    read again from the facts (none at all for a table starting at the first month of data).
    ``client_rows(window)`` gives the period x client x key rows of any window; ``clients`` and
    ``products`` carry the codes ``cell`` and ``key``, the grain of the result."""
    keys = ["period_start", "cell", "key"]
    if growth == "lunar":
        return _lunar_base(orders, clients, products, window)
    later = (lambda d: next_period_start(d, window.granularity)) if growth == "mom" else \
        (lambda d: _year_later(d, window.granularity))
    if growth == "mom":
        first, last = _previous_period(window.start, window.granularity), window.start - dt.timedelta(days=1)
    else:  # a window shorter than a year compares with that many periods a year back, no more
        earlier = window.year_earlier()
        first, last = earlier.start, min(earlier.end, window.start - dt.timedelta(days=1))
    parts = [grouped[["period", "cell", "key", "qty_ordered"]].rename(columns={"qty_ordered": "qty_ordered_base"})]
    if first < window.start:
        outside = Window(first, last, window.granularity)
        parts.append(_volumes(client_rows(outside), clients))
    out = pd.concat(parts, ignore_index=True)
    shift = {day: pd.Timestamp(later(day.date())) for day in out["period"].unique()}
    out["period_start"] = out["period"].map(shift).astype(out["period"].dtype)
    out = out[out["period_start"] <= pd.Timestamp(window.end)]
    return out[[*keys, "qty_ordered_base"]]


def _volumes(rows: ir.Table, clients: ir.Table) -> pd.DataFrame:
    """qty_ordered of period x client x key ``rows`` by period x cell x key, over the clients
    active in each period."""
    j = _only_active(rows.select("period", "client_id", "key", "qty_ordered"), clients)
    return _numeric_frame(j.group_by(["period", "cell", "key"]).aggregate(qty_ordered_base=j.qty_ordered.sum()))


def _previous_period(start: dt.date, granularity: str) -> dt.date:
    if granularity == "week":
        return start - dt.timedelta(weeks=1)
    return add_months(start, -{"month": 1, "quarter": 3, "year": 12}[granularity])


def _previous_end(window: Window) -> dt.date:
    """The last day of the period before the window's last period."""
    last_start = window.start
    while next_period_start(last_start, window.granularity) <= window.end:
        last_start = next_period_start(last_start, window.granularity)
    return last_start - dt.timedelta(days=1)


def _year_later(day: dt.date, granularity: str) -> dt.date:
    return day + dt.timedelta(weeks=52) if granularity == "week" else add_months(day, 12)


def lunar_offset(start: dt.date, end: dt.date) -> int:
    """Days between the Spring Festival nearest a period's midpoint and the one a year before."""
    middle = start + (end - start) / 2
    year = min((middle.year - 1, middle.year, middle.year + 1),
               key=lambda y: abs((spring_festival(y) - middle).days))
    return (spring_festival(year) - spring_festival(year - 1)).days


def _lunar_base(orders: ir.Table, clients: ir.Table, products: ir.Table, window: Window) -> pd.DataFrame:
    """Base volume of each period from the same days relative to Spring Festival a year earlier."""
    bounds = _periods(window)
    shifted = {"period_start": [], "base_from": [], "base_to": []}
    for start, end in zip(bounds["period"], bounds["period_end"]):
        days = dt.timedelta(days=lunar_offset(start, end))
        shifted["period_start"].append(start)
        shifted["base_from"].append(start - days)
        shifted["base_to"].append(end - days)
    ranges = ibis.memtable(shifted)
    lo, hi = min(shifted["base_from"]), max(shifted["base_to"])
    o = orders.filter(orders.order_date.between(literal_date(lo), literal_date(hi)))
    o = o.semi_join(clients, "client_id").semi_join(products, "product_id")
    j = o.cross_join(ranges)
    j = j.filter(j.order_date.between(j.base_from, j.base_to))
    j = j.inner_join(clients, "client_id").inner_join(products.select("product_id", "key"), "product_id")
    # the client open on the day it ordered (the daily form of "active in the period")
    j = j.filter((j.opened_on.isnull() | (j.opened_on <= j.order_date))
                 & (j.closed_on.isnull() | (j.closed_on >= j.order_date)))
    return _numeric_frame(j.group_by(["period_start", "cell", "key"]).aggregate(
        qty_ordered_base=j.qty_ordered.sum()))
