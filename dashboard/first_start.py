"""The first-start screen: no warehouse yet, so offer to build the demo city, with progress."""

from __future__ import annotations

import getpass

import streamlit as st

from dashboard.i18n import t
from data import store
from data.config import Settings


def first_start(settings: Settings) -> None:
    """Explain that there is no warehouse and build the demo city on request."""
    st.title(t("app.title"))
    st.info(t("wh.missing", path=settings.db_path))
    if not st.button(t("wh.generate"), type="primary"):
        return
    from data.demo import DemoParams, generate

    bar = st.progress(0.0, text=t("wh.generating"))

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=f"{t('wh.generating')} {message}")

    try:
        with store.writing(settings.db_path, action="generate", who=getpass.getuser(), fresh=True) as con:
            generate(con, DemoParams(clients=settings.demo_clients), progress=progress)
    except store.WarehouseBusy:
        st.warning(t("data.busy"))
        return
    st.rerun()
