"""DuckDB <-> the Parquet warehouse (``data.layout``): the export Spark reads, and the way back
for the aggregates a Spark job built.

``export_warehouse`` writes every table of the layout from a DuckDB warehouse into a new folder
and renames it into place only when it is complete, so a failed or killed export never leaves a
folder that looks like a warehouse. ``load_aggregates`` puts the aggregates of a Parquet
warehouse (built by ``python -m data refresh --engine spark``) into a DuckDB warehouse, as one
safe write, so the dashboard reads what the cluster built.

File and folder names go to DuckDB as arguments of its Python API, never inside SQL text.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb

from data import layout, schema, store
from data.aggregates import outdated


class ExportError(ValueError):
    """A problem with the target folder or the source; the message says what to do."""


def export_warehouse(db: str | Path, target: str | Path, force: bool = False,
                     progress: Callable[[str], None] | None = None) -> dict:
    """Export the DuckDB warehouse ``db`` to the Parquet layout in folder ``target``.

    Args:
        db: the warehouse file (opened read-only; imports may go on meanwhile).
        target: the folder to create. It may exist only when empty, or, with ``force``, when it
            holds an earlier export (a ``manifest.json``), which is then replaced.
        force: replace an earlier export.
        progress: called with a line per table.

    Returns:
        The manifest written.

    Raises:
        store.WarehouseMissing, store.NotAWarehouse: ``db`` is not a warehouse.
        ExportError: the target is in the way or cannot be written.
    """
    target = Path(target)
    _check_target(target, force)
    con, _ = store.open_reader(db)
    tmp = target.parent / f".{target.name}.export-{uuid.uuid4().hex[:12]}"
    try:
        present = store.table_names(con)
        missing = [t for t in layout.REQUIRED if t not in present]
        if missing:
            raise ExportError(f"{db} lacks the table(s) {', '.join(missing)}")
        stale = outdated(con)
        if stale:
            raise ExportError(f"{db} has aggregates from an older version ({', '.join(stale)}): "
                              f"run `python -m data refresh --db {db}` once")
        tmp.mkdir(parents=True)
        # Bounded memory like a writer's, spilling into the working folder rather than beside
        # the warehouse file; the files need no particular row order, and keeping the order
        # costs memory per open partition.
        con.execute("SET memory_limit = ?", [store.WRITER_MEMORY])
        con.execute("SET temp_directory = ?", [str(tmp / ".spill")])
        con.execute("SET preserve_insertion_order = false")
        manifest = layout.new_manifest(store.read_meta(con).get("schema_version", schema.SCHEMA_VERSION),
                                       warehouse_version=store.read_version(con),
                                       exported_at=dt.datetime.now().isoformat(timespec="seconds"),
                                       source=str(Path(db).resolve()))
        for name in layout.TABLES:
            if name not in present:
                continue
            rows = _copy_table(con, name, tmp / name)
            layout.add_table(manifest, name, rows)
            if progress:
                progress(f"{name}: {rows:,} rows")
        shutil.rmtree(tmp / ".spill", ignore_errors=True)
        layout.write_manifest(tmp, manifest)  # last: only a complete folder has one
        _swap_in(tmp, target)
    except (OSError, duckdb.IOException) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
        raise ExportError(f"cannot write {target}: {reason}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        con.close()
    return manifest


def _check_target(target: Path, force: bool) -> None:
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()):
        if not force:
            raise ExportError(f"{target} is not empty: pass --force to replace an earlier export")
        if not (target / layout.MANIFEST).is_file():
            # --force deletes the folder: only ever one this command wrote
            raise ExportError(f"{target} is not empty and holds no earlier export "
                              f"({layout.MANIFEST}): choose a new or empty folder")


def _copy_table(con: duckdb.DuckDBPyConnection, name: str, folder: Path) -> int:
    """Write one table into ``folder`` (partitioned by month for facts); returns its rows."""
    columns = ", ".join(schema.declared(name).column_names)
    rows = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    date_column = layout.PARTITIONED.get(name)
    if date_column is None or rows == 0:
        # An empty fact table still needs a file: its columns are the table's schema.
        folder.mkdir()
        con.sql(f"SELECT {columns} FROM {name}").write_parquet(str(folder / "data.parquet"))
    else:
        con.sql(f"SELECT {columns}, strftime({date_column}, '%Y-%m') AS {layout.PARTITION} "
                f"FROM {name}").write_parquet(str(folder), partition_by=[layout.PARTITION])
    return rows


def _swap_in(tmp: Path, target: Path) -> None:
    """Rename the finished export into place; an earlier export is moved aside first and then
    deleted, so ``target`` is at every moment the old export, absent, or the new one."""
    if target.is_dir() and any(target.iterdir()):
        old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:12]}"
        target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        if target.is_dir():
            target.rmdir()
        tmp.rename(target)


def load_aggregates(db: str | Path, directory: str | Path, who: str = "cli") -> dict[str, int]:
    """Replace the aggregate tables of the DuckDB warehouse ``db`` by those of the Parquet
    warehouse ``directory`` (built there by the Spark refresh), as one safe write.

    The aggregates must have been built from the facts ``db`` holds: the manifest records the
    fact rows they were built from, and a different count in ``db`` refuses the load.

    Returns:
        Rows loaded per table.

    Raises:
        layout.LayoutError: no Parquet warehouse, or no aggregates in it.
        ExportError: the aggregates were built from other facts.
    """
    directory = Path(directory)
    manifest = layout.read_manifest(directory)
    built_from = manifest.get("aggregates_from")
    names = [t for t in layout.DERIVED if t in manifest["tables"]]
    if not built_from or not names:
        raise layout.LayoutError(f"{directory} holds no aggregates built by the Spark refresh: run "
                                 f"`python -m data refresh --engine spark --warehouse {directory}` first")
    loaded: dict[str, int] = {}
    with store.writing(db, action=f"refresh from {directory}", who=who, refresh=False) as con:
        for fact, rows in built_from.items():
            have = con.execute(f"SELECT count(*) FROM {fact}").fetchall()[0][0]
            if have != rows:
                raise ExportError(f"the aggregates in {directory} were built from {rows:,} rows of {fact}, "
                                  f"but {db} holds {have:,}: export the warehouse again and rebuild them")
        for name in names:
            table = schema.declared(name)
            con.execute(f"DROP TABLE IF EXISTS {name}")
            con.execute(table.ddl())
            rel = con.read_parquet(str(directory / name / "**" / "*.parquet"), hive_partitioning=True)
            rel.select(*table.column_names).insert_into(name)
            loaded[name] = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
            if loaded[name] != manifest["tables"][name]["rows"]:
                raise ExportError(f"{directory / name} holds {loaded[name]:,} rows, its manifest says "
                                  f"{manifest['tables'][name]['rows']:,}: rebuild the aggregates")
    return loaded
