"""The Chinese calendar: lunar festivals, official holidays, working days and period keys.

Lunar dates come from ``lunardate`` (1900–2099). Official holidays and adjusted working days come
from ``chinese_calendar``, which publishes the State Council's yearly notice (2004 to its latest
release). For years it does not yet cover, the statutory rules are applied instead: the legal
holiday days only, without the weekend swaps that each year's notice adds. That fallback
(``holiday_source(year) == 'rules'``) is good enough for forecasting features, which is its only
use past the covered years.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar
import lunardate
import pandas as pd

Date = dt.date

FESTIVALS = ("spring_festival", "new_years_eve", "lantern", "qingming", "dragon_boat",
             "mid_autumn", "national_day", "labour_day", "new_year")


def _lunar(year: int, month: int, day: int) -> Date:
    return lunardate.LunarDate(year, month, day).to_solar_date()


@lru_cache(maxsize=None)
def spring_festival(year: int) -> Date:
    """春节: the first day of the first lunar month of ``year``."""
    return _lunar(year, 1, 1)


def new_years_eve(year: int) -> Date:
    """除夕: the day before Spring Festival of ``year`` (so it may fall in January of ``year``)."""
    return spring_festival(year) - dt.timedelta(days=1)


def lantern_festival(year: int) -> Date:
    """元宵: the 15th day of the first lunar month."""
    return _lunar(year, 1, 15)


def dragon_boat(year: int) -> Date:
    """端午: the 5th day of the 5th lunar month."""
    return _lunar(year, 5, 5)


def mid_autumn(year: int) -> Date:
    """中秋: the 15th day of the 8th lunar month."""
    return _lunar(year, 8, 15)


def qingming(year: int) -> Date:
    """清明: the solar term at sun longitude 15°, April 4 or 5 (April 4 in 2008–2031 except
    leap-year-adjacent cases). Computed with the standard 21st-century formula."""
    # Shou's formula for the 21st century: day = floor(Y*D + C) - floor(Y/4), Y = year % 100.
    y = year % 100
    day = int(y * 0.2422 + 4.81) - y // 4
    return dt.date(year, 4, day)


def festival_dates(year: int) -> dict[str, Date]:
    """All festival anchor dates of a Gregorian year (Spring Festival of that year)."""
    return {
        "new_year": dt.date(year, 1, 1),
        "new_years_eve": new_years_eve(year),
        "spring_festival": spring_festival(year),
        "lantern": lantern_festival(year),
        "qingming": qingming(year),
        "labour_day": dt.date(year, 5, 1),
        "dragon_boat": dragon_boat(year),
        "mid_autumn": mid_autumn(year),
        "national_day": dt.date(year, 10, 1),
    }


def _covered_years() -> range:
    years = sorted({d.year for d in chinese_calendar.holidays})
    return range(years[0], years[-1] + 1)


def holiday_source(year: int) -> str:
    """'official' when the published notice for ``year`` is known, else 'rules'."""
    return "official" if year in _covered_years() else "rules"


@lru_cache(maxsize=None)
def _rule_holidays(year: int) -> frozenset[Date]:
    """Statutory legal holidays (国务院《全国年节及纪念日放假办法》, 2025 revision) without swaps."""
    days: set[Date] = {dt.date(year, 1, 1)}
    eve = new_years_eve(year)
    days.update(eve + dt.timedelta(days=i) for i in range(4))  # 除夕 + 春节 first three days
    days.add(qingming(year))
    days.update(dt.date(year, 5, d) for d in (1, 2))
    days.add(dragon_boat(year))
    days.add(mid_autumn(year))
    days.update(dt.date(year, 10, d) for d in (1, 2, 3))
    return frozenset(days)


def is_holiday(day: Date) -> bool:
    """True on official public holidays (including the bridged days of the yearly notice)."""
    if holiday_source(day.year) == "official":
        return chinese_calendar.is_holiday(day) and not _is_plain_weekend(day)
    return day in _rule_holidays(day.year)


def _is_plain_weekend(day: Date) -> bool:
    """A Saturday/Sunday that is an ordinary weekend, not part of a named holiday."""
    if day.weekday() < 5:
        return False
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    return on_holiday and name is None


def is_workday(day: Date) -> bool:
    """True on working days, counting the weekend days the yearly notice turns into workdays."""
    if holiday_source(day.year) == "official":
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5 and day not in _rule_holidays(day.year)


def calendar_frame(start: Date, end: Date) -> pd.DataFrame:
    """One row per day from ``start`` to ``end`` inclusive with calendar keys and festival features.

    Columns: date, year, month_start, week_start (Monday), quarter_start, weekday (0=Mon),
    is_workday, is_holiday, days_to_spring_festival (signed: negative before, positive after the
    nearest Spring Festival), lunar_month, lunar_day, is_spring_festival_week (the 7 days from
    除夕), is_national_day_week (Oct 1–7), is_labour_day (May 1–5), days_to_mid_autumn.
    """
    days = pd.date_range(start, end, freq="D")
    frame = pd.DataFrame({"date": days.date})
    frame["year"] = days.year
    frame["month_start"] = days.to_period("M").start_time.date
    frame["week_start"] = (days - pd.to_timedelta(days.day_of_week, unit="D")).date
    frame["quarter_start"] = days.to_period("Q").start_time.date
    frame["weekday"] = days.day_of_week
    frame["is_workday"] = [is_workday(d) for d in frame["date"]]
    frame["is_holiday"] = [is_holiday(d) for d in frame["date"]]
    frame["days_to_spring_festival"] = [_signed_days_to(d, spring_festival) for d in frame["date"]]
    frame["days_to_mid_autumn"] = [_signed_days_to(d, mid_autumn) for d in frame["date"]]
    lunar = [lunardate.LunarDate.from_solar_date(d.year, d.month, d.day) for d in frame["date"]]
    frame["lunar_month"] = [ld.month for ld in lunar]
    frame["lunar_day"] = [ld.day for ld in lunar]
    offset = frame["days_to_spring_festival"]
    frame["is_spring_festival_week"] = (offset >= -1) & (offset <= 5)
    frame["is_national_day_week"] = (days.month == 10) & (days.day <= 7)
    frame["is_labour_day"] = (days.month == 5) & (days.day <= 5)
    return frame


def _signed_days_to(day: Date, anchor) -> int:
    """Days from the nearest yearly anchor to ``day``: negative before it, positive after."""
    candidates = [(day - anchor(y)).days for y in (day.year - 1, day.year, day.year + 1)]
    return min(candidates, key=abs)


def week_start(day: Date) -> Date:
    """The Monday of the week holding ``day`` (weeks run Monday–Sunday)."""
    return day - dt.timedelta(days=day.weekday())


def month_start(day: Date) -> Date:
    return day.replace(day=1)


def quarter_start(day: Date) -> Date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def period_start(day: Date, period: str) -> Date:
    """The first day of the ``period`` ('week', 'month', 'quarter', 'year') holding ``day``."""
    if period == "week":
        return week_start(day)
    if period == "month":
        return month_start(day)
    if period == "quarter":
        return quarter_start(day)
    if period == "year":
        return dt.date(day.year, 1, 1)
    raise ValueError(f"unknown period {period!r}: use week, month, quarter or year")


def add_months(day: Date, months: int) -> Date:
    """The first day of the month ``months`` after the month of ``day``."""
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def next_period_start(start: Date, period: str) -> Date:
    """The first day of the period after the one starting on ``start``."""
    if period == "week":
        return start + dt.timedelta(weeks=1)
    return add_months(start, {"month": 1, "quarter": 3, "year": 12}[period])


def minus_year(day: Date) -> Date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def spring_festival_window(year: int, weeks_before: int = 6, weeks_after: int = 0) -> tuple[Date, Date]:
    """The festival window of a year: ``weeks_before`` weeks up to 除夕 (inclusive), plus
    ``weeks_after`` weeks after it. Used for lunar-aligned year-on-year comparisons."""
    eve = new_years_eve(year)
    return eve - dt.timedelta(weeks=weeks_before) + dt.timedelta(days=1), eve + dt.timedelta(weeks=weeks_after)
