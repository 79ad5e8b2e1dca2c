"""Synthetic series with a known answer, built from daily rates so that nothing here borrows
the code under test's own monthly features."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from analytics.forecast.features import period_starts
from analytics.forecast.panel import Panel
from data.calendar_cn import new_years_eve


def daily_spring_peak(first: dt.date, last: dt.date, surge: float = 2.0, slump: float = 0.5) -> pd.Series:
    """A daily rate of 1, times (1 + surge) in the 20 days before 除夕 and (1 − slump) in the 15
    days from 除夕 on: a Spring Festival peak that moves with the lunar calendar."""
    days = pd.date_range(first, last, freq="D")
    rate = np.ones(len(days))
    for year in range(first.year, last.year + 2):
        eve = pd.Timestamp(new_years_eve(year))
        rate[(days >= eve - pd.Timedelta(days=20)) & (days < eve)] *= 1 + surge
        rate[(days >= eve) & (days < eve + pd.Timedelta(days=15))] *= 1 - slump
    return pd.Series(rate, index=days)


def by_period(daily: pd.Series, freq: str) -> pd.Series:
    """Daily values summed per month or per Monday-to-Sunday week (period start index)."""
    if freq == "week":
        return daily.groupby(daily.index - pd.to_timedelta(daily.index.day_of_week, unit="D")).sum()
    return daily.resample("MS").sum()


def panel(values: np.ndarray, first: dt.date, freq: str, price_class: list[str] | None = None) -> Panel:
    """A panel of ``values`` (series x periods) starting at the period holding ``first``."""
    n, t = values.shape
    periods = period_starts(first, first, freq)
    while len(periods) < t:
        periods = period_starts(first, periods[-1] + dt.timedelta(days=40 if freq == "month" else 7), freq)
    periods = periods[:t]
    keys = pd.DataFrame({"series_id": [f"s{i:03d}" for i in range(n)],
                         "price_class": price_class or ["1"] * n})
    return Panel(keys, periods, freq, values.astype(float))
