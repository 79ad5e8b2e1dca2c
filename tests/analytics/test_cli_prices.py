"""``python -m analytics prices``: the file it writes is ``price_table`` itself, and bad input stops
it with one line and no file."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

from analytics.prices import CONTRACT, price_table
from analytics.scope import Window
from data.warehouse import Warehouse
from tests.analytics import cli_runner


def run(*args: str) -> subprocess.CompletedProcess:
    return cli_runner.run("prices", *args)


def test_csv_equals_price_table(demo_db, demo_sql, tmp_path):
    out = tmp_path / "prices.csv"
    done = run("--db", str(demo_db), "--period", "month", "--by", "district", "--level", "brand",
               "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout

    # the command's default window: the months of the monthly aggregates
    first, last = demo_sql.execute(
        "SELECT min(period_start), max(period_start) FROM agg_client_product_month").fetchone()
    window = Window.snapped(first, (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date(), "month")
    wh = Warehouse.open(demo_db)
    try:
        b = wh.backend()
        expected = price_table(b.table("price_snapshots"), b.table("clients"), b.table("products"),
                               b.table("agg_client_product_month"), window, ["district"], "brand")
    finally:
        wh.close()

    text = {"period_start": str, "district": str, "level_key": str, "level_name": str,
            "weight_basis": str}
    got = pd.read_csv(out, encoding="utf-8-sig", dtype=text, keep_default_na=False,
                      na_values={c: [""] for c in expected.columns if c not in text})
    assert list(got.columns) == list(expected.columns)
    assert list(got.columns[:3 + len(CONTRACT)]) == ["period_start", "district", "level_key", *CONTRACT]
    assert len(got) == len(expected) > 0
    assert list(got["period_start"]) == [d.isoformat() for d in expected["period_start"]]
    for column in ("district", "level_key", "level_name"):
        assert list(got[column]) == list(expected[column]), column
    assert list(got["weight_basis"]) == list(expected["weight_basis"].fillna(""))
    for column in expected.columns:
        if column not in text:
            np.testing.assert_allclose(got[column].to_numpy(float), expected[column].to_numpy(float),
                                       rtol=0, atol=1e-9, equal_nan=True, err_msg=column)


@pytest.mark.parametrize("args, reason", [
    (["--by", "district,planet"], "unknown dimension 'planet'"),
    (["--from", "2025-13-01"], "is not a date"),
    (["--out-ext", ".txt"], "the output must end in"),
    (["--level", "flavour"], "invalid choice"),
    (["--missing-db"], "no warehouse at"),
])
def test_bad_input_exits_non_zero_with_one_line_and_writes_nothing(demo_db, tmp_path, args, reason):
    out = tmp_path / "prices.csv"
    db = str(demo_db)
    if args == ["--out-ext", ".txt"]:
        out, args = tmp_path / "prices.txt", []
    elif args == ["--missing-db"]:
        db, args = str(tmp_path / "nowhere.duckdb"), []
    done = run("--db", db, *args, "--out", str(out))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    # argparse prints its usage line first; the reason is the one line that follows it
    lines = [line for line in done.stderr.splitlines() if not line.startswith(("usage:", " "))]
    assert len(lines) == 1 and reason in lines[0], done.stderr
    assert not out.exists()
    assert not (tmp_path / "nowhere.duckdb").exists()
