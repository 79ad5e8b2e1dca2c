"""Parsing raw cell values (text from CSV/Excel, or typed Parquet values) into the schema's types.

Every parser works on the *distinct* values of a column (``pd.factorize``) and maps the result
back, so a 1 M-row column with a few hundred distinct dates or quantities costs a few hundred
parses, and the regular expressions are still applied column-wise (vectorised).

A parser returns, per row, the typed value, whether the cell was empty, and a problem (a catalog
``Msg``, see ``messages``) when a value is present but cannot be read. Ranges, required values and
keys are not checked here: that is ``validate``'s job (with pandera), on the typed values.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from data.schema import Column

from .messages import Msg, Words, codes_word, column_word, column_zh, doc_word

DATE_MIN, DATE_MAX = pd.Timestamp("1950-01-01"), pd.Timestamp("2099-12-31")
EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # serial 1 = 1900-01-01 (after Excel's 1900 leap bug)
EMPTY_TOKENS = frozenset({"", "nan", "NaN", "NULL", "null", "None", "#N/A", "N/A", "n/a", "NA",
                          "-", "--", "—", "NaT"})
DTYPES = {"text": "str", "int": "Int64", "float": "Float64", "date": "datetime64[us]",
          "timestamp": "datetime64[us]", "bool": "boolean"}

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_CN_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6,
               **{str(i + 1): i for i in range(7)}}


@dataclass
class Parsed:
    """A parsed column, aligned with the input rows.

    Attributes:
        values: typed values (dtype of ``DTYPES``), NA where empty or unreadable.
        empty: the cell was empty (or an empty token like '-', 'NULL').
        problem: None where fine, else why the value cannot be read (a ``Msg``).
        note: the value was read but changed or kept as written (month snapped to its first day,
            an unrecognised order cycle); worth a warning.
    """

    values: pd.Series
    empty: np.ndarray
    problem: np.ndarray
    note: np.ndarray


# ---------------------------------------------------------------- text of distinct values

def _one_text(v: object) -> str:
    if isinstance(v, str):
        return v.strip()
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return ""
    if isinstance(v, (float, np.floating)) and float(v).is_integer() and abs(v) < 2**53:
        return str(int(v))
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        return v.strftime("%Y-%m-%d" if v.time() == dt.time() else "%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v).strip()


def as_text(u: pd.Series) -> pd.Series:
    """Raw values (any dtype) as trimmed text, as a user would read them; empty tokens ('', '-',
    'NULL'...) become ''. Cheap on text columns; per value on others (used on distinct values)."""
    if ptypes.is_string_dtype(u) and not ptypes.is_object_dtype(u):
        t = u.astype(str).str.strip()
    else:
        t = pd.Series([_one_text(v) for v in u], index=u.index, dtype=str)
    return t.where(~t.isin(EMPTY_TOKENS), "")


def _nfkc(t: pd.Series) -> pd.Series:
    return t.str.normalize("NFKC").str.replace(r"\s+", "", regex=True)


def _cn_int(s: str) -> int | None:
    """Chinese numerals up to 99: 九 -> 9, 十 -> 10, 二十一 -> 21, 三十 -> 30."""
    if not s or any(ch not in _CN_DIGITS and ch != "十" for ch in s):
        return None
    if "十" not in s:
        return _CN_DIGITS[s] if len(s) == 1 else None
    tens, _, ones = s.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


# ---------------------------------------------------------------- parsers on distinct values
# Each takes (column, raw distinct values, their text) and returns (values, problems, notes).

def _problems(n: int) -> np.ndarray:
    return np.full(n, None, dtype=object)


def _text(col: Column, u: pd.Series, t: pd.Series):
    prob = _problems(len(t))
    if col.key:
        # Excel turns long numeric codes into 4.40101E+11 on a CSV round trip: the code is lost.
        prob[t.str.fullmatch(r"\d(?:\.\d+)?[eE]\+\d+").to_numpy(bool)] = Msg(
            "value.excel_scientific")
    return t.where(t != ""), prob, None


def _to_float(u: pd.Series, t: pd.Series) -> np.ndarray:
    if ptypes.is_numeric_dtype(u) and not ptypes.is_bool_dtype(u):
        return pd.to_numeric(u, errors="coerce").to_numpy(float, na_value=np.nan)
    s = _nfkc(t).str.replace(r"^[¥￥]|元$", "", regex=True)
    grouped = s.str.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
    s = s.where(~grouped, s.str.replace(",", "", regex=False))
    return pd.to_numeric(s, errors="coerce").to_numpy(float, na_value=np.nan)


def _number(col: Column, u: pd.Series, t: pd.Series, integer: bool):
    f = _to_float(u, t)
    prob = _problems(len(f))
    present = (t != "").to_numpy()
    prob[present & ~np.isfinite(f)] = Msg("value.not_number")
    with np.errstate(invalid="ignore"):
        if integer:
            prob[np.isfinite(f) & (f != np.round(f))] = Msg("value.not_whole")
        prob[np.isfinite(f) & (np.abs(f) >= 1e15)] = Msg("value.too_large")
    f = np.where(pd.isna(prob), f, np.nan)
    return pd.Series(f).astype("Int64" if integer else "Float64"), prob, None


def _date(col: Column, u: pd.Series, t: pd.Series, month: bool = False):
    n = len(t)
    prob, note = _problems(n), np.zeros(n, bool)
    if ptypes.is_datetime64_any_dtype(u):
        stamps = pd.DatetimeIndex(u)
        d = pd.Series(stamps.tz_localize(None) if stamps.tz else stamps).dt.normalize()
        matched = np.ones(n, bool)
    else:
        # Spaces are kept (not removed as elsewhere): they separate the day from a time.
        s = t.str.normalize("NFKC").str.strip()
        full = s.str.extract(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                             r"(?:(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d*)?)?)?$")
        compact = s.str.extract(r"^(\d{4})(\d{2})(\d{2})$")
        ym = s.str.extract(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
        parts = full.fillna(compact).astype(float)
        month_only = parts[0].isna() & ym[0].notna()
        parts = parts.fillna(ym.assign(d="1").set_axis([0, 1, 2], axis=1).astype(float))
        d = pd.to_datetime(parts.set_axis(["year", "month", "day"], axis=1), errors="coerce")
        serial = pd.to_numeric(s.where(s.str.fullmatch(r"\d{1,5}(?:\.\d+)?")), errors="coerce")
        from_serial = EXCEL_EPOCH + pd.to_timedelta(np.floor(serial), unit="D")
        d = d.fillna(from_serial).astype("datetime64[us]")
        matched = (parts[0].notna() | serial.notna()).to_numpy()
        if not month:
            prob[month_only.to_numpy()] = Msg("value.month_without_day")
    present = (t != "").to_numpy()
    ok = d.notna().to_numpy()
    prob[present & ~matched] = Msg("value.not_date")
    prob[present & matched & ~ok & pd.isna(prob)] = Msg("value.not_calendar_date")
    prob[ok & ((d < DATE_MIN) | (d > DATE_MAX)).to_numpy()] = Msg(
        "value.date_out_of_range", first=DATE_MIN.year, last=DATE_MAX.year)
    d = d.where(pd.isna(prob))
    if month:
        first = d.dt.to_period("M").dt.start_time.astype("datetime64[us]")
        note = (d.notna() & (d != first)).to_numpy()
        d = first
    return d.astype("datetime64[us]"), prob, note


def _ordinal(col: Column, u: pd.Series, t: pd.Series, suffix: str, what: str):
    """Numbers written as 9, D9, d09, 9档, 第9档, 九档 (suffix 档) or 1, 一类, 1类烟 (suffix 类)."""
    s = _nfkc(t).str.casefold()
    digits = s.str.extract(rf"^第?d?0*(\d{{1,3}})(?:\.0+)?(?:{suffix})?$")[0]
    words = s.str.extract(rf"^第?([零〇一二两三四五六七八九十]+)(?:{suffix})?$")[0]
    value = pd.to_numeric(digits, errors="coerce").fillna(
        words.map(lambda w: _cn_int(w) if isinstance(w, str) else None).astype(float))
    prob = _problems(len(t))
    prob[((t != "") & value.isna()).to_numpy()] = Msg("value.not_ordinal",
                                                      what=Words(what, column_zh(col)))
    return value.astype("Int64"), prob, None


def _code_index(col: Column) -> dict[str, str]:
    index: dict[str, str] = {}
    for code, labels in (col.codes or {}).items():
        for label in (code, *labels):
            index[unicodedata.normalize("NFKC", label).casefold().replace(" ", "")] = code
    return index


def _code(col: Column, u: pd.Series, t: pd.Series):
    codes = _nfkc(t).str.casefold().map(_code_index(col))
    prob = _problems(len(t))
    prob[((t != "") & codes.isna()).to_numpy()] = Msg("value.unknown_code", column=column_word(col))
    return codes.astype(str).where(codes.notna()), prob, None


_CYCLE_CN = re.compile(r"^(每|单|双|隔)?(?:周|星期|礼拜)([一二三四五六日天七1-7])$")
_CYCLE_EN = re.compile(r"^(?:([12])W-|W-)?(MON|TUE|WED|THU|FRI|SAT|SUN)[A-Z]*$")


def _one_cycle(text: str) -> str | None:
    s = unicodedata.normalize("NFKC", text).replace(" ", "").upper()
    if m := _CYCLE_CN.match(s):
        return f"{'2W' if m[1] in ('双', '隔') else '1W'}-{_WEEKDAYS[_CN_WEEKDAY[m[2]]]}"
    if m := _CYCLE_EN.match(s):
        return f"{m[1] or 1}W-{m[2]}"
    return None


def _cycle(col: Column, u: pd.Series, t: pd.Series):
    """Order cycles to 1W-MON … 2W-SUN; text that is not a recognisable cycle is kept as is."""
    # A column has a handful of distinct cycles, so a plain loop over them is cheap.
    canon = pd.Series([_one_cycle(x) if x else None for x in t], index=t.index, dtype=object)
    note = ((t != "") & canon.isna()).to_numpy()
    return canon.fillna(t).astype(str).where(t != ""), _problems(len(t)), note


def parser_for(col: Column) -> Callable:
    """The parser of a column: by its codes, a few well-known names, then its dtype."""
    if col.codes:
        return _code
    special = {
        "grade": lambda c, u, t: _ordinal(c, u, t, "档", "grade"),
        "price_class": lambda c, u, t: _ordinal(c, u, t, "类烟|类卷烟|类", "price class"),
        "order_cycle": _cycle,
        "month": lambda c, u, t: _date(c, u, t, month=True),
    }
    if col.name in special:
        return special[col.name]
    by_type = {"text": _text, "date": _date,
               "int": lambda c, u, t: _number(c, u, t, integer=True),
               "float": lambda c, u, t: _number(c, u, t, integer=False)}
    if col.dtype not in by_type:
        raise LookupError(f"data.schema declares {col.dtype} column {col.name}, "
                          "which the importer cannot parse")
    return by_type[col.dtype]


def parse_column(col: Column, raw: pd.Series) -> Parsed:
    """Parse one raw column (any dtype) into the column's type. See ``Parsed``."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    u = pd.Series(uniques)
    t = as_text(u)
    values, prob, note = parser_for(col)(col, u, t)
    # Slot len(u) stands for missing cells (factorize code -1).
    idx = np.where(codes < 0, len(u), codes)
    empty_u = np.append((t == "").to_numpy(), True)
    prob = np.append(prob, None)
    note = np.append(np.zeros(len(u), bool) if note is None else note, False)
    dtype = DTYPES[col.dtype]
    values = values.reset_index(drop=True).astype(dtype).reindex(range(len(u) + 1))
    out = values.take(idx).astype(dtype)
    out.index = raw.index
    return Parsed(values=out, empty=empty_u[idx], problem=prob[idx], note=note[idx])


