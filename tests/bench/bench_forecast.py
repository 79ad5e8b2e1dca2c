"""Benchmark: forecasting speed on 10,000 series and accuracy on the demo city.

Not a pass/fail test (pytest does not collect it). Run it by hand on a warehouse:

    cd /work/main && PYTHONPATH=. .venv/bin/python tests/bench/bench_forecast.py --db /tmp/kpi2000.duckdb
    ... [--freq month] [--horizon 3] [--windows 20] [--step 1] [--level product,district]
        [--speed-series 10000]
        [--ets-sample 1000] [--skip-autoets] [--skip-ets] [--json figures.json]

Two parts:

``speed``
    10,000 monthly demand series of client x specification (the pairs with the most demand,
    so no series is all zeros), each model fitted and asked for ``--horizon`` months, timed
    wall-clock and CPU (the process's, children included). Series per second = series ÷ wall
    seconds. The per-series models ETS and statsforecast's AutoETS are timed on
    ``--ets-sample`` series and scaled up (marked "est."). ``auto`` is the whole forecast
    path of ``pipeline.run_forecast`` on those series: three backtest windows of the
    candidates plus the final fit (ETS is not a candidate at this size).
``accuracy``
    Rolling-origin backtests on the warehouse's own hierarchy: every model forecast on the base
    series (specification x territory) and summed to ``--level`` (default the planning grain,
    specification x district), ``--windows`` origins ``--step`` periods apart, ``--horizon``
    periods each (weekly runs need a step of a few weeks for the origins to reach back to the
    last Spring Festival). statsforecast's AutoETS (season 12 / 52) is fitted directly on the ``--level`` series
    as the per-series reference. Only series with the whole history are scored, so every model
    sees the same cells. Reported: WAPE (Σ|e| ÷ Σ actual), MASE (per series mean |e| ÷ its
    in-sample seasonal-naive MAE at the origin, averaged over series), bias, and the ratio of
    each to seasonal naive's and AutoETS's, overall and in Spring Festival months (target
    month January or February: the festival, its run-up and its slump fall in them).

The load average is printed next to the timings: on a shared machine a busy neighbour slows
everything down, and the scikit-learn booster's threads suffer most.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analytics.forecast.backtest import run_backtest  # noqa: E402
from analytics.forecast.models import AUTO_MENU, make  # noqa: E402
from analytics.forecast.panel import Panel, from_long  # noqa: E402
from analytics.forecast.pipeline import level_backtest  # noqa: E402
from analytics.forecast.reconcile import aggregate  # noqa: E402
from analytics.forecast.series import BASE_KEYS, base_series, history_end, parse_level  # noqa: E402
from data.warehouse import Warehouse  # noqa: E402
from tests.bench.machine import load_average  # noqa: E402

MODEL_ORDER = ["naive", "seasonal_naive", "rule", "ets", "gbm", "gbm+ets"]


def cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn):
    wall, used = time.perf_counter(), cpu()
    out = fn()
    return out, time.perf_counter() - wall, cpu() - used


# -- speed -------------------------------------------------------------------------------------

def speed_panel(con, n: int) -> Panel:
    """Monthly demand of the ``n`` client x specification pairs with the most demand."""
    rows = con.execute(f"""
        WITH top AS (
            SELECT client_id, product_id FROM agg_client_product_month
            GROUP BY 1, 2 ORDER BY sum(greatest(qty_demand, qty_ordered)) DESC, 1, 2 LIMIT {int(n)})
        SELECT a.client_id, a.product_id, CAST(p.price_class AS VARCHAR) AS price_class, a.period_start,
               CAST(greatest(a.qty_demand, a.qty_ordered) AS DOUBLE) AS y,
               CAST(a.price_sum AS DOUBLE) AS price_sum,
               CAST(a.price_observations * p.retail_price AS DOUBLE) AS price_base
        FROM agg_client_product_month a JOIN top USING (client_id, product_id)
        JOIN products p USING (product_id)""").df()
    rows["period_start"] = pd.to_datetime(rows["period_start"]).dt.date
    last = max(rows["period_start"])
    panel = from_long(rows, ["client_id", "product_id", "price_class"], "month", last)
    panel.keys["series_id"] = panel.keys["client_id"] + "|" + panel.keys["product_id"]
    return panel


def autoets_forecast(panel: Panel, h: int) -> np.ndarray:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    frame = long_frame(panel)
    sf = StatsForecast(models=[AutoETS(season_length=panel.season)], freq=freq_code(panel.freq),
                       n_jobs=min(os.cpu_count() or 1, 4))
    return sf.forecast(df=frame, h=h)


def long_frame(panel: Panel) -> pd.DataFrame:
    r, c = np.nonzero(~np.isnan(panel.y))
    return pd.DataFrame({"unique_id": panel.keys["series_id"].to_numpy()[r],
                         "ds": pd.to_datetime(np.array(panel.periods, dtype=object)[c]),
                         "y": panel.y[r, c]})


def freq_code(freq: str) -> str:
    return "MS" if freq == "month" else "W-MON"


def speed(con, n: int, h: int, ets_sample: int, autoets: bool) -> list[dict]:
    panel, wall, _ = timed(lambda: speed_panel(con, n))
    print(f"\n## speed: {panel.n_series:,} client x specification series, {panel.n_periods} months, "
          f"h = {h} (read in {wall:.1f} s)")
    out = []
    rng = np.random.default_rng(0)
    sample = panel.take(np.sort(rng.choice(panel.n_series, min(ets_sample, panel.n_series), replace=False)))
    if autoets:  # compile numba once before timing
        autoets_forecast(sample.take(np.arange(min(20, sample.n_series))), h)
    jobs = [(name, panel, 1.0) for name in ("naive", "seasonal_naive", "rule", "gbm")]
    jobs.append(("ets", sample, panel.n_series / sample.n_series))
    for name, p, factor in jobs:
        _, wall, used = timed(lambda: make(name).fit(p).predict(h))
        out.append(_speed_row(name, p.n_series, wall, used, factor, panel.n_series))
    if autoets:
        _, wall, used = timed(lambda: autoets_forecast(sample, h))
        out.append(_speed_row("AutoETS (statsforecast)", sample.n_series, wall, used,
                              panel.n_series / sample.n_series, panel.n_series))

    def auto():
        bt = run_backtest(panel, ["gbm", "seasonal_naive", "rule"], h, 3).with_models(list(AUTO_MENU))
        return make("gbm").fit(panel).predict(h), bt
    _, wall, used = timed(auto)
    out.append(_speed_row("auto (3 backtests + fit)", panel.n_series, wall, used, 1.0, panel.n_series))
    print(f"{'model':28s} {'series':>8s} {'wall s':>9s} {'cpu s':>8s} {'series/s':>10s}  load")
    for row in out:
        est = " est." if row["estimated"] else ""
        print(f"{row['model']:28s} {row['series']:8,d} {row['wall_s']:9.2f} {row['cpu_s']:8.2f} "
              f"{row['series_per_s']:10,.0f}{est}  {row['load']}")
    return out


def _speed_row(name, fitted, wall, used, factor, total) -> dict:
    return {"model": name, "series": int(total), "fitted": int(fitted), "wall_s": wall * factor,
            "cpu_s": used * factor, "series_per_s": total / (wall * factor) if wall > 0 else float("inf"),
            "estimated": factor != 1.0, "load": load_average()}


# -- accuracy ----------------------------------------------------------------------------------

def accuracy(wh: Warehouse, level_text: str, freq: str, h: int, windows: int, step: int, autoets: bool,
             ets: bool = True) -> dict:
    level, region = parse_level(level_text)
    b = wh.backend()
    facts = b.table(f"agg_client_product_{freq}")
    last, _ = history_end(facts, freq)
    base = from_long(base_series(facts, b.table("clients"), b.table("products"), last), BASE_KEYS, freq, last)
    print(f"\n## accuracy: {level} x {region} per {freq}, {windows} origins {step} {freq}(s) apart, h = {h}; "
          f"base {base.n_series:,} specification x territory series, {base.periods[0]} to {base.periods[-1]}")
    singles = ["naive", "seasonal_naive", "rule", *(["ets"] if ets else []), "gbm"]
    bt, wall, used = timed(lambda: run_backtest(base, singles, h, windows, step=step))
    order = [m for m in MODEL_ORDER if ets or "ets" not in m]
    bt.with_models(order)
    print(f"backtests of {len(singles)} models in {wall:.0f} s wall, {used:.0f} s CPU (load {load_average()})")
    target, s = aggregate(base, level, region)
    t = level_backtest(bt, target, s)
    full = ~np.isnan(target.y[:, 0])  # series with the whole history: every model scores the same cells
    forecasts = {name: t.forecasts[name] for name in order}
    if autoets:
        fc, wall, used = timed(lambda: autoets_cv(target.take(np.flatnonzero(full)), h, windows, step))
        print(f"AutoETS cross-validation on {int(full.sum()):,} series in {wall:.0f} s wall, {used:.0f} s CPU")
        ref = np.full(t.actual.shape, np.nan)
        ref[:, full] = fc
        forecasts["AutoETS"] = ref
    months = np.array([[target.periods[o + k].month for k in range(h)] for o in bt.origins])
    festival = np.isin(months, (1, 2))[:, None, :]
    cells = np.isfinite(t.actual) & full[None, :, None]
    table = []
    for name, fc in forecasts.items():
        row = {"model": name}
        for label, mask in (("all", cells), ("sf", cells & festival)):
            row[f"wape_{label}"] = _wape(t.actual, fc, mask)
            row[f"mase_{label}"] = _mase(t.actual, fc, t.scale, mask)
            row[f"bias_{label}"] = _bias(t.actual, fc, mask)
        table.append(row)
    frame = pd.DataFrame(table).set_index("model")
    for ref in ("seasonal_naive", "AutoETS"):
        if ref in frame.index:
            for col in ("wape_all", "mase_all", "wape_sf", "mase_sf"):
                frame[f"{col}_vs_{'snaive' if ref == 'seasonal_naive' else 'autoets'}"] = frame[col] / frame.loc[ref, col]
    n_sf = int((cells & festival).any(axis=(1, 2)).sum())
    print(f"{int(full.sum()):,} series scored; Spring Festival months: targets in January or February "
          f"({int((cells & festival).sum()):,} cells from {n_sf} origins)")
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(frame[["wape_all", "mase_all", "bias_all", "wape_sf", "mase_sf", "bias_sf"]].round(4).to_string())
        rel = [c for c in frame.columns if "_vs_" in c]
        print("\nrelative to seasonal naive / AutoETS (below 1 is better):")
        print(frame[rel].round(3).to_string())
    return {"level": level_text, "freq": freq, "horizon": h, "windows": windows, "step": step,
            "series": int(full.sum()),
            "table": frame.reset_index().to_dict(orient="records")}


def autoets_cv(panel: Panel, h: int, windows: int, step: int) -> np.ndarray:
    """AutoETS rolling-origin forecasts shaped (windows, series, h), latest window first."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    sf = StatsForecast(models=[AutoETS(season_length=panel.season)], freq=freq_code(panel.freq),
                       n_jobs=min(os.cpu_count() or 1, 4))
    cv = sf.cross_validation(df=long_frame(panel), h=h, n_windows=windows, step_size=step)
    cv["cutoff"] = pd.to_datetime(cv["cutoff"]).dt.date
    cv["ds"] = pd.to_datetime(cv["ds"]).dt.date
    cutoffs = sorted(cv["cutoff"].unique(), reverse=True)
    index = {p: i for i, p in enumerate(panel.periods)}
    rows = {sid: i for i, sid in enumerate(panel.keys["series_id"])}
    out = np.full((windows, panel.n_series, h), np.nan)
    w = cv["cutoff"].map({c: i for i, c in enumerate(cutoffs)}).to_numpy()
    k = (cv["ds"].map(index) - cv["cutoff"].map(index) - 1).to_numpy()
    r = cv["unique_id"].map(rows).to_numpy()
    out[w, r, k] = np.clip(cv["AutoETS"].to_numpy(), 0, None)
    return out


