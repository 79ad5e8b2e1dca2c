"""The knobs of the stock warnings, in one frozen (hashable, so cache-keyable) dataclass.

The defaults follow the trade's rules of thumb (07-warnings-prices.md): overstock beyond four weeks
of cover, three for price classes 1–2 where the cash tied up per carton is largest; stale after
four weeks on the shelf without a sale; counts older than three weeks are not trusted; at region
level, 存销比 above 0.7 months for classes 1–2 (the commercial companies' release rule) and above
one month for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

STATUSES = ("out_of_stock", "shortage_risk", "overstock", "stale", "stale_data", "ok")
# Severity: 3 act now, 2 act at the next order, 1 look into it, 0 nothing to do.
SEVERITY_LEVELS = (3, 2, 1, 0)
DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True)
class Thresholds:
    """Configurable thresholds of the warning list and the region view.

    Attributes:
        rate_weeks: the weekly rate is taken over the stock-count intervals ending in the
            ``rate_weeks`` weeks up to the as-of date.
        history_weeks: stock counts of the last ``history_weeks`` weeks are read: the rate falls
            back to all of them when the recent intervals say nothing (the shelf stood empty),
            and a product sold in them counts as one the client sells.
        prior_weeks: how far before the history a count's predecessor is looked for (visits
            come every week or two, so four weeks find it even after a missed visit).
        overstock_weeks: cover beyond this many weeks is overstock ...
        overstock_weeks_by_class: ... except for these price classes, as (class, weeks) pairs.
        overstock_min_excess: ... and only when the stock beyond that cover is at least this many
            条: a shop keeps a carton or two of every specification it carries, so two cartons
            of a slow seller are months of cover but nothing to talk about.
        stale_weeks: stock on hand and no sale over count intervals spanning this many weeks
            is stale (滞销).
        stale_data_days: a latest count older than this (on the as-of date) is stale data.
        safety_days: target cover after a delivery = the order cycle + these days.
        lead_days: days from the order day to the delivery (0: the house convention of
            04-kpis.md, a delivery arrives on its order date).
        recent_order_days: an order in these days up to the as-of date means the client carries
            the product (the "Carrying" test of 04-kpis.md), even when its count shows 0.
        cap_days: the cap (qty_cap) of the latest order in these days bounds the suggestion.
        region_weeks: the region view reads these whole weeks, ending with the as-of date's
            week: a client counted in them is observed, and its sales are their average.
        months_of_sales: 存销比 above this many months of sales is a region warning ...
        months_of_sales_by_class: ... except for these price classes, as (class, months) pairs.
    """

    rate_weeks: int = 4
    history_weeks: int = 8
    prior_weeks: int = 4
    overstock_weeks: float = 4.0
    overstock_weeks_by_class: tuple[tuple[int, float], ...] = ((1, 3.0), (2, 3.0))
    overstock_min_excess: float = 2.0
    stale_weeks: int = 4
    stale_data_days: int = 21
    safety_days: int = 7
    lead_days: int = 0
    recent_order_days: int = 56
    cap_days: int = 56
    region_weeks: int = 4
    months_of_sales: float = 1.0
    months_of_sales_by_class: tuple[tuple[int, float], ...] = ((1, 0.7), (2, 0.7))

    def __post_init__(self) -> None:
        for name in ("rate_weeks", "history_weeks", "stale_weeks", "stale_data_days",
                     "recent_order_days", "cap_days", "region_weeks"):
            if getattr(self, name) < 1:
                raise ValueError(f"threshold {name} must be at least 1")
        if self.rate_weeks > self.history_weeks or self.stale_weeks > self.history_weeks:
            raise ValueError("rate_weeks and stale_weeks must not exceed history_weeks")
        if self.overstock_weeks <= 0 or self.months_of_sales <= 0:
            raise ValueError("overstock_weeks and months_of_sales must be positive")
        if self.overstock_min_excess < 0:
            raise ValueError("overstock_min_excess must not be negative")
        if self.safety_days < 0 or self.lead_days < 0 or self.prior_weeks < 0:
            raise ValueError("safety_days, lead_days and prior_weeks must not be negative")

    def overstock_weeks_for(self, price_class: int | None) -> float:
        """The overstock threshold in weeks of cover for a price class."""
        return dict(self.overstock_weeks_by_class).get(price_class, self.overstock_weeks)

    def months_of_sales_for(self, price_class: int | None) -> float:
        """The region 存销比 threshold in months of sales for a price class."""
        return dict(self.months_of_sales_by_class).get(price_class, self.months_of_sales)

    @property
    def read_days(self) -> int:
        """Days of facts read before the as-of date (history plus the predecessor search),
        at least enough for the order tests."""
        return max(7 * (self.history_weeks + self.prior_weeks), self.recent_order_days, self.cap_days)
