"""Benchmark: allocation of scarce products at city scale, and its outcome against the grade caps.

Not a pass/fail test (pytest does not collect it). Run it by hand:

    cd /work/main && PYTHONPATH=. .venv/bin/python tests/bench/bench_allocation.py \\
        [--clients 30000] [--products 40] [--db /tmp/city20k_kpi.duckdb --week 2026-10-12] [--json out.json]

Two parts:

``synthetic``
    A 30,000-client problem drawn from realistic distributions (grades in the 1-2-3-4-5-4-3-2-1 %
    bands, three quarters urban and concentrated in the high grades, six districts, a quarter of
    the clients ordering fortnightly, weekly sell-through growing with grade and lognormal across
    clients, stock on hand from nothing to two weeks of it), built straight as the frame the
    solver takes (``analytics.allocation.lp.solve``), so it times the solver alone: one product
    carried by every client, then ``--products`` scarce products of a week, each carried by 30–90 %
    of the clients with its own demand level and a supply of 60–90 % of the demand. The grade
    baseline (``analytics.allocation.grade.by_grade``) is timed beside it. Each week is then played
    out against demand drawn around the true rates (the estimates the solver saw are the true
    rates times lognormal noise, cv 0.3), and 7 % of the clients state 2–4 times their demand.
``city``
    With ``--db``, every scarce product of the week starting ``--week`` on a real warehouse
    (read-only): the facts read (``load_inputs``), both methods and the playback against the
    warehouse's ground truth when it has one (``compare``), with the inflation check on the
    planted inflating clients.

Times are wall-clock seconds in this process, with the load average beside them (the machine is
shared).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analytics.allocation import Period, Settings, compare, load_inputs, load_truth, solve  # noqa: E402
from analytics.allocation.grade import by_grade  # noqa: E402
from analytics.allocation.simulate import play, summarise  # noqa: E402
from data.warehouse import Warehouse  # noqa: E402
from tests.bench.machine import load_average, peak_rss_mb  # noqa: E402

BANDS = np.array([1, 2, 3, 4, 5, 4, 3, 2, 1], dtype=float)


def city_clients(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Clients shaped like the demo city's (03-data-model.md)."""
    shape = np.interp(np.linspace(0, 8, 30), np.arange(9), BANDS)
    urban = rng.random(n) < 0.75
    # urban clients lean to high grades, rural ones to grades 5–18
    tilt_u = shape * np.linspace(0.6, 1.6, 30)
    tilt_r = shape * np.exp(-0.5 * ((np.arange(1, 31) - 11) / 5) ** 2)
    grade = np.where(urban, rng.choice(np.arange(1, 31), n, p=tilt_u / tilt_u.sum()),
                     rng.choice(np.arange(1, 31), n, p=tilt_r / tilt_r.sum()))
    return pd.DataFrame({
        "client_id": [f"C{i:06d}" for i in range(n)], "grade": grade,
        "district": rng.choice([f"D{i}" for i in range(6)], n),
        "market_type": np.where(urban, "urban", "rural"),
        "order_cycle": np.where(rng.random(n) < 0.25, "2W-TUE", "1W-MON"),
        "size": np.exp(rng.normal(0, 0.5, n)) * (0.3 + grade / 10),  # weekly need at level 1
    })


