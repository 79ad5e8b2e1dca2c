"""``python -m analytics forecast|accuracy`` as a user runs them: the file is the library's table,
and bad input is refused in one line without a file."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics.forecast.pipeline import accuracy_table, forecast_table
from data.warehouse import Warehouse
from tests.analytics.cli_runner import run, run_here

READ = {".csv": pd.read_csv, ".parquet": pd.read_parquet, ".xlsx": pd.read_excel}


def library(demo_db, fn, *args, **kwargs) -> pd.DataFrame:
    wh = Warehouse.open(demo_db)
    try:
        b = wh.backend()
        return fn(b.table(f"agg_client_product_{args[2]}"), b.table("clients"), b.table("products"), *args,
                  **kwargs)
    finally:
        wh.close()


def same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want) > 0
    for column in want.columns:
        if pd.api.types.is_float_dtype(want[column]):
            pd.testing.assert_series_equal(got[column].astype(float), want[column], check_names=False, rtol=1e-7,
                                           atol=1e-6)
        elif "period" in column or column == "cutoff":
            assert pd.to_datetime(got[column]).dt.date.tolist() == want[column].tolist(), column
        else:
            assert got[column].astype(str).tolist() == want[column].astype(str).tolist(), column


def test_forecast_cli_writes_the_library_table(demo_db, tmp_path):
    out = tmp_path / "plan.csv"
    done = run("forecast", "--db", str(demo_db), "--level", "brand,district", "--freq", "month", "--horizon", "3",
               "--cutoff", "2025-09-30", "--windows", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    want = library(demo_db, forecast_table, "brand", "district", "month", 3, dt.date(2025, 9, 30), windows=2)
    got = pd.read_csv(out)
    same(got, want)
    assert got["period_start"].min() == "2025-10-01"
    assert got["model"].nunique() == 1  # the recommended model, named


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_forecast_cli_other_formats_and_models(demo_db, tmp_path, capsys, suffix):
    out = tmp_path / f"plan{suffix}"
    done = run_here(capsys, "forecast", "--db", str(demo_db), "--level", "price_class", "--freq", "week",
                    "--horizon", "2", "--model", "rule", "--windows", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    want = library(demo_db, forecast_table, "price_class", "city", "week", 2, model="rule", windows=1)
    same(READ[suffix](out), want)


def test_accuracy_cli_writes_the_library_table(demo_db, tmp_path, capsys):
    out = tmp_path / "accuracy.csv"
    done = run_here(capsys, "accuracy", "--db", str(demo_db), "--level", "brand,market_dept", "--freq", "month",
                    "--horizon", "2", "--model", "seasonal_naive", "--windows", "3", "--out", str(out))
    assert done.returncode == 0, done.stderr
    want = library(demo_db, accuracy_table, "brand", "market_dept", "month", 2, model="seasonal_naive", windows=3)
    assert list(want.columns) == ["model", "level_key", "rows", "series", "actual", "forecast", "wape", "bias",
                                  "mape", "mase", "within_10"]
    same(pd.read_csv(out), want)


@pytest.mark.parametrize("args,message", [
    (["--level", "sku"], "unknown product level 'sku'"),
    (["--level", "brand,province"], "unknown region level 'province'"),
    (["--freq", "day"], "invalid choice: 'day'"),
    (["--horizon", "0"], "'0' must be at least 1"),
    (["--horizon", "three"], "'three' is not a whole number"),
    (["--horizon", "30"], "horizon must be 1 to 24 months"),
    (["--model", "prophet"], "unknown model 'prophet'"),
    (["--cutoff", "2025-13-01"], "is not a date"),
    (["--cutoff", "2020-01-31"], "is before the first data (2023-01-01)"),
    (["--windows", "-1"], "'-1' must be at least 1"),
])
def test_bad_input_is_refused_in_one_line(demo_db, tmp_path, capsys, args, message):
    out = tmp_path / "never.csv"
    base = {"--level": "brand", "--freq": "month", "--horizon": "3"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    argv = ["forecast", "--db", str(demo_db), *[x for kv in base.items() for x in kv], "--out", str(out)]
    done = run_here(capsys, *argv)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert not out.exists()


def test_missing_arguments_and_files_are_one_line(demo_db, tmp_path, capsys):
    done = run_here(capsys, "accuracy", "--db", str(demo_db), "--level", "all", "--freq", "month",
                    "--out", str(tmp_path / "a.csv"))
    assert done.returncode == 2 and "--horizon" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    done = run_here(capsys, "forecast", "--db", str(tmp_path / "none.duckdb"), "--level", "all", "--freq", "month",
                    "--horizon", "1", "--out", str(tmp_path / "a.csv"))
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1
    done = run_here(capsys, "forecast", "--db", str(demo_db), "--level", "all", "--freq", "month", "--horizon", "1",
                    "--out", str(tmp_path / "a.txt"))
    assert done.returncode == 2 and "must end in" in done.stderr
