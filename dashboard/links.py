"""Links between pages: the router records the pages this viewer may open, so a page can link to
another (e.g. Prices -> Allocation) only when it exists and the viewer may open it."""

from __future__ import annotations

import streamlit as st

_KEY = "_registered_pages"


def register(pages: list) -> None:
    """Remember this run's ``st.Page`` objects by url path (called by the router)."""
    st.session_state[_KEY] = {p.url_path: p for p in pages}


def page(url_path: str):
    """The registered page at ``url_path``, or None when it does not exist for this viewer."""
    return st.session_state.get(_KEY, {}).get(url_path)
