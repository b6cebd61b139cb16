"""Shown to a signed-in identity that is not an active person in the roster, or whose email is not verified."""

import streamlit as st

from board.web.ui import session

st.title("No access")
st.write("You signed in, but this account has no access to Frontline Board: its email is not verified, "
         "or it is not an active person in the roster. Ask your Frontline Board administrator to add you.")
st.text(f"Signed in as: {session.identify(session.store()).email or 'unknown email'}")
if st.button("Sign out"):
    session.sign_out()
