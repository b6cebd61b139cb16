"""The outbox: who is told what for each suggestion and minutes event, in the event's transaction, once per
recipient and cause; their choices decide how; admins read it; chat channels are kept by admins."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from board.errors import Invalid, NotAllowed, NotFound
from board.feedback import release, triage
from board.feedback import suggestions as sg
from board.meetings import review
from board.notify import events, hooks, outbox, preferences
from board.org import people
from board.org.settings import Settings
from tests.support import minutes as docs
from tests.support.suggestions import CATEGORIES, draft, submit, submit_released

NOW = datetime(2026, 11, 20, 10, 30)  # a Friday, 10:30 UTC
SLACK = "https://hooks.slack.com/services/T000/B000/abcdefghijklmnopqrstuvwx"


def sent(store, **where) -> list[dict]:
    """Outbox rows (filtered by column = value), oldest first, once the worker's first step wrote the messages of
    the events that leave them to it."""
    events.fan_out(store)
    condition = " AND ".join(f"{column} = ?" for column in where) or "TRUE"
    with store.read() as con:
        return con.rows(f"SELECT * FROM outbox WHERE {condition} ORDER BY id", tuple(where.values()))


def to_people(store, kind: str) -> dict[int, dict]:
    return {row["person_id"]: row for row in sent(store, kind=kind)}


def team_mates(store, known, n: int) -> list:
    """n active people of the staff member's team other than the known ones, as Persons."""
    skip = {p.id for p in known.values()}
    rows = [r for r in people.list_people(store, known["manager"]) if r["id"] not in skip and r["role"] == "staff"]
    assert len(rows) >= n, "the demo team is big enough"
    return [people.get_person(store, r["id"]) for r in rows[:n]]


def test_a_status_change_tells_the_author_and_every_plus_oner_but_never_the_actor(org_store, known):
    staff, manager = known["staff"], known["manager"]
    sid = submit(org_store, staff).id
    voters = team_mates(org_store, known, 2)
    for voter in [*voters, manager]:
        sg.vote(org_store, voter, sid)
    triage.change_status(org_store, manager, sid, "acknowledged", now=NOW)
    told = to_people(org_store, "status")
    assert set(told) == {staff.id, *(v.id for v in voters)}  # not the manager, who made the change
    mine = told[staff.id]
    assert mine["subject"] == f"Suggestion #{sid} 'Refunds under 20 dollars take ten days' is now Acknowledged"
    assert "Maya Manager moved" in mine["body"] and "which you raised" in mine["body"]
    assert "from New to Acknowledged" in mine["body"] and "which you +1'd" in told[voters[0].id]["body"]
    assert (mine["link"], mine["mode"], mine["state"], mine["next_at"], mine["created_at"]) == (
        f"suggestion?id={sid}", "now", "pending", NOW, NOW)
    assert "acknowledged" not in mine["body"].split("Acknowledged")[0]  # status in words, never its code


def test_the_steps_of_one_triage_act_make_one_message_worded_as_the_last(org_store, known):
    staff, manager = known["staff"], known["manager"]
    sid = submit(org_store, staff).id
    triage.act(org_store, manager, sid, to="planned", reply="We will automate it in March.", today=NOW.date(),
               now=NOW)
    status = sent(org_store, kind="status")
    assert len(status) == 1 and status[0]["subject"].endswith("is now Planned")
    assert "from New to Planned." in status[0]["body"]  # the whole act, in one message
    reply = sent(org_store, kind="reply")
    assert len(reply) == 1 and reply[0]["body"].endswith("\n\nWe will automate it in March.")


def test_an_act_split_across_fan_out_batches_is_still_one_message(org_store, known, monkeypatch):
    staff, manager = known["staff"], known["manager"]
    sid = submit(org_store, staff).id
    triage.act(org_store, manager, sid, to="planned", today=NOW.date(), now=NOW)
    triage.act(org_store, manager, sid, to="implemented", today=NOW.date(), now=NOW + timedelta(days=3))
    monkeypatch.setattr(events, "FAN_OUT_BATCH", 1)  # one event per transaction: the acts' steps come apart
    with org_store.read() as con:
        steps = con.scalar("SELECT count(*) FROM outbox_events")
    assert steps >= 4 and events.fan_out(org_store) == steps  # new -> ... -> planned, then on to implemented
    status = sent(org_store, kind="status")
    assert [r["subject"].rsplit(" is now ", 1)[1] for r in status] == ["Planned", "Implemented"]
    assert "from New to Planned." in status[0]["body"] and "from Planned to Implemented." in status[1]["body"]


