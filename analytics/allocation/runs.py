"""Saved allocation runs: what was released, how, by whom and when, so a decision can be audited.

A run is written in one safe write (``data.store.writing``: all of it or nothing, the dashboard
reading on meanwhile) to the tables ``data.schema`` declares:

    allocation_runs        one row per run: run_id, created_at, created_by, product_id,
                           period_start, period_end, supply, method, params_json, note
    allocations            one row per run x client: grade, demand_estimate, qty_alloc,
                           cap_grade, reason
    allocation_grade_caps  one row per run x grade: clients, cap, qty_total

``params_json`` keeps everything else needed to redo or question the run: the recommendation's
settings, the region split, the error left, the notes, and for a split by-grade run the cap
table of each part (the grade table has one row per grade, so it holds the parts summed, with
the largest part's cap).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import duckdb
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.allocation.pipeline import Allocation
from data import store

RUN_COLUMNS = ["run_id", "created_at", "created_by", "product_id", "period_start", "period_end", "supply",
               "method", "params_json", "note"]
ALLOC_COLUMNS = ["run_id", "client_id", "grade", "demand_estimate", "qty_alloc", "cap_grade", "reason"]
CAP_COLUMNS = ["run_id", "grade", "clients", "cap", "qty_total"]


def run_params(a: Allocation) -> dict:
    """The parameters and circumstances of an allocation, as saved in ``params_json``."""
    params = {"settings": a.settings.as_dict(), "split": a.split, "error": a.error, "notes": a.notes,
              "clients": int(len(a.clients)), "qty_total": int(a.clients["qty_alloc"].sum()),
              "seconds": round(a.seconds, 3)}
    if "part" in a.grades:
        params["grade_parts"] = a.grades.to_dict("records")
    return params


def save_run(path: str | Path, a: Allocation, who: str, note: str = "") -> str:
    """Save an allocation as a run, in one safe write.

    Args:
        path: the warehouse file.
        a: the allocation.
        who: the user (account name) saving it.
        note: free text, e.g. why this supply.

    Returns:
        The new run_id.

    Raises:
        ValueError: no user given.
        store.WarehouseMissing, store.WarehouseBusy: from the write.
    """
    if not who or not str(who).strip():
        raise ValueError("a saved run needs the user who made it")
    run_id = f"{a.period_start:%Y%m%d}-{a.product_id}-{uuid.uuid4().hex[:8]}"
    now = dt.datetime.now().replace(microsecond=0)
    run = pd.DataFrame([[run_id, now, str(who), a.product_id, a.period_start, a.period_end, a.supply,
                         a.method, json.dumps(run_params(a), ensure_ascii=False, default=_plain), note or None]],
                       columns=RUN_COLUMNS)
    clients = a.clients.assign(run_id=run_id)[ALLOC_COLUMNS]
    caps = a.grades.groupby("grade", as_index=False).agg(clients=("clients", "sum"), cap=("cap", "max"),
                                                         qty_total=("qty_total", "sum"))
    caps = caps.assign(run_id=run_id)[CAP_COLUMNS]
    with store.writing(path, action=f"allocation run {run_id}", who=str(who), refresh=False) as con:
        for table, frame in (("allocation_runs", run), ("allocations", clients),
                             ("allocation_grade_caps", caps)):
            con.register("_frame", frame)
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _frame")
            con.unregister("_frame")
    return run_id


def list_runs(runs: ir.Table, product_id: str | None = None) -> pd.DataFrame:
    """Saved runs, newest first: one row per run (``RUN_COLUMNS``).

    Args:
        runs: the ``allocation_runs`` table.
        product_id: only this product's runs (None: all).
    """
    t = runs if product_id is None else runs.filter(runs.product_id == product_id)
    return t.order_by(t.created_at.desc()).to_pandas()


def load_run(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """One saved run: (its row as a dict with params decoded, its clients, its grade table).

    Raises:
        KeyError: no such run.
    """
    run = con.execute("SELECT * FROM allocation_runs WHERE run_id = ?", [run_id]).df()
    if run.empty:
        raise KeyError(f"no saved allocation run {run_id!r}")
    row = run.iloc[0].to_dict()
    row["params"] = json.loads(row.pop("params_json") or "{}")
    clients = con.execute("SELECT * FROM allocations WHERE run_id = ? ORDER BY client_id", [run_id]).df()
    grades = con.execute("SELECT * FROM allocation_grade_caps WHERE run_id = ? ORDER BY grade DESC", [run_id]).df()
    return row, clients, grades


def _plain(value):
    """JSON for numpy scalars and dates."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot save {type(value).__name__} in params_json")
