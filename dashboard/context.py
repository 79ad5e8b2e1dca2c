"""What every page gets from the router: the warehouse as the viewer sees it, and the filters.

The router (``dashboard/app.py``) builds it once per run, after identifying the viewer and
drawing the global filters; pages read it with ``page_context()``.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dashboard.filters import Choices, GlobalFilters
from data.warehouse import ScopedWarehouse, Viewer, Warehouse


@dataclass
class PageContext:
    """The run's warehouse, viewer, scoped tables, cache key, filter choices and filters."""

    warehouse: Warehouse
    viewer: Viewer
    swh: ScopedWarehouse
    key: tuple
    choices: Choices
    filters: GlobalFilters


def set_page_context(ctx: PageContext) -> None:
    st.session_state["_page_context"] = ctx


def page_context() -> PageContext:
    """The context the router prepared for this run."""
    return st.session_state["_page_context"]
