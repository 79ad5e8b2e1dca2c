"""Shared AppTest helpers for the dashboard pages: the router on the demo city, roles, page
switching, and the library's own numbers to compare the pages against."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.kpis import kpi_table
from analytics.prices import price_table
from analytics.scope import Scope, Window
from dashboard import state
from data.warehouse import Viewer, Warehouse

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard" / "app.py")
MARCH = {"from": "2025-03-01", "to": "2025-03-31"}
SPRING = {"from": "2025-01-01", "to": "2025-03-31"}


@pytest.fixture
def page_app(demo_db, monkeypatch):
    """``page_app(page, query, role=None, manager=None)``: an AppTest of the router on the demo
    city, switched to ``pages/<page>.py`` as the given demo role."""
    monkeypatch.setenv("JINYE_DB", str(demo_db))
    monkeypatch.delenv("JINYE_DEMO_MODE", raising=False)
    state.settings.clear()

    def make(page: str, query: dict | None = None, role: str | None = None,
             manager: str | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        at.run()
        if role is not None:
            as_role(at, role, manager)
        if page != "overview":
            at.switch_page(str(ROOT / "pages" / f"{page}.py")).run()
        return at

    yield make
    state.settings.clear()


def lang(at: AppTest) -> str:
    return at.session_state["lang"] if "lang" in at.session_state else "zh"


def as_role(at: AppTest, role: str, manager: str | None = None) -> AppTest:
    """Pick a demo role (and manager) in the sidebar; coded widgets have one key per language."""
    at.sidebar.selectbox(key=f"demo_role__{lang(at)}").select(role).run()
    if manager is not None:
        at.sidebar.selectbox(key="demo_manager").select(manager).run()
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def shown_percent(value: float) -> str:
    """How the pages print a rate (0..1)."""
    return f"{100 * value:.1f}%"


@pytest.fixture(scope="session")
def library(demo_db):
    """The analytics called directly, as a viewer would see them: ``library.kpis(...)`` and
    ``library.prices(...)`` with the same arguments the pages pass."""
    wh = Warehouse.open(demo_db)

    class Library:
        def swh(self, viewer: Viewer | None = None):
            return wh.for_viewer(viewer or Viewer("test", "marketing"))

        def kpis(self, window: Window, by=(), level="all", scope=Scope(), viewer=None):
            swh = self.swh(viewer)
            return kpi_table(swh.table("agg_client_product_month" if window.granularity != "week"
                                       else "agg_client_product_week"),
                             swh.table("clients"), swh.table("products"), window, by, level, scope)

        def prices(self, window: Window, by=(), level="all", scope=Scope(), viewer=None):
            swh = self.swh(viewer)
            return price_table(swh.table("price_snapshots"), swh.table("clients"), swh.table("products"),
                               swh.table("agg_client_product_month"), window, by, level, scope)

    yield Library()
    wh.close()


def month(text: str) -> Window:
    day = dt.date.fromisoformat(text)
    return Window.snapped(day, day, "month")
