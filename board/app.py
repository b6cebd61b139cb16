"""Frontline Board's entrypoint: identify the person, register only their role's pages, run navigation."""

import streamlit as st

from board import db
from board.access import PAGE_ROLES
from board.ui import session

st.set_page_config(page_title="Frontline Board", layout="wide")

PAGES = {  # key -> (file, title); PAGE_ROLES says who may open each
    "home": ("app_pages/home.py", "Home"),
    "people": ("app_pages/people.py", "People"),
    "admin_people": ("app_pages/admin_people.py", "Accounts and roles"),
    "admin_roster": ("app_pages/admin_roster.py", "Roster import"),
    "admin_settings": ("app_pages/admin_settings.py", "Settings"),
}

config = session.auth_config()
problem = session.oidc_problem(config) if config is not None else None
if problem:
    st.error(problem)
    st.stop()
try:
    identity = session.identify(session.store())
except db.StoreError as error:
    st.error(str(error))
    st.stop()

if identity.state == "signed_in":
    role = identity.person.role
    pages = [st.Page(PAGES[key][0], title=PAGES[key][1], url_path=key, default=key == "home")
             for key in PAGES if role in PAGE_ROLES[key]]
    with st.sidebar:
        st.text(f"{identity.person.name}\n{identity.person.role_label} · {identity.person.team}, {identity.person.office}")
        if st.button("Sign out", key="sign_out"):
            session.sign_out()
elif identity.state == "no_access":
    pages = [st.Page("app_pages/no_access.py", title="No access", default=True)]
else:
    pages = [st.Page("app_pages/sign_in.py", title="Sign in", default=True)]

session.flush_cookie()
st.navigation(pages).run()
