"""Benchmark: the monthly five-rate table on DuckDB and on local Spark, side by side, and the
export that feeds Spark.

Not a pass/fail test (pytest does not collect it). Run it by hand on a refreshed warehouse:

    cd /work/main && PYTHONPATH=. .venv/bin/python tests/bench/bench_spark.py --db /tmp/kpi2000.duckdb
    ... --master 'local[2]' --driver-memory 6g --repeat 1 --refresh --json /tmp/bench_spark.json

What it measures, each part in a fresh child process (so "cold" is cold):

``export``
    ``python -m data export``'s work (``data.export.export_warehouse``) into ``--work``: seconds,
    rows and bytes on disk per table.
``duckdb``
    ``kpi_table`` for every month of the data x district x business_format x product (growth
    yoy) on the warehouse file, as ``bench_kpis.py``'s full table: the first call (cold) and
    ``--repeat`` more (warm).
``spark``
    The same call on the exported Parquet warehouse through ``SparkWarehouse`` on a local
    session (``--master``, default local[2]): session start, opening the warehouse (registering
    the tables), the first call (cold) and ``--repeat`` more (warm).
``refresh`` (with ``--refresh``)
    ``python -m data refresh --engine spark``'s work on the export: the aggregate tables rebuilt
    on Spark from the Parquet facts.

Then the two tables are compared: the same rows and columns, counts and volumes exactly, rates
and money within 1e-9. A disagreement is printed and makes the exit status 1.

Memory: the child's peak resident set (VmHWM) and, for Spark, the peak of the driver JVM it
started (a process of its own; its heap is bounded by ``--driver-memory``). The load average is
printed next to every figure: the machine is shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
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

from tests.bench.machine import load_average, peak_rss_mb  # noqa: E402

PHASES = ("export", "duckdb", "spark", "refresh")
AGG = "agg_client_product_month"
GROUPS = "agg_client_group_month"
BY = ["district", "business_format"]
TOLERANCE = 1e-9


# ---------------------------------------------------------------------------------------------
# Child processes


def _kpis(wh, start: dt.date, end: dt.date) -> pd.DataFrame:
    from analytics.kpis import kpi_table
    from analytics.scope import Window

    b = wh.backend()
    groups = b.table(GROUPS) if wh.has_table(GROUPS) else None
    return kpi_table(b.table(AGG), b.table("clients"), b.table("products"),
                     Window.snapped(start, end, "month"), BY, "product", growth="yoy", groups=groups)


def _timed(fn) -> tuple[float, str, object]:
    load = load_average()
    t = time.perf_counter()
    value = fn()
    return time.perf_counter() - t, load, value


def _cold_and_warm(wh, args, out: Path) -> dict:
    """The full table once cold and ``args.repeat`` times warm on ``wh``; the cold call's result
    is written to ``out`` for the agreement check."""
    start, end = dt.date.fromisoformat(args.start), dt.date.fromisoformat(args.end)
    seconds, load, frame = _timed(lambda: _kpis(wh, start, end))
    cold = dict(seconds=seconds, load_before=load, load_after=load_average())
    warm = [_timed(lambda: _kpis(wh, start, end)) for _ in range(args.repeat)]
    frame.to_parquet(out)
    return dict(cold=cold, warm=dict(times=[w[0] for w in warm], loads=[w[1] for w in warm]), rows=len(frame))


def _jvm_peak_mb() -> float | None:
    """Peak resident set of the JVM this process started (the Spark driver), in MB."""
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[1] != me:
                continue
            status = (stat.parent / "status").read_text()
        except OSError:
            continue
        if "java" in (stat.parent / "cmdline").read_bytes().decode(errors="replace"):
            m = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
            return int(m.group(1)) / 1024 if m else None
    return None


def _sizes(folder: Path) -> dict[str, int]:
    return {p.name: sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
            for p in sorted(folder.iterdir()) if p.is_dir()}


def child(args) -> dict:
    work = Path(args.work)
    report: dict = dict(phase=args.phase, results={})
    r = report["results"]
    if args.phase == "export":
        from data.export import export_warehouse

        target = work / "warehouse"
        shutil.rmtree(target, ignore_errors=True)
        seconds, load, manifest = _timed(lambda: export_warehouse(args.db, target))
        r.update(seconds=seconds, load_before=load, load_after=load_average(),
                 rows={t: e["rows"] for t, e in manifest["tables"].items()}, bytes=_sizes(target))
    elif args.phase == "duckdb":
        from data.warehouse import Warehouse

        wh = Warehouse.open(args.db)
        try:
            r.update(_cold_and_warm(wh, args, work / "duckdb.parquet"))
        finally:
            wh.close()
    elif args.phase in ("spark", "refresh"):
        from data import spark as spark_

        conf = {"spark.driver.memory": args.driver_memory, "spark.ui.enabled": "false",
                "spark.sql.shuffle.partitions": str(args.shuffle_partitions)}
        seconds, load, (session, _) = _timed(lambda: spark_.session(args.master, conf, app_name="bench_spark"))
        r["session"] = dict(seconds=seconds, load_before=load)
        try:
            if args.phase == "refresh":
                seconds, load, timings = _timed(lambda: spark_.refresh_aggregates(work / "warehouse", spark=session))
                r["refresh"] = dict(seconds=seconds, load_before=load, load_after=load_average(), tables=timings)
            else:
                from data.warehouse import SparkWarehouse

                seconds, load, wh = _timed(lambda: SparkWarehouse.open(work / "warehouse", spark=session))
                r["open"] = dict(seconds=seconds, load_before=load)
                r.update(_cold_and_warm(wh, args, work / "spark.parquet"))
                wh.close()
            r["jvm_peak_mb"] = _jvm_peak_mb()
        finally:
            session.stop()
    report["peak_rss_mb"] = peak_rss_mb()
    return report


# ---------------------------------------------------------------------------------------------
# Comparison


def compare(duck: pd.DataFrame, spark: pd.DataFrame) -> list[str]:
    """Differences between the two tables as lines of text (empty: they agree)."""
    problems = []
    if list(duck.columns) != list(spark.columns):
        return [f"columns differ: {list(duck.columns)} vs {list(spark.columns)}"]
    types = {c: (str(duck[c].dtype), str(spark[c].dtype)) for c in duck.columns
             if str(duck[c].dtype) != str(spark[c].dtype)}
    if types:
        problems.append(f"dtypes differ: {types}")
    if len(duck) != len(spark):
        return [*problems, f"rows differ: {len(duck):,} vs {len(spark):,}"]
    for c in duck.columns:
        d, s = duck[c], spark[c]
        if pd.api.types.is_float_dtype(d):
            x, y = d.to_numpy(dtype=float), s.to_numpy(dtype=float)
            off = (np.isnan(x) != np.isnan(y)) | (np.abs(x - y) > TOLERANCE * np.maximum(1.0, np.abs(x)))
            off &= ~(np.isnan(x) & np.isnan(y))
        else:
            off = (d.astype(str) != s.astype(str)).to_numpy()
        if off.any():
            problems.append(f"{c}: {int(off.sum()):,} rows differ, e.g. {d[off].head(3).tolist()} vs "
                            f"{s[off].head(3).tolist()}")
    return problems


# ---------------------------------------------------------------------------------------------
# Parent


def _span(db: str) -> tuple[dt.date, dt.date, dict]:
    from data.warehouse import Warehouse

    wh = Warehouse.open(db)
    try:
        con = wh.cursor()
        first, last = con.execute(f"SELECT min(period_start), max(period_start) FROM {AGG}").fetchall()[0]
        sizes = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                 for t in ("clients", "products", "orders", AGG)}
    finally:
        wh.close()
    if first is None:
        raise SystemExit(f"{db}: {AGG} is empty: nothing to benchmark")
    end = (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date()
    return first, end, sizes


def _run_child(args, phase: str, start: dt.date, end: dt.date) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--db", args.db, "--phase", phase,
           "--work", str(args.work), "--start", start.isoformat(), "--end", end.isoformat(),
           "--repeat", str(args.repeat), "--master", args.master, "--driver-memory", args.driver_memory,
           "--shuffle-partitions", str(args.shuffle_partitions)]
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    load = load_average()
    t = time.perf_counter()
    done = subprocess.run(cmd, env={**os.environ, "PYTHONPATH": path}, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-5000:])
        raise SystemExit(f"{phase} failed (exit {done.returncode})")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report.update(wall_s=wall, load_at_start=load, load_at_end=load_average())
    return report


def _warm(w: dict) -> str:
    if not w.get("times"):
        return "no warm call (--repeat 0)"
    return (f"warm min {min(w['times']):.1f} s, median {statistics.median(w['times']):.1f} s "
            f"(load {', '.join(w['loads'])})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    parser.add_argument("--db", required=True, help="a refreshed warehouse file (opened read-only)")
    parser.add_argument("--work", help="folder for the export and the result tables (default: a temp folder, "
                                       "deleted at the end)")
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument("--driver-memory", default="4g", help="Spark driver memory (default 4g)")
    parser.add_argument("--shuffle-partitions", type=int, default=8, help="spark.sql.shuffle.partitions (default 8)")
    parser.add_argument("--repeat", type=int, default=1, help="warm calls per engine (default 1)")
    parser.add_argument("--refresh", action="store_true", help="also time the aggregate refresh on Spark")
    parser.add_argument("--json", help="also write every figure to this JSON file")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--start", help=argparse.SUPPRESS)
    parser.add_argument("--end", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(child(args), default=str))
        return 0

    first, end, sizes = _span(args.db)
    keep = args.work is not None
    args.work = Path(args.work) if keep else Path(tempfile.mkdtemp(prefix="bench_spark-"))
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"warehouse {args.db}: {sizes['clients']:,} clients, {sizes['products']:,} products, "
          f"{sizes['orders']:,} order lines, {sizes[AGG]:,} rows in {AGG} ({first} .. {end})")
    print(f"machine: {os.cpu_count()} cores, load average {load_average()}; Spark {args.master}, driver "
          f"memory {args.driver_memory}, {args.shuffle_partitions} shuffle partitions; repeat {args.repeat}\n")
    reports = {}
    try:
        for phase in [p for p in PHASES if p != "refresh" or args.refresh]:
            print(f"running {phase} ...", flush=True)
            reports[phase] = rep = _run_child(args, phase, first, end)
            r = rep["results"]
            if phase == "export":
                total = sum(r["bytes"].values())
                print(f"  export {r['seconds']:.1f} s (load {r['load_before']} -> {r['load_after']}), "
                      f"{sum(r['rows'].values()):,} rows, {total / 2**30:.2f} GiB on disk; peak RSS "
                      f"{rep['peak_rss_mb']:,.0f} MB")
                for name, size in r["bytes"].items():
                    print(f"    {name:<28} {r['rows'][name]:>13,} rows {size / 2**20:>10,.1f} MiB "
                          f"({size / max(r['rows'][name], 1):.1f} B/row)")
            elif phase == "refresh":
                f = r["refresh"]
                print(f"  session {r['session']['seconds']:.1f} s; refresh {f['seconds']:.1f} s "
                      f"(load {f['load_before']} -> {f['load_after']}): "
                      + ", ".join(f"{k} {v:.1f} s" for k, v in f["tables"].items())
                      + f"; JVM peak {r.get('jvm_peak_mb') or 0:,.0f} MB")
            else:
                extra = (f"session {r['session']['seconds']:.1f} s, open {r['open']['seconds']:.1f} s; "
                         if phase == "spark" else "")
                jvm = f", JVM peak {r['jvm_peak_mb']:,.0f} MB" if r.get("jvm_peak_mb") else ""
                print(f"  {extra}{r['rows']:,} rows; cold {r['cold']['seconds']:.1f} s (load "
                      f"{r['cold']['load_before']} -> {r['cold']['load_after']}); {_warm(r['warm'])}; "
                      f"peak RSS {rep['peak_rss_mb']:,.0f} MB{jvm}")
        problems = compare(pd.read_parquet(args.work / "duckdb.parquet"), pd.read_parquet(args.work / "spark.parquet"))
        if problems:
            print("\nDISAGREEMENT:\n  " + "\n  ".join(problems))
        else:
            print(f"\nagree: {reports['duckdb']['results']['rows']:,} rows; counts and volumes exact, "
                  f"rates and money within {TOLERANCE:g}")
        d, s = reports["duckdb"]["results"], reports["spark"]["results"]
        print(f"cold: Spark / DuckDB = {s['cold']['seconds'] / d['cold']['seconds']:.1f}"
              + (f"; warm (median): {statistics.median(s['warm']['times']) / statistics.median(d['warm']['times']):.1f}"
                 if d["warm"]["times"] and s["warm"]["times"] else ""))
        if args.json:
            Path(args.json).write_text(json.dumps(dict(db=args.db, sizes=sizes, master=args.master,
                                                       reports=reports), indent=2, default=str))
        return 1 if problems else 0
    finally:
        if not keep:
            shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
