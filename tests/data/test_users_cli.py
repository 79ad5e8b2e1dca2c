"""``python -m data users``: accounts as an administrator manages them, in a subprocess on a real
warehouse file, checked by exit code, one-line reasons and what the ``users`` table then holds.

Specs: 08-dashboard (Roles), 09-quality (Security: passwords hashed), issue 7 (a command to add
users). Passwords are never given on the command line: ``--password-stdin`` or the prompt.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import datetime as dt
import shutil

import bcrypt
import pytest

from data import accounts, store
from data.demo import DemoParams, generate

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "jinye-secret-1"


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory) -> dict[str, str]:
    """No Jinye settings from the caller; JINYE_DB points where nothing may ever be created."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JINYE_")}
    env["JINYE_DB"] = str(tmp_path_factory.mktemp("nowhere") / "never-created.duckdb")
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def users(env, *args, stdin: str | None = None, tty_free: bool = False) -> subprocess.CompletedProcess:
    """``python -m data users ARGS``. ``tty_free``: no controlling terminal, so getpass falls
    back to reading stdin (how the prompt is driven in a test)."""
    return subprocess.run([sys.executable, "-m", "data", "users", *map(str, args)], cwd=REPO,
                          input=stdin or "", capture_output=True, text=True, encoding="utf-8",
                          timeout=120, env=env, start_new_session=tty_free)


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, f"expected one line on stderr, got:\n{stderr}"
    return lines[0]


def rows(path: Path) -> list[tuple]:
    con, _ = store.open_reader(path)
    try:
        return con.execute("SELECT username, role, manager_id, password_hash, coalesce(disabled, false), "
                           "display_name, brand FROM users ORDER BY username").fetchall()
    finally:
        con.close()


def login(path: Path, username: str, password: str):
    con, _ = store.open_reader(path)
    try:
        return accounts.check_password(con, username, password)
    finally:
        con.close()


def version(path: Path) -> int:
    con, _ = store.open_reader(path)
    try:
        return store.read_version(con)
    finally:
        con.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def tiny_city(tmp_path_factory) -> Path:
    """A city of 50 clients over three months: every write copies the file, so it is kept small."""
    path = tmp_path_factory.mktemp("tiny") / "tiny.duckdb"
    with store.writing(path, action="generate", who="tests", fresh=True) as con:
        generate(con, DemoParams(clients=50, seed=5, start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31)))
    return path


@pytest.fixture
def wh(tiny_city, tmp_path) -> Path:
    target = tmp_path / "jinye.duckdb"
    shutil.copyfile(tiny_city, target)
    return target


@pytest.fixture(scope="module")
def boss_city(tiny_city, tmp_path_factory) -> Path:
    """The tiny city with one admin, boss, whose password is PASSWORD."""
    path = tmp_path_factory.mktemp("boss") / "boss.duckdb"
    shutil.copyfile(tiny_city, path)
    with store.writing(path, action="users add boss", who="tests", refresh=False) as con:
        accounts.add_user(con, "boss", "admin", accounts.hash_password(PASSWORD))
    return path


@pytest.fixture
def boss_wh(boss_city, tmp_path) -> Path:
    target = tmp_path / "jinye.duckdb"
    shutil.copyfile(boss_city, target)
    return target


@pytest.fixture
def manager_id(tiny_city) -> str:
    con, _ = store.open_reader(tiny_city)
    try:
        return con.execute("SELECT min(manager_id) FROM managers").fetchone()[0]
    finally:
        con.close()


def add(env, wh, username, *options, password=PASSWORD):
    return users(env, "add", username, "--db", wh, *options, "--password-stdin", stdin=password + "\n")


# ----------------------------------------------------------------------------- add, list

