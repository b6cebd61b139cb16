"""Two app servers on one PostgreSQL database, in a real browser: what one server writes the other shows,
and status changes sent through both at the same moment are each recorded exactly once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from board import store as db
from tests.browser.conftest import live_app, open_page, raise_suggestion, sign_in, wait_idle
from tests.support.browser_steps import SLOW_MS, Clicks, expect_suggestion_page, fill_triage, main, text_line, triage

TITLE = "Queue display in Dublin shows yesterday's waiting times"
DESCRIPTION = "The lobby screen has shown yesterday's figures since the update; customers complain."
RACED = "Printer tray two jams on every envelope"


@pytest.fixture(scope="module")
def shared_database(pg_cluster, pg_templates):
    name = pg_cluster.fresh_name("two_servers")
    url = pg_cluster.create(name, pg_templates.get("demo"))
    yield url
    db.close_store(url)
    pg_cluster.drop(name)


@pytest.fixture(scope="module")
def servers(tmp_path_factory, shared_database):
    with live_app(tmp_path_factory.mktemp("server_a"), None, database_url=shared_database) as a, \
            live_app(tmp_path_factory.mktemp("server_b"), None, database_url=shared_database) as b:
        yield a, b


def status_events(url: str, suggestion_id: str) -> list[tuple]:
    store = db.PgStore(url, pool_size=1)
    try:
        with store.read() as con:
            return [(r["from_value"], r["to_value"]) for r in con.rows(
                "SELECT from_value, to_value FROM suggestion_events WHERE suggestion_id = ? AND kind = 'status'"
                " ORDER BY id", (int(suggestion_id),))]
    finally:
        store.close()


def test_a_suggestion_raised_on_one_server_appears_on_the_other(servers, chromium, page):
    a, b = servers
    sign_in(page, a.url, "staff@demo.board")
    suggestion_id, _ = raise_suggestion(page, a.url, TITLE, DESCRIPTION, anonymous=False)

    other = chromium.new_context(viewport={"width": 1400, "height": 900})
    try:
        manager = other.new_page()
        sign_in(manager, b.url, "manager@demo.board")
        open_page(manager, f"{b.url}/suggestion?id={suggestion_id}")
        expect_suggestion_page(manager, suggestion_id, TITLE)
        triage(manager, suggestion_id, reply="Seen on the second server.")  # a reply alone: Continue, Confirm
    finally:
        other.close()

    open_page(page, f"{a.url}/inbox")  # the reply, written through B, on A's next run
    expect(text_line(page, "Seen on the second server.").first).to_be_visible(timeout=SLOW_MS)


def test_status_changes_through_both_servers_at_once_are_each_recorded_once(servers, chromium, page,
                                                                            shared_database):
    a, b = servers
    sign_in(page, a.url, "staff@demo.board")
    suggestion_id, _ = raise_suggestion(page, a.url, RACED, "It happens with every envelope we print.",
                                        anonymous=False)
    contexts = [chromium.new_context(viewport={"width": 1400, "height": 900}) for _ in range(2)]
    try:
        pages = []
        for context, server, email in zip(contexts, (a, b), ("manager@demo.board",) * 2, strict=True):
            acting = context.new_page()
            sign_in(acting, server.url, email)
            open_page(acting, f"{server.url}/suggestion?id={suggestion_id}")
            expect_suggestion_page(acting, suggestion_id, RACED)
            pages.append(acting)
        for acting in pages:  # each sees "new", asks for the next step and is shown the summary: nothing saved yet
            fill_triage(acting, Clicks(), to="Acknowledged")
        for acting in pages:  # both confirm before either has finished: the two servers race
            main(acting).get_by_role("button", name="Confirm", exact=True).click(no_wait_after=True)
        outcome = re.compile(rf"Saved: #{suggestion_id} is now acknowledged\.|Someone changed this suggestion")
        for acting in pages:
            wait_idle(acting, settle_ms=500)
            expect(main(acting).get_by_text(outcome).first).to_be_visible(timeout=SLOW_MS)
        said = [acting.inner_text("body") for acting in pages]
    finally:
        for context in contexts:
            context.close()

    events = status_events(shared_database, suggestion_id)
    # Both asked to move it on from "new", the status their form showed. The change that got the row first
    # is recorded once and confirmed; the other server refuses its change and says why (it never applies it on top).
    assert events == [("new", "acknowledged")], events
    told = [text for text in said if "Someone changed this suggestion meanwhile: it is now acknowledged" in text]
    saved = [text for text in said if f"Saved: #{suggestion_id} is now acknowledged." in text]
    assert len(told) == 1 and len(saved) == 1, said
