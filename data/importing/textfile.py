"""Delimited text files (CSV/TSV/TXT): encoding, delimiter, header row, then the rows as text.

Chinese exports are very often GBK/GB18030, sometimes UTF-8 with a BOM, and "Unicode text" saves
from Excel are UTF-16 with tabs; all are detected. Every value is read as text so that nothing is
guessed here (leading zeros of codes survive); ``values`` parses them later.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from itertools import islice

import charset_normalizer
import pandas as pd

from data.schema import Table

from .headers import HEADER_SCAN_ROWS, HeaderMatch, find_header
from .messages import Msg, Words, column_zh, delimiter_word, listing, table_word
from .report import ImportFileError

DELIMITERS = (",", "\t", ";")
SLACK_COLUMNS = 8  # read a few columns beyond the header to catch rows with stray delimiters
_SAMPLE_CHARS = 256 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class TextTable:
    """A delimited file read as text.

    Attributes:
        header: the header found.
        data: one column per header position used (int labels), plus slack columns, all text.
        first_row: the spreadsheet row number of ``data``'s first row.
        width: number of header cells; positions >= width are slack (stray values).
        encoding, delimiter: how the file was read.
    """

    header: HeaderMatch
    data: pd.DataFrame
    first_row: int
    width: int
    encoding: str
    delimiter: str


def decode(raw: bytes, name: str) -> tuple[str, str]:
    """Decode file bytes: UTF-16 (BOM), then strict UTF-8 (BOM or not), GB18030, charset-normalizer.

    Returns:
        (text, a human name of the encoding used).

    Raises:
        ImportFileError: binary content or no encoding fits.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "UTF-16"
    if b"\x00" in raw[:65536]:
        raise ImportFileError(Msg("file.binary", file=name))
    attempts = (("utf-8-sig", "UTF-8 with BOM" if raw.startswith(codecs.BOM_UTF8) else "UTF-8"),
                ("gb18030", "GB18030/GBK"))
    for codec, label in attempts:
        try:
            text = raw.decode(codec)
            break
        except UnicodeDecodeError:
            continue
    else:
        best = charset_normalizer.from_bytes(raw).best()
        if best is None:
            raise ImportFileError(Msg("file.encoding", file=name))
        text, label = str(best), f"{best.encoding} (detected)"
    head = text[:20000]
    if head and len(_CONTROL.findall(head)) > 0.01 * len(head):
        raise ImportFileError(Msg("file.binary", file=name))
    return text, label


def _sample(text: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """The first records of the text and the physical line number where each one ends."""
    reader = csv.reader(io.StringIO(text[:_SAMPLE_CHARS]), delimiter=delimiter)
    rows, ends = [], []
    try:
        for row in islice(reader, HEADER_SCAN_ROWS + 2):
            rows.append(row)
            ends.append(reader.line_num)
    except csv.Error:
        pass  # a broken quote in the sample: judge this delimiter on what was read
    return rows, ends


def _sniffed(text: str) -> str:
    try:
        sample = text[:_SAMPLE_CHARS // 4]
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return ","


def read_text_table(raw: bytes, name: str, table: Table) -> TextTable:
    """Read a delimited text file for ``table``.

    The delimiter is the one (of comma, tab, semicolon) under which a header row names the most
    columns of the table; the csv sniffer breaks ties.

    Raises:
        ImportFileError: unreadable text, no header naming the table's columns, a row with far
            more values than the header (a broken file).
    """
    text, encoding = decode(raw, name)
    if not text.strip():
        raise ImportFileError(Msg("file.blank_text", file=name))
    best: tuple[int, int, str, HeaderMatch, list[list[str]], list[int]] | None = None
    sniffed = _sniffed(text)
    for delimiter in DELIMITERS:
        rows, ends = _sample(text, delimiter)
        match = find_header(rows, table)
        if match is None:
            continue
        rank = (match.score, delimiter == sniffed)
        if best is None or rank > best[:2]:
            best = (*rank, delimiter, match, rows, ends)
    if best is None:
        raise ImportFileError(no_header_message(name, table))
    _, _, delimiter, match, rows, ends = best
    last = match.header_rows[-1]
    width = max(len(rows[r]) for r in match.header_rows)
    data = _read_rows(text, name, delimiter, skip_lines=ends[last], width=width, match=match)
    return TextTable(match, data, first_row=last + 2, width=width, encoding=encoding,
                     delimiter=delimiter)


def _read_rows(text: str, name: str, delimiter: str, skip_lines: int, width: int,
               match: HeaderMatch) -> pd.DataFrame:
    # Only the mapped columns, the first two (where a 合计 label usually sits) and the slack
    # columns are kept: exports often carry dozens of columns the warehouse does not need.
    # (pandas' ``usecols`` cannot be combined with rows shorter than ``names``, so select after.)
    used = sorted({*match.columns, *range(min(2, width)), *range(width, width + SLACK_COLUMNS)})
    try:
        return pd.read_csv(
            io.StringIO(text), sep=delimiter, header=None, skiprows=skip_lines,
            names=list(range(width + SLACK_COLUMNS)), index_col=False,
            dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False,
            engine="c",
        )[used]
    except pd.errors.EmptyDataError:
        return pd.DataFrame({i: pd.Series([], dtype=str) for i in used})
    except pd.errors.ParserError as exc:
        found = re.search(r"line (\d+), saw (\d+)", str(exc))
        if found:
            raise ImportFileError(Msg("file.line_too_long", file=name, line=found[1],
                                      values=found[2], width=width,
                                      delimiter=delimiter_word(delimiter))) from None
        raise ImportFileError(Msg("file.bad_csv", file=name, reason=exc)) from None


def no_header_message(name: str, table: Table) -> Msg:
    """The message for a file none of whose first rows names a column of ``table``."""
    required = [c for c in table.columns if c.required]
    # A Chinese reader is shown the Chinese headers only: those are what their exports carry.
    examples = listing(Words(f"{c.name}/{c.aliases[0]}" if c.aliases else c.name,
                             column_zh(c)) for c in required)
    return Msg("file.no_header", file=name, rows=HEADER_SCAN_ROWS, table=table_word(table.name),
               examples=examples)