@pytest.mark.parametrize("role", ["admin", "marketing", "brand_manager", "customer_manager"])
def test_add_each_role_stores_a_bcrypt_hash_that_verifies(cli_env, wh, manager_id, role):
    options = ["--role", role, "--display-name", "张三"]
    if role == "customer_manager":
        options += ["--manager-id", manager_id]
    before = version(wh)
    proc = add(cli_env, wh, "zhangsan", *options)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"added user zhangsan ({role}")
    [(username, stored_role, stored_manager, digest, disabled, display, _)] = rows(wh)
    assert (username, stored_role, disabled, display) == ("zhangsan", role, False, "张三")
    assert stored_manager == (manager_id if role == "customer_manager" else None)
    assert digest.startswith("$2b$") and PASSWORD not in digest
    assert bcrypt.checkpw(PASSWORD.encode(), digest.encode())
    who = login(wh, "zhangsan", PASSWORD)
    assert (who.role, who.manager_id) == (role, stored_manager)
    assert login(wh, "zhangsan", PASSWORD + "x") is None
    assert version(wh) == before + 1  # one safe write
    assert not list(wh.parent.glob(wh.name + ".tmp-*"))


def test_password_typed_at_the_prompt_twice(cli_env, wh):
    proc = users(cli_env, "add", "typed", "--role", "marketing", "--db", wh,
                 stdin=f"{PASSWORD}\n{PASSWORD}\n", tty_free=True)
    assert proc.returncode == 0, proc.stderr
    assert PASSWORD not in proc.stdout + proc.stderr  # never echoed back
    assert login(wh, "typed", PASSWORD).role == "marketing"


def test_oidc_only_account_has_no_password(cli_env, wh):
    proc = users(cli_env, "add", "Li.Si@corp.example", "--role", "brand_manager", "--brand", "金叶",
                 "--no-password", "--db", wh)
    assert proc.returncode == 0, proc.stderr
    assert "OIDC sign-in only" in proc.stdout
    [(_, role, _, digest, _, _, brand)] = rows(wh)
    assert (role, digest, brand) == ("brand_manager", None, "金叶")
    assert login(wh, "Li.Si@corp.example", "") is None


def test_list_shows_accounts_without_hashes(cli_env, wh, manager_id):
    assert users(cli_env, "list", "--db", wh).stdout.startswith("no accounts")
    assert add(cli_env, wh, "boss", "--role", "admin").returncode == 0
    assert add(cli_env, wh, "zhang", "--role", "customer_manager", "--manager-id", manager_id).returncode == 0
    assert users(cli_env, "add", "sso@corp.example", "--role", "marketing", "--no-password",
                 "--db", wh).returncode == 0
    assert users(cli_env, "disable", "boss", "--db", wh).returncode == 0
    proc = users(cli_env, "list", "--db", wh)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["username", "role", "manager_id", "display_name", "status", "sign-in"]
    assert [line.split() for line in lines[1:]] == [
        ["boss", "admin", "disabled", "password"],
        ["sso@corp.example", "marketing", "enabled", "OIDC", "only"],
        ["zhang", "customer_manager", manager_id, "enabled", "password"],
    ]
    assert "$2b$" not in proc.stdout


# ----------------------------------------------------------------------------- disable, passwd

def test_disable_and_enable(cli_env, boss_wh):
    wh = boss_wh
    proc = users(cli_env, "disable", "BOSS", "--db", wh)  # usernames match regardless of case
    assert proc.returncode == 0, proc.stderr
    assert login(wh, "boss", PASSWORD) is None
    con, _ = store.open_reader(wh)
    try:
        assert accounts.has_accounts(con)  # a disabled account keeps demo mode off
    finally:
        con.close()
    assert users(cli_env, "enable", "boss", "--db", wh).returncode == 0
    assert login(wh, "boss", PASSWORD).role == "admin"


def test_passwd_replaces_the_password(cli_env, boss_wh):
    wh = boss_wh
    proc = users(cli_env, "passwd", "boss", "--db", wh, "--password-stdin", stdin="another-secret\n")
    assert proc.returncode == 0, proc.stderr
    assert login(wh, "boss", PASSWORD) is None
    assert login(wh, "boss", "another-secret").role == "admin"


# ----------------------------------------------------------------------------- bad input

