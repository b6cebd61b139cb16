"""Who is signed in: OpenID Connect (st.login) or built-in accounts with a session cookie, re-read every rerun."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from board import accounts, db, people, release
from board.access import Person, can_open

COOKIE = "board_session"
COOKIE_MAX_AGE = 30 * 24 * 3600  # the server ends idle sessions after 12 hours; this only bounds the cookie
MIN_COOKIE_SECRET = 32


@dataclass(frozen=True)
class Identity:
    """The outcome of identifying the browser: signed out, signed in as a person, or no access."""

    state: str  # "signed_out" | "signed_in" | "no_access"
    person: Person | None = None
    email: str = ""


def store() -> db.Store:
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
        return (f"Sign-in is misconfigured: [auth] cookie_secret in .streamlit/secrets.toml must be a random "
                f"string of at least {MIN_COOKIE_SECRET} characters. The app will not start without it.")
    return None


def identify(store: db.Store) -> Identity:
    """Resolve the browser to an active person in the roster, reading role and active flag now."""
    if auth_config() is not None:
        return _identify_oidc(store)
    person = accounts.resume_session(store, _session_token())
    return Identity("signed_in", person) if person else Identity("signed_out")


def _session_token() -> str | None:
    """This session's token, else the browser cookie's; anything that is not text is no token."""
    token = st.session_state.get("session_token") or st.context.cookies.get(COOKIE)
    return token if isinstance(token, str) else None


def _identify_oidc(store: db.Store) -> Identity:
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
        st.error("You are not allowed to open this page.")
        st.stop()
    try:
        release.release_due(store())
    except db.StoreError:
        pass  # busy or conflicting: the next page view anywhere releases them
    return identity.person


def begin_session(person: Person) -> None:
    """After a built-in sign-in: remember the token in this session and set the browser cookie."""
    token = accounts.start_session(store(), person.id)
    st.session_state["session_token"] = token
    st.session_state["cookie_script"] = _cookie_script(token, COOKIE_MAX_AGE)


def sign_out() -> None:
    """End the session everywhere (built-in) or through the identity provider's cookie (OIDC)."""
    if auth_config() is not None:
        st.logout()
        return
    accounts.end_session(store(), _session_token())
    st.session_state.clear()
    st.session_state["cookie_script"] = _cookie_script("", 0)
    st.rerun()


def _cookie_script(token: str, max_age: int) -> str:
    # The token is URL-safe base64 made by us, never user text.
    secure = "; Secure" if (st.context.url or "").startswith("https:") else ""
    return f"<script>document.cookie = '{COOKIE}={token}; Path=/; Max-Age={max_age}; SameSite=Strict{secure}';</script>"


def flush_cookie() -> None:
    """Send a pending cookie change to the browser (once)."""
    script = st.session_state.pop("cookie_script", None)
    if script:
        st.html(script, unsafe_allow_javascript=True)
