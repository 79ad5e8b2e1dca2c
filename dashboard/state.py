"""Per-process and per-session state: settings, the open warehouse, who is viewing.

The warehouse is cached per *generation* of the file: an import swaps a new file in, the next
rerun of any session sees a new generation and opens it, and sessions still running a query on
the old one finish undisturbed. A warehouse whose aggregates an older version wrote is rebuilt
once (a safe atomic write) before any page reads it.
"""

from __future__ import annotations

import threading

import streamlit as st

from dashboard.i18n import t
from data import accounts, aggregates, store
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
    """The live warehouse, or None when there is no file yet.

    A warehouse whose aggregates an older version made (other columns than ``data.schema``
    declares) would break every page, so it is rebuilt first, once, with a visible status.
    """
    path = settings().db_path
    gen = store.generation(path)
    if gen is None:
        return None
    if _stale(str(path), gen):
        gen = _rebuild_stale(path, gen) or gen
    return _open(str(path), gen)


@st.cache_resource(max_entries=3)
def _stale(path: str, generation: store.Generation) -> tuple[str, ...]:
    """The aggregate tables of this generation made by an older version (checked once each)."""
    return tuple(aggregates.outdated(_open(path, generation).cursor()))


@st.cache_resource
def _rebuilds() -> tuple[threading.Lock, set]:
    """One rebuild at a time per server process, and the generations already tried (a failed
    rebuild is not retried on every rerun)."""
    return threading.Lock(), set()


def _rebuild_stale(path, gen: store.Generation) -> store.Generation | None:
    """Rebuild the aggregates of generation ``gen`` as one safe write; the new generation."""
    lock, tried = _rebuilds()
    if not lock.acquire(blocking=False):  # another session is rebuilding: wait for it, visibly
        with st.spinner(t("wh.rebuild_waiting")):
            lock.acquire()
    try:
        if store.generation(path) != gen or gen in tried:  # done meanwhile, or already failed
            return store.generation(path)
        tried.add(gen)
        names = ", ".join(_stale(str(path), gen))
        with st.status(t("wh.rebuilding", tables=names), expanded=False) as status:
            try:
                aggregates.rebuild(path, who="dashboard")
            except Exception as exc:  # noqa: BLE001 - the pages then say what is missing
                status.update(label=t("wh.rebuild_failed", msg=str(exc)), state="error")
                return gen
            status.update(label=t("wh.rebuilt"), state="complete")
        return store.generation(path)
    finally:
        lock.release()


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
