"""Writing the city into DuckDB: table creation, small frames, and buffered fact rows.

Fact rows arrive from the simulation as numpy arrays of integer codes (day index, client index,
product index). They are buffered and written in chunks through Arrow: ids become dictionary
arrays and days become ``date32``, so no per-row Python runs and memory stays bounded.
Writes run on one background thread, so DuckDB compresses and stores a chunk while numpy
simulates the next days (both release the GIL); the queue is short, which bounds memory.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Callable

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from data.schema import TABLES

_EPOCH = dt.date(1970, 1, 1)
SOURCES = ("visit", "pos")


class Sink:
    """Buffered writer of the demo tables into one open DuckDB connection.

    Use as a context manager: on exit every buffered row is written and the writer thread is
    joined; an error raised by a write is re-raised in the caller's thread.

    Args:
        con: the connection (its transaction is the caller's business). Only the writer thread
            touches it while the sink is open.
        client_ids, product_ids: the ids that client and product indices refer to.
        start: the date of day index 0.
        flush_rows: rows buffered per table before they are written.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, client_ids: list[str],
                 product_ids: list[str], start: dt.date, flush_rows: int = 2_000_000) -> None:
        self.con = con
        self._ids = {"client_id": pa.array(client_ids, pa.string()),
                     "product_id": pa.array(product_ids, pa.string()),
                     "source": pa.array(SOURCES, pa.string())}
        self._day0 = (start - _EPOCH).days
        self._flush_rows = flush_rows
        self._buffers: dict[str, list[dict[str, np.ndarray]]] = {}
        self._pending: dict[str, int] = {}
        self.counts: dict[str, int] = {name: 0 for name in TABLES}
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._cancelled = False
        self._thread = threading.Thread(target=self._work, name="demo-writer", daemon=True)

    def __enter__(self) -> Sink:
        self._thread.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.flush()
        else:
            self._cancelled = True  # the caller rolls back anyway: skip what is still queued
        self._jobs.put(None)
        self._thread.join()
        if exc_type is None and self._error is not None:
            raise self._error

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._error is None and not self._cancelled:  # else drain without writing
                try:
                    job()
                except BaseException as e:  # noqa: BLE001 — handed to the caller's thread
                    self._error = e

    def _submit(self, job: Callable[[], None]) -> None:
        if self._error is not None:
            raise self._error
        self._jobs.put(job)

    def create_tables(self) -> None:
        """Create every table of the schema (left empty unless the generator fills it)."""
        def job() -> None:
            for table in TABLES.values():
                self.con.execute(table.ddl())
        self._submit(job)

    def frame(self, table: str, df: pd.DataFrame) -> None:
        """Insert a small pandas frame holding (at least) the table's columns."""
        def job() -> None:
            cols = TABLES[table].column_names
            _demo_frame = df[cols]  # noqa: F841 — read by DuckDB's replacement scan below
            names = ", ".join(cols)
            self.con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _demo_frame")
            self.counts[table] += len(df)
        self._submit(job)

    def add(self, table: str, columns: dict[str, np.ndarray]) -> None:
        """Buffer fact rows given as arrays: dates as day indices, ids as indices (negative =
        NULL), ``source`` as an index into ``SOURCES``, a negative ``qty_cap`` as NULL."""
        n = len(next(iter(columns.values())))
        if n == 0:
            return
        self._buffers.setdefault(table, []).append(columns)
        self._pending[table] = self._pending.get(table, 0) + n
        if self._pending[table] >= self._flush_rows:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        """Queue the buffered rows of ``table`` (or of every table) for writing."""
        for name in [table] if table else list(self._buffers):
            chunks = self._buffers.pop(name, [])
            self._pending[name] = 0
            if chunks:
                self._submit(lambda name=name, chunks=chunks: self._write(name, chunks))

    def _arrow(self, table: str, chunks: list[dict[str, np.ndarray]]) -> pa.Table:
        arrays = {}
        for col in TABLES[table].columns:
            values = np.concatenate([c[col.name] for c in chunks])
            if col.name in self._ids:
                codes = values.astype(np.int32)
                arrays[col.name] = pa.DictionaryArray.from_arrays(
                    pa.array(codes, mask=codes < 0), self._ids[col.name])
            elif col.dtype == "date":
                arrays[col.name] = pa.array((values + self._day0).astype(np.int32)).cast(pa.date32())
            elif col.dtype == "int":
                ints = values.astype(np.int64)
                arrays[col.name] = pa.array(ints, mask=ints < 0 if col.name == "qty_cap" else None)
            else:
                arrays[col.name] = pa.array(values.astype(np.float64))
        return pa.table(arrays)

    def _write(self, table: str, chunks: list[dict[str, np.ndarray]]) -> None:
        _demo_chunk = self._arrow(table, chunks)
        cols = TABLES[table].column_names
        select = ", ".join(f"{c}::VARCHAR" if c in self._ids else c for c in cols)
        # A replacement scan of the local variable, not con.register(): inside an open
        # transaction registered objects stay referenced until commit, so every chunk written
        # would stay in memory.
        self.con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} "
                         f"FROM _demo_chunk")
        self.counts[table] += _demo_chunk.num_rows
