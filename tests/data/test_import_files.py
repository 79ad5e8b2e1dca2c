"""read_table_file: file types, encodings, delimiters, Excel title rows and merged headers.

Fixture files are written to tmp_path by the tests themselves.
"""

from __future__ import annotations

import datetime as dt
import os

import duckdb
import numpy as np
import openpyxl
import pandas as pd
import pytest

from data.importing import ImportError_, ImportFileError, prepare, read_table_file

CLIENT_CSV = ("客户编码,客户名称,地市,区县,市场部,业态,档位,市场类型\n"
              "C001,老王便利店,杭州,西湖区,城区一部,便利店,D9,城网\n"
              "0002,李记烟酒,杭州,余杭区,余杭部,烟草专业店,九档,农网\n")


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_import_error_alias_is_a_value_error():
    assert ImportError_ is ImportFileError and issubclass(ImportFileError, ValueError)


@pytest.mark.parametrize("encoding, label", [
    ("gbk", "GB18030/GBK"), ("gb18030", "GB18030/GBK"), ("utf-8", "UTF-8"),
    ("utf-8-sig", "UTF-8 with BOM"), ("utf-16", "UTF-16"),
])
def test_encodings_load_chinese_headers_and_values(tmp_path, encoding, label):
    raw = read_table_file(write(tmp_path, "clients.csv", CLIENT_CSV, encoding), "clients")
    assert raw.encoding == label
    assert list(raw.frame.columns) == ["client_id", "name", "city", "district", "market_dept",
                                       "business_format", "grade", "market_type"]
    assert raw.frame.iloc[1].tolist() == ["0002", "李记烟酒", "杭州", "余杭区", "余杭部",
                                          "烟草专业店", "九档", "农网"]
    assert raw.labels["client_id"] == "客户编码"  # no BOM left on the first header
    assert raw.rows.tolist() == [2, 3]
    assert f"encoding {label}" in raw.describe()


@pytest.mark.parametrize("delimiter, name", [("\t", "tab"), (";", "semicolon"), (",", "comma")])
def test_delimiters_are_sniffed(tmp_path, delimiter, name):
    path = write(tmp_path, "clients.tsv" if delimiter == "\t" else "clients.csv",
                 CLIENT_CSV.replace(",", delimiter))
    raw = read_table_file(path, "clients")
    assert raw.delimiter == delimiter and f"delimiter {name}" in raw.describe()
    assert raw.frame["grade"].tolist() == ["D9", "九档"]


def test_title_rows_unit_suffixes_and_ignored_columns(tmp_path):
    text = ("2025年1月订单明细,,,,,\n,,,,,\n"
            "序号,订货日期,客户编码,卷烟代码,需求量（条）,订购量(条),备注\n"
            "1,2025-01-05,C1,P1,10,5,\n")
    raw = read_table_file(write(tmp_path, "orders.csv", text), "orders")
    assert raw.header_rows == (3,)
    assert raw.rows.tolist() == [4]
    assert raw.labels == {"order_date": "订货日期", "client_id": "客户编码", "product_id": "卷烟代码",
                          "qty_demand": "需求量（条）", "qty_ordered": "订购量(条)"}
    [warning] = raw.warnings
    assert (warning.file, warning.row, warning.column) == ("orders.csv", None, "序号, 备注")
    assert warning.problem == "columns not used by orders, ignored"


def test_total_row_is_skipped_with_a_warning(tmp_path):
    text = CLIENT_CSV + ",,,,,,,\n合计,,,,,,,\n"
    raw = read_table_file(write(tmp_path, "clients.csv", text), "clients")
    assert raw.frame["client_id"].tolist() == ["C001", "0002"]  # blank row 4 dropped too
    [warning] = raw.warnings
    assert (warning.row, warning.value) == (5, "合计")
    assert warning.problem.startswith("a total row")


def test_total_label_in_an_unmapped_first_column(tmp_path):
    text = "序号,订货日期,客户编码,卷烟代码,需求量,订购量\n1,2025-01-05,C1,P1,10,5\n总计,,,,10,5\n"
    raw = read_table_file(write(tmp_path, "o.csv", text), "orders")
    assert len(raw.frame) == 1 and [w.row for w in raw.warnings if w.value == "总计"] == [3]


def test_row_with_more_values_than_headers_is_an_error(tmp_path):
    text = "订货日期,客户编码,卷烟代码,需求量,订购量\n2025-01-05,C1,P1,10,5\n2025-01-05,C2,P1,1,000,5\n"
    raw = read_table_file(write(tmp_path, "o.csv", text), "orders")
    [error] = raw.errors
    assert (error.file, error.row, error.value) == ("o.csv", 3, "5")
    assert "more values than the header" in error.problem


def make_client_workbook(path):
    """A real-looking export: a title row, a group header merged over columns, cells merged over
    the two header rows, Excel dates, a numeric code and a total row."""
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["本表由营销系统导出"])
    ws = wb.create_sheet("客户信息")
    ws.append(["2025年10月客户信息表"])
    ws.merge_cells("A1:I1")
    ws.append(["客户编码", "基本信息", None, None, None, "分类", None, None, "开业日期"])
    ws.append([None, "客户名称", "地市", "区县", "市场部", "业态", "档位", "市场类型", None])
    for rng in ("A2:A3", "B2:E2", "F2:H2", "I2:I3"):
        ws.merge_cells(rng)
    ws.append(["C001", "老王便利店", "杭州", "西湖区", "城区一部", "便利店", "D9", "城网",
               dt.datetime(2020, 5, 1)])
    ws.append([1002, "李记", "杭州", "余杭区", "余杭部", "食杂店", "九档", "农网", 43952])
    ws.append(["合计", None, None, None, None, None, None, None, None])
    wb.save(path)
    return path


