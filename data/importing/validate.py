"""The declarative checks, as pandera schemas built from ``data.schema``, and their messages.

Two schemas per table, both validated lazily (every failure collected, not just the first):

* ``column_schema``: dtype, nullability (required) and bounds (min/max/min_exclusive) per column;
  run on all typed rows.
* ``row_schema``: key uniqueness and the table's ``extra_checks`` (wide checks over a row); run on
  the rows whose key could be read, so a date that failed to parse does not look like a duplicate.

pandera says *which* rows fail; the problem and the fix are chosen here (their wording, in English
and Chinese, is in ``messages``). Two things are done in plain pandas on top of pandera's answer,
because pandera reports failures one row at a time: listing the *other* rows of a duplicate key,
and dropping "required but empty" for a cell that was not empty but unreadable (already reported
by ``values`` with a better message).

Issue frames used inside the package have the columns ``pos`` (position in the combined input),
``canonical``, ``problem``, ``fix`` (``Msg`` objects, in object columns) and optionally ``value``
(else taken from the raw cell).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandas.api import types as ptypes
from pandera.errors import SchemaErrors

from data.schema import Column, Table

from .messages import Msg, column_word, listing, message_series
from .values import DTYPES, describe_range

ISSUE_COLUMNS = ["pos", "canonical", "value", "problem", "fix"]


@dataclass(frozen=True)
class ExtraCheck:
    """A row-wise rule of ``Table.extra_checks``: ``ok(frame)`` is False on a failing row.

    Its problem and fix are the catalog messages ``check.<name>`` and ``check.<name>.fix``.
    """

    column: str          # the column the issue is reported on
    other: str           # the column it is compared with
    ok: Callable[[pd.DataFrame], pd.Series]


def _le(a: str, b: str) -> Callable[[pd.DataFrame], pd.Series]:
    # A missing value on either side passes: absence is checked by nullability, not here.
    return lambda d: ~(d[a] > d[b]).fillna(False).astype(bool)


EXTRA_CHECKS: dict[str, ExtraCheck] = {
    "ordered_le_demand": ExtraCheck("qty_ordered", "qty_demand", _le("qty_ordered", "qty_demand")),
    "ordered_le_cap": ExtraCheck("qty_ordered", "qty_cap", _le("qty_ordered", "qty_cap")),
    "period_end_ge_start": ExtraCheck("period_end", "period_start",
                                      _le("period_start", "period_end")),
}


def _checks(col: Column) -> list[pa.Check]:
    checks = []
    if col.min is not None:
        checks.append(pa.Check.gt(col.min) if col.min_exclusive else pa.Check.ge(col.min))
    if col.max is not None:
        checks.append(pa.Check.le(col.max))
    return checks


def column_schema(table: Table) -> pa.DataFrameSchema:
    """Types, required values and bounds of every column of ``table``."""
    return pa.DataFrameSchema(
        {c.name: pa.Column(DTYPES[c.dtype], _checks(c), nullable=not c.required)
         for c in table.columns},
        strict=True, ordered=True, name=table.name,
    )


def row_schema(table: Table) -> pa.DataFrameSchema:
    """Key uniqueness and the row-wise ``extra_checks`` of ``table``."""
    unknown = [name for name in table.extra_checks if name not in EXTRA_CHECKS]
    if unknown:
        raise LookupError(f"data.schema names extra checks the importer lacks: {unknown}")
    checks = [pa.Check(EXTRA_CHECKS[name].ok, name=name) for name in table.extra_checks]
    return pa.DataFrameSchema(checks=checks, unique=table.key or None,
                              report_duplicates="all", name=f"{table.name} rows")


def failure_cases(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    """pandera's failure cases (column, check, index...), empty when the frame is valid."""
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        return exc.failure_cases
    return pd.DataFrame(columns=["schema_context", "column", "check", "check_number",
                                 "failure_case", "index"])


def issue_frame(pos, canonical, problem, fix, value=None) -> pd.DataFrame:
    """An internal issue frame (see the module docstring); scalars are broadcast."""
    pos = np.asarray(pos, dtype=np.int64)
    return pd.DataFrame({"pos": pos, "canonical": canonical, "value": value,
                         "problem": message_series(problem, len(pos)),
                         "fix": message_series(fix, len(pos))}, columns=ISSUE_COLUMNS)


