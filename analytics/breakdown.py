"""What a figure is broken down by: the client dimensions and the product level.

``client_dims`` gives every client its breakdown values (a missing value reads 'unknown', grades
fall into bands of five); ``level_keys`` maps each product to the key of the chosen level. Both
are Ibis expressions, shared by the KPIs and the prices.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from data.aggregates import group_key
from data.schema import UNKNOWN

DIMENSIONS = ("district", "market_dept", "territory", "business_format", "grade_band", "market_type")
LEVELS = ("product", "brand", "price_class", "all")
# What a table may also be broken down by inside the product: one row per client (drill lists).
BREAKDOWNS = (*DIMENSIONS, "client_id")


def check_breakdown(by: list[str], level: str) -> None:
    """Refuse unknown or repeated dimensions and unknown levels (ValueError, one line)."""
    unknown = [d for d in by if d not in BREAKDOWNS]
    if unknown:
        raise ValueError(f"unknown dimension(s) {', '.join(unknown)}: use {', '.join(DIMENSIONS)}")
    if len(set(by)) != len(by):
        raise ValueError("a dimension is listed twice")
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}: use {', '.join(LEVELS)}")


def client_dims(clients: ir.Table) -> ir.Table:
    """Clients with every dimension filled ('unknown' for a missing value) and the grade band
    (the bands of ``data.schema.grade_band``, as an expression)."""
    lo = ((clients.grade - 1) // 5) * 5 + 1
    band = ibis.ifelse(clients.grade.isnull(), UNKNOWN,
                       lo.cast("int64").cast("string").concat("-", (lo + 4).cast("int64").cast("string")))
    dims = {d: clients[d].fill_null(UNKNOWN) for d in DIMENSIONS if d != "grade_band"}
    return clients.select("client_id", "opened_on", "closed_on", grade_band=band, **dims)


def level_keys(products: ir.Table, level: str) -> ir.Table:
    """product_id -> level_key (text) and level_name."""
    if level == "product":
        return products.select("product_id", level_key=products.product_id,
                               level_name=products.name.fill_null(products.product_id))
    # the keys the refresh sums client x group rows by (data.aggregates), so both paths agree
    key = group_key(products, level)
    return products.select("product_id", level_key=key, level_name=key)
