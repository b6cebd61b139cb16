"""Recording minutes in a real browser: start, fill an item and an action, reload (draft kept), publish."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import open_page, sign_in, wait_idle
from tests.support.browser import start_minutes

DISCUSSED = "Month-end billing screens freeze for thirty seconds."
SOLUTION = "Batch jobs move to the night from next month."


def test_manager_records_minutes_the_draft_survives_a_reload_and_publishes(app_server, page):
    sign_in(page, app_server.url, "manager@demo.board")
    open_page(page, f"{app_server.url}/minutes")
    start_minutes(page)
    page.get_by_label("What was discussed").fill(DISCUSSED)
    page.get_by_label("Solution or decision").fill(SOLUTION)
    page.get_by_label("Solution or decision").blur()
    wait_idle(page)
    page.get_by_role("button", name="Add an action").click()
    wait_idle(page)
    page.get_by_label("Action", exact=True).fill("Ask systems for the batch schedule")
    page.get_by_label("Action", exact=True).blur()
    wait_idle(page)

    page.reload()  # nothing is lost: the draft opens again with what was typed
    wait_idle(page)
    expect(page.get_by_label("What was discussed")).to_have_value(DISCUSSED)
    expect(page.get_by_label("Action", exact=True)).to_have_value("Ask systems for the batch schedule")

    page.get_by_role("button", name="Publish").click()
    wait_idle(page)
    expect(page.get_by_text("Choose the owner from the roster.")).to_be_visible()  # nothing saved yet
    page.get_by_label("Owner").click()
    page.get_by_role("option", name="Sam Staff (Billing)").click()
    wait_idle(page)
    page.get_by_role("button", name="Publish").click()
    wait_idle(page)
    expect(page.get_by_text("Published.")).to_be_visible()
    expect(page.get_by_text(DISCUSSED)).to_be_visible()
