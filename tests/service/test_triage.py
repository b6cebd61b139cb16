"""Answering: the queue per role, the workflow, duplicates, escalation, the inbox, concurrent actions."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest

from board import store as db
from board.errors import Invalid, NotAllowed
from board.feedback import inbox, triage
from board.feedback import suggestions as sg
from board.org import people
from tests.support.suggestions import submit

TODAY = date(2026, 11, 20)  # a Friday
SLA = 5


def queue_ids(store, person, **kw) -> list[int]:
    return [r["id"] for r in triage.queue(store, person, today=TODAY, sla_days=SLA, **kw)]


def test_queues_per_role_and_escalations_stay_visible_below(org_store, known):
    sid = submit(org_store, known["staff"]).id
    assert queue_ids(org_store, known["manager"]) == [sid]
    assert queue_ids(org_store, known["regional_manager"]) == [] and queue_ids(org_store, known["leader"]) == []
    triage.escalate(org_store, known["manager"], sid, note="Needs a policy change")
    assert queue_ids(org_store, known["regional_manager"]) == [sid]
    assert queue_ids(org_store, known["manager"]) == [sid]  # never hidden from the level below
    triage.escalate(org_store, known["regional_manager"], sid)
    assert queue_ids(org_store, known["leader"]) == [sid] and queue_ids(org_store, known["regional_manager"]) == [sid]
    with pytest.raises(Invalid):
        triage.escalate(org_store, known["manager"], sid)  # already above the manager's level
    with pytest.raises(NotAllowed):
        triage.queue(org_store, known["staff"], today=TODAY, sla_days=SLA)


def test_the_workflow_end_to_end_with_the_inbox(org_store, known):
    staff, manager = known["staff"], known["manager"]
    sid = submit(org_store, staff).id
    for status in ("acknowledged", "under_review", "planned", "in_progress", "implemented"):
        triage.change_status(org_store, manager, sid, status)
    triage.reply(org_store, manager, sid, "Done: refunds under 20 are now automatic.")
    events = sg.timeline(org_store, sid)
    status_events = [e for e in events if e["kind"] in ("submitted", "status")]
    assert status_events[-1]["to_value"] == sg.get(org_store, staff, sid)["status"] == "implemented"
    assert inbox.unread_count(org_store, staff) == 6
    assert inbox.updates(org_store, staff)[0]["note"] == "Done: refunds under 20 are now automatic."
    inbox.mark_all_read(org_store, staff)
    assert inbox.unread_count(org_store, staff) == 0 and inbox.unread_count(org_store, manager) == 0


def test_disallowed_transition_names_the_allowed_ones(org_store, known):
    sid = submit(org_store, known["staff"]).id
    with pytest.raises(Invalid) as invalid:
        triage.change_status(org_store, known["manager"], sid, "planned")
    assert invalid.value.errors["status"] == "From new it can go to: acknowledged, declined, duplicate."
    with pytest.raises(Invalid) as invalid:
        triage.change_status(org_store, known["manager"], sid, "declined")
    assert "reason" in invalid.value.errors["note"]
    triage.change_status(org_store, known["manager"], sid, "declined", note="Out of our hands")
    assert sg.get(org_store, known["staff"], sid)["status"] == "declined"  # still visible, with its reason


def test_stale_action_is_refused_not_lost(org_store, known):
    sid = submit(org_store, known["staff"]).id
    triage.change_status(org_store, known["manager"], sid, "acknowledged", expected="new")
    with pytest.raises(Invalid, match="Please correct") as invalid:
        triage.change_status(org_store, known["regional_manager"], sid, "acknowledged", expected="new")
    assert "changed this suggestion meanwhile" in invalid.value.errors["status"]


def test_duplicate_moves_the_plus_ones_to_the_original(org_store, known):
    staff, manager = known["staff"], known["manager"]
    original = submit(org_store, staff, key="o").id
    copy = submit(org_store, staff, key="c", title="Slow small refunds again").id
    voters = [p for p in people.list_people(org_store, manager) if p["id"] not in (staff.id, manager.id)][:3]
    for voter in voters:
        sg.vote(org_store, people.get_person(org_store, voter["id"]), copy)
    sg.vote(org_store, people.get_person(org_store, voters[0]["id"]), original)  # already there: counted once
    with pytest.raises(Invalid):
        triage.change_status(org_store, manager, copy, "duplicate", duplicate_of=copy)
    triage.change_status(org_store, manager, copy, "duplicate", duplicate_of=original)
    assert sg.get(org_store, staff, original)["votes"] == 3
    assert sg.get(org_store, staff, copy)["votes"] == 0
    assert "3 +1(s) moved to" in sg.timeline(org_store, copy)[-2]["note"]


def test_author_escalates_only_after_the_sla(org_store, known):
    staff = known["staff"]
    sid = submit(org_store, staff).id
    with pytest.raises(Invalid, match="Please correct"):
        triage.escalate_as_author(org_store, staff, sid, today=date.today(), sla_days=SLA)
    later = date.today() + timedelta(days=14)
    with pytest.raises(NotAllowed):
        triage.escalate_as_author(org_store, known["manager"], sid, today=later, sla_days=SLA)
    triage.escalate_as_author(org_store, staff, sid, today=later, sla_days=SLA)
    assert sg.get(org_store, staff, sid)["level"] == "region"


def test_overdue_is_marked_in_the_queue(org_store, known):
    sid = submit(org_store, known["staff"]).id
    org_store.write(lambda con: con.execute("UPDATE suggestions SET created_at = ? WHERE id = ?",
                                             (datetime(2026, 11, 10, 9), sid)))
    assert triage.queue(org_store, known["manager"], today=TODAY, sla_days=SLA)[0]["overdue"] is True
    assert triage.queue(org_store, known["manager"], today=TODAY, sla_days=10)[0]["overdue"] is False


def test_owner_and_due_date(org_store, known):
    sid = submit(org_store, known["staff"]).id
    triage.assign(org_store, known["manager"], sid, known["regional_manager"].id)
    with pytest.raises(Invalid):
        triage.assign(org_store, known["manager"], sid, known["leader"].id)  # another region
    with pytest.raises(Invalid):
        triage.set_due(org_store, known["manager"], sid, TODAY - timedelta(days=1), today=TODAY)
    triage.set_due(org_store, known["manager"], sid, TODAY + timedelta(days=7), today=TODAY)
    row = sg.get(org_store, known["staff"], sid)
    assert (row["owner"], row["due_date"]) == ("Rahul Regional", TODAY + timedelta(days=7))


def test_managers_cannot_act_outside_their_team(org_store, known):
    sid = submit(org_store, known["staff"]).id
    other_manager = next(p for p in people.list_people(org_store, known["admin"])
                         if p["role"] == "manager" and p["team_id"] != known["staff"].team_id)
    with pytest.raises(NotAllowed):
        triage.change_status(org_store, people.get_person(org_store, other_manager["id"]), sid, "acknowledged")
    with pytest.raises(NotAllowed):
        triage.reply(org_store, known["staff"], sid, "I am not a manager")


@pytest.mark.slow
def test_twenty_four_threads_submit_vote_and_move_statuses(org_store, known):
    staff, manager = known["staff"], known["manager"]
    team = [people.get_person(org_store, p["id"]) for p in people.list_people(org_store, manager)]
    shared = [submit(org_store, staff, key=f"shared{i}").id for i in range(3)]
    acked, lock = {"submit": set(), "vote": set(), "status": []}, threading.Lock()

    def worker(n: int) -> None:
        person = team[n % len(team)]
        receipt = submit(org_store, person, key=f"t{n}")
        with lock:
            acked["submit"].add(receipt.id)
        for sid in shared:
            try:
                if sg.vote(org_store, person, sid):
                    with lock:
                        acked["vote"].add((sid, person.id))
            except Invalid:
                pass  # the author's own suggestion
            row = sg.get(org_store, manager, sid)
            nxt = {"new": "acknowledged", "acknowledged": "under_review", "under_review": "planned"}.get(row["status"])
            if nxt:
                try:
                    triage.change_status(org_store, manager, sid, nxt, expected=row["status"])
                    with lock:
                        acked["status"].append((sid, nxt))
                except Invalid:
                    pass  # someone else moved it first: refused, not lost

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with org_store.read() as con:
        assert con.scalar("SELECT count(*) FROM suggestions") == 3 + len(acked["submit"]) == 3 + 24
        votes = {(r["suggestion_id"], r["person_id"]) for r in con.rows("SELECT * FROM votes")}
        assert votes == acked["vote"]
        events = con.rows("SELECT suggestion_id, to_value FROM suggestion_events WHERE kind = 'status' ORDER BY id")
    assert sorted((e["suggestion_id"], e["to_value"]) for e in events) == sorted(acked["status"])
    for sid in shared:
        last = [e["to_value"] for e in events if e["suggestion_id"] == sid][-1]
        assert sg.get(org_store, manager, sid)["status"] == last != "new"


def milestone_columns(store, suggestion_id: int) -> dict:
    with store.read() as con:
        return con.one("SELECT acknowledged_at, resolved_at, implemented_at FROM suggestions WHERE id = ?",
                       (suggestion_id,))


def test_status_moves_set_each_milestone_once_and_the_bulk_fill_agrees(org_store, known):
    manager, start = known["manager"], datetime(2026, 3, 2, 9, 0)
    done = submit(org_store, known["staff"], key="m1").id
    declined = submit(org_store, known["staff"], key="m2").id
    for hours, to in enumerate(["acknowledged", "under_review", "planned", "in_progress", "implemented"], 1):
        triage.change_status(org_store, manager, done, to, now=start + timedelta(hours=hours))
    triage.change_status(org_store, manager, declined, "declined", note="Out of scope", now=start)
    assert milestone_columns(org_store, done) == {"acknowledged_at": start + timedelta(hours=1),
                                                  "resolved_at": start + timedelta(hours=5),
                                                  "implemented_at": start + timedelta(hours=5)}
    assert milestone_columns(org_store, declined) == {"acknowledged_at": None, "resolved_at": start,
                                                      "implemented_at": None}
    before = {i: milestone_columns(org_store, i) for i in (done, declined)}
    org_store.write(sg.after_bulk_load)  # what the demo and the benchmark run after a bulk load
    assert {i: milestone_columns(org_store, i) for i in (done, declined)} == before


def test_the_migration_fills_milestones_from_existing_events(tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    names = [name for name, _ in db.available_migrations()]
    for name, sql in db.available_migrations():
        if name < "0005":
            (folder / name).write_text(sql)
    store = db.DuckStore(tmp_path / "old.duckdb")
    db.migrate(store, folder)  # a database from before the milestone columns, with history
    at = datetime(2026, 1, 5, 10, 0)
    store.write(lambda con: con.execute(
        "INSERT INTO regions (id, name) VALUES (1, 'R'); INSERT INTO offices (id, name, region_id) VALUES (1, 'O', 1);"
        "INSERT INTO suggestions (id, kind, category, title, description, anonymous, office_id, region_id, level,"
        " submission_key, created_at, status) VALUES (7, 'improvement', 'policy', 'T', 'Description', true, 1, 1,"
        " 'office', 'k7', TIMESTAMP '2026-01-05 09:00', 'implemented');"
        "INSERT INTO suggestion_events (suggestion_id, kind, from_value, to_value, note, created_at) VALUES"
        " (7, 'status', 'new', 'acknowledged', '', TIMESTAMP '2026-01-05 10:00'),"
        " (7, 'reply', NULL, NULL, 'Thanks', TIMESTAMP '2026-01-06 10:00'),"
        " (7, 'status', 'in_progress', 'implemented', '', TIMESTAMP '2026-02-01 10:00')"))
    assert db.migrate(store) == [name for name in names if name >= "0005"]
    assert milestone_columns(store, 7) == {"acknowledged_at": at, "resolved_at": datetime(2026, 2, 1, 10, 0),
                                           "implemented_at": datetime(2026, 2, 1, 10, 0)}
    store.close()


# --- one act: answer, move, assign and date in one transaction ------------------------------------------------

def status_steps(store, suggestion_id: int) -> list[tuple[str, str]]:
    return [(e["from_value"], e["to_value"]) for e in sg.timeline(store, suggestion_id) if e["kind"] == "status"]


def event_kinds(store, suggestion_id: int) -> list[str]:
    return [e["kind"] for e in sg.timeline(store, suggestion_id)]


def test_one_act_takes_a_new_suggestion_to_implemented_recording_every_step_in_order(org_store, known):
    sid = submit(org_store, known["staff"]).id
    done = triage.act(org_store, known["manager"], sid, to="implemented", expected="new", today=TODAY)
    assert done.steps == ("acknowledged", "under_review", "planned", "in_progress", "implemented")
    assert status_steps(org_store, sid) == [("new", "acknowledged"), ("acknowledged", "under_review"),
                                            ("under_review", "planned"), ("planned", "in_progress"),
                                            ("in_progress", "implemented")]
    assert sg.get(org_store, known["staff"], sid)["status"] == "implemented"
    assert all(milestone_columns(org_store, sid).values())  # acknowledged, resolved and implemented all set


def test_one_act_plans_with_a_reply_an_owner_and_a_due_date(org_store, known):
    sid = submit(org_store, known["staff"]).id
    due = TODAY + timedelta(days=26)
    triage.act(org_store, known["manager"], sid, to="planned", reply="We will automate refunds under 20.",
               owner_id=known["regional_manager"].id, due=due, expected="new", today=TODAY)
    row = sg.get(org_store, known["staff"], sid)
    assert (row["status"], row["owner"], row["due_date"]) == ("planned", "Rahul Regional", due)
    assert event_kinds(org_store, sid) == ["submitted", "status", "status", "status", "reply", "assigned", "due"]
    assert [(u["kind"], u["to_value"], u["note"]) for u in inbox.updates(org_store, known["staff"])] == [
        ("reply", None, "We will automate refunds under 20."), ("status", "planned", ""),
        ("status", "under_review", ""), ("status", "acknowledged", "")]  # the author hears of each step, newest first


def test_a_bad_part_changes_nothing_not_even_the_status(org_store, known):
    sid = submit(org_store, known["staff"]).id
    with pytest.raises(Invalid) as invalid:
        triage.act(org_store, known["manager"], sid, to="planned", reply="Soon.", owner_id=known["leader"].id,
                   due=TODAY - timedelta(days=1), today=TODAY)
    assert set(invalid.value.errors) == {"owner", "due_date"}  # every problem named at once, beside its field
    assert "past" in invalid.value.errors["due_date"]
    row = sg.get(org_store, known["staff"], sid)
    assert (row["status"], row["owner"], row["due_date"]) == ("new", None, None)
    assert event_kinds(org_store, sid) == ["submitted"]


def test_a_status_changed_meanwhile_refuses_the_whole_act(org_store, known):
    sid = submit(org_store, known["staff"]).id
    triage.act(org_store, known["leader"], sid, to="acknowledged", today=TODAY)
    with pytest.raises(Invalid) as invalid:
        triage.act(org_store, known["manager"], sid, to="planned", reply="On it.", expected="new", today=TODAY)
    assert "Someone changed this suggestion meanwhile: it is now acknowledged" in invalid.value.errors["status"]
    assert event_kinds(org_store, sid) == ["submitted", "status"]


def test_declining_in_one_act_needs_the_reason_and_keeps_it_with_the_change(org_store, known):
    sid = submit(org_store, known["staff"]).id
    with pytest.raises(Invalid) as invalid:
        triage.act(org_store, known["manager"], sid, to="declined", today=TODAY)
    assert "reason for declining" in invalid.value.errors["reply"]
    triage.act(org_store, known["manager"], sid, to="declined", reply="Refund limits are set by the bank.",
               today=TODAY)
    last = sg.timeline(org_store, sid)[-1]
    assert (last["kind"], last["to_value"], last["note"]) == ("status", "declined",
                                                              "Refund limits are set by the bank.")
    with pytest.raises(Invalid) as invalid:
        triage.act(org_store, known["manager"], sid, to="planned", today=TODAY)
    assert "can no longer change" in invalid.value.errors["status"]


def test_a_duplicate_in_one_act_moves_the_plus_ones_and_needs_an_original_in_the_office(org_store, known):
    original = submit(org_store, known["staff"], key="o").id
    copy = submit(org_store, known["staff"], key="c", title="Small refunds are slow again").id
    sg.vote(org_store, known["regional_manager"], copy)
    for wrong in (None, copy, 999_999):
        with pytest.raises(Invalid) as invalid:
            triage.act(org_store, known["manager"], copy, to="duplicate", duplicate_of=wrong, today=TODAY)
        assert "original" in invalid.value.errors["duplicate_of"]
    triage.act(org_store, known["manager"], copy, to="duplicate", duplicate_of=original, today=TODAY)
    assert (sg.get(org_store, known["staff"], original)["votes"], sg.get(org_store, known["staff"], copy)["votes"],
            sg.get(org_store, known["staff"], copy)["duplicate_of"]) == (1, 0, original)
    assert event_kinds(org_store, copy)[-2:] == ["duplicate_votes", "status"]


def test_plan_checks_like_act_and_changes_nothing(org_store, known):
    sid = submit(org_store, known["staff"]).id
    planned = triage.plan(org_store, known["manager"], sid, to="planned", owner_id=known["manager"].id,
                          due=TODAY, expected="new", today=TODAY)
    assert (planned.start, planned.steps, planned.owner, planned.due) == (
        "new", ("acknowledged", "under_review", "planned"), "Maya Manager", TODAY)
    assert event_kinds(org_store, sid) == ["submitted"]
    with pytest.raises(Invalid) as invalid:
        triage.plan(org_store, known["manager"], sid, today=TODAY)  # nothing chosen
    assert "Nothing to change" in invalid.value.errors["changes"]


def test_the_one_act_is_refused_outside_the_managers_scope(org_store, known):
    sid = submit(org_store, known["staff"]).id
    other_manager = next(p for p in people.list_people(org_store, known["admin"])
                         if p["role"] == "manager" and p["team_id"] != known["staff"].team_id)
    for check in (triage.plan, triage.act):
        with pytest.raises(NotAllowed):
            check(org_store, people.get_person(org_store, other_manager["id"]), sid, to="acknowledged", today=TODAY)
        with pytest.raises(NotAllowed):
            check(org_store, known["staff"], sid, reply="I am not a manager", today=TODAY)
    assert event_kinds(org_store, sid) == ["submitted"]


def test_the_queue_puts_overdue_then_new_first_then_the_chosen_sort(org_store, known):
    manager = known["manager"]
    seen = submit(org_store, known["staff"], key="seen").id
    fresh = submit(org_store, known["staff"], key="fresh").id
    late = submit(org_store, known["staff"], key="late").id
    for sid in (seen, late):
        triage.act(org_store, manager, sid, to="acknowledged", today=TODAY)
    triage.act(org_store, manager, late, due=TODAY, today=TODAY)
    for sid, day in ((seen, 1), (fresh, 2), (late, 3)):
        org_store.write(lambda con, s=sid, d=day: con.execute(
            "UPDATE suggestions SET created_at = ? WHERE id = ?", (datetime(2026, 11, 18, d), s)))
    later = TODAY + timedelta(days=1)  # the due date has passed; nothing is past the SLA yet
    assert [(r["id"], r["overdue"]) for r in triage.queue(org_store, manager, today=later, sla_days=SLA)] == [
        (late, True), (fresh, False), (seen, False)]


def test_the_queue_filters_and_pages(org_store, known):
    manager = known["manager"]
    ids = [submit(org_store, known["staff"], key=f"q{i}", category="system" if i % 3 else "policy").id
           for i in range(30)]
    triage.act(org_store, manager, ids[0], owner_id=known["regional_manager"].id, today=TODAY)
    triage.act(org_store, manager, ids[1], to="declined", reply="No.", today=TODAY)

    def listed(**filters) -> tuple[int, list[int]]:
        total = triage.queue_total(org_store, manager, today=TODAY, sla_days=SLA, **filters)
        return total, [r["id"] for r in triage.queue(org_store, manager, today=TODAY, sla_days=SLA, **filters)]

    assert listed()[0] == 29 and listed(include_closed=True)[0] == 30 and listed(status="declined") == (1, [ids[1]])
    assert listed(category="policy")[0] == 10  # 0, 3, ..., 27 (the declined #1 is a system one)
    assert listed(owner_id=known["regional_manager"].id) == (1, [ids[0]])
    assert listed(unassigned=True)[0] == 28 and listed(overdue_only=True) == (0, [])
    first = triage.queue(org_store, manager, today=TODAY, sla_days=SLA, limit=25)
    rest = triage.queue(org_store, manager, today=TODAY, sla_days=SLA, limit=25, offset=25)
    assert len(first) == 25 and len(rest) == 4
    assert [r["id"] for r in first + rest] == listed()[1]
    assert [o["name"] for o in triage.queue_owners(org_store, manager)] == ["Rahul Regional"]
