"""数据 Data: import files with a validation report, see the warehouse status, rebuild aggregates."""

import tempfile
from pathlib import Path

import streamlit as st

from dashboard import data_admin
from dashboard.context import page_context
from dashboard.export import download_buttons
from dashboard.i18n import t
from dashboard.widgets import coded

# --- inputs -------------------------------------------------------------------------------
ctx = page_context()
st.title(t("page.data"))
if not data_admin.may_administer(ctx.viewer.role):  # the router hides the page; a crafted URL lands here
    st.error(t("common.no_access"))
    st.stop()
limit_mb = data_admin.upload_limit_mb()

# --- import -------------------------------------------------------------------------------
st.subheader(t("data.upload"))
flash = st.session_state.pop("import_flash", None)  # what the last load did, shown after its rerun
if flash is not None:
    st.success(t("data.loaded", rows=f"{flash['rows']:,}", table=flash["table"], version=flash["version"]))
    if flash["rejected"] is not None and not flash["rejected"].empty:
        st.caption(t("data.rejected_download"))
        download_buttons(flash["rejected"], f"rejected_{flash['table']}", key="rejected")
table = coded(st.selectbox, t("data.table"), data_admin.IMPORTABLE, key="import_table",
              format_func=data_admin.table_label, default=data_admin.IMPORTABLE[0])
# The browser refuses a file over the limit before sending it (its message is Streamlit's own, in
# English), so the limit is also stated here in the user's language.
uploads = st.file_uploader(t("data.files"), type=["csv", "tsv", "txt", "xlsx", "parquet"],
                           accept_multiple_files=True, key="import_files", max_upload_size=limit_mb)
st.caption(t("data.limit", mb=limit_mb))
too_big = [u.name for u in uploads or [] if u.size > limit_mb * 2**20]
if too_big:
    st.error(t("data.too_big", mb=limit_mb) + " " + ", ".join(too_big))
elif uploads and st.button(t("data.validate"), type="primary"):
    with st.spinner(t("data.validate")), tempfile.TemporaryDirectory() as folder:
        paths = []
        for i, upload in enumerate(uploads):
            path = Path(folder) / f"{i}_{Path(upload.name).name}"  # two uploads may share a name
            path.write_bytes(upload.getvalue())
            paths.append(path)
        st.session_state["import_result"] = data_admin.validate(ctx.warehouse.path, table, paths,
                                                                [u.name for u in uploads])

result = st.session_state.get("import_result")
if result is not None and result.table == table:
    if result.failure:
        st.error(t("data.bad_file", msg=result.failure_text))
    else:
        report = result.prepared.report
        if report.errors:
            st.error(t("data.report_errors", n=len(report.errors)))
        else:
            st.success(t("data.report_ok", rows=f"{len(result.prepared.good):,}"))
        issues = data_admin.issues_frame(report)
        if not issues.empty:
            if report.warnings:
                st.caption(t("data.report_warnings", n=len(report.warnings)))
            st.dataframe(issues, hide_index=True, width="stretch")
            download_buttons(issues, f"import_report_{table}", key="import_report")
        can_load = not report.errors or len(result.prepared.good) > 0
        load_good_only = bool(report.errors) and st.checkbox(t("data.load_good"), key="load_good")
        if can_load and (not report.errors or load_good_only) and st.button(t("data.load")):
            outcome = data_admin.write(ctx.warehouse.path, result, ctx.viewer.username)
            if outcome.error:
                st.error(outcome.error)
            else:
                # Rerun so everything below reads the new warehouse generation.
                st.session_state.pop("import_result", None)
                st.session_state["import_flash"] = {"rows": outcome.rows, "table": table,
                                                    "version": outcome.version, "rejected": outcome.rejected}
                st.rerun()

# --- status -------------------------------------------------------------------------------
st.subheader(t("data.status"))
status = data_admin.status(ctx.warehouse)
for column in ("first_date", "last_date"):  # derived and dimension tables have no dates
    status[column] = status[column].map(lambda d: "—" if d is None or d != d else str(d))
st.dataframe(status.rename(columns={"table": t("col.table"), "rows": t("col.rows"),
                                    "first_date": t("col.first_date"), "last_date": t("col.last_date")}),
             hide_index=True, width="stretch")
st.caption(t("overview.version", version=ctx.warehouse.version,
             at=ctx.warehouse.meta().get("updated_at", "—")))

st.subheader(t("data.integrity"))
findings = data_admin.findings(ctx.warehouse)
if findings.empty:
    st.success(t("data.integrity_ok"))
else:
    st.dataframe(findings, hide_index=True, width="stretch")

history = data_admin.history(ctx.warehouse)
if not history.empty:
    st.subheader(t("data.history"))
    st.dataframe(history, hide_index=True, width="stretch")

if st.button(t("data.refresh"), icon=":material/refresh:"):
    with st.spinner(t("data.refresh")):
        error = data_admin.refresh(ctx.warehouse.path, ctx.viewer.username)
    if error:
        st.error(error)
    else:
        st.session_state["refresh_flash"] = True
        st.rerun()  # so status and version above show the new generation
if st.session_state.pop("refresh_flash", False):
    st.success(t("data.refreshed"))
