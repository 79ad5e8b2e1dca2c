"""Drill-down and cross-filtering on one page: city > district > market dept > territory > clients,
and a client segment (business format, grade band or market type) picked from a chart.

The state lives in ``st.session_state`` under the page's prefix, separate from the global
filters: a drill narrows what the page shows inside the sidebar's scope and never widens it.
Every step is checked against the regions the viewer may see (``Choices.regions``) and the
global filters on every run, so a stale step (the filters changed) is dropped rather than shown.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from analytics.scope import Scope
from dashboard.i18n import code_label, t
from data.schema import UNKNOWN

LEVELS = ("district", "market_dept", "territory")
SEGMENTS = ("business_format", "grade_band", "market_type")
_SCOPE_FIELD = {"district": "districts", "market_dept": "market_depts", "territory": "territories"}
_CODE_PREFIX = {"business_format": "fmt", "market_type": "mt"}


@dataclass(frozen=True)
class Drill:
    """Where the page has drilled to.

    Attributes:
        path: the chosen district, market department and territory, as far as chosen.
        segment: (dimension, code) of a segment picked from a chart, or None.
    """

    path: tuple[str, ...] = ()
    segment: tuple[str, str] | None = None

    @property
    def row_level(self) -> str | None:
        """The region level below the path (the rows of the page's charts); None at a territory,
        where the page lists clients."""
        return LEVELS[len(self.path)] if len(self.path) < len(LEVELS) else None

    def scope(self, base: Scope) -> Scope:
        """``base`` narrowed to the path and the segment."""
        changes: dict = {_SCOPE_FIELD[level]: (value,) for level, value in zip(LEVELS, self.path)}
        if self.segment is not None:
            dim, code = self.segment
            if dim == "business_format":
                changes["business_formats"] = (code,)
            elif dim == "market_type":
                changes["market_types"] = (code,)
            elif dim == "grade_band" and grade_range(code) is not None:
                lo, hi = grade_range(code)
                changes["grade_min"] = max(base.grade_min, lo)
                changes["grade_max"] = max(min(base.grade_max, hi), changes["grade_min"])
        return replace(base, **changes)


def grade_range(band: str) -> tuple[int, int] | None:
    """'6-10' -> (6, 10); None for 'unknown' or anything else."""
    try:
        lo, hi = (int(x) for x in str(band).split("-"))
    except ValueError:
        return None
    return lo, hi


def segment_order(dim: str, codes) -> list[str]:
    """Segment codes in reading order: grade bands by grade, the rest by code; unknown last."""
    def rank(code):
        if dim == "grade_band":
            lo_hi = grade_range(code)
            return (lo_hi is None, lo_hi[0] if lo_hi else 0, "")
        return (code == UNKNOWN, 0, str(code))
    return sorted(codes, key=rank)


def segment_label(dim: str, code) -> str:
    """The shown name of a segment value: 便利店, 城网, 6–10档."""
    if code == UNKNOWN or code is None:
        return t("common.unknown")
    if dim == "grade_band":
        lo_hi = grade_range(code)
        return t("drill.grade_band", lo=lo_hi[0], hi=lo_hi[1]) if lo_hi else str(code)
    return code_label(_CODE_PREFIX.get(dim, ""), code) if dim in _CODE_PREFIX else str(code)


def allowed_regions(regions: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """The viewer's regions inside the global filters."""
    out = regions
    for level in LEVELS:
        chosen = getattr(scope, _SCOPE_FIELD[level])
        if chosen:
            out = out[out[level].isin(chosen)]
    return out


def read(prefix: str, regions: pd.DataFrame, scope: Scope) -> Drill:
    """The page's drill state, with steps the viewer may no longer take dropped."""
    allowed = allowed_regions(regions, scope)
    path = []
    for level, value in zip(LEVELS, st.session_state.get(f"{prefix}_path", ())):
        if value not in set(allowed[level].dropna()):
            break
        path.append(value)
        allowed = allowed[allowed[level] == value]
    st.session_state[f"{prefix}_path"] = tuple(path)
    segment = st.session_state.get(f"{prefix}_segment")
    if segment is not None and (segment[0] not in SEGMENTS or segment[1] == UNKNOWN):
        segment = None
        st.session_state[f"{prefix}_segment"] = None
    return Drill(tuple(path), segment)


def next_options(regions: pd.DataFrame, scope: Scope, drill: Drill) -> list[str]:
    """The regions one level below the drill path."""
    if drill.row_level is None:
        return []
    allowed = allowed_regions(regions, scope)
    for level, value in zip(LEVELS, drill.path):
        allowed = allowed[allowed[level] == value]
    return sorted(allowed[drill.row_level].dropna().unique())


def push(prefix: str, value: str) -> None:
    """Drill one level down into ``value``."""
    path = tuple(st.session_state.get(f"{prefix}_path", ()))
    if len(path) < len(LEVELS):
        st.session_state[f"{prefix}_path"] = (*path, value)


def set_segment(prefix: str, dim: str | None, code: str | None = None) -> None:
    """Narrow to a segment value, or clear the segment (``dim`` None)."""
    ok = dim in SEGMENTS and code not in (None, UNKNOWN)
    st.session_state[f"{prefix}_segment"] = (dim, code) if ok else None


def truncate(prefix: str, depth: int) -> None:
    """Go back up to ``depth`` steps of the path (0: the whole city)."""
    st.session_state[f"{prefix}_path"] = tuple(st.session_state.get(f"{prefix}_path", ()))[:depth]


def _first_point(chart_key: str) -> dict | None:
    event = st.session_state.get(chart_key)
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    return points[0] if points else None


def on_matrix_click(prefix: str, chart_key: str, segment_dim: str, drills: bool):
    """A callback for a region x segment matrix: a clicked cell narrows to its segment and,
    when the rows are regions, drills into its region."""
    def callback() -> None:
        point = _first_point(chart_key)
        if point is None or not point.get("customdata"):
            return
        region, code = point["customdata"][:2]
        if drills:
            push(prefix, region)
        set_segment(prefix, segment_dim, code)
    return callback


def on_region_click(prefix: str, chart_key: str):
    """A callback for a chart with one mark per region (customdata = the region): drill in."""
    def callback() -> None:
        point = _first_point(chart_key)
        if point is None or point.get("customdata") is None:
            return
        value = point["customdata"]
        push(prefix, value[0] if isinstance(value, (list, tuple)) else value)
    return callback


def breadcrumb(prefix: str, drill: Drill, options: list[str]) -> None:
    """Buttons back up the path, the segment as a removable chip, and a picker one level down."""
    steps = [t("drill.city")] + list(drill.path)
    cols = st.columns([1] * len(steps) + ([1.4] if drill.segment else []) + [2.2, 3])
    for depth, (col, label) in enumerate(zip(cols, steps)):
        current = depth == len(drill.path)
        col.button(("› " if depth else "") + label, key=f"{prefix}_crumb_{depth}", disabled=current,
                   on_click=truncate, args=(prefix, depth), width="stretch",
                   type="secondary" if not current else "tertiary")
    at = len(steps)
    if drill.segment:
        dim, code = drill.segment
        cols[at].button(f"{t('dim.' + dim)}：{segment_label(dim, code)} ✕", key=f"{prefix}_seg_clear",
                        on_click=set_segment, args=(prefix, None), help=t("drill.clear_segment"),
                        width="stretch")
        at += 1
    if drill.row_level is not None and options:
        cols[at].selectbox(t("drill.pick", level=t(f"filters.{drill.row_level}")), options, index=None,
                           key=f"{prefix}_pick", placeholder=t("drill.pick_placeholder"),
                           label_visibility="collapsed", on_change=_picked, args=(prefix,))


def _picked(prefix: str) -> None:
    value = st.session_state.get(f"{prefix}_pick")
    if value:
        push(prefix, value)
    st.session_state[f"{prefix}_pick"] = None
