"""``python -m data``: the command line as a user runs it (a subprocess), checked by its exit code,
its one-line reasons and the warehouse it leaves behind (read through ``store.open_reader``).

Specs: 02-architecture ("Running it", "Concurrency and safety"), 03-data-model (Import rules),
09-quality (Reliability).

Cities: the session ``demo_db`` (300 clients; copied per test with ``demo_db_copy``) for imports,
and one small city (120 clients, 2024) generated here through the CLI for generate, check and
refresh.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from data import store
from data.warehouse import Warehouse
from tests.cli_runner import ROOT, python_m

SMALL_ARGS = ["--clients", "120", "--start", "2024-01-01", "--end", "2024-12-31", "--seed", "3"]

CLIENT_HEADER = "客户编码,客户名称,地市,区县,市场部,片区,客户经理,业态,档位,市场类型,开业日期\n"
GOOD_CLIENT_ROWS = [
    "N0001,新店一,金州市,东湖区,东湖区城西市场部,东湖城西1片区,M005,便利店,九档,城网,2024-03-01",
    "N0002,新店二,金州市,东湖区,东湖区城西市场部,东湖城西1片区,M005,食杂店,D12,农网,2024-03-02",
    "N0003,新店三,金州市,金城区,金城区城西市场部,金城城西1片区,M002,烟草专业店,15档,城网,",
]
# Spreadsheet rows 5..8 (header on row 1): a grade that cannot be read, an unknown 业态, and one
# key (N0006) given twice.
BAD_CLIENT_ROWS = [
    "N0004,坏档位,金州市,东湖区,东湖区城西市场部,东湖城西1片区,M005,便利店,四十档,城网,",
    "N0005,坏业态,金州市,东湖区,东湖区城西市场部,东湖城西1片区,M005,夜总会,9,城网,",
    "N0006,重复一,金州市,东湖区,东湖区城西市场部,东湖城西1片区,M005,超市,9,城网,",
    "N0006,重复二,金州市,东湖区,东湖区城西市场部,东湖城西1片区,M005,超市,10,城网,",
]
ORDER_HEADER = "订货日期,客户编码,卷烟代码,需求量,订购量\n"


# ----------------------------------------------------------------------------- helpers

@pytest.fixture(scope="module")
def cli_env(tmp_path_factory) -> dict[str, str]:
    """The user's environment without Jinye settings; JINYE_DB points at a path that must never
    be created, so a command that ignored ``--db`` cannot touch a real warehouse."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JINYE_")}
    env["JINYE_DB"] = str(tmp_path_factory.mktemp("nowhere") / "never-created.duckdb")
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run(env: dict[str, str], *args, timeout: float = 180) -> subprocess.CompletedProcess:
    return python_m("data", *args, env=env, timeout=timeout)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line(stderr: str) -> str:
    """The single line of a one-line reason (fails if there is more, or a traceback)."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, f"expected one line on stderr, got:\n{stderr}"
    return lines[0]


def error_lines(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if "error" in line.lower()]


@contextmanager
def reading(path: Path):
    con, _ = store.open_reader(path)
    try:
        yield con
    finally:
        con.close()


def scalar(path: Path, sql: str, params=None):
    with reading(path) as con:
        return con.execute(sql, params or []).fetchone()[0]


def version(path: Path) -> int:
    with reading(path) as con:
        return store.read_version(con)


def order_sums(path: Path) -> tuple:
    # Money as DECIMAL: an exact sum, whatever order the threads add the rows in.
    with reading(path) as con:
        return con.execute("SELECT count(*), sum(qty_demand), sum(qty_ordered), "
                           "sum(amount::DECIMAL(18, 2)) FROM orders").fetchone()


def agg_sums(path: Path) -> dict[str, tuple]:
    out = {}
    with reading(path) as con:
        for name in ("agg_client_product_week", "agg_client_product_month"):
            out[name] = con.execute(
                f"SELECT count(*), sum(qty_demand), sum(qty_ordered), "
                f"sum(amount::DECIMAL(18, 2)), "
                f"sum(order_lines), sum(snapshots), sum(price_observations), "
                f"sum(price_sum::DECIMAL(18, 2)), sum(first_qty_on_hand), sum(last_qty_on_hand) "
                f"FROM {name}").fetchone()
    return out


def temps(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + ".tmp-*"))


def write_clients(path: Path, rows: list[str], encoding: str = "gbk") -> Path:
    path.write_bytes((CLIENT_HEADER + "\n".join(rows) + "\n").encode(encoding))
    return path


@pytest.fixture(scope="module")
def small_city(tmp_path_factory, cli_env):
    """A 120-client city for 2024 generated through the CLI: (path, completed process).
    Tests that change it work on a copy (``small_copy``)."""
    path = tmp_path_factory.mktemp("small") / "small.duckdb"
    proc = run(cli_env, "generate", "--db", path, *SMALL_ARGS)
    assert proc.returncode == 0, proc.stderr
    return path, proc


@pytest.fixture
def small_copy(small_city, tmp_path) -> Path:
    target = tmp_path / "small.duckdb"
    shutil.copyfile(small_city[0], target)
    return target


# ----------------------------------------------------------------------------- help and usage

OPTIONS = {
    "generate": ["--db", "--clients", "--products", "--start", "--end", "--seed", "--force"],
    "load": ["--db", "--table", "--reject-file", "--show", "FILE"],
    "check": ["--db"],
    "refresh": ["--db"],
}


def test_program_help_lists_the_commands(cli_env):
    proc = run(cli_env, "--help")
    assert proc.returncode == 0, proc.stderr
    for command in OPTIONS:
        assert command in proc.stdout


@pytest.mark.parametrize("command", list(OPTIONS))
def test_command_help_names_its_options(cli_env, command):
    proc = run(cli_env, command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"usage: python -m data {command}")
    for option in OPTIONS[command]:
        assert option in proc.stdout, f"{command} --help does not mention {option}"


@pytest.mark.parametrize("args, says", [
    ([], "required"),
    (["explode"], "invalid choice"),
    (["load", "some.csv"], "--table"),
    (["load", "--table", "clients"], "FILE"),
], ids=["no-command", "unknown-command", "no-table", "no-file"])
def test_bad_usage_exits_non_zero(cli_env, args, says):
    proc = run(cli_env, *args)
    assert proc.returncode != 0
    assert proc.stdout == ""
    lines = error_lines(proc.stderr)
    assert len(lines) == 1 and says in lines[0], proc.stderr


# ----------------------------------------------------------------------------- generate

def test_generate_a_small_city(small_city):
    path, proc = small_city
    summary = proc.stdout.strip().splitlines()
    assert len(summary) == 1 and summary[0].startswith(f"generated {path}")
    assert "clients 120," in summary[0]
    assert "demo city" in proc.stderr and "100%" in proc.stderr  # progress is shown
    with reading(path) as con:
        assert store.read_version(con) == 1
        assert con.execute("SELECT count(*) FROM clients").fetchone()[0] == 120
        first, last = con.execute("SELECT min(order_date), max(order_date) FROM orders").fetchone()
        assert dt.date(2024, 1, 1) <= first and last <= dt.date(2024, 12, 31)
        orders = con.execute("SELECT sum(qty_ordered), sum(qty_demand) FROM orders").fetchone()
        for agg in ("agg_client_product_month", "agg_client_product_week"):
            rows, ordered, demand = con.execute(
                f"SELECT count(*), sum(qty_ordered), sum(qty_demand) FROM {agg}").fetchone()
            assert rows > 0
            assert (ordered, demand) == orders, agg
    assert temps(path) == []


def test_generate_is_reproducible_by_seed(small_city, cli_env, tmp_path):
    again = tmp_path / "again.duckdb"
    proc = run(cli_env, "generate", "--db", again, *SMALL_ARGS)
    assert proc.returncode == 0, proc.stderr
    assert order_sums(again) == order_sums(small_city[0])
    with reading(again) as a, reading(small_city[0]) as b:
        query = "SELECT * FROM clients ORDER BY client_id"
        pd.testing.assert_frame_equal(a.execute(query).df(), b.execute(query).df())


def test_generate_refuses_to_overwrite_without_force(small_copy, cli_env):
    before = sha256(small_copy)
    proc = run(cli_env, "generate", "--db", small_copy, *SMALL_ARGS)
    assert proc.returncode == 1
    reason = one_line(proc.stderr)
    assert "--force" in reason and str(small_copy) in reason
    assert proc.stdout == ""
    assert sha256(small_copy) == before


def test_generate_force_replaces_the_warehouse(small_copy, small_city, cli_env):
    before = sha256(small_copy)
    args = [a if a != "3" else "4" for a in SMALL_ARGS]  # another seed
    proc = run(cli_env, "generate", "--db", small_copy, *args, "--force")
    assert proc.returncode == 0, proc.stderr
    assert sha256(small_copy) != before
    assert version(small_copy) == 1
    assert scalar(small_copy, "SELECT count(*) FROM clients") == 120
    assert order_sums(small_copy) != order_sums(small_city[0])
    assert temps(small_copy) == []


@pytest.mark.parametrize("args, names", [
    (["--clients", "0"], ["--clients", "'0'"]),
    (["--clients", "abc"], ["--clients", "'abc'"]),
    (["--start", "2024-13-01"], ["--start", "2024-13-01"]),
    (["--start", "2024-06-01", "--end", "2024-03-31"], ["--start", "2024-06-01", "--end"]),
], ids=["clients-0", "clients-abc", "bad-month", "start-after-end"])
def test_generate_bad_arguments_write_nothing(cli_env, tmp_path, args, names):
    target = tmp_path / "city" / "new.duckdb"
    proc = run(cli_env, "generate", "--db", target, *args)
    assert proc.returncode != 0
    assert proc.stdout == ""
    lines = error_lines(proc.stderr)
    assert len(lines) == 1, proc.stderr
    for word in names:
        assert word in lines[0], lines[0]
    assert not target.exists()
    assert not target.parent.exists() or list(target.parent.iterdir()) == []


# ----------------------------------------------------------------------------- load

def test_load_new_clients_from_a_gbk_file_with_chinese_headers(demo_db_copy, cli_env, tmp_path):
    file = write_clients(tmp_path / "新客户.csv", GOOD_CLIENT_ROWS)
    before_version = version(demo_db_copy)
    before_rows = scalar(demo_db_copy, "SELECT count(*) FROM clients")
    proc = run(cli_env, "load", "--db", demo_db_copy, "--table", "clients", file)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == \
        f"loaded 3 rows into clients (warehouse version {before_version + 1})"
    assert version(demo_db_copy) == before_version + 1
    with reading(demo_db_copy) as con:
        assert con.execute("SELECT count(*) FROM clients").fetchone()[0] == before_rows + 3
        rows = con.execute(
            "SELECT client_id, name, district, business_format, grade, market_type, opened_on "
            "FROM clients WHERE client_id LIKE 'N000%' ORDER BY client_id").fetchall()
    assert rows == [
        ("N0001", "新店一", "东湖区", "convenience", 9, "urban", dt.date(2024, 3, 1)),
        ("N0002", "新店二", "东湖区", "grocery", 12, "rural", dt.date(2024, 3, 2)),
        ("N0003", "新店三", "金城区", "tobacco_liquor", 15, "urban", None),
    ]
    assert temps(demo_db_copy) == []


def test_broken_file_is_refused_and_changes_nothing(demo_db_copy, cli_env, tmp_path):
    file = write_clients(tmp_path / "broken_clients.csv", GOOD_CLIENT_ROWS + BAD_CLIENT_ROWS)
    before, gen = sha256(demo_db_copy), store.generation(demo_db_copy)
    proc = run(cli_env, "load", "--db", demo_db_copy, "--table", "clients", file)
    assert proc.returncode == 1
    assert proc.stdout == ""
    err = proc.stderr
    assert "broken_clients.csv row 5, column 档位 (grade): value '四十档'" in err
    assert "broken_clients.csv row 6, column 业态 (business_format): value '夜总会'" in err
    for row in (7, 8):
        assert f"broken_clients.csv row {row}, column 客户编码 (client_id): value 'N0006'" in err
        assert "duplicate key" in err
    last = err.strip().splitlines()[-1]
    assert "nothing was written" in last and "--reject-file" in last
    # "a failed import leaves the database unchanged": the very same bytes, the same file
    assert sha256(demo_db_copy) == before
    assert store.generation(demo_db_copy) == gen
    assert temps(demo_db_copy) == []


def test_reject_file_loads_the_good_rows_and_keeps_the_bad(demo_db_copy, cli_env, tmp_path):
    file = write_clients(tmp_path / "broken_clients.csv", GOOD_CLIENT_ROWS + BAD_CLIENT_ROWS)
    rejects = tmp_path / "rejects.csv"
    before_version = version(demo_db_copy)
    proc = run(cli_env, "load", "--db", demo_db_copy, "--table", "clients", file,
               "--reject-file", rejects)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (f"loaded 3 rows into clients (warehouse version "
                                   f"{before_version + 1}); 4 bad rows written to {rejects}")
    bad = pd.read_csv(rejects, encoding="utf-8-sig", dtype=str)
    assert bad["client_id"].tolist() == ["N0004", "N0005", "N0006", "N0006"]
    assert bad["row"].astype(int).tolist() == [5, 6, 7, 8]
    assert bad["problem"].notna().all()
    assert "grade" in bad["problem"][0]
    assert "business_format" in bad["problem"][1]
    assert all("duplicate key" in p for p in bad["problem"][2:])
    assert (bad["file"] == "broken_clients.csv").all()
    with reading(demo_db_copy) as con:
        loaded = con.execute("SELECT client_id FROM clients WHERE client_id LIKE 'N000%' "
                             "ORDER BY 1").fetchall()
    assert loaded == [("N0001",), ("N0002",), ("N0003",)]


def test_loading_the_same_file_twice_is_idempotent(demo_db_copy, cli_env, tmp_path):
    file = write_clients(tmp_path / "new_clients.csv", GOOD_CLIENT_ROWS)
    query = "SELECT * FROM clients ORDER BY client_id"
    first = run(cli_env, "load", "--db", demo_db_copy, "--table", "clients", file)
    assert first.returncode == 0, first.stderr
    with reading(demo_db_copy) as con:
        once = con.execute(query).df()
    second = run(cli_env, "load", "--db", demo_db_copy, "--table", "clients", file)
    assert second.returncode == 0, second.stderr
    with reading(demo_db_copy) as con:
        twice = con.execute(query).df()
        log = con.execute("SELECT version, file_name, file_sha256, rows_loaded FROM import_log "
                          "WHERE table_name = 'clients' ORDER BY version").fetchall()
    pd.testing.assert_frame_equal(once, twice)
    assert len(log) == 2
    assert [r[1] for r in log] == ["new_clients.csv"] * 2
    assert log[0][2] == log[1][2] == sha256(file)
    assert [r[3] for r in log] == [3, 3]
    assert log[1][0] == log[0][0] + 1


def test_orders_for_an_unknown_client_are_refused(demo_db_copy, cli_env, tmp_path):
    with reading(demo_db_copy) as con:
        product = con.execute("SELECT min(product_id) FROM products").fetchone()[0]
    file = tmp_path / "orders.csv"
    file.write_text(ORDER_HEADER + f"2025-12-29,C99999999,{product},5,5\n", encoding="utf-8")
    before = sha256(demo_db_copy)
    proc = run(cli_env, "load", "--db", demo_db_copy, "--table", "orders", file)
    assert proc.returncode == 1
    assert "orders.csv row 2, column 客户编码 (client_id): value 'C99999999'" in proc.stderr
    assert "not found in clients" in proc.stderr
    assert "nothing was written" in proc.stderr
    assert sha256(demo_db_copy) == before


def test_missing_file(demo_db_copy, cli_env, tmp_path):
    before = sha256(demo_db_copy)
    proc = run(cli_env, "load", "--db", demo_db_copy, "--table", "clients", tmp_path / "gone.csv")
    assert proc.returncode == 1
    assert "no such file" in one_line(proc.stderr)
    assert "gone.csv" in proc.stderr
    assert sha256(demo_db_copy) == before


@pytest.mark.parametrize("table", ["nonsense", "users", "agg_client_product_week"])
def test_unknown_or_not_importable_table(demo_db_copy, cli_env, tmp_path, table):
    file = write_clients(tmp_path / "new_clients.csv", GOOD_CLIENT_ROWS)
    proc = run(cli_env, "load", "--db", demo_db_copy, "--table", table, file)
    assert proc.returncode != 0
    lines = error_lines(proc.stderr)
    assert len(lines) == 1 and table in lines[0] and "--table" in lines[0]


@pytest.mark.parametrize("name, content, says", [
    ("report.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n", "PDF"),
    ("export.csv", bytes(range(256)) * 16, "not a text file"),
    ("export.bin", b"\x00\x01\x02\x03" * 100, "unsupported file type"),
    ("empty.csv", b"", "empty"),
], ids=["pdf", "binary-csv", "bin", "empty"])
def test_unreadable_files_get_a_one_line_reason(demo_db_copy, cli_env, tmp_path, name, content,
                                                says):
    file = tmp_path / name
    file.write_bytes(content)
    before = sha256(demo_db_copy)
    proc = run(cli_env, "load", "--db", demo_db_copy, "--table", "clients", file)
    assert proc.returncode == 1
    reason = one_line(proc.stderr)
    assert reason.startswith("error: ") and says in reason
    assert name in reason or Path(name).suffix in reason  # which file (or which type) it is
    assert sha256(demo_db_copy) == before


def test_loading_orders_refreshes_the_touched_aggregates(demo_db_copy, cli_env, tmp_path):
    with reading(demo_db_copy) as con:
        # An existing (week, client, product) with one order line, and a day of that week
        # without an order for the pair: the new line must add to that week's row.
        week, client, product, qty, lines = con.execute(
            "SELECT period_start, client_id, product_id, qty_ordered, order_lines "
            "FROM agg_client_product_week WHERE order_lines = 1 "
            "AND period_start BETWEEN DATE '2025-06-02' AND DATE '2025-06-30' "
            "ORDER BY ALL LIMIT 1").fetchone()
        taken = {r[0] for r in con.execute(
            "SELECT order_date FROM orders WHERE client_id = ? AND product_id = ? "
            "AND order_date BETWEEN ? AND ?",
            [client, product, week, week + dt.timedelta(days=6)]).fetchall()}
        day = next(week + dt.timedelta(days=i) for i in range(7)
                   if week + dt.timedelta(days=i) not in taken)
        month = day.replace(day=1)
        month_qty = con.execute(
            "SELECT coalesce(sum(qty_ordered), 0) FROM agg_client_product_month "
            "WHERE period_start = ? AND client_id = ? AND product_id = ?",
            [month, client, product]).fetchone()[0]
        start_version = store.read_version(con)
    file = tmp_path / "orders.csv"
    file.write_text(ORDER_HEADER + f"{day},{client},{product},5,5\n"
                    f"2026-01-07,{client},{product},9,7\n", encoding="utf-8-sig")

    def week_row(con, start):
        return con.execute(
            "SELECT qty_ordered, order_lines FROM agg_client_product_week "
            "WHERE period_start = ? AND client_id = ? AND product_id = ?",
            [start, client, product]).fetchone()

    def month_row(con, start):
        return con.execute(
            "SELECT qty_ordered FROM agg_client_product_month "
            "WHERE period_start = ? AND client_id = ? AND product_id = ?",
            [start, client, product]).fetchone()[0]

    seen = []
    for attempt in (1, 2):  # the second load of the same file must not count anything twice
        proc = run(cli_env, "load", "--db", demo_db_copy, "--table", "orders", file)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(
            f"loaded 2 rows into orders (warehouse version {start_version + attempt})")
        with reading(demo_db_copy) as con:
            assert week_row(con, week) == (qty + 5, lines + 1)
            assert month_row(con, month) == month_qty + 5
            assert week_row(con, dt.date(2026, 1, 5)) == (7, 1)  # Monday of 2026-01-07
            assert month_row(con, dt.date(2026, 1, 1)) == 7
            total = con.execute("SELECT sum(qty_ordered) FROM orders").fetchone()[0]
            for agg in ("agg_client_product_week", "agg_client_product_month"):
                assert con.execute(f"SELECT sum(qty_ordered) FROM {agg}").fetchone()[0] == total
            seen.append(total)
    assert seen[0] == seen[1]


def test_load_while_the_dashboard_reads(demo_db_copy, cli_env, tmp_path):
    wh = Warehouse.open(demo_db_copy)
    try:
        count = "SELECT count(*) FROM clients"
        old_rows = wh.cursor().execute(count).fetchone()[0]
        old_version = wh.version
        assert wh.is_current()
        file = write_clients(tmp_path / "new_clients.csv", GOOD_CLIENT_ROWS)
        proc = run(cli_env, "load", "--db", demo_db_copy, "--table", "clients", file)
        assert proc.returncode == 0, proc.stderr
        # the open reader keeps its snapshot, whole ...
        assert wh.cursor().execute(count).fetchone()[0] == old_rows
        assert wh.cursor().execute(
            "SELECT count(*) FROM clients WHERE client_id LIKE 'N000%'").fetchone()[0] == 0
        assert wh.meta()["version"] == str(old_version)
        # ... knows it is stale ...
        assert not wh.is_current()
        # ... and a reopened one sees the import.
        fresh = Warehouse.open(demo_db_copy)
        try:
            assert fresh.is_current()
            assert fresh.version == old_version + 1
            assert fresh.cursor().execute(count).fetchone()[0] == old_rows + 3
        finally:
            fresh.close()
    finally:
        wh.close()


def test_killed_refresh_leaves_the_warehouse_as_it_was(small_copy, cli_env, tmp_path):
    before = sha256(small_copy)
    proc = subprocess.Popen([sys.executable, "-m", "data", "refresh", "--db", str(small_copy)],
                            cwd=ROOT, env=cli_env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not temps(small_copy) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if proc.poll() is not None:
            pytest.skip("the refresh finished before it could be killed")
        os.kill(proc.pid, signal.SIGKILL)  # a power cut, as far as the warehouse can tell
        assert proc.wait(10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert sha256(small_copy) == before
    assert version(small_copy) == 1
    assert temps(small_copy), "the killed writer should have left its working copy"
    # The dead writer's lock is gone with it; the next writer works and clears its leftovers.
    file = write_clients(tmp_path / "new_clients.csv", GOOD_CLIENT_ROWS)
    load = run(cli_env, "load", "--db", small_copy, "--table", "clients", file)
    assert load.returncode == 0, load.stderr
    assert version(small_copy) == 2
    assert temps(small_copy) == []


# ----------------------------------------------------------------------------- check

def test_check_a_healthy_warehouse(demo_db_copy, cli_env):
    before = sha256(demo_db_copy)
    proc = run(cli_env, "check", "--db", demo_db_copy)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith(f"warehouse {demo_db_copy} version 1")
    assert "freshness:" in out and "orders" in out
    assert out.strip().endswith("integrity: ok")
    assert sha256(demo_db_copy) == before


DAMAGE = {
    "duplicate client": (
        "INSERT INTO clients SELECT * FROM clients "
        "WHERE client_id = (SELECT min(client_id) FROM clients)",
        "clients: 1 rows with duplicate key (client_id)"),
    "orphan order": (
        "INSERT INTO orders (order_date, client_id, product_id, qty_demand, qty_ordered, amount) "
        "SELECT DATE '2024-06-05', 'C_GHOST', min(product_id), 3, 3, 30.0 FROM products",
        "orders: 1 rows with client_id not in clients"),
    "ordered above demand": (
        "INSERT INTO orders (order_date, client_id, product_id, qty_demand, qty_ordered, amount) "
        "SELECT DATE '2099-01-01', min(client_id), (SELECT min(product_id) FROM products), "
        "1, 4, 40.0 FROM clients",
        "orders: 1 rows with qty_ordered > qty_demand"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_check_names_the_broken_table_and_rule(small_copy, cli_env, damage):
    sql, finding = DAMAGE[damage]
    with store.writing(small_copy, action="test: damage", who="tests", refresh=False) as con:
        con.execute(sql)
    proc = run(cli_env, "check", "--db", small_copy)
    assert proc.returncode == 1
    assert "integrity problems:" in proc.stdout
    problems = proc.stdout.split("integrity problems:")[1].strip().splitlines()
    assert len(problems) == 1 and problems[0].startswith(finding), proc.stdout
    assert "integrity: ok" not in proc.stdout


def test_check_without_a_warehouse(cli_env, tmp_path):
    missing = tmp_path / "none.duckdb"
    proc = run(cli_env, "check", "--db", missing)
    assert proc.returncode == 1
    reason = one_line(proc.stderr)
    assert "python -m data generate" in reason and str(missing) in reason
    assert not missing.exists()


@pytest.mark.parametrize("args", [["check"], ["refresh"], ["load", "--table", "clients", "FILE"]],
                         ids=["check", "refresh", "load"])
def test_a_file_that_is_not_a_warehouse_gets_a_one_line_reason(cli_env, tmp_path, args):
    """02-architecture: every command "exits non-zero with a one-line reason on bad input";
    ``--db`` naming a file that is not a DuckDB warehouse is bad input, not a crash."""
    db = tmp_path / "notes.duckdb"
    db.write_text("these are my notes, not a warehouse\n", encoding="utf-8")
    file = write_clients(tmp_path / "new_clients.csv", GOOD_CLIENT_ROWS)
    args = [file if a == "FILE" else a for a in args]
    before = sha256(db)
    proc = run(cli_env, *args[:1], "--db", db, *args[1:])
    assert proc.returncode == 1
    reason = one_line(proc.stderr)
    assert reason.startswith("error: ") and "notes.duckdb" in reason
    assert sha256(db) == before
    assert temps(db) == []


# ----------------------------------------------------------------------------- refresh

def test_refresh_rebuilds_the_same_aggregates(small_copy, cli_env):
    before = agg_sums(small_copy)
    start_version = version(small_copy)
    proc = run(cli_env, "refresh", "--db", small_copy)
    assert proc.returncode == 0, proc.stderr
    line = proc.stdout.strip()
    assert line.startswith("refreshed ")
    assert "agg_client_product_week" in line and "agg_client_product_month" in line
    assert version(small_copy) == start_version + 1
    assert agg_sums(small_copy) == before


def test_refresh_without_a_warehouse(cli_env, tmp_path):
    missing = tmp_path / "none.duckdb"
    proc = run(cli_env, "refresh", "--db", missing)
    assert proc.returncode == 1
    assert "python -m data generate" in one_line(proc.stderr)
    assert not missing.exists()


# ----------------------------------------------------------------------------- JINYE_DB

def test_jinye_db_is_used_when_db_is_omitted(small_copy, cli_env, tmp_path):
    env = {**cli_env, "JINYE_DB": str(small_copy)}
    check = run(env, "check")
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith(f"warehouse {small_copy} version 1")
    file = write_clients(tmp_path / "new_clients.csv", GOOD_CLIENT_ROWS)
    load = run(env, "load", "--table", "clients", file)
    assert load.returncode == 0, load.stderr
    assert version(small_copy) == 2
    assert scalar(small_copy, "SELECT count(*) FROM clients") == 123
    assert not Path(cli_env["JINYE_DB"]).exists()


def test_db_option_wins_over_jinye_db(small_copy, cli_env, tmp_path):
    env = {**cli_env, "JINYE_DB": str(tmp_path / "other.duckdb")}
    proc = run(env, "check", "--db", small_copy)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"warehouse {small_copy} ")
    assert not (tmp_path / "other.duckdb").exists()