def test_a_declined_suggestion_carries_its_reason_and_a_reply_or_comment_is_sent_whole(org_store, known):
    staff, manager = known["staff"], known["manager"]
    sid = submit(org_store, staff).id
    voter, commenter = team_mates(org_store, known, 2)
    sg.vote(org_store, voter, sid)
    sg.vote(org_store, commenter, sid)
    long_reply = "First line of the answer.\n\n" + "Every word counts. " * 90
    triage.reply(org_store, manager, sid, long_reply, now=NOW)
    replies = to_people(org_store, "reply")
    assert set(replies) == {staff.id, voter.id, commenter.id}
    assert replies[staff.id]["body"].endswith(long_reply.strip())
    assert replies[staff.id]["subject"] == f"Maya Manager replied to suggestion #{sid} " \
                                           '"Refunds under 20 dollars take ten days"'
    sg.comment(org_store, commenter, sid, "Same on our side.", now=NOW + timedelta(minutes=1))
    comments = [r for r in sent(org_store, kind="reply") if "commented" in r["subject"]]
    assert {r["person_id"] for r in comments} == {staff.id, voter.id}  # never the commenter
    triage.change_status(org_store, manager, sid, "declined", note="Finance must approve each refund.", now=NOW)
    declined = to_people(org_store, "status")[staff.id]
    assert declined["body"].endswith("The reason:\nFinance must approve each refund.")


def test_an_escalation_reaches_the_next_level_once_and_tells_the_followers(org_store, known):
    staff, manager, regional, leader = known["staff"], known["manager"], known["regional_manager"], known["leader"]
    sid = submit(org_store, staff).id
    sg.vote(org_store, regional, sid)  # a +1er whose queue it then reaches hears of it once, as an escalation
    triage.escalate(org_store, manager, sid, note="Needs a policy change", now=NOW)
    mine = sent(org_store, person_id=staff.id, kind="status")
    assert len(mine) == 1 and mine[0]["subject"].endswith("was escalated to the region")
    assert "Maya Manager escalated" in mine[0]["body"] and mine[0]["body"].endswith("Needs a policy change")
    reached = to_people(org_store, "escalated_to_me")
    assert regional.id in reached and manager.id not in reached and leader.id not in reached
    with org_store.read() as con:
        roles = {r["role"] for r in con.rows("SELECT p.role FROM outbox o JOIN people p ON p.id = o.person_id"
                                              " WHERE o.kind = 'escalated_to_me'")}
    assert roles == {"regional_manager"}
    assert reached[regional.id]["subject"].startswith(f"Escalated to you: Suggestion #{sid}")
    assert sent(org_store, person_id=regional.id, kind="status") == []
    triage.escalate(org_store, regional, sid, now=NOW + timedelta(hours=1))
    reached = to_people(org_store, "escalated_to_me")
    assert leader.id in reached and "Rahul Regional escalated" in reached[leader.id]["body"]
    assert len(sent(org_store, person_id=regional.id)) == 1  # the actor hears nothing of their own act


def test_the_author_escalating_is_named_to_the_plus_oners(org_store, known):
    staff = known["staff"]
    sid = submit(org_store, staff).id
    voter = team_mates(org_store, known, 1)[0]
    sg.vote(org_store, voter, sid)
    triage.escalate_as_author(org_store, staff, sid, today=date.today() + timedelta(days=14), sla_days=5, now=NOW)
    assert [r["person_id"] for r in sent(org_store, kind="status")] == [voter.id]
    assert "Sam Staff escalated" in sent(org_store, kind="status")[0]["body"]
    assert known["regional_manager"].id in to_people(org_store, "escalated_to_me")


def test_a_duplicate_tells_its_author_which_suggestion_it_repeats(org_store, known):
    staff, manager = known["staff"], known["manager"]
    original = submit(org_store, staff, key="o", title="Small refunds wait too long").id
    author, voter = team_mates(org_store, known, 2)
    copy = submit(org_store, author, key="c").id
    sg.vote(org_store, voter, copy)
    triage.act(org_store, manager, copy, to="duplicate", duplicate_of=original, today=NOW.date(), now=NOW)
    merged = [r for r in sent(org_store, kind="status") if r["link"] == f"suggestion?id={copy}"]
    status = [r for r in merged if r["subject"].endswith("is now Duplicate")]
    assert [r["person_id"] for r in status] == [author.id]
    assert f"suggestion #{original} \"Small refunds wait too long\"" in status[0]["body"]
    # the +1er hears where their +1 went (it moved before the votes were cleared from the duplicate)
    moved = [r for r in merged if "merged into" in r["subject"]]
    assert [r["person_id"] for r in moved] == [voter.id]
    assert moved[0]["subject"] == f"Suggestion #{copy} 'Refunds under 20 dollars take ten days' was merged into" \
                                  f" suggestion #{original}"
    assert "which you +1'd" in moved[0]["body"] and "its +1s count there" in moved[0]["body"]
    assert {r["person_id"] for r in merged} == {author.id, voter.id}


