"""Retail price monitoring 零售价格监测: price level, price index 价格指数, 顺价指数, 价格倒挂.

House definitions (04-kpis.md, 07-warnings-prices.md). The input is the price snapshots: one
observed retail price (元/条) per client x product x day. A *cell* is a period x the ``by``
dimensions; a *key* is a level key (a product, brand, price class or 'all'). Over the snapshots of
the scope's clients and products dated in the period (whether the client counts as open does not
matter: a recorded price shows it was):

    observations     = price snapshot rows
    mean_price, median_price, price_std, price_p10, price_p90
                     = over those observed prices. A group (brand, price class, all) pools the
                       observations of all its products, so its level mixes specifications of
                       different prices: follow one group over time, do not compare groups.
    price_index      = 100 × Σ_i w_i × (mean observed price_i ÷ guided retail price_i)
    margin_index     = Σ_i w_i × (mean observed price_i ÷ wholesale price_i)      (顺价指数)
    inversion_share  = observations with retail price < wholesale price (价格倒挂)
                       ÷ observations of products with a known wholesale price

The sums run over the products i of the key observed in the cell whose reference price (guided
for the price index, wholesale for the margin index) is known. Weights w_i, renormalised over
those products:

1. i's share of the previous calendar year's volume (Σ qty_ordered) in the same cell's
   dimensions, the year being the one before the year holding the period's first day; so a product
   that sold nothing there last year weighs 0 when others of the key did;
2. when those products sold nothing there last year (new products, the first year of data): their
   share of the period's own volume (for weeks, of the month holding the week's first day, since
   the volume comes from the monthly aggregates);
3. when they sold nothing in the period either: equal weights.

``weight_basis`` says which rule gave the price index its weights ('last_year', 'period', 'equal').
The margin index stays a ratio (not × 100) because the spec reads it against 1: below 1 the
client sells under the price it paid. A value whose denominator is empty (no observation, no
reference price) is NaN, never 0.

Rows form a grid: every cell with any observation in the period x every key observed anywhere in
the scope in the period, so a district where a brand went unobserved shows ``observations`` 0 and
empty prices instead of no row.

Relational work (filters, joins, group-bys, exact medians and quantiles) is Ibis, so it runs on
DuckDB and Spark alike; only the per-cell weighting of already aggregated rows is pandas.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.breakdown import DIMENSIONS, check_breakdown, client_dims, level_keys
from analytics.scope import Scope, Window, literal_date, period_column

CONTRACT = ["observations", "mean_price", "median_price", "price_index", "margin_index",
            "inversion_share"]
EXTRAS = ["level_name", "clients_observed", "products_observed", "price_std", "price_p10",
          "price_p90", "guided_price", "wholesale_price", "inversions", "weight_basis"]
OUTLIER_COLUMNS = ["client_id", "district", "territory", "product_id", "product_name",
                   "snapshot_date", "period_start", "retail_price", "median_price", "guided_price",
                   "robust_z", "direction", "observations"]
# Standard constants: 1.4826 × MAD and 1.2533 × mean absolute deviation estimate the standard
# deviation of normal data, so robust_z reads like an ordinary z-score (Iglewicz & Hoaglin).
_MAD_SCALE = 1.4826
_MEANAD_SCALE = 1.2533
# Shops price in whole steps (0.5, 1 or 5 元) and most charge the same, so the spread of log
# prices is often 0; without a floor one step off the common price would be an "outlier".
MIN_LOG_SCALE = 0.02


def price_table(prices: ir.Table, clients: ir.Table, products: ir.Table, facts_month: ir.Table,
                window: Window, by: tuple[str, ...] | list[str] = (), level: str = "all",
                scope: Scope = Scope()) -> pd.DataFrame:
    """Price level, price index, margin index and inversions for every period of ``window``.

    Args:
        prices: the ``price_snapshots`` table (already restricted to the viewer, if any).
        clients, products: the dimension tables.
        facts_month: ``agg_client_product_month``, for the volume weights.
        window: whole periods; its granularity is the period of the rows.
        by: client dimensions to break down by, from ``DIMENSIONS`` (empty: the whole scope).
        level: 'product', 'brand', 'price_class' or 'all'.
        scope: region / segment / product filters.

    Returns:
        One row per period_start x ``by`` x level_key (the grid in the module docstring).
        Columns: period_start, *by, level_key, then ``CONTRACT`` (observations, mean_price,
        median_price, price_index, margin_index, inversion_share) and ``EXTRAS``: level_name,
        clients_observed, products_observed, price_std (sample), price_p10, price_p90,
        guided_price and wholesale_price (means over the observations, so mean_price ÷
        guided_price is the unweighted index), inversions (count), weight_basis. Sorted by
        period_start, *by, level_key.

    Raises:
        ValueError: an unknown or repeated dimension, or an unknown level.
    """
    by = list(by)
    check_breakdown(by, level)
    obs = _observations(prices, clients, products, window, by, level, scope)
    groups = _group_stats(obs, by)
    columns = ["period_start", *by, "level_key", *CONTRACT, *EXTRAS]
    if groups.empty:
        return pd.DataFrame({c: pd.Series(dtype=float if c in CONTRACT else object) for c in columns})

    per_product = _product_stats(obs, by)
    yearly, own = _volumes(facts_month, clients, products, window, by, scope)
    per_product = _attach_volume(per_product, yearly, own, by, window.granularity)
    cell = ["period", *by, "level_key"]
    price_index, basis = _weighted(per_product, cell, "guided_ratio")
    margin_index, _ = _weighted(per_product, cell, "wholesale_ratio")

    frame = _grid(groups, by)
    frame = frame.merge(price_index.rename("price_index"), left_on=cell, right_index=True, how="left")
    frame = frame.merge(basis.rename("weight_basis"), left_on=cell, right_index=True, how="left")
    frame = frame.merge(margin_index.rename("margin_index"), left_on=cell, right_index=True, how="left")
    frame["price_index"] = 100 * frame["price_index"]
    frame["inversion_share"] = frame["inversions"] / frame["priced_wholesale"].replace(0, np.nan)
    names = level_keys(scope.products(products), level).select("level_key", "level_name") \
        .distinct().to_pandas().drop_duplicates("level_key")
    frame = frame.merge(names, on="level_key", how="left")
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    frame = frame.rename(columns={"period": "period_start"})
    frame = frame.sort_values(["period_start", *by, "level_key"], kind="stable").reset_index(drop=True)
    return frame[columns]


def low_index_products(table: pd.DataFrame, threshold: float = 95.0) -> pd.DataFrame:
    """Products whose price index in the table's latest period is below ``threshold`` — the
    standard signal to cut their release (控量稳价).

    Args:
        table: ``price_table(..., level="product")`` output, with any ``by`` dimensions.
        threshold: the index below which a product is listed (default 95).

    Returns:
        One row per ``by`` cell x product with an index below ``threshold`` in the latest
        period_start of ``table``. Columns: *by, product_id, product_name, period_start,
        price_index, previous_index (the same cell and product in the table's period before;
        NaN when unobserved there), index_change (price_index − previous_index), margin_index,
        inversion_share, observations. Lowest index first.
    """
    by = [d for d in DIMENSIONS if d in table.columns]
    columns = [*by, "product_id", "product_name", "period_start", "price_index", "previous_index",
               "index_change", "margin_index", "inversion_share", "observations"]
    periods = sorted(table["period_start"].unique())
    if not periods:
        return pd.DataFrame(columns=columns)
    keys = [*by, "level_key"]
    latest = table[table["period_start"] == periods[-1]]
    low = latest[latest["price_index"] < threshold]
    if len(periods) > 1:
        before = table.loc[table["period_start"] == periods[-2], [*keys, "price_index"]]
        low = low.merge(before.rename(columns={"price_index": "previous_index"}), on=keys, how="left")
    else:
        low = low.assign(previous_index=np.nan)
    low = low.assign(index_change=low["price_index"] - low["previous_index"])
    low = low.rename(columns={"level_key": "product_id", "level_name": "product_name"})
    return low.sort_values(["price_index", *by, "product_id"], kind="stable").reset_index(drop=True)[columns]


def price_outliers(prices: ir.Table, clients: ir.Table, products: ir.Table, window: Window,
                   scope: Scope = Scope(), z: float = 3.5, limit: int | None = 200,
                   min_observations: int = 5) -> pd.DataFrame:
    """Single observed prices far from the product's median in their period: a data error, or a
    client undercutting (or overcharging).

    The robust z-score of an observation is (ln price − median ln price) ÷ scale over the
    product's observations in the period (in scope), scale = 1.4826 × MAD of ln price, or
    1.2533 × the mean absolute deviation when the MAD is 0, and never below ``MIN_LOG_SCALE``.
    Logs, because a 10 % undercut matters the same on a 20 元 and a 200 元 carton.

    Args:
        prices, clients, products: the tables (clients already restricted to the viewer).
        window: the dates searched; its granularity is the period of the medians.
        scope: region / segment / product filters.
        z: flag observations with |robust_z| above this (default 3.5, Iglewicz & Hoaglin).
        limit: at most this many rows (None: all).
        min_observations: products with fewer observations in a period are not judged.

    Returns:
        One row per flagged observation (client x product x snapshot date), largest |robust_z|
        first. Columns: ``OUTLIER_COLUMNS`` — client_id, district, territory, product_id,
        product_name, snapshot_date, period_start, retail_price, median_price (the product's
        median in the period, 元/条), guided_price, robust_z, direction ('high' or 'low'),
        observations (the product's in the period).
    """
    o = _observations(prices, clients, products, window, ["district", "territory"], "product", scope)
    o = o.mutate(log_price=o.retail_price.ln())
    keys = ["period", "product_id"]
    centre = o.group_by(keys).aggregate(median_price=o.retail_price.median(),
                                        median_log=o.log_price.median(), observations=o.count())
    centre = centre.filter(centre.observations >= min_observations)
    j = o.inner_join(centre, keys)
    j = j.mutate(deviation=j.log_price - j.median_log)
    spread = j.group_by(keys).aggregate(mad=j.deviation.abs().median(),
                                        mean_ad=j.deviation.abs().mean())
    j = j.inner_join(spread, keys)
    scale = ibis.greatest(ibis.ifelse(j.mad > 0, _MAD_SCALE * j.mad, _MEANAD_SCALE * j.mean_ad),
                          MIN_LOG_SCALE)
    j = j.mutate(robust_z=j.deviation / scale)
    j = j.filter(j.robust_z.abs() > z)
    j = j.order_by([ibis.desc(j.robust_z.abs()), "snapshot_date", "client_id", "product_id"])
    if limit is not None:
        j = j.limit(limit)
    out = j.select("client_id", "district", "territory", "product_id", "snapshot_date",
                   "retail_price", "median_price", "guided_price", "robust_z", "observations",
                   product_name=j.level_name, period_start=j.period).to_pandas()
    out["direction"] = np.where(out["robust_z"] > 0, "high", "low")
    for column in ("snapshot_date", "period_start"):
        out[column] = pd.to_datetime(out[column]).dt.date
    return out[OUTLIER_COLUMNS]


def _observations(prices: ir.Table, clients: ir.Table, products: ir.Table, window: Window,
                  by: list[str], level: str, scope: Scope) -> ir.Table:
    """Price snapshots of the scope in the window with their period, the client's ``by``
    dimensions, the level key and name, and the product's guided and wholesale prices."""
    c = client_dims(scope.clients(clients))
    c = c.select("client_id", *by)
    sp = scope.products(products)
    refs = sp.select("product_id", guided_price=sp.retail_price, wholesale_price=sp.wholesale_price)
    p = level_keys(sp, level).inner_join(refs, "product_id")
    o = prices.filter(prices.snapshot_date.between(literal_date(window.start), literal_date(window.end)))
    o = o.select("client_id", "product_id", "snapshot_date", "retail_price",
                 period=period_column(o.snapshot_date, window.granularity))
    return o.inner_join(c, "client_id").inner_join(p, "product_id")


def _group_stats(obs: ir.Table, by: list[str]) -> pd.DataFrame:
    """Period x ``by`` x level key: counts and the distribution of observed prices."""
    price = obs.retail_price
    inverted = obs.retail_price < obs.wholesale_price
    g = obs.group_by(["period", *by, "level_key"]).aggregate(
        observations=obs.count(), mean_price=price.mean(), median_price=price.median(),
        price_std=price.std(), price_p10=price.quantile(0.1), price_p90=price.quantile(0.9),
        clients_observed=obs.client_id.nunique(), products_observed=obs.product_id.nunique(),
        guided_price=obs.guided_price.mean(), wholesale_price=obs.wholesale_price.mean(),
        inversions=obs.count(where=inverted),
        priced_wholesale=obs.count(where=obs.wholesale_price.notnull()))
    return g.to_pandas()


def _product_stats(obs: ir.Table, by: list[str]) -> pd.DataFrame:
    """Period x ``by`` x level key x product: the mean observed price and its ratios to the
    guided and wholesale prices (NaN when that price is unknown or 0)."""
    g = obs.group_by(["period", *by, "level_key", "product_id"]).aggregate(
        mean_price=obs.retail_price.mean(), guided_price=obs.guided_price.max(),
        wholesale_price=obs.wholesale_price.max())
    frame = g.to_pandas()
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    for ratio, reference in (("guided_ratio", "guided_price"), ("wholesale_ratio", "wholesale_price")):
        frame[ratio] = frame["mean_price"] / frame[reference].where(frame[reference] > 0)
    return frame


def _volumes(facts: ir.Table, clients: ir.Table, products: ir.Table, window: Window,
             by: list[str], scope: Scope) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Σ qty_ordered of the scope per ``by`` x product: per calendar year for the years before
    the window's years, and per period of the window (per month for weeks, since the facts are
    monthly). Columns: year or bucket, *by, product_id, qty."""
    c = client_dims(scope.clients(clients)).select("client_id", *by)
    f = facts.inner_join(c, "client_id").semi_join(scope.products(products), "product_id")
    keys = [*by, "product_id"]
    first, last = dt.date(window.start.year - 1, 1, 1), dt.date(window.end.year - 1, 12, 31)
    before = f.filter(f.period_start.between(literal_date(first), literal_date(last)))
    yearly = before.group_by([before.period_start.year().name("year"), *keys]) \
        .aggregate(qty=before.qty_ordered.sum()).to_pandas()
    unit = "month" if window.granularity == "week" else window.granularity
    inside = f.filter(f.period_start.between(literal_date(window.start.replace(day=1)),
                                             literal_date(window.end)))
    own = inside.group_by([period_column(inside.period_start, unit).name("bucket"), *keys]) \
        .aggregate(qty=inside.qty_ordered.sum()).to_pandas()
    own["bucket"] = pd.to_datetime(own["bucket"])
    return yearly, own


def _attach_volume(per_product: pd.DataFrame, yearly: pd.DataFrame, own: pd.DataFrame,
                   by: list[str], granularity: str) -> pd.DataFrame:
    """Add qty_last_year (the calendar year before the period's) and qty_period (the period's
    own volume; for weeks, the month holding the week's first day) to the product rows."""
    keys = [*by, "product_id"]
    period = pd.to_datetime(per_product["period"])
    bucket = period.dt.to_period("M").dt.start_time if granularity == "week" else period
    out = per_product.assign(year=period.dt.year - 1, bucket=bucket)
    out = out.merge(yearly.rename(columns={"qty": "qty_last_year"}), on=["year", *keys], how="left")
    out = out.merge(own.rename(columns={"qty": "qty_period"}), on=["bucket", *keys], how="left")
    out[["qty_last_year", "qty_period"]] = out[["qty_last_year", "qty_period"]].fillna(0)
    return out.drop(columns=["year", "bucket"])


def _weighted(per_product: pd.DataFrame, cell: list[str], ratio: str) -> tuple[pd.Series, pd.Series]:
    """Σ w_i × ratio_i per cell over the products with a known ratio, with the weight rules of
    the module docstring, and the rule used ('last_year', 'period' or 'equal') per cell."""
    d = per_product.loc[per_product[ratio].notna(), [*cell, ratio, "qty_last_year", "qty_period"]]
    if d.empty:
        empty = pd.Series(dtype=float, index=pd.MultiIndex.from_arrays([[]] * len(cell), names=cell))
        return empty, empty.astype(object)
    g = d.groupby(cell, sort=False)
    last_year = g["qty_last_year"].transform("sum")
    own = g["qty_period"].transform("sum")
    count = g[ratio].transform("size")
    # .where() leaves NaN rather than dividing by 0; np.select then takes the first rule that applies
    weight = np.select([last_year > 0, own > 0],
                       [d["qty_last_year"] / last_year.where(last_year > 0),
                        d["qty_period"] / own.where(own > 0)], 1.0 / count)
    basis = np.select([last_year > 0, own > 0], ["last_year", "period"], "equal")
    d = d.assign(_term=d[ratio] * weight, _basis=basis)
    out = d.groupby(cell).agg(value=("_term", "sum"), basis=("_basis", "first"))
    return out["value"], out["basis"]


def _grid(groups: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Every period x ``by`` cell with observations x every key observed in that period, so an
    unobserved key in a cell is a row with 0 observations and empty prices."""
    cells = groups[["period", *by]].drop_duplicates()
    keys = groups[["period", "level_key"]].drop_duplicates()
    grid = cells.merge(keys, on="period").merge(groups, on=["period", *by, "level_key"], how="left")
    for column in ("observations", "clients_observed", "products_observed", "inversions",
                   "priced_wholesale"):
        grid[column] = grid[column].fillna(0).astype("int64")
    grid["period"] = pd.to_datetime(grid["period"]).dt.date
    return grid
