"""Roster import (admins): upload a CSV, preview every change, confirm; all or nothing."""

import hashlib

import pandas as pd
import streamlit as st

from board.i18n import N_, _, ngettext
from board.org import roster
from board.web.ui import forms, session, tables

HEADERS = {"email": N_("Email"), "name": N_("Name"), "role": N_("Role"), "changes": N_("Changes")}

admin = session.page_person("admin_roster")
db = session.store()
st.title(_("Roster import"))


def headed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns={column: _(header) for column, header in HEADERS.items()})


def show_plan(plan: roster.RosterPlan) -> None:
    st.write(_("Preview: {summary}", summary=plan.summary()))
    if plan.new:
        st.text(_("New people"))
        tables.table(headed(pd.DataFrame(plan.new)[["email", "name", "role"]]), hide_index=True)
    if plan.changed:
        st.text(_("Changed people"))
        tables.table(headed(pd.DataFrame([{"email": p["email"], "changes": p["changes"]} for p, _old in plan.changed])),
                     hide_index=True)
    if plan.deactivate:
        st.text(_("To deactivate"))
        tables.table(headed(pd.DataFrame(plan.deactivate)[["email", "name"]]), hide_index=True)


people_tab, units_tab = st.tabs([_("People"), _("Organisation units")])

with people_tab:
    st.write(_("Columns: {columns}. One row per person; the email is the key. Errors are reported by row (the header "
               "is row 1) and nothing is written until the file is clean.", columns=", ".join(roster.ROSTER_COLUMNS)))
    upload = st.file_uploader(_("Roster CSV"), type=["csv"], key="roster_file")
    deactivate = st.checkbox(_("Deactivate active people who are not in the file"))
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
                confirmed = st.checkbox(ngettext("Yes, deactivate these {n} people", "Yes, deactivate these {n} people",
                                                 len(plan.deactivate)),
                                        key=f"confirm_deactivations_{digest}")
            if st.button(_("Import this roster"), type="primary", key=f"confirm_{digest}_{deactivate}",
                         disabled=bool(warning) and not confirmed):
                done = forms.attempt(lambda: roster.admin_import_roster(
                    db, admin, data, deactivate_missing=deactivate, confirm_deactivations=confirmed), as_table=True)
                if done:
                    st.success(_("Imported: {summary}", summary=done.value.summary()))

with units_tab:
    st.write(_("Columns: {columns}. Adds the units that are missing; nothing is ever removed.",
               columns=", ".join(roster.ORG_COLUMNS)))
    units_file = st.file_uploader(_("Organisation CSV"), type=["csv"], key="org_file")
    if units_file is not None and st.button(_("Add these units"), key="confirm_org"):
        units_data = units_file.getvalue()
        added = forms.attempt(lambda: roster.admin_import_org(db, admin, units_data), as_table=True)
        if added:
            st.success(ngettext("{n} team(s) added.", "{n} team(s) added.", added.value))
