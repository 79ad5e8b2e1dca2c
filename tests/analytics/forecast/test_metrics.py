"""Metric functions, MASE's scale and the intervals against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.forecast import intervals as iv
from analytics.forecast.metrics import bias, evaluate, mape, mase, wape, within
from analytics.forecast.panel import in_sample_scale

ACTUAL = [100, 50, 0, 10]
FORECAST = [110, 40, 5, 10]  # errors +10, -10, +5, 0


def test_wape_bias_mape_within_by_hand():
    assert wape(ACTUAL, FORECAST) == pytest.approx(25 / 160)
    assert bias(ACTUAL, FORECAST) == pytest.approx(5 / 160)
    # MAPE skips the zero actual: (10/100 + 10/50 + 0/10) / 3
    assert mape(ACTUAL, FORECAST) == pytest.approx(0.1)
    # within ±10 %: 100 -> 110 yes, 50 -> 40 no, 0 -> 5 no, 10 -> 10 yes
    assert within(ACTUAL, FORECAST) == pytest.approx(0.5)


def test_mape_leaves_out_tiny_actuals():
    # mean actual 251.5; 1 is below 5 % of it and would add an error of 900 %
    assert mape([500, 1, 5, 500], [400, 10, 5, 500]) == pytest.approx(0.2 / 2)
    assert mape([500, 1], [400, 10], tiny=0.0) == pytest.approx((0.2 + 9) / 2)


def test_mase_is_a_mean_over_series_of_scaled_errors():
    series = ["a", "a", "b", "b"]
    scale = [5, 5, 2, 2]
    # a: (10/5 + 10/5) / 2 = 2; b: (5/2 + 0/2) / 2 = 1.25; mean 1.625
    assert mase(ACTUAL, FORECAST, scale, series) == pytest.approx(1.625)
    assert mase(ACTUAL, FORECAST, scale) == pytest.approx((2 + 2 + 2.5 + 0) / 4)


def test_empty_denominators_are_empty_not_zero():
    assert np.isnan(wape([0, 0], [1, 2]))
    assert np.isnan(bias([], []))
    assert np.isnan(mape([0, 0], [1, 1]))
    assert np.isnan(within([], []))


def test_evaluate_groups():
    frame = pd.DataFrame({"model": ["m1"] * 4 + ["m2"] * 4, "series_id": ["a", "a", "b", "b"] * 2,
                          "actual": ACTUAL * 2, "forecast": FORECAST + ACTUAL, "scale": [5, 5, 2, 2] * 2})
    got = evaluate(frame, ["model"]).set_index("model")
    assert got.loc["m1", "wape"] == pytest.approx(25 / 160)
    assert got.loc["m1", "mase"] == pytest.approx(1.625)
    assert got.loc["m2", "wape"] == 0 and got.loc["m2", "within_10"] == 1
    assert got.loc["m1", "rows"] == 4 and got.loc["m1", "series"] == 2
    assert list(got.columns) == ["rows", "series", "actual", "forecast", "wape", "bias", "mape", "mase", "within_10"]


def test_in_sample_scale_is_the_seasonal_naive_error():
    season = np.arange(12.0)
    y = np.array([np.concatenate([season, season + 2, season + 6])])  # +2 then +4 a year on
    assert in_sample_scale(y, 12)[0] == pytest.approx(3.0)
    # shorter than a season and a period: the naive's error instead
    assert in_sample_scale(np.array([[1.0, 4, 2, 5]]), 12)[0] == pytest.approx((3 + 2 + 3) / 3)
    # flat: a tenth of the level, never zero
    assert in_sample_scale(np.array([[np.nan, 8.0, 8, 8]]), 12)[0] == pytest.approx(0.8)


def test_interval_quantiles_and_bounds():
    # one window, 100 series, one step: scaled errors -49.5 .. 49.5 in steps of 1
    errors = np.arange(100) - 49.5
    forecast = np.zeros((1, 100, 1))
    actual = errors[None, :, None]
    q = iv.error_quantiles(forecast, actual, np.ones((1, 100)))
    lo80, hi80 = q[80]
    assert lo80[0] == pytest.approx(np.quantile(errors, 0.1))
    assert hi80[0] == pytest.approx(np.quantile(errors, 0.9))
    bounds = iv.apply(np.array([[100.0], [10.0]]), np.array([1.0, 1.0]), q)
    assert bounds["lo_80"][0, 0] == pytest.approx(100 + np.quantile(errors, 0.1))
    assert bounds["lo_95"][1, 0] == 0  # cut at zero: demand is never negative
    for k in ("lo_80", "lo_95"):
        assert (bounds[k] <= np.array([[100.0], [10.0]])).all()
    assert (bounds["lo_95"] <= bounds["lo_80"]).all() and (bounds["hi_95"] >= bounds["hi_80"]).all()


def test_intervals_without_enough_errors_fall_back_to_parametric_ones():
    # four errors of ±2 per step: a Student-t interval from their root mean square (2)
    forecast, actual = np.zeros((2, 2, 1)), np.array([[[2.0], [-2.0]], [[2.0], [-2.0]]])
    lo, hi = iv.error_quantiles(forecast, actual, np.ones((2, 2)))[80]
    assert hi[0] == pytest.approx(-lo[0]) == pytest.approx(1.6377 * 2, rel=1e-3)  # t(3), 90th percentile
    # two errors or fewer: as wide as a seasonal naive's, widening with the step
    lo, hi = iv.error_quantiles(np.zeros((1, 2, 2)), np.ones((1, 2, 2)), np.ones((1, 2)))[95]
    assert hi[1] == pytest.approx(-lo[1]) and hi[1] > hi[0]
