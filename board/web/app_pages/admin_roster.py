"""Roster import (admins): upload a CSV, preview every change, confirm; all or nothing."""

import hashlib

import pandas as pd
import streamlit as st

from board.org import roster
from board.web.ui import forms, session, tables

admin = session.page_person("admin_roster")
db = session.store()
st.title("Roster import")


def show_plan(plan: roster.RosterPlan) -> None:
    st.write("Preview: " + plan.summary())
    if plan.new:
        st.text("New people")
        tables.table(pd.DataFrame(plan.new)[["email", "name", "role"]], hide_index=True)
    if plan.changed:
        st.text("Changed people")
        tables.table(pd.DataFrame([{"email": p["email"], "changes": p["changes"]} for p, _ in plan.changed]),
                     hide_index=True)
    if plan.deactivate:
        st.text("To deactivate")
        tables.table(pd.DataFrame(plan.deactivate)[["email", "name"]], hide_index=True)


people_tab, units_tab = st.tabs(["People", "Organisation units"])

with people_tab:
    st.write("Columns: " + ", ".join(roster.ROSTER_COLUMNS) + ". One row per person; the email is the key. "
             "Errors are reported by row (the header is row 1) and nothing is written until the file is clean.")
    upload = st.file_uploader("Roster CSV", type=["csv"], key="roster_file")
    deactivate = st.checkbox("Deactivate active people who are not in the file")
    if upload is not None:
        data = upload.getvalue()
        planned = forms.attempt(lambda: roster.admin_plan_roster(db, admin, data, deactivate_missing=deactivate),
                                as_table=True)
        if planned:
            plan = planned.value
            show_plan(plan)
            digest = hashlib.sha256(data).hexdigest()[:16]
            warning = plan.deactivation_warning()
            confirmed = False
            if warning:
                st.warning(warning)
                confirmed = st.checkbox(f"Yes, deactivate these {len(plan.deactivate)} people",
                                        key=f"confirm_deactivations_{digest}")
            if st.button("Import this roster", type="primary", key=f"confirm_{digest}_{deactivate}",
                         disabled=bool(warning) and not confirmed):
                done = forms.attempt(lambda: roster.admin_import_roster(
                    db, admin, data, deactivate_missing=deactivate, confirm_deactivations=confirmed), as_table=True)
                if done:
                    st.success("Imported: " + done.value.summary())

with units_tab:
    st.write("Columns: region, office, team. Adds the units that are missing; nothing is ever removed.")
    units_file = st.file_uploader("Organisation CSV", type=["csv"], key="org_file")
    if units_file is not None and st.button("Add these units", key="confirm_org"):
        units_data = units_file.getvalue()
        added = forms.attempt(lambda: roster.admin_import_org(db, admin, units_data), as_table=True)
        if added:
            st.success(f"{added.value} team(s) added.")
