"""Benchmark: the five rates from ``analytics.kpis.kpi_table`` against a plain pandas implementation.

Not a pass/fail test (pytest does not collect it). Run it by hand on a warehouse:

    cd /work/main && PYTHONPATH=. .venv/bin/python tests/bench/bench_kpis.py --db /tmp/kpi2000.duckdb
    ... --repeat 5 --json /tmp/bench.json

What it measures, each part in a fresh child process so "cold" means cold and the peak memory of
one part is not hidden by another's:

``ibis-full``
    ``kpi_table`` for every month of the data x district x business_format x product (growth
    yoy): the first call after opening the warehouse (cold), then ``--repeat`` calls in the same
    process (warm).
``ibis-pages``
    Page-style questions (the last 12 months, or the last month; small breakdowns, coarse levels,
    one with a district scope), each in a process of its own: the first call (cold) and
    ``--repeat`` warm calls.
``pandas``
    The same numbers from a straightforward pandas implementation (``pandas_kpi_table`` below):
    the window's rows of ``agg_client_product_month`` plus clients and products read into pandas,
    then merges and group-bys. Cold (first run) and warm (repeats), read and compute timed apart.
    It also computes the page questions once each (warm, after the full table), for the
    agreement check.

Then the parent compares every kpi_table result with the pandas one: the same rows, counts and
volumes exactly, rates and amounts within 1e-9. A disagreement is printed with example rows and
makes the exit status 1 (it is a bug in one of the two, to be looked into).

Memory is the peak resident set size of the child during each phase (``VmHWM`` from
/proc/self/status, reset per phase through /proc/self/clear_refs; where that is not allowed, the
process lifetime peak from ``resource.getrusage``), so it includes DuckDB's buffers, which
``tracemalloc`` would not see. The load average (/proc/loadavg) is printed next to each phase:
on a shared machine a busy neighbour slows everything down.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from tests.bench.machine import load_average  # noqa: E402

PHASES = ("ibis-full", "ibis-pages", "pandas")
AGG = "agg_client_product_month"
GROUPS = "agg_client_group_month"
DIMS = ("district", "market_dept", "territory", "business_format", "grade_band", "market_type")
COUNT_COLUMNS = ["active_clients", "observed_clients", "buying_clients", "shelf_clients",
                 "carrying_clients", "selling_clients", "stockout_clients"]
INT_COLUMNS = ["qty_ordered", "qty_demand", "qty_ordered_base", "stock_qty", "inferred_sales"]
RATE_COLUMNS = ["coverage_rate", "shelf_rate", "sell_through_rate", "stockout_rate", "growth_rate",
                "fill_rate"]
FLOAT_COLUMNS = ["amount"]
TOLERANCE = 1e-9


# ---------------------------------------------------------------------------------------------
# The questions


def questions(first: dt.date, last: dt.date, district: str | None) -> list[dict]:
    """The full table and the page questions, as plain data (dates as ISO text).

    Args:
        first, last: the first and last month start in the aggregate.
        district: a district for the scoped page question (None: that question is left out).
    """
    def month(d: dt.date) -> str:
        return d.isoformat()

    twelve = _add_months(last, -11)
    end = _month_end(last)
    out = [dict(name="full: all months x district x business_format x product", kind="full",
                start=month(first), end=month(_month_end(last)),
                by=["district", "business_format"], level="product", districts=[])]
    pages = [
        ("page: 12 months, whole city, level all", twelve, [], "all", []),
        ("page: 12 months by district, level brand", twelve, ["district"], "brand", []),
        ("page: last month, whole city, level product", last, [], "product", []),
        ("page: 12 months by business_format, level price_class", twelve, ["business_format"],
         "price_class", []),
    ]
    if district is not None:
        pages.append((f"page: 3 months, district {district} by territory, level product",
                      _add_months(last, -2), ["territory"], "product", [district]))
    for name, start, by, level, districts in pages:
        out.append(dict(name=name, kind="page", start=month(start), end=month(end), by=by,
                        level=level, districts=districts))
    return out


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def _month_end(day: dt.date) -> dt.date:
    return _add_months(day, 1) - dt.timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# Memory and load


def _status_kb(field: str) -> int | None:
    try:
        m = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    except OSError:
        return None
    return int(m.group(1)) if m else None


def reset_peak() -> bool:
    """Reset the peak RSS of this process (Linux 4.0+); False when not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def rss_mb() -> float:
    kb = _status_kb("VmRSS")
    return (kb or 0) / 1024


