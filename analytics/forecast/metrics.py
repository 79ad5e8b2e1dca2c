"""Forecast-accuracy metrics (05-forecasting.md), as plain functions and per group of a table.

With e = forecast − actual over the rows of a group:

    wape       Σ|e| ÷ Σ actual                   (NaN when Σ actual = 0)
    bias       Σe ÷ Σ actual                     (> 0: forecasts were too high)
    mape       mean |e| ÷ actual over rows whose actual is not tiny (≥ ``TINY`` of the group's
               mean actual, and > 0): a few near-zero actuals would otherwise decide it
    mase       per series, mean |e| ÷ the series' in-sample seasonal-naive MAE; then the mean
               over series (the M-competition convention)
    within_10  share of rows with |e| ≤ 10 % of the actual (an actual of 0 counts only when
               the forecast is 0 too)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TINY = 0.05  # MAPE ignores actuals below 5 % of the group's mean actual
METRICS = ["wape", "bias", "mape", "mase", "within_10"]


def wape(actual, forecast) -> float:
    a, f = np.asarray(actual, float), np.asarray(forecast, float)
    total = a.sum()
    return float(np.abs(f - a).sum() / total) if total > 0 else np.nan


def bias(actual, forecast) -> float:
    a, f = np.asarray(actual, float), np.asarray(forecast, float)
    total = a.sum()
    return float((f - a).sum() / total) if total > 0 else np.nan


def mape(actual, forecast, tiny: float = TINY) -> float:
    a, f = np.asarray(actual, float), np.asarray(forecast, float)
    if not len(a):
        return np.nan
    keep = (a > 0) & (a >= tiny * a.mean())
    return float(np.mean(np.abs(f[keep] - a[keep]) / a[keep])) if keep.any() else np.nan


def mase(actual, forecast, scale, series=None) -> float:
    """Mean over series of (mean |e| of the series ÷ its scale); one series when ``series`` is
    None. ``scale`` is per row (the row's series' in-sample seasonal-naive MAE)."""
    a, f, s = np.asarray(actual, float), np.asarray(forecast, float), np.asarray(scale, float)
    if not len(a):
        return np.nan
    ratio = np.abs(f - a) / np.where(s > 0, s, np.nan)
    if not np.isfinite(ratio).any():
        return np.nan
    if series is None:
        return float(np.nanmean(ratio))
    return float(pd.Series(ratio).groupby(np.asarray(series)).mean().mean())


def within(actual, forecast, tolerance: float = 0.10) -> float:
    a, f = np.asarray(actual, float), np.asarray(forecast, float)
    if not len(a):
        return np.nan
    return float(np.mean(np.abs(f - a) <= tolerance * np.abs(a)))


def evaluate(frame: pd.DataFrame, by: list[str], series: str = "series_id") -> pd.DataFrame:
    """The metrics per group of a backtest or review table.

    Args:
        frame: rows with actual, forecast and scale (per-row series scale; NaN leaves MASE
            empty), ``series`` and the ``by`` columns.
        by: group columns (e.g. ['model'], ['model', 'level_key'], ['stage', 'manager_id']).
        series: the column naming a row's series (for MASE's mean over series).

    Returns:
        One row per group: ``by``, rows, series, actual (Σ), forecast (Σ), then ``METRICS``.
    """
    out = []
    for key, g in frame.groupby(by, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        a, f = g["actual"].to_numpy(float), g["forecast"].to_numpy(float)
        scale = g["scale"].to_numpy(float) if "scale" in g else np.full(len(g), np.nan)
        out.append((*key, len(g), g[series].nunique() if series in g else np.nan, a.sum(), f.sum(),
                    wape(a, f), bias(a, f), mape(a, f),
                    mase(a, f, scale, g[series].to_numpy() if series in g else None), within(a, f)))
    return pd.DataFrame(out, columns=[*by, "rows", "series", "actual", "forecast", *METRICS])
