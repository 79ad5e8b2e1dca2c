"""Consumer demand over time: festivals, weekdays, trends, launches.

Everything is a multiplicative factor per product and day, ``fac[p, t]``, with mean about 1 over
an ordinary year, so a pair's base rate times the factor is its expected daily consumer demand.
Festival timing comes from the lunar calendar (``data.calendar_cn``), so the Spring Festival surge
moves between January and February with the real dates.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from data.calendar_cn import calendar_frame

# Per price class 1..5: how strongly each season moves demand. Gift brands (class 1–2) swing most.
SF_SURGE = np.array([1.30, 1.00, 0.65, 0.50, 0.40])  # weeks before 除夕
SF_DROP = np.array([0.60, 0.60, 0.55, 0.50, 0.45])  # weeks after 春节
MAY_DAY = np.array([0.15, 0.12, 0.10, 0.08, 0.06])  # weddings around 五一
MID_AUTUMN = np.array([0.45, 0.35, 0.18, 0.10, 0.08])  # 中秋 gifts
NATIONAL_DAY = np.array([0.20, 0.15, 0.10, 0.08, 0.05])  # 国庆 golden week
SUMMER_LULL = np.array([-0.18, -0.12, -0.03, 0.0, 0.0])  # few gifts in the heat
WEEKDAY = np.array([0.92, 0.95, 0.97, 1.0, 1.06, 1.10, 1.0])


def _bump(x: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((x - centre) / width) ** 2)


def calendar(start: dt.date, n_days: int) -> pd.DataFrame:
    """The calendar frame of ``n_days`` days from ``start`` plus a ``day`` index column."""
    cal = calendar_frame(start, start + dt.timedelta(days=n_days - 1))
    cal["day"] = np.arange(n_days)
    return cal


def season_by_class(cal: pd.DataFrame) -> np.ndarray:
    """Seasonal factor per price class and day, shape (5, days)."""
    dts = cal["days_to_spring_festival"].to_numpy()
    before_eve = -dts - 1  # 0 on 除夕, positive in the run-up
    after_eve = dts + 1  # 1 on 春节 itself
    surge = np.where((before_eve >= 0) & (before_eve <= 50), _bump(before_eve, 12, 9), 0.0)
    drop = np.where((after_eve >= 1) & (after_eve <= 35), np.exp(-(after_eve - 1) / 12.0), 0.0)

    dates = pd.to_datetime(cal["date"])
    years = dates.dt.year.to_numpy()
    doy = dates.dt.day_of_year.to_numpy()
    may = _bump(doy - pd.to_datetime([f"{y}-04-28" for y in years]).day_of_year.to_numpy(), 0, 6)
    nat = _bump(doy - pd.to_datetime([f"{y}-09-29" for y in years]).day_of_year.to_numpy(), 0, 4)
    mid = _bump(cal["days_to_mid_autumn"].to_numpy(), -5, 6)
    summer = _bump(doy, 206, 25)

    f = (1.0 + SF_SURGE[:, None] * surge - SF_DROP[:, None] * drop + MAY_DAY[:, None] * may
         + MID_AUTUMN[:, None] * mid + NATIONAL_DAY[:, None] * nat
         + SUMMER_LULL[:, None] * summer)
    return np.maximum(f, 0.2)


def demand_factors(products: pd.DataFrame, cal: pd.DataFrame) -> np.ndarray:
    """Expected-demand factor per product and day, shape (products, days), float64.

    Combines the class season, the weekday, the product's yearly trend, and availability: zero
    before a launch, then a ramp over eight weeks while consumers discover the new spec.
    """
    days = cal["day"].to_numpy()
    season = season_by_class(cal)[products["price_class"].to_numpy() - 1]
    weekday = WEEKDAY[cal["weekday"].to_numpy()] / WEEKDAY.mean()
    years = days / 365.25
    trend = (1.0 + products["_growth"].to_numpy())[:, None] ** years[None, :]
    launch = products["_launch_day"].to_numpy()[:, None]
    ramp = np.where(days[None, :] < launch, 0.0,
                    np.where(launch < 0, 1.0,
                             0.35 + 0.65 * np.clip((days[None, :] - launch) / 56.0, 0, 1)))
    return season * weekday[None, :] * trend * ramp
