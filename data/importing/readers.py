"""File -> ``RawFile``: the rows of one file with their headers mapped to canonical columns.

The file type is told by its first bytes (a .csv that is really a workbook still loads), then by
its extension. Values stay raw (text for CSV/Excel, typed for Parquet); ``values`` parses them.
Blank rows are dropped; total rows (合计/总计/小计 with no key) are skipped with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from data.schema import IMPORTABLE, TABLES, Table

from .excel import read_sheet_table
from .headers import HeaderMatch, accepted_headers, find_header, missing_required
from .messages import Msg, column_word, delimiter_word, listing, table_word
from .report import ImportFileError, Issue
from .textfile import no_header_message, read_text_table

TEXT_EXTENSIONS = (".csv", ".tsv", ".txt")
EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
PARQUET_EXTENSIONS = (".parquet", ".pq")
TOTAL_WORDS = r"合计|总计|小计"


@dataclass
class RawFile:
    """One input file, read but not yet parsed.

    Attributes:
        name: the file name shown in messages (no directory).
        table: the table the file is meant for.
        kind: 'csv', 'xlsx' or 'parquet'.
        frame: one column per canonical column the file has (named canonically), raw values.
        rows: the spreadsheet row number of each row of ``frame`` (see ``report``).
        labels: canonical column -> the header as it appeared in the file.
        warnings: file-level warnings (ignored columns, skipped total rows...).
        errors: row-level problems found while reading (e.g. more values than headers).
        encoding, delimiter, sheet: how the file was read (None where not applicable).
        header_rows: the spreadsheet row(s) of the header.
    """

    name: str
    table: str
    kind: str
    frame: pd.DataFrame
    rows: np.ndarray
    labels: dict[str, str]
    warnings: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_rows: tuple[int, ...] = (1,)

    @property
    def rows_in_file(self) -> int:
        return len(self.frame)

    def describe(self) -> str:
        """One line on how the file was read, for the report."""
        parts = [f"{self.name}: {self.kind}"]
        if self.encoding:
            parts.append(f"encoding {self.encoding}")
        if self.delimiter:
            parts.append("delimiter " + {"\t": "tab", ",": "comma", ";": "semicolon"}.get(
                self.delimiter, repr(self.delimiter)))
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        first, last = self.header_rows[0], self.header_rows[-1]
        parts.append(f"header on row {first}" if first == last
                     else f"header on rows {first}–{last}")
        parts.append(f"{self.rows_in_file} data rows")
        return ", ".join(parts)


def table_of(name: str) -> Table:
    """The importable table called ``name``, or ImportFileError saying which ones exist."""
    if name not in IMPORTABLE:
        code = "file.not_importable" if name in TABLES else "file.not_a_table"
        raise ImportFileError(Msg(code, name=name, tables=listing(map(table_word, IMPORTABLE))))
    return TABLES[name]


def _kind(path: Path, head: bytes, name: str) -> str:
    """The reader for a file: by its first bytes, then by its extension."""
    ext = path.suffix.lower() or Path(name).suffix.lower()
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(Msg("file.xls", file=name))
    if head.startswith(b"%PDF"):
        raise ImportFileError(Msg("file.pdf", file=name))
    if ext == ".xls" and head.lstrip().lower().startswith((b"<", b"\xef\xbb\xbf<")):
        raise ImportFileError(Msg("file.html_xls", file=name))
    if ext in TEXT_EXTENSIONS:
        return "csv"
    if ext in EXCEL_EXTENSIONS + PARQUET_EXTENSIONS:
        raise ImportFileError(Msg("file.damaged", file=name, ext=ext))
    raise ImportFileError(Msg("file.unsupported", file=name, ext=ext or name))


def read_table_file(path: str | Path, table: str, display_name: str | None = None) -> RawFile:
    """Read a CSV/TSV/TXT, XLSX or Parquet file meant for ``table`` and find its header.

    Args:
        path: the file.
        table: an importable table name (``data.schema.IMPORTABLE``).
        display_name: the name the user knows the file by (an upload saved under a temporary
            name); used in messages instead of the path's name. Its extension is not used to
            tell the type: that comes from ``path``.

    Returns:
        The file's rows with canonical column names and raw values (see ``RawFile``).

    Raises:
        ImportFileError: unknown table, missing or unreadable file, unsupported type, empty file,
            no header, or a required column missing (the message names it and its aliases).
    """
    spec = table_of(table)
    path = Path(path)
    name = display_name or path.name
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        # The operating system's reason (e.g. 'Permission denied') stays as the OS says it.
        raise ImportFileError(Msg("file.cannot_open", file=name,
                                  reason=exc.strerror or exc)) from None
    if not head:
        raise ImportFileError(Msg("file.zero_bytes", file=name))
    kind = _kind(path, head, name)
    if kind == "parquet":
        return _finish(name, spec, kind, *_read_parquet(path, name, spec))
    if kind == "xlsx":
        sheet = read_sheet_table(path, name, spec)
        return _finish(name, spec, kind, sheet.header, sheet.data, sheet.first_row,
                       sheet.width, sheet=sheet.sheet, slack_is_error=False)
    text = read_text_table(path.read_bytes(), name, spec)
    return _finish(name, spec, kind, text.header, text.data, text.first_row, text.width,
                   encoding=text.encoding, delimiter=text.delimiter)


def _read_parquet(path: Path, name: str, spec: Table) -> tuple[HeaderMatch, pd.DataFrame, int, int]:
    import pyarrow.parquet as pq  # only Parquet imports pay for it

    try:
        arrow = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several unrelated types for damaged files
        raise ImportFileError(Msg("file.bad_parquet", file=name, reason=exc)) from None
    names = list(arrow.column_names)
    match = find_header([names], spec)
    if match is None:
        raise ImportFileError(no_header_message(name, spec))
    arrow = arrow.select([names[i] for i in match.columns])
    frame = arrow.to_pandas(date_as_object=False)
    frame.columns = list(match.columns)
    return match, frame, 2, len(names)


def _finish(name: str, spec: Table, kind: str, header: HeaderMatch, data: pd.DataFrame,
            first_row: int, width: int, encoding: str | None = None,
            delimiter: str | None = None, sheet: str | None = None,
            slack_is_error: bool = True) -> RawFile:
    missing = missing_required(header, spec)
    if missing:
        listed = listing((Msg("file.missing_column.item", column=column_word(spec.column(c)),
                              headers=accepted_headers(spec, c)) for c in missing), "; ", "；")
        code = "file.missing_columns" if len(missing) > 1 else "file.missing_column"
        raise ImportFileError(Msg(code, file=name, listed=listed))
    rows = first_row + np.arange(len(data))
    warnings: list[Issue] = []
    errors: list[Issue] = []
    if kind != "parquet":
        keep = (data != "").any(axis=1).to_numpy()  # blank rows are not data
        data, rows = data[keep], rows[keep]
        is_footer = _footers(data, header, spec)
        key_words = listing(column_word(spec.column(k)) for k in spec.key)
        for row, label in zip(rows[is_footer], _footer_labels(data[is_footer])):
            warnings.append(Issue(name, int(row), "", "", label, Msg("warn.total_row"),
                                  Msg("warn.total_row.fix", key=key_words)))
        data, rows = data[~is_footer], rows[~is_footer]
        if slack_is_error:
            errors += _stray_values(name, data, rows, width, delimiter)
    if data.empty:
        raise ImportFileError(Msg("file.no_data", file=name))
    frame = data[list(header.columns)].set_axis(list(header.columns.values()), axis=1)
    frame = frame.reset_index(drop=True)
    if header.ignored:
        code = "warn.ignored_columns" if len(header.ignored) > 1 else "warn.ignored_column"
        warnings.append(Issue(name, None, ", ".join(header.ignored), "", "",
                              Msg(code, table=table_word(spec.name)), Msg("warn.ignored.fix")))
    for text, canon, used in header.shadowed:
        warnings.append(Issue(name, None, text, canon, "",
                              Msg("warn.second_column", column=column_word(spec.column(canon)),
                                  used=used), Msg("warn.second_column.fix")))
    first_header = first_row - len(header.header_rows)
    return RawFile(name=name, table=spec.name, kind=kind, frame=frame, rows=rows,
                   labels=header.labels, warnings=warnings, errors=errors, encoding=encoding,
                   delimiter=delimiter, sheet=sheet,
                   header_rows=tuple(range(first_header, first_row)))


def _footers(data: pd.DataFrame, header: HeaderMatch, spec: Table) -> np.ndarray:
    """Rows whose key cells are empty (or hold the total label) and that contain 合计/总计/小计."""
    by_name = {canon: pos for pos, canon in header.columns.items()}
    keys = [by_name[k] for k in spec.key if k in by_name]
    candidate = np.ones(len(data), bool)
    for pos in keys:
        cell = data[pos].str.strip()
        candidate &= ((cell == "") | cell.str.contains(TOTAL_WORDS)).to_numpy()
    if not candidate.any():
        return candidate
    sub = data[candidate]
    has_word = np.zeros(len(sub), bool)
    for pos in sub.columns:
        has_word |= sub[pos].str.contains(TOTAL_WORDS).to_numpy()
    candidate[np.flatnonzero(candidate)[~has_word]] = False
    return candidate


def _footer_labels(data: pd.DataFrame) -> list[str]:
    return [next((c for c in row if c and any(w in c for w in TOTAL_WORDS.split("|"))), "")
            for row in data.itertuples(index=False)]


def _stray_values(name: str, data: pd.DataFrame, rows: np.ndarray, width: int,
                  delimiter: str | None) -> list[Issue]:
    """Rows with values beyond the last header column: a value with an unquoted delimiter."""
    slack = [c for c in data.columns if c >= width]
    if not slack:
        return []
    beyond = data[slack]
    bad = (beyond != "").any(axis=1).to_numpy()
    out = []
    for row, values in zip(rows[bad], beyond[bad].itertuples(index=False)):
        extra = next(v for v in values if v)
        out.append(Issue(name, int(row), "", "", extra,
                         Msg("row.stray_values", delimiter=delimiter_word(delimiter)),
                         Msg("row.stray_values.fix")))
    return out
