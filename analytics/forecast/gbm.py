"""One gradient-boosting model across all series (scikit-learn HistGradientBoostingRegressor).

Why global: three years hold three Spring Festivals per series, too few to learn the festival
from one series, but thousands of series share it. One model fitted on every series at once also
costs one fit instead of thousands, which is what makes 10,000 series take seconds.

The set-up (a "direct" strategy, one model for every horizon):

* Each training row is a series s, an origin o (the last period the forecaster knows) and a
  horizon k. The target is demand in period t = o + k divided by a baseline: the series' mean
  demand over the year up to o, moved by the price class's calendar profile (``adjust``) from
  that year's average to period t. The model learns what the calendar profile gets wrong, not
  the festival itself, so a festival larger or later than any in the training rows (a tree
  cannot extrapolate) is still carried by the profile.
* Features known at o: the horizon; recent demand (the last four periods, 3-period mean);
  last year's demand around t, on the Gregorian calendar (t − 12 months / 52 weeks, and its
  neighbours) and lunar-aligned (``features.lunar_lag``: the period at the same distance from
  last year's Spring Festival); last year's demand at t relative to last year's level at o;
  the profile's change from the recent periods and from last year to t, and those values moved
  by it; an exponentially smoothed calendar-adjusted level times the profile at t (what a local
  smoother would say); the calendar of t and of t a year earlier (festival phase shares,
  working days, days, month, days to the Spring Festival); the retail price index (observed ÷
  guided) over the last three periods where prices were observed; the price class; the scale
  and the share of zero periods.
* The loss is squared error; training rows are sampled (``max_rows``) with probability
  proportional to the series' scale, which weights each series by its volume as WAPE does and
  keeps weekly runs over many series fast.
"""

from __future__ import annotations

import warnings

import numpy as np

from analytics.forecast.adjust import log_profiles
from analytics.forecast.features import lunar_lag, period_features, period_starts, shift_periods
from analytics.forecast.interface import Model, finish
from analytics.forecast.panel import Panel

SMOOTHING = (0.2, 0.5)
WEIGHT_BELOW = 20_000  # training rows; above it rows are drawn by volume instead of weighted
CAL_T = ["sf_far", "sf_near", "sf_holiday", "sf_after", "mid_autumn", "national_day", "labour_day",
         "workday_share", "days", "month", "week_of_year", "days_to_sf"]
CAL_LAG = ["sf_far", "sf_near", "sf_holiday", "sf_after", "mid_autumn", "workday_share", "days"]


class GlobalGBM(Model):
    """A HistGradientBoostingRegressor over all series, with lag, calendar and price features.

    Args:
        max_rows: training rows to sample at most.
        max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization: passed
            to scikit-learn.
        seed: for the row sample and the booster.
    """

    name = "gbm"

    def __init__(self, max_rows: int = 100_000, max_iter: int = 150, learning_rate: float = 0.1,
                 max_leaf_nodes: int = 15, min_samples_leaf: int = 40, l2_regularization: float = 1.0,
                 seed: int = 0):
        self.max_rows = max_rows
        self.params = dict(max_iter=max_iter, learning_rate=learning_rate, max_leaf_nodes=max_leaf_nodes,
                           min_samples_leaf=min_samples_leaf, l2_regularization=l2_regularization)
        self.seed = seed

    def fit(self, panel: Panel) -> GlobalGBM:
        self._panel = panel
        self._booster = None
        self._trained_h = 0
        return self

    def predict(self, h: int) -> np.ndarray:
        panel = self._panel
        n, t = panel.y.shape
        if n == 0 or t == 0:
            return np.zeros((n, h))
        feats = _Features(panel, h)
        if self._trained_h < h:
            self._train(feats, h)
        s = np.repeat(np.arange(n), h)
        k = np.tile(np.arange(1, h + 1), n)
        o = np.full(len(s), t - 1)
        x, scale = feats.rows(s, o, k)
        z = self._booster.predict(x[:, self._columns]) if self._booster is not None else np.zeros(len(s))
        out = (z * scale).reshape(n, h)
        return finish(np.where(scale.reshape(n, h) > 0, out, 0.0))

    def _train(self, feats: _Features, h: int) -> None:
        from sklearn.ensemble import HistGradientBoostingRegressor

        s, o, k, weight = feats.training_rows(h, self.max_rows, np.random.default_rng(self.seed))
        if len(s) < 50:  # too little history to learn from: forecast the scale (a yearly mean)
            self._booster = _Constant(1.0)
            self._columns = np.arange(0)
            self._trained_h = h
            return
        x, scale = feats.rows(s, o, k)
        z = feats.target(s, o + k) / scale
        # constant or empty columns carry nothing (and trip scikit-learn's binning)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column has no spread
            self._columns = np.flatnonzero(np.nan_to_num(np.nanstd(x, axis=0)) > 0)
        x = x[:, self._columns]
        booster = HistGradientBoostingRegressor(loss="squared_error", early_stopping=False,
                                                random_state=self.seed, **self.params)
        booster.fit(x, z, sample_weight=weight)
        self._booster = booster
        self._trained_h = h


