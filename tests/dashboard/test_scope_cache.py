"""Caches never hand one viewer another viewer's rows (09-quality "Security", issue 7: "caches
keyed by the viewer's scope").

The dashboard's cached reads take the scoped warehouse unhashed (``_swh``) and a hashed ``key``
that names the warehouse generation, version and the viewer's scope. Two checks: every cached
function of the dashboard that takes an unhashed argument also takes that ``key``; and the real
cached reads, called for marketing, then a customer manager, then another, in one process (one
cache), each return their own scope, compared with plain SQL.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from analytics.scope import Scope, Window
from dashboard import queries
from data.warehouse import Viewer, Warehouse

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"


def _cached_functions() -> list[tuple[str, ast.FunctionDef]]:
    found = []
    for path in sorted(DASHBOARD.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any("cache_data" in ast.unparse(d) for d in node.decorator_list):
                found.append((f"{path.name}:{node.name}", node))
    return found


def test_every_cached_read_with_an_unhashed_argument_is_keyed():
    functions = _cached_functions()
    assert len(functions) >= 10, "the dashboard's cached reads were not found"
    for name, node in functions:
        params = [a.arg for a in node.args.args]
        if any(p.startswith("_") for p in params):
            assert "key" in params, f"{name} takes {params}: an unhashed argument needs the scope key"


@pytest.fixture(scope="module")
def wh(demo_db):
    warehouse = Warehouse.open(demo_db)
    yield warehouse
    warehouse.close()


def test_scope_keys_differ_by_scope_not_by_person(wh, demo_sql):
    m1, m2 = [r[0] for r in demo_sql.execute("SELECT manager_id FROM managers ORDER BY 1 LIMIT 2").fetchall()]
    key = lambda v: queries.cache_key(wh.for_viewer(v))  # noqa: E731
    assert key(Viewer("a", "marketing")) == key(Viewer("b", "marketing"))
    assert key(Viewer("a", "customer_manager", m1)) == key(Viewer("b", "customer_manager", m1))
    keys = {key(Viewer("x", role, m)) for role, m in (("admin", None), ("marketing", None),
                                                       ("brand_manager", None), ("customer_manager", m1),
                                                       ("customer_manager", m2), ("guest", None))}
    assert len(keys) == 6


def test_cached_reads_return_each_viewers_own_scope(wh, demo_sql):
    managers = demo_sql.execute("SELECT manager_id, territory FROM managers ORDER BY 1 LIMIT 2").fetchall()
    everything = sorted(r[0] for r in demo_sql.execute(
        "SELECT DISTINCT territory FROM clients WHERE territory IS NOT NULL").fetchall())
    window = Window.snapped(dt.date(2025, 3, 1), dt.date(2025, 3, 31), "month")

    def volume(where: str = "", params: list | None = None) -> float:
        return demo_sql.execute(
            "SELECT coalesce(sum(o.qty_ordered), 0) FROM orders o JOIN clients c USING (client_id) "
            f"WHERE o.order_date BETWEEN '2025-03-01' AND '2025-03-31' {where}", params or []).fetchone()[0]

    viewers = [(Viewer("mk", "marketing"), everything, volume())]
    viewers += [(Viewer(m, "customer_manager", m), [territory], volume("AND c.manager_id = ?", [m]))
                for m, territory in managers]
    viewers += [(Viewer("nobody", "customer_manager"), [], 0)]  # no manager_id: default deny
    for _ in range(2):  # the second round is served from the cache
        for viewer, territories, expected in viewers:
            swh = wh.for_viewer(viewer)
            key = queries.cache_key(swh)
            shown = sorted(queries.choices(swh, key).regions["territory"].dropna().unique())
            assert shown == territories, viewer
            total = queries.summary(swh, key, Scope(), window)
            assert float(total["qty_ordered"].fillna(0).sum()) == pytest.approx(expected), viewer
