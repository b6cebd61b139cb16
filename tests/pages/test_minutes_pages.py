"""Minutes through the real pages (AppTest): record with a link and an action, the owner's actions,
the regional review, the author reading the verdict, the playbook, and scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from board.feedback import inbox
from board.meetings import actions, minutes, review
from board.org import people
from tests.support.minutes import action, document, draft, item, publish
from tests.support.pages import local_today, open_page
from tests.support.suggestions import submit

TODAY = local_today()  # the known people's office's day: the pages count from it


def widget(elements, label: str):
    return next(e for e in elements if e.label == label)


def all_text(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in [*at.text, *at.success, *at.error, *at.warning])


def links(at: AppTest) -> list[tuple[str, str, str]]:
    """(page url path, query, label) of every page link shown."""
    return [(link.proto.page, link.proto.query_string, link.proto.label) for link in at.get("page_link")]


def url_id(at: AppTest) -> int:
    """The id in the page's URL (?id=N) after the run."""
    value = at.query_params["id"]
    return int(value[0] if isinstance(value, list) else value)


def record(store, author, *items, day=TODAY, attendees=()) -> int:
    meeting_id = draft(store, author)
    publish(store, author, meeting_id, document(author, *items, day=day, attendees=attendees))
    return meeting_id


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
    meeting_id = url_id(at)
    assert "Small refunds wait ten days." in all_text(at)  # the page shows what was just published

    assert "Discussed in the Billing team" in inbox.updates(org_store, staff)[0]["note"]
    at = open_page(org_store, staff, "my_actions")
    assert "Ask finance for numbers" in all_text(at) + str([d.value for d in at.dataframe])

    at = open_page(org_store, regional, "review")
    widget(at.radio, "Verdict").set_value("needs_follow_up")
    at.text_area[0].input("Share the refund numbers next month.")
    at.button(key="FormSubmitter:review_form-Save review").click().run()
    assert review.queue(org_store, regional) == []

    at = open_page(org_store, manager, "minutes", query={"id": meeting_id})
    assert "Share the refund numbers next month." in all_text(at)
    assert "Needs follow-up" in all_text(at) and "needs_follow_up" not in all_text(at)


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


# --- reading minutes: owners, links, the URL, the list ------------------------------------------------------

def test_the_minutes_show_each_actions_owner_due_date_and_status_and_link_what_they_mention(org_store, known):
    staff, manager = known["staff"], known["manager"]
    suggestion = submit(org_store, staff, key="s").id
    due = TODAY + timedelta(days=7)
    meeting_id = record(org_store, manager, item(links=[suggestion], acts=[action(staff, due, "Ask finance")]),
                        attendees=[staff])
    action_id = actions.mine(org_store, staff, today=TODAY)[0]["id"]
    at = open_page(org_store, staff, "minutes", query={"id": meeting_id})
    shown = [t.value for t in at.text]
    assert "Ask finance" in shown and f"Owner: Sam Staff · due {due:%d %b %Y} · Open" in shown
    assert "Attendees: Sam Staff" in shown
    assert ("action", f"id={action_id}", f"Open action #{action_id}") in links(at)
    assert ("suggestion", f"id={suggestion}", f"Suggestion #{suggestion}") in links(at)
    assert not any(f"#{suggestion}" in t for t in shown)  # a mention is a link, not plain text


def test_a_link_opens_the_minutes_it_names_even_when_they_are_not_the_newest(demo_store, known):
    listed = minutes.list_minutes(demo_store, known["staff"])
    older, newer = listed[5], listed[2]
    at = open_page(demo_store, known["staff"], "minutes", query={"id": older["id"]})
    assert f"{older['meeting_date']:%d %B %Y}" in at.text[0].value
    at.query_params["id"] = str(newer["id"])  # another link followed in the same session: the URL wins again
    at.run()
    assert f"{newer['meeting_date']:%d %B %Y}" in at.text[0].value
    assert not at.selectbox  # nothing kept in the session can show other minutes than the URL names


