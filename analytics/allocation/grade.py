"""按档位投放, allocation by grade: the practice the recommendation has to beat, done properly.

For each grade j = 30 … 1 an integer per-client cap x_j, non-increasing from high to low grade,
with Σ_j x_j × n_j as close to the supply T as possible without exceeding it, where n_j counts the
grade's clients, a client visited every two weeks (order cycle ``2W-…``) counting double (and
getting a double cap, since it orders half as often).

The caps follow a curve c_j (by default the grade's mean stated demand per client, made
non-decreasing in grade; or last period's caps nudged by the feedback rates, ``adjust_curve``).
Fitting is in two steps: the largest scale s with Σ n_j round(s c_j) ≤ T, then the gap left is
closed, as far as whole cartons allow, by moving each cap at most ``SLACK`` cartons, monotone,
chosen exactly by a small dynamic programme. The error T − Σ n_j x_j is reported.

Splits: T can first be divided between parts (urban / rural, default 城网:农网 = 4:6, or districts
in proportion to their curve demand), each part then fitted on its own.

Feedback rates 三率一面 per grade, over one past period's order lines:
    订单满足率 fill_rate   = Σ ordered ÷ Σ demanded
    订足率     cap_use     = Σ ordered ÷ (cap × clients with demand)
    订足面     share_at_cap = clients ordering exactly the cap ÷ clients ordering
    订购率     order_rate  = clients ordering ÷ clients in the grade
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

GRADES = np.arange(1, 31)
SPLITS = ("none", "urban_rural", "district")
URBAN_RURAL_DEFAULT = (4.0, 6.0)
SLACK = 5  # cartons a cap may move around the scaled curve when closing the gap to the supply
_SPLIT = re.compile(r"^\s*urban_rural\s*(?:=\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?))?\s*$")


def parse_split(text: str | None) -> tuple[str, tuple[float, float] | None]:
    """``none`` | ``district`` | ``urban_rural`` | ``urban_rural=U:R`` -> (kind, urban:rural).

    Raises:
        ValueError: anything else, or a ratio that is zero on both sides.
    """
    if text is None or text.strip() in ("", "none"):
        return "none", None
    if text.strip() == "district":
        return "district", None
    m = _SPLIT.match(text)
    if not m:
        raise ValueError(f"unknown region split {text!r}: use none, district, urban_rural or urban_rural=4:6")
    ratio = (float(m[1]), float(m[2])) if m[1] else URBAN_RURAL_DEFAULT
    if sum(ratio) <= 0:
        raise ValueError("the urban:rural ratio must not be 0:0")
    return "urban_rural", ratio


def client_weight(order_cycle: pd.Series) -> pd.Series:
    """2 for a client ordering every two weeks (``2W-…``), else 1."""
    return order_cycle.fillna("").astype(str).str.match(r"^\s*2\s*W", case=False).map({True: 2, False: 1})


def demand_curve(stated_weekly: pd.Series, grade: pd.Series, weight: pd.Series) -> np.ndarray:
    """The default cap curve: mean stated demand per weighted client of each grade, with empty
    grades interpolated, made non-decreasing in grade (shape (30,), positive)."""
    total = np.bincount(grade.astype(int) - 1, weights=stated_weekly * weight, minlength=30)[:30]
    count = np.bincount(grade.astype(int) - 1, weights=weight, minlength=30)[:30]
    return _monotone(np.divide(total, count, out=np.full(30, np.nan), where=count > 0))


def _monotone(curve: np.ndarray) -> np.ndarray:
    known = np.isfinite(curve) & (curve > 0)
    if not known.any():
        return np.ones(30)
    filled = np.interp(GRADES, GRADES[known], curve[known])
    return np.maximum.accumulate(np.maximum(filled, 1e-6))


def fit_caps(curve: np.ndarray, counts: np.ndarray, supply: int) -> np.ndarray:
    """Integer caps per grade (index 0 = grade 1), non-increasing from grade 30 down, with
    Σ caps × counts as large as possible but ≤ supply.

    Args:
        curve: the cap shape per grade, non-decreasing, positive (shape (30,)).
        counts: weighted clients per grade (shape (30,), ≥ 0).
        supply: cartons to release (≥ 0).

    Returns:
        The caps, int64, shape (30,).
    """
    curve = np.asarray(curve, dtype=float)
    counts = np.asarray(counts, dtype=float)
    if supply <= 0 or counts.sum() == 0:
        return np.zeros(30, dtype=np.int64)
    lo, hi = 0.0, supply / max(float((curve * counts).sum()), 1e-9) * 2 + 1 / curve.min()
    for _ in range(60):  # bisection: the largest scale whose rounded caps fit
        mid = (lo + hi) / 2
        if (np.round(mid * curve) * counts).sum() <= supply:
            lo = mid
        else:
            hi = mid
    start = np.round(lo * curve).astype(np.int64)
    return start + _fill_gap(start, counts.astype(np.int64), int(supply - (start * counts).sum()))


def _fill_gap(start: np.ndarray, counts: np.ndarray, gap: int) -> np.ndarray:
    """Moves of at most ``SLACK`` cartons per cap that use as much of ``gap`` as possible while
    the caps stay monotone and ≥ 0.

    An exact dynamic programme over the grades, 1 up to 30: the state is the last grade's move
    and the cartons used so far (a reachability table over −SLACK·N .. gap, N the weighted
    clients: a few hundred thousand cells at city scale, times 7 moves, times 30 grades).
    """
    moves = np.arange(-SLACK, SLACK + 1)
    steps = np.zeros(30, dtype=np.int64)
    if gap <= 0:
        return steps
    lo = -SLACK * int(counts.sum())
    size = gap - lo + 1
    reach = np.zeros((30, len(moves), size), dtype=bool)
    for j in range(30):
        # The previous moves that keep x_{j-1} ≤ x_j are a prefix of ``moves``: OR them once.
        prefix = np.logical_or.accumulate(reach[j - 1], axis=0) if j else None
        for m, d in enumerate(moves):
            if start[j] + d < 0:
                continue
            if j == 0:
                before = np.zeros(size, dtype=bool)
                before[-lo] = True
            else:
                ok = np.flatnonzero(start[j - 1] + moves <= start[j] + d)
                if not len(ok):
                    continue
                before = prefix[ok[-1]]
            shift = int(counts[j] * d)
            if shift >= 0:
                reach[j, m, shift:] = before[:size - shift]
            else:
                reach[j, m, :shift] = before[-shift:]
    ends = reach[29].any(axis=0)
    if not ends[-lo:].any():
        return steps
    total = int(np.flatnonzero(ends).max())  # index of the fullest reachable fill
    allowed = np.ones(len(moves), dtype=bool)
    for j in range(29, -1, -1):  # walk back through a path that reaches it
        m = int(np.flatnonzero(reach[j, :, total] & allowed)[0])
        steps[j] = moves[m]
        total -= int(counts[j] * moves[m])
        if j:
            allowed = start[j - 1] + moves <= start[j] + moves[m]
    return steps


def split_supply(supply: int, shares: pd.Series) -> pd.Series:
    """Whole cartons per part in proportion to ``shares`` (largest remainder, total = supply)."""
    w = shares.clip(lower=0).astype(float)
    if w.sum() <= 0:
        w = pd.Series(1.0, index=shares.index)
    exact = supply * w / w.sum()
    whole = np.floor(exact).astype(np.int64)
    rest = int(supply - whole.sum())
    order = np.argsort(-(exact - whole).to_numpy(), kind="stable")[:rest]
    whole.iloc[order] += 1
    return whole


def by_grade(clients: pd.DataFrame, supply: int, curve: np.ndarray | None = None,
             split: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Allocate ``supply`` by grade caps.

    Args:
        clients: one row per eligible client: client_id, grade (1..30; others are left out),
            order_cycle, and market_type / district when splitting, stated_weekly when no
            curve is given.
        supply: cartons to release.
        curve: the cap shape (30,); default ``demand_curve`` of the clients' stated demand.
        split: see ``parse_split``.

    Returns:
        (per client: client_id, part, weight, cap_grade, qty_alloc; per part x grade: part,
        grade, clients, cap, qty_total). Clients without a grade get cap 0 and part 'unknown'.
    """
    if supply < 0:
        raise ValueError("the supply must not be negative")
    kind, ratio = parse_split(split)
    c = clients.copy()
    c["weight"] = client_weight(c["order_cycle"]) if "order_cycle" in c else 1
    graded = c["grade"].notna() & c["grade"].between(1, 30)
    c["part"] = "all"
    if kind == "urban_rural":
        c["part"] = c["market_type"].where(c["market_type"].isin(["urban", "rural"]), "unknown")
    elif kind == "district":
        c["part"] = c["district"].fillna("unknown")
    g = c[graded & (c["part"] != "unknown")]
    if curve is None:
        curve = demand_curve(g.get("stated_weekly", pd.Series(1.0, index=g.index)).fillna(0),
                             g["grade"], g["weight"])
    curve = _monotone(np.asarray(curve, dtype=float))
    parts = sorted(g["part"].unique())
    if kind == "urban_rural":
        shares = pd.Series({"urban": ratio[0], "rural": ratio[1]})
        shares = shares[shares.index.isin(parts)]
    else:  # by each part's demand along the curve
        shares = g.assign(d=curve[g["grade"].astype(int) - 1] * g["weight"]).groupby("part")["d"].sum()
    per_part = split_supply(supply, shares) if len(shares) else pd.Series(dtype=np.int64)
    c["cap_grade"] = 0
    rows = []
    for part, t in per_part.items():
        members = g[g["part"] == part]
        counts = np.bincount(members["grade"].astype(int) - 1, weights=members["weight"], minlength=30)[:30]
        caps = fit_caps(curve, counts, int(t))
        c.loc[members.index, "cap_grade"] = caps[members["grade"].astype(int) - 1]
        n = np.bincount(members["grade"].astype(int) - 1, minlength=30)[:30]
        rows += [(part, j, int(n[j - 1]), int(caps[j - 1]), int(caps[j - 1] * counts[j - 1]))
                 for j in range(30, 0, -1)]
    c["qty_alloc"] = (c["cap_grade"] * c["weight"]).astype(np.int64)
    table = pd.DataFrame(rows, columns=["part", "grade", "clients", "cap", "qty_total"])
    return c[["client_id", "part", "weight", "cap_grade", "qty_alloc"]], table


