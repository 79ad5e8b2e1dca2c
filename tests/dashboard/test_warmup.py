"""The background warm-up (``dashboard.warmup``) fits exactly what the 需求预测 and 预测准确度 pages
first ask for, so their first visitor finds it cached; and it starts once per warehouse.

The pages' calls are recorded by wrapping the cached functions (the real ones still run), and
compared with the warm-up's own: a page default changed without the warm-up would fail here."""

from __future__ import annotations

import threading

import pytest

from dashboard import forecast_queries as fq
from dashboard import warmup
from data.warehouse import Warehouse
from tests.dashboard.conftest import no_exception


@pytest.fixture
def recorded(monkeypatch):
    """Calls of ``fq.base_run`` and ``fq.review``: (name, key, every other argument)."""
    calls: list[tuple] = []
    for name in ("base_run", "review"):
        real = getattr(fq, name)

        def spy(_swh, key, *args, _real=real, _name=name):
            calls.append((_name, key, args))
            return _real(_swh, key, *args)
        monkeypatch.setattr(fq, name, spy)
    return calls


def test_warmup_fits_what_the_pages_first_ask_for(page_app, demo_db, recorded):
    no_exception(page_app("forecast", role="marketing"))
    no_exception(page_app("forecast_accuracy", role="marketing"))
    asked = list(recorded)
    assert [c[0] for c in asked] == ["base_run", "review"]

    recorded.clear()
    wh = Warehouse.open(demo_db)
    try:
        assert warmup.warm(wh) == ["forecast", "review"]
    finally:
        wh.close()
    assert recorded == asked


def test_the_app_starts_one_warmup_per_warehouse(page_app, monkeypatch):
    monkeypatch.setenv("JINYE_WARM_FORECASTS", "1")
    warmup._started.clear()
    runs, finished, real = [], threading.Event(), warmup.warm

    def counted(wh):
        runs.append(threading.current_thread().name)
        try:
            return real(wh)
        finally:
            finished.set()
    monkeypatch.setattr(warmup, "warm", counted)
    no_exception(page_app("overview"))
    no_exception(page_app("overview"))  # a second session on the same warehouse
    assert finished.wait(timeout=600)
    assert len(runs) == 1 and runs[0].startswith("jinye-warmup")
    warmup._started.clear()


def test_warmup_is_off_when_configured_so(page_app, monkeypatch):
    monkeypatch.setenv("JINYE_WARM_FORECASTS", "off")
    warmup._started.clear()
    runs = []
    monkeypatch.setattr(warmup, "warm", lambda wh: runs.append(wh))
    no_exception(page_app("overview"))
    assert runs == []
