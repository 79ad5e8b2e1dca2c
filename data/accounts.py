"""Local accounts and the people the demo mode offers: the ``users`` and ``managers`` tables.

Passwords are stored as bcrypt hashes only. The functions that change accounts take a connection
inside ``store.writing`` (one safe write each) and raise ``AccountError`` with a one-line reason
before changing anything.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import bcrypt
import duckdb

from data.schema import ROLES

if TYPE_CHECKING:
    from data.warehouse import Viewer

MIN_PASSWORD = 8
MAX_PASSWORD_BYTES = 72  # bcrypt ignores (and bcrypt 5 refuses) anything longer
# Letters, digits and . _ @ - : a login name, or the e-mail an OIDC provider reports.
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")


class AccountError(ValueError):
    """An account change that cannot be made; the message is one line for the user."""


def has_accounts(con: duckdb.DuckDBPyConnection) -> bool:
    """True once any account exists, enabled or not (which turns demo mode off by default).

    Disabled accounts count too: disabling every account must lock the dashboard, not reopen it
    to anyone as the demo mode's marketing view.
    """
    return con.execute("SELECT count(*) FROM users").fetchone()[0] > 0


def check_password(con: duckdb.DuckDBPyConnection, username: str, password: str) -> Viewer | None:
    """The viewer for valid credentials of an enabled account, else None."""
    if not password or len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return None  # bcrypt would raise on a long one; no stored password can match either
    row = con.execute(
        "SELECT username, role, manager_id, display_name, password_hash FROM users "
        "WHERE username = ? AND NOT coalesce(disabled, false)", [username]).fetchone()
    if row is None or not row[4]:
        return None
    if not bcrypt.checkpw(password.encode("utf-8"), row[4].encode("utf-8")):
        return None
    from data.warehouse import Viewer  # here: the users command need not load ibis and pandas

    return Viewer(username=row[0], role=row[1], manager_id=row[2], display_name=row[3])


def viewer_for(con: duckdb.DuckDBPyConnection, username: str | None) -> Viewer | None:
    """The viewer of the enabled account ``username`` (case-insensitive), as the table says now:
    an OIDC identity's e-mail, or a signed-in local account checked again on every run (so a
    disabled account or a changed role takes effect at the next click). None for an unknown,
    empty or disabled name (default deny)."""
    username = (username or "").strip()
    if not username:
        return None
    rows = con.execute(
        "SELECT username, role, manager_id, display_name FROM users "
        "WHERE lower(username) = lower(?) AND NOT coalesce(disabled, false)", [username]).fetchall()
    if len(rows) != 1:  # usernames are unique regardless of case; two matches would be a damaged table
        return None
    username, role, manager_id, display_name = rows[0]
    from data.warehouse import Viewer

    return Viewer(username=username, role=role, manager_id=manager_id, display_name=display_name)


def managers(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(manager_id, name, territory) of every customer manager, by id."""
    return con.execute(
        "SELECT manager_id, coalesce(name, manager_id), territory FROM managers ORDER BY manager_id"
    ).fetchall()


def list_users(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every account without its hash: username, display_name, role, manager_id, brand,
    disabled, has_password, created_at; by username."""
    cur = con.execute(
        "SELECT username, display_name, role, manager_id, brand, coalesce(disabled, false), "
        "password_hash IS NOT NULL, created_at FROM users ORDER BY lower(username)")
    names = ("username", "display_name", "role", "manager_id", "brand", "disabled", "has_password",
             "created_at")
    return [dict(zip(names, row)) for row in cur.fetchall()]


def check_password_rules(password: str) -> None:
    """Raise AccountError unless ``password`` is acceptable."""
    if not password:
        raise AccountError("the password is empty")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is too short: use at least {MIN_PASSWORD} characters")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise AccountError(f"the password is too long: bcrypt uses at most {MAX_PASSWORD_BYTES} bytes")


def hash_password(password: str) -> str:
    check_password_rules(password)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def check_new_user(con: duckdb.DuckDBPyConnection, username: str, role: str,
                   manager_id: str | None = None) -> None:
    """Raise AccountError unless an account ``username`` with this role may be added."""
    if not USERNAME.fullmatch(username or ""):
        raise AccountError(f"{username!r} is not a valid username: use letters, digits and . _ @ - "
                           "(at most 100)")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    if role == "customer_manager":
        if not manager_id:
            raise AccountError("a customer_manager needs --manager-id (whose territory they see)")
        found = con.execute("SELECT count(*) FROM managers WHERE manager_id = ?", [manager_id]).fetchone()[0]
        if not found:
            raise AccountError(f"no manager {manager_id!r} in the managers table: load the managers first")
    elif manager_id:
        raise AccountError(f"--manager-id is only for customer managers, not for {role}")
    taken = con.execute("SELECT username FROM users WHERE lower(username) = lower(?)", [username]).fetchone()
    if taken:
        raise AccountError(f"user {taken[0]!r} already exists: use `users passwd` to change the password")


def add_user(con: duckdb.DuckDBPyConnection, username: str, role: str, password_hash: str | None,
             manager_id: str | None = None, display_name: str | None = None,
             brand: str | None = None) -> None:
    """Add an enabled account (``password_hash`` None: OIDC sign-in only)."""
    check_new_user(con, username, role, manager_id)
    con.execute("INSERT INTO users (username, display_name, password_hash, role, manager_id, brand, "
                "disabled, created_at) VALUES (?, ?, ?, ?, ?, ?, false, now())",
                [username, display_name, password_hash, role, manager_id, brand])


def existing_user(con: duckdb.DuckDBPyConnection, username: str) -> str:
    """The stored spelling of account ``username``; AccountError when there is none."""
    row = con.execute("SELECT username FROM users WHERE lower(username) = lower(?)", [username]).fetchone()
    if row is None:
        raise AccountError(f"no user {username!r}: see `python -m data users list`")
    return row[0]


def set_disabled(con: duckdb.DuckDBPyConnection, username: str, disabled: bool = True) -> None:
    con.execute("UPDATE users SET disabled = ? WHERE username = ?", [disabled, existing_user(con, username)])


def set_password(con: duckdb.DuckDBPyConnection, username: str, password_hash: str) -> None:
    con.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                [password_hash, existing_user(con, username)])
