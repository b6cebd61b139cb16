"""Shown to a signed-in identity that is not an active person in the roster, or whose email is not verified."""

import streamlit as st

from board.i18n import _
from board.web.ui import session

st.title(_("No access"))
st.write(_("You signed in, but this account has no access to Frontline Board: its email is not verified, "
           "or it is not an active person in the roster. Ask your Frontline Board administrator to add you."))
st.text(_("Signed in as: {email}", email=session.identify(session.store()).email or _("unknown email")))
if st.button(_("Sign out")):
    session.sign_out()
