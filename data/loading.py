"""Load files into the warehouse: validate everything, then write all of it at once or nothing.

Two steps, so the dashboard can show the validation report before the user decides to load:
``validate_files`` (reads nothing but the files and the live warehouse) and ``write_validated``
(one atomic write). ``load_files`` does both, for the command line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from data import schema, store
from data.aggregates import SOURCES, refresh_groups
from data.importing import ImportReport, Prepared, prepare, read_table_file, upsert


@dataclass
class Validated:
    """Files read and checked, ready to write.

    Attributes:
        table: the target table.
        prepared: good rows, rejected rows and the report.
        file_names: the names the user knows the files by.
        file_hashes: SHA-256 of each file, kept in the import log.
    """

    table: str
    prepared: Prepared
    file_names: list[str]
    file_hashes: list[str]

    @property
    def report(self) -> ImportReport:
        return self.prepared.report


@dataclass
class LoadResult:
    """What a load did.

    Attributes:
        table: the table loaded.
        report: the validation report (errors and warnings).
        rows_loaded: rows written (0 when refused).
        rows_rejected: bad rows.
        version: the warehouse version after the load (None when nothing was written).
        reject_file: where rejected rows went, if anywhere.
    """

    table: str
    report: ImportReport
    rows_loaded: int
    rows_rejected: int
    version: int | None
    reject_file: Path | None = None

    @property
    def written(self) -> bool:
        return self.version is not None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_frame(frame, path: Path) -> None:
    """Write a table by the file's extension: .xlsx, .parquet, else CSV (UTF-8 with BOM so Excel
    reads it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        frame.to_excel(path, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, encoding="utf-8-sig")


def validate_files(db: str | Path, table: str, files: list[str | Path],
                   display_names: list[str] | None = None) -> Validated:
    """Read and validate ``files`` as rows of ``table`` against the live warehouse.

    Raises:
        ValueError: unknown table.
        data.importing.ImportFileError: a file cannot be read at all.
    """
    if table not in schema.IMPORTABLE:
        raise ValueError(f"unknown table {table!r}: choose one of {', '.join(schema.IMPORTABLE)}")
    paths = [Path(f) for f in files]
    names = display_names or [p.name for p in paths]
    raws = [read_table_file(p, table, display_name=name) for p, name in zip(paths, names)]
    reader = _validation_connection(Path(db))
    try:
        prepared = prepare(reader, table, raws)
    finally:
        reader.close()
    return Validated(table, prepared, names, [_sha256(p) for p in paths])


def write_validated(db: str | Path, validated: Validated, *, partial: bool = False,
                    who: str = "cli") -> int | None:
    """Write the good rows of a validation in one atomic write.

    Args:
        db: the warehouse file (created when missing).
        validated: the result of ``validate_files``.
        partial: write the good rows even though some rows were rejected.
        who: recorded in the import log.

    Returns:
        The new warehouse version, or None when refused (errors and not ``partial``).
    """
    prepared = validated.prepared
    if not prepared.ok and not partial:
        return None
    db = Path(db)
    refresh = _refresh_from(validated.table, prepared.good)
    with store.writing(db, action=f"load {validated.table}", who=who, fresh="if_missing",
                       refresh=refresh) as con:
        loaded = upsert(con, prepared, validated.table)
        if validated.table == "products":  # a product may have moved brand or price class
            refresh_groups(con)
        version = store.read_version(con) + 1
        now = dt.datetime.now()
        for name, digest in zip(validated.file_names, validated.file_hashes):
            con.execute("INSERT INTO import_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [version, now, validated.table, name, digest, prepared.report.rows_in_file,
                         loaded, len(prepared.rejected), who])
    return version


def load_files(db: str | Path, table: str, files: list[str | Path], *,
               reject_file: str | Path | None = None, who: str = "cli") -> LoadResult:
    """Validate ``files`` and load them in one atomic write (the command line's ``load``).

    With ``reject_file``, good rows load even if some rows are bad, and every bad row is
    written there with its problem; without it, any error refuses the whole load.
    """
    validated = validate_files(db, table, files)
    prepared = validated.prepared
    rejected = len(prepared.rejected)
    reject_path = Path(reject_file) if reject_file else None
    if reject_path is not None and rejected:
        write_frame(prepared.rejected, reject_path)
    version = write_validated(db, validated, partial=reject_path is not None, who=who)
    loaded = len(prepared.good) if version is not None else 0
    return LoadResult(table, prepared.report, loaded, rejected, version,
                      reject_path if rejected and reject_path else None)


def _refresh_from(table: str, good) -> bool | dt.date:
    """Which aggregate periods an import touches: from its earliest fact date on, or none for
    tables the aggregates do not read."""
    column = SOURCES.get(table)
    if column is None or good.empty:
        return False
    first = good[column].min()
    return pd.Timestamp(first).date() if pd.notna(first) else False


def _validation_connection(db: Path) -> duckdb.DuckDBPyConnection:
    """A read-only view of the live warehouse for reference checks (an empty one if none yet)."""
    if db.exists():
        con, _ = store.open_reader(db)
        return con
    con = duckdb.connect(":memory:")
    store.create_tables(con)
    return con
