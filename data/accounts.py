"""Local accounts and the people the demo mode offers: reads of the ``users`` and ``managers``
tables. Passwords are stored as bcrypt hashes only."""

from __future__ import annotations

import bcrypt
import duckdb

from data.warehouse import Viewer


def has_accounts(con: duckdb.DuckDBPyConnection) -> bool:
    """True when at least one enabled account exists (which turns demo mode off by default)."""
    return con.execute("SELECT count(*) FROM users WHERE NOT coalesce(disabled, false)").fetchone()[0] > 0


def check_password(con: duckdb.DuckDBPyConnection, username: str, password: str) -> Viewer | None:
    """The viewer for valid credentials of an enabled account, else None."""
    row = con.execute(
        "SELECT username, role, manager_id, display_name, password_hash FROM users "
        "WHERE username = ? AND NOT coalesce(disabled, false)", [username]).fetchone()
    if row is None or not row[4]:
        return None
    if not bcrypt.checkpw(password.encode("utf-8"), row[4].encode("utf-8")):
        return None
    return Viewer(username=row[0], role=row[1], manager_id=row[2], display_name=row[3])


def managers(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(manager_id, name, territory) of every customer manager, by id."""
    return con.execute(
        "SELECT manager_id, coalesce(name, manager_id), territory FROM managers ORDER BY manager_id"
    ).fetchall()
