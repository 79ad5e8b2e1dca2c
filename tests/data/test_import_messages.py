"""The importer's message catalog: complete in both languages, and Chinese end to end.

The English side is pinned by the exact texts of test_import_prepare, test_import_files and
test_cli; here the Chinese side is checked on broken files of every kind, as the Data page shows
them (``ImportReport.to_frame("zh")``, ``ImportFileError.text("zh")``).
"""

from __future__ import annotations

import copy
import pickle
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import data.importing as importing
from data.importing import ImportFileError, prepare, read_table_file
from data.importing.messages import (CATALOG, DOC_ZH, TABLE_ZH, Msg, Words, column_zh,
                                     placeholders, render)
from data.importing.prepare import _NOTES
from data.importing.validate import EXTRA_CHECKS
from data.schema import IMPORTABLE, TABLES

CJK = re.compile(r"[\u4e00-\u9fff]")
# The e2e test's notion of "English": three English words in a row (a code such as 1W-MON next
# to Chinese is fine).
ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}")
PLACEHOLDER = re.compile(r"\{[A-Za-z_]*\}")


def assert_chinese(text: str, where: str = "") -> None:
    """``text`` reads as Chinese: some CJK, no English phrase, no unfilled placeholder."""
    assert CJK.search(text), f"no Chinese in {where}: {text!r}"
    assert not ENGLISH_PHRASE.search(text), f"English phrase in {where}: {text!r}"
    assert not PLACEHOLDER.search(text), f"unfilled placeholder in {where}: {text!r}"


# ---------------------------------------------------------------- the catalog itself

@pytest.mark.parametrize("code", sorted(CATALOG))
def test_every_code_has_both_languages_with_the_same_placeholders(code):
    templates = CATALOG[code]
    assert set(templates) == {"en", "zh"}
    assert placeholders(templates["en"]) == placeholders(templates["zh"])
    filled = templates["zh"].format(**{name: "9" for name in placeholders(templates["zh"])})
    assert_chinese(filled, code)


from data.checks import _RULES as _INTEGRITY_RULES  # noqa: E402 - the rules name their codes


def _codes_in_sources() -> set[str]:
    """Codes the importer names literally (``Msg("code"``) or builds from a table of rules."""
    folder = Path(importing.__file__).parent
    text = "".join(p.read_text(encoding="utf-8") for p in folder.glob("*.py")
                   if p.name != "messages.py")
    text += (folder.parent / "checks.py").read_text(encoding="utf-8")  # integrity findings
    literal = set(re.findall(r'Msg\(\s*"([a-z_.]+)"', text))
    literal |= set(re.findall(r'"((?:fix|file|warn|rows|ref|range)\.[a-z_.]+)"', text))
    built = {f"check.{name}{tail}" for name in EXTRA_CHECKS for tail in ("", ".fix")}
    built |= {f"{code}{tail}" for code in _NOTES.values() for tail in ("", ".fix")}
    built |= {"fix.grade", "fix.price_class"}  # fix_for: f"fix.{col.name}"
    built |= {f"integrity.{rule}{tail}" for rule in _INTEGRITY_RULES for tail in ("", ".fix")}
    return literal | built


def test_every_code_used_is_in_the_catalog_and_none_is_dead():
    used = _codes_in_sources()
    assert used - set(CATALOG) == set(), "codes used but missing from CATALOG"
    assert set(CATALOG) - used == set(), "catalog entries nothing uses"


def test_unknown_code_fails_at_once():
    with pytest.raises(KeyError):
        Msg("no.such.code")


def test_schema_words_have_chinese():
    for name in IMPORTABLE:
        assert name in TABLE_ZH, f"no Chinese name for table {name}"
        for col in TABLES[name].columns:
            assert CJK.search(column_zh(col)), f"{name}.{col.name} has no Chinese header"
            if col.doc and (col.min is not None or col.max is not None):
                assert col.doc in DOC_ZH, f"doc of {name}.{col.name} untranslated: {col.doc!r}"
            for code, labels in (col.codes or {}).items():
                # The Chinese list of allowed values shows labels[0]: Chinese, or a term like POS.
                assert labels and (CJK.search(labels[0]) or labels[0].isupper()), (name, code)


def test_message_is_its_english_text_and_renders_chinese():
    msg = Msg("range.between", column=Words("qty_demand", "需求量"), lo="0", hi="100,000")
    assert msg == "qty_demand must be between 0 and 100,000" and isinstance(msg, str)
    assert msg.render("en") == msg and render(msg, "zh") == "需求量必须在 0 到 100,000 之间"
    nested = Msg("range.no_negative", problem=msg)
    assert nested.render("zh") == "需求量必须在 0 到 100,000 之间（数量不能是负数）"
    assert render("plain text", "zh") == "plain text"
    for clone in (copy.deepcopy(nested), pickle.loads(pickle.dumps(nested))):
        assert clone == nested and clone.render("zh") == nested.render("zh")


# ---------------------------------------------------------------- broken files, end to end