def feedback_rates(lines: pd.DataFrame, clients: pd.DataFrame) -> pd.DataFrame:
    """三率一面 per grade over one past period.

    Args:
        lines: the period's order lines of the product: client_id, qty_demand, qty_ordered,
            qty_cap (the cap the client faced; NaN when uncapped).
        clients: the grade's clients: client_id, grade.

    Returns:
        One row per grade 1..30: grade, clients, demanded, ordered, cap (the most common cap
        faced), fill_rate, cap_use, share_at_cap, order_rate (NaN where the denominator is 0).
    """
    per = lines.groupby("client_id", as_index=False).agg(
        demanded=("qty_demand", "sum"), ordered=("qty_ordered", "sum"), cap=("qty_cap", "sum"))
    per = clients[["client_id", "grade"]].merge(per, on="client_id", how="left").fillna(
        {"demanded": 0, "ordered": 0})
    per["at_cap"] = (per["ordered"] > 0) & (per["ordered"] == per["cap"])
    faced = lines.dropna(subset=["qty_cap"]).merge(clients[["client_id", "grade"]], on="client_id")
    mode_cap = faced.groupby("grade")["qty_cap"].agg(lambda s: s.mode().iloc[0])
    g = per.groupby("grade").agg(clients=("client_id", "size"), demanded=("demanded", "sum"),
                                 ordered=("ordered", "sum"), with_demand=("demanded", lambda s: int((s > 0).sum())),
                                 ordering=("ordered", lambda s: int((s > 0).sum())), at_cap=("at_cap", "sum"))
    g = g.reindex(GRADES, fill_value=0)
    g["cap"] = mode_cap.reindex(GRADES)
    g["fill_rate"] = g["ordered"] / g["demanded"].where(g["demanded"] > 0)
    g["cap_use"] = g["ordered"] / (g["cap"] * g["with_demand"]).where((g["cap"] * g["with_demand"]) > 0)
    g["share_at_cap"] = g["at_cap"] / g["ordering"].where(g["ordering"] > 0)
    g["order_rate"] = g["ordering"] / g["clients"].where(g["clients"] > 0)
    g = g.reset_index(names="grade")
    return g[["grade", "clients", "demanded", "ordered", "cap", "fill_rate", "cap_use",
              "share_at_cap", "order_rate"]]


def adjust_curve(rates: pd.DataFrame, step: float = 0.2, unmet: float = 0.9, used: float = 0.9,
                 unused: float = 0.6) -> np.ndarray:
    """Next period's cap curve from last period's caps and their feedback rates.

    A grade's cap goes up by ``step`` where demand went unmet (fill_rate < ``unmet``) and the caps
    were used (cap_use ≥ ``used``), down by ``step`` where caps went unused (cap_use < ``unused``),
    and stays otherwise; the result is made non-decreasing in grade. ``fit_caps`` then scales it
    to the new supply, so only the shape matters.

    Args:
        rates: ``feedback_rates`` output.

    Returns:
        The curve, shape (30,).
    """
    cap = rates["cap"].to_numpy(dtype=float)
    cap = np.where(np.isfinite(cap) & (cap > 0), cap, np.nan)
    raise_ = (rates["fill_rate"] < unmet) & (rates["cap_use"] >= used)
    cut = rates["cap_use"] < unused
    factor = np.where(raise_, 1 + step, np.where(cut, 1 - step, 1.0))
    return _monotone(cap * factor)
