"""The app's pages in AppTest: the one way every AppTest test opens a page as a person (`open_page`), the app
signed out or signed in through OpenID Connect, the router's page table, and small readers of what a page shows.

    at = open_page(store, known["manager"], "triage")                    # through the app's navigation
    at = open_page(store, "staff@demo.board", "browse", query={"id": 7})  # a person by email; ?id=7
    at = open_page(store, person)                                        # signed in, on Home
    at = open_page(store, person, "minutes", direct=True)                # the page file alone, no navigation
"""

from __future__ import annotations

import ast
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from streamlit.testing.v1 import AppTest

from board.demo import calendars as demo_calendars
from board.org import accounts, people
from board.org.access import PAGE_ROLES, ROLES
from tests.support import paths

APP = str(paths.APP)
TIMEOUT = 60  # seconds one run of a page may take (the dashboard's first run is the slowest)


class _Unmark(ast.NodeTransformer):
    """N_("Home") -> "Home": the router's table marks its titles for the catalogue."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if isinstance(node.func, ast.Name) and node.func.id == "N_" and len(node.args) == 1:
            return node.args[0]
        return self.generic_visit(node)


def app_constant(name: str):
    """A literal assigned at the top of board/web/app.py (PAGES, HIDDEN: a script, so not importable), read without
    running the app; its titles in English."""
    tree = ast.parse(Path(APP).read_text(encoding="utf-8"))
    value = next(node.value for node in tree.body
                 if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == name)
    return ast.literal_eval(_Unmark().visit(value))


def _router_files() -> dict[str, str]:
    """page key -> page file, read from the PAGES table in the router."""
    return {key: next(v for v in entry if v.endswith(".py")) for key, entry in app_constant("PAGES").items()}


FILES = _router_files()  # page key ("raise") -> page file relative to app.py ("app_pages/raise_suggestion.py")
ALLOWED = [(role, page) for page, roles in PAGE_ROLES.items() for role in ROLES if role in roles]
FORBIDDEN = [(role, page) for page, roles in PAGE_ROLES.items() for role in ROLES if role not in roles]


def page_file(page: str) -> str:
    """A page key of the router ("raise") or a page file ("app_pages/raise_suggestion.py", also one the router
    does not know): the file, relative to app.py, as AppTest.switch_page takes it."""
    return page if page.endswith(".py") else FILES[page]


def open_page(store, person, page: str | None = None, *, query: dict | None = None, state: dict | None = None,
              direct: bool = False) -> AppTest:
    """The app run for a person with a real built-in session: on Home, or on `page` (a key or a page file)
    reached through the app's navigation, as a click in the sidebar does. `person` is a Person or an email.

    query: URL parameters the page is opened with (?id=7). state: session state set before the first run.
    direct: run the page file alone instead of the app (navigation bypassed, as a forged request would), so
    that the page's own role and scope checks are what is tested.
    The page ran without an exception; everything else is the test's to check."""
    if isinstance(person, str):
        person = people.find_by_email(store, person)
    at = AppTest.from_file(str(Path(APP).parent / page_file(page)) if direct else APP, default_timeout=TIMEOUT)
    at.session_state["session_token"] = accounts.start_session(store, person.id)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    if not direct:
        at.run()
        if page is not None:
            at.switch_page(page_file(page))
    if direct or page is not None or query:
        for key, value in (query or {}).items():
            at.query_params[key] = str(value)
        at.run()
    assert not at.exception, at.exception
    return at


def signed_out() -> AppTest:
    """The app as a browser without a session sees it, run once (the sign-in page)."""
    return AppTest.from_file(APP, default_timeout=TIMEOUT).run()


def oidc_app(user: dict, cookie_secret: str | None = "s" * 40) -> AppTest:
    """The app in OpenID Connect mode ([auth] in secrets) with st.user set as the provider would
    (cookie_secret None: the key is missing)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets["auth"] = {"cookie_secret": cookie_secret, "redirect_uri": "http://localhost:8501/oauth2callback",
                          "client_id": "board", "client_secret": "secret",
                          "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
    if cookie_secret is None:
        del at.secrets["auth"]["cookie_secret"]
    at.user = user
    return at.run()


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def by_label(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def texts(at: AppTest) -> str:
    """The page's plain texts, then its error, success and warning messages."""
    return "\n".join(t.value for t in at.text) + "\n".join(str(e.value) for e in [*at.error, *at.success, *at.warning])


def frame(element):
    """A table element's data with its headers back to the names the code gives its columns ("Days waiting" ->
    "days_waiting", "#" -> "id"; "eNPS" stays), so that tests read columns as the services name them."""
    data = element.value
    named = {c: "id" if c == "#" else (c.lower().replace(" ", "_") if c[:1].isupper() and c[1:] == c[1:].lower()
                                        else c) for c in map(str, data.columns)}
    return data.rename(columns=named)


DEMO_ZONE = demo_calendars.ZONES["Kuala Lumpur"]  # the known demo people's office


def local_today(zone: str = DEMO_ZONE) -> date:
    """Today in an office's time zone: the day its pages count from (their due dates, "today", overdue)."""
    return datetime.now(ZoneInfo(zone)).date()
