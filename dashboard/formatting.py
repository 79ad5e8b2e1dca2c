"""Numbers the way the readers expect them: 万 / 亿 in Chinese, thousands in English,
percentages with one decimal, an em dash for an empty value."""

from __future__ import annotations

import math

from dashboard.i18n import language

EMPTY = "—"


def _empty(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def big_number(value, unit: str = "", decimals: int = 1) -> str:
    """1,234,567 -> '123.5万' (zh) or '1.23M' (en); small numbers with thousands separators."""
    if _empty(value):
        return EMPTY
    v = float(value)
    if language() == "zh":
        for size, suffix in ((1e8, "亿"), (1e4, "万")):
            if abs(v) >= size:
                places = 0 if abs(v) / size >= 1000 else decimals  # 8,371万, not 8,370.6万
                return f"{v / size:,.{places}f}{suffix}{unit}"
        return f"{v:,.0f}{unit}"
    for threshold, size, suffix in ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "K")):
        if abs(v) >= threshold:  # K only from 10,000: 9,876 reads better than 9.9K
            return f"{v / size:,.{decimals}f}{suffix}{(' ' + unit) if unit else ''}"
    return f"{v:,.0f}{(' ' + unit) if unit else ''}"


def money(value) -> str:
    """An amount in 元 for a card whose label names the unit, e.g. '3.2亿' / '320.0M'."""
    return big_number(value)


def unit_price(value) -> str:
    """A price per case or carton with two decimals, e.g. '28,345.12'."""
    return EMPTY if _empty(value) else f"{float(value):,.2f}"


def percent(value, decimals: int = 1) -> str:
    """0.1234 -> '12.3%'."""
    return EMPTY if _empty(value) else f"{100 * float(value):.{decimals}f}%"


def signed_percent(value, decimals: int = 1) -> str | None:
    """A change as '+3.2%' for st.metric deltas; None when empty (st.metric then shows none)."""
    return None if _empty(value) else f"{_no_negative_zero(100 * float(value), decimals):+.{decimals}f}%"


def signed_points(value, decimals: int = 1) -> str | None:
    """A change of a rate in percentage points, '+1.2 pp'; None when empty."""
    return None if _empty(value) else f"{_no_negative_zero(100 * float(value), decimals):+.{decimals}f} pp"


def _no_negative_zero(number: float, decimals: int) -> float:
    # -0.04 would print as '-0.0' and st.metric would paint it as a fall.
    rounded = round(number, decimals)
    return 0.0 if rounded == 0 else rounded


def index_number(value, decimals: int = 1) -> str:
    """An index such as the price index, '98.7'; an em dash when empty."""
    return EMPTY if _empty(value) else f"{float(value):,.{decimals}f}"


def signed_number(value, decimals: int = 1) -> str | None:
    """A change of an index, '+1.2'; None when empty."""
    return None if _empty(value) else f"{_no_negative_zero(float(value), decimals):+.{decimals}f}"


def period_label(day, granularity: str, lang: str | None = None) -> str:
    """The name of the period starting on ``day``: 2025-03 (month), 2025年Q1 / 2025 Q1 (quarter),
    2025 (year), 2025-03-03 (the Monday of a week)."""
    if day is None:
        return EMPTY
    zh = (lang or language()) == "zh"
    if granularity == "month":
        return f"{day.year}-{day.month:02d}"
    if granularity == "quarter":
        q = (day.month - 1) // 3 + 1
        return f"{day.year}年第{q}季度" if zh else f"{day.year} Q{q}"
    if granularity == "year":
        return f"{day.year}年" if zh else str(day.year)
    return f"{day:%Y-%m-%d}" + ("当周" if zh else " week")


def literal(text: str, limit: int = 60) -> str:
    """Text from a link or file, safe to put in a message: cut to ``limit`` characters and set as
    inline code, where Markdown draws nothing (escaping alone still let a URL become a link), so a
    crafted value cannot draw a link or a heading in the app's own words."""
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return "`" + text.replace("`", "'") + "`"  # a backtick would end the code span
