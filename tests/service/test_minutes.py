"""Meeting minutes: drafts, bad input, publishing, amendments, scope, actions, review, overview, playbook, demo."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from board.demo.minutes import LAGGING, NO_PROBLEMS
from board.errors import Invalid, NotAllowed
from board.feedback import inbox, triage
from board.feedback.workflow import PATH
from board.meetings import actions, minutes, playbook, review
from board.org import people
from board.reporting import reports
from tests.support.minutes import TODAY as MINUTES_TODAY
from tests.support.minutes import action, document, draft, item, publish
from tests.support.suggestions import submit

TODAY = MINUTES_TODAY  # the known people's office's day, as the minutes support records with
TABLES = ("meeting_items", "action_items", "action_events", "item_links", "meeting_versions", "meeting_reviews")
UNIT = {"team_id": "t.id", "office_id": "t.office_id", "region_id": "o.region_id"}


def someone(store, role, **where):
    """The first active person with this role in the given team / office / region."""
    extra = "".join(f" AND {UNIT[k]} = ?" for k in where)
    with store.read() as con:
        pid = con.scalar("SELECT p.id FROM people p JOIN teams t ON t.id = p.team_id JOIN offices o"
                         f" ON o.id = t.office_id WHERE p.active AND p.role = ?{extra} ORDER BY p.id LIMIT 1",
                         (role, *where.values()))
    return people.get_person(store, pid)


def amend(store, author, meeting_id, doc):
    return publish(store, author, meeting_id, doc, how=minutes.amend)


def record(store, author, *items, day=TODAY, office_id=None) -> int:
    """Publish minutes for the author's unit (a regional manager: an office); the meeting id."""
    meeting_id = draft(store, author, office_id)
    publish(store, author, meeting_id, document(author, *items, day=day))
    return meeting_id


def scalar(store, sql, *params):
    with store.read() as con:
        return con.scalar(sql, params)


def counts(store) -> dict:
    return {t: scalar(store, f"SELECT count(*) FROM {t}") for t in TABLES}


# --- drafts -------------------------------------------------------------------------------------

def test_drafts_only_for_own_team_or_an_office_of_the_region(org_store, known):
    manager, regional = known["manager"], known["regional_manager"]
    assert draft(org_store, manager)
    with pytest.raises(NotAllowed):
        minutes.start_draft(org_store, manager, team_id=2, office_id=1, today=TODAY)
    sydney = scalar(org_store, "SELECT id FROM offices WHERE name = 'Sydney'")
    assert draft(org_store, regional, sydney)
    dublin = scalar(org_store, "SELECT id FROM offices WHERE name = 'Dublin'")
    for team_id, office_id in ((None, dublin), (regional.team_id, regional.office_id)):
        with pytest.raises(NotAllowed):
            minutes.start_draft(org_store, regional, team_id=team_id, office_id=office_id, today=TODAY)
    for role in ("staff", "leader"):
        with pytest.raises(NotAllowed):
            minutes.start_draft(org_store, known[role], team_id=known[role].team_id,
                                office_id=known[role].office_id, today=TODAY)


def test_a_saved_draft_loads_back_unchanged(org_store, known):
    manager = known["manager"]
    meeting_id = draft(org_store, manager)
    doc = document(manager, item(acts=[action(known["staff"])]), item("Half typed", kind="brainstorm"),
                   attendees=[known["staff"]])
    minutes.save_draft(org_store, manager, meeting_id, doc)
    assert minutes.load_for_editing(org_store, manager, meeting_id) == doc
    assert [d["id"] for d in minutes.my_drafts(org_store, manager)] == [meeting_id]


def test_only_the_author_may_load_or_save_a_draft(org_store, known):
    meeting_id = draft(org_store, known["manager"])
    for role in ("staff", "regional_manager", "leader"):
        with pytest.raises(NotAllowed):
            minutes.load_for_editing(org_store, known[role], meeting_id)
        with pytest.raises(NotAllowed):
            minutes.save_draft(org_store, known[role], meeting_id, document(known[role]))