def column_issues(table: Table, typed: pd.DataFrame,
                  unreadable: dict[str, np.ndarray]) -> pd.DataFrame:
    """Issues of the column schema: empty required values, out-of-range values, wrong dtypes.

    Args:
        table: the table.
        typed: the parsed frame (RangeIndex = positions), columns of the schema in order.
        unreadable: canonical column -> rows whose value could not be read (already reported).
    """
    fc = failure_cases(column_schema(table), typed)
    fc = fc[fc["index"].notna() & fc["column"].isin(table.column_names)]
    out = []
    for (name, check), group in fc.groupby(["column", "check"], sort=False):
        col = table.column(name)
        word = column_word(col)
        pos = group["index"].astype(np.int64).to_numpy()
        if check == "not_nullable":
            pos = pos[~unreadable[name][pos]]
            out.append(issue_frame(pos, name, Msg("check.required", column=word),
                                   Msg("check.required.fix", column=word), ""))
        elif str(check).startswith("dtype"):
            # Cannot happen with values from ``values``; kept so a bug is reported, not hidden.
            out.append(issue_frame(pos, name, Msg("check.wrong_type", column=word, check=check),
                                   Msg("check.wrong_type.fix")))
        else:
            problem, fix = describe_range(col)
            out.append(issue_frame(pos, name, problem, fix))
    return pd.concat(out, ignore_index=True) if out else issue_frame([], "", "", "")


def row_issues(table: Table, typed: pd.DataFrame, key_ok: np.ndarray,
               invalid: dict[str, np.ndarray],
               where: Callable[[np.ndarray], list[Msg]]) -> pd.DataFrame:
    """Issues of the row schema: duplicate keys (naming the other rows) and ``extra_checks``.

    Args:
        table: the table.
        typed: the parsed frame (RangeIndex = positions).
        key_ok: rows whose key columns could all be read (others cannot be compared).
        invalid: column -> rows whose value is already reported (unreadable or out of range);
            the extra checks skip them, since comparing with a wrong value only adds noise.
        where: positions -> their place as messages ('row 5' or 'b.csv row 5').
    """
    involved = list(dict.fromkeys(
        [*table.key, *(c for n in table.extra_checks
                       for c in (EXTRA_CHECKS[n].column, EXTRA_CHECKS[n].other))]))
    frame = typed.loc[key_ok, involved]
    for name in involved:
        if name not in table.key and invalid[name][key_ok].any():
            frame[name] = frame[name].mask(invalid[name][key_ok])
    fc = failure_cases(row_schema(table), frame)
    fc = fc[fc["index"].notna()]
    out = []
    dup = fc[fc["check"] == "multiple_fields_uniqueness"]
    if len(dup):
        out.append(_duplicates(table, typed, np.unique(dup["index"].astype(np.int64)), where))
    for name in table.extra_checks:
        rule = EXTRA_CHECKS[name]
        pos = np.unique(fc.loc[fc["check"] == name, "index"].astype(np.int64))
        if len(pos):
            other = column_word(table.column(rule.other))
            problem = Msg(f"check.{name}", column=column_word(table.column(rule.column)),
                          other=other)
            fix = Msg(f"check.{name}.fix")
            out.append(issue_frame(pos, rule.column, problem,
                                   [Msg("check.fix_with_other", fix=fix, other=other,
                                        value=_show(v))
                                    for v in typed[rule.other].to_numpy()[pos]]))
    return pd.concat(out, ignore_index=True) if out else issue_frame([], "", "", "")


def _show(v: object) -> str:
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    return str(v)


def _duplicates(table: Table, typed: pd.DataFrame, pos: np.ndarray,
                where: Callable[[np.ndarray], list[Msg]]) -> pd.DataFrame:
    keys = typed.loc[pos, table.key]
    group = keys.groupby(table.key, dropna=False, sort=False).ngroup().to_numpy()
    places = where(pos)
    members: dict[int, list[int]] = {}
    for i, g in enumerate(group):
        members.setdefault(int(g), []).append(i)
    words = [column_word(table.column(k)) for k in table.key]
    key = listing(words)
    problems = [Msg("check.duplicate", key=key,
                    places=listing(places[j] for j in members[int(g)] if j != i))
                for i, g in enumerate(group)]
    shown = [(keys[k].dt.strftime("%Y-%m-%d") if ptypes.is_datetime64_any_dtype(keys[k])
              else keys[k]).astype(str).where(keys[k].notna(), "") for k in table.key]
    values = shown[0].str.cat(shown[1:], sep=" / ").tolist()
    return issue_frame(pos, ", ".join(table.key), problems,
                       Msg("check.duplicate.fix", key=listing(words, " + ", "+")), values)