# ---------------------------------------------------------------- words for messages

def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,}"


def fix_for(col: Column) -> Msg:
    """How to write a valid value of ``col``, for the ``fix`` of an unreadable value."""
    if col.codes:
        code = "fix.codes_or_empty" if col.unknown_if_empty else "fix.codes"
        return Msg(code, allowed=codes_word(col))
    bounds = f"{_num(col.min)}–{_num(col.max)}" if None not in (col.min, col.max) else ""
    if col.name in ("grade", "price_class"):  # codes fix.grade, fix.price_class
        return Msg(f"fix.{col.name}", bounds=bounds)
    if col.name == "month":
        return Msg("fix.month")
    by_type = {"date": "fix.date", "int": "fix.int", "float": "fix.float"}
    if col.dtype in by_type:
        return Msg(by_type[col.dtype])
    return Msg("fix.key_as_text" if col.key else "fix.correct_value")


def describe_range(col: Column) -> tuple[Msg, Msg]:
    """(problem, fix) for a value out of the column's bounds: 'grade must be 1–30 (D1–D30)'."""
    lo, hi = col.min, col.max
    if col.name == "grade":
        return Msg("range.grade", lo=_num(lo), hi=_num(hi)), fix_for(col)
    if lo is not None and hi is not None and not col.min_exclusive:
        code = "range.between"
    elif lo is not None and hi is not None:
        code = "range.above_at_most"
    elif lo is not None:
        code = "range.above" if col.min_exclusive else "range.at_least"
    else:
        code = "range.at_most"
    bounds = {k: _num(v) for k, v in (("lo", lo), ("hi", hi)) if v is not None}
    problem = Msg(code, column=column_word(col), **bounds)
    if lo == 0 and not col.min_exclusive and col.dtype == "int":
        problem = Msg("range.no_negative", problem=problem)
    fix = Msg("range.fix_doc", doc=doc_word(col)) if col.doc else Msg("range.fix")
    return problem, fix
