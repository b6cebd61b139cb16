"""The golden path in a real browser: staff raises a suggestion, the manager answers and moves it in one form on
its page, staff sees the reply in the Inbox and opens the suggestion from there."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.browser.conftest import open_page, raise_suggestion, sidebar, sign_in, wait_idle
from tests.support.browser_steps import SLOW_MS, expect_suggestion_page, main, text_line, triage

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
        other.set_default_timeout(20_000)
        sign_in(other, app_server.url, "manager@demo.board")
        open_page(other, f"{app_server.url}/suggestion?id={suggestion_id}")
        expect_suggestion_page(other, suggestion_id, TITLE)
        triage(other, suggestion_id, to="Acknowledged", reply=REPLY)  # Continue, then Confirm
        expect(main(other).get_by_text("New → Acknowledged", exact=False).first).to_be_visible()
    finally:
        manager.close()

    open_page(page, f"{app_server.url}/inbox")
    expect(sidebar(page).get_by_text(re.compile(r"Inbox \(\d+\)"))).to_be_visible()
    expect(text_line(page, REPLY).first).to_be_visible()  # whole, as plain text
    main(page).get_by_role("link", name=f"Open suggestion #{suggestion_id}", exact=True).first.click()  # the newest
    wait_idle(page)
    expect_suggestion_page(page, suggestion_id, TITLE)
    expect(text_line(page, REPLY)).to_be_visible(timeout=SLOW_MS)
