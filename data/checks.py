"""Integrity and freshness of a warehouse: what ``python -m data check`` and the Data page show.

Each check is one query over the whole table; a finding names the table, what is wrong, how many
rows, and how to fix it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from data import schema, store
from data.aggregates import SOURCES
from data.importing.messages import Msg, column_word, table_word

# (table, date column) pairs whose latest date tells how fresh the data is: the facts the
# aggregates read, plus the planning tables.
FRESHNESS = {**SOURCES, "manager_forecasts": "month", "supply_plans": "period_start"}


@dataclass(frozen=True)
class Finding:
    """One integrity problem: ``rows`` rows of ``table`` break ``rule``.

    ``rule`` and ``fix`` are catalog messages: English as text, ``.render(lang)`` for the page.
    """

    table: str
    rule: Msg
    rows: int
    fix: Msg


def table_status(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per schema table present: table, rows, first_date, last_date (for facts)."""
    present = store.table_names(con)
    rows = []
    for name in schema.TABLES:
        if name not in present:
            continue
        count = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        first = last = None
        if name in FRESHNESS:
            first, last = con.execute(
                f'SELECT min("{FRESHNESS[name]}"), max("{FRESHNESS[name]}") FROM "{name}"').fetchone()
        rows.append({"table": name, "rows": count, "first_date": first, "last_date": last})
    return pd.DataFrame(rows, columns=["table", "rows", "first_date", "last_date"])


def _orphans(table: str, ref: schema.Reference) -> str:
    return (f'SELECT count(*) FROM "{table}" f WHERE f.{ref.column} IS NOT NULL AND NOT EXISTS '
            f'(SELECT 1 FROM "{ref.table}" r WHERE r.{ref.target_column} = f.{ref.column})')


def _duplicates(table: schema.Table) -> str:
    keys = ", ".join(table.key)
    return (f'SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM "{table.name}" '
            f'GROUP BY {keys} HAVING count(*) > 1)')


# Rows breaking each extra rule; its texts are the catalog's integrity.<rule>[.fix] messages.
_RULES = {
    "ordered_le_demand": "SELECT count(*) FROM orders WHERE qty_ordered > qty_demand",
    "ordered_le_cap": "SELECT count(*) FROM orders WHERE qty_cap IS NOT NULL AND qty_ordered > qty_cap",
    "period_end_ge_start": "SELECT count(*) FROM supply_plans WHERE period_end < period_start",
}


def integrity(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Every broken rule in the warehouse (empty list when all is well)."""
    findings: list[Finding] = []
    for table in schema.TABLES.values():
        if not table.key or not table.importable:
            continue
        dup = con.execute(_duplicates(table)).fetchone()[0]
        if dup:
            findings.append(Finding(table.name, Msg("integrity.duplicate_key", keys=", ".join(table.key)),
                                    int(dup), Msg("integrity.duplicate_key.fix")))
        for ref in table.references:
            n = con.execute(_orphans(table.name, ref)).fetchone()[0]
            if n:
                findings.append(Finding(
                    table.name, Msg("integrity.orphans", column=column_word(table.column(ref.column)),
                                    table=table_word(ref.table)),
                    int(n), Msg("integrity.orphans.fix", table=table_word(ref.table))))
        for rule in table.extra_checks:
            n = con.execute(_RULES[rule]).fetchone()[0]
            if n:
                findings.append(Finding(table.name, Msg(f"integrity.{rule}"), int(n),
                                        Msg(f"integrity.{rule}.fix")))
    return findings


def freshness(con: duckdb.DuckDBPyConnection, today: dt.date | None = None) -> pd.DataFrame:
    """Latest date per fact table and its age in days: table, last_date, age_days."""
    today = today or dt.date.today()
    status = table_status(con)
    status = status[status["table"].isin(list(FRESHNESS))].copy()
    status["age_days"] = [(today - d).days if isinstance(d, dt.date) else None
                          for d in status["last_date"]]
    return status[["table", "last_date", "age_days"]].reset_index(drop=True)


def import_history(con: duckdb.DuckDBPyConnection, limit: int = 50) -> pd.DataFrame:
    """The latest imports, newest first: version, loaded_at, table_name, file_name, rows_loaded,
    rows_rejected, loaded_by."""
    return con.execute(
        "SELECT version, loaded_at, table_name, file_name, rows_loaded, rows_rejected, loaded_by "
        "FROM import_log ORDER BY version DESC, loaded_at DESC LIMIT ?", [limit]).df()
