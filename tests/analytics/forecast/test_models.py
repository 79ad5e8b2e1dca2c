"""Each model on series with a known answer: a pure season, and a Spring Festival peak that
moves from January (2025) to February (2026)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics.forecast.baselines import seasonal_coefficients
from analytics.forecast.models import AUTO_MENU, MODELS, auto_menu, choose, combine, make, needed
from analytics.forecast.panel import Panel
from tests.analytics.forecast.synthetic import by_period, daily_spring_peak, panel


def wape(forecast, truth):
    return np.abs(forecast - truth).sum() / truth.sum()


@pytest.fixture(scope="module")
def seasonal():
    """30 series of a smooth yearly season, 2019-2023 as history, 2024 to forecast."""
    months = np.arange(72)
    pattern = 1 + 0.3 * np.sin(2 * np.pi * (months % 12) / 12)
    base = np.linspace(10, 500, 30)
    y = base[:, None] * pattern[None, :]
    return panel(y[:, :60], dt.date(2019, 1, 1), "month"), y[:, 60:], base, pattern


def test_seasonal_naive_repeats_last_year_exactly(seasonal):
    history, truth, _, _ = seasonal
    assert np.allclose(make("seasonal_naive").fit(history).predict(12), truth)
    # beyond a year it repeats the last year again
    assert np.allclose(make("seasonal_naive").fit(history).predict(24)[:, 12:], truth)


def test_naive_repeats_the_last_month(seasonal):
    history, _, _, _ = seasonal
    got = make("naive").fit(history).predict(5)
    assert np.allclose(got, history.y[:, -1:])


def test_rule_is_the_three_month_mean_times_the_seasonal_coefficient(seasonal):
    history, _, base, pattern = seasonal
    # 前三月平均: Oct-Dec of the last year; 季节系数 of month c: pattern[c] / mean(pattern) = pattern[c]
    mean3 = base * pattern[57:60].mean()
    want = mean3[:, None] * (pattern[:12] / pattern[:12].mean())[None, :]
    assert np.allclose(make("rule").fit(history).predict(12), want)


def test_seasonal_coefficients_by_hand():
    # two whole years; coefficient = same-month mean / overall monthly mean
    y = np.array([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14.0]])
    months = np.tile(np.arange(1, 13), 2)
    got = seasonal_coefficients(y, months, 12)
    assert got[0, 0] == pytest.approx(2 / 7.5)  # January: (1 + 3) / 2 over the 24-month mean 7.5
    assert got[0, 11] == pytest.approx(13 / 7.5)
    # less than a year of history: no season known, coefficient 1
    assert np.all(seasonal_coefficients(y[:, :8], months[:8], 12) == 1)


@pytest.mark.parametrize("name", ["ets", "gbm"])
def test_calendar_models_learn_a_pure_season(seasonal, name):
    history, truth, _, _ = seasonal
    assert wape(make(name).fit(history).predict(12), truth) < 0.03


@pytest.fixture(scope="module")
def moving_peak():
    """40 series with a Spring Festival surge: 2019-2025 as history, Jan-Mar 2026 to forecast.
    In 2025 the surge (20 days before 除夕, 28 Jan) fell in January; in 2026 (除夕 16 Feb) it
    falls in late January and February."""
    def make_panel(freq: str, first: str, cut: str, h: int):
        daily = daily_spring_peak(dt.date(2019, 1, 1), dt.date(2026, 12, 31))
        per = by_period(daily, freq)
        per = per[per.index >= pd.Timestamp(first)]
        rng = np.random.default_rng(1)
        base = rng.uniform(5, 200, 40)
        noise = rng.normal(1, 0.03, (40, len(per)))
        y = base[:, None] * per.to_numpy()[None, :] * noise
        at = list(per.index).index(pd.Timestamp(cut))
        truth = base[:, None] * per.to_numpy()[None, at:at + h]
        return panel(y[:, :at], per.index[0].date(), freq), truth, [d.date() for d in per.index[at:at + h]]
    return make_panel


@pytest.mark.parametrize("name", ["ets", "gbm"])
def test_the_monthly_peak_follows_the_festival_into_february(moving_peak, name):
    history, truth, periods = moving_peak("month", "2019-01-01", "2026-01-01", 3)
    got = make(name).fit(history).predict(3)
    snaive = make("seasonal_naive").fit(history).predict(3)
    assert periods[1] == dt.date(2026, 2, 1)
    # last year's January peak would be repeated by the seasonal naive: Jan > Feb
    assert snaive[:, 0].sum() > snaive[:, 1].sum()
    # the calendar-aware models put it where it is this year: Feb > Jan, as in the truth
    assert truth[:, 1].sum() > truth[:, 0].sum()
    assert got[:, 1].sum() > got[:, 0].sum()
    assert wape(got, truth) < 0.15
    assert wape(got, truth) < 0.4 * wape(snaive, truth)


@pytest.mark.parametrize("name", ["ets", "gbm"])
def test_the_weekly_peak_follows_the_festival(moving_peak, name):
    history, truth, periods = moving_peak("week", "2018-12-31", "2025-12-29", 10)
    got = make(name).fit(history).predict(10)
    snaive = make("seasonal_naive").fit(history).predict(10)
    peak_weeks = {dt.date(2026, 2, 2), dt.date(2026, 2, 9)}  # the two weeks before 除夕 (16 Feb)
    assert periods[int(truth.sum(axis=0).argmax())] in peak_weeks
    assert periods[int(got.sum(axis=0).argmax())] in peak_weeks
    assert periods[int(snaive.sum(axis=0).argmax())] not in peak_weeks
    assert wape(got, truth) < 0.5 * wape(snaive, truth)


@pytest.mark.parametrize("name", list(MODELS))
def test_every_model_gives_finite_non_negative_forecasts_for_odd_series(name):
    y = np.array([
        [np.nan] * 20 + [5.0, 0, 3, 0],       # new and intermittent
        [0.0] * 24,                             # long dead (stored as zeros after a start)
        [np.nan] * 23 + [7.0],                  # one period of history
        np.linspace(100, 10, 24),               # falling fast
    ])
    y[1, 0] = 4.0
    history = panel(y, dt.date(2024, 1, 1), "month")
    got = make(name).fit(history).predict(4)
    assert got.shape == (4, 4)
    assert np.isfinite(got).all() and (got >= 0).all()


def test_an_empty_panel_forecasts_nothing():
    empty = Panel(pd.DataFrame({"series_id": []}), [dt.date(2024, 1, 1)], "month", np.zeros((0, 1)))
    for name in MODELS:
        assert make(name).fit(empty).predict(3).shape == (0, 3)


def test_registry_and_choice():
    assert needed(["auto"], 100) == ["gbm", "ets", "seasonal_naive", "rule"]
    assert "ets" not in needed(["auto"], 100_000)  # too many series for a fit per series
    assert needed(["gbm+ets", "gbm"], 10) == ["gbm", "ets"]
    assert auto_menu(10) == AUTO_MENU
    assert choose(AUTO_MENU, {"gbm": 0.2, "rule": 0.1, "ets": np.nan}) == "rule"
    assert choose(AUTO_MENU, {"gbm": 0.1, "rule": 0.1}) == "gbm"  # a tie keeps the preferred
    assert choose(AUTO_MENU, {}) == "gbm"
    assert np.allclose(combine("gbm+ets", {"gbm": np.array([1.0, 3.0]), "ets": np.array([3.0, 5.0])}), [2, 4])
    with pytest.raises(ValueError, match="not a single model"):
        make("gbm+ets")
