"""Fit the first forecast and the accuracy review in the background as soon as a warehouse is open.

Both are computed on demand and cached (``forecast_queries``); on the demo city they take tens of
seconds, far longer on a busy machine, and the load test showed the first visitor of 需求预测 and
预测准确度 waiting for them. So the first run of the app on a warehouse generation (the server's
first session, and again after each import) starts one background thread that asks the same
cached functions for exactly what a marketing user's first visit asks: the default sidebar
filters, the pages' default frequency, horizon and model. By the time someone opens the pages the
result is in the cache; if the fit is still running, Streamlit's per-key lock makes the page wait
for it rather than fit a second time.

Only the marketing department's view is warmed: it is the audience of both pages, and every role
keeps its own cache entries (``queries.cache_key``), so warming all of them would multiply the
work. Other viewers fit on their first visit, as before.
"""

from __future__ import annotations

import logging
import threading

import streamlit as st

from analytics.scope import Scope, Window
from dashboard import forecast_queries as fq
from dashboard import queries
from dashboard.filters import default_window
from data.warehouse import Viewer, Warehouse

log = logging.getLogger(__name__)

VIEWER = Viewer(username="warmup", role="marketing")


def start(wh: Warehouse) -> None:
    """Start warming this warehouse generation's caches unless it has been started already."""
    _started(str(wh.path), wh.generation, wh)


@st.cache_resource(max_entries=3, show_spinner=False)
def _started(path: str, generation: tuple, _wh: Warehouse) -> threading.Thread:
    """One thread per warehouse file and generation (``_wh`` is what they name, not hashed)."""
    thread = threading.Thread(target=warm, args=(_wh,), name=f"jinye-warmup-{path}", daemon=True)
    thread.start()
    return thread


def warm(wh: Warehouse) -> list[str]:
    """Compute what the forecast and accuracy pages first show a marketing user; returns what
    was computed (for logs and tests). A failure is logged, never raised: the pages compute the
    same on demand and report any problem to the user there."""
    done: list[str] = []
    try:
        swh = wh.for_viewer(VIEWER)
        key = queries.cache_key(swh)
        start, end = default_window(queries.choices(swh, key))
        window = Window.snapped(start, end, "month")
        freq, horizon = fq.DEFAULT_FREQ, fq.DEFAULT_HORIZON[fq.DEFAULT_FREQ]
        span = fq.history_span(swh, key, freq, window.end)
        if span is None or not fq.enough_history(span[3], horizon, freq):
            return done
        fq.base_run(swh, key, Scope(), freq, horizon, window.end, fq.DEFAULT_MODEL)
        done.append("forecast")
        first_data, last_month = span[0], span[1]
        review_start, review_end = fq.review_months(first_data, last_month, window.start)
        if review_start <= review_end and fq.has_manager_forecasts(swh):
            fq.review(swh, key, Scope(), review_start, review_end)
            done.append("review")
    except Exception:  # noqa: BLE001 - a background nicety must never take the server down
        log.exception("warming the forecast caches failed; the pages will compute on demand")
    return done