def test_a_link_to_another_teams_minutes_is_refused_and_shows_nothing_of_them(org_store, known):
    theirs = record(org_store, other_manager(org_store, known["manager"]), item("Their secret rota."))
    at = open_page(org_store, known["staff"], "minutes", query={"id": theirs})
    assert [e.value for e in at.error] == ["You are not allowed to read these minutes, or they do not exist."]
    assert "Their secret rota." not in all_text(at)


def test_the_list_shows_the_newest_twenty_minutes_as_links_and_more_on_request(demo_store, known):
    at = open_page(demo_store, known["manager"], "minutes")
    total = len(minutes.list_minutes(demo_store, known["manager"]))
    assert total > 20
    assert len([link for link in links(at) if link[0] == "minutes"]) == 20
    assert not at.dataframe  # cards, not a wide grid (a phone shows them whole)
    widget(at.button, "Show 20 more").click().run()
    assert len([link for link in links(at) if link[0] == "minutes"]) == min(40, total)
    assert "needs_follow_up" not in all_text(at) and "Needs follow-up" in all_text(at)


# --- the regional review ------------------------------------------------------------------------------------

def test_the_review_page_shows_attendees_items_linked_suggestions_and_action_owners(org_store, known):
    staff, manager = known["staff"], known["manager"]
    suggestion = submit(org_store, staff, key="s").id
    record(org_store, manager, item(links=[suggestion], acts=[action(staff, TODAY, "Ask finance")]), attendees=[staff])
    at = open_page(org_store, known["regional_manager"], "review")
    shown = [t.value for t in at.text]
    assert "Attendees: Sam Staff" in shown and any("chair: Maya Manager" in t for t in shown)
    assert "1. Real problem · policy" in shown and "Refund approvals take ten days." in shown
    assert f"Owner: Sam Staff · due {TODAY:%d %b %Y} · Open" in shown
    assert ("suggestion", f"id={suggestion}", f"Suggestion #{suggestion}") in links(at)
    headers = [list(d.value.columns) for d in at.dataframe]
    assert headers == [["Meeting", "Unit", "Chair", "Problems", "Solutions"]]  # no flag column of raw text


def test_saving_a_review_confirms_it_and_stays_on_the_minutes_until_next(org_store, known):
    manager, regional = known["manager"], known["regional_manager"]
    first = record(org_store, manager, item("Older"), day=TODAY - timedelta(days=9))
    second = record(org_store, manager, item("Newer"), day=TODAY - timedelta(days=2))
    at = open_page(org_store, regional, "review")
    widget(at.radio, "Verdict").set_value("reviewed")
    at.button(key="FormSubmitter:review_form-Save review").click().run()
    assert not at.exception
    day = TODAY - timedelta(days=9)
    assert [s.value for s in at.success] == [f"Review saved: Reviewed, for the meeting of {day:%d %b %Y}."]
    assert "Older" in [t.value for t in at.text]  # still the reviewed minutes, not the next ones
    assert url_id(at) == first
    assert "Review by Rahul Regional on" in all_text(at)
    at.button(key="next_after_save").click().run()
    assert url_id(at) == second and "Newer" in [t.value for t in at.text]
    assert not at.success  # the confirmation was for the other minutes


# --- the editor -----------------------------------------------------------------------------------------------

def test_a_new_action_is_due_a_week_after_the_meeting_and_has_no_owner_yet(org_store, known):
    at = open_page(org_store, known["manager"], "minutes")
    widget(at.button, "Start").click().run()
    widget(at.button, "Add an action").click().run()
    assert widget(at.date_input, "Due").value == TODAY + timedelta(days=7)
    assert widget(at.selectbox, "Owner").value is None