def test_published_minutes_tell_the_followers_with_links_to_both(org_store, known):
    staff, manager = known["staff"], known["manager"]
    sid = submit(org_store, staff).id
    meeting_id = docs.draft(org_store, manager)
    docs.publish(org_store, manager, meeting_id, docs.document(manager, docs.item(links=[sid])))
    told = to_people(org_store, "discussed")
    assert set(told) == {staff.id}  # the manager wrote the minutes
    row = told[staff.id]
    assert row["link"] == f"minutes?id={meeting_id}" and f"suggestion?id={sid}" in row["body"]
    assert row["body"].startswith("Discussed in the ") and "which you raised" in row["body"]


def test_a_named_suggestion_enters_its_managers_queue_and_its_channels(org_store, known):
    staff, manager, admin = known["staff"], known["manager"], known["admin"]
    team_hook = hooks.add(org_store, admin, "slack", SLACK, staff.office_id, staff.team_id)["id"]
    office_hook = hooks.add(org_store, admin, "teams", "http://127.0.0.1:9/teams", staff.office_id)["id"]
    other = next(u for u in people.units(org_store) if u["office_id"] != staff.office_id)
    hooks.add(org_store, admin, "slack", SLACK + "2", other["office_id"])
    receipt = sg.submit(org_store, staff, draft(), categories=CATEGORIES, submission_key="q", now=NOW)
    queued = to_people(org_store, "queue_new")
    with org_store.read() as con:
        managers = {r["id"] for r in con.rows("SELECT p.id FROM people p JOIN team_members m ON m.person_id = p.id"
                                               " WHERE p.active AND p.role = 'manager' AND m.team_id = ?",
                                               (staff.team_id,))}
    assert set(queued) - {None} == managers and manager.id in managers
    row = queued[manager.id]
    assert row["mode"] == "daily" and row["next_at"] == datetime(2026, 11, 21, 8)  # managers' default
    assert row["subject"] == f"New in your queue: Suggestion #{receipt.id} 'Refunds under 20 dollars take ten days'"
    assert row["body"] == (f"A new improvement (policy) in {staff.team}, {staff.office}, raised by Sam Staff:"
                           f' suggestion #{receipt.id} "Refunds under 20 dollars take ten days".')
    posts = [r for r in sent(org_store, kind="queue_new") if r["hook_id"] is not None]
    assert sorted(r["hook_id"] for r in posts) == sorted([team_hook, office_hook])
    assert all("Sam" not in r["subject"] + r["body"] and r["mode"] == "now" for r in posts)


def test_an_anonymous_suggestion_enters_the_queue_at_its_release_dated_at_its_day(org_store, known):
    staff, manager = known["staff"], known["manager"]
    receipt = submit_released(org_store, staff)
    row = to_people(org_store, "queue_new")[manager.id]
    assert "raised anonymously" in row["body"] and row["key"] == f"p{manager.id}:new:{receipt.id}"
    assert row["created_at"].time() == time()  # its day's midnight, like the suggestion
    release.release_anonymous(org_store, date.today() + timedelta(days=1))
    assert len(sent(org_store, kind="queue_new")) == len(to_people(org_store, "queue_new"))


def test_an_office_level_suggestion_never_reaches_a_teams_channel(org_store, known):
    staff, admin = known["staff"], known["admin"]
    hooks.add(org_store, admin, "slack", SLACK, staff.office_id, staff.team_id)
    office_hook = hooks.add(org_store, admin, "slack", SLACK + "o", staff.office_id)["id"]
    submit_released(org_store, staff, office_level=True)
    assert [r["hook_id"] for r in sent(org_store) if r["hook_id"]] == [office_hook]


def test_a_regional_review_tells_the_minutes_author_the_verdict_in_words(org_store, known):
    manager, regional = known["manager"], known["regional_manager"]
    meeting_id = docs.draft(org_store, manager)
    docs.publish(org_store, manager, meeting_id, docs.document(manager))
    review.review(org_store, regional, meeting_id, "needs_follow_up", "Share the refund numbers")
    rows = sent(org_store, kind="minutes_review")
    assert [r["person_id"] for r in rows] == [manager.id]
    assert rows[0]["subject"].endswith("were reviewed: Needs follow-up")
    assert rows[0]["link"] == f"minutes?id={meeting_id}"
    assert "Rahul Regional reviewed your minutes" in rows[0]["body"]
    assert rows[0]["body"].endswith("Their comment:\nShare the refund numbers")
    review.review(org_store, regional, meeting_id, "reviewed")
    assert [r["body"].split(": ")[-1] for r in sent(org_store, kind="minutes_review")][-1] == "reviewed."


