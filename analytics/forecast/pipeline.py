"""From the warehouse to forecast and accuracy tables: what the command line and the pages call.

One run (``run_forecast``):

1. read the base series (specification x territory) up to the cutoff (``series``);
2. backtest the models over rolling origins and fit them on the whole history (``backtest``);
3. choose the recommended model on the base series' backtest WAPE (``models.choose``), so the
   choice, like the numbers, is the same whatever level is asked for;
4. sum base forecasts and backtests up to the asked level (``reconcile``): levels add up;
5. give every model 80 % / 95 % intervals from its backtest errors at the asked level
   (``intervals``).

When the cutoff falls inside a period, that part-period is neither history nor forecast: the
models forecast one period further and the first is dropped (05-forecasting.md: the first
forecast period is the one after the period holding the cutoff).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.forecast import intervals as iv
from analytics.forecast.backtest import Backtest, backtest_frame, run_backtest
from analytics.forecast.features import check_freq, shift_periods
from analytics.forecast.metrics import evaluate, wape
from analytics.forecast.models import (AUTO, COMBINATIONS, MODELS, auto_menu, check_model, choose,
                                       make, needed)
from analytics.forecast.panel import Panel, from_long, in_sample_scale, to_long
from analytics.forecast.reconcile import aggregate, sum_up
from analytics.forecast.series import BASE_KEYS, base_series, history_end, list_series, region_column
from analytics.scope import Scope

FORECAST_WINDOWS = 3  # backtest windows behind the choice and the intervals of a forecast
ACCURACY_WINDOWS = 4
ALL_MODELS = (*MODELS, *COMBINATIONS)
MAX_HORIZON = {"month": 24, "week": 104}  # two years: beyond that no lag of the data is left


def check_horizon(horizon: int, freq: str) -> None:
    """Refuse a horizon below 1 or beyond two years (ValueError, one line)."""
    if not 1 <= horizon <= MAX_HORIZON[freq]:
        raise ValueError(f"horizon must be 1 to {MAX_HORIZON[freq]} {freq}s, got {horizon}")


def contract_columns(region: str) -> list[str]:
    """The columns of the forecast table (05-forecasting.md), in order."""
    where = region_column(region)
    return ["series_id", "level_key", *([where] if where else []), "period_start", "model", "forecast",
            "lo_80", "hi_80", "lo_95", "hi_95"]


@dataclass
class BaseForecast:
    """The forecasts of the base series (specification x territory) that every level sums.

    Attributes:
        panel: the base series' history.
        forecasts: model name -> (base series, h) for h = horizon + gap.
        backtest: the base series' rolling-origin backtest (h periods per window).
        h: periods forecast; the first ``gap`` of them lie in the part-period the cutoff cut.
        gap: 0, or 1 when the cutoff fell inside a period.
        recommended: the model each series gets by default.
        base_wape: backtest WAPE per model over the base series (what the choice was made on).
    """

    panel: Panel
    forecasts: dict[str, np.ndarray]
    backtest: Backtest
    h: int
    gap: int
    recommended: str
    base_wape: dict[str, float]

    def at(self, level: str, region: str) -> ForecastRun:
        """The forecasts summed to ``level`` x ``region``, with intervals from that level's own
        backtest errors."""
        target, s = aggregate(self.panel, level, region)
        t_bt = level_backtest(self.backtest, target, s)
        scale = in_sample_scale(target.y, target.season)
        gap = self.gap
        forecasts, bounds = {}, {}
        for name, base_fc in self.forecasts.items():
            fc = sum_up(s, base_fc)
            b = iv.apply(fc, scale, iv.error_quantiles(t_bt.forecasts[name], t_bt.actual, t_bt.scale))
            forecasts[name] = fc[:, gap:]
            bounds[name] = {k: v[:, gap:] for k, v in b.items()}
        t_bt.forecasts = {k: v[:, :, gap:] for k, v in t_bt.forecasts.items()}
        t_bt.actual = t_bt.actual[:, :, gap:]
        t_bt.h = self.h - gap
        periods = self.panel.future(self.h)[gap:]
        return ForecastRun(level, region, self.panel.freq, self.h - gap, target, periods, forecasts, bounds,
                           t_bt, self.recommended, self.base_wape, self)


@dataclass
class ForecastRun:
    """Everything a forecast produced, at the asked level.

    Attributes:
        level, region, freq, horizon: what was asked.
        history: the asked level's series (keys: series_id, level_key, the region column).
        periods: the forecast periods (``horizon`` of them).
        forecasts: model name -> (series, horizon) in 条.
        bounds: model name -> {'lo_80', 'hi_80', 'lo_95', 'hi_95'} -> (series, horizon).
        backtest: the asked level's backtest (summed from the base series').
        recommended: the model each series gets by default.
        base_wape: backtest WAPE per model over the base series (what the choice was made on).
        source: the base forecasts it was summed from (``rollup`` sums them to another level
            without fitting anything again).
    """

    level: str
    region: str
    freq: str
    horizon: int
    history: Panel
    periods: list[dt.date]
    forecasts: dict[str, np.ndarray]
    bounds: dict[str, dict[str, np.ndarray]]
    backtest: Backtest
    recommended: str
    base_wape: dict[str, float] = field(default_factory=dict)
    source: BaseForecast | None = None

    def rollup(self, level: str, region: str) -> ForecastRun:
        """The same forecasts at another level x region (they add up with these)."""
        if self.source is None:
            raise ValueError("this run keeps no base forecasts to sum")
        return self.source.at(level, region)

    def table(self, model: str | None = None) -> pd.DataFrame:
        """The forecast table of the command-line contract.

        Args:
            model: None or 'auto' for the recommended model, 'all' for every model run, or one
                model's name.

        Returns:
            One row per series x forecast period (x model): ``contract_columns(region)``.
        """
        names = self._names(model)
        keys = [c for c in contract_columns(self.region) if c in self.history.keys.columns]
        n, h = len(self.history.keys), self.horizon
        parts = []
        for name in names:
            part = self.history.keys[keys].loc[np.repeat(np.arange(n), h)].reset_index(drop=True)
            part["period_start"] = self.periods * n
            part["model"] = name
            part["forecast"] = self.forecasts[name].ravel()
            for bound, values in self.bounds[name].items():
                part[bound] = values.ravel()
            parts.append(part)
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=contract_columns(self.region))
        return out[contract_columns(self.region)]

    def _names(self, model: str | None) -> list[str]:
        if model in (None, AUTO):
            return [self.recommended]
        if model == "all":
            return list(self.forecasts)
        if model not in self.forecasts:
            raise ValueError(f"model {model!r} was not run: run with --model {model} or all")
        return [model]

    def series_ids(self) -> list[str]:
        return self.history.keys["series_id"].tolist()

    def series(self, series_id: str, model: str | None = None) -> pd.DataFrame:
        """History and forecast of one series, for a chart.

        Returns:
            One row per period: period_start, actual (NaN in the future), then per model shown
            (``model`` as in ``table``) forecast / lo_80 / hi_80 / lo_95 / hi_95 columns named
            '<model>' and '<model>_lo_80' etc. (NaN in the past).
        """
        i = self._row(series_id)
        out = pd.DataFrame({"period_start": self.history.periods + self.periods,
                            "actual": np.concatenate([self.history.y[i], np.full(self.horizon, np.nan)])})
        t = self.history.n_periods
        for name in self._names(model):
            col = np.full(len(out), np.nan)
            col[t:] = self.forecasts[name][i]
            out[name] = col
            for bound, values in self.bounds[name].items():
                col = np.full(len(out), np.nan)
                col[t:] = values[i]
                out[f"{name}_{bound}"] = col
        return out

    def _row(self, series_id: str) -> int:
        hit = np.flatnonzero(self.history.keys["series_id"].to_numpy() == series_id)
        if not len(hit):
            raise ValueError(f"no series {series_id!r} at {self.level} x {self.region}")
        return int(hit[0])

    def plan(self, model: str | None = None) -> pd.DataFrame:
        """The plan table: one row per series, one forecast column per future period (named by
        its start, ISO), plus the total, for the recommended model or ``model``."""
        name = self._names(model)[0]
        keys = [c for c in contract_columns(self.region) if c in self.history.keys.columns]
        out = self.history.keys[keys].copy()
        out["model"] = name
        for j, period in enumerate(self.periods):
            out[period.isoformat()] = self.forecasts[name][:, j]
        out["total"] = self.forecasts[name].sum(axis=1)
        return out.sort_values("total", ascending=False, ignore_index=True)

    def backtest_table(self) -> pd.DataFrame:
        """Every backtest forecast against its actual, at the asked level (``backtest_frame``)."""
        return backtest_frame(self.backtest, self.history)

    def history_table(self) -> pd.DataFrame:
        """The asked level's demand history: series keys, period_start, y, price_index."""
        return to_long(self.history)

    def list_series(self) -> pd.DataFrame:
        """One row per series for a picker, largest first (``series.list_series``)."""
        return list_series(self.history_table(), self.freq)

    def metrics(self, by: list[str] | tuple[str, ...] = ("model",)) -> pd.DataFrame:
        """Backtest metrics per group of the backtest rows (e.g. ['model', 'level_key'],
        ['model', 'step'], ['model', 'period_start']); see ``metrics.evaluate``."""
        return evaluate(self.backtest_table(), list(by))


