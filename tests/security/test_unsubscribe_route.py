"""The unsubscribe link of every email (issue 16), at the server's edge: it works without signing in, never on a
GET (mail scanners open links), once per link, for that kind only; a forged, used or missing token gets one and
the same answer; the RFC 8058 one-click POST of a mail program works; the page escapes what it shows and never
says whose link it was.

Through Starlette's test client on the real routes and a real database (both backends), and once on a live
server (the one-click POST must pass the server's own checks)."""

from __future__ import annotations

import base64
import http.client
import re
from html import escape
from urllib.parse import quote

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from board.notify import kinds, preferences, tokens
from board.web.ui import edge

SECRET = "tests-only-notify-secret-0123456789abcdef"
INVALID = "This unsubscribe link is not valid or was used already."
ONE_CLICK = {"content": b"List-Unsubscribe=One-Click",
             "headers": {"Content-Type": "application/x-www-form-urlencoded"}}


@pytest.fixture(autouse=True)
def notify_secret(monkeypatch):
    """Links are signed with the tests' key, never a key file in the project's data folder."""
    monkeypatch.setenv("BOARD_NOTIFY_SECRET", SECRET)


@pytest.fixture
def client(org_store) -> TestClient:
    app = Starlette(routes=edge.routes(lambda: org_store), middleware=[Middleware(edge.SecurityHeaders)])
    return TestClient(app, follow_redirects=False)


def paragraph(response) -> str:
    """The page's message: the text of its paragraph, tags dropped."""
    return re.sub(r"<[^>]+>", "", re.search(r"<p>(.*?)</p>", response.text, re.S).group(1)).strip()


