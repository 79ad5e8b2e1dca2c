"""The forecast-accuracy review: the model, the customer managers, the rule and the baselines,
month by month, and the value each step adds (05-forecasting.md).

Customer managers forecast each client's month (需求预测 / 商定总量) at the start of the month,
from the months before it, mostly as a client total (``manager_forecasts.product_id`` empty) and
for some specifications (the scarce ones) product by product. The review puts every other
forecast on the same footing: for each month of the review window the models are fitted on the
months before it and forecast that one month (a rolling origin of one step), on series of
specification x customer manager, summed to the manager's book. The cells compared:

``total``    manager x month: the manager's clients' demand over all products, against the sum
             of the manager's client-total forecasts;
``product``  manager x specification x month, for the specifications the manager forecast.

Stages (``STAGES``): naive, seasonal_naive, rule (前三月平均 x 季节系数), model, manager. Forecast
value added (FVA) follows the chain naive → rule → model → manager: each step's WAPE gain over
the step before it, in WAPE points (positive: the step helped; negative: it hurt).
"""

from __future__ import annotations

import datetime as dt

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.forecast.backtest import run_backtest
from analytics.forecast.features import festival_markers, period_starts
from analytics.forecast.metrics import evaluate, wape
from analytics.forecast.models import check_model, combine, members
from analytics.forecast.panel import from_long, in_sample_scale
from analytics.forecast.series import base_series
from analytics.scope import literal_date
from data.schema import UNKNOWN

STAGES = ("naive", "seasonal_naive", "rule", "model", "manager")
CHAIN = ("naive", "rule", "model", "manager")
_KEYS = ["product_id", "brand", "price_class", "manager_id"]


def manager_review(facts: ir.Table, clients: ir.Table, products: ir.Table, manager_forecasts: ir.Table,
                   managers: ir.Table, start: dt.date, end: dt.date, model: str = "gbm",
                   progress=None) -> pd.DataFrame:
    """Every stage's one-month-ahead forecast of each month from ``start`` to ``end``, with the
    actual.

    Args:
        facts: ``agg_client_product_month``.
        clients, products, manager_forecasts, managers: the tables (clients already restricted
            to the viewer; a manager sees the own book).
        start, end: first and last month reviewed (any day of them).
        model: the model of the 'model' stage (a name of ``models.NAMES`` but 'auto'/'all').
        progress: optional callable(text).

    Returns:
        One row per stage x cell: kind ('total' | 'product'), series_id, manager_id, territory,
        market_dept, product_id and brand (NULL for totals), month, stage, forecast, actual
        (条), scale (the series' in-sample seasonal-naive MAE before the month, for MASE). The
        manager stage is present only where the manager forecast the cell.
    """
    check_model(model)
    if model in ("auto", "all"):
        raise ValueError("the review's model stage needs one model name, not auto or all")
    months = period_starts(start, end, "month")
    if not months:
        raise ValueError(f"no month between {start} and {end}")
    say = progress or (lambda text: None)
    say(f"reading demand up to {months[-1]} ...")
    rows = base_series(facts, clients, products, months[-1], by=("manager_id",))
    rows = rows[rows["manager_id"] != UNKNOWN]  # the unassigned pool has no manager to compare
    panel = from_long(rows, _KEYS, "month", months[-1])
    first = panel.periods.index(months[0]) if months[0] in panel.periods else 0
    windows = panel.n_periods - first
    singles = ["naive", "seasonal_naive", "rule", *members(model)]
    bt = run_backtest(panel, list(dict.fromkeys(singles)), 1, windows, step=1, progress=say)
    stage_fc = {s: bt.forecasts[s] for s in ("naive", "seasonal_naive", "rule")}
    stage_fc["model"] = combine(model, bt.forecasts)
    # product cells: product x manager series as they are
    keys = panel.keys.reset_index(drop=True)
    out = []
    for w, origin in enumerate(bt.origins):
        month = panel.periods[origin]
        act = np.nan_to_num(bt.actual[w][:, 0])
        base = keys.assign(month=month, actual=act, scale=bt.scale[w])
        for stage, fc in stage_fc.items():
            out.append(base.assign(stage=stage, forecast=fc[w][:, 0]))
    cells = pd.concat(out, ignore_index=True)
    product = cells.assign(kind="product", series_id=cells["product_id"] + "|" + cells["manager_id"])
    # total cells: the manager's book, summed over products (scale from the summed history)
    total = cells.groupby(["manager_id", "month", "stage"], as_index=False)[["forecast", "actual"]].sum()
    total_scale = _book_scales(panel, bt.origins)
    total["scale"] = [total_scale.get((m, mo), np.nan) for m, mo in zip(total["manager_id"], total["month"])]
    total = total.assign(kind="total", series_id=total["manager_id"], product_id=None, brand=None)
    said = _manager_stage(manager_forecasts, clients, months)
    total = pd.concat([total, _with_manager(total, said[said["product_id"].isna()], ["manager_id", "month"])])
    with_fc = said[said["product_id"].notna()]
    forecast_cells = with_fc[["manager_id", "product_id", "month"]].drop_duplicates()
    product = product.merge(forecast_cells, on=["manager_id", "product_id", "month"])
    product = pd.concat([product, _with_manager(product, with_fc, ["manager_id", "product_id", "month"])])
    frame = pd.concat([total, product], ignore_index=True)
    m = managers.select("manager_id", "territory", "market_dept").to_pandas()
    frame = frame.drop(columns=[c for c in ("territory", "market_dept") if c in frame]).merge(m, on="manager_id", how="left")
    frame["territory"] = frame["territory"].fillna(UNKNOWN)
    frame["market_dept"] = frame["market_dept"].fillna(UNKNOWN)
    columns = ["kind", "series_id", "manager_id", "territory", "market_dept", "product_id", "brand", "month",
               "stage", "forecast", "actual", "scale"]
    frame["_o"] = frame["stage"].map({s: i for i, s in enumerate(STAGES)})
    frame = frame.sort_values(["kind", "series_id", "month", "_o"])
    return frame[columns].reset_index(drop=True)