def test_the_same_event_cannot_be_told_twice(org_store, known):
    staff, manager = known["staff"], known["manager"]
    sid = submit(org_store, staff).id
    sg.vote(org_store, team_mates(org_store, known, 1)[0], sid)
    event_id = triage.change_status(org_store, manager, sid, "acknowledged", now=NOW)
    before = sent(org_store)
    assert len(sent(org_store, kind="status")) == 2
    args = (event_id, sid, manager.id, "status", "new", "acknowledged", "", NOW)
    org_store.write(lambda con: events.suggestion_event(con, *args))  # told again: the keys refuse a second copy
    assert sent(org_store) == before
    with org_store.read() as con:
        assert con.scalar("SELECT count(*) FROM outbox_events") == 0  # and the event is done with
    key = sent(org_store, kind="status")[0]["key"]
    assert key.endswith(f":e{event_id}")
    added = org_store.write(lambda con: outbox.enqueue(con, key=key, kind="status", subject="s", body="b",
                                                       link=None, now=NOW, person_id=staff.id))
    assert added is False and sent(org_store) == before


def test_each_persons_choice_decides_how_or_whether_they_hear(org_store, known):
    staff, manager = known["staff"], known["manager"]
    never, daily, now = team_mates(org_store, known, 3)
    sid = submit(org_store, staff).id
    for voter in (never, daily, now):
        sg.vote(org_store, voter, sid)
    preferences.save(org_store, never, {"status": "never"})
    preferences.save(org_store, daily, {"status": "daily"})
    preferences.save(org_store, now, {"status": "now", "reply": "never"})
    triage.change_status(org_store, manager, sid, "acknowledged", now=NOW)
    told = to_people(org_store, "status")
    assert never.id not in told
    assert (told[daily.id]["mode"], told[daily.id]["next_at"]) == ("daily", datetime(2026, 11, 21, 8))
    assert (told[now.id]["mode"], told[now.id]["next_at"]) == ("now", NOW)
    triage.reply(org_store, manager, sid, "Thanks", now=NOW)
    assert now.id not in to_people(org_store, "reply") and daily.id in to_people(org_store, "reply")


def test_enqueue_writes_nothing_for_an_inactive_person_and_needs_one_recipient(org_store, known):
    staff, admin = known["staff"], known["admin"]
    people.change_person(org_store, admin, staff.id, role="staff", active=False)

    def add(con, **to):
        return outbox.enqueue(con, key="p:test", kind="status", subject="s", body="b", link=None, now=NOW, **to)

    assert org_store.write(lambda con: add(con, person_id=staff.id)) is False
    with pytest.raises(ValueError):
        org_store.write(lambda con: add(con))
    assert sent(org_store) == []


@pytest.mark.parametrize(("now", "zone", "hour", "expected"), [
    (datetime(2026, 11, 20, 7, 59), "UTC", 8, datetime(2026, 11, 20, 8)),
    (datetime(2026, 11, 20, 8, 0), "UTC", 8, datetime(2026, 11, 21, 8)),
    (datetime(2026, 11, 20, 12, 0), "America/New_York", 8, datetime(2026, 11, 20, 13)),  # 07:00 there
    (datetime(2026, 11, 20, 14, 0), "America/New_York", 8, datetime(2026, 11, 21, 13)),
    (datetime(2026, 3, 28, 9, 0), "Europe/Dublin", 8, datetime(2026, 3, 29, 7)),  # summer time begins
    (datetime(2026, 11, 20, 22, 0), "Asia/Tokyo", 6, datetime(2026, 11, 20, 21) + timedelta(days=1)),
])
def test_the_next_digest_is_at_the_digest_hour_in_the_organisations_zone(now, zone, hour, expected):
    assert outbox.next_digest_at(now, Settings(time_zone=zone, digest_hour=hour)) == expected


