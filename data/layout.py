"""The Parquet warehouse: the folder layout Spark reads, and its manifest.

A Parquet warehouse is one folder holding one sub-folder per table and a ``manifest.json``:

    DIR/manifest.json
    DIR/clients/data.parquet                       dimension tables: one file each
    DIR/orders/month=2025-01/<any name>.parquet    fact tables and aggregates: hive-style
    DIR/orders/month=2025-02/...                   partitions by the month of their date column

Columns and types are those of ``data.schema`` (text, 64-bit integers, doubles, dates,
booleans); the ``month`` partition value (``YYYY-MM``) is not a column of the table. The manifest
is written last, so a folder without one is not (or not yet) a warehouse:

    {"layout": "jinye-parquet", "layout_version": 1, "schema_version": "1",
     "tables": {"orders": {"rows": 136035, "partition_by": "month", "date_column": "order_date"},
                "clients": {"rows": 60, "partition_by": null}, ...},
     "aggregates_from": {"orders": 136035, ...}}      -- fact rows the aggregates were built from

This module only describes the layout; ``data.export`` writes it from DuckDB and
``data.spark`` reads it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from data import schema
from data.aggregates import AGGREGATES, GROUP_AGGREGATES

LAYOUT = "jinye-parquet"
LAYOUT_VERSION = 1
MANIFEST = "manifest.json"
PARTITION = "month"  # the partition column: the month of the table's date column, 'YYYY-MM'

# Fact tables and aggregates, partitioned by the month of this column.
PARTITIONED: dict[str, str] = {
    "orders": "order_date",
    "inventory_snapshots": "snapshot_date",
    "price_snapshots": "snapshot_date",
    **{name: "period_start" for name in AGGREGATES.values()},
    **{name: "period_start" for name in GROUP_AGGREGATES.values()},
}
# Dimensions and small tables, one file each. Not exported: users (password hashes stay with the
# dashboard), the import log and saved allocation runs (the dashboard's audit trail) and the demo
# city's ground truth (truth_*).
SINGLE = ("clients", "products", "managers", "manager_forecasts", "supply_plans", "warehouse_meta")
FACTS = ("orders", "inventory_snapshots", "price_snapshots")
DERIVED = (*AGGREGATES.values(), *GROUP_AGGREGATES.values())
TABLES = (*SINGLE, *FACTS, *DERIVED)
# What the analytics need: a warehouse without one of these cannot be read.
REQUIRED = ("clients", "products", *FACTS)


class LayoutError(ValueError):
    """The folder is not a usable Parquet warehouse; the message says what to do."""


def read_manifest(directory: str | Path, require_aggregates: bool = False) -> dict:
    """The manifest of the Parquet warehouse in ``directory``.

    Raises:
        LayoutError: no such folder, no manifest (an unfinished export, or not a warehouse), a
            manifest of another layout or version, a required table missing, or (with
            ``require_aggregates``) no aggregates built yet.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise LayoutError(f"no Parquet warehouse at {directory}: export one with "
                          f"`python -m data export --db DB --to {directory}`")
    path = directory / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LayoutError(f"{directory} has no {MANIFEST}: not a Jinye Parquet warehouse, or an "
                          f"export that did not finish") from None
    except (OSError, ValueError) as exc:
        raise LayoutError(f"cannot read {path}: {exc}") from None
    if manifest.get("layout") != LAYOUT or manifest.get("layout_version") != LAYOUT_VERSION:
        raise LayoutError(f"{path} is not a {LAYOUT} manifest of version {LAYOUT_VERSION}")
    missing = [t for t in REQUIRED if t not in manifest.get("tables", {})]
    if missing:
        raise LayoutError(f"{directory} lacks the table(s) {', '.join(missing)}")
    if require_aggregates and AGGREGATES["month"] not in manifest["tables"]:
        raise LayoutError(f"{directory} has no aggregates: build them with "
                          f"`python -m data refresh --engine spark --warehouse {directory}`")
    return manifest


def new_manifest(schema_version: str = schema.SCHEMA_VERSION, **extra) -> dict:
    """An empty manifest: tables are added with ``add_table``."""
    return {"layout": LAYOUT, "layout_version": LAYOUT_VERSION, "schema_version": schema_version,
            **extra, "tables": {}}


def add_table(manifest: dict, name: str, rows: int) -> None:
    """Record table ``name`` with ``rows`` rows (and its partitioning) in ``manifest``."""
    entry: dict = {"rows": int(rows), "partition_by": PARTITION if name in PARTITIONED else None}
    if name in PARTITIONED:
        entry["date_column"] = PARTITIONED[name]
    manifest["tables"][name] = entry


def write_manifest(directory: str | Path, manifest: dict) -> None:
    """Write the manifest atomically (a reader sees the old one or the new one)."""
    path = Path(directory) / MANIFEST
    tmp = path.with_name(f".{MANIFEST}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
