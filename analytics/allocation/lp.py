"""The recommendation: per-client quantities that maximise the expected units sold to consumers.

Model (06-allocation.md; after Caro & Gallien's concave sales curves): client i's consumer demand in
the period is D_i ~ negative binomial with mean ``demand_estimate`` and coefficient of variation
of the mean ``cv`` (the estimate is uncertain, demand is lumpy). With stock S_i on hand and q_i
delivered, expected sales are E[min(D_i, S_i + q_i)]: concave in q_i, the k-th carton adding
P(D_i ≥ S_i + k). That curve is cut into segments (unit wide at first, then doubling), so the
problem is a linear programme, solved with HiGHS:

    maximise   Σ_i Σ_k slope_ik y_ik                     (expected cartons sold)
    subject to Σ_i q_i ≤ supply                            q_i = lower_i + Σ_k y_ik
               0 ≤ y_ik ≤ width_ik                        (so lower_i ≤ q_i ≤ upper_i)
               share_r (1 − band) ≤ Σ_{i∈r} q_i ÷ Σ_i q_i ≤ share_r (1 + band)   per region r

    upper_i  anti-hoarding: stock after delivery at most the period's demand plus ``cover_weeks``
             of sales, ⌈demand + cover × weekly_rate − stock⌉⁺; and, with smoothing,
             ⌈last × (1 + smooth)⌉ + smooth_slack
    lower_i  the floor (``floor`` cartons) for an active client that sells the product (it raises
             upper_i if need be), and with smoothing ⌊last × (1 − smooth)⌋, never above upper_i. When the lower bounds do not
             fit the supply, smoothing's go first, then the floors (floors only when feasible).
    share_r  region r's share of the estimated demand (均衡投放).

The LP optimum is rounded to whole cartons keeping the total (largest remainder, never above a
client's upper bound). Stated demand appears nowhere: inflating it changes nothing.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog
from scipy.stats import nbinom

REASON_CODES = ("no_sales", "stock_covers", "at_cap", "floor", "smoothing", "demand", "no_supply")
_BREAKS = np.array([0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512,
                    768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 12288, 16384, 24576, 32768,
                    49152, 65536, 98304, 131072])


@dataclass(frozen=True)
class Settings:
    """The knobs of the recommendation (frozen: hashable for caches, saved with each run).

    Attributes:
        lookback_weeks: weeks of sell-through read before the period.
        cover_weeks: anti-hoarding: stock after delivery at most the period's demand plus this
            many weeks of sales.
        floor: cartons every active selling client gets when the supply allows (兼顾公平).
        region: the client column regions are balanced on (均衡投放), or "" for none.
        band: each region's share of the allocation stays within ±band (relative) of its
            share of the estimated demand.
        smooth: with smoothing, q within last × (1 ± smooth) (持续供应) ...
        smooth_slack: ... plus this many cartons upwards, so a small client can grow.
        smoothing: apply the smoothing bounds.
        cv: coefficient of variation of the demand estimate (uncertainty of the mean).
    """

    lookback_weeks: int = 8
    cover_weeks: float = 1.0
    floor: int = 1
    region: str = "district"
    band: float = 0.2
    smooth: float = 0.5
    smooth_slack: int = 2
    smoothing: bool = True
    cv: float = 0.3

    def __post_init__(self) -> None:
        if self.lookback_weeks < 1:
            raise ValueError("lookback_weeks must be at least 1")
        if self.cover_weeks < 0 or self.floor < 0 or self.smooth_slack < 0:
            raise ValueError("cover_weeks, floor and smooth_slack must not be negative")
        if not 0 <= self.band <= 1 or not 0 <= self.smooth <= 1:
            raise ValueError("band and smooth must lie between 0 and 1")
        if self.cv <= 0:
            raise ValueError("cv must be positive")

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Solution:
    """A recommendation.

    Attributes:
        clients: one row per client of the input, in its order: client_id, lower, upper,
            qty_alloc (int), expected_sales (under the model), reason_code, reason.
        supply: the supply given.
        threshold: the LP's price of one more carton (the probability that the last carton
            given would sell); clients whose next carton sells with a lower chance got no more.
        notes: what had to give way (floors dropped, region band relaxed, ...).
        seconds: solve time.
    """

    clients: pd.DataFrame
    supply: int
    threshold: float
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def bounds(frame: pd.DataFrame, settings: Settings, supply: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Lower and upper bounds per client (see the module docstring), made to fit the supply.

    Args:
        frame: demand_estimate, stock_estimate, weekly_rate, sells, last_qty per client.

    Returns:
        (lower, upper, notes); int64 arrays.
    """
    s = settings
    demand = frame["demand_estimate"].to_numpy(float)
    stock = frame["stock_estimate"].to_numpy(float)
    rate = frame["weekly_rate"].to_numpy(float)
    upper = np.maximum(np.ceil(demand + s.cover_weeks * rate - stock - 1e-9), 0).astype(np.int64)
    floor = np.where(frame["sells"].to_numpy(bool), s.floor, 0)
    smooth_lo = np.zeros(len(frame), dtype=np.int64)
    if s.smoothing:
        last = frame["last_qty"].to_numpy(float)
        upper = np.minimum(upper, np.ceil(last * (1 + s.smooth) - 1e-9).astype(np.int64) + s.smooth_slack)
        smooth_lo = np.floor(last * (1 - s.smooth) + 1e-9).astype(np.int64)
    # The floor outranks the anti-hoarding cap: a projected stock is a guess (counts are a week or
    # two old), and an active seller left with nothing is the unfairness the floor is there for.
    upper = np.maximum(upper, floor)
    lower = np.minimum(np.maximum(floor, smooth_lo), upper)
    notes = []
    if lower.sum() > supply:
        lower = floor
        notes.append("smoothing_lower_dropped")
    if lower.sum() > supply:
        lower = np.zeros_like(floor)
        notes.append("floors_infeasible")
    return lower.astype(np.int64), upper.astype(np.int64), notes


