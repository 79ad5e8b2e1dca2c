"""Rolling-origin backtests: for each past cutoff, forecast h ahead and compare with what happened.

A window is a cutoff inside the history: the models are fitted on the periods up to it (refitted
for every window, nothing from after the cutoff leaks in) and forecast the ``h`` periods after
it, which the history already holds. Windows step back from the end ``step`` periods at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.forecast.models import combine, make, members
from analytics.forecast.panel import Panel, in_sample_scale


@dataclass
class Backtest:
    """Forecasts of every window, as arrays.

    Attributes:
        origins: history length (periods) of each window, latest first.
        h: periods forecast from each origin.
        forecasts: model name -> array (windows, series, h).
        actual: (windows, series, h); NaN where a series had not started.
        scale: (windows, series) in-sample seasonal-naive MAE at each origin (MASE's scale).
    """

    origins: list[int]
    h: int
    forecasts: dict[str, np.ndarray]
    actual: np.ndarray
    scale: np.ndarray

    @property
    def windows(self) -> int:
        return len(self.origins)

    def with_models(self, names: list[str]) -> Backtest:
        """Add combinations (means of members already present) under their names."""
        for name in names:
            if name not in self.forecasts and all(m in self.forecasts for m in members(name)):
                self.forecasts[name] = combine(name, self.forecasts)
        return self


def window_origins(n_periods: int, h: int, windows: int, step: int | None = None,
                   min_history: int = 3) -> list[int]:
    """History lengths of the windows, latest first: the last window's forecast ends with the
    history; earlier ones step back ``step`` periods (default ``h``, so targets do not overlap).
    Windows that would leave fewer than ``min_history`` periods are dropped."""
    step = step or h
    return [o for o in (n_periods - h - w * step for w in range(windows)) if o >= min_history]


def run_backtest(panel: Panel, names: list[str], h: int, windows: int, step: int | None = None,
                 progress=None) -> Backtest:
    """Fit and forecast each single model in ``names`` at every window.

    Args:
        panel: the history.
        names: single model names (see ``models.needed``).
        h: periods ahead.
        windows: number of cutoffs.
        step: periods between cutoffs (default ``h``).
        progress: optional callable(text) told what is being fitted.

    Returns:
        The backtest (models with no window give empty arrays).
    """
    origins = window_origins(panel.n_periods, h, windows, step)
    n = panel.n_series
    forecasts = {name: np.zeros((len(origins), n, h)) for name in names}
    actual = np.full((len(origins), n, h), np.nan)
    scale = np.ones((len(origins), n))
    for w, origin in enumerate(origins):
        history = panel.head(origin)
        actual[w] = panel.y[:, origin:origin + h]
        scale[w] = in_sample_scale(history.y, panel.season)
        for name in names:
            if progress:
                progress(f"backtest {w + 1}/{len(origins)} ({panel.periods[origin - 1]}): {name}")
            forecasts[name][w] = make(name).fit(history).predict(h)
    return Backtest(origins, h, forecasts, actual, scale)


def backtest_frame(bt: Backtest, panel: Panel, columns: list[str] | None = None) -> pd.DataFrame:
    """The backtest as long rows, one per model x window x series x step with an actual.

    Args:
        bt: a backtest of ``panel``'s series.
        panel: whose keys name the series.
        columns: key columns to carry (default all of ``panel.keys``).

    Returns:
        Key columns, cutoff (start of the last history period), period_start, step (1..h),
        model, forecast, actual (条), scale (the series' in-sample seasonal-naive MAE at the
        cutoff, for MASE).
    """
    columns = list(panel.keys.columns) if columns is None else columns
    parts = []
    for w, origin in enumerate(bt.origins):
        act = bt.actual[w]
        r, k = np.nonzero(~np.isnan(act))
        base = panel.keys[columns].iloc[r].reset_index(drop=True)
        base["cutoff"] = panel.periods[origin - 1]
        base["period_start"] = [panel.periods[origin + j] for j in k]
        base["step"] = k + 1
        for name, fc in bt.forecasts.items():
            part = base.copy()
            part["model"] = name
            part["forecast"] = fc[w][r, k]
            part["actual"] = act[r, k]
            part["scale"] = bt.scale[w][r]
            parts.append(part)
    if not parts:
        return pd.DataFrame(columns=[*columns, "cutoff", "period_start", "step", "model", "forecast",
                                     "actual", "scale"])
    return pd.concat(parts, ignore_index=True)
