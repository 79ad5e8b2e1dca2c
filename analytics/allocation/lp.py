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
from scipy.special import betainc

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
        # Clients in order of reach, a thousand at a time: each chunk's grid is as wide as its
        # own widest client, not the city's.
        size = 1024
        rows = order[start:start + size]
        top = int(points[rows].max()) + 1
        grid = np.arange(top)
        m = mean[rows][:, None]
        p = np.where(m > 0, k / (k + m), 1.0)
        # P(D > g) for D ~ NB(k, p) is I_{1−p}(g + 1, k), without scipy.stats' per-call overhead.
        sf = np.where(m > 0, betainc(grid[None, :] + 1.0, k, 1.0 - p), 0.0)
        cum = np.concatenate([np.zeros((len(rows), 1)), np.cumsum(sf, axis=1)], axis=1)
        out[rows] = np.take_along_axis(cum, points[rows], axis=1)
        start += size
    return out


def solve(frame: pd.DataFrame, supply: int, settings: Settings = Settings(), whole: bool = False) -> Solution:
    """The recommendation for one product and period.

    Args:
        frame: one row per eligible client: client_id, demand_estimate, stock_estimate,
            weekly_rate, sells, last_qty, and ``settings.region`` when balancing regions.
        supply: cartons to release (≥ 0).
        settings: the knobs.
        whole: hand HiGHS the whole LP instead of the segments near the supply's price (the
            same optimum, minutes instead of a second at city scale; a reference for checks).

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
        x, threshold, relaxed = _solve_lp(frame, settings, rows, w, slope, lower, upper, mean, budget, whole)
        notes += relaxed
    elif budget <= 0 and len(w):
        threshold = float(slope.max())
    q = lower + np.bincount(rows, weights=x, minlength=n)
    alloc = _round_keep_total(q, upper, int(min(supply, np.floor(q.sum() + 1e-6))))
    out = frame[["client_id"]].copy()
    out["lower"], out["upper"], out["qty_alloc"] = lower, upper, alloc
    sold = expected_sales(mean, settings.cv, np.column_stack([stock, stock + alloc]))
    out["expected_sales"] = sold[:, 1] - sold[:, 0]
    code, text = _reasons(frame, out, settings)
    out["reason_code"], out["reason"] = code, text
    return Solution(out.reset_index(drop=True), int(supply), float(threshold), notes,
                    time.perf_counter() - started)


def _solve_lp(frame, settings, rows, w, slope, lower, upper, mean, budget, whole=False):
    """The LP, solved on the segments whose slope lies near the price of the supply.

    HiGHS takes minutes, not seconds, on the full LP at city scale (hundreds of thousands of
    bounded variables and one supply row: simplex enters them one by one). But the optimum has a
    known shape: a segment whose slope is well above the price of a carton is full, one well
    below it empty. So segments are fixed by the greedy price of the supply row alone, the LP is
    solved on the ones within ``window`` of it, and every fixed segment is checked against the
    duals (its reduced cost): any that should not be fixed is freed and the LP solved again. The
    answer is the full LP's optimum, not an approximation.
    """
    n = len(frame)
    regions = _regions(frame, settings, lower, upper, mean, budget)
    order = np.argsort(-slope, kind="stable")
    reach = np.searchsorted(np.cumsum(w[order]), budget)
    price = float(slope[order[reach]]) if reach < len(order) else 0.0
    window = 0.01
    free = np.abs(slope - price) <= window
    for _ in range(0 if whole else 8):
        full = ~free & (slope > price)
        budget_left = budget - float(w[full].sum())
        if budget_left < 0 or not free.any():  # the guess fixed too much: look wider
            window *= 2
            free |= np.abs(slope - price) <= window
            continue
        fixed_lower = lower + np.bincount(rows[full], weights=w[full], minlength=n)
        got = _linprog(settings, rows[free], w[free], slope[free], fixed_lower, regions, budget_left, n)
        if got is None or got[2]:
            break  # a relaxed band or a failure: let the full LP decide
        x_free, threshold, notes, prices = got
        p = prices[rows]
        wrong = (full & (slope < p - 1e-9)) | (~free & ~full & (slope > p + 1e-9))
        if not wrong.any():
            x = np.where(full, w, 0.0)
            x[free] = x_free
            return x, threshold, notes
        free |= wrong
    got = _linprog(settings, rows, w, slope, lower, regions, budget, n)
    if got is None:
        raise RuntimeError("the allocation LP failed")
    return got[:3]


def _regions(frame, settings, lower, upper, mean, budget):
    """Each client's region index and every region's share band, or None without regions.

    A band a region cannot meet is widened to what it can: its caps may not reach the lower
    share (then the lower end is what the caps reach), its floors may exceed the upper one.
    """
    if not (settings.region and settings.region in frame and settings.band < 1 and mean.sum() > 0):
        return None
    keys, idx = np.unique(frame[settings.region].fillna("unknown").astype(str).to_numpy(), return_inverse=True)
    if len(keys) < 2:
        return None
    share = np.bincount(idx, weights=mean) / mean.sum()
    reach = np.bincount(idx, weights=upper) / max(min(budget + lower.sum(), upper.sum()), 1)
    lo = np.minimum(share * (1 - settings.band), reach)
    hi = np.maximum(share * (1 + settings.band), np.bincount(idx, weights=lower) / max(lower.sum(), 1))
    return idx, lo, hi


def _linprog(settings, rows, w, slope, lower, regions, budget, n):
    """One HiGHS solve over segment variables y; with regions one more variable Q = Σ y, so each
    region row stays sparse (Σ_r y − share · Q rather than a dense row over every variable).

    Returns:
        (y, price of the supply row, notes, each client's price of a carton: the supply row's
        plus its region rows'), or None when HiGHS fails.
    """
    nv = len(w)
    for use_regions in ([True, False] if regions is not None else [False]):
        A = sparse.csr_matrix(np.ones((1, nv)))
        b = np.array([budget])
        bnds = np.column_stack([np.zeros(nv), w])
        if use_regions:
            idx, lo, hi = regions
            k = len(lo)
            L, Lr = float(lower.sum()), np.bincount(idx, weights=lower, minlength=k)
            member = sparse.csr_matrix((np.ones(nv), (idx[rows], np.arange(nv))), shape=(k, nv))
            q = sparse.csr_matrix(np.ones((k, 1)))
            # Σ_r q_i ≥ lo_r (L + Q) and ≤ hi_r (L + Q), with q_i = lower_i + Σ y and Q = Σ y.
            A = sparse.vstack([sparse.hstack([A, sparse.csr_matrix((1, 1))]),
                               sparse.hstack([-member, q.multiply(lo[:, None])]),
                               sparse.hstack([member, -q.multiply(hi[:, None])])])
            b = np.concatenate([b, Lr - lo * L, hi * L - Lr])
            eq = sparse.hstack([sparse.csr_matrix(np.ones((1, nv))), sparse.csr_matrix([[-1.0]])])
            res = linprog(np.append(-slope, 0.0), A_ub=A.tocsc(), b_ub=b, A_eq=eq.tocsc(), b_eq=[0.0],
                          bounds=np.vstack([bnds, [0, np.inf]]), method="highs")
        else:
            res = linprog(-slope, A_ub=A.tocsc(), b_ub=b, bounds=bnds, method="highs")
        if res.status == 0:
            m = res.ineqlin.marginals  # ≤ 0: what one more unit of each row's bound is worth
            if use_regions:
                # the eq row (Q = Σ y) adds its dual to every y; fold it into the price
                per_region = -m[0] - m[1 + k:1 + 2 * k] + m[1:1 + k] - res.eqlin.marginals[0]
                prices = per_region[idx]
            else:
                prices = np.full(n, -m[0])
            # An infeasible band (caps and floors pinning a region) gives way, not the release.
            notes = ["region_band_relaxed"] if regions is not None and not use_regions else []
            return res.x[:nv], float(-m[0]), notes, prices
    return None


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
