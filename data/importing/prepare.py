"""``prepare``: validate the whole input of one import before anything is written.

Steps: combine the files -> parse every column (``values``) -> classification columns that are
empty load as ``unknown`` (warning) -> fill an order's missing amount from the warehouse price
(warning) -> pandera column checks and row checks (``validate``) -> references against the
warehouse (``warehouse``) -> split into good rows and rejected rows, with the report.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from data.schema import UNKNOWN, Column, Table

from . import validate, warehouse
from .readers import RawFile, table_of
from .messages import Joined, Msg, Words, column_word, listing, message_series, table_word
from .report import ImportFileError, ImportReport, Issue, issues_from_frame
from .values import DTYPES, Parsed, as_text, fix_for, parse_column

MAX_ROWS_LISTED = 20  # in a warning covering many rows; all of them are in ``Issue.rows``


@dataclass
class Prepared:
    """A validated import, ready for ``upsert``.

    Attributes:
        table: the table name.
        good: the rows that passed every check: exactly the schema's columns in schema order,
            typed (str / Int64 / Float64 / datetime64), canonical codes, ``unknown`` for empty
            classifications.
        rejected: every row with an error, as it was in the file (canonical column names, text
            values), plus ``file, row, column, value, problem, fix`` (several issues of one row
            are joined with '; ').
        report: errors, warnings and counts.
    """

    table: str
    good: pd.DataFrame
    rejected: pd.DataFrame
    report: ImportReport

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return self.report.ok


class _Input:
    """The files of one call combined: raw values plus where each row came from."""

    def __init__(self, raws: list[RawFile]):
        self.raws = raws
        self.raw = pd.concat([r.frame for r in raws], ignore_index=True)
        self.file_idx = np.repeat(np.arange(len(raws)), [len(r.frame) for r in raws])
        self.rows = np.concatenate([r.rows for r in raws]).astype(np.int64)
        self.names = np.array([r.name for r in raws], dtype=object)

    def __len__(self) -> int:
        return len(self.raw)

    def where(self, pos: np.ndarray) -> list[Msg]:
        """Positions in words: 'row 5', or 'b.csv row 5' when several files are imported."""
        if len(self.raws) == 1:
            return [Msg("where.row", row=r) for r in self.rows[pos]]
        return [Msg("where.file_row", file=f, row=r)
                for f, r in zip(self.names[self.file_idx[pos]], self.rows[pos])]

    def header(self, canonical: str, files: np.ndarray) -> np.ndarray:
        """The header each file used for a canonical column (or 'a, b' for several columns)."""
        parts = canonical.split(", ")
        per_file = np.array([", ".join(r.labels.get(p, "") if len(parts) == 1 else
                                       r.labels.get(p, p) for p in parts) for r in self.raws],
                            dtype=object)
        return per_file[files]

    def rows_warning(self, mask: np.ndarray, col: Column, problem: Msg, fix: Msg) -> list[Issue]:
        """One warning per file listing the rows of ``mask``."""
        out = []
        for i, raw in enumerate(self.raws):
            rows = self.rows[mask & (self.file_idx == i)]
            if not len(rows):
                continue
            listed: Words | Msg = listing(rows[:MAX_ROWS_LISTED].tolist())
            if len(rows) > MAX_ROWS_LISTED:
                listed = Msg("rows.more", listed=listed, n=len(rows))
            label = raw.labels.get(col.name, "")
            if label:
                text = Msg("rows.many" if len(rows) > 1 else "rows.one", problem=problem,
                           rows=listed)
            else:  # the column is absent: listing every row would say nothing more
                text = Msg("rows.no_column", column=column_word(col), problem=problem,
                           n=len(rows))
            out.append(Issue(raw.name, None, label, col.name, "", text, fix,
                             rows=tuple(int(r) for r in rows)))
        return out

    def to_issues(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Complete an internal issue frame with file, row, column header and displayed value."""
        frame = frame.reset_index(drop=True)
        pos = frame["pos"].to_numpy(np.int64)
        files = self.file_idx[pos]
        out = pd.DataFrame({"pos": pos, "file": self.names[files], "row": self.rows[pos]})
        out["column"] = ""
        out["canonical"] = frame["canonical"].to_numpy()
        out["value"] = frame["value"].to_numpy(object)
        for canonical, idx in out.groupby("canonical", sort=False).indices.items():
            out.loc[idx, "column"] = self.header(canonical, files[idx])
            blank = idx[pd.isna(out["value"].to_numpy()[idx])]
            if len(blank) and canonical in self.raw.columns:
                cells = self.raw[canonical].iloc[pos[blank]].reset_index(drop=True)
                out.loc[blank, "value"] = as_text(cells).to_numpy()
        out["value"] = out["value"].fillna("")
        out["problem"] = message_series(frame["problem"].to_numpy(object))
        out["fix"] = message_series(frame["fix"].to_numpy(object))
        return out

    def reader_errors(self) -> pd.DataFrame:
        """The row errors found while reading the files, as an internal issue frame."""
        offsets = np.cumsum([0] + [len(r.frame) for r in self.raws])
        pos, issues = [], []
        for offset, raw in zip(offsets, self.raws):
            for issue in raw.errors:
                pos.append(offset + int(np.searchsorted(raw.rows, issue.row)))
                issues.append(issue)
        return validate.issue_frame(pos, [i.canonical for i in issues],
                                    [i.problem for i in issues], [i.fix for i in issues],
                                    [i.value for i in issues])


