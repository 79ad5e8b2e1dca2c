"""Tests for data.calendar_cn: lunar festivals, official holidays, rule fallback, period keys.

Known dates come from 05-forecasting.md (Spring Festival 2019–2028, Mid-Autumn 2023–2026) and
from the State Council's yearly holiday notices.
"""

from __future__ import annotations

import datetime as dt

import pytest

from data import calendar_cn as cal

D = dt.date

# 05-forecasting.md, "The calendar is the main signal".
SPRING_FESTIVALS = {
    2019: D(2019, 2, 5), 2020: D(2020, 1, 25), 2021: D(2021, 2, 12), 2022: D(2022, 2, 1),
    2023: D(2023, 1, 22), 2024: D(2024, 2, 10), 2025: D(2025, 1, 29), 2026: D(2026, 2, 17),
    2027: D(2027, 2, 6), 2028: D(2028, 1, 26),
}
MID_AUTUMNS = {2023: D(2023, 9, 29), 2024: D(2024, 9, 17), 2025: D(2025, 10, 6),
               2026: D(2026, 9, 25)}


# --- lunar festivals ------------------------------------------------------------------------

@pytest.mark.parametrize("year, expected", sorted(SPRING_FESTIVALS.items()))
def test_spring_festival_known_dates(year, expected):
    assert cal.spring_festival(year) == expected


@pytest.mark.parametrize("year, expected", sorted(MID_AUTUMNS.items()))
def test_mid_autumn_known_dates(year, expected):
    assert cal.mid_autumn(year) == expected


@pytest.mark.parametrize("year", sorted(SPRING_FESTIVALS))
def test_new_years_eve_is_the_day_before_spring_festival(year):
    assert cal.new_years_eve(year) == SPRING_FESTIVALS[year] - dt.timedelta(days=1)


def test_new_years_eve_2026_is_february_16():
    # 2026 has no 大年三十: 除夕 is 腊月二十九 = 2026-02-16.
    assert cal.new_years_eve(2026) == D(2026, 2, 16)
    assert cal.new_years_eve(2027) == D(2027, 2, 5)


@pytest.mark.parametrize("year, expected", [(2024, D(2024, 6, 10)), (2025, D(2025, 5, 31)),
                                            (2026, D(2026, 6, 19))])
def test_dragon_boat_known_dates(year, expected):
    assert cal.dragon_boat(year) == expected


def test_lantern_festival_is_fifteenth_day_of_first_month():
    # 2026: Spring Festival 02-17 + 14 days = 03-03.
    assert cal.lantern_festival(2026) == D(2026, 3, 3)
    assert cal.lantern_festival(2025) == D(2025, 2, 12)


@pytest.mark.parametrize("year, expected", [
    (2019, D(2019, 4, 5)), (2020, D(2020, 4, 4)), (2021, D(2021, 4, 4)), (2022, D(2022, 4, 5)),
    (2023, D(2023, 4, 5)), (2024, D(2024, 4, 4)), (2025, D(2025, 4, 4)), (2026, D(2026, 4, 5)),
    (2027, D(2027, 4, 5)), (2028, D(2028, 4, 4)),
])
def test_qingming_known_dates(year, expected):
    assert cal.qingming(year) == expected


def test_festival_dates_of_2026():
    assert cal.festival_dates(2026) == {
        "new_year": D(2026, 1, 1),
        "new_years_eve": D(2026, 2, 16),
        "spring_festival": D(2026, 2, 17),
        "lantern": D(2026, 3, 3),
        "qingming": D(2026, 4, 5),
        "labour_day": D(2026, 5, 1),
        "dragon_boat": D(2026, 6, 19),
        "mid_autumn": D(2026, 9, 25),
        "national_day": D(2026, 10, 1),
    }


def test_spring_festival_window_ends_on_new_years_eve():
    # 6 weeks up to 除夕 2026-02-16 inclusive: 02-16 - 42 days + 1 = 01-06.
    assert cal.spring_festival_window(2026) == (D(2026, 1, 6), D(2026, 2, 16))
    # one week after: 02-16 + 7 = 02-23.
    assert cal.spring_festival_window(2026, weeks_before=1, weeks_after=1) == (
        D(2026, 2, 10), D(2026, 2, 23))


# --- official holidays (chinese_calendar, covered years) -----------------------------------

def test_2026_is_covered_by_the_official_notice():
    assert cal.holiday_source(2026) == "official"
    assert cal.holiday_source(2019) == "official"