def test_editing_never_reruns_the_page_and_every_change_is_saved(org_store, known, monkeypatch):
    """The editor is a fragment whose additions and removals are callbacks: no change asks for a second run
    (st.rerun), which in a browser would run the whole page again; and each change is in the saved draft."""
    manager, staff = known["manager"], known["staff"]
    at = open_page(org_store, manager, "minutes")
    widget(at.button, "Start").click().run()
    reruns: list = []
    real = st.rerun
    monkeypatch.setattr(st, "rerun", lambda *a, **k: (reruns.append(k), real(*a, **k)))

    def saved() -> dict:
        return minutes.load_for_editing(org_store, manager, minutes.my_drafts(org_store, manager)[0]["id"])

    widget(at.text_area, "What was discussed").input("Rota gaps on Fridays.").run()
    assert saved()["items"][0]["discussed"] == "Rota gaps on Fridays."
    widget(at.button, "Add an action").click().run()
    assert len(saved()["items"][0]["actions"]) == 1
    widget(at.text_input, "Action").input("Publish a swap list").run()
    widget(at.selectbox, "Owner").set_value(staff.id).run()
    assert saved()["items"][0]["actions"][0] == {**saved()["items"][0]["actions"][0],
                                                 "description": "Publish a swap list", "owner_id": staff.id}
    widget(at.button, "Add an item").click().run()
    assert len(saved()["items"]) == 2 and len(at.text_area) == 4
    [b for b in at.button if b.label == "Remove this item"][-1].click().run()
    assert not at.exception and reruns == []
    assert [i["discussed"] for i in saved()["items"]] == ["Rota gaps on Fridays."]
    widget(at.button, "Close the editor (the draft is kept)").click().run()
    assert reruns == [{}]  # the spy sees a rerun: closing runs the page again, as it must

    at = open_page(org_store, manager, "minutes")  # a reload: the draft opens again as it was left
    assert widget(at.text_area, "What was discussed").value == "Rota gaps on Fridays."
    assert widget(at.text_input, "Action").value == "Publish a swap list"


def test_new_minutes_list_the_units_open_actions_and_one_can_be_closed_there(org_store, known):
    manager, staff = known["manager"], known["staff"]
    record(org_store, manager, item(acts=[action(staff, TODAY + timedelta(days=2), "Ask finance"),
                                          action(staff, TODAY + timedelta(days=3), "Fix the rota")]),
           day=TODAY - timedelta(days=7))
    at = open_page(org_store, manager, "minutes")
    widget(at.button, "Start").click().run()
    assert [e.label for e in at.expander] == ["Open actions from earlier meetings (2)"]
    shown = [t.value for t in at.text]
    assert "Ask finance" in shown and any(t.startswith(f"Owner: Sam Staff · due {TODAY + timedelta(days=2):%d %b %Y}")
                                          for t in shown)
    opened = {a["description"]: a["id"] for a in actions.mine(org_store, staff, today=TODAY)}
    assert ("action", f"id={opened['Ask finance']}", f"Open action #{opened['Ask finance']}") in links(at)
    at.button(key=f"carried_{opened['Fix the rota']}_dropped").click().run()
    assert "Say why the action is dropped." in [e.value for e in at.error]  # actions.close's rule, nothing changed
    at.button(key=f"carried_{opened['Ask finance']}_done").click().run()
    assert [s.value for s in at.success] == [f"Action #{opened['Ask finance']} marked done."]
    assert [e.label for e in at.expander] == ["Open actions from earlier meetings (1)"]
    assert [a["description"] for a in actions.mine(org_store, staff, today=TODAY)] == ["Fix the rota"]
    assert widget(at.text_area, "What was discussed").value == ""  # the new minutes themselves are untouched


def other_manager(store, manager):
    """A manager of another team (another office's minutes are out of the Billing team's scope)."""
    with store.read() as con:
        pid = con.scalar("SELECT p.id FROM people p JOIN teams t ON t.id = p.team_id WHERE p.active AND"
                         " p.role = 'manager' AND t.office_id <> ? ORDER BY p.id LIMIT 1", (manager.office_id,))
    return people.get_person(store, pid)


def test_amending_opens_the_editor_without_earlier_actions_and_closing_returns_to_the_minutes(org_store, known):
    manager, staff = known["manager"], known["staff"]
    record(org_store, manager, item(acts=[action(staff, description="Earlier action")]), day=TODAY - timedelta(days=7))
    meeting_id = record(org_store, manager, item("Amend me"))
    at = open_page(org_store, manager, "minutes", query={"id": meeting_id})
    widget(at.button, "Amend these minutes").click().run()
    assert [h.value for h in at.subheader] == ["Amend published minutes"] and not at.expander
    widget(at.button, "Close the editor").click().run()
    assert url_id(at) == meeting_id and "Amend me" in [t.value for t in at.text]
