"""Triage through the real page (AppTest): one form to answer, move, assign and date, with a confirmation; the
queue with what needs attention first, filters and pages."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from streamlit.testing.v1 import AppTest

from board.feedback import suggestions as sg
from board.feedback import triage
from board.org import people
from tests.support.pages import errors, open_page, texts
from tests.support.suggestions import submit

TODAY = date.today()


def field(sid: int, name: str, drawn: int = 0) -> str:
    """A widget of the triage form; after each applied change the fields are drawn anew under new keys."""
    return f"triage_{sid}_{drawn}_{name}" if drawn else f"triage_{sid}_{name}"


def answering(store, person, sid: int) -> AppTest:
    """The triage page opened on one suggestion (/triage?id=N), its form drawn."""
    return open_page(store, person, "triage", query={"id": sid})


def press(at: AppTest, sid: int, button: str) -> AppTest:
    return at.button(key=field(sid, button)).click().run()


def status_events(store, sid: int) -> list[tuple[str, str]]:
    return [(e["from_value"], e["to_value"]) for e in sg.timeline(store, sid) if e["kind"] == "status"]


def test_a_manager_takes_a_new_suggestion_to_planned_with_a_reply_owner_and_due_date_in_one_form(org_store, known):
    sid = submit(org_store, known["staff"]).id
    due = TODAY + timedelta(days=21)
    at = answering(org_store, known["manager"], sid)
    at.selectbox(key=field(sid, "status")).select("planned")
    at.text_area(key=field(sid, "reply")).input("We will automate refunds under 20 from January.")
    at.selectbox(key=field(sid, "owner")).select(known["manager"].id)
    at.date_input(key=field(sid, "due")).set_value(due)
    press(at, sid, "continue")
    assert not at.exception and not errors(at)
    assert (f"Move #{sid} from New to Planned (through Acknowledged, Under review); reply to the author;"
            f" owner: Maya Manager; due {due:%d %b %Y}.") in texts(at)
    assert status_events(org_store, sid) == []  # nothing changes before Confirm
    press(at, sid, "confirm")
    assert not at.exception and not errors(at)
    assert [s.value for s in at.success] == [f"Saved: #{sid} is now planned."]
    row = sg.get(org_store, known["staff"], sid)
    assert (row["status"], row["owner"], row["due_date"]) == ("planned", "Maya Manager", due)
    assert status_events(org_store, sid) == [("new", "acknowledged"), ("acknowledged", "under_review"),
                                             ("under_review", "planned")]
    # the form now starts from the new state, empty (new widgets: the browser keeps nothing of the last answer)
    status = at.selectbox(key=field(sid, "status", 1))
    assert status.index == 0 and status.options[0] == "Keep as is (Planned)"
    assert at.text_area(key=field(sid, "reply", 1)).value == ""
    assert at.selectbox(key=field(sid, "owner", 1)).value is None
    assert "Owner now: Maya Manager" in texts(at)


def test_cancel_changes_nothing_and_brings_the_form_back(org_store, known):
    sid = submit(org_store, known["staff"]).id
    at = answering(org_store, known["manager"], sid)
    at.selectbox(key=field(sid, "status")).select("implemented")
    press(at, sid, "continue")
    assert "through Acknowledged, Under review, Planned, In progress" in texts(at)
    press(at, sid, "cancel")
    assert not at.exception and status_events(org_store, sid) == []
    assert [b.key for b in at.button if b.key == field(sid, "continue")]  # back to the form, ready to change


def test_one_form_takes_new_to_implemented_recording_every_step(org_store, known):
    sid = submit(org_store, known["staff"]).id
    at = answering(org_store, known["manager"], sid)
    at.selectbox(key=field(sid, "status")).select("implemented")
    press(press(at, sid, "continue"), sid, "confirm")
    assert [to for _, to in status_events(org_store, sid)] == ["acknowledged", "under_review", "planned",
                                                                "in_progress", "implemented"]


def test_the_owner_is_not_preselected_so_a_reply_alone_names_nobody(org_store, known):
    sid = submit(org_store, known["staff"]).id
    at = answering(org_store, known["manager"], sid)
    owner = at.selectbox(key=field(sid, "owner"))
    assert owner.value is None and owner.placeholder == "Nobody yet"
    at.text_area(key=field(sid, "reply")).input("Which refund tool do you use?")
    press(press(at, sid, "continue"), sid, "confirm")
    assert not errors(at)
    row = sg.get(org_store, known["staff"], sid)
    assert (row["status"], row["owner"]) == ("new", None)
    assert [e["kind"] for e in sg.timeline(org_store, sid)] == ["submitted", "reply"]


def test_declining_without_a_reason_is_refused_beside_the_field(org_store, known):
    sid = submit(org_store, known["staff"]).id
    at = answering(org_store, known["manager"], sid)
    at.selectbox(key=field(sid, "status")).select("declined")
    press(at, sid, "continue")
    assert any("reason for declining" in e for e in errors(at))
    assert not [b for b in at.button if b.key == field(sid, "confirm")]  # no confirmation of a refused change
    assert sg.get(org_store, known["staff"], sid)["status"] == "new"


def test_the_original_number_is_asked_only_for_a_duplicate_and_its_plus_ones_move(org_store, known):
    original = submit(org_store, known["staff"], key="o").id
    copy = submit(org_store, known["staff"], key="c", title="Small refunds are slow again").id
    sg.vote(org_store, known["regional_manager"], copy)
    at = answering(org_store, known["manager"], copy)
    assert not at.number_input  # no "Original suggestion # 0" unless it is a duplicate
    at.selectbox(key=field(copy, "status")).select("duplicate").run()
    at.number_input(key=field(copy, "original")).set_value(original)
    press(at, copy, "continue")
    assert f"as a duplicate of #{original}, where its +1s go" in texts(at)
    press(at, copy, "confirm")
    assert not at.exception and not errors(at)
    assert (sg.get(org_store, known["staff"], original)["votes"],
            sg.get(org_store, known["staff"], copy)["votes"]) == (1, 0)
    assert sg.get(org_store, known["staff"], copy)["duplicate_of"] == original


def test_a_status_change_made_meanwhile_is_not_overwritten_from_a_stale_form(org_store, known):
    """The manager's form was drawn while the suggestion was new; the leader (on this or another server)
    acknowledges it first. The manager's change is refused with a message, not applied on top."""
    sid = submit(org_store, known["staff"], key="stale").id
    at = answering(org_store, known["manager"], sid)
    at.selectbox(key=field(sid, "status")).select("under_review")
    press(at, sid, "continue")  # the summary is on screen ...
    triage.act(org_store, known["leader"], sid, to="acknowledged", today=TODAY)  # ... when the leader moves it
    press(at, sid, "confirm")
    assert not at.exception
    assert any("Someone changed this suggestion meanwhile: it is now acknowledged" in e for e in errors(at))
    assert status_events(org_store, sid) == [("new", "acknowledged")]
    at.selectbox(key=field(sid, "status")).select("under_review")  # now drawn from the fresh status
    press(press(at, sid, "continue"), sid, "confirm")
    assert sg.get(org_store, known["staff"], sid)["status"] == "under_review"


