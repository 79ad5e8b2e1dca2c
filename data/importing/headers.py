"""Header handling: find the header row of a file and map its headers to canonical columns.

Headers are matched against the canonical names and the ``aliases`` of ``data.schema`` after
normalisation (full-width -> half-width, case, spaces, underscores, a trailing unit like ``(条)`` or
``（元/条）`` and required-field asterisks are ignored). The header row is the row, within the first
``HEADER_SCAN_ROWS`` rows, that names the most columns of the table; two rows are combined when
that names more (a group header above, or a cell spanning both header rows).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from data.schema import TABLES, Table

HEADER_SCAN_ROWS = 10

_UNIT_SUFFIX = re.compile(r"[(\[【][^()\[\]【】]*[)\]】]$")
_SEPARATORS = re.compile(r"[\s_\-]+")


def normalise_header(text: object) -> str:
    """The comparable form of a header: '需求量（条）' -> '需求量', ' Client_ID ' -> 'clientid'."""
    s = unicodedata.normalize("NFKC", str(text)).casefold().strip(" \t\r\n*")
    s = _UNIT_SUFFIX.sub("", s).strip(" \t\r\n*")
    return _SEPARATORS.sub("", s)


@lru_cache(maxsize=None)
def alias_index(table_name: str) -> dict[str, tuple[str, int]]:
    """Normalised header -> (canonical column, priority).

    Priority 0 is the canonical name, then the aliases in the schema's order.
    """
    index: dict[str, tuple[str, int]] = {}
    for col in TABLES[table_name].columns:
        for prio, name in enumerate((col.name, *col.aliases)):
            index.setdefault(normalise_header(name), (col.name, prio))
    return index


def accepted_headers(table: Table, column: str) -> str:
    """The headers accepted for a column, for messages: 'client_id, 客户编码, 客户代码, …'."""
    col = table.column(column)
    return ", ".join((col.name, *col.aliases))


@dataclass
class HeaderMatch:
    """The header found in the first rows of a file.

    Attributes:
        header_rows: 0-based indices (in the scanned rows) of the header row(s); data starts after.
        columns: position in the row -> canonical column name.
        labels: canonical column name -> the header text as it appeared in the file.
        ignored: headers that name no column of the table (ignored with a warning).
        shadowed: (header, canonical, used header) for a second column naming the same thing.
    """

    header_rows: tuple[int, ...]
    columns: dict[int, str]
    labels: dict[str, str]
    ignored: list[str] = field(default_factory=list)
    shadowed: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def score(self) -> int:
        return len(self.labels)

    @property
    def width(self) -> int:
        return max(self.columns, default=-1) + 1


def _cell_text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _match_cells(cells: list[str],
                 index: dict[str, tuple[str, int]]) -> list[tuple[str, int] | None]:
    return [index.get(normalise_header(c)) if c else None for c in cells]


def _combine(top: list[str], bottom: list[str], index) -> tuple[list[str], list]:
    """Per column, the header of a two-row header: the lower cell, else the upper, else both."""
    width = max(len(top), len(bottom))
    top = top + [""] * (width - len(top))
    bottom = bottom + [""] * (width - len(bottom))
    texts, matches = [], []
    for a, b in zip(top, bottom):
        for text in (b, a, a + b):
            m = index.get(normalise_header(text)) if text else None
            if m:
                break
        texts.append(text if m else (b or a))
        matches.append(m)
    return texts, matches


def _build(rows: tuple[int, ...], texts: list[str], matches: list) -> HeaderMatch:
    best: dict[str, tuple[int, int]] = {}  # canonical -> (priority, position)
    for pos, m in enumerate(matches):
        if m and (m[0] not in best or m[1] < best[m[0]][0]):
            best[m[0]] = (m[1], pos)
    columns = {pos: canon for canon, (_, pos) in best.items()}
    labels = {canon: texts[pos] for pos, canon in columns.items()}
    ignored = [t for pos, t in enumerate(texts) if t and not matches[pos]]
    shadowed = [(texts[pos], m[0], labels[m[0]]) for pos, m in enumerate(matches)
                if m and pos not in columns]
    return HeaderMatch(rows, dict(sorted(columns.items())), labels, ignored, shadowed)


def find_header(rows: list[list[object]], table: Table) -> HeaderMatch | None:
    """Find the header among the first rows of a file.

    Args:
        rows: the first rows of the file (at least ``HEADER_SCAN_ROWS`` when the file has them),
            cells as read (None or text).
        table: the table the file is meant for.

    Returns:
        The best header (most canonical columns named; on a tie a single row before a pair, and
        the earlier row first), or None when no row names any column of the table.
    """
    index = alias_index(table.name)
    texts = [[_cell_text(v) for v in row] for row in rows[:HEADER_SCAN_ROWS]]
    best: HeaderMatch | None = None
    for r, cells in enumerate(texts):
        candidates = [_build((r,), cells, _match_cells(cells, index))]
        if r + 1 < len(texts):
            pair_texts, pair_matches = _combine(cells, texts[r + 1], index)
            pair = _build((r, r + 1), pair_texts, pair_matches)
            below = _build((r + 1,), texts[r + 1], _match_cells(texts[r + 1], index))
            # A pair must name more than either row alone, or a data row could be eaten.
            if pair.score > max(candidates[0].score, below.score):
                candidates.append(pair)
        for cand in candidates:
            if cand.score and (best is None or cand.score > best.score):
                best = cand
    return best


def missing_required(match: HeaderMatch, table: Table) -> list[str]:
    """Required columns of ``table`` that the header does not name."""
    return [c.name for c in table.columns if c.required and c.name not in match.labels]
