"""Calendar features per week or month, from the lunar and official holiday calendar.

A monthly seasonal index by calendar month smears the Spring Festival over January and February
and gets both wrong in the years it moves, so the models see the festival itself: the share of a
period's days that fall in each phase around 除夕, the same for 中秋, 国庆 and 五一, and the
official working days (orders are not delivered on public holidays). Everything comes from
``data.calendar_cn``; nothing here re-derives a lunar date.

Spring Festival phases, in days from 除夕 (d = date − 除夕):

    sf_far      −35 … −15   early run-up (gift buying starts)
    sf_near     −14 … −1    last two weeks before the eve, the peak
    sf_holiday    0 … 6     除夕 and the first six days of the year
    sf_after      7 … 35    the slump after the festival

A feature is the share of the period's days inside the phase (0 … 1), so a month that holds half
the run-up reads 0.5 whatever its length.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np
import pandas as pd

from data.calendar_cn import (add_months, calendar_frame, mid_autumn, new_years_eve,
                              next_period_start, period_start, spring_festival)

FREQS = ("week", "month")
SEASON = {"week": 52, "month": 12}
SF_PHASES = {"sf_far": (-35, -15), "sf_near": (-14, -1), "sf_holiday": (0, 6), "sf_after": (7, 35)}
MID_AUTUMN_DAYS = (-14, 0)  # gifts are bought in the fortnight up to 中秋
FESTIVAL_FEATURES = [*SF_PHASES, "mid_autumn", "national_day", "labour_day"]
FEATURES = ["days", "workday_share", *FESTIVAL_FEATURES, "days_to_sf", "month", "week_of_year",
            "doy_sin1", "doy_cos1", "doy_sin2", "doy_cos2", "doy_sin3", "doy_cos3"]


def check_freq(freq: str) -> None:
    """Refuse a frequency other than 'week' or 'month' (ValueError, one line)."""
    if freq not in FREQS:
        raise ValueError(f"unknown frequency {freq!r}: use {', '.join(FREQS)}")


def period_starts(first: dt.date, last: dt.date, freq: str) -> list[dt.date]:
    """Starts of every period from the one holding ``first`` to the one holding ``last``."""
    check_freq(freq)
    out, day = [], period_start(first, freq)
    while day <= last:
        out.append(day)
        day = next_period_start(day, freq)
    return out


def shift_periods(start: dt.date, n: int, freq: str) -> dt.date:
    """The start of the period ``n`` periods after (negative: before) the one starting at ``start``."""
    if freq == "week":
        return start + dt.timedelta(weeks=n)
    return add_months(start, n)


def period_features(first: dt.date, last: dt.date, freq: str) -> pd.DataFrame:
    """Calendar features of every period from the one holding ``first`` to the one holding ``last``.

    Args:
        first, last: any days; whole periods around them are returned.
        freq: 'week' (Monday to Sunday) or 'month'.

    Returns:
        One row per period: period_start, then ``FEATURES``:
        days (in the period), workday_share (official working days ÷ days), the Spring Festival
        phases and mid_autumn / national_day (1–7 Oct) / labour_day (1–5 May) as shares of the
        period's days, days_to_sf (signed days from the nearest Spring Festival to the period's
        first day), month and week_of_year (ISO) of the first day, and Fourier terms of the day
        of year of the period's midpoint (doy_sin1 … doy_cos3) for the Gregorian season.
    """
    check_freq(freq)
    return _period_features(period_start(first, freq), period_start(last, freq), freq).copy()


@lru_cache(maxsize=32)
def _period_features(first: dt.date, last: dt.date, freq: str) -> pd.DataFrame:
    end = next_period_start(last, freq) - dt.timedelta(days=1)
    days = _day_features(first, end)
    key = "week_start" if freq == "week" else "month_start"
    grouped = days.groupby(key, sort=True)
    out = grouped[["is_day", "is_workday", *FESTIVAL_FEATURES]].sum()
    out = out.rename(columns={"is_day": "days", "is_workday": "workdays"})
    for column in ["workdays", *FESTIVAL_FEATURES]:
        out[column] = out[column] / out["days"]
    out = out.rename(columns={"workdays": "workday_share"})
    out.index.name = "period_start"
    out = out.reset_index()
    starts = pd.to_datetime(out["period_start"])
    out["days_to_sf"] = [_signed_days(d, spring_festival) for d in out["period_start"]]
    out["month"] = starts.dt.month
    out["week_of_year"] = starts.dt.isocalendar().week.astype("int64").to_numpy()
    middle = starts + pd.to_timedelta((out["days"] - 1) / 2, unit="D")
    angle = 2 * np.pi * (middle.dt.day_of_year.to_numpy() - 1) / 365.25
    for k in (1, 2, 3):
        out[f"doy_sin{k}"] = np.sin(k * angle)
        out[f"doy_cos{k}"] = np.cos(k * angle)
    out["days"] = out["days"].astype("int64")
    return out[["period_start", *FEATURES]]


def _day_features(first: dt.date, last: dt.date) -> pd.DataFrame:
    cal = calendar_frame(first, last)
    dates = pd.to_datetime(cal["date"])
    to_eve = np.array([_signed_days(d, new_years_eve) for d in cal["date"]])
    cal["is_day"] = 1
    cal["is_workday"] = cal["is_workday"].astype(int)
    for name, (lo, hi) in SF_PHASES.items():
        cal[name] = ((to_eve >= lo) & (to_eve <= hi)).astype(int)
    to_mid = cal["days_to_mid_autumn"].to_numpy()
    cal["mid_autumn"] = ((to_mid >= MID_AUTUMN_DAYS[0]) & (to_mid <= MID_AUTUMN_DAYS[1])).astype(int)
    cal["national_day"] = ((dates.dt.month == 10) & (dates.dt.day <= 7)).astype(int).to_numpy()
    cal["labour_day"] = ((dates.dt.month == 5) & (dates.dt.day <= 5)).astype(int).to_numpy()
    return cal


def _signed_days(day: dt.date, anchor) -> int:
    """Days from the nearest yearly ``anchor`` date to ``day``: negative before, positive after."""
    return min(((day - anchor(y)).days for y in (day.year - 1, day.year, day.year + 1)), key=abs)


def lunar_lag(periods: list[dt.date], freq: str) -> np.ndarray:
    """For each period, the index (into ``periods``) of the same period one year earlier, aligned
    on the Spring Festival within ten weeks of it and on the Gregorian calendar elsewhere.

    Near the festival "the same week last year" is the week at the same distance from last year's
    除夕, not the week with the same date; a seasonal naive that looks 52 weeks back puts the peak
    in the wrong weeks whenever the festival moves. May Day and National Day keep their Gregorian
    dates, so away from the festival the plain one-year lag is right. Months use the same rule on
    the month's middle day. -1 where the aligned period is before the first one.

    Args:
        periods: consecutive period starts of ``freq``.
        freq: 'week' or 'month'.

    Returns:
        An int array as long as ``periods``.
    """
    check_freq(freq)
    index = {p: i for i, p in enumerate(periods)}
    out = np.full(len(periods), -1, dtype=np.int64)
    m = SEASON[freq]
    for i, start in enumerate(periods):
        middle = start + dt.timedelta(days=3 if freq == "week" else 14)
        sf = _nearest(middle, spring_festival)
        if abs((middle - sf).days) <= 70:
            earlier = spring_festival(sf.year - 1)
            j = index.get(period_start(middle - (sf - earlier), freq))
            out[i] = -1 if j is None else j
        else:
            out[i] = i - m if i >= m else -1
    return out


def _nearest(day: dt.date, anchor) -> dt.date:
    return min((anchor(y) for y in (day.year - 1, day.year, day.year + 1)), key=lambda a: abs((day - a).days))


def festival_markers(first: dt.date, last: dt.date) -> pd.DataFrame:
    """Festival dates to mark on a chart between ``first`` and ``last`` inclusive.

    Returns:
        One row per festival day: date, festival ('new_years_eve', 'spring_festival',
        'labour_day', 'mid_autumn', 'national_day'), sorted by date.
    """
    rows = []
    for year in range(first.year, last.year + 1):
        for name, day in (("new_years_eve", new_years_eve(year)), ("spring_festival", spring_festival(year)),
                          ("labour_day", dt.date(year, 5, 1)), ("mid_autumn", mid_autumn(year)),
                          ("national_day", dt.date(year, 10, 1))):
            if first <= day <= last:
                rows.append((day, name))
    return pd.DataFrame(rows, columns=["date", "festival"]).sort_values("date", ignore_index=True)
