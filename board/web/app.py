"""Frontline Board's entrypoint: identify the person, register only their role's pages, run navigation."""

import streamlit as st

from board.feedback import inbox
from board.morale import pulse
from board.org.access import PAGE_ROLES, role_and_place
from board.web.ui import forms, session

st.set_page_config(page_title="Frontline Board", layout="wide")
# Links in the page read as links (Streamlit draws st.page_link as grey text) and wrap on a phone instead of being
# cut off. Fixed CSS only: nothing a person typed ever goes into st.html.
st.html("<style>[data-testid='stMain'] [data-testid='stPageLink-NavLink'] * {color: #1a5fb4; "
        "text-decoration: underline; white-space: normal; overflow: visible; text-overflow: clip;}</style>")

PAGES = {  # key -> (section, file, title); PAGE_ROLES says who may open each
    "home": ("", "app_pages/home.py", "Home"),
    "raise": ("Suggestions", "app_pages/raise_suggestion.py", "Raise a suggestion"),
    "my_suggestions": ("Suggestions", "app_pages/my_suggestions.py", "My suggestions"),
    "inbox": ("Suggestions", "app_pages/inbox.py", "Inbox"),
    "browse": ("Suggestions", "app_pages/browse.py", "All suggestions"),
    "suggestion": ("Suggestions", "app_pages/suggestion.py", "Suggestion"),
    "follow": ("Suggestions", "app_pages/follow.py", "Follow with a code"),
    "pulse": ("", "app_pages/pulse.py", "Morale pulse"),
    "account": ("", "app_pages/account.py", "My account"),
    "minutes": ("Meetings", "app_pages/minutes.py", "Meeting minutes"),
    "my_actions": ("Meetings", "app_pages/my_actions.py", "My actions"),
    "action": ("Meetings", "app_pages/action.py", "Action"),
    "playbook": ("Meetings", "app_pages/playbook.py", "Playbook"),
    "dashboard": ("Manage", "app_pages/dashboard.py", "Dashboards"),
    "triage": ("Manage", "app_pages/triage.py", "Triage"),
    "review": ("Manage", "app_pages/review.py", "Review queue"),
    "overview": ("Manage", "app_pages/overview.py", "Office overview"),
    "people": ("Manage", "app_pages/people.py", "People"),
    "admin_people": ("Admin", "app_pages/admin_people.py", "Accounts and roles"),
    "admin_roster": ("Admin", "app_pages/admin_roster.py", "Roster import"),
    "admin_settings": ("Admin", "app_pages/admin_settings.py", "Settings"),
    "admin_outbox": ("Admin", "app_pages/admin_outbox.py", "Outbox"),
}
HIDDEN = {"suggestion", "action"}  # opened by their links (?id=N), not listed in the sidebar


def navigation_for(person) -> dict[str, list[st.Page]]:
    """The person's pages by section; the inbox title carries the unread count."""
    unread = inbox.unread_count(session.store(), person)
    sections: dict[str, list[st.Page]] = {}
    for key, (section, path, title) in PAGES.items():
        if person.role in PAGE_ROLES[key]:
            title = f"{title} ({unread})" if key == "inbox" and unread else title
            sections.setdefault(section, []).append(st.Page(path, title=title, url_path=key, default=key == "home",
                                                            visibility="hidden" if key in HIDDEN else "visible"))
    return sections


config = session.auth_config()
problem = session.oidc_problem(config) if config is not None else None
if problem:
    st.error(problem)
    st.stop()
# The store busy, unreadable or too new: one line, and nothing else is drawn.
identity = forms.attempt(lambda: session.identify(session.store())).or_stop()
problem = forms.attempt(lambda: pulse.key_problem(session.store().dialect)).or_stop()
if problem:
    st.error(problem)
    st.stop()

pages: dict[str, list[st.Page]] | list[st.Page]  # by section when signed in, else one list without sections
if identity.state == "signed_in":
    pages = navigation_for(identity.person)
    with st.sidebar:
        you = identity.person
        st.text(f"{you.name}\n{role_and_place(you)}")
        if st.button("Sign out", key="sign_out"):
            session.sign_out()
elif identity.state == "no_access":
    pages = [st.Page("app_pages/no_access.py", title="No access", default=True)]
else:  # every page's URL shows the sign-in form, which then returns to the page asked for
    pages = [st.Page("app_pages/sign_in.py", title="Sign in", url_path=key, default=key == "home") for key in PAGES]

session.follow_redirect()
page = st.navigation(pages, expanded=True, position="sidebar" if identity.state == "signed_in" else "hidden")
if identity.state == "signed_out":
    session.remember_asked_for(page.url_path)
forms.forget_errors_on_page_change(page.url_path)
forms.attempt(page.run)  # a refusal a page did not expect (e.g. the store lost mid-page) is one line, no traceback
