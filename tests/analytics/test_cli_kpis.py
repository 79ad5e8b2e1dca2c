"""``python -m analytics kpis`` run as a user runs it: the file it writes is the library's table,
column for column, and bad input is refused with one line and no file."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest


from analytics.kpis import kpi_table
from analytics.scope import Window
from data.warehouse import Warehouse
from tests.analytics.cli_runner import run, run_here

CONTRACT = ["period_start", "district", "business_format", "level_key", "active_clients",
            "buying_clients", "coverage_rate", "observed_clients", "shelf_clients", "shelf_rate",
            "carrying_clients", "selling_clients", "sell_through_rate", "stockout_clients",
            "stockout_rate", "qty_ordered", "qty_demand", "amount", "fill_rate", "qty_ordered_base",
            "growth_rate"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_cli_writes_the_library_table(demo_db, tmp_path, capsys, suffix):
    out = tmp_path / f"kpis{suffix}"
    # CSV through a real process; the other formats differ only in the writer
    done = (run if suffix == ".csv" else lambda *a: run_here(capsys, *a))("kpis", "--db", str(demo_db), "--period", "month", "--by", "district,business_format",
               "--level", "brand", "--from", "2025-01-01", "--to", "2025-06-30", "--growth", "yoy",
               "--out", str(out))
    assert done.returncode == 0, done.stderr
    got = {".csv": pd.read_csv, ".parquet": pd.read_parquet, ".xlsx": pd.read_excel}[suffix](out)
    wh = Warehouse.open(demo_db)
    try:
        b = wh.backend()
        want = kpi_table(b.table("agg_client_product_month"), b.table("clients"), b.table("products"),
                         Window.snapped(dt.date(2025, 1, 1), dt.date(2025, 6, 30), "month"),
                         ["district", "business_format"], "brand")
    finally:
        wh.close()
    # the contract's columns, in its order, first (04-kpis.md)
    assert [c for c in got.columns if c in CONTRACT] == CONTRACT
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want) > 100
    got["period_start"] = pd.to_datetime(got["period_start"]).dt.date
    for column in want.columns:
        if pd.api.types.is_float_dtype(want[column]):
            pd.testing.assert_series_equal(got[column].astype(float), want[column], check_names=False,
                                           rtol=1e-9, atol=1e-9)
        elif column in ("level_key", "level_name"):
            assert got[column].astype(str).tolist() == want[column].astype(str).tolist(), column
        else:
            assert got[column].tolist() == want[column].tolist(), column


def test_whole_city_default_period_and_growth(demo_db, tmp_path, capsys):
    out = tmp_path / "city.csv"
    done = run_here(capsys, "kpis", "--db", str(demo_db), "--by", "", "--level", "all", "--from", "2025-03-10",
               "--to", "2025-05-02", "--out", str(out))
    assert done.returncode == 0, done.stderr
    got = pd.read_csv(out)
    # dates snapped to whole months, one row per month for the whole city
    assert got["period_start"].tolist() == ["2025-03-01", "2025-04-01", "2025-05-01"]
    assert got["level_key"].tolist() == ["all"] * 3


@pytest.mark.parametrize("args, message", [
    (["--by", "city_block"], "unknown dimension"),
    (["--level", "sku"], "invalid choice"),
    (["--period", "fortnight"], "invalid choice"),
    (["--from", "2025-13-01"], "is not a date"),
    (["--from", "2025-06-01", "--to", "2025-01-01"], "is after"),
    (["--growth", "wow"], "invalid choice"),
])
def test_bad_arguments_are_refused_with_one_line(demo_db, tmp_path, capsys, args, message):
    out = tmp_path / "never.csv"
    done = run_here(capsys, "kpis", "--db", str(demo_db), *args, "--out", str(out))
    assert done.returncode != 0
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr  # one line, no usage dump
    assert not out.exists()


def test_bad_output_and_missing_warehouse(tmp_path, capsys):
    done = run("kpis", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "k.csv"))
    assert done.returncode == 1 and "no warehouse" in done.stderr
    assert done.stderr.strip().count("\n") == 0
    done = run_here(capsys, "kpis", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "k.txt"))
    assert done.returncode != 0 and ".csv, .parquet, .xlsx" in done.stderr


def test_help_lists_every_command(capsys):
    # every subcommand's one-line help is shown (a stray % in one once broke the whole listing)
    done = run_here(capsys, "--help")
    assert done.returncode == 0, done.stderr
    for name in ("kpis", "prices", "warnings", "forecast", "accuracy", "allocate"):
        assert f"    {name} " in done.stdout
    assert "80 % and 95 %" in done.stdout