_UNKNOWN = Words(UNKNOWN, "未知")  # what an empty classification loads as, in words


def _empty_parsed(col: Column, n: int) -> Parsed:
    return Parsed(values=pd.Series([None] * n, dtype=DTYPES[col.dtype]), empty=np.ones(n, bool),
                  problem=np.full(n, None, dtype=object), note=np.zeros(n, bool))


_NOTES = {"month": "note.month_snapped", "order_cycle": "note.cycle_kept"}  # catalog codes


def _parse(spec: Table, inp: _Input):
    """Parse every column; returns (typed frame, unreadable masks, issue frames, warnings)."""
    n = len(inp)
    typed, unreadable, frames, warnings = {}, {}, [], []
    for col in spec.columns:
        parsed = (parse_column(col, inp.raw[col.name]) if col.name in inp.raw.columns
                  else _empty_parsed(col, n))
        bad = pd.notna(parsed.problem)
        unreadable[col.name] = bad
        if bad.any():
            frames.append(validate.issue_frame(np.flatnonzero(bad), col.name,
                                               parsed.problem[bad], fix_for(col)))
        values = parsed.values
        if col.unknown_if_empty and parsed.empty.any():
            if col.dtype == "text":
                values = values.mask(parsed.empty, UNKNOWN)
            word = column_word(col)
            warnings += inp.rows_warning(
                parsed.empty, col, Msg("empty.unknown", column=word, unknown=_UNKNOWN),
                Msg("empty.unknown.fix", column=word, fix=fix_for(col)))
        if parsed.note.any() and col.name in _NOTES:
            code = _NOTES[col.name]
            warnings += inp.rows_warning(parsed.note, col, Msg(code), Msg(f"{code}.fix"))
        typed[col.name] = values.reset_index(drop=True)
    return pd.DataFrame(typed), unreadable, frames, warnings


def _fill_amount(con, typed: pd.DataFrame, invalid, inp: _Input, spec: Table) -> list[Issue]:
    """03-data-model: an order's amount, when absent, is qty_ordered × products.wholesale_price.

    Only for rows whose qty_ordered passed its checks, so a computed amount is never wrong for
    a reason already reported (and, from a valid quantity and price, always within bounds).
    """
    need = (typed["amount"].isna().to_numpy() & ~invalid["amount"] & ~invalid["qty_ordered"]
            & typed["qty_ordered"].notna().to_numpy())
    if not need.any():
        return []
    price = warehouse.wholesale_prices(con, typed.loc[need, "product_id"])
    typed.loc[need, "amount"] = typed.loc[need, "qty_ordered"].astype("Float64") * price
    done = need & typed["amount"].notna().to_numpy()
    col = spec.column("amount")
    return (inp.rows_warning(done, col, Msg("amount.computed"), Msg("amount.computed.fix"))
            + inp.rows_warning(need & ~done, col, Msg("amount.no_price"),
                               Msg("amount.no_price.fix")))