def test_the_link_shows_a_button_and_changes_nothing_on_a_get(client, org_store, known):
    staff = known["staff"]
    token = tokens.make(staff.id, "reply")
    before = preferences.get(org_store, staff)
    response = client.get(f"/unsubscribe?token={token}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f'<input type="hidden" name="token" value="{token}">' in response.text
    assert '<form method="post" action="unsubscribe">' in response.text
    assert ">Unsubscribe</button>" in response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert preferences.get(org_store, staff) == before
    assert staff.name not in response.text and staff.email not in response.text


def test_the_button_unsubscribes_from_that_kind_only_and_says_so_in_words(client, org_store, known):
    manager = known["manager"]
    before = preferences.get(org_store, manager)
    assert before["reply"] != "never"
    response = client.post("/unsubscribe", data={"token": tokens.make(manager.id, "reply")})
    assert response.status_code == 200
    assert paragraph(response) == (f"You will no longer receive: {escape(kinds.KINDS['reply'])}. "
                                   "You can change this under My account.")
    assert '<a href="account">My account</a>' in response.text  # after sign-in, the choices are there
    after = preferences.get(org_store, manager)
    assert after == {**before, "reply": "never"}
    assert manager.name not in response.text and manager.email not in response.text
    assert response.headers["X-Frame-Options"] == "DENY" and response.headers["Cache-Control"] == "no-store"


def test_a_link_works_once(client, org_store, known):
    token = tokens.make(known["staff"].id, "status")
    assert client.post("/unsubscribe", data={"token": token}).status_code == 200
    preferences.save(org_store, known["staff"], {"status": "now"})  # chosen again under My account
    again = client.post("/unsubscribe", data={"token": token})
    assert again.status_code == 400 and paragraph(again) == INVALID
    assert preferences.get(org_store, known["staff"])["status"] == "now"


@pytest.mark.parametrize("forge", ["other key", "changed kind", "changed person", "garbage", "empty", "too long"])
def test_a_forged_token_gets_the_same_answer_and_changes_nothing(client, org_store, known, forge):
    staff, manager = known["staff"], known["manager"]
    genuine = tokens.make(staff.id, "status")
    used = client.post("/unsubscribe", data={"token": genuine})
    spent = client.post("/unsubscribe", data={"token": genuine})
    preferences.save(org_store, staff, {"status": "now"})
    before = {p.id: preferences.get(org_store, p) for p in (staff, manager)}
    forged = {
        "other key": tokens.make(staff.id, "reply", key=b"not the server's key"),
        "changed kind": _swap_payload(tokens.make(staff.id, "reply"), b":reply:", b":status:"),
        "changed person": _swap_payload(tokens.make(staff.id, "reply"), f"{staff.id}:".encode(),
                                        f"{manager.id}:".encode()),
        "garbage": "not-a-token-at-all",
        "empty": "",
        "too long": "A" * 5000,
    }[forge]
    response = client.post("/unsubscribe", data={"token": forged})
    assert used.status_code == 200
    assert (response.status_code, response.text) == (400, spent.text)
    assert paragraph(response) == INVALID
    assert {p.id: preferences.get(org_store, p) for p in (staff, manager)} == before


def _swap_payload(token: str, old: bytes, new: bytes) -> str:
    """The token with part of its signed payload changed and its signature kept."""
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert old in raw[:-32]
    changed = raw[:-32].replace(old, new, 1) + raw[-32:]
    return base64.urlsafe_b64encode(changed).rstrip(b"=").decode()


def test_a_mail_programs_one_click_post_unsubscribes(client, org_store, known):
    """RFC 8058: the mail program POSTs "List-Unsubscribe=One-Click" to the List-Unsubscribe URL, which carries the
    token in its query; urlencoded or multipart, as the RFC allows."""
    staff = known["staff"]
    response = client.post(f"/unsubscribe?token={tokens.make(staff.id, 'action_due')}", **ONE_CLICK)
    assert response.status_code == 200
    assert preferences.get(org_store, staff)["action_due"] == "never"
    multipart = client.post(f"/unsubscribe?token={tokens.make(staff.id, 'pulse_reminder')}",
                            files={"List-Unsubscribe": (None, "One-Click")})
    assert multipart.status_code == 200
    assert preferences.get(org_store, staff)["pulse_reminder"] == "never"


def test_a_post_without_a_token_or_with_a_body_too_large_is_refused(client, org_store, known):
    token = tokens.make(known["staff"].id, "status")
    for response in (client.post("/unsubscribe", **ONE_CLICK),
                     client.post(f"/unsubscribe?token={token}", content=b"x" * 10_000,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"}),
                     client.get("/unsubscribe")):
        assert response.status_code == 400 and paragraph(response) == INVALID
    assert preferences.get(org_store, known["staff"])["status"] == "now"


def test_the_page_escapes_everything_it_shows(client):
    hostile = '"><script>alert(1)</script><a href="https://evil.example">'
    response = client.get(f"/unsubscribe?token={quote(hostile)}")
    assert "<script>" not in response.text and 'href="https://evil.example"' not in response.text
    assert escape(hostile, quote=True) in response.text
    posted = client.post("/unsubscribe", data={"token": hostile})
    assert posted.status_code == 400 and "<script>" not in posted.text


def test_a_daily_digest_link_stops_everything_that_came_daily(client, org_store, known):
    manager = known["manager"]
    daily = [kind for kind, mode in preferences.get(org_store, manager).items() if mode == "daily"]
    assert daily, "the manager's defaults send some kinds in a daily digest"
    response = client.post("/unsubscribe", data={"token": tokens.make(manager.id, kinds.DAILY_DIGEST)})
    assert response.status_code == 200 and "You will no longer receive: Daily digest" in paragraph(response)
    assert all(preferences.get(org_store, manager)[kind] == "never" for kind in daily)


# --- on a live server -------------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.duckdb_only
def test_the_live_server_serves_the_link_and_takes_a_one_click_post(tmp_path, demo_template, demo_store, known):
    from tests.browser.conftest import live_app
    token = tokens.make(known["staff"].id, "reply")
    with live_app(tmp_path / "app", demo_template) as app:  # the server inherits the tests' notify secret
        status, headers, page = _request(app.port, "GET", f"/unsubscribe?token={token}")
        assert status == 200 and b"<button" in page
        assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store"
        status, _, page = _request(app.port, "POST", f"/unsubscribe?token={token}", ONE_CLICK["content"],
                                   ONE_CLICK["headers"])  # no cookie, no XSRF token: a mail program has neither
        assert status == 200 and b"You will no longer receive" in page
        status, _, page = _request(app.port, "POST", "/unsubscribe", f"token={token}".encode(),
                                   {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 400 and INVALID.encode() in page


def _request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()