def test_a_manager_gets_no_form_for_a_suggestion_outside_their_scope(org_store, known):
    sid = submit(org_store, known["staff"]).id
    neighbour = next(p for p in people.list_people(org_store, known["admin"]) if p["role"] == "manager"
                     and p["office_id"] == known["staff"].office_id and p["team_id"] != known["staff"].team_id)
    at = answering(org_store, people.get_person(org_store, neighbour["id"]), sid)  # may read it, not act on it
    assert not at.exception
    assert "Refunds under 20 dollars take ten days" in texts(at)
    assert not [s for s in at.selectbox if s.key and s.key.startswith(f"triage_{sid}_")]
    assert not [b for b in at.button if b.key == field(sid, "continue")]


def card_numbers(at: AppTest) -> list[str]:
    return [link.label.split(" ")[0] for link in at.get("page_link") if link.label.startswith("#")]


def test_the_queue_shows_overdue_and_new_first_in_words_with_links(org_store, known):
    manager = known["manager"]
    seen = submit(org_store, known["staff"], key="seen").id
    fresh = submit(org_store, known["staff"], key="fresh").id
    late = submit(org_store, known["staff"], key="late").id
    triage.act(org_store, manager, seen, to="acknowledged", today=TODAY)
    triage.act(org_store, manager, late, to="acknowledged", owner_id=manager.id, today=TODAY)
    org_store.write(lambda con: con.execute("UPDATE suggestions SET due_date = ? WHERE id = ?",
                                            (TODAY - timedelta(days=2), late)))
    for sid, hour in ((seen, 1), (fresh, 2), (late, 3)):  # the acknowledged one is the oldest
        org_store.write(lambda con, s=sid, h=hour: con.execute(
            "UPDATE suggestions SET created_at = ? WHERE id = ?", (datetime.combine(TODAY, datetime.min.time())
                                                                   + timedelta(hours=h), s)))
    at = open_page(org_store, manager, "triage")
    assert card_numbers(at) == [f"#{late}", f"#{fresh}", f"#{seen}"]
    shown = texts(at)
    assert f"Owner: Maya Manager · overdue: was due {TODAY - timedelta(days=2):%d %b %Y}" in shown
    assert "Owner: no owner · no due date" in shown and "Acknowledged · no +1s yet" in shown
    assert "3 open in your queue, 1 overdue" in shown
    link = next(p for p in at.get("page_link") if p.label.startswith(f"#{fresh}"))
    assert link.proto.page.endswith("suggestion") and "id=" in link.proto.query_string
    at.button(key=f"answer_{fresh}").click().run()  # the form opens in place
    assert at.query_params["id"] == str(fresh) and at.selectbox(key=field(fresh, "status"))