def test_a_draft_is_invisible_to_everyone_else(org_store, known):
    meeting_id = draft(org_store, known["manager"])
    minutes.save_draft(org_store, known["manager"], meeting_id, document(known["manager"]))
    for role in ("staff", "regional_manager", "leader", "manager"):
        assert minutes.list_minutes(org_store, known[role]) == []
        with pytest.raises(NotAllowed):
            minutes.get_meeting(org_store, known[role], meeting_id)


# --- bad input ----------------------------------------------------------------------------------

def _no_date(d, s, k): d["meeting_date"] = None
def _future(d, s, k): d["meeting_date"] = d["items"][0]["actions"][0]["due_date"] = str(TODAY + timedelta(days=1))
def _no_items(d, s, k): d["items"] = []
def _no_description(d, s, k): d["items"][0]["discussed"] = "   "
def _no_owner(d, s, k): d["items"][0]["actions"][0]["owner_id"] = None
def _due_early(d, s, k): d["items"][0]["actions"][0]["due_date"] = (TODAY - timedelta(days=1)).isoformat()
def _stranger(d, s, k): d["attendee_ids"] = [k["staff"].id, 999_999]
def _inactive(d, s, k): d["attendee_ids"] = [scalar(s, "SELECT min(id) FROM people WHERE NOT active")]
def _foreign_link(d, s, k): d["items"][0]["suggestion_ids"] = [submit(s, k["admin"], key="dublin").id]


@pytest.mark.parametrize("spoil, field", [
    (_no_date, "meeting_date"), (_future, "meeting_date"), (_no_items, "items"),
    (_no_description, "items.0.discussed"), (_no_owner, "items.0.actions.0.owner_id"),
    (_due_early, "items.0.actions.0.due_date"), (_stranger, "attendee_ids"), (_inactive, "attendee_ids"),
    (_foreign_link, "items.0.suggestion_ids"),
])
def test_bad_input_names_the_field_saves_nothing_and_keeps_the_draft(org_store, known, spoil, field):
    manager = known["manager"]
    meeting_id = draft(org_store, manager)
    doc = document(manager, item(acts=[action(known["staff"])]), attendees=[known["staff"]])
    spoil(doc, org_store, known)
    minutes.save_draft(org_store, manager, meeting_id, doc)
    with pytest.raises(Invalid) as invalid:
        publish(org_store, manager, meeting_id, doc)
    assert list(invalid.value.errors) == [field]
    assert counts(org_store) == dict.fromkeys(TABLES, 0)
    assert scalar(org_store, "SELECT count(*) FROM suggestion_events WHERE kind = 'discussed'") == 0
    assert scalar(org_store, "SELECT status || version FROM meetings WHERE id = ?", meeting_id) == "draft0"
    assert minutes.load_for_editing(org_store, manager, meeting_id) == doc


def test_several_errors_are_reported_at_once(org_store, known):
    manager = known["manager"]
    meeting_id = draft(org_store, manager)
    doc = document(manager, item(), item("", acts=[{**action(known["staff"]), "owner_id": None}]), day=None)
    with pytest.raises(Invalid) as invalid:
        publish(org_store, manager, meeting_id, doc)
    assert set(invalid.value.errors) == {"meeting_date", "items.1.discussed", "items.1.actions.0.owner_id"}


# --- publishing -----------------------------------------------------------------------------------

def test_publishing_writes_items_open_actions_and_version_one(org_store, known):
    manager, staff = known["manager"], known["staff"]
    meeting_id = record(org_store, manager, item(solution="Trial small refunds", acts=[action(staff)]),
                        item("Rota shared", kind="information"))
    assert counts(org_store) == {**dict.fromkeys(TABLES, 0), "meeting_items": 2, "action_items": 1,
                                 "action_events": 1, "meeting_versions": 1}
    with org_store.read() as con:
        assert con.one("SELECT status, version, draft FROM meetings WHERE id = ?", (meeting_id,)) == {
            "status": "published", "version": 1, "draft": None}
        assert con.one("SELECT status, owner_id FROM action_items") == {"status": "open", "owner_id": staff.id}
        assert con.one("SELECT actor_id, to_status FROM action_events") == {"actor_id": manager.id, "to_status": "open"}
        content = json.loads(con.scalar("SELECT content FROM meeting_versions WHERE version = 1"))
    assert [i["discussed"] for i in content["items"]] == ["Refund approvals take ten days.", "Rota shared"]
    assert content["items"][0]["solution"] == "Trial small refunds"


