"""Who is looking: the demo-mode role picker, or a local account login.

Demo mode (the first start, while no accounts exist) lets a visitor view the product as
marketing, a brand manager, or a named customer manager. With accounts configured, the viewer
comes only from a successful login; nothing in the URL can change it.
"""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import labeller, t
from dashboard.widgets import coded
from dashboard.state import check_password, demo_mode, set_viewer, viewer
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


def login_form(wh: Warehouse) -> Viewer | None:
    """The login form for local accounts; returns the viewer once signed in."""
    current = viewer()
    if current is not None:
        st.sidebar.caption(f"{t('auth.signed_in_as')}: {current.display_name or current.username}")
        if st.sidebar.button(t("auth.logout"), key="logout"):
            set_viewer(None)
            st.rerun()
        return current
    st.title(t("app.title"))
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
            st.rerun()
    return None


def identify(wh: Warehouse) -> Viewer | None:
    """The viewer of this run, via demo mode or login."""
    if demo_mode(wh):
        return demo_picker(wh)
    current = viewer()
    if current is not None and current.username.startswith("demo:"):
        set_viewer(None)  # accounts exist now: a demo identity must log in like anyone else
    return login_form(wh)
