"""The importer's messages in English and Chinese: one catalog, rendered per language.

Every problem and fix of the validation report, and every ``ImportFileError``, is a ``Msg``: a
``str`` whose value is the English text, carrying the catalog code and the parameters it was made
from so that it can be rendered again in Chinese (``msg.render("zh")``). Being a ``str`` is what
keeps the English side unchanged: the CLI report, the rejected-rows file, the import log and
every comparison with a plain string read it as before, while the Data page asks for Chinese.

Parameters are filled with ``str.format``. A parameter that is itself words (a column, a table,
a list of allowed values, another message) is a ``Words`` or a ``Msg`` and is rendered in the
same language as the message around it; anything else (numbers, dates, file names, values from
the file) is shown as it is in every language.

Caveat for callers: pandas 3 turns an object column of strings into its own string dtype, which
drops the ``Msg`` subclass (and with it the Chinese). Frames that carry messages build those
columns with ``message_series``.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd

from data.schema import Column

LANGUAGES = ("en", "zh")

# The supported formats, shared by several file messages.
_FORMATS = {"en": "CSV (.csv/.tsv/.txt), Excel (.xlsx) or Parquet (.parquet)",
            "zh": "CSV（.csv/.tsv/.txt）、Excel（.xlsx）或 Parquet（.parquet）文件"}

# code -> {language: template}. English wording is exactly what the importer always printed:
# the CLI, the tests and users' scripts that grep the report rely on it.
CATALOG: dict[str, dict[str, str]] = {
    # --- values that cannot be read (values.py) -------------------------------------------
    "value.excel_scientific": {
        "en": "looks like a code Excel turned into scientific notation (digits lost)",
        "zh": "编码被 Excel 变成了科学计数法（后面的数字已丢失）"},
    "value.not_number": {"en": "not a number", "zh": "不是数字"},
    "value.not_whole": {"en": "not a whole number", "zh": "不是整数"},
    "value.too_large": {"en": "number far too large", "zh": "数值太大，不可能正确"},
    "value.month_without_day": {
        "en": "a month without a day; a full date is needed",
        "zh": "只有年月、没有日；这里需要完整的日期"},
    "value.not_date": {"en": "not a date", "zh": "不是日期"},
    "value.not_calendar_date": {"en": "not a valid calendar date", "zh": "日历上没有这一天"},
    "value.date_out_of_range": {"en": "date out of range ({first}–{last})",
                                "zh": "日期超出范围（应在 {first}–{last} 年之间）"},
    "value.not_ordinal": {"en": "not a {what}", "zh": "不是有效的{what}"},
    "value.unknown_code": {"en": "not a known {column}", "zh": "不是可识别的{column}"},
    # --- how to write a valid value (values.fix_for) ----------------------------------------
    "fix.codes": {"en": "use one of: {allowed}", "zh": "请填写以下之一：{allowed}"},
    "fix.codes_or_empty": {"en": "use one of: {allowed}, or leave it empty for unknown",
                           "zh": "请填写以下之一：{allowed}；不清楚可以留空"},
    "fix.grade": {"en": "write the grade as a number {bounds}, e.g. 9, D9, 9档 or 九档",
                  "zh": "档位请填 {bounds} 的数字，例如 9、D9、9档 或 九档"},
    "fix.price_class": {"en": "write the price class as {bounds}, e.g. 1, 一类, 1类 or 一类烟",
                        "zh": "价类请填 {bounds}，例如 1、一类、1类 或 一类烟"},
    "fix.month": {"en": "write the month as 2025-01, 2025/1 or 2025年1月 (or its first day)",
                  "zh": "月份请写成 2025-01、2025/1 或 2025年1月（也可以写该月第一天）"},
    "fix.date": {
        "en": "write the date as 2025-01-05 (also accepted: 2025/1/5, 20250105, 2025年1月5日)",
        "zh": "日期请写成 2025-01-05（也可以写 2025/1/5、20250105、2025年1月5日）"},
    "fix.int": {"en": "write a whole number without text or decimals, e.g. 12 or 1,234",
                "zh": "请填写整数，不要带文字或小数，例如 12 或 1,234"},
    "fix.float": {"en": "write a number without text, e.g. 12.5 or 1,234.50",
                  "zh": "请填写数字，不要带文字，例如 12.5 或 1,234.50"},
    "fix.key_as_text": {
        "en": "format the column as Text in Excel (or fix the code) and export again",
        "zh": "在 Excel 中把这一列设为“文本”格式（或改正编码）后重新导出"},
    "fix.correct_value": {"en": "correct the value", "zh": "请改正这个值"},
    # --- values out of bounds (values.describe_range) ---------------------------------------
    "range.grade": {"en": "grade must be {lo}–{hi} (D{lo}–D{hi})",
                    "zh": "档位必须是 {lo}–{hi}（D{lo}–D{hi}）"},
    "range.between": {"en": "{column} must be between {lo} and {hi}",
                      "zh": "{column}必须在 {lo} 到 {hi} 之间"},
    "range.above_at_most": {"en": "{column} must be above {lo} and at most {hi}",
                            "zh": "{column}必须大于 {lo}，且不能超过 {hi}"},
    "range.above": {"en": "{column} must be above {lo}", "zh": "{column}必须大于 {lo}"},
    "range.at_least": {"en": "{column} must be at least {lo}", "zh": "{column}不能小于 {lo}"},
    "range.at_most": {"en": "{column} must be at most {hi}", "zh": "{column}不能大于 {hi}"},
    "range.no_negative": {"en": "{problem} (negative quantities are not possible)",
                          "zh": "{problem}（数量不能是负数）"},
    "range.fix": {"en": "enter the right value; check the unit and the column",
                  "zh": "请填写正确的数值，并核对单位和所在的列"},
    "range.fix_doc": {"en": "enter the right value ({doc}); check the unit and the column",
                      "zh": "请填写正确的数值（{doc}），并核对单位和所在的列"},
    # --- pandera checks (validate.py) -------------------------------------------------------
    "check.required": {"en": "{column} is required but empty", "zh": "{column}是必填项，但没有填写"},
    "check.required.fix": {"en": "fill in {column} on every row", "zh": "每一行都要填写{column}"},
    "check.wrong_type": {"en": "internal: {column} has the wrong type ({check})",
                         "zh": "系统内部错误：{column}的数据类型不对（{check}）"},
    "check.wrong_type.fix": {"en": "report this file to the Jinye maintainers",
                             "zh": "请把这个文件发给金叶系统的维护人员"},
    "check.ordered_le_demand": {"en": "{column} (supplied) is more than {other} (asked for)",
                                "zh": "{column}（实际供货）大于{other}（客户要货）"},
    "check.ordered_le_demand.fix": {
        "en": "check both quantities: what was supplied cannot exceed what the client asked for",
        "zh": "请核对这两个数量：供货量不能超过客户的要货量"},
    "check.ordered_le_cap": {"en": "{column} (supplied) is more than {other} (the client's limit)",
                             "zh": "{column}（实际供货）大于{other}（客户的限量）"},
    "check.ordered_le_cap.fix": {
        "en": "check both quantities: what was supplied cannot exceed the cap",
        "zh": "请核对这两个数量：供货量不能超过限量"},
    "check.period_end_ge_start": {"en": "{column} is before {other}", "zh": "{column}早于{other}"},
    "check.period_end_ge_start.fix": {
        "en": "check both dates: the release period must end on or after its start",
        "zh": "请核对这两个日期：投放结束日期不能早于开始日期"},
    "check.fix_with_other": {"en": "{fix} ({other} is {value} on this row)",
                             "zh": "{fix}（本行的{other}是 {value}）"},
    # The English "; the same key is also in " is what report.problem_kind cuts at.
    "check.duplicate": {"en": "duplicate key ({key}); the same key is also in {places}",
                        "zh": "重复记录（{key}相同）；同样的记录还在：{places}"},
    "check.duplicate.fix": {
        "en": "keep one row per {key}: delete the repeated rows or add them up into one",
        "zh": "每组{key}只保留一行：删除重复的行，或把它们合并成一行"},
    "where.row": {"en": "row {row}", "zh": "第 {row} 行"},
    "where.file_row": {"en": "{file} row {row}", "zh": "{file} 第 {row} 行"},
    # --- warnings over many rows (prepare.py) -----------------------------------------------
    "empty.unknown": {
        "en": "{column} empty: loaded as {unknown} (left out of {column}-based views and "
              "allocation)",
        "zh": "{column}为空：按“{unknown}”导入（不参与按{column}的分析和货源分配）"},
    "empty.unknown.fix": {"en": "fill in {column} if it is known; {fix}",
                          "zh": "如果知道，请补填{column}；{fix}"},
    "rows.one": {"en": "{problem} — row {rows}", "zh": "{problem}——第 {rows} 行"},
    "rows.many": {"en": "{problem} — rows {rows}", "zh": "{problem}——第 {rows} 行"},
    "rows.more": {"en": "{listed} … ({n} rows)", "zh": "{listed} …（共 {n} 行）"},
    "rows.no_column": {"en": "no {column} column in the file; {problem} — all {n} rows",
                       "zh": "文件中没有{column}列；{problem}——全部 {n} 行"},
    "note.month_snapped": {
        "en": "not the first day of a month: loaded as the first day of its month",
        "zh": "不是当月第一天：已按该月第一天导入"},
    "note.month_snapped.fix": {"en": "nothing to do if the month is right",
                               "zh": "月份没错就无需处理"},
    "note.cycle_kept": {
        "en": "order cycle not recognised (e.g. 每周一, 双周三, 1W-MON): kept as written",
        "zh": "订货周期无法识别（应如 每周一、双周三、1W-MON）：已按原样导入"},
    "note.cycle_kept.fix": {
        "en": "write it like 每周一 or 双周三 if it is a weekly or fortnightly cycle",
        "zh": "如果是每周或隔周订货，请写成 每周一 或 双周三 这样的格式"},
    "amount.computed": {"en": "amount empty: computed as qty_ordered × products.wholesale_price",
                        "zh": "金额为空：已按 订购量 × 卷烟批发价 计算"},
    "amount.computed.fix": {"en": "nothing to do if the price is right",
                            "zh": "批发价没错就无需处理"},
    "amount.no_price": {
        "en": "amount empty and no wholesale price for the product in the warehouse: left empty",
        "zh": "金额为空，且系统里没有这个卷烟的批发价：金额留空"},
    "amount.no_price.fix": {"en": "load the product first, or fill in the amount",
                            "zh": "请先导入这个卷烟的资料，或补填金额"},
    # --- references (warehouse.py) ----------------------------------------------------------
    "ref.table_missing": {"en": "cannot check {column}: the {table} table does not exist yet",
                          "zh": "无法核对{column}：系统里还没有{table}数据"},
    "ref.table_empty": {"en": "cannot check {column}: the {table} table is empty",
                        "zh": "无法核对{column}：系统里的{table}数据是空的"},
    "ref.load_first": {"en": "load {table} first, then this file",
                       "zh": "请先导入{table}数据，再导入这个文件"},
    "ref.not_found": {"en": "{column} not found in {table}", "zh": "{table}数据中没有这个{column}"},
    "ref.not_found.fix": {"en": "correct the code, or load the missing {table} first",
                          "zh": "请改正编码，或先导入缺少的{table}数据"},
    # --- rows and columns found while reading (readers.py) ----------------------------------
    "warn.total_row": {"en": "a total row (合计/总计/小计 and no key): skipped, not imported",
                       "zh": "合计行（含 合计/总计/小计 且没有关键字段）：已跳过，未导入"},
    "warn.total_row.fix": {
        "en": "nothing to do if it is a total; if it is data, fill in its key columns ({key})",
        "zh": "如果是合计行则无需处理；如果是数据，请填写它的关键字段（{key}）"},
    "warn.ignored_column": {"en": "column not used by {table}, ignored",
                            "zh": "{table}数据不使用这一列，已忽略"},
    "warn.ignored_columns": {"en": "columns not used by {table}, ignored",
                             "zh": "{table}数据不使用这些列，已忽略"},
    "warn.ignored.fix": {
        "en": "nothing to do, unless one of them should be loaded: then rename its header to an "
              "accepted name",
        "zh": "无需处理；如果其中有需要导入的列，请把列名改成系统可识别的名称"},
    "warn.second_column": {
        "en": "a second column for {column}; '{used}' is used and this one is ignored",
        "zh": "{column}有两列；使用的是“{used}”，这一列已忽略"},
    "warn.second_column.fix": {"en": "remove the column you do not mean, or rename it",
                               "zh": "删除不需要的那一列，或给它改名"},
    "row.stray_values": {
        "en": "the row has more values than the header has columns; a value probably contains "
              "the delimiter {delimiter} without quotes",
        "zh": "这一行的值比表头的列多；可能某个值里含有分隔符{delimiter}，却没有加引号"},
    "row.stray_values.fix": {
        "en": "put values that contain the delimiter in double quotes (or remove the delimiter) "
              "and export again",
        "zh": "把含有分隔符的值用英文双引号括起来（或删掉分隔符），然后重新导出"},
    # --- files that cannot be imported at all (ImportFileError) -----------------------------
    "file.not_importable": {"en": "'{name}' cannot be imported: choose one of {tables}",
                            "zh": "“{name}”不能导入：请从这些数据中选择：{tables}"},
    "file.not_a_table": {"en": "'{name}' is not a table: choose one of {tables}",
                         "zh": "“{name}”不是数据表：请从这些数据中选择：{tables}"},
    "file.xls": {
        "en": "{file} is an old-style Excel .xls workbook: open it in Excel, save it as .xlsx and "
              "load that file",
        "zh": "{file} 是旧版 Excel（.xls）文件：请用 Excel 打开，另存为 .xlsx 后再导入"},
    "file.pdf": {
        "en": "{file} is a PDF, which holds no table to import: export the data as "
              + _FORMATS["en"],
        "zh": "{file} 是 PDF 文件，里面没有可导入的表格：请把数据导出为 " + _FORMATS["zh"]},
    "file.html_xls": {
        "en": "{file} is a web page saved as .xls: open it in Excel, save it as .xlsx and load "
              "that file",
        "zh": "{file} 其实是存成 .xls 的网页：请用 Excel 打开，另存为 .xlsx 后再导入"},
    "file.damaged": {"en": "{file} is not a valid {ext} file (damaged or renamed): export it again",
                     "zh": "{file} 不是有效的 {ext} 文件（已损坏或改过扩展名）：请重新导出"},
    "file.unsupported": {
        "en": "{file}: unsupported file type '{ext}': save the data as " + _FORMATS["en"],
        "zh": "{file}：不支持“{ext}”类型的文件：请把数据另存为 " + _FORMATS["zh"]},
    "file.cannot_open": {
        "en": "cannot open {file}: {reason}; check the path and that the file is not open in "
              "another program",
        "zh": "无法打开 {file}：{reason}；请检查文件路径，并确认文件没有被其他程序占用"},
    "file.zero_bytes": {"en": "{file} is empty (0 bytes): export the data again",
                        "zh": "{file} 是空文件（0 字节）：请重新导出数据"},
    "file.bad_parquet": {"en": "{file} is not a readable Parquet file ({reason}); export it again",
                         "zh": "{file} 不是可读取的 Parquet 文件（{reason}）；请重新导出"},
    "file.bad_xlsx": {
        "en": "{file} is not a readable Excel workbook ({reason}); open it in Excel, save it as "
              ".xlsx and load it again",
        "zh": "{file} 不是可读取的 Excel 工作簿（{reason}）；请用 Excel 打开，另存为 .xlsx 后重新导入"},
    "file.missing_column": {
        "en": "{file}: missing required column {listed} — fix: add the column or rename its header",
        "zh": "{file}：缺少必填列 {listed}。修改建议：补上这一列，或把列名改成可用的名称"},
    "file.missing_columns": {
        "en": "{file}: missing required columns {listed} — fix: add the column or rename its "
              "header",
        "zh": "{file}：缺少必填列 {listed}。修改建议：补上这些列，或把列名改成可用的名称"},
    "file.missing_column.item": {"en": "{column} (accepted headers: {headers})",
                                 "zh": "{column}（可用的列名：{headers}）"},
    "file.no_data": {"en": "{file} has a header but no data rows: export the data again",
                     "zh": "{file} 只有表头、没有数据行：请重新导出数据"},
    "file.binary": {
        "en": "{file} is not a text file (it contains binary data): export the data as CSV "
              "(UTF-8 or GBK) or XLSX and load that file",
        "zh": "{file} 不是文本文件（含有二进制数据）：请把数据导出为 CSV（UTF-8 或 GBK 编码）或 XLSX "
              "后再导入"},
    "file.encoding": {
        "en": "{file}: cannot tell the text encoding; save the file as 'CSV UTF-8' (or GBK) and "
              "load it again",
        "zh": "{file}：无法识别文件编码；请另存为“CSV UTF-8”（或 GBK）格式后重新导入"},
    "file.blank_text": {"en": "{file} is empty: export the data again with a header row",
                        "zh": "{file} 是空的：请重新导出数据，并带上表头行"},
    "file.line_too_long": {
        "en": "{file}: line {line} has {values} values but the header has {width} columns; a "
              "value probably contains the delimiter {delimiter} without quotes — fix: put such "
              "values in double quotes or remove the delimiter, and export again",
        "zh": "{file}：第 {line} 行有 {values} 个值，但表头只有 {width} 列；可能某个值里含有分隔符"
              "{delimiter}，却没有加引号。修改建议：把这样的值用英文双引号括起来或删掉分隔符，"
              "然后重新导出"},
    "file.bad_csv": {
        "en": "{file}: the file is not valid CSV ({reason}); open it in Excel and save it again "
              "as CSV",
        "zh": "{file}：不是有效的 CSV 文件（{reason}）；请用 Excel 打开，重新另存为 CSV"},
    "file.no_header": {
        "en": "{file}: no header row found — none of the first {rows} rows names a column of "
              "{table} (expected e.g. {examples}); check that this is a {table} file and that its "
              "header row is present",
        "zh": "{file}：找不到表头行——前 {rows} 行里没有任何{table}数据的列名（应有如 {examples}）；"
              "请确认这是{table}文件，并且表头行还在"},
    "file.no_files": {"en": "no file given for {table}: choose at least one file",
                      "zh": "没有选择{table}文件：请至少选择一个文件"},
    "file.wrong_table": {
        "en": "{file} was read as {read_as}, not {table}: read it again for the right table",
        "zh": "{file} 是按{read_as}数据读取的，不是{table}数据：请按正确的数据表重新读取"},
    # integrity findings of a loaded warehouse (data.checks)
    "integrity.duplicate_key": {"en": "duplicate key ({keys})", "zh": "主键重复（{keys}）"},
    "integrity.duplicate_key.fix": {"en": "re-import the table; imports upsert by key",
                                    "zh": "重新导入该表；导入按主键覆盖更新"},
    "integrity.orphans": {"en": "{column} not in {table}", "zh": "{column}在{table}中不存在"},
    "integrity.orphans.fix": {"en": "load the missing {table} first, then re-import",
                              "zh": "请先导入缺少的{table}数据，再重新导入"},
    "integrity.ordered_le_demand": {"en": "qty_ordered > qty_demand", "zh": "订购量大于需求量"},
    "integrity.ordered_le_demand.fix": {"en": "re-import the order lines with ordered ≤ demand",
                                        "zh": "重新导入订单明细，保证订购量 ≤ 需求量"},
    "integrity.ordered_le_cap": {"en": "qty_ordered > qty_cap", "zh": "订购量大于限量"},
    "integrity.ordered_le_cap.fix": {"en": "re-import the order lines with ordered ≤ cap",
                                     "zh": "重新导入订单明细，保证订购量 ≤ 限量"},
    "integrity.period_end_ge_start": {"en": "period_end before period_start",
                                      "zh": "投放结束日期早于开始日期"},
    "integrity.period_end_ge_start.fix": {"en": "re-import the supply plan with a valid period",
                                          "zh": "重新导入货源投放计划，填写有效的投放期间"},
}

# Words that the schema only has in English. Importable tables as a data clerk names them.
TABLE_ZH = {
    "clients": "客户", "products": "卷烟", "managers": "客户经理", "orders": "订单",
    "inventory_snapshots": "库存采集", "price_snapshots": "零售价格采集",
    "manager_forecasts": "客户经理预测", "supply_plans": "货源投放计划",
    # the rest of the warehouse, as the Data page's status table shows it
    "users": "用户", "allocation_runs": "投放方案", "allocations": "投放明细",
    "allocation_grade_caps": "档位限量", "import_log": "导入记录", "warehouse_meta": "仓库信息",
    "truth_consumer_demand": "演示城市·真实需求", "truth_facts": "演示城市·预设事实",
    "agg_client_product_week": "客户×卷烟周汇总", "agg_client_product_month": "客户×卷烟月汇总",
}
# Column docs that appear in messages (the unit of a value out of range), keyed by the English
# doc of ``data.schema`` so that the schema stays the one place that defines columns; the tests
# check that every doc a message can show has its translation here.
DOC_ZH = {
    "一类 (1) … 五类 (5)": "一类（1）… 五类（5）",
    "元/条": "元/条",
    "元/条, guided retail price": "元/条，建议零售价",
    "元/条 observed": "元/条，实地采集的零售价",
    "条 the client asked for": "条，客户的要货量",
    "条 supplied": "条，实际供货量",
    "client size class 1..30, 30 highest": "客户档位 1–30，30 档最高",
}
_DELIMITER_ZH = {",": "逗号（,）", "\t": "制表符（Tab）", ";": "分号（;）"}
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Words:
    """A word or phrase with a text per language (a column's name, a table, a list of codes)."""

    en: str
    zh: str

    def render(self, lang: str) -> str:
        """The text in ``lang`` ('en' or 'zh')."""
        return self.zh if lang == "zh" else self.en


class Msg(str):
    """A catalog message: its English text as a ``str``, renderable in any of ``LANGUAGES``.

    Args:
        code: a key of ``CATALOG`` (an unknown code raises KeyError at once, not on display).
        **params: the template's placeholders; ``Msg``/``Words`` values are rendered in the
            message's language, anything else with ``str``.
    """

    code: str
    params: dict[str, object]

    def __new__(cls, code: str, **params: object) -> Msg:
        self = super().__new__(cls, _fill(CATALOG[code]["en"], params, "en"))
        self.code, self.params = code, params
        self._rendered: dict[str, str] = {}
        return self

    def render(self, lang: str) -> str:
        """The message in ``lang``; memoised, since one message often stands for many rows."""
        if lang == "en" or lang not in LANGUAGES:
            return str(self)
        if lang not in self._rendered:
            self._rendered[lang] = _fill(CATALOG[self.code][lang], self.params, lang)
        return self._rendered[lang]

    def __reduce__(self):
        # A str subclass would otherwise be rebuilt from its text alone (deepcopy, pickle).
        return _rebuild, (self.code, self.params)


def _rebuild(code: str, params: dict[str, object]) -> Msg:
    return Msg(code, **params)


class Joined(str):
    """Several messages in one cell (a rejected row's problems): English as text, any language by
    ``render``."""

    def __new__(cls, parts: list[object]) -> Joined:
        self = super().__new__(cls, "; ".join(render(p, "en") for p in parts))
        self.parts = list(parts)
        return self

    def render(self, lang: str) -> str:
        return ("；" if lang == "zh" else "; ").join(render(p, lang) for p in self.parts)

    def __reduce__(self):
        return Joined, (self.parts,)


def _fill(template: str, params: dict[str, object], lang: str) -> str:
    return template.format(**{k: render(v, lang) for k, v in params.items()})


def render(text: object, lang: str) -> str:
    """``text`` in ``lang`` if it is a ``Msg`` or ``Words``; any other text as it is."""
    if isinstance(text, (Msg, Words, Joined)):
        return text.render(lang)
    return "" if text is None else str(text)


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def message_series(values: object, n: int | None = None) -> pd.Series:
    """Messages as an object Series (see the module docstring); a scalar is repeated ``n`` times.

    Built from an object array so that pandas keeps each ``Msg`` as it is.
    """
    if isinstance(values, str) or values is None:
        arr = np.empty(n or 0, dtype=object)
        arr[:] = values
    else:
        arr = np.empty(len(values), dtype=object)  # filled by item: a list of str stays str
        arr[:] = list(values)
    return pd.Series(arr, dtype=object)


# ---------------------------------------------------------------- words from data.schema

def column_zh(col: Column) -> str:
    """A column as exports name it in Chinese: its first Chinese alias ('档位'), else its name."""
    return next((a for a in col.aliases if _CJK.search(a)), col.name)


def column_word(col: Column) -> Words:
    """A column: its canonical name in English, its Chinese header in Chinese."""
    return Words(col.name, column_zh(col))


def table_word(name: str) -> Words:
    """A table: its name in English, what a clerk calls it in Chinese."""
    return Words(name, TABLE_ZH.get(name, name))


def doc_word(col: Column) -> Words:
    """A column's doc (its unit and meaning), translated."""
    return Words(col.doc, DOC_ZH.get(col.doc, col.doc))


def delimiter_word(delimiter: str | None) -> Words:
    """A delimiter: its repr in English (as the CLI always showed it), its name in Chinese."""
    return Words(repr(delimiter), _DELIMITER_ZH.get(delimiter, repr(delimiter)))


def listing(items: Iterable[object], en: str = ", ", zh: str = "、") -> Words:
    """Items (words, messages or plain text) joined with each language's separator."""
    items = list(items)
    return Words(en.join(render(i, "en") for i in items), zh.join(render(i, "zh") for i in items))


def codes_word(col: Column) -> Words:
    """The allowed values of a coded column: 'grocery (食杂店); …' in English, '食杂店、…' in
    Chinese (the clerk writes the label, not the code)."""
    codes = (col.codes or {}).items()
    return Words("; ".join(f"{code} ({labels[0]})" if labels else code for code, labels in codes),
                 "、".join(labels[0] if labels else code for code, labels in codes))
