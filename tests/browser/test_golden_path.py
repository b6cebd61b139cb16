"""The golden path across all roles in one real-browser test, with a screenshot of every step.

Staff raises a named and an anonymous suggestion -> the anonymous one waits, seen only through its code, until the
next morning's release -> the manager acknowledges and replies on each suggestion's page, in one form -> staff sees
the reply in the inbox and opens the suggestion from it -> the anonymous author follows with the code and answers
(passed on the next morning) -> the manager records minutes linking the named suggestion (shown as a link) -> the
regional manager reviews them -> the leader's dashboard counts them (the funnel and
minutes coverage CSVs change by exactly what happened, and the newest feed lists both titles).

Screenshots go to tests/artifacts/golden_path/ (git-ignored), numbered in step order. The server runs on PostgreSQL so
that the test can play "the next morning" (the release) while it runs: DuckDB's file lock allows one writer.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import secrets
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from board import store as db
from board.feedback import release
from board.org import accounts
from tests.browser.conftest import live_app, open_page, raise_suggestion, sign_in, wait_idle
from tests.support import paths
from tests.support.browser import download_first_visible_csv, start_minutes
from tests.support.browser_steps import SLOW_MS, expect_suggestion_page, main, text_line, triage

ARTIFACTS = paths.ARTIFACTS / "golden_path"
RUN = secrets.token_hex(3)  # titles unique to this run
NAMED = f"Hold music loops every 20 seconds ({RUN})"
ANONYMOUS = f"Shift swaps are approved too late to plan childcare ({RUN})"
REPLY_NAMED = "Thanks: we are asking for a longer playlist."
REPLY_ANONYMOUS = "Understood. Could you say which weeks were affected?"
AUTHOR_ANSWER = "Mostly the weeks around month end."
DISCUSSED = f"Callers complain about the hold music ({RUN})."


class Steps:
    """Numbered screenshots of the whole page."""

    def __init__(self) -> None:
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        ARTIFACTS.mkdir(parents=True)
        self.number = 0

    def shot(self, page, name: str) -> None:
        self.number += 1
        wait_idle(page)
        page.screenshot(path=str(ARTIFACTS / f"{self.number:02d}-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def golden_server(tmp_path_factory, pg_cluster, pg_templates):
    """A server on a private copy of the demo on PostgreSQL."""
    name = pg_cluster.fresh_name("golden")
    url = pg_cluster.create(name, pg_templates.get("demo"))
    with live_app(tmp_path_factory.mktemp("golden"), None, database_url=url) as app:
        yield app, url
    db.close_store(url)
    pg_cluster.drop(name)


def next_morning(database_url: str) -> None:
    """What the first page view of tomorrow does: release the anonymous suggestions and messages held today."""
    store = db.PgStore(database_url, pool_size=1)
    try:
        release.release_anonymous(store, accounts.utcnow().date() + datetime.timedelta(days=1))
    finally:
        store.close()


def released_id(database_url: str, title: str) -> str:
    store = db.PgStore(database_url, pool_size=1)
    try:
        with store.read() as con:
            return str(con.scalar("SELECT id FROM suggestions WHERE title = ?", (title,)))
    finally:
        store.close()


def new_page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(SLOW_MS)  # four signed-in browsers and a server share a busy machine
    return context, context.new_page()


def leader_figures(page, url: str, tmp_path: Path) -> dict:
    """The leader's dashboard: the funnel and minutes coverage as downloaded, and the page's text."""
    open_page(page, f"{url}/dashboard")
    expect(page.get_by_role("heading", name="Dashboards")).to_be_visible()
    page.get_by_role("tab", name="Suggestions", exact=True).click()
    wait_idle(page)
    name, text = download_first_visible_csv(page, tmp_path)
    assert name == "funnel.csv", name
    funnel = {row["status"]: int(row["suggestions"]) for row in csv.DictReader(io.StringIO(text))}
    page.get_by_role("tab", name="Minutes", exact=True).click()
    wait_idle(page)
    name, text = download_first_visible_csv(page, tmp_path)
    assert name == "minutes_coverage.csv", name
    this_month = datetime.date.today().replace(day=1).isoformat()
    meetings = sum(int(row["meetings"]) for row in csv.DictReader(io.StringIO(text))
                   if row["office"] == "Kuala Lumpur" and row["month"].startswith(this_month))
    return {"funnel": funnel, "meetings": meetings}


def test_golden_path_across_roles(chromium, golden_server, tmp_path):
    (server, database_url), steps = golden_server, Steps()
    url = server.url
    contexts = {}
    try:
        for role, email in (("staff", "staff@demo.board"), ("manager", "manager@demo.board"),
                            ("regional", "regional@demo.board"), ("leader", "leader@demo.board")):
            contexts[role] = new_page(chromium)
            sign_in(contexts[role][1], url, email)
        staff, manager, regional, leader = (contexts[r][1] for r in ("staff", "manager", "regional", "leader"))
        before = leader_figures(leader, url, tmp_path)

        # 1. Staff raises a named and an anonymous suggestion.
        named_id, _ = raise_suggestion(staff, url, NAMED, "The hold music restarts so often that callers hang up.",
                                       anonymous=False)
        steps.shot(staff, "staff-raised-named")
        held_id, code = raise_suggestion(staff, url, ANONYMOUS,
                                         "Swaps are approved the day before, too late to arrange anything.",
                                         anonymous=True)
        assert held_id is None and re.fullmatch(r"[A-Z0-9]{6}(-[A-Z0-9]{4}){4}", code), code
        steps.shot(staff, "staff-raised-anonymous-with-code")

        # 1b. Until the next morning only the code opens it; the manager's queue does not show it.
        open_page(staff, f"{url}/follow")
        staff.get_by_label("Follow-up code").fill(code)
        staff.get_by_role("button", name="Open").click()
        wait_idle(staff)
        expect(staff.get_by_text(re.compile(r"Not passed on yet"))).to_be_visible()
        expect(staff.get_by_text(ANONYMOUS).first).to_be_visible()
        steps.shot(staff, "anonymous-held-until-the-next-morning")
        open_page(manager, f"{url}/triage")
        assert ANONYMOUS not in main(manager).inner_text()
        next_morning(database_url)
        anonymous_id = released_id(database_url, ANONYMOUS)

        # 2. The manager acknowledges the named one and replies to both, each in the one triage form on the
        # suggestion's page (Continue, then Confirm).
        open_page(manager, f"{url}/suggestion?id={named_id}")
        expect_suggestion_page(manager, named_id, NAMED)
        triage(manager, named_id, to="Acknowledged", reply=REPLY_NAMED)
        expect(main(manager).get_by_text(re.compile(r"^New → Acknowledged, ")).first).to_be_visible()
        expect(text_line(manager, REPLY_NAMED)).to_be_visible()  # in the conversation
        steps.shot(manager, "manager-acknowledged-and-replied")
        open_page(manager, f"{url}/suggestion?id={anonymous_id}")
        expect_suggestion_page(manager, anonymous_id, ANONYMOUS)
        expect(main(manager).get_by_text(re.compile(r"^By Anonymous · "))).to_be_visible()
        triage(manager, anonymous_id, reply=REPLY_ANONYMOUS)
        expect(text_line(manager, REPLY_ANONYMOUS)).to_be_visible()
        steps.shot(manager, "manager-replied-to-anonymous")

        # 3. Staff sees the reply in the inbox, whole, and opens the suggestion from it.
        open_page(staff, f"{url}/inbox")
        expect(staff.get_by_text(re.compile(r"Inbox \(\d+\)")).first).to_be_visible()
        expect(text_line(staff, REPLY_NAMED).first).to_be_visible()
        steps.shot(staff, "staff-inbox-shows-reply")
        main(staff).get_by_role("link", name=f"Open suggestion #{named_id}", exact=True).first.click()
        wait_idle(staff)
        expect_suggestion_page(staff, named_id, NAMED)
        expect(text_line(staff, REPLY_NAMED)).to_be_visible(timeout=SLOW_MS)

        # 4. The anonymous author follows with the code, reads the reply and answers, still anonymous.
        open_page(staff, f"{url}/follow")
        staff.get_by_label("Follow-up code").fill(code)
        staff.get_by_role("button", name="Open").click()
        wait_idle(staff)
        expect(staff.get_by_text(f"#{anonymous_id} · {ANONYMOUS}")).to_be_visible(timeout=SLOW_MS)
        expect(staff.get_by_text(REPLY_ANONYMOUS).first).to_be_visible()
        staff.get_by_label("Reply, still anonymous").fill(AUTHOR_ANSWER)
        staff.get_by_role("button", name="Send reply").click()
        wait_idle(staff)
        expect(staff.get_by_text(AUTHOR_ANSWER).first).to_be_visible(timeout=SLOW_MS)  # waiting for tomorrow
        steps.shot(staff, "anonymous-author-followed-and-answered")
        next_morning(database_url)
        open_page(manager, f"{url}/suggestion?id={anonymous_id}")  # the manager reads the answer, by nobody named
        expect(text_line(manager, AUTHOR_ANSWER)).to_be_visible(timeout=SLOW_MS)
        assert "Sam Staff" not in main(manager).inner_text()

        # 5. The manager records minutes linking the named suggestion, and publishes them.
        open_page(manager, f"{url}/minutes")
        start_minutes(manager)
        manager.get_by_label("What was discussed").fill(DISCUSSED)
        manager.get_by_label("What was discussed").blur()
        wait_idle(manager)
        manager.get_by_label("Find suggestions to link").fill(RUN)
        manager.get_by_label("Find suggestions to link").press("Enter")
        wait_idle(manager)
        links = manager.locator('[data-testid="stMultiSelect"]').filter(has=manager.get_by_label("Linked suggestions"))
        links.get_by_role("button", name="Open").click()  # 1.67's multiselect is a react-aria combobox:
        links.get_by_role("combobox").press_sequentially("Hold music")  # it lists the options as one types
        manager.get_by_role("option", name=f"#{named_id} {NAMED}").click()
        wait_idle(manager)
        manager.keyboard.press("Escape")
        steps.shot(manager, "manager-minutes-draft-linking-suggestion")
        manager.get_by_role("button", name="Publish").click()
        wait_idle(manager)
        expect(manager.get_by_text("Published.", exact=False)).to_be_visible(timeout=SLOW_MS)
        linked = main(manager).get_by_role("link", name=f"Suggestion #{named_id}", exact=True)
        expect(linked).to_be_visible()  # every mention of a suggestion is a link to its page
        assert urlsplit(linked.get_attribute("href")).query == f"id={named_id}"
        meeting_id = re.search(r"[?&]id=(\d+)", manager.url).group(1)
        steps.shot(manager, "manager-published-minutes")
        open_page(staff, f"{url}/inbox")  # the link reached the author
        expect(staff.get_by_text(re.compile(r"Discussed in the Billing team, Kuala Lumpur meeting")).first
               ).to_be_visible()

        # 6. The regional manager reviews them: their review page opens at these minutes (/review?id=N).
        open_page(regional, f"{url}/review?id={meeting_id}")
        expect(text_line(regional, DISCUSSED).first).to_be_visible(timeout=SLOW_MS)
        regional.get_by_label("Comment for the author (required for follow-up)").fill("Good catch.")
        regional.get_by_role("button", name="Save review").click()
        wait_idle(regional)
        expect(regional.get_by_text(re.compile(r"^Review saved: Reviewed"))).to_be_visible(timeout=SLOW_MS)
        open_page(regional, f"{url}/minutes?id={meeting_id}")
        expect(regional.get_by_text(re.compile(r"Review by Rahul Regional on .*: Reviewed"))).to_be_visible()
        steps.shot(regional, "regional-manager-reviewed")

        # 7. The leader's dashboard counts them.
        after = leader_figures(leader, url, tmp_path)
        expected = dict(before["funnel"])
        expected["Acknowledged"] = expected.get("Acknowledged", 0) + 1
        expected["New"] = expected.get("New", 0) + 1
        assert {k: v for k, v in after["funnel"].items() if v} == {k: v for k, v in expected.items() if v}
        assert after["meetings"] == before["meetings"] + 1
        leader.get_by_role("tab", name="Suggestions", exact=True).click()
        wait_idle(leader)
        expect(leader.get_by_text("Newest suggestions")).to_be_visible()
        for title in (NAMED, ANONYMOUS):
            expect(leader.get_by_text(title).first).to_be_attached()
        leader.get_by_text("Newest suggestions").scroll_into_view_if_needed()
        steps.shot(leader, "leader-dashboard-counts-them")
    finally:
        for context, _ in contexts.values():
            context.close()
    assert len(list(ARTIFACTS.glob("*.png"))) == steps.number == 11