def expected_sales(mean: np.ndarray, cv: float, points: np.ndarray) -> np.ndarray:
    """E[min(D_i, x)] for D_i ~ NB(mean_i, cv) at integer points x (shape (n, m))."""
    mean = np.asarray(mean, float)
    points = np.asarray(points, np.int64)
    out = np.zeros(points.shape, dtype=float)
    k = 1.0 / cv ** 2
    order = np.argsort(points.max(axis=1), kind="stable")
    start = 0
    while start < len(order):
        # Chunks of clients with similar reach, so the grid stays ~4 M cells.
        top = int(points[order[start]].max()) + 1
        size = max(1, 4_000_000 // max(top, 1))
        rows = order[start:start + size]
        top = int(points[rows].max()) + 1
        grid = np.arange(top)
        m = mean[rows][:, None]
        p = np.where(m > 0, k / (k + m), 1.0)
        sf = np.where(m > 0, nbinom.sf(grid[None, :], k, p), 0.0)
        cum = np.concatenate([np.zeros((len(rows), 1)), np.cumsum(sf, axis=1)], axis=1)
        out[rows] = np.take_along_axis(cum, points[rows], axis=1)
        start += size
    return out


def solve(frame: pd.DataFrame, supply: int, settings: Settings = Settings()) -> Solution:
    """The recommendation for one product and period.

    Args:
        frame: one row per eligible client: client_id, demand_estimate, stock_estimate,
            weekly_rate, sells, last_qty, and ``settings.region`` when balancing regions.
        supply: cartons to release (≥ 0).
        settings: the knobs.

    Returns:
        The solution (see ``Solution``); Σ qty_alloc ≤ supply, all whole cartons.

    Raises:
        ValueError: a negative supply.
    """
    started = time.perf_counter()
    if supply < 0:
        raise ValueError("the supply must not be negative")
    n = len(frame)
    lower, upper, notes = bounds(frame, settings, supply)
    stock = np.round(frame["stock_estimate"].to_numpy(float)).astype(np.int64)
    mean = frame["demand_estimate"].to_numpy(float)
    span = upper - lower
    breaks = np.minimum(_BREAKS[None, :], span[:, None])
    breaks = breaks[:, : int(np.searchsorted(_BREAKS, max(int(span.max(initial=0)), 1))) + 1]
    sold = expected_sales(mean, settings.cv, stock[:, None] + lower[:, None] + breaks)
    width = np.diff(breaks, axis=1)
    gain = np.diff(sold, axis=1)
    live = width > 0
    rows, cols = np.nonzero(live)
    w, slope = width[live].astype(float), gain[live] / width[live]
    budget = float(supply - lower.sum())
    x, threshold = np.zeros(len(w)), 0.0
    if len(w) and budget > 0:
        x, threshold, relaxed = _linprog(frame, settings, rows, w, slope, lower, upper, mean, budget)
        notes += relaxed
    elif budget <= 0 and len(w):
        threshold = float(slope.max())
    q = lower + np.bincount(rows, weights=x, minlength=n)
    alloc = _round_keep_total(q, upper, int(min(supply, np.floor(q.sum() + 1e-6))))
    out = frame[["client_id"]].copy()
    out["lower"], out["upper"], out["qty_alloc"] = lower, upper, alloc
    out["expected_sales"] = expected_sales(mean, settings.cv, (stock + alloc)[:, None])[:, 0] \
        - expected_sales(mean, settings.cv, stock[:, None])[:, 0]
    code, text = _reasons(frame, out, settings)
    out["reason_code"], out["reason"] = code, text
    return Solution(out.reset_index(drop=True), int(supply), float(threshold), notes,
                    time.perf_counter() - started)


def _linprog(frame, settings, rows, w, slope, lower, upper, mean, budget):
    """The LP over segment variables; region rows through one total variable Q (sparse)."""
    nv = len(w)
    A = [sparse.csr_matrix(np.ones((1, nv)))]
    b = [budget]
    has_regions = bool(settings.region) and settings.region in frame and settings.band < 1
    if has_regions:
        region = frame[settings.region].fillna("unknown").astype(str).to_numpy()
        keys, idx = np.unique(region, return_inverse=True)
        if len(keys) > 1 and mean.sum() > 0:
            share = np.bincount(idx, weights=mean) / mean.sum()
            reach = np.bincount(idx, weights=upper) / max(min(budget + lower.sum(), upper.sum()), 1)
            lo = np.minimum(share * (1 - settings.band), reach)
            hi = np.maximum(share * (1 + settings.band),
                            np.bincount(idx, weights=lower) / max(lower.sum(), 1))
            L, Lr = float(lower.sum()), np.bincount(idx, weights=lower)
            member = sparse.csr_matrix((np.ones(nv), (idx[rows], np.arange(nv))), shape=(len(keys), nv))
            # Σ_r q − lo Q' ≥ 0 and ≤ hi Q', with q = lower + y and Q' = L + Σ y.
            total = sparse.csr_matrix(np.ones((1, nv)))
            A += [-(member - sparse.csr_matrix(lo[:, None]) @ total), member - sparse.csr_matrix(hi[:, None]) @ total]
            b += list(Lr - lo * L), list(hi * L - Lr)
        else:
            has_regions = False
    for use_regions in ([True, False] if has_regions else [False]):
        A_ub = sparse.vstack(A if use_regions else A[:1]).tocsc()
        b_ub = np.concatenate([np.atleast_1d(np.asarray(v, float)) for v in (b if use_regions else b[:1])])
        res = linprog(-slope, A_ub=A_ub, b_ub=b_ub, bounds=np.column_stack([np.zeros(nv), w]),
                      method="highs")
        if res.status == 0:
            # An infeasible band (caps and floors pinning a region) gives way, not the release.
            notes = ["region_band_relaxed"] if has_regions and not use_regions else []
            return res.x, float(-res.ineqlin.marginals[0]), notes
    raise RuntimeError(f"the allocation LP failed: {res.message}")


def _round_keep_total(q: np.ndarray, upper: np.ndarray, total: int) -> np.ndarray:
    """Whole cartons: floor, then +1 to the largest remainders until ``total`` (never above upper)."""
    base = np.floor(q + 1e-9).astype(np.int64)
    extra = total - int(base.sum())
    if extra > 0:
        room = np.flatnonzero(base < upper)
        order = room[np.argsort(-(q[room] - base[room]), kind="stable")][:extra]
        base[order] += 1
    return base


def _reasons(frame: pd.DataFrame, out: pd.DataFrame, settings: Settings) -> tuple[list[str], list[str]]:
    """Why each client got what it got: one code and one line of figures."""
    codes, texts = [], []
    region = frame[settings.region].astype(str).to_numpy() if settings.region in frame else None
    for i, (d, s, r, sells, lo, up, q) in enumerate(zip(
            frame["demand_estimate"], frame["stock_estimate"], frame["weekly_rate"], frame["sells"],
            out["lower"], out["upper"], out["qty_alloc"])):
        if not sells and q == 0:
            code = "no_sales"
        elif up == 0:
            code = "stock_covers"
        elif q >= up:
            code = "at_cap"
        elif q == lo and lo > 0:
            code = "floor" if lo <= settings.floor else "smoothing"
        elif q == 0:
            code = "no_supply"
        else:
            code = "demand"
        codes.append(code)
        where = f"; {settings.region} {region[i]}" if region is not None else ""
        texts.append(f"{code}: demand {d:.1f} (sell-through {r:.1f}/wk), stock {s:.0f}, "
                     f"bounds {lo}..{up}, alloc {q}{where}")
    return codes, texts
