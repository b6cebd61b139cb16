"""The sign-in form through the app (AppTest): one generic refusal, a one-time code handed to the server for its
HttpOnly cookie, throttling and its end, signing out; OpenID Connect mode with a bad cookie secret and with a
verified email. What the server does with the code and the cookie: tests/security/test_sessions.py."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from board import demo
from board.org import accounts, throttle
from board.reporting import reports
from tests.support.pages import by_label, errors, oidc_app, open_page, page_file, signed_out, titles

GENERIC_REFUSAL = "That email and password do not match an active account."


def redirect(at: AppTest) -> str | None:
    """Where the page sends the browser (a server route), if anywhere: the link the redirect script follows."""
    bodies = [element.body for element in at.html if 'id="board-continue"' in element.body]
    assert len(bodies) <= 1
    return re.search(r'href="([^"]+)"', bodies[0]).group(1).replace("&amp;", "&") if bodies else None


def sign_in_with(at: AppTest, email: str, password: str) -> AppTest:
    by_label(at.text_input, "Email").input(email)
    by_label(at.text_input, "Password").input(password)
    return by_label(at.form_submit_button, "Sign in").click().run()


# --- the sign-in form -----------------------------------------------------------

@pytest.mark.slow
def test_wrong_password_or_unknown_email_shows_one_generic_message(demo_db_path):
    at = sign_in_with(signed_out(), "admin@demo.board", "wrong")
    assert errors(at) == [GENERIC_REFUSAL]
    assert redirect(at) is None
    at = sign_in_with(signed_out(), "nobody@demo.board", "demo")
    assert errors(at) == [GENERIC_REFUSAL]
    assert redirect(at) is None
    assert titles(at) == ["Frontline Board"]


def test_right_password_hands_the_browser_a_one_time_code_for_the_server_set_cookie(demo_store, known):
    """The page never writes the cookie (scripts cannot read an HttpOnly one): it sends the browser to the
    server's /session/begin with a code, which the server redeems once (tests/security/test_sessions.py)."""
    at = sign_in_with(signed_out(), "Admin@Demo.Board ", demo.PASSWORD)
    assert not at.exception and not errors(at)
    url = redirect(at)
    assert url.startswith("/session/begin?")
    assert not any("cookie" in element.body for element in at.html)
    code = parse_qs(urlsplit(url).query)["code"][0]
    token, person = accounts.redeem_handoff(demo_store, code)
    assert person == known["admin"]
    assert accounts.resume_session(demo_store, token) == known["admin"]


@pytest.mark.slow
def test_five_failures_then_right_password_is_throttled(demo_db_path):
    at = signed_out()
    for _ in range(accounts.MAX_FAILURES):
        at = sign_in_with(at, "staff@demo.board", "wrong")
    at = sign_in_with(at, "staff@demo.board", demo.PASSWORD)
    assert len(errors(at)) == 1 and errors(at)[0].startswith("Too many failed attempts")
    assert redirect(at) is None
    assert titles(at) == ["Frontline Board"]


@pytest.mark.slow
def test_after_the_wait_the_right_password_passes_the_sign_in_form(demo_store, known, monkeypatch):
    start = datetime(2026, 11, 2, 9, 0, 0)
    monkeypatch.setattr(accounts, "utcnow", lambda: start)
    at = signed_out()
    for _ in range(accounts.MAX_FAILURES):
        at = sign_in_with(at, "staff@demo.board", "wrong")
    at = sign_in_with(at, "staff@demo.board", demo.PASSWORD)
    assert errors(at) == ["Too many failed attempts for this email. Try again in 1 minute."]
    assert reports.admin_attention(demo_store, known["admin"], now=start)["locked"] == ["staff@demo.board"]
    monkeypatch.setattr(accounts, "utcnow", lambda: start + throttle.FIRST_WAIT)
    at = sign_in_with(at, "staff@demo.board", demo.PASSWORD)
    assert not at.exception and not errors(at)
    assert reports.admin_attention(demo_store, known["admin"], now=start)["locked"] == []  # signed in: forgotten


def test_sign_out_ends_the_session_and_sends_the_browser_to_clear_the_cookie(demo_store, known):
    at = open_page(demo_store, known["staff"])
    token = at.session_state["session_token"]
    at.sidebar.button(key="sign_out").click().run()
    assert redirect(at) == "/session/end"
    assert accounts.resume_session(demo_store, token) is None
    at.run()
    assert titles(at) == ["Frontline Board"]


# --- OpenID Connect ------------------------------------------------------------------

@pytest.mark.parametrize("cookie_secret", ["short", "", "s" * 31, None],
                         ids=["short", "empty", "31-chars", "missing"])
def test_oidc_short_or_missing_cookie_secret_stops_the_app(demo_db_path, cookie_secret):
    at = oidc_app({"is_logged_in": True, "email": "admin@demo.board", "email_verified": True},
                  cookie_secret=cookie_secret)
    assert not at.exception
    assert len(errors(at)) == 1 and "cookie_secret" in errors(at)[0]
    assert not titles(at) and not at.dataframe and not at.sidebar.button


def test_oidc_verified_email_of_active_person_opens_home(demo_db_path, known):
    at = oidc_app({"is_logged_in": True, "email": "Leader@Demo.Board", "email_verified": True})
    assert not at.exception
    assert titles(at) == ["Home"]
    at.switch_page(page_file("people")).run()
    assert titles(at) == ["People"]
