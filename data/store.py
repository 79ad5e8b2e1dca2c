"""The warehouse file: safe writes (copy-on-write + atomic swap) and fresh reads.

DuckDB lets one process hold a file read-write, or many hold it read-only, never both. The
dashboard must stay open during imports, and a failed or killed import must change nothing, so
writers never touch the live file:

1. take the writer lock (``<db>.lock``; one writer at a time, across processes);
2. copy the live file to ``<db>.tmp-<id>`` (or start an empty one for ``generate``);
3. do the work in one transaction on the copy, bump the warehouse version, CHECKPOINT, close;
4. ``os.replace`` the copy over the live file (atomic on POSIX) and fsync the folder.

Readers holding the old file keep reading the old inode until they reopen; they never see a mix.
A writer that dies leaves only a temp file, removed by the next writer.

Readers open a *generation* (inode + mtime) through its own hard-link path, because DuckDB
caches database instances by path within a process: a second ``connect(path)`` after a swap
would otherwise return the old instance.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from data import schema


class WarehouseMissing(FileNotFoundError):
    """There is no warehouse file at the configured path."""


class NotAWarehouse(ValueError):
    """The path exists but is not a DuckDB database (a text file, a folder, a damaged file)."""


class WarehouseBusy(RuntimeError):
    """Another writer holds the warehouse for longer than we are willing to wait."""


Generation = tuple[int, int, int]  # (inode, mtime_ns, size): which file is live
WRITER_MEMORY = "6GB"  # a writer's DuckDB memory limit; the dashboard keeps the rest


def generation(path: str | Path) -> Generation | None:
    """The identity of the live file, or None when there is none. Cheap: one ``stat``."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def missing_message(path: Path) -> str:
    return (f"no warehouse at {path}: create one with `python -m data generate --db {path}` "
            f"(demo city) or load your files with `python -m data load --db {path} ...`")


def _connect(target: Path, shown: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, with a failure to open reported against the user's path."""
    try:
        return duckdb.connect(str(target), read_only=read_only)
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0]
        if "not a valid DuckDB database" in reason or target.is_dir() or shown.is_dir():
            reason = "not a DuckDB database file"
        raise NotAWarehouse(f"{shown} cannot be opened as a Jinye warehouse: {reason}") from None


def open_reader(path: str | Path) -> tuple[duckdb.DuckDBPyConnection, Generation]:
    """Open the live warehouse read-only, as its own DuckDB instance.

    Returns:
        The connection and the generation it holds; compare with ``generation(path)`` to know
        when to reopen.

    Raises:
        WarehouseMissing: no file at ``path``.
        NotAWarehouse: the file is not a DuckDB database.
    """
    path = Path(path)
    if path.is_dir():
        raise NotAWarehouse(f"{path} is a folder, not a warehouse file")
    gen = generation(path)
    if gen is None:
        raise WarehouseMissing(missing_message(path))
    link_dir = path.parent / f".{path.name}.readers"
    link_dir.mkdir(exist_ok=True)
    link = link_dir / f"{gen[0]}-{gen[1]}.duckdb"
    try:
        os.link(path, link)
    except FileExistsError:
        pass  # another session linked this generation first
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
            raise
        return _connect(path, path, read_only=True), gen  # no hard links: plain open
    if generation(link) != gen:  # swapped between stat and link: retry on the new file
        link.unlink(missing_ok=True)
        return open_reader(path)
    try:
        con = _connect(link, path, read_only=True)
    except NotAWarehouse:
        link.unlink(missing_ok=True)
        raise
    _prune_links(link_dir, keep=link)
    return con, gen


def _prune_links(link_dir: Path, keep: Path) -> None:
    """Remove links of old generations. Open readers keep their inode alive regardless."""
    for other in link_dir.glob("*.duckdb"):
        if other != keep:
            other.unlink(missing_ok=True)


@contextmanager
def writer_lock(path: Path, timeout: float = 600.0) -> Iterator[None]:
    """Hold the cross-process writer lock of ``path`` (fcntl, released if the process dies)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WarehouseBusy(
                        f"another import or refresh is writing {path}; try again when it is done"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_stale_temps(path: Path) -> None:
    # Called under the writer lock, so any temp file left is from a writer that died.
    for stale in path.parent.glob(path.name + ".tmp-*"):
        stale.unlink(missing_ok=True)


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The tables of the warehouse open on ``con``."""
    return {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}


