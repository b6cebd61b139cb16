"""Backup (admins): build a consistent backup of the whole database and download it as a zip."""

import streamlit as st

from board import backup
from board.errors import BoardError
from board.ui import session

admin = session.page_person("admin_backup")
st.title("Backup")
if session.store().dialect != "duckdb":
    st.info(backup.POSTGRES_BACKUP)
    st.stop()
st.write("A backup holds every table as a Parquet file, read from one consistent snapshot, and a manifest "
         "with the schema version, each table's row count and content hash, and each file's SHA-256. "
         "Keep it somewhere safe: it holds everything in the database, including suggestion texts and "
         "pulse comments.")
st.caption("To restore, run `python -m board restore BACKUP.zip --to NEW.duckdb` (the zip as downloaded, or "
           "its unpacked folder). Restore checks every file first and never overwrites an existing database.")

if st.button("Create backup", type="primary", key="backup_create"):
    st.session_state.pop("backup_zip", None)
    with st.spinner("Building the backup ..."):
        try:
            st.session_state["backup_zip"] = backup.backup_zip(session.store(), admin)
        except BoardError as error:
            st.error(str(error))

made = st.session_state.get("backup_zip")
if made:
    name, data, summary = made
    st.success(f"Backup ready: {summary.tables} tables, {summary.rows:,} rows ({len(data) / 1e6:.1f} MB).")
    st.download_button("Download backup (.zip)", data=data, file_name=name, mime="application/zip",
                       on_click="ignore", key="backup_download")