def test_the_queue_filters(org_store, known):
    manager = known["manager"]
    ids = [submit(org_store, known["staff"], key=f"f{i}", category="system" if i else "policy").id for i in range(3)]
    triage.act(org_store, manager, ids[1], owner_id=known["regional_manager"].id, today=TODAY)
    triage.act(org_store, manager, ids[2], to="declined", reply="Not ours to change.", today=TODAY)
    at = open_page(org_store, manager, "triage")
    assert sorted(card_numbers(at)) == sorted([f"#{ids[0]}", f"#{ids[1]}"])  # open ones by default
    at.selectbox(key="triage_category").select("policy").run()
    assert card_numbers(at) == [f"#{ids[0]}"]
    at.selectbox(key="triage_category").select_index(0)  # "Any"
    at.selectbox(key="triage_owner").select(-1).run()  # "No owner yet"
    assert card_numbers(at) == [f"#{ids[0]}"]
    at.selectbox(key="triage_owner").select(known["regional_manager"].id).run()
    assert card_numbers(at) == [f"#{ids[1]}"]
    at.selectbox(key="triage_owner").select_index(0)  # "Anyone"
    at.selectbox(key="triage_status").select("declined").run()
    assert card_numbers(at) == [f"#{ids[2]}"]
    at.selectbox(key="triage_status").select("open")
    at.toggle(key="triage_overdue").set_value(True).run()
    assert card_numbers(at) == [] and "Nothing matches: try other filters." in texts(at)


def test_the_queue_pages_by_twenty_five(org_store, known):
    ids = [submit(org_store, known["staff"], key=f"p{i}").id for i in range(27)]
    at = open_page(org_store, known["manager"], "triage")
    assert len(card_numbers(at)) == 25 and "27 match · page 1 of 2" in texts(at)
    at.button(key="triage_queue__next").click().run()
    assert card_numbers(at) == [f"#{ids[25]}", f"#{ids[26]}"] and "27 match · page 2 of 2" in texts(at)
    at.button(key="triage_queue__previous").click().run()
    assert len(card_numbers(at)) == 25