def _wape(actual, fc, mask) -> float:
    return float(np.abs(fc - actual)[mask].sum() / actual[mask].sum()) if mask.any() else float("nan")


def _bias(actual, fc, mask) -> float:
    return float((fc - actual)[mask].sum() / actual[mask].sum()) if mask.any() else float("nan")


def _mase(actual, fc, scale, mask) -> float:
    ratio = np.abs(fc - actual) / scale[..., None]
    ratio = np.where(mask, ratio, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        per_series = np.nanmean(ratio, axis=(0, 2))
    return float(np.nanmean(per_series))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="warehouse file (opened read-only)")
    parser.add_argument("--freq", choices=("week", "month"), default="month")
    parser.add_argument("--horizon", type=int, default=3)
    parser.add_argument("--windows", type=int, default=20, help="rolling origins")
    parser.add_argument("--step", type=int, default=1, help="periods between origins (default 1)")
    parser.add_argument("--level", default="product,district", help="level of the accuracy figures")
    parser.add_argument("--speed-series", type=int, default=10_000)
    parser.add_argument("--ets-sample", type=int, default=1_000, help="series the per-series ETS are timed on")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--skip-autoets", action="store_true", help="no statsforecast reference")
    parser.add_argument("--skip-ets", action="store_true",
                        help="no per-series ETS in the accuracy part (one fit per series and window: slow on weeks)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)  # statsforecast's and numpy's chatter
    autoets = not args.skip_autoets
    if autoets:
        try:
            import statsforecast  # noqa: F401
        except ImportError:
            print("statsforecast is not installed (pip install -r requirements-dev.txt): no AutoETS reference")
            autoets = False
    print(f"# forecast benchmark on {args.db} ({os.cpu_count()} cores, load {load_average()})")
    figures = {}
    wh = Warehouse.open(args.db)
    try:
        if not args.skip_speed:
            figures["speed"] = speed(wh.cursor(), args.speed_series, args.horizon, args.ets_sample, autoets)
        if not args.skip_accuracy:
            figures["accuracy"] = accuracy(wh, args.level, args.freq, args.horizon, args.windows, args.step,
                                           autoets, ets=not args.skip_ets)
    finally:
        wh.close()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
