"""``python -m data``: generate, load, check and refresh the warehouse.

Every command exits 0 on success and non-zero with a one-line reason on bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
import time
from pathlib import Path

from tqdm import tqdm

from data import schema, store
from data.config import ConfigError, load_settings


class CliError(Exception):
    """A problem the user can fix; printed as one line, exit status 1."""


class OneLineParser(argparse.ArgumentParser):
    """Bad arguments give one line (what is wrong, and where to read more), not a usage dump."""

    def error(self, message: str):
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return value


def _db(args) -> Path:
    return Path(args.db) if args.db else load_settings().db_path


def cmd_generate(args) -> int:
    from data.demo import DemoParams, generate
    from data.demo.params import resolve

    db = _db(args)
    if args.start and args.end and args.start >= args.end:
        raise CliError(f"--start {args.start} must be before --end {args.end}")
    if db.exists() and not args.force:
        raise CliError(f"{db} already exists; pass --force to replace it with a new demo city")
    params = DemoParams(clients=args.clients, products=args.products, start=args.start,
                        end=args.end, seed=args.seed)
    resolve(params)  # refuse impossible parameters before any work starts (ValueError)
    started = time.perf_counter()
    with tqdm(total=100, unit="%", desc="demo city", file=sys.stderr,
              bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}") as bar:
        def progress(fraction: float, message: str) -> None:
            bar.n = round(100 * min(max(fraction, 0.0), 1.0))
            bar.set_postfix_str(message)
        with store.writing(db, action="generate", who=getpass.getuser(), fresh=True) as con:
            counts = generate(con, params, progress=progress)
            bar.set_postfix_str("building aggregates")
        bar.n = 100
        bar.set_postfix_str("done")
    seconds = time.perf_counter() - started
    size_mb = db.stat().st_size / 2**20
    print(f"generated {db} in {seconds:.1f} s ({size_mb:.0f} MB): "
          + ", ".join(f"{k} {v:,}" for k, v in counts.items() if v))
    return 0


def cmd_load(args) -> int:
    from data.importing import ImportFileError
    from data.loading import load_files

    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        raise CliError(f"no such file: {missing[0]}")
    try:
        result = load_files(_db(args), args.table, args.files, reject_file=args.reject_file,
                            who=getpass.getuser())
    except ImportFileError as exc:
        raise CliError(str(exc)) from None
    report = result.report
    if report.errors or report.warnings:
        print(report.to_text(limit=args.show), file=sys.stderr)
    if not result.written:
        print(f"refused: {len(report.errors)} problem(s) in {args.table}; nothing was written. "
              f"Fix the rows above, or pass --reject-file FILE to load the good rows.", file=sys.stderr)
        return 1
    line = f"loaded {result.rows_loaded:,} rows into {args.table} (warehouse version {result.version})"
    if result.rows_rejected:
        line += f"; {result.rows_rejected:,} bad rows written to {result.reject_file}"
    print(line)
    return 0


def cmd_check(args) -> int:
    from data.checks import freshness, integrity, table_status

    con, _ = store.open_reader(_db(args))
    try:
        print(f"warehouse {_db(args)} version {store.read_version(con)}")
        print(table_status(con).to_string(index=False))
        print("\nfreshness:")
        print(freshness(con).to_string(index=False))
        findings = integrity(con)
    finally:
        con.close()
    if findings:
        print("\nintegrity problems:")
        for f in findings:
            print(f"  {f.table}: {f.rows:,} rows with {f.rule} — {f.fix}")
        return 1
    print("\nintegrity: ok")
    return 0


def cmd_refresh(args) -> int:
    from data.aggregates import AGGREGATES, rebuild

    started = time.perf_counter()
    timings = rebuild(_db(args), who=getpass.getuser())
    tables = [name for name in timings if name in AGGREGATES.values()]  # not the helper steps
    print(f"refreshed {', '.join(tables)} in {time.perf_counter() - started:.1f} s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m data", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("--db", help="warehouse file (default: $JINYE_DB, jinye.toml, var/jinye.duckdb)")
        return p

    g = add("generate", "build the seeded demo city (with its ground truth)")
    g.add_argument("--clients", type=_positive, default=2000, help="retail clients (default 2000)")
    g.add_argument("--products", type=_positive, default=None,
                   help="product specs (default ~150 at 2,000 clients, ~400 at 20,000)")
    g.add_argument("--start", type=_date, help="first day (default: 36 full months before --end)")
    g.add_argument("--end", type=_date, help="last day (default: end of the last complete month)")
    g.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    g.add_argument("--force", action="store_true", help="replace an existing warehouse")
    g.set_defaults(func=cmd_generate)

    ld = add("load", "validate files and load them into one table (all or nothing)")
    ld.add_argument("--table", required=True, choices=schema.IMPORTABLE)
    ld.add_argument("files", nargs="+", metavar="FILE", help="CSV (UTF-8 or GBK), Parquet or XLSX")
    ld.add_argument("--reject-file", help="load the good rows and write every bad row here")
    ld.add_argument("--show", type=_positive, default=50, help="problems to print (default 50)")
    ld.set_defaults(func=cmd_load)

    add("check", "report integrity and freshness").set_defaults(func=cmd_check)
    add("refresh", "rebuild the derived aggregate tables").set_defaults(func=cmd_refresh)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (CliError, ConfigError, store.WarehouseMissing, store.WarehouseBusy, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was changed", file=sys.stderr)
        return 130