def _book_scales(panel, origins: list[int]) -> dict:
    """In-sample seasonal-naive MAE of each manager's book (all products) before each origin."""
    ids = panel.keys["manager_id"].to_numpy()
    managers = sorted(set(ids))
    book = np.vstack([np.nansum(np.where(np.isnan(panel.y[ids == m]), 0, panel.y[ids == m]), axis=0)
                      for m in managers]) if managers else np.zeros((0, panel.n_periods))
    book = np.where(np.cumsum(book, axis=1) > 0, book, np.nan)
    out = {}
    for origin in origins:
        scale = in_sample_scale(book[:, :origin], panel.season)
        out.update({(m, panel.periods[origin]): s for m, s in zip(managers, scale)})
    return out


def _manager_stage(manager_forecasts: ir.Table, clients: ir.Table, months: list[dt.date]) -> pd.DataFrame:
    """The managers' forecasts summed per manager x month (product_id NULL: client totals) and
    per manager x product x month, over the manager's own clients."""
    f = manager_forecasts.filter(manager_forecasts.month.between(literal_date(months[0]), literal_date(months[-1])))
    c = clients.filter(clients.manager_id.notnull()).select("client_id", "manager_id")
    j = f.inner_join(c, "client_id")
    out = j.group_by(["manager_id", "product_id", "month"]).aggregate(forecast=j.qty_forecast.sum().cast("float64"))
    frame = out.to_pandas()
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    frame["product_id"] = frame["product_id"].astype(object).where(frame["product_id"].notna(), None)
    return frame


