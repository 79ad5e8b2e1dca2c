"""Checks and look-ups against the warehouse: references (an order's client exists) and prices.

These need the DuckDB connection, which a static pandera schema cannot hold, so they run here:
the *distinct* codes of the input are registered as a frame and anti-joined in DuckDB with the
referenced table (scales to millions of clients; no user value is ever formatted into SQL).
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Iterator

import duckdb
import numpy as np
import pandas as pd

from data.schema import TABLES, Table

from .messages import Msg, column_word, table_word
from .validate import issue_frame


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> Iterator[str]:
    """Register ``frame`` under a fresh name for the duration of the block; yields the name."""
    name = f"_jinye_import_{uuid.uuid4().hex}"
    try:
        con.register(name, frame)
    except duckdb.ResourceInUseException:
        # DuckDB refuses to register while a SELECT of the caller is still pending on ``con``;
        # running that result to its end (rows unread) is what DuckDB asks for and loses no write.
        con.complete()
        con.register(name, frame)
    try:
        yield name
    finally:
        con.unregister(name)


def row_count(con: duckdb.DuckDBPyConnection, table: str) -> int | None:
    """Rows in a warehouse table, or None when the table does not exist."""
    try:
        return con.execute(f'SELECT count(*) FROM "{TABLES[table].name}"').fetchall()[0][0]
    except duckdb.CatalogException:
        return None


def _missing_codes(con, codes: np.ndarray, table: str, column: str) -> set:
    with registered(con, pd.DataFrame({"code": pd.Series(codes, dtype=str)})) as src:
        rows = con.execute(
            f'SELECT s.code FROM "{src}" s ANTI JOIN "{table}" t ON s.code = t."{column}"'
        ).fetchall()
    return {r[0] for r in rows}


def reference_issues(con: duckdb.DuckDBPyConnection, table: Table, typed: pd.DataFrame,
                     checkable: dict[str, np.ndarray], good: np.ndarray) -> pd.DataFrame:
    """Rows whose referenced code (client_id, product_id...) is not in the referenced table.

    Args:
        con: the warehouse.
        table: the table being imported.
        typed: the parsed frame (RangeIndex = positions).
        checkable: column -> rows whose value was read (unreadable ones are already reported).
        good: rows without errors so far; for a table referring to itself, their codes count.
    """
    out = []
    for ref in table.references:
        codes = typed[ref.column]
        present = codes.notna().to_numpy() & checkable[ref.column]
        if not present.any():
            continue
        count = row_count(con, ref.table)
        pos = np.flatnonzero(present)
        column, target = column_word(table.column(ref.column)), table_word(ref.table)
        if not count:
            code = "ref.table_missing" if count is None else "ref.table_empty"
            out.append(issue_frame(pos, ref.column, Msg(code, column=column, table=target),
                                   Msg("ref.load_first", table=target)))
            continue
        uniques = pd.unique(codes[present])
        missing = _missing_codes(con, uniques, ref.table, ref.target_column)
        if ref.table == table.name:
            missing -= set(typed.loc[good, ref.target_column].dropna())
        if missing:
            pos = pos[codes.iloc[pos].isin(missing).to_numpy()]
            out.append(issue_frame(pos, ref.column,
                                   Msg("ref.not_found", column=column, table=target),
                                   Msg("ref.not_found.fix", table=target)))
    return pd.concat(out, ignore_index=True) if out else issue_frame([], "", "", "")


def wholesale_prices(con: duckdb.DuckDBPyConnection, product_ids: pd.Series) -> pd.Series:
    """products.wholesale_price for each id (NaN when unknown or when products does not exist)."""
    uniques = pd.unique(product_ids.dropna())
    if not len(uniques) or not row_count(con, "products"):
        return pd.Series(np.nan, index=product_ids.index, dtype="Float64")
    with registered(con, pd.DataFrame({"code": pd.Series(uniques, dtype=str)})) as src:
        prices = con.execute(
            f'SELECT s.code, p.wholesale_price FROM "{src}" s '
            f'JOIN products p ON s.code = p.product_id'
        ).df()
    lookup = prices.drop_duplicates("code").set_index("code")["wholesale_price"]
    return product_ids.map(lookup).astype("Float64")