def _smoothed(y: np.ndarray, alpha: float) -> np.ndarray:
    """Exponential smoothing along each row (NaN before a start), the level after each column."""
    out = np.full(y.shape, np.nan)
    level = np.full(y.shape[0], np.nan)
    for c in range(y.shape[1]):
        v = y[:, c]
        level = np.where(np.isnan(level), v, np.where(np.isnan(v), level, alpha * v + (1 - alpha) * level))
        out[:, c] = level
    return out


class _Constant:
    def __init__(self, value: float):
        self.value = value

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.full(len(x), self.value)


class _Features:
    """Feature rows for (series, origin, horizon) triples of one panel, vectorised.

    Columns are indexed on an extended grid: ``pad`` periods before the history (so lags of
    early origins read NaN instead of wrapping), the history, and ``h`` periods after it.
    """

    def __init__(self, panel: Panel, h: int):
        self.panel = panel
        n, t = panel.y.shape
        m = panel.season
        self.m, self.t, self.h = m, t, h
        self.pad = pad = 2 * m + 4
        first = shift_periods(panel.periods[0], -pad, panel.freq)
        last = shift_periods(panel.periods[-1], h, panel.freq)
        grid = period_starts(first, last, panel.freq)
        cal = period_features(first, last, panel.freq)
        self.cal_t = cal[CAL_T].to_numpy(dtype=float)
        self.cal_lag = cal[CAL_LAG].to_numpy(dtype=float)
        self.lunar = lunar_lag(grid, panel.freq)  # index into the extended grid, -1 if none
        # The price class's pooled calendar profile (``adjust``), fitted on the whole history:
        # a dozen coefficients per class estimated from every series of it, so it knows the
        # festival's size without fitting any one series' noise. (Re-estimating it at every
        # training origin was tried: early origins hold less than a year and a half of history,
        # their profiles are noise, and the model learnt to ignore the calendar.)
        self.logf = log_profiles(panel, grid, shrink=np.inf)
        self.clogf = np.concatenate([np.zeros((n, 1)), np.cumsum(self.logf, axis=1)], axis=1)
        # exponentially smoothed calendar-adjusted demand (a fixed-weight ETS(A,N,N) level),
        # known at each column: what a local smoother would forecast, for the model to weigh
        adjusted = np.concatenate([np.full((n, pad), np.nan), panel.y], axis=1) / np.exp(self.logf[:, :pad + t])
        self.smooth = [_smoothed(adjusted, a) for a in SMOOTHING]
        y = np.full((n, pad + t), np.nan)
        y[:, pad:] = panel.y
        self.y = y
        filled = np.nan_to_num(y)
        self.csum = np.concatenate([np.zeros((n, 1)), np.cumsum(filled, axis=1)], axis=1)
        self.ccnt = np.concatenate([np.zeros((n, 1)), np.cumsum(~np.isnan(y), axis=1)], axis=1)
        self.czero = np.concatenate([np.zeros((n, 1)), np.cumsum(y == 0, axis=1)], axis=1)
        price = np.full((n, pad + t), np.nan)
        price[:, pad:] = panel.price_index()
        self.psum = np.concatenate([np.zeros((n, 1)), np.cumsum(np.nan_to_num(price), axis=1)], axis=1)
        self.pcnt = np.concatenate([np.zeros((n, 1)), np.cumsum(~np.isnan(price), axis=1)], axis=1)
        classes = panel.keys["price_class"] if "price_class" in panel.keys else None
        self.price_class = (np.full(n, np.nan) if classes is None
                            else np.array([float(c) if str(c).isdigit() else np.nan for c in classes]))
        self.start = panel.starts() + pad

    # -- helpers on extended columns ------------------------------------------------------
    def _at(self, s: np.ndarray, col: np.ndarray, known: np.ndarray) -> np.ndarray:
        """y[s, col] where col is a known past column (≤ origin) inside the grid, else NaN."""
        ok = known & (col >= 0) & (col < self.y.shape[1])
        out = np.full(len(s), np.nan)
        out[ok] = self.y[s[ok], col[ok]]
        return out

    def _mean(self, s: np.ndarray, lo: np.ndarray, hi: np.ndarray, min_count: int = 1) -> np.ndarray:
        """Mean of the observed y[s, lo..hi] (inclusive); NaN when fewer than ``min_count``."""
        lo = np.clip(lo, 0, self.y.shape[1])
        hi = np.clip(hi + 1, 0, self.y.shape[1])
        total = self.csum[s, hi] - self.csum[s, lo]
        count = self.ccnt[s, hi] - self.ccnt[s, lo]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count >= min_count, total / np.maximum(count, 1), np.nan)

    def training_rows(self, h: int, max_rows: int, rng: np.random.Generator):
        """(series, origin, horizon) triples with a known target, sampled to ``max_rows``, and
        their weights (None when the sample already weights by volume)."""
        n = self.y.shape[0]
        pad, t = self.pad, self.t
        cols = np.arange(pad, pad + t)
        per_k = []
        for k in range(1, h + 1):
            origins = cols[:t - k] if t > k else cols[:0]
            if not len(origins):
                continue
            # at least three observed periods at the origin, and a scale to divide by
            valid = origins[None, :] >= (self.start[:, None] + 2)
            per_k.append((k, origins, valid))
        s_all, o_all, k_all = [], [], []
        for k, origins, valid in per_k:
            s_idx, o_idx = np.nonzero(valid)
            s_all.append(s_idx)
            o_all.append(origins[o_idx] - pad)
            k_all.append(np.full(len(s_idx), k))
        if not s_all:
            return np.array([], int), np.array([], int), np.array([], int), None
        s, o, k = (np.concatenate(a) for a in (s_all, o_all, k_all))
        scale = np.nan_to_num(self._mean(s, o + pad - self.m + 1, o + pad))
        good = scale > 0
        s, o, k, scale = s[good], o[good], k[good], scale[good]
        # Rows are drawn with probability proportional to the series' scale instead of being
        # weighted by it: the same volume weighting as WAPE's, and an unweighted fit (scikit-learn
        # bins weighted data several times slower). Only small sets are weighted directly, since
        # drawing from them would throw too much away.
        if len(s) <= WEIGHT_BELOW:
            return s, o, k, scale / scale.mean()
        want = min(max_rows, len(s) // 2)
        p = scale * (want / scale.sum())
        for _ in range(5):  # rows of the largest series cap at 1; spread the rest again
            capped = p >= 1
            p = np.where(capped, 1.0, p * (want - capped.sum()) / max(p[~capped].sum(), 1e-12))
        pick = rng.random(len(s)) < p
        s, o, k = s[pick], o[pick], k[pick]
        return s, o, k, None

    def target(self, s: np.ndarray, t: np.ndarray) -> np.ndarray:
        return self.y[s, t + self.pad]

    def rows(self, s: np.ndarray, o: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Feature matrix and scale for (series, origin column, horizon) triples (origin columns
        index the history, 0 = its first period)."""
        m, pad = self.m, self.pad
        oc = o + pad  # extended columns from here on
        tc = oc + k
        known = np.ones(len(s), bool)
        scale = self._mean(s, oc - m + 1, oc)
        safe = np.where(np.nan_to_num(scale) > 0, scale, 1.0)
        rel = lambda v: v / safe  # noqa: E731
        laps = np.ceil(k / m).astype(int)
        season_col = tc - m * laps
        lunar_col = tc.copy()
        for _ in range(int(laps.max()) if len(laps) else 0):
            step = laps > 0
            lunar_col = np.where(step, self.lunar[np.clip(lunar_col, 0, len(self.lunar) - 1)], lunar_col)
            laps = laps - 1
        lunar_col = np.where(lunar_col < 0, season_col, lunar_col)
        past = lambda c: c <= oc  # noqa: E731
        year_ago_level = self._mean(s, oc - m - 2, oc - m, min_count=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            ly = np.where(year_ago_level > 0, year_ago_level, np.nan)
            season_y = self._at(s, season_col, past(season_col))
            lunar_y = self._at(s, lunar_col, past(lunar_col))
            mean3 = self._mean(s, oc - 2, oc)
        zeros = (self.czero[s, oc + 1] - self.czero[s, np.clip(oc - m + 1, 0, None)]) / m
        price = np.where(self.pcnt[s, oc + 1] - self.pcnt[s, np.clip(oc - 2, 0, None)] > 0,
                         (self.psum[s, oc + 1] - self.psum[s, np.clip(oc - 2, 0, None)])
                         / np.maximum(self.pcnt[s, oc + 1] - self.pcnt[s, np.clip(oc - 2, 0, None)], 1), np.nan)
        season_c = np.clip(season_col, 0, len(self.cal_lag) - 1)
        lunar_c = np.clip(lunar_col, 0, len(self.cal_lag) - 1)
        # the calendar profile's view of the change from the recent periods / last year to t
        lf = lambda c: self.logf[s, c]  # noqa: E731
        recent_f = (lf(oc) + lf(np.clip(oc - 1, 0, None)) + lf(np.clip(oc - 2, 0, None))) / 3
        to_t = lf(tc) - recent_f
        from_season = lf(tc) - lf(season_c)
        from_lunar = lf(tc) - lf(lunar_c)
        cols = [
            k.astype(float),
            rel(self._at(s, oc, known)), rel(self._at(s, oc - 1, known)), rel(self._at(s, oc - 2, known)),
            rel(self._at(s, oc - 3, known)), rel(mean3),
            rel(season_y), rel(self._at(s, season_col - 1, past(season_col - 1))),
            rel(self._at(s, season_col + 1, past(season_col + 1))), rel(lunar_y),
            season_y / ly, lunar_y / ly, mean3 / ly,
            zeros, price, self.price_class[s], np.log1p(np.nan_to_num(scale)),
            to_t, from_season, from_lunar, rel(mean3) * np.exp(to_t), rel(season_y) * np.exp(from_season),
            rel(lunar_y) * np.exp(from_lunar),
            *(rel(level[s, oc] * np.exp(lf(tc))) for level in self.smooth),
        ]
        x = np.column_stack(cols + [self.cal_t[tc], self.cal_lag[season_c], self.cal_lag[lunar_c]])
        x[~np.isfinite(x)] = np.nan
        scale = np.nan_to_num(scale)
        lo = np.clip(oc - m + 1, 0, None)
        window_f = (self.clogf[s, oc + 1] - self.clogf[s, lo]) / (oc + 1 - lo)
        return x, scale * np.exp(np.clip(lf(tc) - window_f, -3, 3))
