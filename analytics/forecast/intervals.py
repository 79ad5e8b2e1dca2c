"""80 % and 95 % intervals from each model's own backtest errors (split-conformal, pooled).

Every model gets its intervals the same way, so an interval means the same thing whichever model
drew it, and it is honest: it is what that model's errors *were* when it forecast periods it had
not seen. A series has only a few backtest windows, too few for its own quantiles, so errors are
pooled over series after dividing each by the series' scale (its in-sample seasonal-naive error,
MASE's denominator: a big series errs in bigger numbers), per step ahead (errors grow with the
horizon). The interval of a series is then its forecast plus the pooled quantiles of the scaled
errors times its scale, cut at zero (demand is never negative).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import t as student_t

LEVELS = (80, 95)
MIN_ERRORS = 20  # per step, for empirical quantiles
_Z = {80: 1.2816, 95: 1.9600}
_MAE_TO_SD = 1.2533  # for normal errors, sd = MAE x sqrt(pi / 2)


def error_quantiles(forecast: np.ndarray, actual: np.ndarray, scale: np.ndarray,
                    levels: tuple[int, ...] = LEVELS) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Pooled quantiles of the scaled backtest errors (actual − forecast) ÷ scale, per step.

    Args:
        forecast, actual: (windows, series, h); actual NaN where a series had not started.
        scale: (windows, series), > 0.
        levels: central coverage in percent.

    Returns:
        level -> (lower quantile per step, upper quantile per step), each of shape (h,). Where
        a step has fewer than ``MIN_ERRORS`` errors (a level of a few series), a Student-t
        interval from their root mean square stands in (bias included); with fewer than 3, a
        normal one as wide as a seasonal naive's errors would be (±z x 1.25 x √step scales).
    """
    h = forecast.shape[-1]
    err = (actual - forecast) / scale[..., None]
    out = {}
    for level in levels:
        lo_q, hi_q = (100 - level) / 200, 1 - (100 - level) / 200
        lo, hi = np.empty(h), np.empty(h)
        for k in range(h):
            e = err[..., k].ravel()
            e = e[np.isfinite(e)]
            if len(e) >= MIN_ERRORS:
                lo[k], hi[k] = np.quantile(e, [lo_q, hi_q])
            elif len(e) >= 3:
                width = student_t.ppf(hi_q, len(e) - 1) * np.sqrt(np.mean(e ** 2))
                lo[k], hi[k] = -width, width
            else:
                width = _Z[level] * _MAE_TO_SD * np.sqrt(k + 1)
                lo[k], hi[k] = -width, width
        out[level] = (np.minimum(lo, 0.0), np.maximum(hi, 0.0))
    return out


def apply(forecast: np.ndarray, scale: np.ndarray,
          quantiles: dict[int, tuple[np.ndarray, np.ndarray]]) -> dict[str, np.ndarray]:
    """Interval bounds around ``forecast`` (series, h) for series of ``scale`` (series,).

    Returns:
        'lo_80', 'hi_80', 'lo_95', 'hi_95' (per level in ``quantiles``), each (series, h), with
        0 ≤ lo ≤ forecast ≤ hi, and the wider level never inside the narrower.
    """
    out = {}
    for level in sorted(quantiles):
        lo_q, hi_q = quantiles[level]
        out[f"lo_{level}"] = np.clip(forecast + lo_q[None, :] * scale[:, None], 0.0, forecast)
        out[f"hi_{level}"] = np.maximum(forecast + hi_q[None, :] * scale[:, None], forecast)
    levels = sorted(quantiles)
    for narrow, wide in zip(levels, levels[1:]):
        out[f"lo_{wide}"] = np.minimum(out[f"lo_{wide}"], out[f"lo_{narrow}"])
        out[f"hi_{wide}"] = np.maximum(out[f"hi_{wide}"], out[f"hi_{narrow}"])
    return out