def peak_mb(resettable: bool) -> float:
    kb = _status_kb("VmHWM") if resettable else None
    if kb is None:
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    return kb / 1024


class Phase:
    """Times and memory of one phase of a child process."""

    def __init__(self, name: str):
        self.name = name
        self.resettable = reset_peak()
        self.rss_before = rss_mb()
        self.load_before = load_average()
        self.started = time.perf_counter()

    def done(self, **extra) -> dict:
        return dict(name=self.name, seconds=time.perf_counter() - self.started,
                    rss_before_mb=self.rss_before, peak_rss_mb=peak_mb(self.resettable),
                    peak_is_lifetime=not self.resettable, load_before=self.load_before,
                    load_after=load_average(), **extra)


# ---------------------------------------------------------------------------------------------
# The pandas reference


def pandas_kpi_table(con, start: dt.date, end: dt.date, by: list[str], level: str,
                     districts: list[str] = ()) -> tuple[pd.DataFrame, dict]:
    """The five rates per month x ``by`` x level key, from the aggregate, in plain pandas.

    Written from the definitions (``analytics/kpis.py`` docstring), not from its code:
    active = opened on or before the month's last day and not closed before its first;
    observed = a stock count of any product in the month; per client x level key: buying =
    Σ qty_ordered > 0, shelf = a count and Σ of the products' last counts > 0, carrying = a count
    and (a count > 0 or an order in the 56 days up to the month's end), selling = carrying and
    inferred sales > 0, stockout = carrying and stock 0; growth = against the qty_ordered of the
    same month a year earlier (over the clients active then). Rows: every by-group with active
    clients x every level key with a fact of an active client in that month.

    Returns:
        The frame and {'read_s', 'compute_s', 'fact_rows', 'base_rows'}.
    """
    t0 = time.perf_counter()
    base_start, base_end = _add_months(start, -12), _month_end(_add_months(end, -12))
    # via Arrow with the ids as categoricals: several times faster and smaller than .df()
    facts = con.sql(
        f"SELECT period_start, client_id, product_id, qty_ordered, qty_demand, amount, snapshots, "
        f"last_qty_on_hand, max_qty_on_hand, inferred_sales, ordered_56d FROM {AGG} "
        f"WHERE period_start BETWEEN $1 AND $2", params=[start, end]).to_arrow_table().to_pandas(
            date_as_object=False, strings_to_categorical=True)
    base = con.sql(f"SELECT period_start, client_id, product_id, qty_ordered FROM {AGG} "
                   f"WHERE period_start BETWEEN $1 AND $2", params=[base_start, base_end]
                   ).to_arrow_table().to_pandas(date_as_object=False, strings_to_categorical=True)
    clients = con.execute("SELECT client_id, opened_on, closed_on, grade, district, market_dept, "
                          "territory, business_format, market_type FROM clients").df()
    products = con.execute("SELECT product_id, name, brand, price_class FROM products").df()
    t1 = time.perf_counter()
    fact_rows, base_rows = len(facts), len(base)

    # clients of the scope, with every dimension filled
    if districts:
        clients = clients[clients["district"].isin(list(districts))]
    clients = clients.copy()
    for d in DIMS:
        if d == "grade_band":
            lo = ((clients["grade"] - 1) // 5) * 5 + 1
            clients[d] = [("unknown" if pd.isna(x) else f"{int(x)}-{int(x) + 4}") for x in lo]
        else:
            clients[d] = clients[d].fillna("unknown").astype(str)
        clients[d] = clients[d].astype("category")  # cheap to copy through the merges
    opened = pd.to_datetime(clients["opened_on"])
    closed = pd.to_datetime(clients["closed_on"])
    clients = clients.assign(opened_on=opened, closed_on=closed)

    # level key of every product
    if level == "product":
        keys = pd.DataFrame({"product_id": products["product_id"], "level_key": products["product_id"],
                             "level_name": products["name"].fillna(products["product_id"])})
    elif level == "brand":
        brand = products["brand"].fillna("unknown")
        keys = pd.DataFrame({"product_id": products["product_id"], "level_key": brand, "level_name": brand})
    elif level == "price_class":
        cls = products["price_class"].map(lambda v: "unknown" if pd.isna(v) else str(int(v)))
        keys = pd.DataFrame({"product_id": products["product_id"], "level_key": cls, "level_name": cls})
    else:
        keys = pd.DataFrame({"product_id": products["product_id"], "level_key": "all", "level_name": "all"})
    keys = keys.astype({"product_id": str, "level_key": "category", "level_name": str})

    def active_in(first: dt.date, last: dt.date) -> pd.DataFrame:
        """period x client for every client active in each month from first to last."""
        months, m = [], first
        while m <= last:
            months.append(m)
            m = _add_months(m, 1)
        periods = pd.DataFrame({"period": pd.to_datetime(months),
                                "period_end": pd.to_datetime([_month_end(x) for x in months])})
        j = clients.merge(periods, how="cross")
        ok = (j["opened_on"].isna() | (j["opened_on"] <= j["period_end"])) & \
             (j["closed_on"].isna() | (j["closed_on"] >= j["period"]))
        return j.loc[ok, ["period", "client_id", *by]]

    # ids as integer codes into the clients / products tables (-1: not in the table), which
    # keeps the fact frames small and the merges on plain integers
    client_codes = pd.Index(clients["client_id"])
    product_codes = pd.Index(products["product_id"].astype(str))
    keys["product_id"] = product_codes.get_indexer(keys["product_id"]).astype("int32")
    clients = clients.assign(client_id=np.arange(len(clients), dtype="int32"))
    for frame in (facts, base):
        frame["client_id"] = _codes(frame["client_id"], client_codes)
        frame["product_id"] = _codes(frame["product_id"], product_codes)
        frame.rename(columns={"period_start": "period"}, inplace=True)
        frame["period"] = pd.to_datetime(frame["period"])

    active = active_in(start, end)

    active_counts = active.groupby(["period", *by], as_index=False, observed=True).size().rename(
        columns={"size": "active_clients"})
    seen = facts.loc[facts["snapshots"] > 0, ["period", "client_id"]].drop_duplicates()
    seen = seen.merge(active[["period", "client_id", *by]], on=["period", "client_id"])
    observed = seen.groupby(["period", *by], as_index=False, observed=True).size().rename(
        columns={"size": "observed_clients"})

    f = facts.merge(keys[["product_id", "level_key"]], on="product_id")
    del facts
    f["recent"] = f["ordered_56d"].astype("boolean").fillna(False).astype(bool)
    f = f.rename(columns={"snapshots": "counts", "last_qty_on_hand": "stock",
                          "max_qty_on_hand": "max_stock", "inferred_sales": "sales"})
    if level != "product":
        g = f.groupby(["period", "client_id", "level_key"], sort=False, observed=True)
        f = pd.DataFrame({
            "qty_ordered": g["qty_ordered"].sum(), "qty_demand": g["qty_demand"].sum(),
            "amount": g["amount"].sum(), "counts": g["counts"].sum(),
            "stock": g["stock"].sum(min_count=1), "max_stock": g["max_stock"].max(),
            "sales": g["sales"].sum(min_count=1), "recent": g["recent"].max()}).reset_index()
    f = f.merge(active, on=["period", "client_id"])

    counted = f["counts"] > 0
    carrying = counted & ((f["max_stock"] > 0) | f["recent"])
    f = f.assign(buying=f["qty_ordered"] > 0, shelf=counted & (f["stock"] > 0), carrying=carrying,
                 selling=carrying & (f["sales"].fillna(0) > 0), stockout=carrying & (f["stock"] == 0),
                 stock_c=f["stock"].where(carrying), sales_c=f["sales"].where(carrying))
    grouped = f.groupby(["period", *by, "level_key"], as_index=False, sort=False, observed=True).agg(
        buying_clients=("buying", "sum"), shelf_clients=("shelf", "sum"),
        carrying_clients=("carrying", "sum"), selling_clients=("selling", "sum"),
        stockout_clients=("stockout", "sum"), qty_ordered=("qty_ordered", "sum"),
        qty_demand=("qty_demand", "sum"), amount=("amount", "sum"), stock_qty=("stock_c", "sum"),
        inferred_sales=("sales_c", "sum"))
    del f

    # the base: qty_ordered of the same month a year earlier, over the clients active then
    b = base.merge(keys[["product_id", "level_key"]], on="product_id")
    del base
    b = b.merge(active_in(base_start, _add_months(end, -12)), on=["period", "client_id"])
    b = b.groupby(["period", *by, "level_key"], as_index=False, observed=True)["qty_ordered"].sum()
    b["period"] = b["period"] + pd.DateOffset(years=1)
    b = b.rename(columns={"qty_ordered": "qty_ordered_base"})

    grid = active_counts.merge(grouped[["period", "level_key"]].drop_duplicates(), on="period")
    grid = grid.merge(observed, on=["period", *by], how="left")
    grid = grid.merge(grouped, on=["period", *by, "level_key"], how="left")
    grid = grid.merge(b, on=["period", *by, "level_key"], how="left")
    for c in COUNT_COLUMNS + INT_COLUMNS:
        grid[c] = grid[c].fillna(0).astype("int64")
    grid["amount"] = grid["amount"].fillna(0.0).astype(float)
    names = keys[["level_key", "level_name"]].drop_duplicates("level_key")
    grid = grid.merge(names, on="level_key", how="left")

    def rate(num: str, den: str) -> pd.Series:
        d = grid[den].astype(float)
        return (grid[num].astype(float) / d).where(d != 0)

    grid["coverage_rate"] = rate("buying_clients", "active_clients")
    grid["shelf_rate"] = rate("shelf_clients", "observed_clients")
    grid["sell_through_rate"] = rate("selling_clients", "carrying_clients")
    grid["stockout_rate"] = rate("stockout_clients", "carrying_clients")
    grid["fill_rate"] = rate("qty_ordered", "qty_demand")
    grid["growth_rate"] = ((grid["qty_ordered"] - grid["qty_ordered_base"]).astype(float)
                           / grid["qty_ordered_base"].astype(float)).where(grid["qty_ordered_base"] != 0)
    grid = grid.rename(columns={"period": "period_start"})
    grid = grid.sort_values(["period_start", *by, "level_key"]).reset_index(drop=True)
    t2 = time.perf_counter()
    return grid, dict(read_s=t1 - t0, compute_s=t2 - t1, fact_rows=fact_rows, base_rows=base_rows)


def _codes(ids: pd.Series, index: pd.Index) -> np.ndarray:
    """Positions of categorical ``ids`` in ``index`` (-1 for an id not in it)."""
    lookup = index.get_indexer(ids.cat.categories.astype(str)).astype("int32")
    codes = ids.cat.codes.to_numpy()
    return np.where(codes >= 0, lookup[np.maximum(codes, 0)] if len(lookup) else -1, -1).astype("int32")


# ---------------------------------------------------------------------------------------------
# Child processes


def _kpis(wh, b, q: dict) -> pd.DataFrame:
    from analytics.kpis import kpi_table
    from analytics.scope import Scope, Window

    window = Window.snapped(dt.date.fromisoformat(q["start"]), dt.date.fromisoformat(q["end"]), "month")
    scope = Scope(districts=tuple(q["districts"]))
    # as the pages and the CLI call it: with the refresh's client x group rows when built
    groups = b.table(GROUPS) if wh.has_table(GROUPS) else None
    return kpi_table(b.table(AGG), b.table("clients"), b.table("products"), window, q["by"],
                     q["level"], scope=scope, groups=groups)


def _summary(times: list[float]) -> dict:
    return dict(times=times, min=min(times), median=statistics.median(times)) if times else {}


def child(args) -> dict:
    out = Path(args.out)
    qs = json.loads(Path(args.questions).read_text())
    imported = {}
    t = time.perf_counter()
    if args.phase.startswith("ibis"):
        import analytics.kpis  # noqa: F401
    from data.warehouse import Warehouse
    imported["import_s"] = time.perf_counter() - t
    t = time.perf_counter()
    wh = Warehouse.open(args.db)
    imported["open_s"] = time.perf_counter() - t
    report = dict(phase=args.phase, pid=os.getpid(), process_start_to_open_s=time.perf_counter() - STARTED,
                  **imported, rss_after_open_mb=rss_mb(), results=[])
    try:
        if args.phase == "ibis-full":
            q = [x for x in qs if x["kind"] == "full"][0]
            b = wh.backend()
            p = Phase("cold")
            frame = _kpis(wh, b, q)
            cold = p.done(rows=len(frame))
            p = Phase("warm")
            warm = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                _kpis(wh, b, q)
                warm.append(time.perf_counter() - t)
            report["results"].append(dict(question=q["name"], cold=cold,
                                          warm={**p.done(), **_summary(warm)}, rows=len(frame)))
            frame.to_parquet(out / "ibis-0.parquet")
        elif args.phase == "ibis-pages":
            b = wh.backend()
            for i, q in enumerate(qs):
                if q["kind"] != "page" or (args.only is not None and i != args.only):
                    continue
                p = Phase("cold")
                frame = _kpis(wh, b, q)
                cold = p.done(rows=len(frame))
                p = Phase("warm")
                warm = []
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    _kpis(wh, b, q)
                    warm.append(time.perf_counter() - t)
                report["results"].append(dict(question=q["name"], cold=cold,
                                              warm={**p.done(), **_summary(warm)}, rows=len(frame)))
                frame.to_parquet(out / f"ibis-{i}.parquet")
        else:
            con = wh.cursor()
            for i, q in enumerate(qs):
                start, end = dt.date.fromisoformat(q["start"]), dt.date.fromisoformat(q["end"])
                p = Phase("cold")
                frame, info = pandas_kpi_table(con, start, end, q["by"], q["level"], q["districts"])
                cold = p.done(rows=len(frame), **info)
                entry = dict(question=q["name"], cold=cold, rows=len(frame))
                if q["kind"] == "full":  # the pages are computed once, for the agreement check
                    p = Phase("warm")
                    warm, reads, computes = [], [], []
                    for _ in range(args.repeat):
                        t = time.perf_counter()
                        _, info = pandas_kpi_table(con, start, end, q["by"], q["level"], q["districts"])
                        warm.append(time.perf_counter() - t)
                        reads.append(info["read_s"])
                        computes.append(info["compute_s"])
                    entry["warm"] = {**p.done(), **_summary(warm),
                                     "read_median_s": statistics.median(reads) if reads else None,
                                     "compute_median_s": statistics.median(computes) if computes else None}
                frame.to_parquet(out / f"pandas-{i}.parquet")
                report["results"].append(entry)
                del frame
    finally:
        wh.close()
    report["lifetime_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


# ---------------------------------------------------------------------------------------------
# Comparison


def compare(ibis_frame: pd.DataFrame, pandas_frame: pd.DataFrame, by: list[str]) -> list[str]:
    """Differences between the two results, as lines of text (empty: they agree)."""
    keys = ["period_start", *by, "level_key"]
    a, b = ibis_frame.copy(), pandas_frame.copy()
    for f in (a, b):
        f["period_start"] = pd.to_datetime(f["period_start"])
        for k in keys[1:]:
            f[k] = f[k].astype(str)
    problems = []
    for name, f in (("kpi_table", a), ("pandas", b)):
        dup = f.duplicated(keys).sum()
        if dup:
            problems.append(f"{name}: {dup} duplicate rows on {keys}")
    m = a.merge(b, on=keys, how="outer", suffixes=("", "_pd"), indicator=True)
    for side, who in (("left_only", "only in kpi_table"), ("right_only", "only in pandas")):
        rows = m[m["_merge"] == side]
        if len(rows):
            problems.append(f"{len(rows)} rows {who}, e.g.\n{rows[keys].head(5).to_string(index=False)}")
    m = m[m["_merge"] == "both"]
    exact = COUNT_COLUMNS + INT_COLUMNS + ["level_name"]
    for c in exact:
        bad = m[m[c].astype(str) != m[f"{c}_pd"].astype(str)]
        if len(bad):
            problems.append(f"{c}: {len(bad)} rows differ, e.g.\n"
                            f"{bad[keys + [c, c + '_pd']].head(5).to_string(index=False)}")
    for c in RATE_COLUMNS + FLOAT_COLUMNS:
        x, y = m[c].astype(float).to_numpy(), m[f"{c}_pd"].astype(float).to_numpy()
        nan_differs = np.isnan(x) != np.isnan(y)
        scale = np.maximum(1.0, np.abs(y)) if c in FLOAT_COLUMNS else 1.0
        off = ~np.isnan(x) & ~np.isnan(y) & (np.abs(x - y) > TOLERANCE * scale)
        bad = m[nan_differs | off]
        if len(bad):
            problems.append(f"{c}: {len(bad)} rows differ (NaN in one only: {int(nan_differs.sum())}), e.g.\n"
                            f"{bad[keys + [c, c + '_pd']].head(5).to_string(index=False)}")
    return problems


# ---------------------------------------------------------------------------------------------
# Parent


def _data_span(db: str) -> tuple[dt.date, dt.date, str | None, dict]:
    from data.aggregates import outdated
    from data.store import WarehouseMissing
    from data.warehouse import Warehouse

    try:
        wh = Warehouse.open(db)
    except WarehouseMissing as exc:
        raise SystemExit(str(exc)) from None
    try:
        con = wh.cursor()
        stale = outdated(con)
        if stale:
            raise SystemExit(f"{db} has aggregates from an older version ({', '.join(stale)}): "
                             f"run `python -m data refresh --db {db}` once")
        first, last = con.execute(f"SELECT min(period_start), max(period_start) FROM {AGG}").fetchone()
        district = con.execute("SELECT district FROM clients WHERE district IS NOT NULL "
                               "GROUP BY district ORDER BY count(*) DESC, district LIMIT 1").fetchone()
        sizes = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("clients", "products", AGG)}
        sizes["months"] = con.execute(f"SELECT count(DISTINCT period_start) FROM {AGG}").fetchone()[0]
    finally:
        wh.close()
    if first is None:
        raise SystemExit(f"{db}: {AGG} is empty: nothing to benchmark")
    return first, last, district[0] if district else None, sizes


def _run_child(args, phase: str, work: Path, qfile: Path, only: int | None = None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--db", args.db, "--phase", phase,
           "--out", str(work), "--questions", str(qfile), "--repeat", str(args.repeat)]
    if only is not None:
        cmd += ["--only", str(only)]
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    load = load_average()
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{phase} failed (exit {done.returncode})")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report.update(wall_s=wall, load_at_start=load, load_at_end=load_average())
    return report


def _fmt_mem(p: dict) -> str:
    star = "*" if p.get("peak_is_lifetime") else ""
    return f"peak {p['peak_rss_mb']:,.0f} MB{star} (from {p['rss_before_mb']:,.0f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a refreshed warehouse file (opened read-only)")
    parser.add_argument("--repeat", type=int, default=3, help="warm calls per question (default 3)")
    parser.add_argument("--phases", default=",".join(PHASES),
                        help=f"comma list of {', '.join(PHASES)} (default all)")
    parser.add_argument("--json", help="also write every figure to this JSON file")
    parser.add_argument("--keep", help="keep the result frames (parquet) in this folder")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--questions", help=argparse.SUPPRESS)
    parser.add_argument("--only", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(child(args), default=str))
        return 0

    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = [p for p in phases if p not in PHASES]
    if unknown:
        parser.error(f"unknown phase {unknown[0]!r}: use {', '.join(PHASES)}")
    first, last, district, sizes = _data_span(args.db)
    qs = questions(first, last, district)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_kpis-"))
    work.mkdir(parents=True, exist_ok=True)
    qfile = work / "questions.json"
    qfile.write_text(json.dumps(qs))
    print(f"warehouse {args.db}: {sizes['clients']:,} clients, {sizes['products']:,} products, "
          f"{sizes[AGG]:,} rows in {AGG} over {sizes['months']} months ({first} .. {last})")
    print(f"machine: {os.cpu_count()} cores, load average {load_average()}; repeat {args.repeat}\n")

    reports = {}
    try:
        for phase in phases:
            # each page question in a process of its own, so that every first call is cold
            runs = [(phase, None)] if phase != "ibis-pages" else \
                [(f"{phase}-{i}", i) for i, q in enumerate(qs) if q["kind"] == "page"]
            for label, only in runs:
                print(f"running {label} ...", flush=True)
                reports[label] = r = _run_child(args, phase, work, qfile, only)
                print(f"  done in {r['wall_s']:.1f} s wall; import {r['import_s']:.2f} s, "
                      f"open {r['open_s']:.2f} s; load {r['load_at_start']} -> {r['load_at_end']}; "
                      f"lifetime peak RSS {r['lifetime_peak_rss_mb']:,.0f} MB", flush=True)

        print()
        ibis_by_q, pandas_by_q = {}, {}
        for label, rep in reports.items():
            if label.startswith("ibis"):
                for res in rep["results"]:
                    ibis_by_q[res["question"]] = res
        for res in reports.get("pandas", {}).get("results", []):
            pandas_by_q[res["question"]] = res

        disagreements = 0
        for i, q in enumerate(qs):
            ib, pd_ = ibis_by_q.get(q["name"]), pandas_by_q.get(q["name"])
            if ib is None and pd_ is None:
                continue
            print(f"== {q['name']}  [{q['start']} .. {q['end']}, by={q['by']}, level={q['level']}"
                  f"{', districts=' + str(q['districts']) if q['districts'] else ''}]")
            if ib:
                c, w = ib["cold"], ib["warm"]
                print(f"  kpi_table  rows {ib['rows']:>9,}  cold {c['seconds']:8.3f} s  "
                      f"(load {c['load_before']}; {_fmt_mem(c)})")
                if w.get("times"):
                    print(f"             warm min {w['min']:.3f} s, median {w['median']:.3f} s  "
                          f"[{', '.join(f'{x:.3f}' for x in w['times'])}]  (load {w['load_before']} -> "
                          f"{w['load_after']}; {_fmt_mem(w)})")
            if pd_:
                c = pd_["cold"]
                # the pages run in the pandas process after the full table: warm, one call each
                first = "cold" if q["kind"] == "full" else "warm"
                print(f"  pandas     rows {pd_['rows']:>9,}  {first} {c['seconds']:8.3f} s  "
                      f"= read {c['read_s']:.3f} s + compute {c['compute_s']:.3f} s; {c['fact_rows']:,} fact "
                      f"rows + {c['base_rows']:,} base rows  (load {c['load_before']}; {_fmt_mem(c)})")
                w = pd_.get("warm")
                if w and w.get("times"):
                    print(f"             warm min {w['min']:.3f} s, median {w['median']:.3f} s  = read "
                          f"{w['read_median_s']:.3f} + compute {w['compute_median_s']:.3f} (medians)  "
                          f"[{', '.join(f'{x:.3f}' for x in w['times'])}]  (load {w['load_before']} -> "
                          f"{w['load_after']}; {_fmt_mem(w)})")
            if ib and pd_:
                if q["kind"] == "full":
                    cold = pd_["cold"]["seconds"] / ib["cold"]["seconds"]
                    ratio = f"  ratio pandas / kpi_table: cold {cold:.2f}"
                    if pd_.get("warm", {}).get("times") and ib["warm"].get("times"):
                        ratio += f", warm (median) {pd_['warm']['median'] / ib['warm']['median']:.2f}"
                elif ib["warm"].get("times"):
                    warm = pd_["cold"]["seconds"] / ib["warm"]["median"]
                    ratio = f"  ratio pandas (one warm call) / kpi_table (warm median): {warm:.2f}"
                else:
                    ratio = "  ratio: no warm kpi_table call (--repeat 0)"
                print(ratio)
                problems = compare(pd.read_parquet(work / f"ibis-{i}.parquet"),
                                   pd.read_parquet(work / f"pandas-{i}.parquet"), q["by"])
                if problems:
                    disagreements += 1
                    print("  DISAGREEMENT:")
                    for line in problems:
                        print("    " + line.replace("\n", "\n    "))
                else:
                    print(f"  agree: {ib['rows']:,} rows; counts and volumes exact, "
                          f"rates within {TOLERANCE:g}")
            print()
        print("* peak over the process lifetime (the per-phase reset was not allowed)"
              if any(r.get("peak_is_lifetime") for rep in reports.values() for res in rep["results"]
                     for r in (res["cold"], res.get("warm") or {})) else
              "memory: peak resident set of the child during the phase (DuckDB buffers included)")
        if args.json:
            Path(args.json).write_text(json.dumps(dict(db=args.db, sizes=sizes, questions=qs,
                                                       reports=reports), indent=2, default=str))
        return 1 if disagreements else 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