def test_a_linked_suggestion_tells_its_author_where_it_was_discussed(org_store, known):
    staff, manager = known["staff"], known["manager"]
    suggestion = submit(org_store, staff, key="s").id
    assert inbox.unread_count(org_store, staff) == 0
    record(org_store, manager, item(links=[suggestion]), day=date(2026, 3, 12))
    update = inbox.updates(org_store, staff)[0]
    assert (update["suggestion_id"], update["kind"], update["actor"]) == (suggestion, "discussed", "Maya Manager")
    assert update["note"] == "Discussed in the Billing team, Kuala Lumpur meeting of 12 March 2026"
    assert inbox.unread_count(org_store, staff) == 1


def test_publishing_twice_is_refused(org_store, known):
    manager = known["manager"]
    meeting_id = record(org_store, manager, item())
    with pytest.raises(Invalid) as invalid:
        publish(org_store, manager, meeting_id, document(manager))
    assert "already published" in invalid.value.errors["status"]
    assert scalar(org_store, "SELECT count(*) FROM meeting_versions") == 1


# --- amending -------------------------------------------------------------------------------------

def test_only_the_author_may_amend(org_store, known):
    meeting_id = record(org_store, known["manager"], item())
    for role in ("staff", "regional_manager", "leader"):
        with pytest.raises(NotAllowed):
            amend(org_store, known[role], meeting_id, document(known[role], item("Rewritten")))
    assert scalar(org_store, "SELECT version FROM meetings WHERE id = ?", meeting_id) == 1


def test_an_amendment_changes_adds_and_drops_items_and_keeps_version_one(org_store, known):
    manager, staff = known["manager"], known["staff"]
    meeting_id = record(org_store, manager, item("Old text"), item("Dropped later"))
    doc = minutes.load_for_editing(org_store, manager, meeting_id)
    doc["items"][0]["discussed"] = "New text"
    doc["items"] = [doc["items"][0], item("Added later")]
    assert amend(org_store, manager, meeting_id, doc) == 2
    meeting = minutes.get_meeting(org_store, staff, meeting_id)
    assert [i["discussed"] for i in meeting["items"]] == ["New text", "Added later"]
    assert scalar(org_store, "SELECT removed FROM meeting_items WHERE discussed = 'Dropped later'") is True
    old = minutes.version_content(org_store, staff, meeting_id, 1)
    assert [i["discussed"] for i in old["items"]] == ["Old text", "Dropped later"]
    assert meeting["version"] == 2
    assert [(v["version"], v["author"]) for v in meeting["versions"]] == [(1, "Maya Manager"), (2, "Maya Manager")]
    assert all(v["created_at"] for v in meeting["versions"])


def test_dropping_an_item_drops_its_actions(org_store, known):
    manager, staff = known["manager"], known["staff"]
    meeting_id = record(org_store, manager, item("Kept"), item("Dropped", acts=[action(staff)]))
    doc = minutes.load_for_editing(org_store, manager, meeting_id)
    doc["items"] = doc["items"][:1]
    amend(org_store, manager, meeting_id, doc)
    assert actions.mine(org_store, staff, today=TODAY) == []
    assert actions.team_open(org_store, manager, today=TODAY) == []


