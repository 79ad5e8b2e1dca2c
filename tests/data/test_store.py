"""Tests for data.store: copy-on-write writes, the atomic swap, the writer lock, fresh readers.

Each test builds its own warehouse in tmp_path with ``store.writing(..., fresh=True)``.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from data import store
from data.warehouse import Warehouse

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _add_product(con: duckdb.DuckDBPyConnection, product_id: str) -> None:
    con.execute("INSERT INTO products (product_id, name, brand, price_class, wholesale_price, "
                "retail_price) VALUES (?, 'n', 'b', 1, 100.0, 120.0)", [product_id])


def _product_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT product_id FROM products ORDER BY 1").fetchall()]


def _temps(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + ".tmp-*"))


def _read(path: Path) -> tuple[list[str], int]:
    """(product ids, version) as a fresh reader sees them."""
    con, _ = store.open_reader(path)
    try:
        return _product_ids(con), store.read_version(con)
    finally:
        con.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A warehouse at version 1 holding one product, P1."""
    path = tmp_path / "wh.duckdb"
    with store.writing(path, action="test", fresh=True) as con:
        _add_product(con, "P1")
    return path


# --- writes --------------------------------------------------------------------------------

def test_fresh_write_creates_version_1_with_every_table(tmp_path):
    path = tmp_path / "new.duckdb"
    assert store.generation(path) is None
    with store.writing(path, action="generate", who="tester", fresh=True) as con:
        _add_product(con, "P1")
    con, _ = store.open_reader(path)
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    meta = dict(con.execute("SELECT key, value FROM warehouse_meta").fetchall())
    con.close()
    assert {"clients", "products", "orders", "warehouse_meta", "agg_client_product_week",
            "agg_client_product_month"} <= tables
    assert meta["version"] == "1"
    assert meta["last_action"] == "generate"
    assert meta["last_writer"] == "tester"
    assert _temps(path) == []


def test_write_appears_with_version_plus_one(db):
    assert _read(db) == (["P1"], 1)
    gen_before = store.generation(db)
    with store.writing(db, action="import products") as con:
        # inside the block, the live file is untouched: a reader still sees version 1
        assert _read(db) == (["P1"], 1)
        _add_product(con, "P2")
        assert _read(db) == (["P1"], 1)
    assert _read(db) == (["P1", "P2"], 2)
    assert store.generation(db) != gen_before
    assert _temps(db) == []


def test_read_version_is_zero_without_meta():
    con = duckdb.connect(":memory:")
    assert store.read_version(con) == 0
    store.create_tables(con)
    assert store.read_version(con) == 0


def test_exception_inside_writing_changes_nothing(db):
    digest, gen = _sha256(db), store.generation(db)
    with pytest.raises(RuntimeError, match="boom"):
        with store.writing(db, action="failing import") as con:
            _add_product(con, "P2")
            con.execute("DELETE FROM products WHERE product_id = 'P1'")
            raise RuntimeError("boom")
    assert _sha256(db) == digest
    assert store.generation(db) == gen
    assert _read(db) == (["P1"], 1)
    assert _temps(db) == []
    assert not list(db.parent.glob("*.wal"))


def test_failing_fresh_write_keeps_old_file(db):
    digest = _sha256(db)
    with pytest.raises(ValueError):
        with store.writing(db, action="generate", fresh=True) as con:
            _add_product(con, "X1")
            raise ValueError("generator failed")
    assert _sha256(db) == digest
    assert _read(db) == (["P1"], 1)
    assert _temps(db) == []


def test_sql_error_inside_writing_changes_nothing(db):
    digest = _sha256(db)
    with pytest.raises(duckdb.Error):
        with store.writing(db, action="bad sql") as con:
            _add_product(con, "P2")
            con.execute("INSERT INTO no_such_table VALUES (1)")
    assert _sha256(db) == digest
    assert _read(db) == (["P1"], 1)
    assert _temps(db) == []


