"""``python -m analytics``: the analytics as files, for scripts and for people who live in Excel.

Every command reads a warehouse, writes one table by the output file's extension (.csv, .parquet,
.xlsx), exits 0 on success and non-zero with a one-line reason on bad input. ``kpis``, ``prices``
and ``warnings`` also run on Spark (``--engine spark --warehouse DIR``, the Parquet warehouse of
``data.layout``), with the same output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import pandas as pd

from analytics.kpis import DIMENSIONS, GROWTH, LEVELS, facts_grain, kpi_table
from analytics.scope import GRANULARITIES, Window
from data import layout, store
from data.aggregates import AGGREGATES, GROUP_AGGREGATES, outdated
from data.cli import CliError, OneLineParser, add_engine_options, spark_warehouse
from data.config import ConfigError, load_settings
from data.spark import SparkUnavailable
from data.warehouse import SparkWarehouse, Warehouse

OUTPUTS = (".csv", ".parquet", ".xlsx")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from None


def _dims(text: str) -> list[str]:
    dims = [d.strip() for d in text.split(",") if d.strip()]
    unknown = [d for d in dims if d not in DIMENSIONS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown dimension {unknown[0]!r}: use a comma list of {', '.join(DIMENSIONS)} (or '')")
    if len(set(dims)) != len(dims):
        raise argparse.ArgumentTypeError("a dimension is listed twice")
    return dims


def _out(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in OUTPUTS:
        raise argparse.ArgumentTypeError(f"{text!r}: the output must end in {', '.join(OUTPUTS)}")
    return path


def _open(args) -> Warehouse | SparkWarehouse:
    """The warehouse of ``--db`` (DuckDB), or with ``--engine spark`` the Parquet warehouse of
    ``--warehouse`` on Spark."""
    folder = spark_warehouse(args, {"--db": args.db})
    if folder is not None:
        from data.spark import parse_conf

        conf = parse_conf(args.spark_conf)
        layout.read_manifest(folder, require_aggregates=True)  # refused before Spark starts
        print(f"opening {folder} on Spark ...", file=sys.stderr)
        return SparkWarehouse.open(folder, master=args.spark_master, conf=conf)
    db = Path(args.db) if args.db else load_settings().db_path
    wh = Warehouse.open(db)
    stale = outdated(wh.cursor())
    if stale:
        wh.close()
        raise CliError(f"{db} has aggregates from an older version ({', '.join(stale)}): "
                       f"run `python -m data refresh --db {db}` once")
    return wh


def _window(wh: Warehouse | SparkWarehouse, args) -> Window:
    """The asked dates snapped to whole periods; missing ends default to the data's span."""
    facts = wh.backend().table(AGGREGATES["month"])
    span = facts.aggregate(first=facts.period_start.min(), last=facts.period_start.max()).to_pandas()
    first, last = (None if pd.isna(v) else pd.Timestamp(v).date() for v in span.iloc[0])
    if first is None and (args.date_from is None or args.date_to is None):
        raise CliError("the warehouse holds no facts yet: load orders or pass --from and --to")
    start = args.date_from or first
    end = args.date_to or (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date()
    if start > end:
        raise CliError(f"--from {start} is after --to {end}")
    return Window.snapped(start, end, args.period)


def _write(frame: pd.DataFrame, path: Path, started: float) -> None:
    # Late: data.loading imports pandera, which imports pyspark when it is installed and then
    # sets SPARK_LOCAL_IP=127.0.0.1, which would bind a Spark driver started after it to the
    # loopback address where a cluster's executors cannot reach it.
    from data.loading import write_frame

    try:
        write_frame(frame, path)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None
    print(f"wrote {len(frame):,} rows to {path} in {time.perf_counter() - started:.1f} s")


def cmd_kpis(args) -> int:
    started = time.perf_counter()
    wh = _open(args)
    try:
        window = _window(wh, args)
        b = wh.backend()
        print(f"five rates per {args.period} from {window.start} to {window.end} ...", file=sys.stderr)
        grain = facts_grain(args.period)
        name = GROUP_AGGREGATES.get(grain)
        groups = b.table(name) if name and wh.has_table(name) else None
        frame = kpi_table(b.table(AGGREGATES[grain]), b.table("clients"), b.table("products"), window,
                          args.by, args.level, growth=args.growth, orders=b.table("orders"), groups=groups)
    finally:
        wh.close()
    _write(frame, args.out, started)
    return 0


def cmd_prices(args) -> int:
    from analytics.prices import price_table

    started = time.perf_counter()
    wh = _open(args)
    try:
        window = _window(wh, args)
        b = wh.backend()
        print(f"prices per {args.period} from {window.start} to {window.end} ...", file=sys.stderr)
        frame = price_table(b.table("price_snapshots"), b.table("clients"), b.table("products"),
                            b.table(AGGREGATES["month"]), window, args.by, args.level)
    finally:
        wh.close()
    _write(frame, args.out, started)
    return 0


def cmd_warnings(args) -> int:
    from analytics.scope import Scope
    from analytics.stock import latest_snapshot_date, stock_warnings

    started = time.perf_counter()
    wh = _open(args)
    try:
        b = wh.backend()
        # The default date is the warehouse's latest count, not the territory's: every territory's
        # list of one run then holds on the same day.
        as_of = args.as_of or latest_snapshot_date(b.table("inventory_snapshots"))
        if as_of is None:
            raise CliError("the warehouse holds no stock counts yet: load inventory_snapshots first")
        scope = Scope()
        if args.territory is not None:
            clients = b.table("clients")
            known = set(clients.filter(clients.territory.notnull()).territory.to_pandas())
            if args.territory not in known:
                sample = ", ".join(sorted(known)[:5]) + (" ..." if len(known) > 5 else "")
                raise CliError(f"unknown territory {args.territory!r}: use one of {sample or '(none loaded)'}")
            scope = Scope(territories=(args.territory,))
        print(f"stock warnings as of {as_of}{' for ' + args.territory if args.territory else ''} ...",
              file=sys.stderr)
        frame = stock_warnings(b.table("orders"), b.table("inventory_snapshots"), b.table("clients"),
                               b.table("products"), as_of, scope=scope)
    finally:
        wh.close()
    _write(frame, args.out, started)
    return 0


def _checked(check, text: str):
    """``check(text)``, its ValueError turned into argparse's one-line refusal."""
    try:
        return check(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _forecast_level(text: str) -> tuple[str, str]:
    from analytics.forecast.series import parse_level

    return _checked(parse_level, text)


def _model(text: str) -> str:
    from analytics.forecast.models import check_model

    _checked(check_model, text)
    return text


def _whole(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def cmd_forecast(args) -> int:
    from analytics.forecast.pipeline import accuracy_table, check_horizon, forecast_table

    started = time.perf_counter()
    check_horizon(args.horizon, args.freq)
    wh = _open(args)
    try:
        b = wh.backend()
        level, region = args.level
        first = b.table(AGGREGATES[args.freq]).period_start.min().to_pandas()
        first = None if first is None or pd.isna(first) else pd.Timestamp(first).date()
        if args.cutoff is not None and first is not None and args.cutoff < first:
            raise CliError(f"--cutoff {args.cutoff} is before the first data ({first})")
        print(f"{args.command}: {level} x {region} per {args.freq}, {args.horizon} ahead, model {args.model} ...",
              file=sys.stderr)
        table = forecast_table if args.command == "forecast" else accuracy_table
        frame = table(b.table(AGGREGATES[args.freq]), b.table("clients"), b.table("products"), level, region,
                      args.freq, args.horizon, args.cutoff, args.model, args.windows,
                      progress=lambda text: print(f"  {text}", file=sys.stderr))
    finally:
        wh.close()
    _write(frame, args.out, started)
    return 0


def _split(text: str) -> str:
    from analytics.allocation.grade import parse_split

    _checked(parse_split, text)
    return text


def cmd_allocate(args) -> int:
    import getpass

    from analytics.allocation import Period, allocate, load_inputs
    from analytics.allocation.runs import save_run

    started = time.perf_counter()
    if args.supply < 1:
        raise CliError(f"--supply {args.supply}: release at least 1 carton")
    wh = _open(args)
    try:
        con = wh.cursor()
        if not con.execute("SELECT count(*) FROM products WHERE product_id = ?", [args.product]).fetchone()[0]:
            raise CliError(f"unknown product {args.product!r}: use a product_id of the products table")
        end = args.period_end
        if end is None:  # the supply plan's period, else one week
            row = con.execute("SELECT max(period_end) FROM supply_plans WHERE product_id = ? AND period_start = ?",
                              [args.product, args.period_start]).fetchone()
            end = row[0] if row and row[0] is not None else args.period_start + dt.timedelta(days=6)
        if end < args.period_start:
            raise CliError(f"--period-end {end} is before --period-start {args.period_start}")
        b = wh.backend()
        print(f"allocating {args.supply:,} 条 of {args.product} for {args.period_start}..{end} "
              f"({args.method}) ...", file=sys.stderr)
        inputs = load_inputs(b.table("orders"), b.table("inventory_snapshots"), b.table("clients"),
                             b.table(AGGREGATES["month"]), args.product, Period(args.period_start, end))
        result = allocate(inputs, args.supply, args.method, split=args.region_split)
    finally:
        wh.close()
    print(f"  {len(result.clients):,} clients, {int(result.clients['qty_alloc'].sum()):,} 条 allocated, "
          f"{result.error:,} left{'; ' + ', '.join(result.notes) if result.notes else ''}", file=sys.stderr)
    _write(result.clients, args.out, started)
    if args.grade_table is not None:
        _write(result.grades, args.grade_table, started)
    if args.save:
        who = args.user or getpass.getuser()
        run_id = save_run(Path(args.db) if args.db else load_settings().db_path, result, who, args.note or "")
        print(f"saved run {run_id} by {who}")
    return 0


_ENGINE_HELP = ("duckdb (default: the warehouse file of --db) or spark (the Parquet warehouse of --warehouse, "
                "for national volumes; unrestricted, for batch jobs)")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m analytics", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("--db", help="warehouse file (default: $JINYE_DB, jinye.toml, var/jinye.duckdb)")
        p.add_argument("--period", choices=GRANULARITIES, default="month", help="row period (default month)")
        p.add_argument("--by", type=_dims, default=[], metavar="DIMS",
                       help=f"comma list of {', '.join(DIMENSIONS)}; empty for the whole city")
        p.add_argument("--level", choices=LEVELS, default="all", help="product level (default all)")
        p.add_argument("--from", dest="date_from", type=_date, help="first day (default: first data)")
        p.add_argument("--to", dest="date_to", type=_date, help="last day (default: last data)")
        p.add_argument("--out", type=_out, required=True, metavar="FILE", help="output .csv, .parquet or .xlsx")
        add_engine_options(p, _ENGINE_HELP)
        return p

    k = add("kpis", "the five rates and companion KPIs per period x DIMS x product level")
    k.add_argument("--growth", choices=GROWTH, default="yoy",
                   help="growth base: yoy (default), mom (previous period), lunar (Spring Festival aligned)")
    k.set_defaults(func=cmd_kpis)
    add("prices", "retail price index, margin index and inversions per period x DIMS x level") \
        .set_defaults(func=cmd_prices)
    w = sub.add_parser("warnings", help="the stock-warning list: one row per client x product carried",
                       description="the stock-warning list (终端库存预警表): one row per client x product "
                                   "carried, with status, severity and a suggested order quantity")
    w.add_argument("--db", help="warehouse file (default: $JINYE_DB, jinye.toml, var/jinye.duckdb)")
    w.add_argument("--as-of", dest="as_of", type=_date, help="the day the list holds at the end of "
                   "(default: the latest stock count)")
    w.add_argument("--territory", help="one territory (片区) by name (default: every client)")
    w.add_argument("--out", type=_out, required=True, metavar="FILE", help="output .csv, .parquet or .xlsx")
    add_engine_options(w, _ENGINE_HELP)
    w.set_defaults(func=cmd_warnings)
    for name, help_, model, windows in (
            ("forecast", "demand forecasts (条) with 80 % and 95 % intervals: one row per series x future period",
             "auto", 3),
            ("accuracy", "rolling-origin backtest metrics (WAPE, bias, MAPE, MASE, within ±10 %) per model x "
             "level key", "all", 4)):
        # argparse %-formats a subcommand's help (not its description): 80 % must be 80 %%
        f = sub.add_parser(name, help=help_.replace("%", "%%"), description=help_)
        f.add_argument("--db", help="warehouse file (default: $JINYE_DB, jinye.toml, var/jinye.duckdb)")
        f.add_argument("--level", type=_forecast_level, required=True, metavar="LEVEL[,REGION]",
                       help="product level (product, brand, price_class, all), optionally with a region "
                            "(district, market_dept, territory, city; default city), e.g. brand,district")
        f.add_argument("--freq", choices=("week", "month"), required=True, help="week or month")
        f.add_argument("--horizon", type=_whole, required=True, metavar="H", help="periods ahead")
        f.add_argument("--cutoff", type=_date, help="use only history dated up to this day (default: all)")
        f.add_argument("--model", type=_model, default=model, metavar="NAME",
                       help=f"naive, seasonal_naive, rule, ets, gbm, gbm+ets, auto or all (default {model})")
        f.add_argument("--windows", type=_whole, default=windows, metavar="N",
                       help=f"rolling-origin backtest windows (default {windows})")
        f.add_argument("--out", type=_out, required=True, metavar="FILE", help="output .csv, .parquet or .xlsx")
        f.set_defaults(func=cmd_forecast)
    a = sub.add_parser("allocate", help="allocation of a scarce product: one row per client (and per grade)",
                       description="紧俏货源投放: how much of a scarce product each client may order in a period, "
                                   "by grade caps (by_grade) or by the sell-through recommendation (optimal)")
    a.add_argument("--db", help="warehouse file (default: $JINYE_DB, jinye.toml, var/jinye.duckdb)")
    a.add_argument("--product", required=True, metavar="ID", help="product_id of the scarce product")
    a.add_argument("--supply", type=_integer, required=True, metavar="QTY", help="cartons (条) to release")
    a.add_argument("--period-start", dest="period_start", type=_date, required=True, metavar="DATE",
                   help="first day of the release period")
    a.add_argument("--period-end", dest="period_end", type=_date, metavar="DATE",
                   help="last day (default: the supply plan's, else a week)")
    a.add_argument("--method", choices=("by_grade", "optimal"), default="optimal",
                   help="by_grade (按档位投放, the baseline) or optimal (the recommendation, default)")
    a.add_argument("--region-split", dest="region_split", type=_split, default="none", metavar="SPLIT",
                   help="for by_grade: none (default), district, urban_rural (城网:农网 4:6) or urban_rural=U:R")
    a.add_argument("--out", type=_out, required=True, metavar="FILE", help="client table: .csv, .parquet or .xlsx")
    a.add_argument("--grade-table", dest="grade_table", type=_out, metavar="FILE",
                   help="also write the grade table (grade, clients, cap, qty_total)")
    a.add_argument("--save", action="store_true", help="save the run in the warehouse (auditable)")
    a.add_argument("--user", help="who saves the run (default: the login name)")
    a.add_argument("--note", help="a note saved with the run")
    a.set_defaults(func=cmd_allocate)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (CliError, ConfigError, store.WarehouseMissing, store.NotAWarehouse, ValueError,
            SparkUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