def test_a_new_link_records_its_event_once(org_store, known):
    manager, staff = known["manager"], known["staff"]
    suggestion = submit(org_store, staff, key="s").id
    meeting_id = record(org_store, manager, item())
    doc = minutes.load_for_editing(org_store, manager, meeting_id)
    doc["items"][0]["suggestion_ids"] = [suggestion]
    amend(org_store, manager, meeting_id, doc)
    amend(org_store, manager, meeting_id, minutes.load_for_editing(org_store, manager, meeting_id))
    assert (scalar(org_store, "SELECT count(*) FROM suggestion_events WHERE kind = 'discussed'") == 1
            and inbox.unread_count(org_store, staff) == 1)
    assert minutes.get_meeting(org_store, staff, meeting_id)["items"][0]["suggestion_ids"] == [suggestion]


def test_an_amendment_can_unlink_a_suggestion(org_store, known):
    manager = known["manager"]
    suggestion = submit(org_store, known["staff"], key="s").id
    meeting_id = record(org_store, manager, item(links=[suggestion]))
    doc = minutes.load_for_editing(org_store, manager, meeting_id)
    doc["items"][0]["suggestion_ids"] = []
    amend(org_store, manager, meeting_id, doc)
    assert minutes.get_meeting(org_store, manager, meeting_id)["items"][0]["suggestion_ids"] == []


def test_an_amendment_cannot_touch_another_meetings_items(org_store, known):
    manager, other_manager = known["manager"], someone(org_store, "manager", team_id=2)
    owner = someone(org_store, "staff", team_id=2)
    theirs = record(org_store, other_manager, item("Their item", acts=[action(owner)]))
    their_item = minutes.get_meeting(org_store, other_manager, theirs)["items"][0]
    mine = record(org_store, manager, item())
    amend(org_store, manager, mine, document(manager, {**their_item, "discussed": "Hijacked", "actions": []}))
    assert minutes.get_meeting(org_store, other_manager, theirs)["items"] == [their_item]
    assert [a["description"] for a in actions.mine(org_store, owner, today=TODAY)] == [
        "Ask finance for the refund numbers"]


# --- visibility -----------------------------------------------------------------------------------

def test_team_minutes_are_read_by_their_team_only(org_store, known):
    meeting_id = record(org_store, known["manager"], item())
    for role in ("staff", "manager"):
        assert minutes.get_meeting(org_store, known[role], meeting_id)["id"] == meeting_id
        assert [m["id"] for m in minutes.list_minutes(org_store, known[role])] == [meeting_id]
    for outsider in (someone(org_store, "staff", team_id=2), someone(org_store, "manager", team_id=2)):
        with pytest.raises(NotAllowed):
            minutes.get_meeting(org_store, outsider, meeting_id)
        assert minutes.list_minutes(org_store, outsider) == []


def test_regional_managers_read_their_region_and_leaders_everything(org_store, known):
    meeting_id = record(org_store, known["manager"], item())
    for reader in (known["regional_manager"], known["leader"]):
        assert [m["id"] for m in minutes.list_minutes(org_store, reader)] == [meeting_id]
        assert minutes.get_meeting(org_store, reader, meeting_id)["unit"] == "Billing team, Kuala Lumpur"
    for outsider in (someone(org_store, "regional_manager", region_id=2), known["admin"]):
        with pytest.raises(NotAllowed):
            minutes.get_meeting(org_store, outsider, meeting_id)
        assert minutes.list_minutes(org_store, outsider) == []


def test_office_minutes_are_read_by_the_offices_staff(org_store, known):
    meeting_id = record(org_store, known["regional_manager"], item())
    assert scalar(org_store, "SELECT team_id IS NULL FROM meetings WHERE id = ?", meeting_id)
    for reader in (known["staff"], someone(org_store, "staff", team_id=3)):
        assert minutes.get_meeting(org_store, reader, meeting_id)["unit"] == "Kuala Lumpur office"
    with pytest.raises(NotAllowed):
        minutes.get_meeting(org_store, someone(org_store, "staff", office_id=3), meeting_id)


# --- actions --------------------------------------------------------------------------------------

def _two_actions(store, known):
    """A meeting ten days ago with two of the staff's actions: one overdue, one due in five days."""
    staff = known["staff"]
    record(store, known["manager"], item(acts=[action(staff, TODAY + timedelta(days=5), "Later"),
                                               action(staff, TODAY - timedelta(days=1), "Overdue")]),
           day=TODAY - timedelta(days=10))
    return actions.mine(store, staff, today=TODAY)