def test_stale_temp_from_dead_writer_is_removed_by_next_writer(db):
    digest = _sha256(db)
    stale = db.with_name(db.name + ".tmp-deadbeef0000")
    stale.write_bytes(b"half-written garbage from a killed writer")
    stale_wal = db.with_name(db.name + ".tmp-deadbeef0000.wal")
    stale_wal.write_bytes(b"garbage")
    # the live file is untouched and readable while the stale temp lies around
    assert _read(db) == (["P1"], 1)
    assert _sha256(db) == digest
    with store.writing(db, action="next import") as con:
        assert not stale.exists() and not stale_wal.exists()
        _add_product(con, "P2")
    assert _read(db) == (["P1", "P2"], 2)
    assert _temps(db) == []


def test_generation_changes_after_write(db):
    gen1 = store.generation(db)
    assert gen1 is not None and len(gen1) == 3
    assert store.generation(db) == gen1  # stable without a write
    with store.writing(db, action="refresh"):
        pass
    gen2 = store.generation(db)
    assert gen2 != gen1
    assert _read(db) == (["P1"], 2)  # an empty write still bumps the version


def test_missing_warehouse(tmp_path):
    path = tmp_path / "absent.duckdb"
    with pytest.raises(store.WarehouseMissing, match="python -m data generate"):
        store.open_reader(path)
    with pytest.raises(store.WarehouseMissing, match="python -m data generate"):
        Warehouse.open(path)
    with pytest.raises(store.WarehouseMissing, match="python -m data generate"):
        with store.writing(path, action="load"):
            pass
    assert issubclass(store.WarehouseMissing, FileNotFoundError)
    assert not path.exists()
    assert _temps(path) == []


# --- readers -------------------------------------------------------------------------------

def test_old_reader_keeps_old_data_new_reader_sees_new(db):
    # Same process: DuckDB caches instances by path, the per-generation hard link avoids it.
    old_con, old_gen = store.open_reader(db)
    assert _product_ids(old_con) == ["P1"]
    with store.writing(db, action="import") as con:
        _add_product(con, "P2")
    new_con, new_gen = store.open_reader(db)
    assert new_gen != old_gen
    assert _product_ids(new_con) == ["P1", "P2"]
    assert store.read_version(new_con) == 2
    # the old reader still reads its own generation, completely
    assert _product_ids(old_con) == ["P1"]
    assert store.read_version(old_con) == 1
    old_con.close()
    new_con.close()


def test_warehouse_is_current_flips_after_write(db):
    wh = Warehouse.open(db)
    assert wh.version == 1 and wh.is_current()
    with store.writing(db, action="import") as con:
        _add_product(con, "P2")
    assert not wh.is_current()
    assert _product_ids(wh.cursor()) == ["P1"]
    wh2 = Warehouse.open(db)
    assert wh2.version == 2 and wh2.is_current()
    assert _product_ids(wh2.cursor()) == ["P1", "P2"]
    wh.close()
    wh2.close()