def test_xlsx_title_row_and_merged_two_row_header(tmp_path):
    raw = read_table_file(make_client_workbook(tmp_path / "clients.xlsx"), "clients")
    assert raw.sheet == "客户信息" and raw.kind == "xlsx"
    assert raw.labels == {"client_id": "客户编码", "name": "客户名称", "city": "地市",
                          "district": "区县", "market_dept": "市场部", "business_format": "业态",
                          "grade": "档位", "market_type": "市场类型", "opened_on": "开业日期"}
    assert raw.rows.tolist() == [4, 5]
    assert raw.frame["client_id"].tolist() == ["C001", "1002"]
    assert raw.frame["opened_on"].tolist() == ["2020-05-01", "43952"]
    assert [(w.row, w.value) for w in raw.warnings] == [(6, "合计")]


def test_xlsx_client_export_prepares_to_canonical_values(tmp_path):
    path = make_client_workbook(tmp_path / "客户信息.xlsx")
    prepared = prepare(duckdb.connect(), "clients", [read_table_file(path, "clients")])
    assert prepared.ok
    good = prepared.good
    assert good["client_id"].tolist() == ["C001", "1002"]
    assert good["opened_on"].tolist() == [pd.Timestamp("2020-05-01")] * 2
    assert good[["business_format", "grade", "market_type"]].values.tolist() == [
        ["convenience", 9, "urban"], ["grocery", 9, "rural"]]
    assert [(w.row, w.value) for w in prepared.report.warnings] == [(6, "合计")]
    assert prepared.report.info == ["客户信息.xlsx: xlsx, sheet '客户信息', header on row 3, "
                                    "2 data rows"]


def test_xlsx_two_row_header_without_merges(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户编码", "基本信息", None, None])
    ws.append([None, "地市", "区县", "市场部"])
    ws.append(["C1", "杭州", "西湖区", "一部"])
    wb.save(tmp_path / "c.xlsx")
    raw = read_table_file(tmp_path / "c.xlsx", "clients")
    assert raw.header_rows == (1, 2) and raw.rows.tolist() == [3]
    assert raw.frame.iloc[0].tolist() == ["C1", "杭州", "西湖区", "一部"]


def test_parquet_with_canonical_headers_keeps_types(tmp_path):
    frame = pd.DataFrame({"order_date": pd.to_datetime(["2025-01-05"]), "client_id": ["C1"],
                          "product_id": ["P1"], "qty_demand": [10], "qty_ordered": [5]})
    frame.to_parquet(tmp_path / "o.parquet")
    raw = read_table_file(tmp_path / "o.parquet", "orders")
    assert raw.kind == "parquet" and raw.rows.tolist() == [2]
    assert raw.frame["qty_demand"].dtype == np.int64


def test_display_name_is_used_in_messages(tmp_path):
    path = write(tmp_path, "upload_123.csv", CLIENT_CSV)
    assert read_table_file(path, "clients", display_name="客户.csv").name == "客户.csv"
    with pytest.raises(ImportFileError, match="^客户.csv: missing required column"):
        read_table_file(write(tmp_path, "u.csv", "客户编码\nC1\n"), "clients", display_name="客户.csv")


@pytest.mark.parametrize("name, content, message", [
    ("report.pdf", b"%PDF-1.4 junk", "report.pdf is a PDF"),
    ("junk.txt", bytes(range(256)) * 8, "junk.txt is not a text file"),
    ("junk.csv", os.urandom(4096) + b"\x00", "junk.csv is not a text file"),
    ("data.docx", b"hello", "unsupported file type '.docx'"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old-style Excel .xls"),
    ("web.xls", b"<html><table></table></html>", "web page saved as .xls"),
    ("bad.xlsx", b"not a zip at all", "not a valid .xlsx file"),
    ("bad2.xlsx", b"PK\x03\x04broken", "not a readable Excel workbook"),
    ("bad.parquet", b"PAR1broken", "not a readable Parquet file"),
    ("empty.csv", b"", "empty.csv is empty"),
    ("blank.csv", b"\n\n  \n", "blank.csv is empty"),
    ("header_only.csv", "客户编码,地市,区县,市场部\n".encode(), "has a header but no data rows"),
    ("other.csv", b"a,b,c\n1,2,3\n", "no header row found"),
])
def test_unusable_files_raise_one_line_messages(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as info:
        read_table_file(path, "clients")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_required_column_names_it_and_its_aliases(tmp_path):
    path = write(tmp_path, "clients.csv", "客户编码,地市,区县\nC1,杭州,西湖\n")
    with pytest.raises(ImportFileError) as info:
        read_table_file(path, "clients")
    assert str(info.value) == (
        "clients.csv: missing required column market_dept (accepted headers: market_dept, 市场部, "
        "营销部, 市场部名称) — fix: add the column or rename its header")


@pytest.mark.parametrize("table, message", [
    ("nope", "'nope' is not a table: choose one of clients"),
    ("users", "'users' cannot be imported: choose one of clients"),
])
def test_unknown_or_internal_table(tmp_path, table, message):
    with pytest.raises(ImportFileError, match=message):
        read_table_file(write(tmp_path, "c.csv", CLIENT_CSV), table)


def test_missing_file(tmp_path):
    with pytest.raises(ImportFileError, match="cannot open nothing.csv"):
        read_table_file(tmp_path / "nothing.csv", "clients")
