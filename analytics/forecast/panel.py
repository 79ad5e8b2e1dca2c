"""Series as a series x period matrix: the form every model, backtest and sum works on.

A long frame (one row per series x period) is what the warehouse gives and the tables show; a
matrix is what makes 10,000 series cheap: a seasonal naive is one slice, a bottom-up sum one
sparse product. ``Panel`` holds the matrix with its row keys and period starts.

A series starts at its first period with demand: cells before that are NaN (not yet sold, so
not "zero demand"), cells after it without facts are 0.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from analytics.forecast.features import SEASON, check_freq, period_starts, shift_periods


@dataclass
class Panel:
    """Demand series on a common period grid.

    Attributes:
        keys: one row per series (its identifying columns; ``series_id`` among them for level
            series), aligned with the rows of ``y``.
        periods: period starts of the columns, consecutive, of ``freq``.
        freq: 'week' or 'month'.
        y: demand in 条, shape (series, periods); NaN before a series' first period with demand.
        price_sum, price_base: Σ observed and Σ guided retail prices per cell (0 when no price
            was observed), for the price index; same shape as ``y``.
    """

    keys: pd.DataFrame
    periods: list[dt.date]
    freq: str
    y: np.ndarray
    price_sum: np.ndarray | None = None
    price_base: np.ndarray | None = None
    extra: dict = field(default_factory=dict)

    @property
    def season(self) -> int:
        """Periods per year: 12 months or 52 weeks."""
        return SEASON[self.freq]

    @property
    def n_series(self) -> int:
        return self.y.shape[0]

    @property
    def n_periods(self) -> int:
        return self.y.shape[1]

    def price_index(self) -> np.ndarray:
        """Observed ÷ guided retail price per cell; NaN where no price was observed."""
        if self.price_sum is None or self.price_base is None:
            return np.full(self.y.shape, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.price_base > 0, self.price_sum / np.where(self.price_base > 0, self.price_base, 1), np.nan)

    def head(self, n: int) -> Panel:
        """The first ``n`` periods (the history as it stood at an earlier cutoff)."""
        cut = lambda a: None if a is None else a[:, :n]  # noqa: E731
        return replace(self, periods=self.periods[:n], y=self.y[:, :n], price_sum=cut(self.price_sum),
                       price_base=cut(self.price_base))

    def take(self, rows: np.ndarray) -> Panel:
        """The series at positions ``rows``."""
        pick = lambda a: None if a is None else a[rows]  # noqa: E731
        return replace(self, keys=self.keys.iloc[rows].reset_index(drop=True), y=self.y[rows],
                       price_sum=pick(self.price_sum), price_base=pick(self.price_base))

    def future(self, h: int) -> list[dt.date]:
        """Starts of the ``h`` periods after the last one."""
        return [shift_periods(self.periods[-1], k, self.freq) for k in range(1, h + 1)]

    def starts(self) -> np.ndarray:
        """Column of each series' first period with demand (``n_periods`` for a series with none)."""
        seen = ~np.isnan(self.y)
        return np.where(seen.any(axis=1), seen.argmax(axis=1), self.n_periods)


def from_long(frame: pd.DataFrame, keys: list[str], freq: str, last: dt.date,
              first: dt.date | None = None) -> Panel:
    """Build a panel from sparse long rows.

    Args:
        frame: one row per series x period with facts: ``keys``, period_start, y, and optionally
            price_sum and price_base.
        keys: the columns that identify a series.
        freq: 'week' or 'month'.
        last: start of the last period of the grid.
        first: start of the first period (default: the earliest in ``frame``).

    Returns:
        The panel; series without any demand up to ``last`` are dropped.
    """
    check_freq(freq)
    frame = frame[frame["period_start"] <= last]
    if first is None:
        first = min(frame["period_start"]) if len(frame) else last
    periods = period_starts(first, last, freq)
    col = {p: i for i, p in enumerate(periods)}
    series = frame[keys].drop_duplicates().sort_values(keys, ignore_index=True)
    row = pd.MultiIndex.from_frame(series).get_indexer(pd.MultiIndex.from_frame(frame[keys]))
    c = frame["period_start"].map(col).to_numpy()
    ok = ~pd.isna(c)
    r, c = row[ok], c[ok].astype(np.int64)
    shape = (len(series), len(periods))

    def matrix(column: str) -> np.ndarray | None:
        if column not in frame.columns:
            return None
        out = np.zeros(shape)
        np.add.at(out, (r, c), frame[column].to_numpy(dtype=float)[ok])
        return out

    y = matrix("y")
    y = _blank_before_start(y)
    keep = ~np.isnan(y).all(axis=1)
    panel = Panel(series, periods, freq, y, matrix("price_sum"), matrix("price_base"))
    return panel.take(np.flatnonzero(keep)) if not keep.all() else panel


def _blank_before_start(y: np.ndarray) -> np.ndarray:
    positive = y > 0
    start = np.where(positive.any(axis=1), positive.argmax(axis=1), y.shape[1])
    y = y.astype(float, copy=True)
    y[np.arange(y.shape[1])[None, :] < start[:, None]] = np.nan
    return y


def to_long(panel: Panel, columns: list[str] | None = None) -> pd.DataFrame:
    """The panel as long rows: the key ``columns`` (default all), period_start, y, price_index;
    cells before a series' start are left out."""
    columns = list(panel.keys.columns) if columns is None else columns
    n, t = panel.y.shape
    r, c = np.nonzero(~np.isnan(panel.y))
    out = panel.keys[columns].iloc[r].reset_index(drop=True)
    out["period_start"] = np.array(panel.periods, dtype=object)[c]
    out["y"] = panel.y[r, c]
    out["price_index"] = panel.price_index()[r, c]
    return out


def in_sample_scale(y: np.ndarray, season: int) -> np.ndarray:
    """Per series, the mean absolute error of the seasonal naive in the history (MASE's
    denominator), falling back to the naive's when the history is shorter than a season and a
    period, and to 10 % of the mean level for a flat series. Always > 0.

    Args:
        y: (series, periods), NaN before each start.
        season: periods per year.
    """
    def mae(lag: int) -> np.ndarray:
        if y.shape[1] <= lag:
            return np.full(y.shape[0], np.nan)
        d = np.abs(y[:, lag:] - y[:, :-lag])
        with np.errstate(invalid="ignore"):
            return np.nanmean(np.where(np.isnan(d), np.nan, d), axis=1) if d.size else np.full(y.shape[0], np.nan)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        scale = mae(season)
        scale = np.where(np.isfinite(scale) & (scale > 0), scale, mae(1))
        level = np.nanmean(y, axis=1) if y.shape[1] else np.zeros(y.shape[0])
    fallback = np.maximum(0.1 * np.nan_to_num(level), 1e-6)
    return np.where(np.isfinite(scale) & (scale > 0), scale, fallback)