def prepare(con: duckdb.DuckDBPyConnection, table: str, raws: list[RawFile]) -> Prepared:
    """Validate the input of one import (one or more files of ``table``) as a whole.

    Nothing is written. Every row is checked: values readable, required values present, ranges,
    duplicate keys across all the files, ``extra_checks`` (ordered ≤ demand ...), references to
    the warehouse (clients/products must be loaded first).

    Args:
        con: the warehouse (read only here: references and prices).
        table: an importable table name.
        raws: files read by ``read_table_file`` for this table.

    Returns:
        ``Prepared`` with the good rows, the rejected rows and the report (``ok`` = no errors).

    Raises:
        ImportFileError: unknown table, no file, or a file read for another table.
    """
    spec = table_of(table)
    raws = list(raws)
    if not raws:
        raise ImportFileError(Msg("file.no_files", table=table_word(table)))
    for raw in raws:
        if raw.table != spec.name:
            raise ImportFileError(Msg("file.wrong_table", file=raw.name,
                                      read_as=table_word(raw.table), table=table_word(spec.name)))
    inp = _Input(raws)
    typed, unreadable, frames, warnings = _parse(spec, inp)
    warnings = [w for r in raws for w in r.warnings] + warnings
    frames.append(inp.reader_errors())
    column_issues = validate.column_issues(spec, typed, unreadable)
    frames.append(column_issues)
    invalid = {c: m.copy() for c, m in unreadable.items()}  # unreadable or out of bounds
    for name, pos in column_issues.groupby("canonical").indices.items():
        invalid[name][column_issues["pos"].to_numpy(np.int64)[pos]] = True
    if spec.name == "orders":
        warnings += _fill_amount(con, typed, invalid, inp, spec)
    key_ok = np.ones(len(inp), bool)
    for name in spec.key:
        key_ok &= ~unreadable[name]
        if spec.column(name).required:
            key_ok &= typed[name].notna().to_numpy()
    frames.append(validate.row_issues(spec, typed, key_ok, invalid, inp.where))
    good = np.ones(len(inp), bool)
    for f in frames:
        good[f["pos"].to_numpy(np.int64)] = False
    frames.append(warehouse.reference_issues(
        con, spec, typed, {c: ~m for c, m in unreadable.items()}, good))
    issues = inp.to_issues(pd.concat([f for f in frames if len(f)] or frames[:1],
                                     ignore_index=True))
    order = {c: i for i, c in enumerate(spec.column_names)}
    issues = (issues.assign(_c=issues["canonical"].map(order).fillna(-1))
              .sort_values(["pos", "_c"], kind="stable").drop(columns="_c"))
    bad = np.zeros(len(inp), bool)
    bad[issues["pos"].to_numpy(np.int64)] = True
    report = ImportReport(errors=issues_from_frame(issues),
                          warnings=warnings, rows_in_file=len(inp), rows_ok=int((~bad).sum()),
                          info=[r.describe() for r in raws])
    return Prepared(table=spec.name, good=typed[~bad].reset_index(drop=True),
                    rejected=_rejected(inp, issues), report=report)


def _rejected(inp: _Input, issues: pd.DataFrame) -> pd.DataFrame:
    """One line per bad row: its values as in the file, then what is wrong with it."""
    what = ["file", "row", "column", "value", "problem", "fix"]
    issues = issues.sort_values("pos", kind="stable")
    repeated = issues["pos"].duplicated(keep=False).to_numpy()
    # Most bad rows have one issue: only rows with several go through the (slow) string join.
    per_row = issues.loc[~repeated, ["pos", *what]].set_index("pos")
    if repeated.any():
        grouped = issues[repeated].groupby("pos", sort=True)
        joined = grouped[["file", "row"]].first()
        for c in what[2:]:  # built by hand: pandas' agg would turn each Joined into a plain str
            joined[c] = message_series([Joined(list(v)) for _, v in grouped[c]]).set_axis(joined.index)
        per_row = pd.concat([per_row, joined]).sort_index()
    cells = inp.raw.iloc[per_row.index.to_numpy()]
    cells = pd.DataFrame({c: as_text(cells[c].reset_index(drop=True)) for c in cells.columns})
    return pd.concat([cells, per_row[what].reset_index(drop=True)], axis=1)
