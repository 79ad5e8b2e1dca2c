"""Demand series from the warehouse aggregates, at any level of product x region.

Demand is what clients asked for, not what they were supplied: supplied volume is censored by the
caps on scarce products, so a model trained on it learns the caps. Per client x product x period
the measure is ``max(qty_demand, qty_ordered)``: the stated demand, or the ordered quantity when an
export carries no demand (ordered never exceeds demand in valid data, so the maximum is the
demand whenever there is one).

Two hierarchies (05-forecasting.md): product (specification > brand > price class > all) and
region (territory > market department > district > city). Every series is built from the *base*
series, one per specification x territory, so any two levels read from the same numbers and add
up. Territory names repeat across market departments, so a territory is identified by its market
department too (in ``series_id``); the region column itself holds the territory name.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.breakdown import LEVELS
from analytics.forecast.features import SEASON, check_freq
from analytics.forecast.panel import from_long, to_long
from analytics.scope import Scope, literal_date
from data.calendar_cn import next_period_start, period_start
from data.schema import UNKNOWN

REGIONS = ("territory", "market_dept", "district", "city")
# The region columns a series of each region level is keyed by (the whole city needs none).
REGION_KEYS = {"territory": ["market_dept", "territory"], "market_dept": ["market_dept"],
               "district": ["district"], "city": []}
BASE_KEYS = ["product_id", "brand", "price_class", "district", "market_dept", "territory"]


def parse_level(text: str) -> tuple[str, str]:
    """'brand,district' -> ('brand', 'district'); a product level alone means the whole city.

    Raises:
        ValueError: an unknown product level or region, in one line.
    """
    parts = [p.strip() for p in text.split(",")]
    if len(parts) > 2 or not parts[0]:
        raise ValueError(f"level {text!r}: use PRODUCT_LEVEL[,REGION], e.g. brand,district")
    level, region = parts[0], parts[1] if len(parts) == 2 else "city"
    if level not in LEVELS:
        raise ValueError(f"unknown product level {level!r}: use {', '.join(LEVELS)}")
    if region not in REGIONS:
        raise ValueError(f"unknown region level {region!r}: use {', '.join(REGIONS)}")
    return level, region


def region_column(region: str) -> str | None:
    """The region column of the output tables: named after the region level, none for the city."""
    return None if region == "city" else region


def last_day(facts: ir.Table) -> dt.date | None:
    """The last day the aggregates hold data for (latest order or stock count), None when empty."""
    got = facts.aggregate(o=facts.last_order_date.max(), s=facts.last_snapshot_date.max()).to_pandas()
    days = [d for d in got.iloc[0].tolist() if d is not None and not pd.isna(d)]
    return max(pd.Timestamp(d).date() for d in days) if days else None


def history_end(facts: ir.Table, freq: str, cutoff: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """Where the history stops and the forecast starts.

    History holds the complete periods dated up to ``cutoff`` (default: the last day of data); a
    period cut in two by the cutoff is left out, because a part-period total would read as a
    collapse of demand. The first forecast period is the one after the period holding the cutoff.

    Returns:
        (start of the last history period, start of the first forecast period).

    Raises:
        ValueError: no data, or no complete period up to the cutoff.
    """
    check_freq(freq)
    end = last_day(facts)
    if end is None:
        raise ValueError("the warehouse holds no orders yet")
    day = min(cutoff, end) if cutoff is not None else end
    holding = period_start(day, freq)
    first_forecast = next_period_start(holding, freq)
    complete = first_forecast - dt.timedelta(days=1) == day
    last = holding if complete else period_start(holding - dt.timedelta(days=1), freq)
    if cutoff is not None and cutoff > end:
        # a cutoff past the data forecasts from the last data on, as without a cutoff
        first_forecast = next_period_start(period_start(end, freq), freq)
    return last, first_forecast


def base_series(facts: ir.Table, clients: ir.Table, products: ir.Table, last: dt.date,
                scope: Scope = Scope(), by: tuple[str, ...] = ("district", "market_dept", "territory")
                ) -> pd.DataFrame:
    """Demand per specification x territory x period, up to and including period ``last``.

    Args:
        facts: ``agg_client_product_week`` or ``agg_client_product_month``.
        clients, products: the dimension tables (clients already restricted to the viewer).
        last: start of the last period to read.
        scope: region / segment / product filters.
        by: the client columns a base series is keyed by (default the region hierarchy down to
            the territory; the accuracy review keys by ``manager_id``).

    Returns:
        One row per product_id x ``by`` x period_start with any fact: product_id, brand,
        price_class, ``by``, period_start, y (条 demanded), price_sum (Σ observed retail prices)
        and price_base (Σ guided retail price per observation), sparse (periods without facts
        are absent). A missing client value reads 'unknown'.
    """
    c = scope.clients(clients)
    c = c.select("client_id", **{k: c[k].fill_null(UNKNOWN) for k in by})
    p = scope.products(products)
    p = p.select("product_id", brand=p.brand.fill_null(UNKNOWN),
                 price_class=p.price_class.cast("string").fill_null(UNKNOWN), guide=p.retail_price)
    f = facts.filter(facts.period_start <= literal_date(last))
    j = f.inner_join(c, "client_id").inner_join(p, "product_id")
    qty = ibis.greatest(j.qty_demand.fill_null(0), j.qty_ordered.fill_null(0))
    keys = ["product_id", "brand", "price_class", *by]
    out = j.group_by([*keys, "period_start"]).aggregate(
        y=qty.sum().cast("float64"), price_sum=j.price_sum.sum().cast("float64"),
        price_base=(j.price_observations * j.guide).sum().cast("float64"))
    frame = out.to_pandas()
    frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
    return frame.sort_values([*keys, "period_start"], ignore_index=True)


def series_keys(keys: pd.DataFrame, level: str, region: str) -> pd.DataFrame:
    """The series of ``level`` x ``region`` each base row (or base series) belongs to.

    Args:
        keys: rows with ``BASE_KEYS`` columns.
        level, region: as ``parse_level`` returns them.

    Returns:
        A frame aligned with ``keys``: series_id ('<level_key>' or '<level_key>|<region>', the
        territory as '<market_dept>/<territory>'), level_key and the region column (if any).
    """
    key = {"product": keys.get("product_id"), "brand": keys.get("brand"),
           "price_class": keys.get("price_class")}.get(level)
    key = pd.Series("all", index=keys.index) if key is None else key.astype(str)
    out = pd.DataFrame({"series_id": key, "level_key": key}, index=keys.index)
    if region != "city":
        where = keys[REGION_KEYS[region][0]].astype(str)
        for column in REGION_KEYS[region][1:]:
            where = where + "/" + keys[column].astype(str)
        out["series_id"] = key + "|" + where
        out[region] = keys[region].astype(str)
    return out


def demand_series(facts: ir.Table, clients: ir.Table, products: ir.Table, level: str, region: str,
                  freq: str, cutoff: dt.date | None = None, scope: Scope = Scope()) -> pd.DataFrame:
    """The demand history of every series of ``level`` x ``region``.

    Args:
        facts: the aggregate of ``freq`` (``agg_client_product_week`` / ``_month``).
        clients, products: the dimension tables (clients already restricted to the viewer).
        level, region: as ``parse_level`` returns them.
        freq: 'week' or 'month'.
        cutoff: use only history dated up to this day (default: all).
        scope: region / segment / product filters.

    Returns:
        One row per series x period from the series' first period with demand to the last
        complete period: series_id, level_key, the region column (if any), period_start, y (条),
        price_index (Σ observed ÷ Σ guided retail price; NaN when no price was observed).
    """
    from analytics.forecast.reconcile import aggregate  # late: reconcile builds on this module

    last, _ = history_end(facts, freq, cutoff)
    base = from_long(base_series(facts, clients, products, last, scope), BASE_KEYS, freq, last)
    panel, _ = aggregate(base, level, region)
    return to_long(panel)


def list_series(series: pd.DataFrame, freq: str) -> pd.DataFrame:
    """One row per series for a picker: what it is and how big.

    Args:
        series: ``demand_series`` rows.
        freq: 'week' or 'month'.

    Returns:
        series_id, level_key, the region column (if any), first_period, last_period, periods,
        y_last_year (Σ demand over the last 52 weeks / 12 months) and share (of that total over
        all series), largest first.
    """
    label = [c for c in series.columns if c not in ("period_start", "y", "price_index")]
    g = series.groupby(label, sort=False)
    out = g["period_start"].agg(first_period="min", last_period="max", periods="count").reset_index()
    recent = series.groupby("series_id").tail(SEASON[freq]).groupby("series_id")["y"].sum()
    out["y_last_year"] = out["series_id"].map(recent).fillna(0.0)
    total = out["y_last_year"].sum()
    out["share"] = out["y_last_year"] / total if total > 0 else np.nan
    return out.sort_values(["y_last_year", "series_id"], ascending=[False, True], ignore_index=True)
