"""My account: change your own password (built-in accounts), with the current one; admins only reset others'."""

import streamlit as st

from board.errors import Invalid
from board.org import accounts
from board.web.ui import forms, session

person = session.page_person("account")
st.title("My account")
st.text(f"{person.name}, {person.email}")  # plain text: a name is never markdown

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
