"""Sign in: the company's identity provider, or email and password for built-in accounts."""

import streamlit as st

from board import demo
from board.i18n import _
from board.org import accounts
from board.org.access import ROLE_LABELS
from board.web.ui import forms, session

st.title("Frontline Board")
st.write(_("Raise what you see on the front line, follow it to the outcome."))

if session.auth_config() is not None:
    if st.button(_("Sign in with your company account"), type="primary"):
        st.login()
    st.stop()

with st.form("sign_in"):
    email = st.text_input(_("Email"), max_chars=320, autocomplete="username")
    password = st.text_input(_("Password"), type="password", max_chars=1024, autocomplete="current-password")
    # A refusal (one message for a wrong email or password, or a wait after too many) shows under the button.
    if st.form_submit_button(_("Sign in"), type="primary") and forms.attempt(lambda: session.begin_session(
            accounts.sign_in(session.store(), email, password, address=session.client_address()),
            st.session_state.get("asked_for", ""))):
        st.rerun()

if demo.is_demo(session.store()):  # the table needs pandas (a second): imported here, after the form is shown
    from board.web.ui import tables

    st.subheader(_("Demo organisation"))
    st.write(_("Every demo person's password is `{password}`:", password=demo.PASSWORD))
    tables.table([{_("Email"): address, _("Role"): _(ROLE_LABELS[role])}
                  for role, (address, _password) in demo.KNOWN.items()], hide_index=True)
