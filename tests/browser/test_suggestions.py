"""The golden path in a real browser: staff raises a suggestion, the manager answers, staff sees it."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.browser.conftest import open_page, raise_suggestion, sidebar, sign_in, wait_idle

TITLE = "Vending machine in the break room eats coins"
DESCRIPTION = "The vending machine swallowed coins three times this fortnight without giving anything."
REPLY = "Facilities will replace it on Monday."


def test_staff_raises_manager_answers_staff_sees_the_update(app_server, chromium, page):
    sign_in(page, app_server.url, "staff@demo.board")
    started = time.monotonic()
    suggestion_id, _ = raise_suggestion(page, app_server.url, TITLE, DESCRIPTION, anonymous=False)
    seconds = time.monotonic() - started
    assert seconds < 60, f"raising a suggestion took {seconds:.1f} s"
    print(f"raise form to saved: {seconds:.1f} s")

    manager = chromium.new_context(viewport={"width": 1400, "height": 900})
    try:
        other = manager.new_page()
        sign_in(other, app_server.url, "manager@demo.board")
        open_page(other, f"{app_server.url}/triage?id={suggestion_id}")
        expect(other.get_by_text(f"#{suggestion_id} · {TITLE}")).to_be_visible()
        other.get_by_role("button", name="Change status").click()
        wait_idle(other)
        other.get_by_label("Reply to the author").fill(REPLY)
        other.get_by_role("button", name="Send reply").click()
        wait_idle(other)
    finally:
        manager.close()

    open_page(page, f"{app_server.url}/inbox")
    expect(sidebar(page).get_by_text(re.compile(r"Inbox \(\d+\)"))).to_be_visible()
    expect(page.get_by_text(REPLY).first).to_be_attached()  # a cell of the (canvas) data grid

