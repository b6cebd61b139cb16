"""Hostile text in a real browser: markdown images, <img>, <script>, CSS url() and links pointing at a local
listener are stored in suggestions, comments, replies and minutes; every page that shows them is opened and
the listener must receive no request while the text shows literally."""

from __future__ import annotations

import datetime
import re
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from board import store as db
from board.feedback import suggestions as sg
from board.feedback import triage
from board.meetings import minutes
from board.org import people, settings
from tests.browser.conftest import LOCAL_ONLY, TIMEOUT_MS, live_app, open_page, sign_in, wait_idle
from tests.support import hostile
from tests.support.browser_steps import SLOW_MS, card_of, expect_suggestion_page


class Listener:
    """An HTTP server on 127.0.0.1 (random port, own thread) that records every request it gets."""

    def __init__(self):
        hits = self.hits = []

        class Record(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the http.server name)
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            do_POST = do_HEAD = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Record)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def listener():
    with Listener() as running:
        yield running


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, demo_db_file, listener):
    """A copy of the demo with hostile text in a suggestion, a comment, a reply and published minutes."""
    texts = hostile.texts(listener.url)
    path = tmp_path_factory.mktemp("hostile") / "board.duckdb"
    shutil.copy(demo_db_file, path)
    store = db.open_store(path)
    staff, manager = (people.find_by_email(store, f"{r}@demo.board") for r in ("staff", "manager"))
    body = "\n".join(texts[n] for n in (*hostile.LINK_ENTRIES, "script_tag", "javascript_link_markdown",
                                        "javascript_link_html"))
    title = f"{texts['markdown_image_listener']} <script>x</script>"
    suggestion_id = sg.submit(store, staff, sg.Draft(kind="improvement", category="policy", title=title,
                                                     description=body, customer_impact=texts["css_url"],
                                                     proposed_solution=texts["markdown_link_listener"]),
                              categories=settings.load(store).categories, submission_key="hostile-browser").id
    sg.comment(store, manager, suggestion_id, texts["img_onerror"])
    triage.reply(store, manager, suggestion_id, texts["html_img_listener"])
    today = datetime.date.today()
    meeting_id = minutes.start_draft(store, manager, team_id=manager.team_id, office_id=manager.office_id, today=today)
    doc = {"meeting_date": today.isoformat(), "chair_id": manager.id, "attendee_ids": [manager.id], "items": [
        {**minutes.empty_item(), "discussed": texts["markdown_image_listener"], "solution": texts["css_url"],
         "suggestion_ids": [suggestion_id],
         "actions": [{**minutes.empty_action(today.isoformat()), "description": texts["html_img_listener"],
                      "owner_id": manager.id}]}]}
    minutes.publish(store, manager, meeting_id, doc, today=today, categories=settings.load(store).categories)
    db.close_store(path)
    return {"path": path, "texts": texts, "title": title, "suggestion": suggestion_id, "meeting": meeting_id}


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory, seeded):
    with live_app(tmp_path_factory.mktemp("app"), seeded["path"]) as app:
        yield app


def visible_text(page, text: str) -> None:
    """The text is on the page as typed (a text element, or a data grid cell)."""
    expect(page.get_by_text(text, exact=False).first).to_be_attached()


def no_csp_context(chromium):
    """A browser context that ignores the server's content security policy: the text must be harmless by
    itself, not only because the policy would stop a request or a script (tests/security/test_server_config.py
    checks the policy; the probe at the end needs a fetch to another port, which the policy forbids)."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    context.route(LOCAL_ONLY, lambda route: route.abort())
    return context


def test_stored_hostile_text_shows_literally_and_requests_nothing(hostile_app, seeded, listener, chromium):
    texts, sid, base, heard = seeded["texts"], seeded["suggestion"], hostile_app.url, len(listener.hits)
    own = no_csp_context(chromium)
    page = own.new_page()
    sign_in(page, base, "staff@demo.board")
    open_page(page, f"{base}/browse?id={sid}")  # an old link: it opens the suggestion's own page
    expect_suggestion_page(page, sid, seeded["title"])
    for name in (*hostile.LINK_ENTRIES, "script_tag", "javascript_link_markdown", "javascript_link_html"):
        visible_text(page, texts[name])
    assert page.locator("a[href^='javascript:'], img[src*='127.0.0.1'], script:text('document.title')").count() == 0
    open_page(page, f"{base}/my_suggestions")
    expect(card_of(page, f"#{sid}").get_by_text(seeded["title"], exact=True)).to_be_visible(timeout=SLOW_MS)
    open_page(page, f"{base}/inbox")
    visible_text(page, texts["html_img_listener"])
    assert page.title() != "pwned"

    signed_in: dict[str, object] = {}
    try:
        for email, url, shown in (  # what each page must show, literally
                ("manager@demo.board", f"{base}/suggestion?id={sid}", (f"#{sid} · {seeded['title']}",
                                                                        texts["css_url"])),
                ("manager@demo.board", f"{base}/triage?id={sid}", (seeded["title"],)),  # a card: the title
                ("manager@demo.board", f"{base}/minutes?id={seeded['meeting']}",
                 (texts["markdown_image_listener"], texts["css_url"])),
                ("regional@demo.board", f"{base}/review?id={seeded['meeting']}",
                 (texts["markdown_image_listener"], texts["css_url"]))):
            if email not in signed_in:
                signed_in[email] = no_csp_context(chromium).new_page()
                sign_in(signed_in[email], base, email)
            other = signed_in[email]
            open_page(other, url)
            expect(other.get_by_text(shown[0], exact=True).first).to_be_visible(timeout=SLOW_MS)
            for text in shown[1:]:
                visible_text(other, text)
            assert other.locator("a[href^='javascript:'], img[src*='127.0.0.1']").count() == 0, url
    finally:
        for other in signed_in.values():
            other.context.close()
    page.wait_for_timeout(500)  # time for any late image or style request
    assert listener.hits[heard:] == []
    page.evaluate(f"fetch('{listener.url}/probe', {{mode: 'no-cors'}})")  # the listener does hear the browser
    for _ in range(100):
        if listener.hits[heard:]:
            break
        page.wait_for_timeout(50)
    assert listener.hits[heard:] == ["/probe"]
    own.close()


def test_typed_hostile_text_shows_literally_and_requests_nothing(hostile_app, listener, chromium):
    """Moved from test_suggestions.py: the raise form, typed in the browser, shown on the suggestion."""
    texts, heard = hostile.texts(listener.url), len(listener.hits)
    page = no_csp_context(chromium).new_page()
    sign_in(page, hostile_app.url, "staff@demo.board")
    open_page(page, f"{hostile_app.url}/raise")
    title = f"{texts['markdown_image_listener']} <script>x</script>"
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill(f"{texts['img_onerror']} {texts['css_url']} ten chars")
    page.get_by_role("button", name="Continue").click()
    wait_idle(page)
    if page.get_by_role("button", name="Submit mine anyway").count():
        page.get_by_role("button", name="Submit mine anyway").click()
        wait_idle(page)
    saved = page.get_by_text(re.compile(r"Saved as suggestion #\d+")).inner_text()
    suggestion_id = re.search(r"#(\d+)", saved).group(1)
    open_page(page, f"{hostile_app.url}/suggestion?id={suggestion_id}")
    expect_suggestion_page(page, suggestion_id, title)
    visible_text(page, texts["img_onerror"])
    page.wait_for_timeout(500)
    assert listener.hits[heard:] == []