def run_forecast(facts: ir.Table, clients: ir.Table, products: ir.Table, level: str, region: str,
                 freq: str, horizon: int, cutoff: dt.date | None = None, model: str = AUTO,
                 windows: int = FORECAST_WINDOWS, scope: Scope = Scope(), progress=None) -> ForecastRun:
    """Forecast every series of ``level`` x ``region``.

    Args:
        facts: the aggregate of ``freq`` (``agg_client_product_week`` / ``_month``).
        clients, products: the dimension tables (clients already restricted to the viewer).
        level: 'product', 'brand', 'price_class' or 'all'.
        region: 'territory', 'market_dept', 'district' or 'city'.
        freq: 'week' or 'month'.
        horizon: periods to forecast (≥ 1).
        cutoff: use only history dated up to this day (default: all of it).
        model: 'auto' (the recommended model), 'all', or a model name (``models.NAMES``).
        windows: rolling-origin backtest windows behind the choice and the intervals.
        scope: region / segment / product filters.
        progress: optional callable(text) for long work.

    Returns:
        The run (``ForecastRun.table()`` is the command-line table).

    Raises:
        ValueError: a bad level, frequency, horizon or model, or no history.
    """
    say = progress or (lambda text: None)
    base, last, first_forecast = _base_history(facts, clients, products, freq, horizon, cutoff, model, scope, say)
    gap = _periods_between(last, first_forecast, freq) - 1
    h = horizon + gap
    names = list(ALL_MODELS) if model == "all" else [model]
    singles = needed(names, base.n_series)
    bt = run_backtest(base, singles, h, windows, progress=say).with_models(list(ALL_MODELS))
    base_wape = {name: _wape(bt, name, gap) for name in bt.forecasts}
    recommended = choose(auto_menu(base.n_series), base_wape) if model in (AUTO, "all") else model
    wanted = list(ALL_MODELS) if model == "all" else [recommended]
    base_fc = {}
    for name in needed(wanted, base.n_series):
        say(f"fitting {name} on {base.n_series:,} series ...")
        base_fc[name] = make(name).fit(base).predict(h)
    for name in wanted:
        if name in COMBINATIONS:
            base_fc[name] = np.mean([base_fc[m] for m in COMBINATIONS[name]], axis=0)
    return BaseForecast(base, base_fc, bt, h, gap, recommended, base_wape).at(level, region)