@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    for name in IMPORTABLE:
        con.execute(TABLES[name].ddl())
    con.execute("INSERT INTO products (product_id, name, brand, price_class, wholesale_price, "
                "retail_price) VALUES ('P1', '中华(硬)', '中华', 1, 400.0, 450.0)")
    con.execute("INSERT INTO clients (client_id, city, district, market_dept) VALUES "
                "('C1', '杭州', '西湖区', '一部')")
    yield con
    con.close()


def _prepare(con, tmp_path, table, *files):
    raws = []
    for i, text in enumerate(files):
        path = tmp_path / f"{table}_{i}.csv"
        path.write_text(text, encoding="utf-8")
        raws.append(read_table_file(path, table))
    return prepare(con, table, raws)


# Each file breaks several rules; together they reach every row-level message that the schema
# can produce (see test_the_broken_files_reach_the_catalog).
BROKEN = {
    "clients": ["标题：2025年客户信息表\n"
                "客户编码,地市,区县,市场部,业态,档位,市场类型,备注,订货周期,开业日期,经度,业态\n"
                "C1,杭州,西湖,一部,网吧,四十档,郊区,x,每月两次,2025-13-01,200,超市\n"
                "C1,杭州,西湖,一部,,D9,城网,,,2025-01,,\n"
                ",,,,合计,,,,,,,\n"
                "4.40101E+11,杭州,,一部,超市,5,城网,,,1900-01-01,,,,extra\n",
                # no grade or market type column, two unknown columns, 25 empty formats
                "客户编码,地市,区县,市场部,业态,联系人,电话\n"
                + "".join(f"C{100 + i},杭州,西湖,一部,,张三,123\n" for i in range(25))],
    "orders": ["订货日期,客户编码,卷烟代码,需求量,限量,订购量,金额\n"
               "2025-01-05,C9,P1,10,3,50,\n2025-01-05,C1,P1,-1,,5,x\n2025/2,C1,P9,1.5,,1,\n"
               "2025-01-07,C1,P1,5,,5,\n2025-01-08,C1,P1,5,,5,-3\n",
               "订货日期,客户编码,卷烟代码,需求量,订购量\n2025-01-05,C9,P1,7,7\n"],
    "products": ["卷烟代码,卷烟名称,品牌,价类,批发价,零售指导价\nP5,红塔山,红塔山,特类,0,abc\n"
                 "P6,玉溪,玉溪,9,10,12\n"],
    "price_snapshots": ["采集日期,客户编码,卷烟代码,零售价\n2025-01-05,C1,P1,0\n"],
    "manager_forecasts": ["月份,客户编码,预测量\n2025-01-15,C1,5\n下月,C1,3\n"],
    "supply_plans": ["开始日期,结束日期,卷烟代码,可供量\n2025-02-01,2025-01-01,P1,0\n"
                     "2025-02-01,2025-03-01,P1,5\n"],
    "inventory_snapshots": ["采集日期,客户编码,卷烟代码,库存量,来源\n2025-01-05,C1,P1,1e20,电话\n"],
}


def _all_codes(text: object) -> set[str]:
    if isinstance(text, Msg):
        return {text.code}.union(*(_all_codes(v) for v in text.params.values()))
    return set()


@pytest.mark.parametrize("table", sorted(BROKEN))
def test_broken_files_report_in_chinese(con, tmp_path, table):
    report = _prepare(con, tmp_path, table, *BROKEN[table]).report
    assert report.errors or report.warnings
    zh = report.to_frame("zh")
    for row in zh.itertuples():
        assert_chinese(row.problem, f"{table} row {row.row} problem")
        assert_chinese(row.fix, f"{table} row {row.row} fix")
    # English for the CLI: the default frame, exactly the texts of the issues.
    en = report.to_frame()
    assert en.equals(report.to_frame("en"))
    issues = report.errors + report.warnings
    assert en["problem"].tolist() == [str(i.problem) for i in issues]
    assert en["fix"].tolist() == [str(i.fix) for i in issues]


# Row-level messages no file can trigger: a dtype bug, a bound the schema never uses alone, a text
# column that can fail without being a key; and those needing another warehouse (tested below).
UNREACHABLE = {"check.wrong_type", "check.wrong_type.fix", "range.at_most", "fix.correct_value"}
OTHER_WAREHOUSE = {"ref.table_missing", "ref.table_empty", "ref.load_first"}


def test_the_broken_files_reach_the_catalog(con, tmp_path):
    """Guards the test above from testing little: every row-level message is met."""
    seen: set[str] = set()
    for table, files in BROKEN.items():
        report = _prepare(con, tmp_path, table, *files).report
        for issue in report.errors + report.warnings:
            seen |= _all_codes(issue.problem) | _all_codes(issue.fix)
            # Places of a duplicate are joined into one Words: seen by their rendering.
            problem = issue.texts("zh")[0]
            seen |= {"where.row"} if "还在：第 " in problem else set()
            seen |= {"where.file_row"} if re.search(r"还在：\S+\.csv 第 \d+ 行", problem) else set()
    row_level = {c for c in CATALOG if not c.startswith(("file.", "integrity."))}  # import rows only
    assert row_level - seen == UNREACHABLE | OTHER_WAREHOUSE


