"""Accounts and roles (admins): change a person's role or active flag, set or reset a password, download a copy of
their personal data (audited), and erase a person who has left (after a confirmation)."""

import pandas as pd
import streamlit as st

from board.errors import Invalid
from board.i18n import N_, _
from board.org import accounts, people, personal_data
from board.org.access import ROLE_LABELS, ROLES
from board.web.ui import forms, session, tables

HEADERS = {"name": N_("Name"), "email": N_("Email"), "role": N_("Role"), "team": N_("Team"), "office": N_("Office"),
           "active": N_("Active")}

admin = session.page_person("admin_people")
db = session.store()
st.title(_("Accounts and roles"))

everyone = people.list_people(db, admin, include_inactive=True)
query = st.text_input(_("Find a person (name or email)"), max_chars=200).strip().lower()
shown = [p for p in everyone if query in p["name"].lower() or query in p["email"]] if query else everyone
listed = pd.DataFrame(shown, columns=list(HEADERS))
listed["role"] = listed["role"].map(lambda role: _(ROLE_LABELS[role]) if role in ROLE_LABELS else None)  # not its key
tables.table(listed.rename(columns={column: _(header) for column, header in HEADERS.items()}), hide_index=True)
if not shown:
    st.stop()

by_email = {p["email"]: p for p in shown}
email = st.selectbox(_("Person to change"), list(by_email))
chosen = by_email[email]

# Widget keys and error slots carry the person's id: a choice made for one person must never carry over
# to the next person picked (it would silently change their role too).
person_form, password_form = forms.Form(f"person_{chosen['id']}"), forms.Form(f"password_{chosen['id']}")
with st.form("person"):
    role = st.selectbox(_("Role"), ROLES, index=ROLES.index(chosen["role"]), format_func=lambda r: _(ROLE_LABELS[r]),
                        key=f"{person_form.key}_role")
    active = st.checkbox(_("Active (can sign in)"), value=chosen["active"], key=f"{person_form.key}_active")
    person_form.field_error("role")
    if st.form_submit_button(_("Save role and status")) and person_form.attempt(
            lambda: people.change_person(db, admin, chosen["id"], role=role, active=active)):
        st.session_state["admin_people__saved"] = True
        st.rerun()  # so the table above shows the change
if st.session_state.pop("admin_people__saved", False):
    st.success(_("Saved. The change applies on the person's next click."))


def set_password(first: str, second: str) -> None:
    if first != second:
        raise Invalid({"password": _("The two passwords differ.")})
    accounts.admin_set_password(db, admin, chosen["id"], first)


if session.auth_config() is None:
    with st.form("password", clear_on_submit=True):
        st.write(_("Set or reset this person's password (built-in accounts). Their open sessions end."))
        first = st.text_input(_("New password"), type="password", max_chars=1024)
        second = st.text_input(_("Repeat the new password"), type="password", max_chars=1024)
        password_form.field_error("password")
        if st.form_submit_button(_("Set password")) and password_form.attempt(lambda: set_password(first, second)):
            st.success(_("Password set."))

st.subheader(_("Personal data"))
st.caption(_("A copy of everything stored about this person, as they can download it themselves under My account. "
             "The audit log records that you made it."))
copy_key = f"admin_people__export_{chosen['id']}"
if st.button(_("Prepare a copy of their data")) and (made := forms.attempt(
        lambda: personal_data.export(db, admin, chosen["id"]))):
    st.session_state[copy_key] = {"json": made.value.json(), "zip": made.value.csv_zip(), "name": made.value.file_stem}
if copy := st.session_state.get(copy_key):
    st.download_button(_("Download as JSON"), copy["json"], f"{copy['name']}.json", "application/json",
                       on_click="ignore")
    st.download_button(_("Download as CSV files (zip)"), copy["zip"], f"{copy['name']}.zip", "application/zip",
                       on_click="ignore")

if erased := st.session_state.pop("admin_people__erased", None):
    st.success(_("Erased. The person is now {pseudonym} everywhere.", pseudonym=erased))
confirm_key = f"admin_people__erase_{chosen['id']}"
if chosen["email"].endswith("@" + personal_data.ERASED_DOMAIN):
    st.text(_("This person's personal data was erased."))
elif chosen["active"]:
    st.text(_("Erasing is for people who have left: untick Active and save first, then erase."))
elif not st.session_state.get(confirm_key):
    if st.button(_("Erase this person's personal data")):
        st.session_state[confirm_key] = True
        st.rerun()
else:
    st.warning(_("Erasing cannot be undone. Their name and email are replaced by a pseudonym everywhere; their "
                 "password, sessions, notification choices and waiting messages are deleted. What they wrote stays, "
                 "under the pseudonym, so every figure stays true."))
    st.text(_("Erase {name} ({email})?", name=chosen["name"], email=chosen["email"]))  # plain text: never markdown
    if st.button(_("Yes, erase for good"), type="primary") and (done := forms.attempt(
            lambda: personal_data.erase(db, admin, chosen["id"]))):
        st.session_state.pop(confirm_key, None)
        st.session_state.pop(copy_key, None)  # a copy made before holds what was just erased
        st.session_state["admin_people__erased"] = done.value
        st.rerun()
    if st.button(_("Cancel"), key="erase_cancel"):
        st.session_state.pop(confirm_key, None)
        st.rerun()
