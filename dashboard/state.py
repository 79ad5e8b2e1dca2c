"""Per-process and per-session state: settings, the open warehouse, who is viewing.

The warehouse is cached per *generation* of the file: an import swaps a new file in, the next
rerun of any session sees a new generation and opens it, and sessions still running a query on
the old one finish undisturbed.
"""

from __future__ import annotations

import streamlit as st

from data import accounts, store
from data.config import Settings, load_settings
from data.warehouse import ScopedWarehouse, Viewer, Warehouse


@st.cache_resource
def settings() -> Settings:
    """Settings are read once per server process."""
    return load_settings()


@st.cache_resource(max_entries=3)
def _open(path: str, generation: store.Generation) -> Warehouse:
    return Warehouse.open(path)


def warehouse() -> Warehouse | None:
    """The live warehouse, or None when there is no file yet."""
    path = settings().db_path
    gen = store.generation(path)
    if gen is None:
        return None
    return _open(str(path), gen)


def viewer() -> Viewer | None:
    return st.session_state.get("viewer")


def set_viewer(new: Viewer | None) -> None:
    if new is None:
        st.session_state.pop("viewer", None)
    else:
        st.session_state["viewer"] = new


def scoped(wh: Warehouse, who: Viewer) -> ScopedWarehouse:
    """The viewer's tables, on a cursor of this run's own."""
    return wh.for_viewer(who)


def has_accounts(wh: Warehouse) -> bool:
    return accounts.has_accounts(wh.cursor())


def demo_mode(wh: Warehouse) -> bool:
    """Demo mode is on when configured so, or by default while no accounts exist."""
    configured = settings().demo_mode
    return (not has_accounts(wh)) if configured is None else configured


def check_password(wh: Warehouse, username: str, password: str) -> Viewer | None:
    """The viewer for valid credentials of an enabled local account, else None."""
    return accounts.check_password(wh.cursor(), username, password)
