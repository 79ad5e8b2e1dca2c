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
from data.importing.messages import render
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
    return Outcome(rows=len(prepared.good), version=version, rejected=prepared.rejected)


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


def status(wh: Warehouse) -> pd.DataFrame:
    return table_status(wh.cursor())


def findings(wh: Warehouse) -> pd.DataFrame:
    rows = integrity(wh.cursor())
    return pd.DataFrame([{t("col.table"): f.table, t("col.problem"): f.rule, t("col.rows"): f.rows,
                          t("col.fix"): f.fix} for f in rows])


def history(wh: Warehouse) -> pd.DataFrame:
    return import_history(wh.cursor())


def refresh(db: Path, who: str) -> str | None:
    """Rebuild aggregates; the error message, or None on success."""
    try:
        rebuild(db, who)
    except store.WarehouseBusy:
        return t("data.busy")
    except (store.NotAWarehouse, duckdb.Error, OSError) as exc:
        return t("common.error", msg=str(exc).splitlines()[0])
    return None
