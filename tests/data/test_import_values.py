"""Unit tests of data.importing.headers and data.importing.values (no files, no warehouse)."""

from __future__ import annotations

import pandas as pd
import pytest

from data.importing.headers import alias_index, find_header, normalise_header
from data.importing.values import parse_column
from data.schema import IMPORTABLE, TABLES

CLIENTS, ORDERS, PRODUCTS = TABLES["clients"], TABLES["orders"], TABLES["products"]


def parse(table, column, values):
    parsed = parse_column(TABLES[table].column(column), pd.Series(values, dtype=object))
    return list(parsed.values), list(parsed.problem), list(parsed.empty), list(parsed.note)


# ------------------------------------------------------------------ headers

@pytest.mark.parametrize("header, same_as", [
    ("需求量(条)", "需求量"),
    ("需求量（条）", "需求量"),
    ("批发价（元/条）", "批发价"),
    ("批发价【元/条】", "批发价"),
    (" Client_ID ", "client_id"),
    ("CLIENT ID", "client_id"),
    ("客户编码\u3000", "客户编码"),
    ("*客户编码", "客户编码"),
    ("ｑｔｙ＿ｄｅｍａｎｄ", "qty_demand"),
])
def test_header_normalisation(header, same_as):
    assert normalise_header(header) == normalise_header(same_as)


@pytest.mark.parametrize("table", IMPORTABLE)
def test_no_header_means_two_columns_of_one_table(table):
    seen: dict[str, str] = {}
    for col in TABLES[table].columns:
        for name in {normalise_header(n) for n in (col.name, *col.aliases)}:
            assert seen.setdefault(name, col.name) == col.name, (table, name)
    assert set(alias_index(table).values()) >= {(c.name, 0) for c in TABLES[table].columns}


def test_header_found_below_title_rows():
    rows = [["2025年10月客户信息表"], [], ["客户编码", "地市", "区县", "市场部"], ["C1", "a", "b", "c"]]
    match = find_header(rows, CLIENTS)
    assert match.header_rows == (2,)
    assert match.columns == {0: "client_id", 1: "city", 2: "district", 3: "market_dept"}


def test_two_row_header_is_combined_when_it_names_more():
    rows = [["客户编码", "基本信息", "", "", "分类"],
            ["", "地市", "区县", "市场部", "档位"],
            ["C1", "a", "b", "c", "9"]]
    match = find_header(rows, CLIENTS)
    assert match.header_rows == (0, 1)
    assert match.labels == {"client_id": "客户编码", "city": "地市", "district": "区县",
                            "market_dept": "市场部", "grade": "档位"}


def test_second_column_for_same_field_is_shadowed_by_alias_order():
    match = find_header([["许可证号", "客户编码", "地市"]], CLIENTS)
    assert match.labels["client_id"] == "客户编码"  # 客户编码 comes first among the aliases
    assert match.shadowed == [("许可证号", "client_id", "客户编码")]


# ------------------------------------------------------------------ values

@pytest.mark.parametrize("text, expected", [
    ("9", 9), ("D9", 9), ("d09", 9), ("9档", 9), ("第9档", 9), ("九档", 9), ("二十一档", 21),
    ("三十档", 30), ("十档", 10), (" 12 ", 12), ("9.0", 9), ("Ｄ９", 9), (9, 9), (9.0, 9),
])
def test_grade_forms(text, expected):
    values, problems, _, _ = parse("clients", "grade", [text])
    assert values == [expected] and problems == [None]


@pytest.mark.parametrize("text", ["abc", "A档", "九点五档", "9.5"])
def test_grade_unreadable(text):
    values, problems, empty, _ = parse("clients", "grade", [text])
    assert pd.isna(values[0]) and problems == ["not a grade"] and empty == [False]


def test_grade_forty_reads_as_forty_for_the_range_check():
    # 四十档 is read as 40 so that the range check reports "grade must be 1–30".
    assert parse("clients", "grade", ["四十档"])[0] == [40]


@pytest.mark.parametrize("text, expected", [
    ("1", 1), ("一类", 1), ("1类", 1), ("一类烟", 1), ("五类", 5), ("3类卷烟", 3), (2, 2),
])
def test_price_class_forms(text, expected):
    values, problems, _, _ = parse("products", "price_class", [text])
    assert values == [expected] and problems == [None]


@pytest.mark.parametrize("text, expected", [
    ("便利店", "convenience"), ("convenience", "convenience"), ("CONVENIENCE", "convenience"),
    (" 食杂 ", "grocery"), ("烟草专业店", "tobacco_liquor"), ("其它", "other"),
])
def test_business_format_labels(text, expected):
    assert parse("clients", "business_format", [text])[0] == [expected]