def test_my_actions_lists_open_ones_soonest_first_with_overdue_marked(org_store, known):
    mine = _two_actions(org_store, known)
    assert [(a["description"], a["overdue"], a["unit"]) for a in mine] == [
        ("Overdue", True, "Billing team, Kuala Lumpur"), ("Later", False, "Billing team, Kuala Lumpur")]
    assert actions.mine(org_store, known["manager"], today=TODAY) == []


def test_the_owner_closes_an_action_done(org_store, known):
    first = _two_actions(org_store, known)[0]
    actions.close(org_store, known["staff"], first["id"], "done")
    assert [a["description"] for a in actions.mine(org_store, known["staff"], today=TODAY)] == ["Later"]
    with org_store.read() as con:
        assert con.one("SELECT status, closed_at IS NOT NULL AS closed FROM action_items WHERE id = ?",
                       (first["id"],)) == {"status": "done", "closed": True}
        assert con.rows("SELECT actor_id, from_status, to_status FROM action_events WHERE action_id = ?"
                        " ORDER BY id", (first["id"],))[1:] == [
            {"actor_id": known["staff"].id, "from_status": "open", "to_status": "done"}]


def test_dropping_an_action_needs_a_note(org_store, known):
    first = _two_actions(org_store, known)[0]
    with pytest.raises(Invalid) as invalid:
        actions.close(org_store, known["staff"], first["id"], "dropped", "  ")
    assert list(invalid.value.errors) == ["note"]
    actions.close(org_store, known["staff"], first["id"], "dropped", "No longer needed")
    assert scalar(org_store, "SELECT note FROM action_events WHERE to_status = 'dropped'") == "No longer needed"


def test_a_stranger_cannot_close_an_action(org_store, known):
    first = _two_actions(org_store, known)[0]
    for stranger in (known["regional_manager"], known["leader"], someone(org_store, "staff", team_id=2)):
        with pytest.raises(NotAllowed):
            actions.close(org_store, stranger, first["id"], "done")
    assert scalar(org_store, "SELECT status FROM action_items WHERE id = ?", first["id"]) == "open"


def test_the_minutes_author_may_close_an_action_but_not_twice(org_store, known):
    first = _two_actions(org_store, known)[0]
    actions.close(org_store, known["manager"], first["id"], "done")
    with pytest.raises(Invalid) as invalid:
        actions.close(org_store, known["staff"], first["id"], "done")
    assert "already done" in invalid.value.errors["status"]


def test_managers_see_their_teams_open_actions_staff_do_not(org_store, known):
    _two_actions(org_store, known)
    record(org_store, someone(org_store, "manager", team_id=2), item(acts=[action(known["staff"])]))
    team = actions.team_open(org_store, known["manager"], today=TODAY)
    assert [(a["description"], a["overdue"]) for a in team] == [("Overdue", True), ("Later", False)]
    with pytest.raises(NotAllowed):
        actions.team_open(org_store, known["staff"], today=TODAY)



# --- recurring meetings: the open actions of the unit's earlier minutes ------------------------------------------

def test_a_new_actions_due_date_is_a_week_after_the_meeting_and_never_already_past():
    assert minutes.default_due(date(2026, 12, 2), today=date(2026, 12, 2)) == date(2026, 12, 9)
    assert minutes.default_due(date(2026, 11, 28), today=date(2026, 12, 2)) == date(2026, 12, 5)
    assert minutes.default_due(date(2026, 11, 20), today=date(2026, 12, 2)) == date(2026, 12, 9)  # written up late
    new = minutes.empty_action("2026-12-02", today=date(2026, 12, 2))
    assert (new["due_date"], new["owner_id"]) == ("2026-12-09", None)  # no owner chosen for the author
    assert minutes.empty_action(None)["due_date"] is None


