"""Writing validated rows: a keys upsert (delete the rows with the same key, then insert).

Both statements read a registered frame, so the work is two set operations in DuckDB whatever the
size, and no value of the input is ever formatted into SQL text (identifiers come from
``data.schema`` only). The caller owns the transaction: run ``upsert`` between BEGIN and COMMIT so
that readers see the old or the new data and a failed import changes nothing.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from data.schema import Table

from .prepare import Prepared
from .readers import table_of
from .warehouse import registered


def _q(name: str) -> str:
    return f'"{name}"'


def _frame_for(prepared_or_frame: Prepared | pd.DataFrame, spec: Table) -> pd.DataFrame:
    if isinstance(prepared_or_frame, Prepared):
        if prepared_or_frame.table != spec.name:
            raise ValueError(f"prepared rows are for {prepared_or_frame.table}, not {spec.name}")
        # Only the good rows, even when the input had errors: whether to load a partly bad
        # input is the caller's decision (03-data-model: "an option may load the good rows").
        return prepared_or_frame.good
    frame = prepared_or_frame
    unknown = sorted(set(frame.columns) - set(spec.column_names))
    missing_keys = [k for k in spec.key if k not in frame.columns]
    if unknown or missing_keys:
        raise ValueError(f"frame does not fit {spec.name}: unknown columns {unknown}, "
                         f"missing key columns {missing_keys}")
    if spec.key and frame.duplicated(spec.key).any():
        raise ValueError(f"frame has duplicate keys ({', '.join(spec.key)}); validate it with "
                         "prepare() first")
    return frame


def upsert(con: duckdb.DuckDBPyConnection, prepared_or_frame: Prepared | pd.DataFrame,
           table: str) -> int:
    """Write rows to ``table``: existing rows with the same key are replaced (idempotent).

    Args:
        con: the warehouse; the caller owns BEGIN/COMMIT.
        prepared_or_frame: a ``Prepared`` (its good rows are written; check ``prepared.ok``
            first unless loading the good rows of a partly bad input is intended), or a frame
            with the table's canonical columns and parsed values (missing non-key columns are
            written as NULL).
        table: the table name.

    Returns:
        The number of rows written.

    Raises:
        ImportFileError: ``table`` is not importable.
        ValueError: prepared rows of another table, or a frame with foreign columns, missing
            key columns or duplicate keys.
    """
    spec = table_of(table)
    frame = _frame_for(prepared_or_frame, spec)
    if frame.empty:
        return 0
    con.execute(spec.ddl())
    present = [c for c in spec.column_names if c in frame.columns]
    with registered(con, frame[present]) as src:
        if spec.key:
            # IS NOT DISTINCT FROM: a NULL key part (a forecast's client total) matches NULL.
            match = " AND ".join(
                f"t.{_q(k)} IS NOT DISTINCT FROM CAST(s.{_q(k)} AS {spec.column(k).sql_type})"
                for k in spec.key)
            con.execute(f"DELETE FROM {_q(spec.name)} t USING {_q(src)} s WHERE {match}")
        cols = ", ".join(_q(c) for c in present)
        casts = ", ".join(f"CAST(s.{_q(c)} AS {spec.column(c).sql_type})" for c in present)
        con.execute(f"INSERT INTO {_q(spec.name)} ({cols}) SELECT {casts} FROM {_q(src)} s")
    return len(frame)
