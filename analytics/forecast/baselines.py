"""The baselines every accuracy claim is measured against, and the rule used today.

``Naive``         the last period's demand, repeated.
``SeasonalNaive`` the same period a year earlier (12 months or 52 weeks back).
``Rule``          前三月平均 x 季节系数: the mean of the last three months times the seasonal
                  coefficient of the target month, how 商定总量 is set today (05-forecasting.md).

The rule is implemented literally, as it is practised: the coefficient multiplies a recent
average that is itself seasonal, so it double-counts the season when the last three months were
high or low. That is the rule the model must beat, not a fixed-up version of it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from analytics.forecast.interface import Model, finish, last_values
from analytics.forecast.panel import Panel

RULE_YEARS = 3  # seasonal coefficients from at most the last three whole years of history


class Naive(Model):
    """Tomorrow is like today: the last period's demand for every period ahead."""

    name = "naive"

    def fit(self, panel: Panel) -> Naive:
        self._last = last_values(panel.y)
        return self

    def predict(self, h: int) -> np.ndarray:
        return finish(np.repeat(self._last[:, None], h, axis=1))


class SeasonalNaive(Model):
    """The same period a year earlier (52 weeks for weeks, so weekdays line up); the naive where
    the series is younger than a year."""

    name = "seasonal_naive"

    def fit(self, panel: Panel) -> SeasonalNaive:
        self._y, self._m = panel.y, panel.season
        return self

    def predict(self, h: int) -> np.ndarray:
        y, m = self._y, self._m
        n, t = y.shape
        k = np.arange(1, h + 1)
        cols = t + k - 1 - m * np.ceil(k / m).astype(int)
        out = np.full((n, h), np.nan)
        ok = cols >= 0
        out[:, ok] = y[:, cols[ok]]
        fallback = np.repeat(last_values(y)[:, None], h, axis=1)
        return finish(np.where(np.isnan(out), fallback, out))


class Rule(Model):
    """前三月平均 x 季节系数.

    Monthly: the mean of the last three months times the target month's coefficient. The
    coefficient of calendar month c is the mean demand in month c over the last whole years of
    history (at most ``RULE_YEARS``) divided by the mean monthly demand over those years; 1 when
    there is less than a year. Weekly: the mean of the last 13 weeks times the coefficient of the
    month the week starts in, computed the same way from weekly demand.
    """

    name = "rule"

    def fit(self, panel: Panel) -> Rule:
        y = panel.y
        recent = 3 if panel.freq == "month" else 13
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            self._avg = np.nan_to_num(np.nanmean(y[:, -recent:], axis=1)) if y.shape[1] else np.zeros(len(y))
        self._months = pd.to_datetime(pd.Series(panel.periods)).dt.month.to_numpy() if panel.periods else np.array([], int)
        self._coef = seasonal_coefficients(y, self._months, panel.season)
        self._future = panel.future
        return self

    def predict(self, h: int) -> np.ndarray:
        months = pd.to_datetime(pd.Series(self._future(h))).dt.month.to_numpy()
        return finish(self._avg[:, None] * self._coef[:, months - 1])


def seasonal_coefficients(y: np.ndarray, months: np.ndarray, season: int) -> np.ndarray:
    """季节系数 per series and calendar month, shape (series, 12).

    Args:
        y: (series, periods) demand, NaN before each start.
        months: calendar month (1..12) of each period.
        season: periods per year (12 or 52).

    Returns:
        Same-month mean ÷ overall mean over the last whole years a series has (at most
        ``RULE_YEARS``); 1 for series with less than a year, or for a month the window lacks.
    """
    n, t = y.shape
    coef = np.ones((n, 12))
    if t < season:
        return coef
    years = np.minimum(t // season, RULE_YEARS)
    # Series differ in how many whole years they have: group them by that count.
    seen = (~np.isnan(y)).sum(axis=1) // season
    for k in range(1, years + 1):
        rows = np.flatnonzero(np.minimum(seen, years) == k)
        if not len(rows):
            continue
        window = y[rows, t - k * season:]
        mon = months[t - k * season:]
        overall = window.mean(axis=1)
        for c in range(1, 13):
            cols = mon == c
            if cols.any():
                with np.errstate(invalid="ignore", divide="ignore"):
                    coef[rows, c - 1] = np.where(overall > 0, window[:, cols].mean(axis=1) / overall, 1.0)
    return coef
