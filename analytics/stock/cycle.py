"""The next order day of each client, from its order cycle (订货周期) or, failing that, its orders.

The importer stores recognised cycles as ``<k>W-<DAY>`` (every k weeks on DAY, e.g. ``1W-MON``,
``2W-THU``) and keeps anything else as the text it found. So:

1. a ``<k>W-<DAY>`` cycle gives the first DAY after the as-of date; for k > 1 the weeks are
   counted from the client's latest order (which fixes which of the weeks is the order week);
2. otherwise the cycle is inferred from the orders read: the latest order day plus whole steps
   of the typical gap between order days (rounded to whole weeks);
3. a client with neither is assumed to order weekly, seven days after the as-of date.

Holidays are ignored: the list is read a few days ahead, and a moved order day changes little.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import pandas as pd

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_CANONICAL = re.compile(r"^\s*([1-9])\s*W\s*-\s*(MON|TUE|WED|THU|FRI|SAT|SUN)\w*\s*$", re.IGNORECASE)
CYCLE_SOURCES = ("cycle", "orders", "assumed")


def parse_cycle(text: object) -> tuple[int, int] | None:
    """(weeks, weekday 0 = Monday) of a ``<k>W-<DAY>`` cycle, or None for anything else."""
    if not isinstance(text, str):
        return None
    m = _CANONICAL.match(text)
    return (int(m[1]), WEEKDAYS.index(m[2].upper())) if m else None


def next_order_day(cycle: object, as_of: dt.date, last_order: dt.date | None = None,
                   first_order: dt.date | None = None,
                   order_days: int | None = None) -> tuple[dt.date, int, str]:
    """The first order day after ``as_of``.

    Args:
        cycle: the client's order_cycle (any text; None or NaN when empty).
        as_of: the day the list is made for (its orders count as placed).
        last_order, first_order: the client's latest and earliest order day in the facts read.
        order_days: the number of distinct order days between them.

    Returns:
        (next order day, cycle length in days, source: 'cycle', 'orders' or 'assumed').
    """
    parsed = parse_cycle(cycle)
    if parsed is not None:
        weeks, weekday = parsed
        day = as_of + dt.timedelta(days=(weekday - as_of.weekday() - 1) % 7 + 1)
        if weeks > 1 and last_order is not None:
            apart = (_monday(day) - _monday(last_order)).days // 7
            day += dt.timedelta(weeks=(-apart) % weeks)
        return day, 7 * weeks, "cycle"
    if last_order is not None:
        gap = 7
        if first_order is not None and order_days and order_days > 1:
            typical = (last_order - first_order).days / (order_days - 1)
            gap = 7 * max(1, round(typical / 7))
        steps = max(1, math.ceil(((as_of - last_order).days + 1) / gap))
        return last_order + dt.timedelta(days=gap * steps), gap, "orders"
    return as_of + dt.timedelta(days=7), 7, "assumed"


def next_order_days(clients: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """``next_order_day`` for each client of a frame.

    Args:
        clients: one row per client: client_id, order_cycle, last_client_order,
            first_client_order, client_order_days (dates may be NaT, counts NaN).
        as_of: the as-of date.

    Returns:
        client_id, next_order_date, cycle_days, cycle_source.
    """
    rows = []
    for r in clients.itertuples(index=False):  # a few thousand clients at most per city
        got = next_order_day(r.order_cycle, as_of, _day(r.last_client_order),
                             _day(r.first_client_order),
                             None if pd.isna(r.client_order_days) else int(r.client_order_days))
        rows.append((r.client_id, *got))
    return pd.DataFrame(rows, columns=["client_id", "next_order_date", "cycle_days", "cycle_source"])


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _day(value) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()
