"""``python -m data``: generate, load, check, refresh and export the warehouse, and manage accounts.

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
from data.spark import SparkUnavailable


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
    if spark_warehouse(args, {"--db": args.db, "--from": args.source}) is not None:
        return _refresh_on_spark(args, started)
    if args.source is not None:
        from data.export import load_aggregates

        loaded = load_aggregates(_db(args), args.source, who=getpass.getuser())
        print(f"loaded {', '.join(f'{name} ({rows:,} rows)' for name, rows in loaded.items())} from "
              f"{args.source} into {_db(args)} in {time.perf_counter() - started:.1f} s")
        return 0
    timings = rebuild(_db(args), who=getpass.getuser())
    tables = [name for name in timings if name in AGGREGATES.values()]  # not the helper steps
    print(f"refreshed {', '.join(tables)} in {time.perf_counter() - started:.1f} s")
    return 0


def _refresh_on_spark(args, started: float) -> int:
    from data.spark import parse_conf, refresh_aggregates

    timings = refresh_aggregates(args.warehouse, master=args.spark_master, conf=parse_conf(args.spark_conf),
                                 progress=lambda text: print(f"  {text}", file=sys.stderr))
    print(f"built {', '.join(f'{name} ({seconds:.1f} s)' for name, seconds in timings.items())} in "
          f"{args.warehouse} on Spark in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_export(args) -> int:
    from data.export import ExportError, export_warehouse

    if not args.to.strip():
        raise CliError("--to needs a folder")
    started = time.perf_counter()
    db = _db(args)
    try:
        manifest = export_warehouse(db, Path(args.to), force=args.force,
                                    progress=lambda text: print(f"  {text}", file=sys.stderr))
    except ExportError as exc:
        raise CliError(str(exc)) from None
    rows = sum(t["rows"] for t in manifest["tables"].values())
    print(f"exported {len(manifest['tables'])} tables ({rows:,} rows) from {db} to {args.to} "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


def _read_password(args, username: str) -> str:
    """The new password: one line of stdin with ``--password-stdin``, else typed twice at a
    prompt. Never from the command line, where other users' ``ps`` and the shell history see it."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"password for {username}: ")
    if getpass.getpass("again: ") != first:
        raise CliError("the two passwords differ; nothing was changed")
    return first


def _precheck(db: Path, check) -> None:
    """Run ``check(con)`` on the live warehouse before asking for a password, so a typo is
    reported at once; the write repeats it under the writer lock."""
    import duckdb

    con, _ = store.open_reader(db)
    try:
        check(con)
    except duckdb.CatalogException:
        pass  # a warehouse from before accounts: the write creates the users table
    finally:
        con.close()


def cmd_users_add(args) -> int:
    from data import accounts

    db = _db(args)
    manager_id = args.manager_id or None
    if args.brand and args.role != "brand_manager":
        raise CliError(f"--brand is only for brand managers, not for {args.role}")
    _precheck(db, lambda con: accounts.check_new_user(con, args.username, args.role, manager_id))
    hashed = None if args.no_password else accounts.hash_password(_read_password(args, args.username))
    with store.writing(db, action=f"users add {args.username}", who=getpass.getuser(), refresh=False) as con:
        accounts.add_user(con, args.username, args.role, hashed, manager_id=manager_id,
                          display_name=args.display_name, brand=args.brand)
    scope = f", manager {manager_id}" if manager_id else ""
    sign_in = "OIDC sign-in only" if hashed is None else "password set"
    print(f"added user {args.username} ({args.role}{scope}; {sign_in}) to {db}")
    return 0


def cmd_users_list(args) -> int:
    import duckdb

    from data import accounts

    con, _ = store.open_reader(_db(args))
    try:
        users = accounts.list_users(con)
    except duckdb.CatalogException:
        users = []
    finally:
        con.close()
    if not users:
        print("no accounts: the dashboard starts in demo mode (add one with `python -m data users add`)")
        return 0
    header = ("username", "role", "manager_id", "display_name", "status", "sign-in")
    rows = [(u["username"], u["role"], u["manager_id"] or "", u["display_name"] or "",
             "disabled" if u["disabled"] else "enabled", "password" if u["has_password"] else "OIDC only")
            for u in users]
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())
    return 0


def cmd_users_disable(args) -> int:
    from data import accounts

    db = _db(args)
    _precheck(db, lambda con: accounts.existing_user(con, args.username))
    with store.writing(db, action=f"users {args.command_users} {args.username}", who=getpass.getuser(),
                       refresh=False) as con:
        accounts.set_disabled(con, args.username, disabled=args.command_users == "disable")
    print(f"{args.command_users}d user {args.username} in {db}")
    return 0


def cmd_users_passwd(args) -> int:
    from data import accounts

    db = _db(args)
    _precheck(db, lambda con: accounts.existing_user(con, args.username))
    hashed = accounts.hash_password(_read_password(args, args.username))
    with store.writing(db, action=f"users passwd {args.username}", who=getpass.getuser(), refresh=False) as con:
        accounts.set_password(con, args.username, hashed)
    print(f"changed the password of {args.username} in {db}")
    return 0


