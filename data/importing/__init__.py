"""File import with validation: CSV/TSV/TXT (UTF-8, UTF-8-BOM, GBK/GB18030, UTF-16), XLSX, Parquet.

Usage (the caller owns the transaction and the files)::

    raws = [read_table_file(path, "orders") for path in paths]   # ImportFileError if unusable
    prepared = prepare(con, "orders", raws)                       # validates everything
    print(prepared.report.to_text())
    if prepared.ok:
        con.execute("BEGIN"); upsert(con, prepared, "orders"); con.execute("COMMIT")

Modules, one concern each: ``readers`` (file -> RawFile; ``textfile`` and ``excel`` for the two
text-like formats), ``headers`` (header row and aliases), ``values`` (parsing Chinese values),
``validate`` (pandera schemas and messages), ``warehouse`` (references and prices in DuckDB),
``prepare`` (the pipeline), ``report`` (issues), ``upsert`` (writing).
Everything about what is valid comes from ``data.schema``.
"""

from .prepare import Prepared, prepare
from .readers import RawFile, read_table_file
from .report import ImportError_, ImportFileError, ImportReport, Issue
from .upsert import upsert

__all__ = [
    "read_table_file", "prepare", "upsert", "RawFile", "Prepared", "ImportReport", "Issue",
    "ImportFileError", "ImportError_",
]
