"""Benchmark: the full stock-warning list of a city, and the page-sized questions around it.

Not a pass/fail test (pytest does not collect it). Run it by hand on a warehouse:

    cd /work/main && PYTHONPATH=. .venv/bin/python tests/bench/bench_warnings.py --db /tmp/city20k_kpi.duckdb
    ... --repeat 2 --json /tmp/bench_warnings.json

What it times, in this process, in this order (the first call is "cold": DuckDB's buffers are
empty, the OS page cache may still hold the file; ``--repeat`` further calls are "warm"):

``full``
    ``stock_warnings`` for every client of the warehouse (the CLI's default: as of the latest
    stock count, default thresholds). The issue's benchmark.
``region``
    ``social_stock`` by district (社会库存 and 存销比), the marketing manager's view.
``territory``
    ``stock_warnings`` for the largest territory, the customer manager's page.
``card``
    ``client_card`` of that territory's first client, 26 weeks.

It also prints the status counts of the full list and, when the warehouse records planted
episodes (a demo city), the recall of planted stock-outs and overstock, and the precision
against them. Memory is the process's peak resident set size (DuckDB's buffers included), read
after each step, so it only ever grows; the load average is printed beside each figure because
the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from analytics.scope import Scope  # noqa: E402
from analytics.stock import (client_card, latest_snapshot_date, social_stock, status_counts,  # noqa: E402
                             stock_warnings)
from data.warehouse import Warehouse  # noqa: E402
from tests.bench.machine import load_average, peak_rss_mb  # noqa: E402


def timed(name: str, repeat: int, call) -> tuple[object, dict]:
    """Run ``call`` once cold and ``repeat`` times warm; print and return the figures."""
    load = load_average()
    t = time.perf_counter()
    result = call()
    cold = time.perf_counter() - t
    warm = []
    for _ in range(repeat):
        t = time.perf_counter()
        call()
        warm.append(time.perf_counter() - t)
    rows = len(result.warnings) if hasattr(result, "warnings") and not isinstance(result, pd.DataFrame) \
        else len(result)
    figures = dict(step=name, rows=rows, cold_s=cold, warm_s=warm,
                   warm_median_s=statistics.median(warm) if warm else None,
                   load_before=load, load_after=load_average(), peak_rss_mb=peak_rss_mb())
    line = f"{name:<10} rows {rows:>10,}  cold {cold:8.2f} s"
    if warm:
        line += f"  warm median {figures['warm_median_s']:.2f} s [{', '.join(f'{x:.2f}' for x in warm)}]"
    print(f"{line}  (load {load} -> {figures['load_after']}; peak RSS {figures['peak_rss_mb']:,.0f} MB)",
          flush=True)
    return result, figures


def planted(con, frame: pd.DataFrame) -> list[dict]:
    """Recall and precision of the list against the generator's planted episodes, if any."""
    has = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'truth_facts'").fetchone()[0]
    if not has:
        return []
    truth = con.execute("SELECT kind, entity_id FROM truth_facts "
                        "WHERE kind IN ('planted_stockout', 'planted_overstock')").df()
    if truth.empty:
        return []
    truth[["client_id", "product_id"]] = truth["entity_id"].str.split("|", expand=True)
    out = []
    for kind, status in (("planted_stockout", "out_of_stock"), ("planted_overstock", "overstock")):
        rows = truth[truth["kind"] == kind].merge(frame, on=["client_id", "product_id"], how="left")
        found, flagged = int((rows["status"] == status).sum()), int((frame["status"] == status).sum())
        out.append(dict(kind=kind, status=status, planted=len(rows), found=found, flagged=flagged,
                        recall=found / len(rows) if len(rows) else None,
                        precision=found / flagged if flagged else None))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a warehouse file (opened read-only)")
    parser.add_argument("--repeat", type=int, default=1, help="warm calls per step (default 1)")
    parser.add_argument("--json", help="also write every figure to this JSON file")
    args = parser.parse_args(argv)

    t = time.perf_counter()
    wh = Warehouse.open(args.db)
    open_s = time.perf_counter() - t
    try:
        b = wh.backend()
        con = wh.cursor()
        orders, snaps = b.table("orders"), b.table("inventory_snapshots")
        clients, products, prices = b.table("clients"), b.table("products"), b.table("price_snapshots")
        sizes = {name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
                 for name in ("clients", "products", "orders", "inventory_snapshots")}
        as_of = latest_snapshot_date(snaps)
        territory = con.execute("SELECT territory FROM clients WHERE territory IS NOT NULL "
                                "GROUP BY territory ORDER BY count(*) DESC, territory LIMIT 1").fetchone()[0]
        print(f"warehouse {args.db}: {sizes['clients']:,} clients, {sizes['products']:,} products, "
              f"{sizes['orders']:,} order lines, {sizes['inventory_snapshots']:,} stock counts; "
              f"as of {as_of}")
        print(f"machine: {os.cpu_count()} cores, load average {load_average()}; import "
              f"{t - STARTED:.2f} s, open {open_s:.2f} s; repeat {args.repeat}\n", flush=True)

        steps = []
        full, f = timed("full", args.repeat, lambda: stock_warnings(orders, snaps, clients, products, as_of))
        steps.append(f)
        facts = b.table("agg_client_product_week")
        _, f = timed("region", args.repeat, lambda: social_stock(facts, clients, products, as_of))
        steps.append(f)
        scope = Scope(territories=(territory,))
        mine, f = timed("territory", args.repeat,
                        lambda: stock_warnings(orders, snaps, clients, products, as_of, scope=scope))
        steps.append(f)
        client = mine["client_id"].min()
        _, f = timed("card", args.repeat,
                     lambda: client_card(client, orders, snaps, prices, clients, products, as_of))
        steps.append(f)

        counts = status_counts(full)
        print(f"\nstatus counts of the full list ({full['client_id'].nunique():,} clients):")
        print(counts.to_string(index=False))
        found = planted(con, full)
        for p in found:
            print(f"{p['kind']}: recall {p['found']}/{p['planted']}, precision against planted "
                  f"{p['found']}/{p['flagged']}")
        if args.json:
            Path(args.json).write_text(json.dumps(dict(
                db=args.db, sizes=sizes, as_of=str(as_of), territory=territory, steps=steps,
                status_counts=counts.to_dict("records"), planted=found), indent=2, default=str))
    finally:
        wh.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