BAD_ADD = {
    "unknown-role": (["--role", "boss"], PASSWORD, "invalid choice: 'boss'"),
    "duplicate": (["--role", "marketing"], PASSWORD, "user 'boss' already exists"),
    "duplicate-other-case": (["--role", "marketing"], PASSWORD, "user 'boss' already exists"),
    "manager-missing": (["--role", "customer_manager"], PASSWORD, "needs --manager-id"),
    "manager-unknown": (["--role", "customer_manager", "--manager-id", "M999"], PASSWORD,
                        "no manager 'M999'"),
    "manager-for-marketing": (["--role", "marketing", "--manager-id", "{manager}"], PASSWORD,
                              "only for customer managers"),
    "brand-for-admin": (["--role", "admin", "--brand", "金叶"], PASSWORD, "only for brand managers"),
    "empty-password": (["--role", "marketing"], "", "the password is empty"),
    "short-password": (["--role", "marketing"], "1234567", "too short"),
    "long-password": (["--role", "marketing"], "密" * 25, "too long"),  # 75 bytes in UTF-8
    "bad-username": (["--role", "marketing"], PASSWORD, "not a valid username"),
    "password-on-argv": (["--role", "marketing", "--password", PASSWORD], PASSWORD,
                         "unrecognized arguments"),
}


@pytest.mark.parametrize("case", list(BAD_ADD))
def test_bad_add_says_why_in_one_line_and_changes_nothing(cli_env, boss_wh, manager_id, case):
    wh = boss_wh
    options, password, says = BAD_ADD[case]
    options = [o.replace("{manager}", manager_id) for o in options]
    username = {"duplicate": "boss", "duplicate-other-case": "Boss", "bad-username": "li si"}.get(case, "new")
    before = (sha256(wh), rows(wh))
    proc = add(cli_env, wh, username, *options, password=password)
    assert proc.returncode != 0
    assert says in one_line(proc.stderr)
    assert (sha256(wh), rows(wh)) == before
    assert not list(wh.parent.glob(wh.name + ".tmp-*"))


def test_prompt_with_two_different_passwords_changes_nothing(cli_env, wh):
    before = sha256(wh)
    proc = users(cli_env, "add", "typed", "--role", "marketing", "--db", wh,
                 stdin=f"{PASSWORD}\n{PASSWORD}-typo\n", tty_free=True)
    assert proc.returncode == 1
    assert "the two passwords differ" in proc.stderr.strip().splitlines()[-1]
    assert "Traceback" not in proc.stderr
    assert sha256(wh) == before


@pytest.mark.parametrize("args, stdin, says", [
    (["disable", "ghost"], "", "no user 'ghost'"),
    (["enable", "ghost"], "", "no user 'ghost'"),
    (["passwd", "ghost", "--password-stdin"], PASSWORD + "\n", "no user 'ghost'"),
    (["passwd", "boss", "--password-stdin"], "short\n", "too short"),
    (["passwd", "boss", "--password-stdin"], "\n", "the password is empty"),
], ids=["disable-unknown", "enable-unknown", "passwd-unknown", "passwd-short", "passwd-empty"])
def test_bad_change_says_why_and_changes_nothing(cli_env, boss_wh, args, stdin, says):
    wh = boss_wh
    before = (sha256(wh), rows(wh))
    proc = users(cli_env, *args, "--db", wh, stdin=stdin)
    assert proc.returncode == 1
    assert says in one_line(proc.stderr)
    assert (sha256(wh), rows(wh)) == before
    assert login(wh, "boss", PASSWORD).role == "admin"


@pytest.mark.parametrize("args, stdin", [
    (["add", "boss", "--role", "admin", "--password-stdin"], PASSWORD + "\n"),
    (["list"], ""),
    (["disable", "boss"], ""),
    (["passwd", "boss", "--password-stdin"], PASSWORD + "\n"),
], ids=["add", "list", "disable", "passwd"])
def test_missing_warehouse_is_one_line_and_creates_nothing(cli_env, tmp_path, args, stdin):
    db = tmp_path / "none.duckdb"
    proc = users(cli_env, *args, "--db", db, stdin=stdin)
    assert proc.returncode == 1
    assert one_line(proc.stderr).startswith(f"error: no warehouse at {db}")
    assert list(tmp_path.iterdir()) == []
    assert not Path(cli_env["JINYE_DB"]).exists()


def test_a_too_long_password_at_the_login_is_refused_not_an_error(boss_city):
    # bcrypt refuses more than 72 bytes with an exception; the login form must just say no.
    assert login(boss_city, "boss", PASSWORD).role == "admin"
    assert login(boss_city, "boss", PASSWORD + "x" * 80) is None