def test_new_minutes_carry_the_units_open_actions_from_earlier_meetings(org_store, known):
    manager, staff = known["manager"], known["staff"]
    earlier = record(org_store, manager, item(acts=[action(staff, TODAY + timedelta(days=3), "Still open"),
                                                    action(staff, TODAY + timedelta(days=4), "Done already")]),
                     day=TODAY - timedelta(days=7))
    done = next(a["id"] for a in actions.mine(org_store, staff, today=TODAY) if a["description"] == "Done already")
    actions.close(org_store, staff, done, "done")
    record(org_store, someone(org_store, "manager", team_id=2), item(acts=[action(staff, description="Other team")]))
    record(org_store, known["regional_manager"], item(acts=[action(staff, description="Office meeting")]))
    new = draft(org_store, manager)
    carried = minutes.carried_actions(org_store, manager, new, today=TODAY)
    assert [(a["description"], a["owner"], a["meeting_id"]) for a in carried] == [("Still open", "Sam Staff", earlier)]
    office = draft(org_store, known["regional_manager"])
    assert [a["description"] for a in minutes.carried_actions(org_store, known["regional_manager"], office,
                                                              today=TODAY)] == ["Office meeting"]
    with pytest.raises(NotAllowed):  # another person's draft
        minutes.carried_actions(org_store, known["regional_manager"], new, today=TODAY)
    first = draft(org_store, someone(org_store, "manager", office_id=3))
    assert minutes.carried_actions(org_store, someone(org_store, "manager", office_id=3), first, today=TODAY) == []


def test_the_minutes_and_an_earlier_version_read_with_names_not_ids(org_store, known):
    manager, staff = known["manager"], known["staff"]
    meeting_id = draft(org_store, manager)
    publish(org_store, manager, meeting_id, document(manager, item(acts=[action(staff)]), attendees=[staff]))
    amend(org_store, manager, meeting_id, document(manager, item("Changed")))
    old = minutes.version_content(org_store, staff, meeting_id, 1)
    assert (old["chair"], old["attendees"]) == ("Maya Manager", ["Sam Staff"])
    assert old["items"][0]["actions"][0]["owner"] == "Sam Staff"
    meeting = minutes.get_meeting(org_store, staff, meeting_id)
    assert (meeting["chair"], meeting["attendees"]) == ("Maya Manager", [])


def test_the_minutes_list_comes_in_pages_newest_first(org_store, known):
    manager = known["manager"]
    ids = [record(org_store, manager, item(), day=TODAY - timedelta(days=n)) for n in range(5)]
    first = minutes.list_minutes(org_store, manager, limit=2)
    rest = minutes.list_minutes(org_store, manager, limit=10, offset=2)
    assert [m["id"] for m in first + rest] == ids

# --- regional review ------------------------------------------------------------------------------

def test_the_review_queue_lists_the_regions_unreviewed_minutes_oldest_first(org_store, known):
    recent = record(org_store, known["manager"], item("Rota shared", kind="information"), day=TODAY - timedelta(days=2))
    older = record(org_store, known["manager"], item(kind="anticipated_problem"), day=TODAY - timedelta(days=9))
    draft(org_store, known["manager"])
    record(org_store, someone(org_store, "manager", region_id=2), item(), day=TODAY - timedelta(days=20))
    queue = review.queue(org_store, known["regional_manager"])
    assert [(m["id"], m["no_problems"]) for m in queue] == [(older, False), (recent, True)]


def test_a_verdict_leaves_the_queue_and_the_author_reads_it(org_store, known):
    regional, manager = known["regional_manager"], known["manager"]
    meeting_id = record(org_store, manager, item())
    with pytest.raises(Invalid) as invalid:
        review.review(org_store, regional, meeting_id, "needs_follow_up", " ")
    assert list(invalid.value.errors) == ["comment"]
    review.review(org_store, regional, meeting_id, "needs_follow_up", "Share the refund numbers")
    assert review.queue(org_store, regional) == []
    assert scalar(org_store, "SELECT review_status FROM meetings WHERE id = ?", meeting_id) == "needs_follow_up"
    [verdict] = review.verdicts_for_author(org_store, manager)
    assert (verdict["meeting_id"], verdict["verdict"], verdict["comment"], verdict["reviewer"]) == (
        meeting_id, "needs_follow_up", "Share the refund numbers", "Rahul Regional")


