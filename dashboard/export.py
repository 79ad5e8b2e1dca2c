"""Table exports: every table on every page downloads as CSV and Excel."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from dashboard.i18n import t


def to_xlsx(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    """The frame as an .xlsx file with a frozen, bold header row and fitted column widths."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        frame.to_excel(writer, sheet_name=sheet[:31], index=False)
        sheet_obj = writer.sheets[sheet[:31]]
        sheet_obj.freeze_panes(1, 0)
        for i, column in enumerate(frame.columns):
            width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200)])
            sheet_obj.set_column(i, i, min(max(8, width + 2), 50))
    return buffer.getvalue()


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel on Chinese Windows opens it without garbling."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def download_buttons(frame: pd.DataFrame, name: str, key: str) -> None:
    """CSV and Excel download buttons for ``frame`` side by side."""
    left, right, _ = st.columns([1, 1, 4])
    left.download_button(t("common.download_csv"), to_csv(frame), file_name=f"{name}.csv",
                         mime="text/csv", key=f"{key}_csv", icon=":material/download:")
    right.download_button(t("common.download_xlsx"), to_xlsx(frame), file_name=f"{name}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"{key}_xlsx", icon=":material/table:")
