"""prepare(): every import rule on a tiny warehouse, with the exact issue expected."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from data.importing import ImportFileError, Issue, prepare, read_table_file
from data.schema import TABLES, UNKNOWN

ORDER_HEADER = "订货日期,客户编码,卷烟代码,需求量,限量,订购量,金额\n"


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    for table in TABLES.values():
        con.execute(table.ddl())
    con.execute("INSERT INTO products (product_id, name, brand, price_class, wholesale_price, "
                "retail_price) VALUES ('P1', '中华(硬)', '中华', 1, 400.0, 450.0), "
                "('P2', '利群(新版)', '利群', 3, 20.5, 25.0)")
    con.execute("INSERT INTO clients (client_id, city, district, market_dept) VALUES "
                "('C1', '杭州', '西湖区', '一部'), ('C2', '杭州', '西湖区', '一部')")
    yield con
    con.close()


def run(con, tmp_path, table, text, name=None, encoding="utf-8"):
    name = name or f"{table}.csv"
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return prepare(con, table, [read_table_file(path, table)])


def errors(prepared):
    return [(e.row, e.canonical, e.value, e.problem) for e in prepared.report.errors]


def orders(con, tmp_path, *rows):
    return run(con, tmp_path, "orders", ORDER_HEADER + "".join(r + "\n" for r in rows))


# ------------------------------------------------------------------ clients

CLIENTS = ("2025年10月客户信息表\n"
           "客户编码,客户名称,地市,区县,市场部,业态,档位,市场类型,订货周期,开业日期\n"
           "C10,老王便利店,杭州,西湖区,城区一部,便利店,D9,城网,每周一,2020/5/1\n"
           "C11,李记,杭州,余杭区,余杭部,烟草专业店,九档,农网,双周三,20190301\n"
           "C12,张三食杂,杭州,余杭区,余杭部,食杂店,第21档,城网,星期五,2021年3月8日\n")


def test_real_looking_gbk_client_list_loads_to_canonical_codes(con, tmp_path):
    prepared = run(con, tmp_path, "clients", CLIENTS, encoding="gbk")
    assert prepared.ok and prepared.report.warnings == []
    good = prepared.good
    assert list(good.columns) == TABLES["clients"].column_names
    assert good["client_id"].tolist() == ["C10", "C11", "C12"]
    assert good["business_format"].tolist() == ["convenience", "tobacco_liquor", "grocery"]
    assert good["grade"].tolist() == [9, 9, 21]
    assert good["market_type"].tolist() == ["urban", "rural", "urban"]
    assert good["order_cycle"].tolist() == ["1W-MON", "2W-WED", "1W-FRI"]
    assert good["opened_on"].tolist() == [pd.Timestamp("2020-05-01"), pd.Timestamp("2019-03-01"),
                                          pd.Timestamp("2021-03-08")]
    assert str(good["grade"].dtype) == "Int64" and good["closed_on"].isna().all()
    assert prepared.report.info == ["clients.csv: csv, encoding GB18030/GBK, delimiter comma, "
                                    "header on row 2, 3 data rows"]


def test_empty_classification_loads_unknown_with_a_warning_listing_rows(con, tmp_path):
    text = ("客户编码,地市,区县,市场部,业态,档位,市场类型\n"
            "C1,杭州,西湖,一部,,,城网\nC2,杭州,西湖,一部,超市,D3,\nC3,杭州,西湖,一部,,-,\n")
    prepared = run(con, tmp_path, "clients", text)
    assert prepared.ok
    assert prepared.good["business_format"].tolist() == [UNKNOWN, "supermarket", UNKNOWN]
    assert prepared.good["grade"].tolist()[1] == 3
    assert prepared.good["grade"].isna().tolist() == [True, False, True]
    assert prepared.good["market_type"].tolist() == ["urban", UNKNOWN, UNKNOWN]
    by_column = {w.canonical: w for w in prepared.report.warnings}
    assert by_column["business_format"].rows == (2, 4)
    assert by_column["grade"].rows == (2, 4)
    assert by_column["market_type"].rows == (3, 4)
    assert by_column["grade"].column == "档位"
    assert by_column["grade"].problem.endswith("— rows 2, 4")


def test_missing_classification_column_loads_unknown_with_a_warning(con, tmp_path):
    prepared = run(con, tmp_path, "clients", "客户编码,地市,区县,市场部\nC1,杭州,西湖,一部\n")
    assert prepared.ok
    assert prepared.good.loc[0, ["business_format", "market_type"]].tolist() == [UNKNOWN, UNKNOWN]
    assert {w.canonical for w in prepared.report.warnings} == {"business_format", "grade",
                                                              "market_type"}


def test_unreadable_classification_is_an_error(con, tmp_path):
    text = ("客户编码,地市,区县,市场部,业态,档位,市场类型\n"
            "C1,杭州,西湖,一部,网吧,D9,城网\nC2,杭州,西湖,一部,超市,四十档,郊区\n")
    prepared = run(con, tmp_path, "clients", text)
    assert errors(prepared) == [
        (2, "business_format", "网吧", "not a known business_format"),
        (3, "grade", "四十档", "grade must be 1–30 (D1–D30)"),
        (3, "market_type", "郊区", "not a known market_type"),
    ]
    grade = prepared.report.errors[1]
    assert grade == Issue("clients.csv", 3, "档位", "grade", "四十档", "grade must be 1–30 (D1–D30)",
                          "write the grade as a number 1–30, e.g. 9, D9, 9档 or 九档")
    assert grade.to_text() == ("clients.csv row 3, column 档位 (grade): value '四十档' — grade must "
                               "be 1–30 (D1–D30) — fix: write the grade as a number 1–30, e.g. 9, "
                               "D9, 9档 or 九档")
    assert prepared.report.errors[0].fix.startswith("use one of: grocery (食杂店); convenience")
    assert prepared.good.empty


def test_required_value_empty(con, tmp_path):
    prepared = run(con, tmp_path, "clients", "客户编码,地市,区县,市场部\nC1,杭州,,一部\n,杭州,西湖,一部\n")
    assert errors(prepared) == [(2, "district", "", "district is required but empty"),
                                (3, "client_id", "", "client_id is required but empty")]


def test_duplicate_keys_within_a_file_list_both_rows(con, tmp_path):
    text = "客户编码,地市,区县,市场部\nC1,杭州,西湖,一部\nC2,杭州,西湖,一部\nC1,杭州,余杭,二部\n"
    prepared = run(con, tmp_path, "clients", text)
    assert errors(prepared) == [
        (2, "client_id", "C1", "duplicate key (client_id); the same key is also in row 4"),
        (4, "client_id", "C1", "duplicate key (client_id); the same key is also in row 2"),
    ]
    assert prepared.good["client_id"].tolist() == ["C2"]


def test_duplicate_keys_across_files(con, tmp_path):
    (tmp_path / "a.csv").write_text(ORDER_HEADER + "2025-01-05,C1,P1,10,,5,\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text(ORDER_HEADER + "2025/1/5,C1,P1,8,,5,\n2025-01-06,C1,P1,1,,1,\n",
                                    encoding="utf-8")
    raws = [read_table_file(tmp_path / n, "orders") for n in ("a.csv", "b.csv")]
    prepared = prepare(con, "orders", raws)
    assert [(e.file, e.row, e.problem) for e in prepared.report.errors] == [
        ("a.csv", 2, "duplicate key (order_date, client_id, product_id); the same key is also "
                     "in b.csv row 2"),
        ("b.csv", 2, "duplicate key (order_date, client_id, product_id); the same key is also "
                     "in a.csv row 2"),
    ]
    assert prepared.report.errors[0].column == "订货日期, 客户编码, 卷烟代码"
    assert prepared.report.errors[0].value == "2025-01-05 / C1 / P1"
    assert prepared.report.rows_in_file == 3 and prepared.report.rows_ok == 1


# ------------------------------------------------------------------ orders

def test_valid_orders_with_amount_computed_from_the_wholesale_price(con, tmp_path):
    prepared = orders(con, tmp_path, "2025-01-05,C1,P1,10,,5,", "2025/1/5,C2,P2,3,3,3,61.5",
                      "20250106,C1,P2,\"1,200\",,12.0,")
    assert prepared.ok
    good = prepared.good
    assert good["order_date"].tolist() == [pd.Timestamp(d) for d in
                                           ("2025-01-05", "2025-01-05", "2025-01-06")]
    assert good["qty_demand"].tolist() == [10, 3, 1200]
    assert good["amount"].tolist() == [2000.0, 61.5, 246.0]
    [warning] = prepared.report.warnings
    assert warning.rows == (2, 4) and warning.problem.startswith("amount empty: computed as")


@pytest.mark.parametrize("row, expected", [
    ("2025-01-05,C1,P1,10,,12,", (2, "qty_ordered", "12",
                                 "qty_ordered (supplied) is more than qty_demand (asked for)")),
    ("2025-01-05,C1,P1,10,4,5,", (2, "qty_ordered", "5", "qty_ordered (supplied) is more "
                                                        "than qty_cap (the client's limit)")),
    ("2025-01-05,C1,P1,-3,,0,", (2, "qty_demand", "-3", "qty_demand must be between 0 and 100,000 "
                                                        "(negative quantities are not possible)")),
    ("2025-01-05,C1,P1,5000000,,0,", (2, "qty_demand", "5000000",
                                      "qty_demand must be between 0 and 100,000 (negative "
                                      "quantities are not possible)")),
    ("2025-01-05,C1,P1,12.5,,0,", (2, "qty_demand", "12.5", "not a whole number")),
    ("2025-13-45,C1,P1,1,,1,", (2, "order_date", "2025-13-45", "not a valid calendar date")),
    ("昨天,C1,P1,1,,1,", (2, "order_date", "昨天", "not a date")),
    ("2025-01-05,C1,P1,1,,1,-5", (2, "amount", "-5", "amount must be at least 0")),
    ("2025-01-05,C9,P1,1,,1,", (2, "client_id", "C9", "client_id not found in clients")),
    ("2025-01-05,C1,P9,1,,1,", (2, "product_id", "P9", "product_id not found in products")),
    ("2025-01-05,C1,P1,,,1,", (2, "qty_demand", "", "qty_demand is required but empty")),
])
def test_order_rules(con, tmp_path, row, expected):
    prepared = orders(con, tmp_path, "2025-01-06,C2,P2,1,,1,", row)
    assert errors(prepared) == [(3, *expected[1:])]
    assert prepared.good["client_id"].tolist() == ["C2"]
    assert prepared.rejected["row"].tolist() == [3]


def test_comparison_skips_values_already_wrong(con, tmp_path):
    # 0 > -3, but the only useful message is the negative demand.
    prepared = orders(con, tmp_path, "2025-01-05,C1,P1,-3,,0,")
    assert [e.canonical for e in prepared.report.errors] == ["qty_demand"]


def test_references_when_the_referenced_table_is_empty(con, tmp_path):
    con.execute("DELETE FROM products")
    prepared = orders(con, tmp_path, "2025-01-05,C1,P1,1,,1,1")
    assert errors(prepared) == [(2, "product_id", "P1",
                                 "cannot check product_id: the products table is empty")]
    assert prepared.report.errors[0].fix == "load products first, then this file"


def test_references_when_the_referenced_table_does_not_exist(tmp_path):
    con = duckdb.connect()
    prepared = run(con, tmp_path, "supply_plans",
                   "开始日期,结束日期,卷烟代码,可供量\n2025-01-06,2025-01-12,P1,500\n")
    assert errors(prepared) == [(2, "product_id", "P1",
                                 "cannot check product_id: the products table does not exist yet")]


def test_supply_plan_end_before_start(con, tmp_path):
    prepared = run(con, tmp_path, "supply_plans",
                   "开始日期,结束日期,卷烟代码,可供量,投放方式\n2025-01-06,2025-01-12,P1,500,by_grade\n"
                   "2025-01-13,2025-01-10,P2,300,\n2025-01-13,2025-01-19,P1,0,\n")
    assert errors(prepared) == [
        (3, "period_end", "2025-01-10", "period_end is before period_start"),
        (4, "qty_available", "0", "qty_available must be above 0")]


def test_forecasts_with_client_totals_and_months(con, tmp_path):
    text = ("月份,客户编码,卷烟代码,预测量\n2025-01,C1,,100\n2025年1月,C1,P1,40\n2025-01-15,C2,,7\n"
            "2025/1,C1,,90\n")
    prepared = run(con, tmp_path, "manager_forecasts", text)
    assert errors(prepared) == [
        (2, "month, client_id, product_id", "2025-01-01 / C1 / ",
         "duplicate key (month, client_id, product_id); the same key is also in row 5"),
        (5, "month, client_id, product_id", "2025-01-01 / C1 / ",
         "duplicate key (month, client_id, product_id); the same key is also in row 2"),
    ]
    good = prepared.good
    assert good["month"].tolist() == [pd.Timestamp("2025-01-01")] * 2
    assert good["product_id"].isna().tolist() == [False, True]
    assert [w.rows for w in prepared.report.warnings] == [(4,)]


def test_inventory_source_labels_and_unknown_source(con, tmp_path):
    prepared = run(con, tmp_path, "inventory_snapshots",
                   "盘点日期,客户编码,卷烟代码,库存量,来源\n2025-01-05,C1,P1,3,拜访\n"
                   "2025-01-05,C2,P1,3,电话\n")
    assert prepared.good["source"].tolist() == ["visit"]
    assert errors(prepared) == [(3, "source", "电话", "not a known source")]


def test_rejected_frame_has_every_bad_row_with_its_problems(con, tmp_path):
    prepared = orders(con, tmp_path, "2025-01-05,C1,P1,10,,5,", "2025-01-05,C9,P1,abc,,5,",
                      "2025-01-07,C2,P2,1,,2,", "2025-01-08,C2,P2,1,,1,")
    rejected = prepared.rejected
    assert list(rejected.columns) == ["order_date", "client_id", "product_id", "qty_demand",
                                      "qty_cap", "qty_ordered", "amount", "file", "row", "column",
                                      "value", "problem", "fix"]
    assert rejected["row"].tolist() == [3, 4]
    assert rejected.loc[0, ["client_id", "qty_demand"]].tolist() == ["C9", "abc"]
    assert rejected.loc[0, "column"] == "客户编码; 需求量"
    assert rejected.loc[0, "problem"] == "client_id not found in clients; not a number"
    assert rejected.loc[1, "problem"] == ("qty_ordered (supplied) is more than qty_demand "
                                          "(asked for)")
    assert len(prepared.good) == 2 and not prepared.ok
    assert prepared.report.rows_in_file == 4 and prepared.report.rows_ok == 2


def test_report_text_and_frame(con, tmp_path):
    prepared = orders(con, tmp_path, "2025-01-05,C9,P1,10,,5,100", "2025-01-06,C9,P1,10,,5,100")
    text = prepared.report.to_text(limit=1)
    assert text.splitlines()[0] == "2 rows read, 0 ok, 2 rejected; 2 errors, 0 warnings."
    assert ("  orders.csv row 2, column 客户编码 (client_id): value 'C9' — client_id not found in "
            "clients — fix: correct the code, or load the missing clients first") in text
    assert "… and 1 more errors" in text
    frame = prepared.report.to_frame()
    assert frame[["severity", "file", "row", "column", "value"]].values.tolist() == [
        ["error", "orders.csv", 2, "客户编码", "C9"], ["error", "orders.csv", 3, "客户编码", "C9"]]


def test_parquet_orders_validate_like_csv(con, tmp_path):
    pd.DataFrame({"order_date": pd.to_datetime(["2025-01-05", "2025-01-05"]),
                  "client_id": ["C1", "C2"], "product_id": ["P1", "P1"],
                  "qty_demand": [10, 3], "qty_ordered": [5, 4]}).to_parquet(tmp_path / "o.parquet")
    prepared = prepare(con, "orders", [read_table_file(tmp_path / "o.parquet", "orders")])
    assert errors(prepared) == [(3, "qty_ordered", "4",
                                 "qty_ordered (supplied) is more than qty_demand (asked for)")]
    assert prepared.good["amount"].tolist() == [2000.0]


def test_prepare_refuses_bad_calls(con, tmp_path):
    with pytest.raises(ImportFileError, match="'nope' is not a table"):
        prepare(con, "nope", [])
    with pytest.raises(ImportFileError, match="no file given for orders"):
        prepare(con, "orders", [])
    (tmp_path / "c.csv").write_text("客户编码,地市,区县,市场部\nC1,杭州,西湖,一部\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="c.csv was read as clients, not orders"):
        prepare(con, "orders", [read_table_file(tmp_path / "c.csv", "clients")])


def test_report_summary_groups_the_same_problem(con, tmp_path):
    text = "客户编码,地市,区县,市场部,档位,业态,市场类型\n" + "".join(
        f"C{i},杭州,西湖,一部,{g},超市,城网\n" for i, g in enumerate(["40", "50", "x", "9", "9"]))
    text += "C3,杭州,西湖,一部,9,超市,城网\n"
    report = run(con, tmp_path, "clients", text).report
    lines = report.to_text().splitlines()
    assert lines[:7] == [
        "6 rows read, 1 ok, 5 rejected; 5 errors, 0 warnings.",
        "  clients.csv: csv, encoding UTF-8, delimiter comma, header on row 1, 6 data rows",
        "ERRORS (5)",
        # equal counts: in the order first met (row 2's grade comes before row 5's duplicate)
        "        2 × 档位 (grade): grade must be 1–30 (D1–D30)",
        "        2 × 客户编码 (client_id): duplicate key (client_id)",
        "        1 × 档位 (grade): not a grade",
        "  clients.csv row 5, column 客户编码 (client_id): value 'C3' — duplicate key (client_id); "
        "the same key is also in row 7 — fix: keep one row per client_id: delete the repeated rows "
        "or add them up into one",
    ]
