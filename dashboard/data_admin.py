"""The Data page's calls into the data layer, with every failure turned into a message."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from dashboard.i18n import language, t
from dashboard.state import settings
from data import store
from data.aggregates import rebuild
from data.checks import import_history, integrity, table_status
from data.importing import ImportFileError, ImportReport
from data.importing.messages import message_series, render, table_word
from data.loading import Validated, validate_files, write_validated
from data import schema
from data.warehouse import PRIVILEGED_ROLES, Warehouse


@dataclass
class Validation:
    """A validation to show: the result, or why the files could not be read at all."""

    table: str
    validated: Validated | None
    failure: str | None = None  # an importer ``Msg`` is kept as is, to render in any language

    @property
    def prepared(self):
        return self.validated.prepared

    @property
    def failure_text(self) -> str | None:
        """Why the files could not be read, in the session's language (it may change later)."""
        return None if self.failure is None else render(self.failure, language())


@dataclass
class Outcome:
    rows: int = 0
    version: int | None = None
    rejected: pd.DataFrame | None = None
    error: str | None = None


IMPORTABLE = schema.IMPORTABLE  # re-exported so pages need not reach into data/


def may_administer(role: str) -> bool:
    """Who may open the Data page (import, refresh): the one gate, used by router and page."""
    return role in PRIVILEGED_ROLES


def upload_limit_mb() -> int:
    return settings().max_upload_mb


def validate(db: Path, table: str, paths: list[Path], names: list[str]) -> Validation:
    try:
        return Validation(table, validate_files(db, table, paths, names))
    except ImportFileError as exc:
        return Validation(table, None, exc.message)
    except ValueError as exc:
        return Validation(table, None, str(exc))


def write(db: Path, validation: Validation, who: str) -> Outcome:
    prepared = validation.prepared
    try:
        version = write_validated(db, validation.validated, partial=True, who=who)
    except store.WarehouseBusy:
        return Outcome(error=t("data.busy"))
    except (store.NotAWarehouse, duckdb.Error, OSError, ValueError) as exc:
        return Outcome(error=t("common.error", msg=str(exc).splitlines()[0]))
    return Outcome(rows=len(prepared.good), version=version, rejected=rejected_frame(prepared.rejected))


def rejected_frame(rejected: pd.DataFrame) -> pd.DataFrame:
    """The rejected rows to download: the file's own columns as they were, then where and what
    was wrong in the session's language."""
    if rejected is None or rejected.empty:
        return rejected
    lang = language()
    frame = rejected.copy()
    for column in ("problem", "fix"):
        frame[column] = message_series([render(v, lang) for v in frame[column]])
    what = {c: t(f"col.{c}") for c in ("file", "row", "column", "value", "problem", "fix")}
    return frame.rename(columns={c: label for c, label in what.items() if c in frame.columns})


def issues_frame(report: ImportReport) -> pd.DataFrame:
    """Errors then warnings, with translated headers, severities, problems and fixes."""
    frame = report.to_frame(language())
    if frame.empty:
        return frame
    if "severity" in frame:
        frame["severity"] = frame["severity"].map(lambda v: t(f"severity.{v}"))
    names = {c: t(f"col.{c}") for c in ("file", "row", "column", "canonical", "value", "problem",
                                          "fix", "severity")}
    return frame.rename(columns=names)


def table_label(name: str) -> str:
    """A table as the user knows it: '订单 orders' in Chinese (the name the CLI takes), 'orders'."""
    label = table_word(name).render(language())
    return label if label == name else f"{label} {name}"


def status(wh: Warehouse) -> pd.DataFrame:
    frame = table_status(wh.cursor())
    frame["table"] = frame["table"].map(table_label)
    return frame


def findings(wh: Warehouse) -> pd.DataFrame:
    lang = language()
    return pd.DataFrame([{t("col.table"): table_label(f.table), t("col.problem"): f.rule.render(lang),
                          t("col.rows"): f.rows, t("col.fix"): f.fix.render(lang)}
                         for f in integrity(wh.cursor())])


def history(wh: Warehouse) -> pd.DataFrame:
    """The latest imports with translated headers and table names."""
    frame = import_history(wh.cursor())
    frame["table_name"] = frame["table_name"].map(table_label)
    return frame.rename(columns={"version": t("col.version"), "loaded_at": t("col.loaded_at"),
                                 "table_name": t("col.table"), "file_name": t("col.file"),
                                 "rows_loaded": t("col.rows_loaded"),
                                 "rows_rejected": t("col.rows_rejected"), "loaded_by": t("col.loaded_by")})


def refresh(db: Path, who: str) -> str | None:
    """Rebuild aggregates; the error message, or None on success."""
    try:
        rebuild(db, who)
    except store.WarehouseBusy:
        return t("data.busy")
    except (store.NotAWarehouse, duckdb.Error, OSError) as exc:
        return t("common.error", msg=str(exc).splitlines()[0])
    return None
