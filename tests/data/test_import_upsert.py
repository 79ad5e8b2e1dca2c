"""upsert(): keys upsert, idempotent re-import, caller-owned transactions, no SQL from values."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.importing import prepare, read_table_file, upsert
from data.schema import TABLES

ORDER_HEADER = "订货日期,客户编码,卷烟代码,需求量,限量,订购量,金额\n"


def warehouse(path: Path | None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path) if path else ":memory:")
    for table in TABLES.values():
        con.execute(table.ddl())
    con.execute("INSERT INTO products (product_id, name, brand, price_class, wholesale_price, "
                "retail_price) VALUES ('P1', 'a', 'a', 1, 400.0, 450.0), "
                "('P2', 'b', 'b', 3, 20.5, 25.0)")
    con.execute("INSERT INTO clients (client_id, city, district, market_dept) VALUES "
                "('C1', '杭州', '西湖区', '一部'), ('C2', '杭州', '西湖区', '一部'), "
                "('C''3; DROP TABLE orders; --', '杭州', '西湖区', '一部')")
    return con


@pytest.fixture
def con(tmp_path):
    con = warehouse(tmp_path / "wh.duckdb")
    yield con
    con.close()


def load(con, path: Path, table: str) -> int:
    prepared = prepare(con, table, [read_table_file(path, table)])
    assert prepared.ok, prepared.report.to_text()
    con.execute("BEGIN")
    written = upsert(con, prepared, table)
    con.execute("COMMIT")
    return written


def contents(con, table: str) -> list[tuple]:
    cols = ", ".join(TABLES[table].column_names)
    return con.execute(f"SELECT {cols} FROM {table} ORDER BY ALL").fetchall()


def test_reimporting_the_same_file_is_idempotent(con, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(ORDER_HEADER + "2025-01-05,C1,P1,10,,5,\n2025-01-05,C2,P2,3,3,3,61.5\n",
                    encoding="gbk")
    assert load(con, path, "orders") == 2
    once = contents(con, "orders")
    assert load(con, path, "orders") == 2
    assert contents(con, "orders") == once
    assert once == [
        (pd.Timestamp("2025-01-05").date(), "C1", "P1", 10, None, 5, 2000.0),
        (pd.Timestamp("2025-01-05").date(), "C2", "P2", 3, 3, 3, 61.5),
    ]


def test_upsert_replaces_rows_with_the_same_key_and_keeps_the_others(con, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(ORDER_HEADER + "2025-01-05,C1,P1,10,,5,1\n2025-01-06,C1,P1,4,,4,1\n",
                     encoding="utf-8")
    second.write_text(ORDER_HEADER + "2025/1/5,C1,P1,12,,6,2\n", encoding="utf-8")
    load(con, first, "orders")
    load(con, second, "orders")
    assert [(r[1], r[3], r[5], r[6]) for r in contents(con, "orders")] == [
        ("C1", 12, 6, 2.0), ("C1", 4, 4, 1.0)]


def test_null_key_part_is_replaced_not_duplicated(con, tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("月份,客户编码,卷烟代码,预测量\n2025-01,C1,,100\n2025-01,C1,P1,30\n",
                    encoding="utf-8")
    load(con, path, "manager_forecasts")
    path.write_text("月份,客户编码,卷烟代码,预测量\n2025-01,C1,,120\n", encoding="utf-8")
    load(con, path, "manager_forecasts")
    assert [(r[2], r[3]) for r in contents(con, "manager_forecasts")] == [("P1", 30), (None, 120)]


def test_values_are_never_sql(con, tmp_path):
    path = tmp_path / "o.csv"
    path.write_text(ORDER_HEADER + "2025-01-05,\"C'3; DROP TABLE orders; --\",P1,1,,1,\n",
                    encoding="utf-8")
    assert load(con, path, "orders") == 1
    assert contents(con, "orders")[0][1] == "C'3; DROP TABLE orders; --"


def test_caller_owns_the_transaction(con, tmp_path):
    path = tmp_path / "o.csv"
    path.write_text(ORDER_HEADER + "2025-01-05,C1,P1,1,,1,\n", encoding="utf-8")
    prepared = prepare(con, "orders", [read_table_file(path, "orders")])
    con.execute("BEGIN")
    upsert(con, prepared, "orders")
    con.execute("ROLLBACK")
    assert contents(con, "orders") == []


def test_partly_bad_input_writes_only_the_good_rows(con, tmp_path):
    path = tmp_path / "o.csv"
    path.write_text(ORDER_HEADER + "2025-01-05,C1,P1,1,,1,\n2025-01-05,C9,P1,1,,1,\n",
                    encoding="utf-8")
    prepared = prepare(con, "orders", [read_table_file(path, "orders")])
    assert not prepared.ok
    assert upsert(con, prepared, "orders") == 1
    assert [r[1] for r in contents(con, "orders")] == ["C1"]


def test_frame_checks(con):
    with pytest.raises(ValueError, match="unknown columns \\['nope'\\]"):
        upsert(con, pd.DataFrame({"client_id": ["C1"], "nope": [1]}), "clients")
    with pytest.raises(ValueError, match="duplicate keys"):
        upsert(con, pd.DataFrame({"client_id": ["C1", "C1"]}), "clients")
    with pytest.raises(ValueError, match="prepared rows are for clients, not orders"):
        path = Path(tempfile.mkdtemp()) / "c.csv"
        path.write_text("客户编码,地市,区县,市场部\nC7,a,b,c\n", encoding="utf-8")
        upsert(con, prepare(con, "clients", [read_table_file(path, "clients")]), "orders")
    assert upsert(con, pd.DataFrame({"client_id": ["C5"], "city": ["a"]}), "clients") == 1
    assert con.execute("SELECT city, district FROM clients WHERE client_id = 'C5'").fetchall() == [
        ("a", None)]


order_rows = st.lists(
    st.tuples(st.dates(pd.Timestamp("2024-01-01").date(), pd.Timestamp("2025-12-31").date()),
              st.sampled_from(["C1", "C2"]), st.sampled_from(["P1", "P2"]),
              st.integers(0, 100_000), st.integers(0, 100_000),
              st.one_of(st.none(), st.floats(0, 1e7, allow_nan=False).map(lambda x: round(x, 2)))),
    min_size=1, max_size=30, unique_by=lambda r: r[:3])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=order_rows)
def test_importing_the_same_valid_file_twice_equals_importing_it_once(rows):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = tmp / "orders.csv"
        lines = [f"{d:%Y/%m/%d},{c},{p},{max(a, b)},,{min(a, b)},{'' if m is None else m}"
                 for d, c, p, a, b, m in rows]
        path.write_text(ORDER_HEADER + "\n".join(lines) + "\n", encoding="gbk")
        once, twice = warehouse(None), warehouse(None)
        try:
            load(once, path, "orders")
            load(twice, path, "orders")
            load(twice, path, "orders")
            assert contents(twice, "orders") == contents(once, "orders")
            assert len(contents(once, "orders")) == len(rows)
        finally:
            once.close()
            twice.close()


def test_clients_with_unknown_classifications_are_written_as_loaded(con, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text("客户编码,地市,区县,市场部,业态,档位,市场类型,开业日期\n"
                    "C7,杭州,西湖区,一部,便利店,九档,城网,2020年5月1日\nC8,杭州,西湖区,一部,,,,\n",
                    encoding="gbk")
    assert load(con, path, "clients") == 2
    rows = con.execute("SELECT client_id, business_format, grade, market_type, opened_on, lon "
                       "FROM clients WHERE client_id IN ('C7', 'C8') ORDER BY 1").fetchall()
    assert rows == [("C7", "convenience", 9, "urban", pd.Timestamp("2020-05-01").date(), None),
                    ("C8", "unknown", None, "unknown", None, None)]
