"""Excel workbooks (.xlsx/.xlsm): pick the sheet, unmerge cells, find the header, rows as text.

Exports from the tobacco marketing systems put a title row above the header ("2025年10月客户信息表"),
group headers merged over several columns, and cells merged over two header rows. Merged cells are
filled with their value (what a user sees applies to every cell of the range), then ``headers``
finds the header row. Cells are turned into text the way Excel shows them, so that every format is
parsed by the same code in ``values``.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from data.schema import Table

from .headers import HeaderMatch, find_header
from .messages import Msg
from .report import ImportFileError
from .textfile import no_header_message

# Above this size merged cells are not filled: openpyxl then reads in streaming mode, which is
# far lighter on memory but does not expose merged ranges (headers are still found, since the
# two-row header detection does not need the merge).
FULL_LOAD_MAX_BYTES = 30 * 1024 * 1024


@dataclass
class SheetTable:
    """A worksheet read as text: like ``textfile.TextTable`` plus the sheet name."""

    header: HeaderMatch
    data: pd.DataFrame
    first_row: int
    width: int
    sheet: str


def cell_text(value: object) -> str:
    """A cell as text, as Excel shows it: 12.0 -> '12', a date -> '2025-01-05'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d" if value.time() == dt.time() else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _sheet_rows(ws, fill_merged: bool) -> list[list[str]]:
    rows = [[cell_text(v) for v in row]
            for row in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
    if fill_merged:
        for rng in ws.merged_cells.ranges:
            value = rows[rng.min_row - 1][rng.min_col - 1] if rng.min_row <= len(rows) else ""
            for r in range(rng.min_row - 1, min(rng.max_row, len(rows))):
                row = rows[r]
                row.extend([""] * (rng.max_col - len(row)))
                for c in range(rng.min_col - 1, rng.max_col):
                    row[c] = value
    return rows


def read_sheet_table(path: Path, name: str, table: Table) -> SheetTable:
    """Read the worksheet of ``path`` whose header names the most columns of ``table``.

    Raises:
        ImportFileError: not a readable workbook, or no sheet with a header for ``table``.
    """
    import openpyxl  # imported here: only Excel imports pay for it

    full = path.stat().st_size <= FULL_LOAD_MAX_BYTES
    try:
        wb = openpyxl.load_workbook(path, read_only=not full, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(Msg("file.bad_xlsx", file=name,
                                  reason=type(exc).__name__)) from None
    best: tuple[HeaderMatch, list[list[str]], str] | None = None
    try:
        for ws in wb.worksheets:
            rows = _sheet_rows(ws, fill_merged=full)
            match = find_header(rows, table)
            if match and (best is None or match.score > best[0].score):
                best = (match, rows, ws.title)
    finally:
        wb.close()
    if best is None:
        raise ImportFileError(no_header_message(name, table))
    match, rows, sheet = best
    last = match.header_rows[-1]
    width = max(len(rows[r]) for r in match.header_rows)
    body = rows[last + 1:]
    # Every row padded to the widest so that values beyond the header are seen (and reported).
    full_width = max([width, *map(len, body)])
    data = pd.DataFrame([row + [""] * (full_width - len(row)) for row in body],
                        columns=list(range(full_width)), dtype=str)
    if data.empty:
        data = pd.DataFrame({i: pd.Series([], dtype=str) for i in range(full_width)})
    return SheetTable(match, data, first_row=last + 2, width=width, sheet=sheet)