@pytest.mark.parametrize("table, column, text, expected", [
    ("clients", "market_type", "城网", "urban"), ("clients", "market_type", "农网", "rural"),
    ("clients", "market_type", "Urban", "urban"),
    ("inventory_snapshots", "source", "pos", "pos"),
    ("inventory_snapshots", "source", "拜访", "visit"),
])
def test_other_coded_columns(table, column, text, expected):
    assert parse(table, column, [text])[0] == [expected]


def test_unknown_code_is_a_problem_and_empty_is_empty():
    values, problems, empty, _ = parse("clients", "business_format", ["网吧", "", "-"])
    assert problems == ["not a known business_format", None, None]
    assert empty == [False, True, True]


@pytest.mark.parametrize("text", [
    "2025-01-05", "2025/1/5", "20250105", "2025年1月5日", "2025.1.5", "2025-01-05 13:45:00",
    "2025/1/5 10:30", "2025-01-05T08:00:00", "2025 年 1 月 5 日",
    "45662", "45662.75", pd.Timestamp("2025-01-05 08:00"),
])
def test_date_forms(text):
    values, problems, _, _ = parse("orders", "order_date", [text])
    assert values == [pd.Timestamp("2025-01-05")] and problems == [None]


@pytest.mark.parametrize("text, problem", [
    ("abc", "not a date"), ("2025-02-30", "not a valid calendar date"),
    ("2025-01", "a month without a day; a full date is needed"),
    ("1800-01-01", "date out of range (1950–2099)"), ("2025", "date out of range (1950–2099)"),
])
def test_date_problems(text, problem):
    values, problems, _, _ = parse("orders", "order_date", [text])
    assert pd.isna(values[0]) and problems == [problem]


def test_month_column_takes_months_and_snaps_days_with_a_note():
    values, problems, _, notes = parse("manager_forecasts", "month",
                                       ["2025-01", "2025年3月", "2025/4", "2025-05-01", "2025-06-15"])
    assert values == [pd.Timestamp(x) for x in
                      ("2025-01-01", "2025-03-01", "2025-04-01", "2025-05-01", "2025-06-01")]
    assert problems == [None] * 5
    assert notes == [False, False, False, False, True]


@pytest.mark.parametrize("text, expected, problem", [
    ("12", 12, None), ("12.0", 12, None), ("1,234", 1234, None), ("１２", 12, None),
    ("-3", -3, None), ("12.5", None, "not a whole number"), ("abc", None, "not a number"),
    ("1,23", None, "not a number"), ("1e20", None, "number far too large"),
])
def test_int_values(text, expected, problem):
    values, problems, _, _ = parse("orders", "qty_demand", [text])
    assert problems == [problem]
    assert (pd.isna(values[0]) if expected is None else values[0] == expected)


def test_float_values():
    values, problems, _, _ = parse("orders", "amount", ["12.5", "1,234.50", "¥12", "x"])
    assert values[:3] == [12.5, 1234.5, 12.0] and pd.isna(values[3])
    assert problems == [None, None, None, "not a number"]


@pytest.mark.parametrize("text, expected", [
    ("每周一", "1W-MON"), ("周一", "1W-MON"), ("星期一", "1W-MON"), ("礼拜五", "1W-FRI"),
    ("双周三", "2W-WED"), ("隔周三", "2W-WED"), ("每周日", "1W-SUN"), ("W-MON", "1W-MON"),
    ("MON", "1W-MON"), ("monday", "1W-MON"), ("1W-TUE", "1W-TUE"), ("2W-sun", "2W-SUN"),
])
def test_order_cycle_forms(text, expected):
    values, problems, _, notes = parse("clients", "order_cycle", [text])
    assert values == [expected] and notes == [False]


def test_order_cycle_unrecognised_is_kept_with_a_note():
    values, problems, _, notes = parse("clients", "order_cycle", ["每月两次"])
    assert values == ["每月两次"] and problems == [None] and notes == [True]


def test_codes_keep_leading_zeros_and_flag_scientific_notation():
    values, problems, _, _ = parse("clients", "client_id", [" 0012 ", "4.40101E+11", 1002])
    assert values == ["0012", "4.40101E+11", "1002"]
    assert problems[1].startswith("looks like a code Excel turned into scientific notation")
    assert problems[0] is None and problems[2] is None


def test_every_importable_column_has_a_parser_and_every_check_exists():
    """The schema and the importer agree: no importable column or extra check is unhandled."""
    from data.importing.validate import row_schema
    from data.importing.values import parser_for
    from data.schema import IMPORTABLE, TABLES, Column

    for name in IMPORTABLE:
        for col in TABLES[name].columns:
            assert callable(parser_for(col)), (name, col.name)
        assert row_schema(TABLES[name]) is not None
    with pytest.raises(LookupError, match="cannot parse"):
        parser_for(Column("x", "timestamp"))
