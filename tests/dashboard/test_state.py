"""A warehouse whose aggregates an older version wrote is rebuilt once, visibly, before any page
reads it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from dashboard import state
from data import aggregates, store
from tests.dashboard.conftest import APP


def test_outdated_aggregates_are_rebuilt_before_the_pages_read_them(demo_db_copy, monkeypatch):
    with store.writing(demo_db_copy, action="old version", refresh=False) as con:
        con.execute("ALTER TABLE agg_client_product_month DROP COLUMN ordered_56d")
        assert aggregates.outdated(con) == ["agg_client_product_month"]
    before = store.generation(demo_db_copy)
    monkeypatch.setenv("JINYE_DB", str(demo_db_copy))
    state.settings.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=180)
        at.query_params["lang"] = "en"
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert any("rebuilt" in s.label.lower() for s in at.status)
        assert store.generation(demo_db_copy) != before
        con, _ = store.open_reader(demo_db_copy)
        try:
            assert aggregates.outdated(con) == []
            meta = dict(con.execute("SELECT key, value FROM warehouse_meta").fetchall())
        finally:
            con.close()
        assert "dashboard" in " ".join(meta.values())
        at.run()  # the next run reads the new file and rebuilds nothing
        assert not at.exception
        assert not at.status
        assert at.metric, "the Overview shows its figures"
    finally:
        state.settings.clear()
