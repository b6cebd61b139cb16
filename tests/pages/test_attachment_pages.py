"""Attachments as the pages show them: the person who recorded minutes adds a screenshot to an item and anyone
who may read the minutes sees it (the regional reviewer too), with no form to add or remove; a suggestion's author
adds and removes a file on its page. The files are made here, in code."""

from __future__ import annotations

import io

from PIL import Image
from streamlit.testing.v1 import AppTest

from board.feedback import attachments
from board.feedback.attachments import Upload
from board.meetings import minutes
from tests.support import minutes as mn
from tests.support.pages import open_page, texts
from tests.support.suggestions import submit

ATTACH = "Attach screenshots or files to this item"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def images(at: AppTest) -> int:
    return len(at.get("image"))


def expanders(at: AppTest) -> list[str]:
    return [e.label for e in at.expander]


def recorded(store, manager, *items) -> tuple[int, list[int]]:
    meeting_id = mn.draft(store, manager)
    mn.publish(store, manager, meeting_id, mn.document(manager, *items))
    return meeting_id, [i["id"] for i in minutes.get_meeting(store, manager, meeting_id)["items"]]


def test_the_recorder_attaches_a_screenshot_to_an_item_and_the_team_and_reviewer_see_it(org_store, known):
    manager = known["manager"]
    meeting_id, (first, second) = recorded(org_store, manager, mn.item("Queue screen freezes."), mn.item("Rota."))
    at = open_page(org_store, manager, "minutes", query={"id": meeting_id})
    assert expanders(at) == [ATTACH, ATTACH]  # one form per item
    at.file_uploader(key=f"item_{second}_attach_files").upload("freeze.png", png(), "image/png")
    at.button(key=f"FormSubmitter:item_{second}_attach-Attach").click().run()
    assert not at.exception and not at.error
    assert images(at) == 1
    assert any(t.startswith("freeze.png · PNG image") and "added by Maya Manager" in t for t in texts(at).split("\n"))
    stored = attachments.for_meeting(org_store, manager, meeting_id)
    assert list(stored) == [second]  # on the item it was added to, not the first

    for reader, page in ((known["staff"], "minutes"), (known["regional_manager"], "review")):
        seen = open_page(org_store, reader, page, query={"id": meeting_id})
        assert not seen.exception
        assert images(seen) == 1, page
        assert ATTACH not in expanders(seen) and not [b for b in seen.button if b.label == "Remove"], page


def test_a_file_that_is_not_an_image_or_pdf_is_refused_under_the_picker_and_nothing_is_added(org_store, known):
    manager = known["manager"]
    meeting_id, (item_id,) = recorded(org_store, manager, mn.item())
    at = open_page(org_store, manager, "minutes", query={"id": meeting_id})
    at.file_uploader(key=f"item_{item_id}_attach_files").upload("notes.png", b"<svg onload=alert(1)>", "image/png")
    at.button(key=f"FormSubmitter:item_{item_id}_attach-Attach").click().run()
    assert not at.exception
    assert attachments.REFUSED in texts(at)
    assert attachments.for_meeting(org_store, manager, meeting_id) == {}


def test_the_recorder_removes_an_items_file(org_store, known):
    manager = known["manager"]
    meeting_id, (item_id,) = recorded(org_store, manager, mn.item())
    attachments.attach_to_item(org_store, manager, item_id, [Upload("a.png", png())])
    at = open_page(org_store, manager, "minutes", query={"id": meeting_id})
    assert images(at) == 1
    next(b for b in at.button if b.label == "Remove").click().run()
    assert not at.exception and images(at) == 0
    assert attachments.for_meeting(org_store, manager, meeting_id) == {}


def test_the_editor_says_files_come_after_publishing(org_store, known):
    at = open_page(org_store, known["manager"], "minutes")
    next(b for b in at.button if b.label == "Start").click().run()
    assert "Screenshots and files can be attached to each item once the minutes are published." in [
        c.value for c in at.caption]


def test_the_author_attaches_a_file_to_a_suggestion_and_removes_it(org_store, known):
    staff = known["staff"]
    suggestion_id = submit(org_store, staff, key="s").id
    at = open_page(org_store, staff, "suggestion", query={"id": suggestion_id})
    at.file_uploader(key="suggestion_attach_files").upload("screen.png", png(), "image/png")
    at.button(key="FormSubmitter:suggestion_attach-Attach").click().run()
    assert not at.exception and images(at) == 1
    assert "Attachments" in [s.value for s in at.subheader]
    manager_view = open_page(org_store, known["manager"], "suggestion", query={"id": suggestion_id})
    assert images(manager_view) == 1
    next(b for b in at.button if b.label == "Remove").click().run()
    assert images(at) == 0 and attachments.for_suggestion(org_store, staff, suggestion_id) == []