def _users_parser(sub) -> None:
    from data.schema import ROLES

    users = sub.add_parser("users", help="add, list, disable dashboard accounts; change passwords",
                           description="dashboard accounts (bcrypt-hashed passwords in the warehouse)")
    commands = users.add_subparsers(dest="command_users", required=True, parser_class=OneLineParser)

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        p = commands.add_parser(name, help=help_, description=help_)
        p.add_argument("--db", help="warehouse file (default: $JINYE_DB, jinye.toml, var/jinye.duckdb)")
        return p

    def password_source(p: argparse.ArgumentParser, no_password: bool) -> None:
        group = p.add_mutually_exclusive_group()
        group.add_argument("--password-stdin", action="store_true",
                           help="read the password from the first line of stdin instead of a prompt")
        if no_password:
            group.add_argument("--no-password", action="store_true",
                               help="no local password: the account signs in through OIDC only")

    a = add("add", "add an account (asks for the password)")
    a.add_argument("username", help="login name, or the e-mail the OIDC provider reports")
    a.add_argument("--role", required=True, choices=ROLES)
    a.add_argument("--manager-id", help="customer_manager only: the manager whose clients they see")
    a.add_argument("--display-name", help="shown in the dashboard's sidebar")
    a.add_argument("--brand", help="brand_manager only: the brand they look after first")
    password_source(a, no_password=True)
    a.set_defaults(func=cmd_users_add)
    add("list", "list the accounts (never the password hashes)").set_defaults(func=cmd_users_list)
    for name, help_ in (("disable", "disable an account: it can no longer sign in"),
                        ("enable", "enable a disabled account again")):
        d = add(name, help_)
        d.add_argument("username")
        d.set_defaults(func=cmd_users_disable)
    pw = add("passwd", "set a new password for an account (asks for it)")
    pw.add_argument("username")
    password_source(pw, no_password=False)
    pw.set_defaults(func=cmd_users_passwd)


def add_engine_options(p: argparse.ArgumentParser, engine_help: str) -> None:
    """--engine and what Spark needs, for the commands that run on either engine."""
    p.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb", help=engine_help)
    p.add_argument("--warehouse", metavar="DIR", help="--engine spark: the Parquet warehouse folder")
    p.add_argument("--spark-master", dest="spark_master", metavar="URL",
                   help="--engine spark: local[N], spark://HOST:7077, yarn ... (default: $JINYE_SPARK_MASTER, "
                        "else Spark's own configuration, e.g. spark-submit's)")
    p.add_argument("--spark-conf", dest="spark_conf", action="append", metavar="KEY=VALUE",
                   help="--engine spark: a Spark setting for the session, e.g. spark.driver.memory=4g (repeatable)")


def spark_warehouse(args, duckdb_only: dict[str, object]) -> str | None:
    """The Parquet warehouse folder of ``--engine spark`` (None on DuckDB, and for a command
    without engine options), after refusing the options of the other engine.

    Args:
        args: parsed options of a command, with or without ``add_engine_options``.
        duckdb_only: the command's DuckDB-only options by flag, with their parsed values.

    Raises:
        CliError: a DuckDB option with --engine spark, no --warehouse with it, or --warehouse
            without it.
    """
    if getattr(args, "engine", "duckdb") == "spark":
        if any(value is not None for value in duckdb_only.values()):
            flags = list(duckdb_only)
            raise CliError(f"{' and '.join(flags)} {'is' if len(flags) == 1 else 'are'} for the DuckDB engine: "
                           f"--engine spark works on the Parquet warehouse of --warehouse DIR")
        if not args.warehouse:
            raise CliError("--engine spark needs --warehouse DIR (made by `python -m data export`)")
        return args.warehouse
    if getattr(args, "warehouse", None):
        raise CliError("--warehouse is a Parquet warehouse for --engine spark; add --engine spark, "
                       "or leave it out to use the DuckDB file of --db")
    return None


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
    r = add("refresh", "rebuild the derived aggregate tables (on DuckDB, or on Spark in a Parquet warehouse)")
    r.add_argument("--from", dest="source", metavar="DIR",
                   help="instead of computing them, load the aggregates the Spark refresh built in the "
                        "Parquet warehouse DIR into --db")
    add_engine_options(r, "spark: build the aggregates of the Parquet warehouse --warehouse DIR on Spark")
    r.set_defaults(func=cmd_refresh)
    e = add("export", "write the warehouse as the Parquet warehouse Spark reads (one folder per table, "
                      "facts by month)")
    e.add_argument("--to", required=True, metavar="DIR", help="the folder to create (new or empty)")
    e.add_argument("--force", action="store_true", help="replace an earlier export in DIR")
    e.set_defaults(func=cmd_export)
    _users_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (CliError, ConfigError, store.WarehouseMissing, store.WarehouseBusy, ValueError,
            SparkUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was changed", file=sys.stderr)
        return 130