def _base_history(facts: ir.Table, clients: ir.Table, products: ir.Table, freq: str, horizon: int,
                  cutoff: dt.date | None, model: str, scope: Scope, say) -> tuple[Panel, dt.date, dt.date]:
    """The arguments checked (cheap ones first, so refusals stay one line), then the base series
    (specification x territory) up to the cutoff, the last period held and the first to forecast.

    Raises:
        ValueError: a bad frequency, model or horizon, or no demand up to the cutoff.
    """
    check_freq(freq)
    check_model(model)
    check_horizon(horizon, freq)
    last, first_forecast = history_end(facts, freq, cutoff)
    say(f"reading demand up to {last} ...")
    base = from_long(base_series(facts, clients, products, last, scope), BASE_KEYS, freq, last)
    if base.n_series == 0:
        raise ValueError("no demand in the history up to the cutoff")
    return base, last, first_forecast


def _periods_between(last: dt.date, first_forecast: dt.date, freq: str) -> int:
    n, day = 0, last
    while day < first_forecast:
        day = shift_periods(day, 1, freq)
        n += 1
    return n


def _wape(bt: Backtest, name: str, gap: int) -> float:
    act = bt.actual[:, :, gap:]
    ok = np.isfinite(act)
    return wape(act[ok], bt.forecasts[name][:, :, gap:][ok]) if ok.any() else np.nan


