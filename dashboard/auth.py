"""Who is looking: the demo-mode role picker, a local account login, or an OIDC sign-in.

Demo mode (the first start, while no accounts exist) lets a visitor view the product as
marketing, a brand manager, or a named customer manager. Once accounts exist, the viewer comes
only from a sign-in; nothing in the URL can change it:

- with an ``[auth]`` section in ``.streamlit/secrets.toml``, through the identity provider
  (``st.login``); the identity's e-mail must be the username of an enabled account, which gives
  the role and territory (default deny: an unknown identity sees a "no access" message only);
- otherwise through the local login form (bcrypt-hashed passwords in the ``users`` table).

Either way a sign-in expires after ``session_idle_minutes`` without use or ``session_max_hours``
after it was made (``dashboard.sessions``).
"""

from __future__ import annotations

import streamlit as st

from dashboard import sessions
from dashboard.i18n import labeller, t
from dashboard.widgets import coded
from dashboard.state import check_password, demo_mode, set_viewer, settings, viewer
from data import accounts
from data.warehouse import Viewer, Warehouse

DEMO_ROLES = ("marketing", "brand_manager", "customer_manager")


def demo_picker(wh: Warehouse) -> Viewer:
    """Sidebar role picker for demo mode; returns the chosen viewer."""
    sb = st.sidebar
    sb.caption(t("auth.demo_hint"))
    role = coded(st.selectbox, t("auth.demo_mode"), DEMO_ROLES, key="demo_role",
                 format_func=labeller("role"), default="marketing", container=sb)
    if role != "customer_manager":
        who = Viewer(username=f"demo:{role}", role=role, display_name=t(f"role.{role}"))
    else:
        managers = accounts.managers(wh.cursor())
        if not managers:
            sb.warning(t("auth.no_managers"))
            who = Viewer(username="demo:customer_manager", role="customer_manager")
        else:
            labels = {m[0]: f"{m[1]} · {m[2]}" for m in managers}
            manager_id = sb.selectbox(t("auth.pick_manager"), list(labels), key="demo_manager",
                                      format_func=labels.get)
            who = Viewer(username=f"demo:{manager_id}", role="customer_manager",
                         manager_id=manager_id, display_name=labels[manager_id])
    set_viewer(who)
    return who


def _signed_in(current: Viewer, on_logout) -> None:
    """The sidebar's who-am-I line and the logout button."""
    st.sidebar.caption(f"{t('auth.signed_in_as')}: {current.display_name or current.username}")
    if st.sidebar.button(t("auth.logout"), key="logout"):
        sessions.end()
        on_logout()


def login_form(wh: Warehouse) -> Viewer | None:
    """The login form for local accounts; returns the viewer once signed in."""
    current = viewer()
    if current is not None and sessions.still_valid(settings()):
        current = accounts.viewer_for(wh.cursor(), current.username)  # disabled since? role changed?
        if current is not None:
            set_viewer(current)
            _signed_in(current, st.rerun)
            return current
        sessions.end()
    st.title(t("app.title"))
    if sessions.just_expired():
        st.info(t("auth.expired"))
    with st.form("login"):
        username = st.text_input(t("auth.username"))
        password = st.text_input(t("auth.password"), type="password")
        submitted = st.form_submit_button(t("auth.login"))
    if submitted:
        who = check_password(wh, username.strip(), password)
        if who is None:
            st.error(t("auth.bad_login"))
        else:
            set_viewer(who)
            sessions.start()
            st.rerun()
    return None


def oidc_providers() -> list[str | None] | None:
    """The OIDC providers of ``[auth]`` in secrets.toml: ``[None]`` for the single default one
    (``client_id`` directly in ``[auth]``), else the named ones (``[auth.<name>]``); None when
    OIDC is not configured."""
    try:
        section = st.secrets.get("auth")
    except FileNotFoundError:  # no secrets.toml at all
        return None
    if not section:
        return None
    if "client_id" in section:
        return [None]
    named = [name for name, value in section.items() if hasattr(value, "keys")]
    return named or None


def _token_time(user) -> float | None:
    """When the identity provider issued the sign-in (the ID token's ``iat``), if it says."""
    try:
        return float(user.get("iat"))
    except (TypeError, ValueError):
        return None


def _sign_out_at_provider() -> None:
    st.logout()  # drops Streamlit's identity cookie; the browser is sent on to sign out
    st.stop()  # and this run draws nothing more of the pages just left


def oidc_sign_in(wh: Warehouse, providers: list[str | None]) -> Viewer | None:
    """Sign-in through the identity provider, mapped to an account by e-mail."""
    user = st.user
    if not user.get("is_logged_in"):
        if viewer() is not None:
            sessions.end()  # the identity is gone (signed out elsewhere): so is what it held
        st.title(t("app.title"))
        if sessions.just_expired():
            st.info(t("auth.expired"))
        st.write(t("auth.sso_hint"))
        for provider in providers:
            label = t("auth.sso_login") + (f" ({provider})" if provider else "")
            if st.button(label, key=f"sso_{provider or 'default'}", type="primary"):
                if provider:
                    st.login(provider)
                else:
                    st.login()
        return None
    # The ID token's issue time survives a page reload; the session's own clock does not.
    if not sessions.still_valid(settings(), login_at=_token_time(user)):
        st.logout()  # drops the identity cookie, so the next visit goes through the provider again
        return None
    email = user.get("email")
    who = accounts.viewer_for(wh.cursor(), email)
    set_viewer(who)
    if who is None:  # default deny: an identity without an account sees this message only
        st.title(t("app.title"))
        st.error(t("auth.no_access", email=email or "—"))
        if st.button(t("auth.logout"), key="logout"):
            sessions.end()
            _sign_out_at_provider()
        return None
    _signed_in(who, _sign_out_at_provider)
    return who


def identify(wh: Warehouse) -> Viewer | None:
    """The viewer of this run, via demo mode, OIDC or the local login."""
    if demo_mode(wh):
        return demo_picker(wh)
    current = viewer()
    if current is not None and current.username.startswith("demo:"):
        set_viewer(None)  # accounts exist now: a demo identity must log in like anyone else
    providers = oidc_providers()
    if providers:
        return oidc_sign_in(wh, providers)
    return login_form(wh)
