"""The import report: issues found in a file and how to fix them.

Row numbers follow the spreadsheet convention: the number a user sees at the left of Excel (or the
line of a CSV file), counting title rows and the header row(s). In a plain file whose header is on
row 1, the first data row is row 2. Parquet files have no visible rows; their rows are numbered as
if they were opened in a spreadsheet with the header on row 1 (first data row = row 2).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields

import pandas as pd

from .messages import render

__all__ = ["ImportFileError", "ImportError_", "Issue", "ImportReport"]


class ImportFileError(ValueError):
    """A file that cannot be imported at all (wrong type, unreadable, empty, missing columns...).

    The message is one line and says what to do; ``str(exc)`` is English, ``exc.text("zh")``
    renders it for the Data page.

    Args:
        message: a catalog ``Msg`` (or plain text, shown as it is in every language).
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` ('en' or 'zh')."""
        return render(self.message, lang)


# The name used in the brief; kept as an alias so both spellings work.
ImportError_ = ImportFileError


@dataclass(frozen=True)
class Issue:
    """One problem (error or warning) found in an input file.

    Attributes:
        file: the file name as the user knows it (no directory).
        row: the spreadsheet row number (see the module docstring), or None when the issue is about
            the whole file or a whole column.
        column: the header as it appeared in the file ('' when the issue is about the whole file).
        canonical: the canonical column name of ``data.schema`` ('' when not about one column).
        value: the value as it appeared in the file ('' when empty or not about one value).
        problem: what is wrong, in words a business user understands. The English text; when
            it is a ``messages.Msg`` (always, for issues the importer makes) ``texts`` renders it
            in Chinese too.
        fix: how to fix it (English; a ``Msg`` like ``problem``).
        rows: for issues covering many rows (e.g. the empty-grade warning), all their row numbers.
    """

    file: str
    row: int | None
    column: str
    canonical: str
    value: str
    problem: str
    fix: str
    rows: tuple[int, ...] = ()

    @property
    def column_label(self) -> str:
        """The header with its canonical name, e.g. '档位 (grade)'; just the name when they agree."""
        if not self.canonical or self.column == self.canonical:
            return self.column or self.canonical
        if not self.column:
            return self.canonical
        return f"{self.column} ({self.canonical})"

    def texts(self, lang: str = "en") -> tuple[str, str]:
        """(problem, fix) in ``lang`` ('en' or 'zh')."""
        return render(self.problem, lang), render(self.fix, lang)

    def to_text(self) -> str:
        """One human-readable line, e.g. ``clients.csv row 17, column 档位 (grade): value ...``."""
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column_label:
            where += f", column {self.column_label}"
        text = f"{where}: "
        if self.value != "":
            text += f"value '{self.value}' — "
        text += self.problem
        if self.fix:
            text += f" — fix: {self.fix}"
        return text


_ISSUE_COLUMNS = [f.name for f in fields(Issue)]


@dataclass
class ImportReport:
    """What happened to the input of one ``prepare`` call.

    Attributes:
        errors: issues that stop a row (and, by default, the import).
        warnings: issues that do not stop anything but that the user should know about.
        rows_in_file: data rows read over all files (blank rows and total/footer rows excluded).
        rows_ok: rows that passed every check (the rows of ``Prepared.good``).
        info: one line per file on how it was read (encoding, delimiter, sheet, header row).
    """

    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    rows_in_file: int = 0
    rows_ok: int = 0
    info: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows_rejected(self) -> int:
        return self.rows_in_file - self.rows_ok

    def to_frame(self, lang: str = "en") -> pd.DataFrame:
        """All issues as a frame: severity, file, row, column, canonical, value, problem, fix.

        Args:
            lang: the language of ``problem`` and ``fix`` ('en' or 'zh'); the other columns are
                the file's own words (headers, values) or codes, the same in every language.
        """
        issues = [("error", i) for i in self.errors] + [("warning", i) for i in self.warnings]
        records = [{"severity": severity, **{f: getattr(i, f) for f in _ISSUE_COLUMNS},
                    **dict(zip(("problem", "fix"), i.texts(lang)))} for severity, i in issues]
        frame = pd.DataFrame(records, columns=["severity", *_ISSUE_COLUMNS])
        frame["row"] = frame["row"].astype("Int64")
        return frame.drop(columns="rows")

    def to_text(self, limit: int = 50) -> str:
        """A human-readable report: totals, a summary per problem, then one line per issue.

        Issues are grouped (by file, column and problem, then row order) so that the same mistake
        repeated over many rows reads as one block. At most ``limit`` errors and ``limit`` warnings
        are listed; the totals always count all of them.
        """
        lines = [
            f"{self.rows_in_file} rows read, {self.rows_ok} ok, {self.rows_rejected} rejected; "
            f"{len(self.errors)} errors, {len(self.warnings)} warnings."
        ]
        lines += [f"  {line}" for line in self.info]
        for title, issues in (("ERRORS", self.errors), ("WARNINGS", self.warnings)):
            if not issues:
                continue
            lines.append(f"{title} ({len(issues)})")
            summary = Counter((i.column_label, problem_kind(i.problem)) for i in issues)
            if len(summary) > 1:
                for (label, problem), n in summary.most_common():
                    lines.append(f"  {n:>7} × {label or 'file'}: {problem}")
            ordered = sorted(issues, key=_group_key)
            lines += [f"  {i.to_text()}" for i in ordered[:limit]]
            if len(ordered) > limit:
                lines.append(f"  … and {len(ordered) - limit} more {title.lower()} "
                             "(see the rejected-rows file for all of them)")
        return "\n".join(lines)


def problem_kind(problem: str) -> str:
    """The problem without its row-specific tail (a duplicate names its other rows, a warning
    lists its rows)."""
    return problem.split("; the same key is also in ")[0].split(" — row")[0].split(" — all ")[0]


def _group_key(issue: Issue) -> tuple:
    return (issue.file, issue.canonical, problem_kind(issue.problem),
            issue.row if issue.row is not None else -1)


def issues_from_frame(frame: pd.DataFrame) -> list[Issue]:
    """Turn an issue frame (columns of ``Issue``; ``rows`` optional) into ``Issue`` objects."""
    if frame.empty:
        return []
    rows = [None if pd.isna(r) else int(r) for r in frame["row"].tolist()]
    text = [frame[c].astype(str).tolist() for c in ("file", "column", "canonical", "value")]
    # problem and fix keep their Msg objects (``astype(str)`` would drop them, and Chinese).
    text += [frame[c].to_numpy(object).tolist() for c in ("problem", "fix")]
    # Built column-wise: a file with 10^5 bad rows must not spend seconds on records.
    return [Issue(f, r, c, k, v, p, x) for f, r, c, k, v, p, x in zip(text[0], rows, *text[1:])]

