"""A status change reaches its author by email, end to end: Sam Staff raises a suggestion in the browser, Maya
Manager moves it from New to Under review with the real form (Continue, then Confirm), the app server's own
notification worker mails Sam through a real SMTP server on this machine, and the email's link, opened in a
signed-out browser, lands on the suggestion after Sam signs in. The email's unsubscribe link works once in the
browser too.

Screenshots of the landing page (desktop 1366x900, phone 390x844) go to tests/artifacts/notify/ (git-ignored)."""

from __future__ import annotations

import html
import re
import secrets
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from playwright.sync_api import expect

from board.demo import KNOWN
from board.notify import tokens
from board.notify.kinds import KINDS
from tests.browser.conftest import (
    LiveApp,
    free_port,
    live_app,
    new_context,
    open_page,
    sidebar,
    sign_in,
    submit_sign_in,
    wait_idle,
)
from tests.support import paths
from tests.support.browser_steps import (
    DESKTOP,
    PHONE,
    SLOW_MS,
    expect_suggestion_page,
    main,
    saved_suggestion_id,
    triage,
)
from tests.support.mail import Mailbox, smtp_server

ARTIFACTS = paths.ARTIFACTS / "notify"
MAIL_WAIT_S = 30.0  # the worker runs every second; a loaded machine may need more than one run
RUN = secrets.token_hex(3)  # a title unique to this run
TITLE = f"Queue screen at the front desk freezes every morning ({RUN})"
DESCRIPTION = "The ticket screen by the front desk freezes around nine and customers lose their place in the queue."
STAFF_EMAIL, STAFF_NAME = KNOWN["staff"]
MANAGER_EMAIL, MANAGER_NAME = KNOWN["manager"]
SENDER = "Frontline Board <board@notify-test.invalid>"


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="module")
def mailing_app(tmp_path_factory, demo_db_file, mailbox) -> Iterator[LiveApp]:
    """The app server on a copy of the demo organisation, its notification worker sending through `mailbox`
    every second, with links made on its own address."""
    port = free_port()
    env = {"BOARD_SMTP_HOST": "127.0.0.1", "BOARD_SMTP_PORT": str(mailbox.port), "BOARD_SMTP_SECURITY": "none",
           "BOARD_MAIL_FROM": SENDER, "BOARD_BASE_URL": f"http://127.0.0.1:{port}", "BOARD_NOTIFY_INTERVAL": "1",
           "BOARD_NOTIFY_SECRET": f"notify-test-secret-{secrets.token_hex(16)}"}
    with live_app(tmp_path_factory.mktemp("notify"), demo_db_file, port=port, env=env) as app:
        assert app.url == env["BOARD_BASE_URL"]
        yield app


