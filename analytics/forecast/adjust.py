"""Calendar adjustment: each series' festival and seasonal profile, to divide out before a local
model and multiply back after it.

A local model such as exponential smoothing cannot know that the Spring Festival moved from
February to January; a monthly seasonal component learns "January is high" and is wrong the next
year. Like X-13's moving-holiday regressors, the profile here is a regression of log demand per
day on the calendar features of ``features`` (the festival phases, 中秋, 国庆, 五一, working days
and Gregorian Fourier terms), so the festival effect moves with the lunar date.

Three years hold three Spring Festivals, too few to estimate a dozen coefficients per series, so
each series' coefficients are shrunk towards a profile pooled over the series of its price class
(weighted by volume; gift classes swing far more at the festival than cheap ones): a ridge
regression whose prior is the pooled fit. Series with a strong, regular profile keep their own;
noisy small series borrow the pool's.
"""

from __future__ import annotations

import warnings

import numpy as np

from analytics.forecast.features import period_features
from analytics.forecast.panel import Panel

# The regressors of the profile, per frequency (Fourier order 2 for months: 12 points a year
# cannot carry more; 3 for weeks).
_COMMON = ["sf_far", "sf_near", "sf_holiday", "sf_after", "mid_autumn", "national_day",
           "labour_day", "workday_share"]
REGRESSORS = {"month": _COMMON + ["doy_sin1", "doy_cos1", "doy_sin2", "doy_cos2"],
              "week": _COMMON + ["doy_sin1", "doy_cos1", "doy_sin2", "doy_cos2", "doy_sin3", "doy_cos3"]}
SHRINK = 1.0  # weight of the pooled profile, as a multiple of the series' own information


def calendar_design(periods: list, freq: str) -> tuple[np.ndarray, np.ndarray]:
    """The regressors and the days of consecutive periods.

    Returns:
        (X of shape (periods, regressors), days of shape (periods,)).
    """
    feats = period_features(periods[0], periods[-1], freq)
    return feats[REGRESSORS[freq]].to_numpy(dtype=float), feats["days"].to_numpy(dtype=float)


def log_profiles(panel: Panel, periods: list, shrink: float = SHRINK) -> np.ndarray:
    """Each series' log calendar profile over ``periods`` (consecutive, any span), estimated
    from the panel's history: log expected demand of the period relative to the series' level,
    the period's days included. Shape (series, len(periods)).

    Args:
        panel: the history the profile is estimated from.
        periods: where to evaluate it.
        shrink: weight of the pooled profile (``inf``: the pooled profile for every series).
    """
    x_hist, days_hist = calendar_design(panel.periods, panel.freq)
    beta = _profiles(panel.y, days_hist, x_hist, shrink, profile_groups(panel))
    x, days = calendar_design(periods, panel.freq)
    return beta @ x.T + np.log(days)[None, :]


def calendar_factors(panel: Panel, h: int, shrink: float = SHRINK) -> np.ndarray:
    """Each series' calendar factor per period, history and the ``h`` periods ahead.

    The factor is the expected demand of the period relative to the series' level, days of the
    period included (a February holds fewer days than a March): demand ÷ factor is the
    calendar-adjusted series, and a forecast of it times the factor is the forecast of demand.

    Args:
        panel: the history.
        h: periods ahead to give factors for.
        shrink: weight of the pooled profile relative to each series' own data.

    Returns:
        Factors > 0, shape (series, periods + h), normalised to a mean of about 1 over the last
        year of history.
    """
    t = panel.n_periods
    log_profile = log_profiles(panel, panel.periods + panel.future(h), shrink)
    ref = log_profile[:, max(0, t - panel.season):t].mean(axis=1, keepdims=True)
    return np.exp(log_profile - ref)


def profile_groups(panel: Panel) -> np.ndarray:
    """The group each series borrows its profile from: its price class where the series has one
    (gift brands swing far more at the festival than cheap ones), else one group for all."""
    if "price_class" in panel.keys:
        return panel.keys["price_class"].astype(str).to_numpy()
    return np.full(panel.n_series, "all", dtype=object)


def _profiles(y: np.ndarray, days: np.ndarray, x: np.ndarray, shrink: float,
              groups: np.ndarray | None = None) -> np.ndarray:
    """Ridge coefficients per series, shrunk towards their group's pooled fit, which is itself
    shrunk a little towards the fit pooled over all series. Shape (series, regressors)."""
    n, p = y.shape[0], x.shape[1]
    groups = np.full(n, "all", dtype=object) if groups is None else groups
    blocks, pooled = _pooled(y, days, x, groups)
    if not blocks:
        return np.zeros((n, p))
    prior = np.array([pooled[g] for g in groups])  # (series, regressors)
    if not np.isfinite(shrink):  # the group's pooled profile for every series
        return prior
    beta = prior.copy()  # series too short for their own fit keep it
    for rows, xs, rs in blocks:
        gram = xs.T @ xs
        lam = shrink * np.trace(gram) / p + 1e-9
        beta[rows] = np.linalg.solve(gram + lam * np.eye(p), xs.T @ rs + lam * prior[rows].T).T
    return beta


def _pooled(y: np.ndarray, days: np.ndarray, x: np.ndarray, groups: np.ndarray):
    """The detrended regression blocks (series sharing a start share the design) and the
    volume-weighted pooled coefficients of each group."""
    n, t = y.shape
    p = x.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rate = y / days[None, :]
        level = np.nan_to_num(np.nanmean(rate, axis=1)) if t else np.zeros(n)
    logy = np.log(rate + 0.05 * level[:, None] + 1e-6)
    starts = np.where((~np.isnan(y)).any(axis=1), (~np.isnan(y)).argmax(axis=1), t)
    blocks = []
    for start in np.unique(starts):
        if t - start < 8:  # too short to say anything about a season
            continue
        rows = np.flatnonzero(starts == start)
        blocks.append((rows, _detrend(x[start:]), _detrend(logy[rows, start:].T)))
    labels = sorted(set(groups))
    if not blocks:
        return blocks, {g: np.zeros(p) for g in labels}
    # Σ w X'X β = Σ w X'r, weighted by volume so the big series set the common shape
    weights = level / level.sum() if level.sum() > 0 else np.full(n, 1.0 / n)
    xtx = {g: np.zeros((p, p)) for g in labels}
    xtr = {g: np.zeros(p) for g in labels}
    for rows, xs, rs in blocks:
        gram = xs.T @ xs
        for g in labels:
            sel = groups[rows] == g
            if sel.any():
                w = weights[rows[sel]]
                xtx[g] += w.sum() * gram
                xtr[g] += xs.T @ (rs[:, sel] @ w)
    all_xtx, all_xtr = sum(xtx.values()), sum(xtr.values())
    ridge = 1e-6 * np.trace(all_xtx) * np.eye(p) + 1e-12 * np.eye(p)
    overall = np.linalg.solve(all_xtx + ridge, all_xtr)
    lam = 0.02 * np.trace(all_xtx) / p  # a group with little volume leans on the whole city
    pooled = {g: np.linalg.solve(xtx[g] + lam * np.eye(p) + ridge, xtr[g] + lam * overall) for g in labels}
    return blocks, pooled


def _detrend(a: np.ndarray) -> np.ndarray:
    """Columns of ``a`` with their mean and linear trend removed (the level and trend are the
    local model's to follow; the profile only explains what is left)."""
    t = a.shape[0]
    z = np.column_stack([np.ones(t), np.arange(t, dtype=float) - (t - 1) / 2])
    coef, *_ = np.linalg.lstsq(z, a, rcond=None)
    return a - z @ coef