def read_meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The warehouse's key/value facts about itself (version, schema version, ...)."""
    return dict(con.execute("SELECT key, value FROM warehouse_meta").fetchall())


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table of the schema that is missing (never drops or alters)."""
    for table in schema.TABLES.values():
        con.execute(table.ddl())


def read_version(con: duckdb.DuckDBPyConnection) -> int:
    """The warehouse version: 0 for an empty warehouse, +1 with every write."""
    try:
        row = con.execute("SELECT value FROM warehouse_meta WHERE key = 'version'").fetchone()
    except duckdb.CatalogException:
        return 0
    return int(row[0]) if row else 0


def _bump_version(con: duckdb.DuckDBPyConnection, action: str, who: str) -> int:
    version = read_version(con) + 1
    now = dt.datetime.now().isoformat(timespec="seconds")
    for key, value in (("version", str(version)), ("updated_at", now), ("last_action", action),
                       ("last_writer", who), ("schema_version", schema.SCHEMA_VERSION)):
        con.execute("DELETE FROM warehouse_meta WHERE key = ?", [key])
        con.execute("INSERT INTO warehouse_meta VALUES (?, ?)", [key, value])
    return version


@contextmanager
def writing(path: str | Path, *, action: str, who: str = "cli", fresh: bool | str = False,
            refresh: bool | dt.date = True,
            lock_timeout: float = 600.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """Write to the warehouse safely: all of the block's changes appear at once, or none.

    Args:
        path: the live warehouse file.
        action: what the write is (``import clients``, ``generate``, ...), kept in the metadata.
        who: the user or process, kept in the metadata.
        fresh: start from an empty database instead of a copy (``generate``); the live file, if
            any, is replaced only when the block succeeds. ``"if_missing"``: copy the live file
            when there is one, else start empty (decided under the lock, so two first loads
            cannot overwrite each other).
        refresh: rebuild the derived aggregates after the block: True for all periods, a date
            for the periods from that date on (an import of recent facts), False for none (an
            import of dimensions, which the aggregates do not hold).
        lock_timeout: seconds to wait for another writer.

    Yields:
        A read-write connection to the working copy, inside a transaction, with every table of
        the schema present.

    Raises:
        WarehouseMissing: ``fresh`` is false and there is no live file.
        WarehouseBusy: another writer held the lock past ``lock_timeout``.
    """
    from data.aggregates import refresh_aggregates  # late: aggregates imports this module

    path = Path(path)
    with writer_lock(path, lock_timeout):
        _remove_stale_temps(path)
        if fresh == "if_missing":
            fresh = not path.exists()
        if not fresh and not path.exists():
            raise WarehouseMissing(missing_message(path))
        tmp = path.with_name(f"{path.name}.tmp-{uuid.uuid4().hex[:12]}")
        if path.exists() and not path.is_file():
            raise NotAWarehouse(f"{path} is a folder, not a warehouse file")
        try:
            if not fresh:
                shutil.copyfile(path, tmp)
            con = _connect(tmp, path, read_only=False)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        try:
            con.execute("SET enable_progress_bar = false")
            # Bounded memory for big writes (a city's aggregates); DuckDB spills the rest to disk.
            con.execute("SET memory_limit = ?", [WRITER_MEMORY])
            con.execute("SET temp_directory = ?", [str(path.parent / f".{path.name}.spill")])
            # The copy is not live until the swap, so committing in steps costs no atomicity,
            # and the refresh reads committed data (DuckDB is far slower and hungrier reading
            # tens of millions of rows from an open transaction's local storage).
            con.execute("BEGIN")
            create_tables(con)
            yield con
            con.execute("COMMIT")
            con.execute("BEGIN")
            if refresh is not False:
                refresh_aggregates(con, since=None if refresh is True else refresh)
            _bump_version(con, action, who)
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
            con.close()
            os.replace(tmp, path)
            _fsync_dir(path.parent)
        except BaseException:
            con.close()
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                leftover.unlink(missing_ok=True)
            raise


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
