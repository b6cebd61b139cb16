"""Frontline Board's entrypoint: identify the person, register only their role's pages, run navigation."""

from functools import partial

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from board import i18n
from board.feedback import inbox
from board.i18n import N_, _
from board.morale import pulse
from board.org import calendar, settings
from board.org.access import PAGE_ROLES, role_and_place
from board.web.ui import forms, session

LOCALE_KEY = "board_locale"  # (locale, zone) of this session's last run


def _session_locale() -> tuple[str | None, str | None]:
    """The locale and zone of the session whose script thread asks (a widget's callback runs before this script
    sets them for the run); none outside a session (the notification worker sets its own per recipient)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None, None
    return st.session_state.get(LOCALE_KEY, (None, None))


i18n.register_fallback(_session_locale)
st.set_page_config(page_title="Frontline Board", layout="wide")
i18n.set_locale(i18n.choose(None, st.context.locale, None))  # until the person and the settings are read
# Links in the page read as links (Streamlit draws st.page_link as grey text) and wrap on a phone instead of being
# cut off. Fixed CSS only: nothing a person typed ever goes into st.html.
st.html("<style>[data-testid='stMain'] [data-testid='stPageLink-NavLink'] * {color: #1a5fb4; "
        "text-decoration: underline; white-space: normal; overflow: visible; text-overflow: clip;}</style>")

PAGES = {  # key -> (section, file, title); PAGE_ROLES says who may open each
    "home": ("", "app_pages/home.py", N_("Home")),
    "raise": (N_("Suggestions"), "app_pages/raise_suggestion.py", N_("Raise a suggestion")),
    "my_suggestions": (N_("Suggestions"), "app_pages/my_suggestions.py", N_("My suggestions")),
    "inbox": (N_("Suggestions"), "app_pages/inbox.py", N_("Inbox")),
    "browse": (N_("Suggestions"), "app_pages/browse.py", N_("All suggestions")),
    "suggestion": (N_("Suggestions"), "app_pages/suggestion.py", N_("Suggestion")),
    "follow": (N_("Suggestions"), "app_pages/follow.py", N_("Follow with a code")),
    "pulse": ("", "app_pages/pulse.py", N_("Morale pulse")),
    "account": ("", "app_pages/account.py", N_("My account")),
    "minutes": (N_("Meetings"), "app_pages/minutes.py", N_("Meeting minutes")),
    "my_actions": (N_("Meetings"), "app_pages/my_actions.py", N_("My actions")),
    "action": (N_("Meetings"), "app_pages/action.py", N_("Action")),
    "playbook": (N_("Meetings"), "app_pages/playbook.py", N_("Playbook")),
    "dashboard": (N_("Manage"), "app_pages/dashboard.py", N_("Dashboards")),
    "triage": (N_("Manage"), "app_pages/triage.py", N_("Triage")),
    "review": (N_("Manage"), "app_pages/review.py", N_("Review queue")),
    "overview": (N_("Manage"), "app_pages/overview.py", N_("Office overview")),
    "people": (N_("Manage"), "app_pages/people.py", N_("People")),
    "admin_people": (N_("Admin"), "app_pages/admin_people.py", N_("Accounts and roles")),
    "admin_roster": (N_("Admin"), "app_pages/admin_roster.py", N_("Roster import")),
    "admin_settings": (N_("Admin"), "app_pages/admin_settings.py", N_("Settings")),
    "admin_outbox": (N_("Admin"), "app_pages/admin_outbox.py", N_("Outbox")),
}
HIDDEN = {"suggestion", "action"}  # opened by their links (?id=N), not listed in the sidebar


def navigation_for(person) -> dict[str, list[st.Page]]:
    """The person's pages by section; the inbox title carries the unread count."""
    unread = inbox.unread_count(session.store(), person)
    sections: dict[str, list[st.Page]] = {}
    for key, (section, path, title) in PAGES.items():
        if person.role in PAGE_ROLES[key]:
            title = _("{title} ({unread})", title=_(title), unread=unread) if key == "inbox" and unread else _(title)
            sections.setdefault(_(section) if section else "", []).append(
                st.Page(path, title=title, url_path=key, default=key == "home",
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

# The language: the person's own choice, else their browser's if we speak it, else the organisation's default. The
# time zone times are shown in: their office's.
organisation = forms.attempt(lambda: settings.load(session.store())).or_stop()
you = identity.person if identity.state == "signed_in" else None
i18n.set_locale(i18n.choose(you.locale if you else None, st.context.locale, organisation.default_locale))
i18n.set_zone(forms.attempt(partial(calendar.person_zone, session.store(), you, organisation.time_zone)).or_stop()
              if you is not None else organisation.time_zone)
st.session_state[LOCALE_KEY] = (i18n.current(), i18n.viewer_zone())
i18n.set_category_names(organisation.category_names)

pages: dict[str, list[st.Page]] | list[st.Page]  # by section when signed in, else one list without sections
if identity.state == "signed_in":
    pages = navigation_for(identity.person)
    with st.sidebar:
        you = identity.person
        st.text(f"{you.name}\n{role_and_place(you)}")
        if st.button(_("Sign out"), key="sign_out"):
            session.sign_out()
elif identity.state == "no_access":
    pages = [st.Page("app_pages/no_access.py", title=_("No access"), default=True)]
else:  # every page's URL shows the sign-in form, which then returns to the page asked for
    pages = [st.Page("app_pages/sign_in.py", title=_("Sign in"), url_path=key, default=key == "home") for key in PAGES]

session.follow_redirect()
page = st.navigation(pages, expanded=True, position="sidebar" if identity.state == "signed_in" else "hidden")
if identity.state == "signed_out":
    session.remember_asked_for(page.url_path)
forms.forget_errors_on_page_change(page.url_path)
forms.attempt(page.run)  # a refusal a page did not expect (e.g. the store lost mid-page) is one line, no traceback
