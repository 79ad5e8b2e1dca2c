"""Sign-in under Streamlit's AppTest: the real router on a copy of the demo city that holds one
account per role (bcrypt hashes written by ``data.accounts`` through a safe write).

Covers 08-dashboard "Roles" and 09-quality "Security": demo mode only while there are no
accounts, the local login per role, wrong passwords, disabled accounts, session expiry (idle and
absolute) by moving the recorded times back, logout, and the OIDC path with ``AppTest.user``
standing in for the identity cookie (the redirect to a real identity provider cannot run here).
Expected volumes come from plain SQL on the raw ``orders`` table.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import sessions, state
from data import accounts, store

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
MARCH = {"lang": "en", "from": "2025-03-01", "to": "2025-03-31"}
PASSWORDS = {"boss": "boss-password-1", "market": "market-password-2", "brand": "brand-password-3",
             "zhang": "zhang-password-4"}
ROLES = {"boss": "admin", "market": "marketing", "brand": "brand_manager", "zhang": "customer_manager"}
OIDC = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                 "client_id": "jinye", "client_secret": "s",
                 "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}}


@pytest.fixture(scope="module")
def manager(demo_db) -> tuple[str, str]:
    con, _ = store.open_reader(demo_db)
    try:
        return con.execute("SELECT manager_id, territory FROM managers ORDER BY manager_id LIMIT 1").fetchone()
    finally:
        con.close()


@pytest.fixture(scope="module")
def accounts_db(demo_db, manager, tmp_path_factory) -> Path:
    """The demo city with an account per role, one disabled account and one OIDC-only account."""
    path = tmp_path_factory.mktemp("accounts") / "jinye.duckdb"
    shutil.copyfile(demo_db, path)
    with store.writing(path, action="users add", who="tests", refresh=False) as con:
        for username, role in ROLES.items():
            accounts.add_user(con, username, role, accounts.hash_password(PASSWORDS[username]),
                              manager_id=manager[0] if role == "customer_manager" else None)
        accounts.add_user(con, "gone", "admin", accounts.hash_password("gone-password-5"))
        accounts.set_disabled(con, "gone")
        accounts.add_user(con, "li.si@corp.example", "marketing", None, display_name="李四")
    return path


@pytest.fixture
def app(accounts_db, monkeypatch):
    """``app(query=None, **env)``: an AppTest of the router on the accounts warehouse."""
    monkeypatch.setenv("JINYE_DB", str(accounts_db))
    for name in ("JINYE_DEMO_MODE", "JINYE_CONFIG", "JINYE_SESSION_IDLE_MINUTES", "JINYE_SESSION_MAX_HOURS"):
        monkeypatch.delenv(name, raising=False)
    state.settings.clear()

    def make(query: dict | None = None, **env: str) -> AppTest:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        state.settings.clear()
        at = AppTest.from_file(APP, default_timeout=120)
        for key, value in (query or MARCH).items():
            at.query_params[key] = value
        return at

    yield make
    state.settings.clear()


def log_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def showing_login(at: AppTest) -> bool:
    return [w.label for w in at.text_input] == ["Username", "Password"] and not at.metric


def volume(sql, where: str = "", params: list | None = None) -> float:
    query = ("SELECT coalesce(sum(o.qty_ordered), 0) FROM orders o JOIN clients c USING (client_id) "
             f"WHERE o.order_date BETWEEN '2025-03-01' AND '2025-03-31' {where}")
    return sql.execute(query, params or []).fetchone()[0] / 250


def shown_volume(at: AppTest) -> str:
    return {m.label: m.value for m in at.metric}["Volume (cases)"]


def as_shown(cases: float) -> tuple[str, str]:
    return f"{cases:,.0f}", f"{cases / 1e3:,.1f}K"


# ----------------------------------------------------------------------------- demo mode

def test_accounts_turn_demo_mode_off(app):
    at = app().run()
    assert not at.exception
    assert showing_login(at)
    assert not [s for s in at.sidebar.selectbox if s.key and s.key.startswith("demo_role")]
    assert "viewer" not in at.session_state


def test_demo_mode_forced_on_by_configuration_still_works(app):
    at = app(JINYE_DEMO_MODE="true").run()
    assert not at.exception and at.metric


# ----------------------------------------------------------------------------- local login

@pytest.mark.parametrize("username", list(ROLES))
def test_each_role_logs_in_with_the_right_password(app, demo_sql, manager, username):
    at = log_in(app().run(), username, PASSWORDS[username])
    who = at.session_state["viewer"]
    assert (who.username, who.role) == (username, ROLES[username])
    if ROLES[username] == "customer_manager":
        assert who.manager_id == manager[0]
        assert shown_volume(at) in as_shown(volume(demo_sql, "AND c.manager_id = ?", [manager[0]]))
        assert at.sidebar.multiselect(key="f_territory").options == [manager[1]]
    else:
        assert shown_volume(at) in as_shown(volume(demo_sql))
    assert any(b.label == "Log out" for b in at.sidebar.button)


@pytest.mark.parametrize("username", list(ROLES))
def test_a_wrong_password_is_refused(app, username):
    at = log_in(app().run(), username, PASSWORDS[username] + "!")
    assert showing_login(at)
    assert [e.value for e in at.error] == ["Wrong username or password."]
    assert "viewer" not in at.session_state


@pytest.mark.parametrize("username, password", [
    ("gone", "gone-password-5"),  # disabled
    ("nobody", "whatever-password"),  # no such account
    ("li.si@corp.example", ""),  # OIDC only: no local password
    ("boss", "x" * 100),  # longer than bcrypt takes
    ("BOSS", PASSWORDS["boss"]),  # the local login is exact about the name
], ids=["disabled", "unknown", "oidc-only", "too-long", "other-case"])
def test_accounts_that_cannot_log_in_locally(app, username, password):
    at = log_in(app().run(), username, password)
    assert showing_login(at)
    assert [e.value for e in at.error] == ["Wrong username or password."]


def test_an_account_disabled_while_signed_in_is_signed_out(app, accounts_db, tmp_path, monkeypatch):
    db = tmp_path / "jinye.duckdb"
    shutil.copyfile(accounts_db, db)
    monkeypatch.setenv("JINYE_DB", str(db))
    at = log_in(app().run(), "market", PASSWORDS["market"])
    assert at.metric
    with store.writing(db, action="users disable market", who="tests", refresh=False) as con:
        accounts.set_disabled(con, "market")
    at.run()
    assert not at.exception
    assert showing_login(at)


def test_logout(app):
    at = log_in(app().run(), "brand", PASSWORDS["brand"])
    at.sidebar.button(key="logout").click().run()
    assert not at.exception
    assert showing_login(at)
    assert "viewer" not in at.session_state
    at.run()  # and it stays signed out
    assert showing_login(at)


# ----------------------------------------------------------------------------- expiry

@pytest.mark.parametrize("login_ago, seen_ago, env, signed_in", [
    (8 * 3600 - 60, 60, {}, True),  # busy for almost 8 hours
    (8 * 3600 + 60, 60, {}, False),  # past the absolute limit, however busy
    (600, 59 * 60, {}, True),  # idle for 59 minutes
    (3600 + 120, 61 * 60, {}, False),  # idle for 61 minutes
    (600, 6 * 60, {"JINYE_SESSION_IDLE_MINUTES": "5"}, False),  # a shorter idle limit configured
    (3 * 3600, 60, {"JINYE_SESSION_MAX_HOURS": "2"}, False),  # a shorter absolute limit configured
], ids=["busy-7h59", "busy-8h01", "idle-59min", "idle-61min", "idle-config", "max-config"])
def test_a_session_expires(app, login_ago, seen_ago, env, signed_in):
    at = log_in(app(**env).run(), "market", PASSWORDS["market"])
    assert at.metric
    now = time.time()
    at.session_state[sessions.LOGIN_AT] = now - login_ago
    at.session_state[sessions.SEEN_AT] = now - seen_ago
    at.run()
    assert not at.exception
    if signed_in:
        assert at.metric and at.session_state["viewer"].username == "market"
        assert at.session_state[sessions.SEEN_AT] >= now  # this run counts as activity
    else:
        assert showing_login(at)
        assert [i.value for i in at.info] == ["Your session has expired: please log in again."]
        assert "viewer" not in at.session_state
        log_in(at, "market", PASSWORDS["market"])  # and signing in again works
        assert at.metric


# ----------------------------------------------------------------------------- OIDC

def oidc(app, user: dict) -> AppTest:
    at = app()
    at.secrets = OIDC
    at.user = user
    return at.run()


def test_oidc_configured_offers_the_identity_provider_not_the_form(app):
    at = oidc(app, {"is_logged_in": False})
    assert not at.exception
    assert not at.text_input and not at.metric
    assert [b.label for b in at.button] == ["Sign in"]


def test_oidc_identity_maps_to_its_account_by_email(app, demo_sql):
    at = oidc(app, {"is_logged_in": True, "email": "Li.Si@Corp.Example", "iat": time.time() - 60})
    assert not at.exception
    who = at.session_state["viewer"]
    assert (who.username, who.role, who.display_name) == ("li.si@corp.example", "marketing", "李四")
    assert shown_volume(at) in as_shown(volume(demo_sql))


@pytest.mark.parametrize("user", [
    {"is_logged_in": True, "email": "stranger@corp.example"},
    {"is_logged_in": True, "name": "No E-mail"},
    {"is_logged_in": True, "email": "gone"},  # a disabled account
], ids=["unknown", "no-email", "disabled"])
def test_oidc_identity_without_an_account_sees_only_no_access(app, user):
    at = oidc(app, user)
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"{user.get('email', '—')} has no access to this dashboard: ask an administrator to add the account."]
    assert not at.metric and not at.dataframe and not at.sidebar.multiselect
    assert "viewer" not in at.session_state
    assert [b.label for b in at.button] == ["Log out"]


def test_oidc_sign_in_older_than_the_limit_is_signed_out(app):
    at = oidc(app, {"is_logged_in": True, "email": "li.si@corp.example", "iat": time.time() - 9 * 3600})
    assert not at.exception
    assert not at.metric
    assert at.user.get("is_logged_in") is False  # st.logout() dropped the identity
    assert "viewer" not in at.session_state


def test_named_oidc_providers_get_a_button_each(app):
    at = app()
    at.secrets = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                           "corp": {"client_id": "a", "client_secret": "b", "server_metadata_url": "https://a"},
                           "partner": {"client_id": "c", "client_secret": "d", "server_metadata_url": "https://c"}}}
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in (corp)", "Sign in (partner)"]
    assert not at.text_input and not at.metric


def test_oidc_logout_drops_the_identity_and_shows_nothing_more(app):
    at = oidc(app, {"is_logged_in": True, "email": "li.si@corp.example", "iat": time.time() - 60})
    assert at.metric
    at.sidebar.button(key="logout").click().run()
    assert not at.exception
    assert at.user.get("is_logged_in") is False
    assert not at.metric and "viewer" not in at.session_state
    at.run()  # the next run offers the provider's sign-in again
    assert [b.label for b in at.button] == ["Sign in"]
