"""Exponential smoothing (statsmodels ETS) on the calendar-adjusted series.

Each series is divided by its calendar factor (``adjust``: festivals at their lunar dates,
working days, the Gregorian season), an ETS(A,Ad,N) follows the level and a damped trend of what
is left, and the forecast is multiplied back by the factor of each future period. The season is
in the factor, not in the ETS, because an ETS seasonal component indexes by calendar month and
so cannot follow a festival that moves.

It is one statsmodels fit per series (milliseconds each), so it is the slow model: fits run in
worker processes when there are many series, and the automatic choice only tries it on runs
small enough (``models.ETS_AUTO_MAX``).
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from analytics.forecast.adjust import calendar_factors
from analytics.forecast.interface import Model, finish
from analytics.forecast.panel import Panel

MIN_POINTS = 10  # fewer points than this: the mean of the last three adjusted values
PARALLEL_FROM = 400  # series; below it worker start-up costs more than it saves


class CalendarETS(Model):
    """ETS(A,Ad,N) from statsmodels on demand ÷ calendar factor, re-multiplied by the factor."""

    name = "ets"

    def __init__(self, n_jobs: int | None = None):
        self.n_jobs = n_jobs

    def fit(self, panel: Panel) -> CalendarETS:
        self._panel = panel
        self._h = 0
        return self

    def predict(self, h: int) -> np.ndarray:
        panel = self._panel
        factors = calendar_factors(panel, h)
        t = panel.n_periods
        adjusted = panel.y / factors[:, :t]
        fc = _forecast_all(adjusted, h, self.n_jobs)
        return finish(fc * factors[:, t:])


def _forecast_all(adjusted: np.ndarray, h: int, n_jobs: int | None) -> np.ndarray:
    n = adjusted.shape[0]
    jobs = n_jobs or min(os.cpu_count() or 1, 4)
    if n < PARALLEL_FROM or jobs == 1:
        return _forecast_block(adjusted, h)
    from joblib import Parallel, delayed

    blocks = np.array_split(np.arange(n), jobs * 4)
    parts = Parallel(n_jobs=jobs)(delayed(_forecast_block)(adjusted[b], h) for b in blocks)
    return np.vstack(parts)


def _forecast_block(adjusted: np.ndarray, h: int) -> np.ndarray:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    out = np.zeros((adjusted.shape[0], h))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short series; the fit is still usable
        for i, row in enumerate(adjusted):
            y = row[~np.isnan(row)]
            if len(y) == 0:
                continue
            if len(y) < MIN_POINTS or np.all(y == y[0]):
                out[i] = y[-3:].mean()
                continue
            try:
                fit = ETSModel(y, error="add", trend="add", damped_trend=True).fit(disp=False, maxiter=200)
                out[i] = fit.forecast(h)
            except (ValueError, np.linalg.LinAlgError):
                out[i] = y[-3:].mean()
            if not np.all(np.isfinite(out[i])):
                out[i] = y[-3:].mean()
    return out