def test_2026_spring_festival_notice():
    # Notice: 2026-02-15 .. 02-23 off (9 days); Saturdays 02-14 and 02-28 are working days.
    assert D(2026, 2, 14).weekday() == 5
    assert cal.is_workday(D(2026, 2, 14)) is True
    assert cal.is_holiday(D(2026, 2, 14)) is False
    assert cal.is_workday(D(2026, 2, 28)) is True
    assert cal.is_holiday(D(2026, 2, 17)) is True
    assert cal.is_workday(D(2026, 2, 17)) is False
    # a bridged weekday (Friday) and a weekend day inside the holiday are holidays
    assert cal.is_holiday(D(2026, 2, 20)) is True
    assert cal.is_holiday(D(2026, 2, 21)) is True
    holidays = [d for d in (D(2026, 2, 13) + dt.timedelta(days=i) for i in range(12))
                if cal.is_holiday(d)]
    assert holidays == [D(2026, 2, 15) + dt.timedelta(days=i) for i in range(9)]
    assert cal.is_workday(D(2026, 2, 24)) is True


def test_plain_weekend_is_neither_holiday_nor_workday():
    saturday = D(2026, 3, 7)
    assert saturday.weekday() == 5
    assert cal.is_holiday(saturday) is False
    assert cal.is_workday(saturday) is False


def test_library_agrees_on_2026_dates():
    import chinese_calendar
    assert chinese_calendar.is_workday(D(2026, 2, 14)) is True
    assert chinese_calendar.is_holiday(D(2026, 2, 17)) is True


# --- rule fallback (years past the library) -------------------------------------------------

def test_2027_uses_the_statutory_rules():
    assert cal.holiday_source(2027) == "rules"


@pytest.mark.parametrize("day", [D(2027, 1, 1), D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7),
                                 D(2027, 2, 8), D(2027, 4, 5), D(2027, 5, 1), D(2027, 5, 2),
                                 D(2027, 6, 9), D(2027, 9, 15), D(2027, 10, 1), D(2027, 10, 2),
                                 D(2027, 10, 3)])
def test_2027_rule_holidays(day):
    # 除夕 02-05 + 初一..初三 02-06..08; 清明 04-05; 五一 05-01/02; 端午 06-09; 中秋 09-15; 国庆 10-01..03
    assert cal.is_holiday(day) is True
    assert cal.is_workday(day) is False


def test_2027_rule_fallback_has_no_swaps():
    # 2027-02-04 (Thu, day before 除夕) and 02-09 (Tue, 初四) are ordinary workdays;
    # 2027-10-04 is a plain Monday workday (no golden-week bridging under the rules).
    assert D(2027, 10, 4).weekday() == 0
    for day in (D(2027, 2, 4), D(2027, 2, 9), D(2027, 10, 4)):
        assert cal.is_holiday(day) is False, day
        assert cal.is_workday(day) is True, day
    # a plain weekend: Saturday 2027-01-02
    assert cal.is_holiday(D(2027, 1, 2)) is False
    assert cal.is_workday(D(2027, 1, 2)) is False


def test_2027_rule_holiday_count():
    # 1 (元旦) + 4 (除夕+3) + 1 (清明) + 2 (五一) + 1 (端午) + 1 (中秋) + 3 (国庆) = 13 days,
    # none overlapping in 2027.
    days = [D(2027, 1, 1) + dt.timedelta(days=i) for i in range(365)]
    assert sum(cal.is_holiday(d) for d in days) == 13


# --- period keys ---------------------------------------------------------------------------

@pytest.mark.parametrize("day, period, expected", [
    (D(2026, 2, 17), "week", D(2026, 2, 16)),    # Tuesday -> Monday
    (D(2026, 2, 22), "week", D(2026, 2, 16)),    # Sunday belongs to the week before
    (D(2026, 2, 23), "week", D(2026, 2, 23)),    # Monday is its own start
    (D(2026, 1, 1), "week", D(2025, 12, 29)),    # Thursday, week crosses the year
    (D(2026, 2, 17), "month", D(2026, 2, 1)),
    (D(2026, 11, 15), "quarter", D(2026, 10, 1)),
    (D(2026, 3, 31), "quarter", D(2026, 1, 1)),
    (D(2026, 4, 1), "quarter", D(2026, 4, 1)),
    (D(2026, 8, 8), "year", D(2026, 1, 1)),
])
def test_period_start(day, period, expected):
    assert cal.period_start(day, period) == expected


@pytest.mark.parametrize("period", ["day", "Week", "fortnight", ""])
def test_period_start_unknown_period(period):
    with pytest.raises(ValueError, match="unknown period"):
        cal.period_start(D(2026, 2, 17), period)


def test_week_month_quarter_helpers():
    assert cal.week_start(D(2024, 1, 7)) == D(2024, 1, 1)
    assert cal.month_start(D(2024, 2, 29)) == D(2024, 2, 1)
    assert cal.quarter_start(D(2024, 6, 30)) == D(2024, 4, 1)


# --- calendar_frame ------------------------------------------------------------------------

FRAME_COLUMNS = ["date", "year", "month_start", "week_start", "quarter_start", "weekday",
                 "is_workday", "is_holiday", "days_to_spring_festival", "days_to_mid_autumn",
                 "lunar_month", "lunar_day", "is_spring_festival_week", "is_national_day_week",
                 "is_labour_day"]