def test_concurrent_readers_of_a_new_generation(db):
    # The dashboard serves many sessions at once (02-architecture): after an import, several
    # sessions open the new generation at the same moment. Each must get a reader.
    errors: list[str] = []
    for round_ in range(15):
        with store.writing(db, action=f"import {round_}", refresh=False):
            pass
        barrier = threading.Barrier(8)

        def open_one():
            barrier.wait()
            try:
                con, _ = store.open_reader(db)
                assert _product_ids(con) == ["P1"]
                con.close()
            except Exception as exc:  # noqa: BLE001 - collected and reported below
                errors.append(f"{type(exc).__name__}: {exc}")

        threads = [threading.Thread(target=open_one) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
    assert errors == []
    assert _read(db) == (["P1"], 16)


def test_two_readers_of_the_same_generation(db):
    a, gen_a = store.open_reader(db)
    b, gen_b = store.open_reader(db)
    assert gen_a == gen_b
    assert _product_ids(a) == _product_ids(b) == ["P1"]
    a.close()
    assert _product_ids(b) == ["P1"]
    b.close()


# --- the writer lock -----------------------------------------------------------------------

def test_busy_writer_times_out(db):
    with store.writer_lock(db):
        started = time.monotonic()
        with pytest.raises(store.WarehouseBusy):
            with store.writing(db, action="import", lock_timeout=0.3):
                pytest.fail("entered the block while another writer held the lock")
        assert time.monotonic() - started >= 0.3
    assert _read(db) == (["P1"], 1)


def test_concurrent_writers_in_threads_are_serialised(db):
    a_inside = threading.Event()
    b_started = threading.Event()
    b_entered = threading.Event()
    seen: dict[str, object] = {}
    errors: list[BaseException] = []

    def writer_a():
        try:
            with store.writing(db, action="A", lock_timeout=10) as con:
                _add_product(con, "PA")
                a_inside.set()
                assert b_started.wait(5)
                time.sleep(0.6)  # B polls the lock meanwhile
                seen["b_entered_while_a_held"] = b_entered.is_set()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def writer_b():
        try:
            assert a_inside.wait(5)
            b_started.set()
            with store.writing(db, action="B", lock_timeout=10) as con:
                b_entered.set()
                # B works on a copy taken after A's swap: A's row and version are there
                seen["b_sees"] = (_product_ids(con), store.read_version(con))
                _add_product(con, "PB")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not errors, errors
    assert seen["b_entered_while_a_held"] is False
    assert seen["b_sees"] == (["P1", "PA"], 2)
    assert _read(db) == (["P1", "PA", "PB"], 3)  # version 1 + 2
    assert _temps(db) == []


_HOLDING_WRITER = """
import sys, time
from pathlib import Path
from data import store
db, product, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
with store.writing(db, action="subprocess", lock_timeout=10) as con:
    con.execute("INSERT INTO products (product_id, name, brand, price_class, wholesale_price, "
                "retail_price) VALUES (?, 'n', 'b', 1, 100.0, 120.0)", [product])
    print("inside", flush=True)
    deadline = time.monotonic() + 20
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
print("done", flush=True)
"""


def _start_writer(db: Path, product: str, go: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", _HOLDING_WRITER, str(db), product, str(go)],
                            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    line = proc.stdout.readline()
    if line.strip() != "inside":
        proc.kill()
        raise AssertionError(f"writer did not start: {line!r} {proc.stderr.read()}")
    return proc


def test_concurrent_writers_across_processes_are_serialised(db, tmp_path):
    go = tmp_path / "go"
    proc = _start_writer(db, "PX", go)
    entered = threading.Event()
    errors: list[BaseException] = []

    def local_writer():
        try:
            with store.writing(db, action="local", lock_timeout=15) as con:
                entered.set()
                _add_product(con, "PL")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    t = threading.Thread(target=local_writer)
    t.start()
    time.sleep(0.6)
    assert not entered.is_set(), "second writer entered while the subprocess held the lock"
    go.touch()
    assert proc.wait(20) == 0
    t.join(20)
    assert not errors, errors
    assert entered.is_set()
    assert _read(db) == (["P1", "PL", "PX"], 3)


def test_killed_writer_leaves_live_file_unchanged(db, tmp_path):
    digest, gen = _sha256(db), store.generation(db)
    proc = _start_writer(db, "PK", tmp_path / "never")
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(10) == -signal.SIGKILL
    proc.stdout.close()
    proc.stderr.close()
    # the live file: byte-identical, same generation, readable, old data
    assert _sha256(db) == digest
    assert store.generation(db) == gen
    assert _read(db) == (["P1"], 1)
    assert _temps(db), "the killed writer should have left its working copy behind"
    # the lock died with the process; the next writer cleans up and succeeds
    with store.writing(db, action="after crash", lock_timeout=5) as con:
        _add_product(con, "P2")
    assert _temps(db) == []
    assert _read(db) == (["P1", "P2"], 2)