def _with_manager(cells: pd.DataFrame, said: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    """Manager-stage rows: the cells' actuals and scales with the managers' forecasts."""
    base = cells[cells["stage"] == "model"].drop(columns=["stage", "forecast"])
    got = base.merge(said[[*on, "forecast"]], on=on, how="inner")
    return got.assign(stage="manager")


def review_metrics(frame: pd.DataFrame, by: list[str] | tuple[str, ...] = (), kind: str = "total") -> pd.DataFrame:
    """Accuracy of every stage per group of the review, on the cells every stage forecast.

    Args:
        frame: ``manager_review`` rows.
        by: group columns, e.g. ['manager_id'], ['territory'], ['brand'], ['month'], [].
        kind: 'total' (client-total cells) or 'product' (specifications the managers forecast).

    Returns:
        ``metrics.evaluate`` rows per stage x ``by``: stage, *by, rows, series, actual,
        forecast, wape, bias, mape, mase, within_10.
    """
    cells = _common(frame[frame["kind"] == kind])
    out = evaluate(cells, ["stage", *by])
    out["_o"] = out["stage"].map({s: i for i, s in enumerate(STAGES)})
    return out.sort_values([*by, "_o"]).drop(columns="_o").reset_index(drop=True)


def _common(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of cells that every stage present in the frame forecast (so stages compare on
    the same actuals): cells without a manager forecast drop out of the comparison."""
    key = ["kind", "series_id", "month"]
    stages = frame["stage"].nunique()
    counts = frame.groupby(key)["stage"].transform("nunique")
    return frame[counts == stages]


def fva(frame: pd.DataFrame, by: list[str] | tuple[str, ...] = (), kind: str = "total") -> pd.DataFrame:
    """Forecast value added along naive → rule → model → manager, per group.

    Args:
        frame: ``manager_review`` rows.
        by: group columns, e.g. ['manager_id'], ['territory'], ['brand'] (with kind 'product'),
            ['month'], [].
        kind: 'total' or 'product'.

    Returns:
        One row per group: *by, actual (Σ), wape_<stage> for each stage of the chain, bias_model,
        bias_manager, then fva_rule (naive → rule), fva_model (rule → model), fva_manager
        (model → manager) and fva_total (naive → manager), in WAPE points (positive: the step
        made the forecast better).
    """
    cells = _common(frame[(frame["kind"] == kind) & frame["stage"].isin(CHAIN)])
    rows = []
    groups = cells.groupby(list(by), sort=True) if by else [((), cells)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        w, b = {}, {}
        for stage in CHAIN:
            s = g[g["stage"] == stage]
            w[stage] = wape(s["actual"], s["forecast"]) if len(s) else np.nan
            b[stage] = ((s["forecast"] - s["actual"]).sum() / s["actual"].sum()
                        if len(s) and s["actual"].sum() > 0 else np.nan)
        actual = g[g["stage"] == "model"]["actual"].sum()
        rows.append((*key, actual, *(w[s] for s in CHAIN), b["model"], b["manager"],
                     w["naive"] - w["rule"], w["rule"] - w["model"], w["model"] - w["manager"],
                     w["naive"] - w["manager"]))
    columns = [*by, "actual", *(f"wape_{s}" for s in CHAIN), "bias_model", "bias_manager", "fva_rule",
               "fva_model", "fva_manager", "fva_total"]
    return pd.DataFrame(rows, columns=columns)


def drill(frame: pd.DataFrame, series_id: str, kind: str = "total") -> pd.DataFrame:
    """One series of the review: every stage's forecast against the actual, month by month.

    Returns:
        One row per month: month, actual, then one column per stage present (NaN where the
        stage did not forecast that month).
    """
    s = frame[(frame["kind"] == kind) & (frame["series_id"] == series_id)]
    if s.empty:
        raise ValueError(f"no {kind} series {series_id!r} in the review")
    wide = s.pivot_table(index="month", columns="stage", values="forecast", aggfunc="sum")
    wide = wide[[c for c in STAGES if c in wide.columns]]
    actual = s.groupby("month")["actual"].first()
    return pd.concat([actual, wide], axis=1).reset_index().rename(columns={"index": "month"})


def drill_markers(drilled: pd.DataFrame) -> pd.DataFrame:
    """Festival dates within the months of a ``drill`` table, to mark on its chart."""
    first, last = min(drilled["month"]), max(drilled["month"])
    end = (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date()
    return festival_markers(first, end)