def test_missing_reference_tables_in_chinese(tmp_path):
    con = duckdb.connect()
    con.execute(TABLES["products"].ddl())  # exists but empty; clients does not exist
    report = _prepare(con, tmp_path, "orders", BROKEN["orders"][1]).report
    texts = {i.texts("zh") for i in report.errors if i.canonical in ("client_id", "product_id")}
    assert texts == {("无法核对客户编码：系统里还没有客户数据", "请先导入客户数据，再导入这个文件"),
                     ("无法核对卷烟代码：系统里的卷烟数据是空的", "请先导入卷烟数据，再导入这个文件")}


def test_two_files_name_the_other_file_in_chinese(con, tmp_path):
    report = _prepare(con, tmp_path, "orders", *BROKEN["orders"]).report
    duplicate = next(i for i in report.errors if i.problem.startswith("duplicate key")
                     and i.file == "orders_1.csv")
    assert duplicate.texts("zh")[0] == ("重复记录（订货日期、客户编码、卷烟代码相同）；"
                                        "同样的记录还在：orders_0.csv 第 2 行")
    assert duplicate.problem.endswith("the same key is also in orders_0.csv row 2")


FILE_ERRORS = {
    "a.pdf": b"%PDF-1.4 ...",
    "b.xls": b"\xd0\xcf\x11\xe0 old workbook",
    "c.xls": b"<html><table></table></html>",
    "d.xlsx": b"not a zip at all",
    "e.docx": b"hello",
    "f.csv": b"\x00\x01\x02 binary",
    "g.csv": b"   \n\n",
    "h.csv": b"foo,bar\n1,2\n",
    "i.csv": "客户编码,地市\nC1,杭州\n".encode(),
    "j.csv": "客户编码,地市,区县,市场部\n".encode(),
    "k.xlsx": b"PK\x03\x04 broken zip",
}


@pytest.mark.parametrize("name", sorted(FILE_ERRORS))
def test_unreadable_files_explain_themselves_in_chinese(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(FILE_ERRORS[name])
    with pytest.raises(ImportFileError) as caught:
        read_table_file(path, "clients")
    exc = caught.value
    assert_chinese(exc.text("zh"), name)
    assert exc.text("en") == str(exc)


@pytest.mark.parametrize("table", ["users", "nonsense"])
def test_unknown_tables_in_chinese(tmp_path, table):
    with pytest.raises(ImportFileError) as caught:
        read_table_file(tmp_path / "x.csv", table)
    assert_chinese(caught.value.text("zh"))
    assert "客户、卷烟、客户经理、订单" in caught.value.text("zh")


def test_file_level_errors_of_prepare_in_chinese(con, tmp_path):
    with pytest.raises(ImportFileError) as caught:
        prepare(con, "orders", [])
    assert caught.value.text("zh") == "没有选择订单文件：请至少选择一个文件"
    path = tmp_path / "c.csv"
    path.write_text("客户编码,地市,区县,市场部\nC1,杭州,西湖,一部\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        prepare(con, "orders", [read_table_file(path, "clients")])
    assert_chinese(caught.value.text("zh"))


def test_stray_delimiter_line_in_chinese(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("客户编码,地市,区县,市场部\n" + "C1,杭州,西湖,一部\n" * 3
                    + "C2,杭州,西湖,一部" + ",x" * 40 + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        read_table_file(path, "clients")
    assert "分隔符逗号（,）" in caught.value.text("zh")
    assert "the delimiter ',' without quotes" in str(caught.value)


def test_rejected_rows_keep_english_texts(con, tmp_path):
    """The rejected-rows file (CLI --reject-file) is written with the English texts."""
    prepared = _prepare(con, tmp_path, "orders", BROKEN["orders"][0])
    rejected = prepared.rejected
    assert not rejected.empty
    assert rejected["problem"].map(lambda p: not CJK.search(p)).all()
    out = tmp_path / "rejected.parquet"
    rejected.to_parquet(out)
    assert pd.read_parquet(out)["problem"].tolist() == [str(p) for p in rejected["problem"]]


def test_system_reasons_stay_as_given_inside_chinese(tmp_path):
    """The OS's or pyarrow's own reason is quoted as it is; the sentence around it is Chinese."""
    broken = tmp_path / "x.parquet"
    broken.write_bytes(b"PAR1 not really parquet")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    for path, start in ((broken, "x.parquet 不是可读取的 Parquet 文件（"), (folder, "无法打开 folder.csv：")):
        with pytest.raises(ImportFileError) as caught:
            read_table_file(path, "clients")
        text = caught.value.text("zh")
        assert text.startswith(start) and not PLACEHOLDER.search(text), text


def test_rejected_rows_keep_every_issue_renderable(con, tmp_path):
    # A row with several problems gets them joined in one cell, in each language.
    from data.importing.messages import render
    rejected = _prepare(con, tmp_path, "clients", BROKEN["clients"][0]).rejected
    several = [v for v in rejected["problem"] if "; " in render(v, "en")]
    assert several, "the broken clients file has a row with several problems"
    for value in several:
        zh = render(value, "zh")
        assert zh.count("；") == render(value, "en").count("; ")
        assert_chinese(zh, "joined problems")