@pytest.fixture(scope="module")
def frame_2026():
    frame = cal.calendar_frame(D(2026, 1, 1), D(2026, 12, 31))
    return frame.set_index("date", drop=False)


def test_calendar_frame_columns_and_length(frame_2026):
    assert sorted(frame_2026.columns) == sorted(FRAME_COLUMNS)
    assert len(frame_2026) == 365
    assert frame_2026["date"].iloc[0] == D(2026, 1, 1)
    assert frame_2026["date"].iloc[-1] == D(2026, 12, 31)


def test_calendar_frame_inclusive_single_day():
    frame = cal.calendar_frame(D(2026, 2, 17), D(2026, 2, 17))
    assert len(frame) == 1
    row = frame.iloc[0]
    assert row["date"] == D(2026, 2, 17)
    assert row["days_to_spring_festival"] == 0
    assert (row["lunar_month"], row["lunar_day"]) == (1, 1)


def test_calendar_frame_keys(frame_2026):
    row = frame_2026.loc[D(2026, 2, 22)]  # a Sunday
    assert row["year"] == 2026
    assert row["weekday"] == 6
    assert row["week_start"] == D(2026, 2, 16)
    assert row["month_start"] == D(2026, 2, 1)
    assert row["quarter_start"] == D(2026, 1, 1)
    # every week_start is a Monday and at most 6 days back
    for day, start in zip(frame_2026["date"], frame_2026["week_start"]):
        assert start.weekday() == 0 and 0 <= (day - start).days <= 6


def test_calendar_frame_days_to_spring_festival(frame_2026):
    d2sf = frame_2026["days_to_spring_festival"]
    assert d2sf[D(2026, 2, 16)] == -1      # 除夕
    assert d2sf[D(2026, 2, 17)] == 0       # the day itself
    assert d2sf[D(2026, 2, 18)] == 1
    assert d2sf[D(2026, 1, 1)] == -47      # Jan 1 -> Feb 17: 30 + 17 days
    # 2026-08-01: 165 days after 02-17 (11+31+30+31+30+31+1), 189 before 2027-02-06 -> +165
    assert d2sf[D(2026, 8, 1)] == 165
    # 2026-12-31: 37 days before 2027-02-06 (31 + 6) -> -37
    assert d2sf[D(2026, 12, 31)] == -37
    before = frame_2026[frame_2026["date"] < D(2026, 2, 17)]
    assert (before["days_to_spring_festival"] < 0).all()


def test_calendar_frame_days_to_mid_autumn(frame_2026):
    assert frame_2026["days_to_mid_autumn"][D(2026, 9, 25)] == 0
    assert frame_2026["days_to_mid_autumn"][D(2026, 9, 20)] == -5
    assert frame_2026["days_to_mid_autumn"][D(2026, 10, 1)] == 6


def test_calendar_frame_flags(frame_2026):
    sf_week = frame_2026.loc[frame_2026["is_spring_festival_week"], "date"].tolist()
    assert sf_week == [D(2026, 2, 16) + dt.timedelta(days=i) for i in range(7)]  # 除夕 .. 02-22
    nd = frame_2026.loc[frame_2026["is_national_day_week"], "date"].tolist()
    assert nd == [D(2026, 10, d) for d in range(1, 8)]
    labour = frame_2026.loc[frame_2026["is_labour_day"], "date"].tolist()
    assert labour == [D(2026, 5, d) for d in range(1, 6)]


def test_calendar_frame_workdays_match_functions(frame_2026):
    assert bool(frame_2026["is_workday"][D(2026, 2, 14)]) is True
    assert bool(frame_2026["is_holiday"][D(2026, 2, 17)]) is True
    for day, work, hol in zip(frame_2026["date"], frame_2026["is_workday"],
                              frame_2026["is_holiday"]):
        assert bool(work) == cal.is_workday(day)
        assert bool(hol) == cal.is_holiday(day)
        assert not (work and hol)


def test_calendar_frame_lunar_new_years_eve_2026(frame_2026):
    # 除夕 2026 is 腊月二十九 (month 12, day 29)
    row = frame_2026.loc[D(2026, 2, 16)]
    assert (row["lunar_month"], row["lunar_day"]) == (12, 29)


def test_calendar_frame_across_rules_year():
    # spans the official 2026 and the rule-based 2027
    frame = cal.calendar_frame(D(2026, 12, 30), D(2027, 2, 10)).set_index("date")
    assert len(frame) == 43  # 2 days of 2026 + 31 + 10
    assert frame["days_to_spring_festival"][D(2027, 2, 6)] == 0
    assert frame["days_to_spring_festival"][D(2027, 2, 5)] == -1
    assert bool(frame["is_holiday"][D(2027, 2, 8)]) is True
    assert bool(frame["is_workday"][D(2027, 2, 9)]) is True