def recipient(message: EmailMessage) -> str:
    return message["To"].addresses[0].addr_spec


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies, lines ending in \\n (SMTP carries \\r\\n)."""
    text, markup = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and markup is not None, f"the email lacks a text or HTML part: {message.get_content_type()}"
    return text.get_content().replace("\r\n", "\n"), markup.get_content().replace("\r\n", "\n")


def described(messages: list[EmailMessage]) -> str:
    return "\n".join(f"  to {recipient(m)}: {m['Subject']}" for m in messages) or "  (none)"


def wait_for_email(box: Mailbox, app: LiveApp, to: str, subject_has: str) -> EmailMessage:
    """The first email to `to` whose subject contains `subject_has`, polled for up to MAIL_WAIT_S seconds."""
    deadline = time.monotonic() + MAIL_WAIT_S
    while time.monotonic() < deadline:
        found = [m for m in box.received() if recipient(m) == to and subject_has in str(m["Subject"])]
        if found:
            return found[0]
        time.sleep(0.1)  # polling the mailbox (another thread fills it), not waiting for a guessed time
    pytest.fail(f"no email to {to} with {subject_has!r} in its subject within {MAIL_WAIT_S:.0f} s; the mailbox "
                f"holds {len(box.received())}:\n{described(box.received())}\n--- server log ---\n{app.output()}",
                pytrace=False)


def test_a_status_change_mails_the_author_a_link_that_opens_the_suggestion_after_sign_in(
        mailing_app, mailbox, chromium, page):
    base = mailing_app.url
    clock = Phases()

    # Sam raises a named suggestion: it is New in Maya's queue.
    sign_in(page, base, STAFF_EMAIL)
    number = raise_named(page, base)
    link = f"{base}/suggestion?id={number}"
    clock.done("staff raised it")

    # Maya opens it and moves it to Under review (through Acknowledged) with the form: Continue, then Confirm.
    manager = new_context(chromium, **DESKTOP)
    try:
        other = manager.new_page()
        sign_in(other, base, MANAGER_EMAIL)
        open_page(other, link)
        expect_suggestion_page(other, number, TITLE)
        expect(main(other).get_by_text(re.compile(r"^Status: New ·"))).to_be_visible()
        triage(other, number, to="Under review")  # sees "Saved: #N is now under review."
    finally:
        manager.close()
    clock.done("manager moved it")

    # Sam's email: the suggestion and its new status in words, one message for the whole act (from New).
    email = wait_for_email(mailbox, mailing_app, STAFF_EMAIL, f"#{number} ")
    clock.done("email arrived")
    subject = str(email["Subject"])
    assert subject == f"Suggestion #{number} '{TITLE}' is now Under review", subject
    assert email["From"] == SENDER and email["To"].addresses[0].display_name == STAFF_NAME
    text, markup = parts(email)
    assert text.startswith(f"Hello {STAFF_NAME},\n"), text
    assert f'{MANAGER_NAME} moved suggestion #{number} "{TITLE}", which you raised, from New to Under review.' in text
    assert "under_review" not in subject + text + markup
    # The link back, absolute on the app's address, in both parts.
    assert f"Open it in Frontline Board: {link}\n" in text, text
    hrefs = [html.unescape(href) for href in re.findall(r'href="([^"]+)"', markup)]
    assert link in hrefs, f"the HTML part links to {hrefs}, not {link}"
    # A one-click unsubscribe (RFC 8058), on the app's address, also offered in both parts.
    unsubscribe = re.fullmatch(r"<([^<>]+)>", str(email["List-Unsubscribe"]))
    assert unsubscribe is not None, f"List-Unsubscribe: {email['List-Unsubscribe']!r}"
    stop = unsubscribe.group(1)
    assert stop.startswith(f"{base}/unsubscribe?token="), stop
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"Stop these emails with one click: {stop}\n" in text and stop in hrefs

    # The link, opened signed out, asks Sam to sign in and then shows the suggestion as it now stands.
    reader = new_context(chromium, **DESKTOP)
    try:
        landing = reader.new_page()
        open_page(landing, link)
        expect(landing.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
        expect(main(landing).get_by_text(TITLE)).to_have_count(0)  # nothing of it before signing in
        submit_sign_in(landing, STAFF_EMAIL, "demo")
        expect(sidebar(landing).get_by_role("button", name="Sign out")).to_be_visible(timeout=SLOW_MS)
        wait_idle(landing)
        assert landing.url == link, f"signed in from {link} but landed on {landing.url}"
        expect_suggestion_page(landing, number, TITLE)
        expect(main(landing).get_by_text(re.compile(r"^Status: Under review ·"))).to_be_visible()
        clock.done("link opened after sign-in")
        screenshots(landing)

        # The unsubscribe link: a page with a button, then the confirmation; the link works once.
        for attempt in ("first", "again"):
            landing.goto(stop)
            expect(landing.get_by_role("heading", name="Unsubscribe", exact=True)).to_be_visible()
            landing.get_by_role("button", name="Unsubscribe", exact=True).click()
            if attempt == "first":
                expect(landing.get_by_role("heading", name="Unsubscribed", exact=True)).to_be_visible()
                expect(landing.get_by_text(f"You will no longer receive: {KINDS['status']}.")).to_be_visible()
            else:
                expect(landing.get_by_text(tokens.NOT_VALID, exact=True)).to_be_visible()
        clock.done("unsubscribed")
    finally:
        reader.close()
    print(clock)

    # Many worker runs later: the act (two steps) was told once, to its author alone; never to the actor herself.
    about_the_act = [m for m in mailbox.received() if f"#{number} " in str(m["Subject"])
                     or f"{MANAGER_NAME} moved suggestion #{number} " in parts(m)[0]]
    assert [recipient(m) for m in about_the_act] == [STAFF_EMAIL], (
        f"the status change of #{number} was mailed to:\n{described(about_the_act)}")


def raise_named(page, base: str) -> str:
    """Raise TITLE under Sam's name (past the similar suggestions, if offered); its number. As conftest's
    raise_suggestion, but waiting for whichever of the two answers comes, however slowly: on a loaded machine
    the page can look idle before the rerun that Continue starts has drawn anything."""
    open_page(page, f"{base}/raise")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Description").fill(DESCRIPTION)
    page.get_by_role("button", name="Continue").click()
    saved = page.get_by_text(re.compile(r"Saved as suggestion #\d+"))
    anyway = page.get_by_role("button", name="Submit mine anyway")
    expect(saved.or_(anyway)).to_be_visible(timeout=SLOW_MS)
    if anyway.is_visible():
        anyway.click()
    return saved_suggestion_id(page)  # waits up to SLOW_MS


class Phases:
    """Seconds each part of the test took, printed at its end (informational, never a pass mark)."""

    def __init__(self) -> None:
        self.last, self.seconds = time.monotonic(), dict[str, float]()

    def done(self, name: str) -> None:
        now = time.monotonic()
        self.seconds[name], self.last = round(now - self.last, 1), now

    def __str__(self) -> str:
        return "seconds: " + ", ".join(f"{name} {s}" for name, s in self.seconds.items())


def screenshots(page) -> None:
    """The landing page at desktop and phone size, the suggestion's heading in view."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    heading = main(page).get_by_role("heading", name=re.compile(r"^Suggestion #\d+$"))
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        wait_idle(page)
        expect(heading).to_be_in_viewport()
        page.screenshot(path=str(ARTIFACTS / f"landing_{name}.png"), full_page=True)
