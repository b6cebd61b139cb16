"""Built-in sessions at the edge (issue 13, finding 1): the cookie is set by the server, HttpOnly and
SameSite=Strict (Secure over HTTPS); a one-time code carries a sign-in from the page to the server; every sign-in
gets a fresh token; a session ends after its lifetime however often it is used; and sign-in returns to the page
asked for, never to another site or a page the person may not open.

The routes and headers are exercised through Starlette's test client on the real routes and a real database (both
backends); tests/security/test_server_config.py checks the same headers on a live server, and
tests/browser/test_sign_in.py the cookie in a real browser."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from board.org import accounts, settings
from board.web.ui import edge

T0 = datetime(2026, 11, 2, 9, 0)


def client(store, base_url: str = "http://testserver") -> TestClient:
    app = Starlette(routes=edge.routes(lambda: store), middleware=[Middleware(edge.SecurityHeaders)])
    return TestClient(app, base_url=base_url, follow_redirects=False)


def cookie_header(response) -> str:
    cookies = [v for k, v in response.headers.multi_items() if k.lower() == "set-cookie"]
    assert len(cookies) == 1, cookies
    return cookies[0]


# --- the one-time code ----------------------------------------------------------------------------------------

def test_a_sign_in_code_works_once_and_gives_a_session_of_its_person(demo_store, known):
    code = accounts.start_handoff(demo_store, known["staff"].id)
    token, person = accounts.redeem_handoff(demo_store, code)
    assert person == known["staff"]
    assert accounts.resume_session(demo_store, token) == known["staff"]
    assert accounts.redeem_handoff(demo_store, code) is None
    assert accounts.redeem_handoff(demo_store, "made-up") is None
    assert accounts.redeem_handoff(demo_store, None) is None


def test_a_sign_in_code_expires_within_ten_minutes(demo_store, known):
    code = accounts.start_handoff(demo_store, known["staff"].id, now=T0)
    assert accounts.redeem_handoff(demo_store, code, now=T0 + timedelta(minutes=10, seconds=1)) is None
    fresh = accounts.start_handoff(demo_store, known["staff"].id, now=T0)
    assert accounts.redeem_handoff(demo_store, fresh, now=T0 + timedelta(minutes=4)) is not None


def test_a_code_for_someone_deactivated_meanwhile_gives_no_session(demo_store, known):
    code = accounts.start_handoff(demo_store, known["manager"].id)
    demo_store.write(lambda con: con.execute("UPDATE people SET active = FALSE WHERE id = ?", (known["manager"].id,)))
    assert accounts.redeem_handoff(demo_store, code) is None


def test_a_password_reset_cancels_sign_in_codes_not_yet_redeemed(demo_store, known):
    code = accounts.start_handoff(demo_store, known["staff"].id)
    accounts.admin_set_password(demo_store, known["admin"], known["staff"].id, "a new password 123")
    assert accounts.redeem_handoff(demo_store, code) is None


def test_the_database_keeps_only_hashes_of_codes_and_no_used_code(demo_store, known):
    code = accounts.start_handoff(demo_store, known["staff"].id)
    with demo_store.read() as con:
        stored = con.rows("SELECT code_hash FROM session_handoffs")
    assert stored and all(code not in row["code_hash"] for row in stored)
    accounts.redeem_handoff(demo_store, code)
    with demo_store.read() as con:
        assert con.scalar("SELECT count(*) FROM session_handoffs") == 0


# --- lifetime ---------------------------------------------------------------------------------------------------

def test_a_session_used_every_eleven_hours_ends_after_seven_days(demo_store, known):
    """Before: only the 12-hour idle limit applied, so a session used every 11 hours lived for months."""
    token = accounts.start_session(demo_store, known["staff"].id, now=T0)
    moment = T0
    while moment + timedelta(hours=11) < T0 + timedelta(days=7):
        moment += timedelta(hours=11)
        assert accounts.resume_session(demo_store, token, now=moment) == known["staff"], moment
    assert accounts.resume_session(demo_store, token, now=T0 + timedelta(days=7, minutes=10)) is None


def test_the_lifetime_is_a_setting(demo_store, known):
    settings.save(demo_store, known["admin"], anonymity_k=5, ack_sla_days=5, categories=["policy"], session_days=2)
    assert accounts.session_lifetime(demo_store) == timedelta(days=2)
    token = accounts.start_session(demo_store, known["staff"].id, now=T0)
    for hours in (11, 22, 33, 44):
        assert accounts.resume_session(demo_store, token, now=T0 + timedelta(hours=hours)) == known["staff"]
    assert accounts.resume_session(demo_store, token, now=T0 + timedelta(days=2, minutes=10)) is None


def test_the_lifetime_setting_is_validated():
    assert "session_days" in settings.validate(5, 5, ["policy"], 14, 0)
    assert "session_days" in settings.validate(5, 5, ["policy"], 14, 31)
    assert "session_days" not in settings.validate(5, 5, ["policy"], 14, 7)


# --- the server's routes ----------------------------------------------------------------------------------------

def test_begin_sets_an_httponly_strict_cookie_for_the_lifetime_and_returns_to_the_page(demo_store, known):
    code = accounts.start_handoff(demo_store, known["manager"].id)
    response = client(demo_store).get("/session/begin", params={"code": code, "next": "browse?id=1072"})
    assert response.status_code == 303
    assert response.headers["location"] == "/browse?id=1072"
    cookie = cookie_header(response)
    token = cookie.split(";")[0].split("=", 1)[1]
    assert cookie.startswith(f"{edge.COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Max-Age=604800" in cookie
    assert "Secure" not in cookie  # plain HTTP (localhost): a Secure cookie would never come back
    assert response.headers["cache-control"] == "no-store"
    assert accounts.resume_session(demo_store, token) == known["manager"]


def test_over_https_the_cookie_is_secure_and_transport_security_is_asked(demo_store, known):
    code = accounts.start_handoff(demo_store, known["manager"].id)
    response = client(demo_store, "https://board.example").get("/session/begin", params={"code": code})
    assert "Secure" in cookie_header(response)
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_signing_in_again_ends_the_session_the_browser_carried(demo_store, known):
    """Rotation: the token from before sign-in is never reused, and stops working."""
    old = accounts.start_session(demo_store, known["staff"].id)
    code = accounts.start_handoff(demo_store, known["staff"].id)
    browser = client(demo_store)
    browser.cookies.set(edge.COOKIE, old)
    response = browser.get("/session/begin", params={"code": code})
    new = cookie_header(response).split(";")[0].split("=", 1)[1]
    assert new != old
    assert accounts.resume_session(demo_store, old) is None
    assert accounts.resume_session(demo_store, new) == known["staff"]


def test_a_used_or_made_up_code_sets_no_cookie(demo_store, known):
    code = accounts.start_handoff(demo_store, known["staff"].id)
    assert client(demo_store).get("/session/begin", params={"code": code}).status_code == 303
    for attempt in (code, "made-up", ""):
        response = client(demo_store).get("/session/begin", params={"code": attempt, "next": "browse"})
        assert response.status_code == 303 and response.headers["location"] == "/"
        assert "set-cookie" not in response.headers


def test_a_sign_in_or_out_link_from_another_site_does_nothing(demo_store, known):
    """Login CSRF: someone's own sign-in code, sent to a colleague as a link, must not sign the colleague in as
    them; nor may another site sign anyone out. Browsers say where a navigation comes from (Sec-Fetch-Site)."""
    for site in ("cross-site", "same-site", "none"):  # "none": opened from an email or chat program
        code = accounts.start_handoff(demo_store, known["staff"].id)
        response = client(demo_store).get("/session/begin", params={"code": code}, headers={"Sec-Fetch-Site": site})
        assert response.headers["location"] == "/" and "set-cookie" not in response.headers, site
    token = accounts.start_session(demo_store, known["staff"].id)
    browser = client(demo_store)
    browser.cookies.set(edge.COOKIE, token)
    response = browser.get("/session/end", headers={"Sec-Fetch-Site": "same-site"})
    assert "set-cookie" not in response.headers
    assert accounts.resume_session(demo_store, token) == known["staff"]
    # From the app's own pages both work; signing out from a typed or bookmarked URL too.
    code = accounts.start_handoff(demo_store, known["staff"].id)
    assert "set-cookie" in client(demo_store).get("/session/begin", params={"code": code},
                                                  headers={"Sec-Fetch-Site": "same-origin"}).headers
    assert "set-cookie" in browser.get("/session/end", headers={"Sec-Fetch-Site": "none"}).headers
    assert accounts.resume_session(demo_store, token) is None


def test_end_ends_the_session_and_clears_the_cookie(demo_store, known):
    token = accounts.start_session(demo_store, known["staff"].id)
    browser = client(demo_store)
    browser.cookies.set(edge.COOKIE, token)
    response = browser.get("/session/end")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = cookie_header(response)
    assert cookie.startswith(f'{edge.COOKIE}="";') and "Max-Age=0" in cookie and "HttpOnly" in cookie
    assert accounts.resume_session(demo_store, token) is None


@pytest.mark.parametrize(("asked_for", "role", "lands"), [
    ("triage?id=12", "manager", "/triage?id=12"),
    ("browse?id=5&x=1", "staff", "/browse?id=5&x=1"),
    ("", "staff", "/"),
    ("home", "staff", "/"),
    ("admin_people", "staff", "/"),                    # not a page the person may open
    ("triage", "staff", "/"),
    ("https://evil.example/triage", "manager", "/"),   # never another site
    ("//evil.example/triage", "manager", "/"),
    ("/\\evil.example", "manager", "/"),
    ("triage/../../x", "manager", "/"),
    ("no_such_page", "manager", "/"),
    ("browse?id=" + "9" * 200, "staff", "/browse"),    # long values dropped
    ("browse?<script>=1", "staff", "/browse"),
])
def test_sign_in_returns_only_to_our_own_pages_the_person_may_open(asked_for, role, lands, known_people):
    assert edge.landing(asked_for, known_people[role]) == lands


@pytest.fixture
def known_people():
    from board.org.access import Person
    return {role: Person(id=1, email=f"{role}@x", name=role, role=role, active=True, team_id=1, team="t",
                         office_id=1, office="o", region_id=1, region="r")
            for role in ("staff", "manager", "regional_manager", "leader", "admin")}


def test_every_response_forbids_framing_and_carries_the_content_security_policy(demo_store):
    response = client(demo_store).get("/session/end")
    assert response.headers["x-frame-options"] == "DENY"
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-eval'" not in policy and "script-src 'self' 'sha256-" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
