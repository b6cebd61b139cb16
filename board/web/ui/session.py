"""Who is signed in: OpenID Connect (st.login) or built-in accounts with a session cookie, re-read every rerun."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from board import store as db
from board.feedback import release
from board.i18n import _
from board.org import accounts, people, throttle
from board.org.access import Person, can_open
from board.web.ui.edge import COOKIE, REDIRECT_SCRIPT

MIN_COOKIE_SECRET = 32


@dataclass(frozen=True)
class Identity:
    """The outcome of identifying the browser: signed out, signed in as a person, or no access."""

    state: str  # "signed_out" | "signed_in" | "no_access"
    person: Person | None = None
    email: str = ""


def store() -> db.Database:
    """The process-wide store (one connection per process; a cursor per unit of work)."""
    return db.open_store()


def auth_config() -> dict | None:
    """The [auth] section of secrets.toml, or None for built-in accounts."""
    try:
        return dict(st.secrets["auth"]) if "auth" in st.secrets else None
    except (FileNotFoundError, KeyError, StreamlitSecretNotFoundError):
        return None


def oidc_problem(config: dict) -> str | None:
    """Why an [auth] section cannot be used safely, or None."""
    if len(str(config.get("cookie_secret", ""))) < MIN_COOKIE_SECRET:
        return _("Sign-in is misconfigured: [auth] cookie_secret in .streamlit/secrets.toml must be a random "
                 "string of at least {length} characters. The app will not start without it.",
                 length=MIN_COOKIE_SECRET)
    return None


def identify(store: db.Database) -> Identity:
    """Resolve the browser to an active person in the roster, reading role and active flag now."""
    if auth_config() is not None:
        return _identify_oidc(store)
    person = accounts.resume_session(store, current_token())
    return Identity("signed_in", person) if person else Identity("signed_out")


def client_address() -> str | None:
    """The browser's address for the sign-in limits (X-Forwarded-For only from BOARD_TRUSTED_PROXIES)."""
    return throttle.client_address(st.context.ip_address, st.context.headers.get_all("X-Forwarded-For"))


def current_token() -> str | None:
    """The browser cookie's session token (set only by the server, board.ui.edge); AppTest puts one in session
    state instead, as it has no cookies. Anything that is not text is no token."""
    token = st.session_state.get("session_token") or st.context.cookies.get(COOKIE)
    return token if isinstance(token, str) else None


def _identify_oidc(store: db.Database) -> Identity:
    if not st.user.is_logged_in:
        return Identity("signed_out")
    email = str(st.user.get("email") or "")
    person = people.find_by_email(store, email) if st.user.get("email_verified") is True else None
    if person is None or not person.active:
        return Identity("no_access", email=email)
    return Identity("signed_in", person)


def page_person(page: str) -> Person:
    """The signed-in person if their role may open this page; otherwise 'not allowed' and the page stops.
    Every page passes here, so this is also where the day's anonymous suggestions are released (one cheap
    query when nothing is due)."""
    identity = identify(store())
    if identity.person is None or not can_open(identity.person.role, page):
        st.error(_("You are not allowed to open this page."))
        st.stop()
    try:
        release.release_due(store())
    except db.StoreError:
        pass  # busy or conflicting: the next page view anywhere releases them
    return identity.person


def begin_session(person: Person, asked_for: str = "") -> None:
    """After a built-in sign-in: send the browser to the server's /session/begin with a one-time code; the
    server sets the HttpOnly cookie and returns it to the page it asked for (board.server)."""
    code = accounts.start_handoff(store(), person.id)
    st.session_state["redirect"] = "/session/begin?" + urlencode({"code": code, "next": asked_for})


def sign_out() -> None:
    """End the session everywhere (built-in) or through the identity provider's cookie (OIDC)."""
    if auth_config() is not None:
        st.logout()
        return
    accounts.end_session(store(), current_token())
    st.session_state.clear()
    st.session_state["redirect"] = "/session/end"  # the server clears the cookie
    st.rerun()


def remember_asked_for(url_path: str) -> None:
    """Signed out: the page and query the browser asked for, to return there after sign-in (the server checks
    that it is one of ours and that the person may open it)."""
    query = urlencode(list(st.query_params.to_dict().items())[:5])
    st.session_state["asked_for"] = url_path + (f"?{query}" if query else "")


def follow_redirect() -> None:
    """If the browser must visit a server route (sign-in, sign-out), send it there and draw nothing else.
    The link is shown too, for a browser that does not follow it at once."""
    url = st.session_state.pop("redirect", None)
    if url:
        st.html(f'<p>{escape(_("One moment..."))} <a id="board-continue" href="{escape(url)}" target="_self">'
                f'{escape(_("Continue"))}</a></p><script>{REDIRECT_SCRIPT}</script>', unsafe_allow_javascript=True)
        st.stop()