def test_only_the_regions_regional_manager_may_review(org_store, known):
    meeting_id = record(org_store, known["manager"], item())
    for reviewer in (someone(org_store, "regional_manager", region_id=2), known["manager"], known["leader"]):
        with pytest.raises(NotAllowed):
            review.review(org_store, reviewer, meeting_id, "reviewed")
    assert counts(org_store)["meeting_reviews"] == 0


def test_reviews_are_append_only(org_store, known):
    regional, manager = known["regional_manager"], known["manager"]
    meeting_id = record(org_store, manager, item())
    review.review(org_store, regional, meeting_id, "needs_follow_up", "Which customers?")
    review.review(org_store, regional, meeting_id, "reviewed", "Thanks for the numbers")
    assert [v["verdict"] for v in review.verdicts_for_author(org_store, manager)] == ["reviewed", "needs_follow_up"]
    assert [r["verdict"] for r in minutes.get_meeting(org_store, manager, meeting_id)["reviews"]] == [
        "needs_follow_up", "reviewed"]


# --- office overview ------------------------------------------------------------------------------

def test_the_overview_shows_every_office_of_the_region_every_month(org_store, known):
    this_month = TODAY.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    rows = reports.minutes_overview(org_store, known["regional_manager"], months=[last_month, this_month], today=TODAY)
    assert [(r["office"], r["month"]) for r in rows] == [
        (office, month) for office in ("Kuala Lumpur", "Singapore", "Sydney") for month in (last_month, this_month)]
    assert {(r["meetings"], r["problems"], r["solutions"], r["actions_due"], r["closed_on_time_pct"])
            for r in rows} == {(0, 0, 0, 0, None)}


def test_the_overview_counts_meetings_problems_solutions_and_on_time_actions(org_store, known):
    manager, staff = known["manager"], known["staff"]
    month = (TODAY.replace(day=1) - timedelta(days=1)).replace(day=1)
    next_week = TODAY + timedelta(days=7)
    record(org_store, manager, item(solution="Trial", acts=[action(staff, month + timedelta(days=5), "On time"),
                                                            action(staff, month + timedelta(days=6), "Late"),
                                                            action(staff, next_week, "Not due")]),
           item("Rota", kind="information"), day=month + timedelta(days=2))
    record(org_store, manager, item(kind="anticipated_problem"), day=month + timedelta(days=3))
    for a in actions.mine(org_store, staff, today=TODAY):
        actions.close(org_store, staff, a["id"], "done")
    org_store.write(lambda con: con.execute(
        "UPDATE action_items SET closed_at = due_date WHERE description = 'On time'"))
    rows = reports.minutes_overview(org_store, known["regional_manager"], months=[month, next_week], today=TODAY)
    kl = [r for r in rows if r["office"] == "Kuala Lumpur"]
    assert [(r["meetings"], r["problems"], r["solutions"], r["actions_due"], r["closed_on_time_pct"]) for r in kl] == [
        (2, 2, 1, 2, 50), (0, 0, 0, 0, None)]


def test_the_overview_is_not_for_staff_or_managers(org_store, known):
    for role in ("staff", "manager"):
        with pytest.raises(NotAllowed):
            reports.minutes_overview(org_store, known[role], months=[TODAY], today=TODAY)


# --- playbook -------------------------------------------------------------------------------------

def implement(store, manager, suggestion_id):
    for status in PATH[1:]:
        triage.change_status(store, manager, suggestion_id, status)


def _found(store, viewer, text="", **filters) -> list[tuple]:
    return [(r["source"], r["source_id"]) for r in playbook.search(store, viewer, text=text, **filters)]


def test_the_playbook_finds_a_solution_by_any_word_in_any_case(org_store, known):
    meeting_id = record(org_store, known["manager"], item(solution="Agents may refund up to 20 dollars"))
    assert _found(org_store, known["staff"], "REFUND Dollars") == [("minutes", meeting_id)]
    assert _found(org_store, known["staff"], "refund printer") == []