def synthetic_week(clients: pd.DataFrame, level: float, carried: float, ratio: float,
                   rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """One scarce product: (the solver's frame, the truth, the supply)."""
    c = clients[rng.random(len(clients)) < carried].reset_index(drop=True)
    true_rate = level * c["size"].to_numpy()
    estimate = true_rate * np.exp(rng.normal(-0.045, 0.3, len(c)))  # cv 0.3, mean-unbiased
    stock = rng.poisson(true_rate * rng.uniform(0, 2, len(c))).astype(float)
    inflate = np.where(rng.random(len(c)) < 0.07, rng.uniform(2, 4, len(c)), 1.0)
    frame = c.assign(weekly_rate=estimate, demand_estimate=estimate, stock_estimate=stock,
                     sells=true_rate > 0.05, last_qty=np.round(true_rate * ratio),
                     stated_weekly=np.maximum(true_rate - stock / 2, 0) * inflate)
    truth = pd.DataFrame({"client_id": c["client_id"], "demand": rng.poisson(true_rate).astype(float),
                          "start_stock": stock})
    supply = int(ratio * true_rate.sum())
    return frame, truth, supply


def bench_synthetic(n: int, products: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    clients = city_clients(n, rng)
    out: dict = {"clients": n, "products": products, "per_product": []}
    weeks = [(1.0, 1.0, 0.75)] + [(float(rng.uniform(0.3, 3)), float(rng.uniform(0.3, 0.9)),
                                   float(rng.uniform(0.6, 0.9))) for _ in range(products)]
    totals = {"by_grade": [], "optimal": []}
    solve_total = grade_total = 0.0
    for i, (level, carried, ratio) in enumerate(weeks):
        frame, truth, supply = synthetic_week(clients, level, carried, ratio, rng)
        started = time.perf_counter()
        sol = solve(frame, supply, Settings())
        solve_s = time.perf_counter() - started
        started = time.perf_counter()
        per, _ = by_grade(frame, supply)
        grade_s = time.perf_counter() - started
        row = {"clients": len(frame), "supply": supply, "solve_s": round(solve_s, 3), "grade_s": round(grade_s, 3),
               "lp_total": int(sol.clients["qty_alloc"].sum()), "grade_total": int(per["qty_alloc"].sum())}
        for name, alloc in (("optimal", frame[["client_id", "grade"]].assign(qty_alloc=sol.clients["qty_alloc"])),
                            ("by_grade", frame[["client_id", "grade"]].merge(per[["client_id", "qty_alloc"]]))):
            s = summarise(play(alloc, truth))
            totals[name].append(s)
            row[name] = {k: round(v, 4) for k, v in s.items()}
        if i == 0:
            out["one_product"] = row
            print(f"one product, {len(frame):,} clients, supply {supply:,}: LP {solve_s:.2f} s, "
                  f"grade caps {grade_s:.3f} s (load {load_average()})")
        else:
            solve_total += solve_s
            grade_total += grade_s
            out["per_product"].append(row)
    out["week_solve_s"] = round(solve_total, 2)
    out["week_grade_s"] = round(grade_total, 2)
    print(f"{products} scarce products of a week ({sum(r['clients'] for r in out['per_product']):,} "
          f"client x product rows): LP {solve_total:.1f} s in all, slowest "
          f"{max(r['solve_s'] for r in out['per_product']):.2f} s; grade caps {grade_total:.2f} s "
          f"(load {load_average()}, peak {peak_rss_mb():,.0f} MB)")
    out["outcome"] = _pooled(totals)
    _print_outcome("synthetic week", out["outcome"])
    return out


def _pooled(totals: dict) -> dict:
    """Sums of units and means of shares over the products, per method."""
    pooled = {}
    for name, rows in totals.items():
        f = pd.DataFrame(rows)
        pooled[name] = {"units_sold": float(f["units_sold"].sum()), "overhang": float(f["overhang"].sum()),
                        "qty_alloc": float(f["qty_alloc"].sum()), "demand": float(f["demand"].sum()),
                        "stockout_share": float(f["stockout_share"].mean()), "coverage": float(f["coverage"].mean()),
                        "gini_within_grade": float(f["gini_within_grade"].mean())}
        if "inflation_gain" in f:
            pooled[name]["inflation_gain"] = float(f["inflation_gain"].sum())
    return pooled


def _print_outcome(title: str, pooled: dict) -> None:
    b, o = pooled["by_grade"], pooled["optimal"]
    print(f"{title}: sold {b['units_sold']:,.0f} -> {o['units_sold']:,.0f} "
          f"({100 * (o['units_sold'] / b['units_sold'] - 1):+.1f} %), overhang {b['overhang']:,.0f} -> "
          f"{o['overhang']:,.0f} ({100 * (o['overhang'] / b['overhang'] - 1):+.1f} %), stock-outs "
          f"{100 * b['stockout_share']:.1f} % -> {100 * o['stockout_share']:.1f} %, coverage "
          f"{100 * b['coverage']:.1f} % -> {100 * o['coverage']:.1f} %, Gini {b['gini_within_grade']:.3f} -> "
          f"{o['gini_within_grade']:.3f}"
          + (f", inflation gain {b['inflation_gain']:+.0f} / {o['inflation_gain']:+.0f}" if "inflation_gain" in o else ""))


def bench_city(db: Path, week: dt.date) -> dict:
    wh = Warehouse.open(db)
    try:
        b, con = wh.backend(), wh.cursor()
        plans = con.execute("SELECT product_id, period_end, qty_available FROM supply_plans "
                            "WHERE period_start = ? ORDER BY product_id", [week]).df()
        planted = con.execute("SELECT entity_id FROM truth_facts WHERE kind = 'inflating_client'").df() \
            if wh.has_table("truth_facts") else pd.DataFrame({"entity_id": []})
        clients = con.execute("SELECT count(*) FROM clients").fetchone()[0]
        out = {"db": str(db), "clients": clients, "week": week.isoformat(), "products": []}
        totals = {"by_grade": [], "optimal": []}
        load_s = solve_s = 0.0
        for p in plans.itertuples(index=False):
            period = Period(week, pd.Timestamp(p.period_end).date())
            started = time.perf_counter()
            inputs = load_inputs(b.table("orders"), b.table("inventory_snapshots"), b.table("clients"),
                                 b.table("agg_client_product_month"), p.product_id, period)
            truth = load_truth(con, p.product_id, period)
            read = time.perf_counter() - started
            started = time.perf_counter()
            c = compare(inputs, int(p.qty_available), truth, inflaters=planted["entity_id"].tolist() or None)
            both = time.perf_counter() - started
            load_s, solve_s = load_s + read, solve_s + c.recommended.seconds
            row = {"product_id": p.product_id, "carriers": len(inputs.clients), "supply": int(p.qty_available),
                   "read_s": round(read, 2), "lp_s": round(c.recommended.seconds, 3),
                   "compare_s": round(both, 2)}
            if c.outcome is not None:
                o = c.outcome.set_index("metric")
                for name in totals:
                    totals[name].append(o[name].to_dict())
                row["outcome"] = {k: {m: round(float(v), 4) for m, v in o[k].items()} for k in ("by_grade", "optimal")}
            out["products"].append(row)
            print(f"  {p.product_id}: {len(inputs.clients):,} carriers, read {read:.1f} s, LP "
                  f"{c.recommended.seconds:.2f} s, both methods + playback + inflation check {both:.1f} s")
        out["read_s"], out["lp_s"] = round(load_s, 1), round(solve_s, 2)
        print(f"{db.name}: {len(plans)} scarce products of the week of {week}: read {load_s:.1f} s, "
              f"LP {solve_s:.2f} s in all (load {load_average()}, peak {peak_rss_mb():,.0f} MB)")
        if totals["optimal"]:
            out["outcome"] = _pooled(totals)
            _print_outcome(f"{db.name} week of {week}", out["outcome"])
        return out
    finally:
        wh.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=30_000)
    parser.add_argument("--products", type=int, default=40, help="scarce products of the synthetic week")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--db", type=Path, help="also run a real warehouse's scarce products")
    parser.add_argument("--week", type=dt.date.fromisoformat, help="the week's Monday (with --db)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    figures = {"synthetic": bench_synthetic(args.clients, args.products, args.seed)}
    if args.db:
        if args.week is None:
            parser.error("--db needs --week")
        figures["city"] = bench_city(args.db, args.week)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
