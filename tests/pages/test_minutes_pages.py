"""Minutes through the real pages (AppTest): record with a link and an action, the owner's actions,
the regional review, the author reading the verdict, the playbook, and scope."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from board.feedback import inbox
from board.meetings import minutes, review
from tests.support.pages import open_page
from tests.support.suggestions import submit


def widget(elements, label: str):
    return next(e for e in elements if e.label == label)


def all_text(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in [*at.text, *at.success, *at.error, *at.warning])


@pytest.mark.slow
def test_record_review_and_follow_up_end_to_end(org_store, known):
    staff, manager, regional = known["staff"], known["manager"], known["regional_manager"]
    suggestion = submit(org_store, staff, key="s").id

    at = open_page(org_store, manager, "minutes")
    widget(at.button, "Start").click().run()
    widget(at.text_area, "What was discussed").input("Small refunds wait ten days.").run()
    widget(at.text_area, "Solution or decision").input("Agents refund up to 20 dollars.").run()
    widget(at.multiselect, "Linked suggestions").select(suggestion).run()
    widget(at.button, "Add an action").click().run()
    widget(at.text_input, "Action").input("Ask finance for numbers").run()
    widget(at.selectbox, "Owner").set_value(staff.id).run()
    widget(at.button, "Publish").click().run()
    assert not at.exception and "Published." in all_text(at)

    assert "Discussed in the Billing team" in inbox.updates(org_store, staff)[0]["note"]
    at = open_page(org_store, staff, "my_actions")
    assert list(at.dataframe[0].value["description"]) == ["Ask finance for numbers"]

    at = open_page(org_store, regional, "review")
    widget(at.radio, "Verdict").set_value("needs_follow_up")
    at.text_area[0].input("Share the refund numbers next month.")
    at.button(key="FormSubmitter:review_form-Save review").click().run()
    assert review.queue(org_store, regional) == []

    at = open_page(org_store, manager, "minutes")
    assert "Share the refund numbers next month." in all_text(at)
    assert "needs follow up" in all_text(at)


def test_publishing_bad_minutes_shows_errors_and_keeps_the_draft(org_store, known):
    at = open_page(org_store, known["manager"], "minutes")
    widget(at.button, "Start").click().run()
    widget(at.button, "Publish").click().run()
    assert "Say what was discussed." in [e.value for e in at.error]
    draft = minutes.my_drafts(org_store, known["manager"])
    assert len(draft) == 1 and minutes.list_minutes(org_store, known["manager"]) == []


def test_playbook_search_finds_a_solution(demo_store, known):
    at = open_page(demo_store, known["staff"], "playbook")
    at.text_input[0].input("refund").run()
    assert any("refund" in t.value.lower() for t in at.text if t.value.startswith("Solution:"))


@pytest.mark.parametrize("role, allowed", [("staff", True), ("manager", True), ("regional_manager", True),
                                           ("leader", True), ("admin", False)])
def test_minutes_by_id_respect_scope(demo_store, known, role, allowed):
    meeting_id = minutes.list_minutes(demo_store, known["staff"])[0]["id"]  # the Kuala Lumpur Billing team
    at = open_page(demo_store, known[role], "minutes", query={"id": meeting_id})
    assert not at.exception
    readable = any("Billing team, Kuala Lumpur" in t.value and "chair:" in t.value for t in at.text)
    assert readable is allowed
    if not allowed:
        assert any("not allowed" in e.value for e in at.error)


@pytest.mark.parametrize("role", ["staff", "manager", "leader", "admin"])
def test_only_regional_managers_have_a_review_queue(demo_store, known, role):
    at = open_page(demo_store, known[role])
    with pytest.raises(ValueError):
        at.switch_page("app_pages/review.py")


def test_closing_the_editor_keeps_the_draft_and_it_can_be_continued(org_store, known):
    at = open_page(org_store, known["manager"], "minutes")
    widget(at.button, "Start").click().run()
    widget(at.text_area, "What was discussed").input("Rota gaps on Fridays.").run()
    next(b for b in at.button if b.label.startswith("Close the editor")).click().run()
    assert not any(t.label == "What was discussed" for t in at.text_area)
    draft_id = minutes.my_drafts(org_store, known["manager"])[0]["id"]
    widget(at.button,
           f"Continue draft #{draft_id} "
           f"(started {minutes.my_drafts(org_store, known['manager'])[0]['created_at']:%d %b %Y})").click().run()
    assert widget(at.text_area, "What was discussed").value == "Rota gaps on Fridays."