def test_only_admins_read_the_outbox_and_pulse_reminders_show_no_recipient(org_store, known):
    staff, manager, admin = known["staff"], known["manager"], known["admin"]
    for someone in (staff, manager, known["leader"]):
        with pytest.raises(NotAllowed):
            outbox.listing(org_store, someone)
        with pytest.raises(NotAllowed):
            outbox.counts(org_store, someone)
    sid = submit(org_store, staff).id
    triage.change_status(org_store, manager, sid, "acknowledged", now=NOW)
    assert events.fan_out(org_store) == 1  # the status change's messages (the worker and the page do this first)
    org_store.write(lambda con: outbox.enqueue(
        con, key=f"p{staff.id}:pulse:2026-11-16:start", kind="pulse_reminder", subject="The pulse is open",
        body=f"Hello {staff.name}", link="pulse", now=NOW, person_id=staff.id))
    reminder, status, queued = outbox.listing(org_store, admin)  # newest first
    assert reminder["to"] == outbox.HIDDEN and reminder["body"] == "" and reminder["last_error"] is None
    assert staff.name not in str(reminder) and staff.email not in str(reminder)
    assert status["to"] == f"{staff.name} <{staff.email}>" and status["kind"] == "status"
    assert queued["to"] == f"{manager.name} <{manager.email}>" and queued["kind"] == "queue_new"
    assert outbox.count(org_store, admin, kind="pulse_reminder") == 1 and outbox.count(org_store, admin) == 3
    assert outbox.listing(org_store, admin, kind="status") == [status]
    assert outbox.listing(org_store, admin, offset=1, limit=1) == [status]
    assert outbox.counts(org_store, admin) == {**dict.fromkeys(outbox.STATE_LABELS, 0), "pending": 3}


def test_a_failed_message_can_be_sent_again_and_only_a_failed_one(org_store, known):
    staff, admin = known["staff"], known["admin"]
    sid = submit(org_store, staff).id
    triage.change_status(org_store, known["manager"], sid, "acknowledged", now=NOW)
    row = sent(org_store)[0]
    with pytest.raises(Invalid):
        outbox.retry(org_store, admin, row["id"])
    org_store.write(lambda con: con.execute("UPDATE outbox SET state = 'failed', attempts = 6 WHERE id = ?",
                                            (row["id"],)))
    with pytest.raises(NotAllowed):
        outbox.retry(org_store, staff, row["id"])
    later = NOW + timedelta(days=1)
    outbox.retry(org_store, admin, row["id"], now=later)
    again = sent(org_store)[0]
    assert (again["state"], again["attempts"], again["next_at"]) == ("pending", 6, later)
    with pytest.raises(NotFound):
        outbox.retry(org_store, admin, 999_999)


def test_chat_channels_are_kept_by_admins_and_listed_masked(org_store, known):
    admin, staff = known["admin"], known["staff"]
    with pytest.raises(NotAllowed):
        hooks.add(org_store, staff, "slack", SLACK, staff.office_id)
    with pytest.raises(NotAllowed):
        hooks.listing(org_store, known["manager"])
    other_team = next(u["team_id"] for u in people.units(org_store) if u["office_id"] != staff.office_id)
    with pytest.raises(Invalid) as invalid:
        hooks.add(org_store, admin, "slack", "http://hooks.slack.com/services/x", staff.office_id, other_team)
    assert set(invalid.value.errors) == {"url", "team_id"}
    for service, url in (("teams", SLACK), ("slack", "https://hooks.slack.com.evil.example/services/x"),
                         ("slack", "https://user:pw@hooks.slack.com/services/x"), (None, SLACK), ("slack", ""),
                         ("slack", "https://evilhooks.slack.com/services/x"), ("teams", "https://webhook.office.com.x.io/a"),
                         ("slack", "https://hooks.slack.com:notaport/services/x")):
        with pytest.raises(Invalid):
            hooks.add(org_store, admin, service, url, staff.office_id)
    with pytest.raises(Invalid) as invalid:
        hooks.add(org_store, admin, "slack", SLACK, None)
    assert invalid.value.errors == {"office_id": "Choose an office."}
    assert hooks.listing(org_store, admin) == []
    added = hooks.add(org_store, admin, "teams", "https://contoso.webhook.office.com/webhookb2/secret-part-1234",
                      staff.office_id, staff.team_id)
    assert added["url"].endswith("secret-part-1234")  # the form that added it shows it whole, once
    listed = hooks.listing(org_store, admin)
    assert [(r["service"], r["team"], r["url"]) for r in listed] == [
        ("teams", staff.team, "https://contoso.webhook.office.com/…1234")]
    assert "secret-part" not in str(listed)
    hooks.remove(org_store, admin, added["id"])
    assert hooks.listing(org_store, admin) == []
    with pytest.raises(NotFound):
        hooks.remove(org_store, admin, added["id"])
