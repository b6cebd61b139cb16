"""My account: which notifications reach me and how, a copy of my personal data, and changing my own password
(built-in accounts), with the current one; admins only reset others'."""

import streamlit as st

from board.errors import Invalid
from board.notify import kinds, preferences
from board.org import accounts, personal_data, settings
from board.web.ui import forms, session

person = session.page_person("account")
db = session.store()
st.title("My account")
st.text(f"{person.name}, {person.email}")  # plain text: a name is never markdown

st.subheader("Notifications")
timing = settings.load(db)
hour = "midnight" if timing.digest_hour == 0 else f"{timing.digest_hour:02d}:00"
st.caption(f"Sent by email to the address above; a daily digest comes once a day at {hour} "
           f"({timing.time_zone.replace('_', ' ')} time). Anonymous suggestions are never followed by email: use "
           "Follow with a code.")
chosen = forms.attempt(lambda: preferences.get(db, person)).or_stop()
notify_form = forms.Form("notifications")
with st.form("notifications"):
    modes = {}
    for kind in kinds.ROLE_KINDS.get(person.role, ()):
        allowed = kinds.allowed_modes(kind)
        current = chosen.get(kind)  # their choice, or their role's default
        words = kinds.mode_words(kind)
        modes[kind] = st.radio(kinds.KINDS[kind], allowed, index=allowed.index(current) if current in allowed else 0,
                               format_func=words.get, horizontal=True, key=f"notify_{kind}")
        notify_form.field_error(kind)
    if st.form_submit_button("Save notifications", type="primary") and notify_form.attempt(
            lambda: preferences.save(db, person, modes)):
        st.session_state["account__notifications_saved"] = True
        st.rerun()  # draw the choices again from what was saved
if st.session_state.pop("account__notifications_saved", False):
    st.success("Notification choices saved.")

st.subheader("Your personal data")
st.caption("A copy of everything stored about you: your account, suggestions, comments, +1s, minutes, actions, "
           "sign-ins, notification choices and messages. Anonymous suggestions and pulse answers are not in it: "
           "nothing stored links them to you.")
copy_key = f"account__export_{person.id}"  # the prepared copy stays for this person's session only
if st.button("Prepare a copy of my data") and (made := forms.attempt(
        lambda: personal_data.export(db, person, person.id))):
    st.session_state[copy_key] = {"json": made.value.json(), "zip": made.value.csv_zip(), "name": made.value.file_stem}
if copy := st.session_state.get(copy_key):
    st.download_button("Download as JSON", copy["json"], f"{copy['name']}.json", "application/json", on_click="ignore")
    st.download_button("Download as CSV files (zip)", copy["zip"], f"{copy['name']}.zip", "application/zip",
                       on_click="ignore")

if session.auth_config() is not None:
    st.info("You sign in with your company account: its password is managed by the company, not here.")
    st.stop()

st.subheader("Change your password")
form = forms.Form("change_password")
with st.form("change_password", clear_on_submit=True):
    current = st.text_input("Current password", type="password", max_chars=1024, autocomplete="current-password")
    form.field_error("current")
    new = st.text_input(f"New password (at least {accounts.MIN_PASSWORD} characters)", type="password",
                        max_chars=1024, autocomplete="new-password")
    form.field_error("new")
    again = st.text_input("Repeat the new password", type="password", max_chars=1024, autocomplete="new-password")
    form.field_error("again")
    submitted = st.form_submit_button("Change password", type="primary")


def change() -> None:
    if new != again:
        raise Invalid({"again": "The two new passwords differ."})
    accounts.change_own_password(session.store(), person, current, new, keep_token=session.current_token(),
                                 address=session.client_address())


if submitted and form.attempt(change):
    st.session_state["account__changed"] = True
    st.rerun()
if st.session_state.pop("account__changed", False):
    st.success("Password changed. Your other sessions have ended; this one stays signed in.")
