"""Clients whose orders look like hoarding or resale (囤货 / 倒买倒卖), for a person to look at.

Per client of one product (inputs from ``analytics.allocation.demand.estimate_demand``):

    inflated       stated demand far above sell-through: stated_weekly > ``ratio`` × weekly_rate
                   and above it by at least ``min_excess`` cartons a week
    high_cover     stock cover (stock_estimate ÷ weekly_rate, weeks) above ``ratio`` × the median
                   cover of its grade and above ``min_cover_weeks``; a client holding stock and
                   selling nothing counts as infinite cover
    order_size_outlier  mean order size (qty_demand per order line) outside its grade's mean ± ``sigmas`` σ
    value_outlier  条均值 over all products outside its grade's mean ± ``sigmas`` σ

Grades with fewer than ``min_peers`` clients borrow the whole city's mean and σ.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FLAGS = ("inflated", "high_cover", "order_size_outlier", "value_outlier")


def hoarding_flags(frame: pd.DataFrame, ratio: float = 3.0, min_excess: float = 2.0,
                   min_cover_weeks: float = 4.0, sigmas: float = 3.0, min_peers: int = 10) -> pd.DataFrame:
    """Flags per client.

    Args:
        frame: one row per client: client_id, grade, weekly_rate, stated_weekly,
            stock_estimate, order_size, value_per_carton.

    Returns:
        One row per client of ``frame``, in its order: client_id, cover_weeks, the ``FLAGS``
        columns (bool) and flags (the raised ones, comma separated; '' for none).
    """
    f = frame
    rate = f["weekly_rate"].astype(float)
    out = pd.DataFrame({"client_id": f["client_id"].to_numpy()}, index=f.index)
    out["inflated"] = (f["stated_weekly"] > ratio * rate) & (f["stated_weekly"] - rate >= min_excess)
    cover = f["stock_estimate"] / rate.where(rate > 0)
    cover = cover.where(rate > 0, np.where(f["stock_estimate"] > 0, np.inf, np.nan))
    out["cover_weeks"] = cover
    peer_cover = _peer(cover.replace(np.inf, np.nan), f["grade"], min_peers, "median")
    out["high_cover"] = (cover > ratio * peer_cover) & (cover > min_cover_weeks)
    for col, flag in (("order_size", "order_size_outlier"), ("value_per_carton", "value_outlier")):
        mean = _peer(f[col], f["grade"], min_peers, "mean")
        sd = _peer(f[col], f["grade"], min_peers, "std")
        out[flag] = ((f[col] - mean).abs() > sigmas * sd) & (sd > 0)
    out[list(FLAGS)] = out[list(FLAGS)].fillna(False).astype(bool)
    names = np.array(FLAGS)
    out["flags"] = [",".join(names[row]) for row in out[list(FLAGS)].to_numpy()]
    return out.reset_index(drop=True)


def _peer(values: pd.Series, grade: pd.Series, min_peers: int, how: str) -> pd.Series:
    """The statistic of each client's grade, or of the city where the grade is small."""
    values = values.astype(float)
    g = values.groupby(grade)
    stat = g.transform(how)
    n = g.transform("count")
    city = getattr(values, how)()
    return stat.where(n >= min_peers, city)
