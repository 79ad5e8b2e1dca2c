"""Calendar features on the known dates of 05-forecasting.md, counted by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.forecast.features import (FEATURES, festival_markers, lunar_lag, period_features,
                                         period_starts, shift_periods)

D = dt.date
SPRING_FESTIVALS = [D(2019, 2, 5), D(2020, 1, 25), D(2021, 2, 12), D(2022, 2, 1), D(2023, 1, 22),
                    D(2024, 2, 10), D(2025, 1, 29), D(2026, 2, 17), D(2027, 2, 6), D(2028, 1, 26)]
MID_AUTUMNS = [D(2023, 9, 29), D(2024, 9, 17), D(2025, 10, 6), D(2026, 9, 25)]


def row(frame, start):
    return frame.set_index("period_start").loc[start]


@pytest.fixture(scope="module")
def weeks():
    return period_features(D(2018, 12, 1), D(2028, 12, 31), "week")


@pytest.fixture(scope="module")
def months():
    return period_features(D(2018, 12, 1), D(2028, 12, 31), "month")


@pytest.mark.parametrize("sf", SPRING_FESTIVALS)
def test_the_festival_week_and_the_run_up_sit_on_the_lunar_date(weeks, sf):
    eve = sf - dt.timedelta(days=1)
    holding_eve = eve - dt.timedelta(days=eve.weekday())
    got = row(weeks, holding_eve)
    # 除夕 and the days after it in its week are festival days; days before it are the peak
    assert got["sf_holiday"] == pytest.approx((7 - eve.weekday()) / 7)
    assert got["sf_near"] == pytest.approx(eve.weekday() / 7)
    assert got["days_to_sf"] == (holding_eve - sf).days
    assert row(weeks, holding_eve - dt.timedelta(weeks=1))["sf_near"] == 1.0
    assert row(weeks, holding_eve - dt.timedelta(weeks=4))["sf_far"] == 1.0
    assert row(weeks, holding_eve + dt.timedelta(weeks=2))["sf_after"] == 1.0
    assert row(weeks, holding_eve + dt.timedelta(weeks=8))[["sf_far", "sf_near", "sf_holiday", "sf_after"]].sum() == 0


@pytest.mark.parametrize("sf", SPRING_FESTIVALS)
def test_every_festival_phase_sums_to_its_length_over_the_months(months, sf):
    # whichever months the festival straddles, the phases hold 21, 14, 7 and 29 days in all
    around = months[(months["period_start"] >= D(sf.year - 1, 12, 1)) & (months["period_start"] <= D(sf.year, 4, 1))]
    days = around["days"]
    assert (around["sf_far"] * days).sum() == pytest.approx(21)
    assert (around["sf_near"] * days).sum() == pytest.approx(14)
    assert (around["sf_holiday"] * days).sum() == pytest.approx(7)
    assert (around["sf_after"] * days).sum() == pytest.approx(29)


def test_the_peak_moves_between_january_and_february(months):
    # 2025: 除夕 28 Jan, the whole two-week peak in January; 2026: 除夕 16 Feb, all of it in February
    assert row(months, D(2025, 1, 1))["sf_near"] == pytest.approx(14 / 31)
    assert row(months, D(2025, 2, 1))["sf_near"] == 0
    assert row(months, D(2026, 1, 1))["sf_near"] == 0
    assert row(months, D(2026, 2, 1))["sf_near"] == pytest.approx(14 / 28)


def test_months_of_2025_counted_by_hand(months):
    jan, feb = row(months, D(2025, 1, 1)), row(months, D(2025, 2, 1))
    # 除夕 28 Jan: far run-up 24 Dec–13 Jan, peak 14–27 Jan, festival 28 Jan–3 Feb, slump 4 Feb–4 Mar
    assert (jan["sf_far"] * 31, jan["sf_near"] * 31, jan["sf_holiday"] * 31) == pytest.approx((13, 14, 4))
    assert (feb["sf_holiday"] * 28, feb["sf_after"] * 28) == pytest.approx((3, 25))
    assert (jan["days_to_sf"], feb["days_to_sf"]) == (-28, 3)
    # official calendar: 1 Jan and 28–31 Jan off, Sunday 26 Jan worked -> 19 working days
    assert jan["workday_share"] * 31 == pytest.approx(19)
    # National Day and Mid-Autumn together: 1–8 Oct off, Saturday 11 Oct worked -> 18
    oct_ = row(months, D(2025, 10, 1))
    assert oct_["workday_share"] * 31 == pytest.approx(18)
    assert oct_["national_day"] * 31 == pytest.approx(7)
    assert row(months, D(2025, 5, 1))["labour_day"] * 31 == pytest.approx(5)


@pytest.mark.parametrize("day", MID_AUTUMNS)
def test_mid_autumn_gifts_fall_in_the_fortnight_before_the_festival(months, day):
    # the 15 days up to 中秋, split over September and October when the festival is early October
    sep, oct_ = row(months, D(day.year, 9, 1)), row(months, D(day.year, 10, 1))
    total = sep["mid_autumn"] * 30 + oct_["mid_autumn"] * 31
    assert total == pytest.approx(15)
    in_october = max(0, day.day) if day.month == 10 else 0
    assert oct_["mid_autumn"] * 31 == pytest.approx(in_october)


def test_features_cover_whole_periods_in_order():
    got = period_features(D(2024, 1, 10), D(2024, 3, 3), "week")
    assert list(got.columns) == ["period_start", *FEATURES]
    assert got["period_start"].iloc[0] == D(2024, 1, 8)  # the Monday of the week holding 10 Jan
    assert got["period_start"].iloc[-1] == D(2024, 2, 26)
    assert (got["days"] == 7).all()
    assert period_starts(D(2024, 1, 31), D(2024, 3, 1), "month") == [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)]
    assert shift_periods(D(2024, 11, 1), 3, "month") == D(2025, 2, 1)
    with pytest.raises(ValueError, match="unknown frequency"):
        period_features(D(2024, 1, 1), D(2024, 2, 1), "day")


def test_last_years_week_is_the_one_at_the_same_distance_from_the_festival():
    weeks = period_starts(D(2023, 1, 2), D(2026, 6, 1), "week")
    lag = lunar_lag(weeks, "week")
    at = {w: i for i, w in enumerate(weeks)}
    # the week holding 除夕 2025 (28 Jan) -> the week holding 除夕 2024 (9 Feb), 53 weeks back
    assert weeks[lag[at[D(2025, 1, 27)]]] == D(2024, 2, 5)
    # the peak week before it -> the peak week before 除夕 2024
    assert weeks[lag[at[D(2025, 1, 20)]]] == D(2024, 1, 29)
    # 除夕 2026 (16 Feb) -> 除夕 2025 (28 Jan), three weeks earlier in the year
    assert weeks[lag[at[D(2026, 2, 16)]]] == D(2025, 1, 27)
    # far from the festival the Gregorian 52 weeks hold (May Day, National Day have fixed dates)
    assert weeks[lag[at[D(2025, 6, 2)]]] == D(2024, 6, 3)
    assert lag[0] == -1


def test_festival_markers_list_the_lunar_dates():
    got = festival_markers(D(2025, 1, 1), D(2026, 12, 31))
    sf = got[got["festival"] == "spring_festival"]["date"].tolist()
    assert sf == [D(2025, 1, 29), D(2026, 2, 17)]
    assert D(2025, 10, 6) in got[got["festival"] == "mid_autumn"]["date"].tolist()
    assert got["date"].is_monotonic_increasing