def level_backtest(bt: Backtest, target: Panel, s) -> Backtest:
    """A base backtest summed up to the series of ``target`` (summing matrix ``s``): forecasts
    add up like the data, actuals and scales are the target series' own."""
    w, h = bt.windows, bt.h
    forecasts = {name: np.stack([sum_up(s, fc[i]) for i in range(w)]) if w else np.zeros((0, target.n_series, h))
                 for name, fc in bt.forecasts.items()}
    actual = np.stack([target.y[:, o:o + h] for o in bt.origins]) if w else np.zeros((0, target.n_series, h))
    scale = (np.stack([in_sample_scale(target.y[:, :o], target.season) for o in bt.origins])
             if w else np.zeros((0, target.n_series)))
    return Backtest(list(bt.origins), h, forecasts, actual, scale)


def forecast_table(facts: ir.Table, clients: ir.Table, products: ir.Table, level: str, region: str,
                   freq: str, horizon: int, cutoff: dt.date | None = None, model: str = AUTO,
                   windows: int = FORECAST_WINDOWS, scope: Scope = Scope(), progress=None) -> pd.DataFrame:
    """The command-line forecast table: ``run_forecast(...).table(model)``; see there."""
    run = run_forecast(facts, clients, products, level, region, freq, horizon, cutoff, model, windows,
                       scope, progress)
    return run.table(model)


def accuracy_backtest(facts: ir.Table, clients: ir.Table, products: ir.Table, level: str, region: str,
                      freq: str, horizon: int, cutoff: dt.date | None = None, model: str = "all",
                      windows: int = ACCURACY_WINDOWS, scope: Scope = Scope(), progress=None) -> pd.DataFrame:
    """Rolling-origin backtest rows at ``level`` x ``region``, for every model asked.

    The windows end with the history (the latest window forecasts the last ``horizon`` periods
    up to the cutoff) and step back ``horizon`` periods each. 'auto' is judged honestly: in each
    window it is the model the choice would have made from the earlier windows only (in the
    earliest, the global model).

    Returns:
        ``backtest.backtest_frame`` rows: series_id, level_key, the region column, cutoff,
        period_start, step, model, forecast, actual, scale.
    """
    say = progress or (lambda text: None)
    base, _, _ = _base_history(facts, clients, products, freq, horizon, cutoff, model, scope, say)
    names = list(ALL_MODELS) + [AUTO] if model == "all" else [model]
    bt = run_backtest(base, needed(names, base.n_series), horizon, windows, progress=say)
    bt.with_models(list(ALL_MODELS))
    if AUTO in names:
        bt.forecasts[AUTO] = _nested_auto(bt, auto_menu(base.n_series))
    bt.forecasts = {k: v for k, v in bt.forecasts.items() if k in names or model == "all" and k in (*ALL_MODELS, AUTO)}
    target, s = aggregate(base, level, region)
    return backtest_frame(level_backtest(bt, target, s), target)


def _nested_auto(bt: Backtest, menu: tuple[str, ...]) -> np.ndarray:
    out = np.zeros_like(bt.actual)
    for w in range(bt.windows):  # window 0 is the latest; older ones have larger indices
        older = range(w + 1, bt.windows)
        errors = {}
        for name in menu:
            act = bt.actual[list(older)] if older else np.zeros((0,))
            if len(older):
                ok = np.isfinite(act)
                errors[name] = wape(act[ok], bt.forecasts[name][list(older)][ok]) if ok.any() else np.nan
        out[w] = bt.forecasts[choose(menu, errors)][w]
    return out


def accuracy_table(facts: ir.Table, clients: ir.Table, products: ir.Table, level: str, region: str,
                   freq: str, horizon: int, cutoff: dt.date | None = None, model: str = "all",
                   windows: int = ACCURACY_WINDOWS, scope: Scope = Scope(), progress=None) -> pd.DataFrame:
    """Backtest metrics per model and level key (the ``accuracy`` command's table).

    Returns:
        One row per model x level_key, pooled over regions, windows and steps: model,
        level_key, rows, series, actual, forecast, wape, bias, mape, mase, within_10.
    """
    frame = accuracy_backtest(facts, clients, products, level, region, freq, horizon, cutoff, model,
                              windows, scope, progress)
    return evaluate(frame, ["model", "level_key"])