def test_the_playbook_finds_implemented_suggestions_only(org_store, known):
    sid = submit(org_store, known["staff"], key="s", proposed_solution="Let agents approve small refunds").id
    for status in PATH[1:]:
        assert _found(org_store, known["staff"], "agents approve") == []
        triage.change_status(org_store, known["manager"], sid, status)
    assert _found(org_store, known["staff"], "agents approve") == [("suggestion", sid)]


def test_the_playbook_leaves_out_items_without_solution_removed_items_and_drafts(org_store, known):
    manager = known["manager"]
    meeting_id = record(org_store, manager, item("Unsolved puzzle"), item("Dropped", solution="Dropped remedy"))
    doc = minutes.load_for_editing(org_store, manager, meeting_id)
    amend(org_store, manager, meeting_id, {**doc, "items": doc["items"][:1]})
    draft_id = draft(org_store, manager)
    minutes.save_draft(org_store, manager, draft_id, document(manager, item(solution="Draft remedy")))
    for word in ("puzzle", "remedy"):
        assert _found(org_store, known["leader"], word) == []


def test_the_playbook_filters_by_category_and_kind(org_store, known):
    meeting_id = record(org_store, known["manager"], item(solution="Rewrite scripts", category="policy"),
                        item("Huddle time", solution="9:15", kind="decision", category="process"))
    sid = submit(org_store, known["staff"], key="s", category="system").id
    implement(org_store, known["manager"], sid)
    staff = known["staff"]
    assert _found(org_store, staff, kind="decision") == [("minutes", meeting_id)]
    assert [r["problem"] for r in playbook.search(org_store, staff, category="policy")] == [
        "Refund approvals take ten days."]
    assert _found(org_store, staff, category="system") == _found(org_store, staff, kind="improvement") == [
        ("suggestion", sid)]


def test_the_playbook_opens_sources_only_within_the_readers_scope(org_store, known):
    record(org_store, known["manager"], item(solution="Refund trial"))
    sid = submit(org_store, known["staff"], key="s").id
    implement(org_store, known["manager"], sid)
    assert {r["can_open"] for r in playbook.search(org_store, known["staff"])} == {True}
    outside = playbook.search(org_store, known["admin"])  # Dublin reading Kuala Lumpur solutions
    assert sorted(r["source"] for r in outside) == ["minutes", "suggestion"]
    assert {r["can_open"] for r in outside} == {False}


# --- the demo ------------------------------------------------------------------------------------

def test_the_demo_has_minutes_for_most_teams_with_a_lagging_and_a_problem_free_office(demo_store):
    with demo_store.read() as con:
        assert con.scalar("SELECT count(DISTINCT team_id) FROM meetings WHERE status = 'published'") >= 20
        per_team = {r["office"]: r["n"] for r in con.rows(
            "SELECT o.name AS office, count(m.id) / count(DISTINCT m.team_id) AS n FROM meetings m"
            " JOIN offices o ON o.id = m.office_id GROUP BY o.name")}
        assert con.scalar("SELECT count(*) FROM meeting_items i JOIN meetings m ON m.id = i.meeting_id"
                          " JOIN offices o ON o.id = m.office_id WHERE o.name = ?"
                          " AND i.kind IN ('real_problem', 'anticipated_problem')", (NO_PROBLEMS,)) == 0
        assert per_team[NO_PROBLEMS] > 0
    assert per_team[LAGGING] * 2 < min(n for office, n in per_team.items() if office != LAGGING)


def test_the_demo_has_actions_in_every_state_follow_ups_and_a_review_queue(demo_store, known):
    with demo_store.read() as con:
        assert {r["status"] for r in con.rows("SELECT DISTINCT status FROM action_items")} == {
            "open", "done", "dropped"}
        assert con.scalar("SELECT count(*) FROM meeting_reviews WHERE verdict = 'needs_follow_up'") > 0
    queue = review.queue(demo_store, known["regional_manager"])
    assert queue and any(m["no_problems"] for m in queue)
