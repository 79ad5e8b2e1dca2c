"""What a question is about: the region x client-segment x product scope and the time window.

A ``Scope`` is plain data (hashable, so caches can key on it). Applying it composes Ibis filters;
user input is never formatted into SQL text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from data.aggregates import period_of as period_column  # noqa: F401 - re-exported for analytics
from data.calendar_cn import minus_year, next_period_start, period_start

PRODUCT_LEVELS = ("product", "brand", "price_class", "all")
GRANULARITIES = ("week", "month", "quarter", "year")


@dataclass(frozen=True)
class Scope:
    """Which clients and products a figure covers. Empty tuples mean "all".

    Attributes:
        districts, market_depts, territories: region filters (a client must match every level
            that is set).
        business_formats, market_types: segment filters by canonical code.
        grade_min, grade_max: inclusive grade range; clients with unknown grade are kept only
            when the range is the full 1..30.
        product_level: 'product', 'brand', 'price_class' or 'all'.
        product_keys: the selected product ids / brands / price classes (as text) at that level.
    """

    districts: tuple[str, ...] = ()
    market_depts: tuple[str, ...] = ()
    territories: tuple[str, ...] = ()
    business_formats: tuple[str, ...] = ()
    market_types: tuple[str, ...] = ()
    grade_min: int = 1
    grade_max: int = 30
    product_level: str = "all"
    product_keys: tuple[str, ...] = ()

    def clients(self, clients: ir.Table) -> ir.Table:
        """Restrict a clients table to this scope."""
        t = clients
        for column, values in (("district", self.districts), ("market_dept", self.market_depts),
                               ("territory", self.territories),
                               ("business_format", self.business_formats),
                               ("market_type", self.market_types)):
            if values:
                t = t.filter(t[column].isin(list(values)))
        if (self.grade_min, self.grade_max) != (1, 30):
            t = t.filter(t.grade.between(self.grade_min, self.grade_max))
        return t

    def products(self, products: ir.Table) -> ir.Table:
        """Restrict a products table to this scope's product selection."""
        if self.product_level == "all" or not self.product_keys:
            return products
        if self.product_level == "product":
            return products.filter(products.product_id.isin(list(self.product_keys)))
        if self.product_level == "brand":
            return products.filter(products.brand.isin(list(self.product_keys)))
        classes = [int(k) for k in self.product_keys]
        return products.filter(products.price_class.isin(classes))


@dataclass(frozen=True)
class Window:
    """A time window snapped to whole periods of a granularity.

    Attributes:
        start: first day of the first period.
        end: last day of the last period.
        granularity: 'week', 'month', 'quarter' or 'year'.
    """

    start: dt.date
    end: dt.date
    granularity: str = "month"

    @classmethod
    def snapped(cls, start: dt.date, end: dt.date, granularity: str) -> Window:
        """The smallest window of whole ``granularity`` periods holding ``start``..``end``."""
        if granularity not in GRANULARITIES:
            raise ValueError(f"unknown granularity {granularity!r}: use {', '.join(GRANULARITIES)}")
        if end < start:
            start, end = end, start
        first = period_start(start, granularity)
        last = next_period_start(period_start(end, granularity), granularity) - dt.timedelta(days=1)
        return cls(first, last, granularity)

    def year_earlier(self) -> Window:
        """The comparison window: 52 weeks earlier for weekly windows (same weekdays), the same
        calendar periods a year earlier otherwise."""
        if self.granularity == "week":
            return Window(self.start - dt.timedelta(weeks=52), self.end - dt.timedelta(weeks=52), "week")
        return Window(minus_year(self.start), next_period_start(
            minus_year(period_start(self.end, self.granularity)), self.granularity)
            - dt.timedelta(days=1), self.granularity)


def period_before(start: dt.date, granularity: str) -> dt.date:
    """The start of the comparison period of the period starting on ``start``."""
    return start - dt.timedelta(weeks=52) if granularity == "week" else minus_year(start)


def literal_date(day: dt.date) -> ir.DateScalar:
    return ibis.literal(day, type="date")
