"""Nothing sent names an anonymous author or goes to one: their suggestion's status changes, replies and
escalations reach the +1ers and the managers only, and its text never travels beside the author's identity."""

from __future__ import annotations

from datetime import date, timedelta

from board.feedback import release, triage
from board.feedback import suggestions as sg
from board.notify import events, hooks, outbox
from board.org import accounts, people
from tests.support.suggestions import submit, submit_released

MARKER = "MARKER-4be1d07c"
SLACK = "https://hooks.slack.com/services/T000/B000/abcdefghijklmnopqrstuvwx"


def rows(store) -> list[dict]:
    """Every outbox row with its recipient, once the worker's first step wrote the deferred events' messages."""
    events.fan_out(store)
    with store.read() as con:
        return con.rows("SELECT o.*, p.name AS to_name, p.email AS to_email FROM outbox o"
                        " LEFT JOIN people p ON p.id = o.person_id ORDER BY o.id")


def team_mates(store, known, n: int) -> list:
    skip = {p.id for p in known.values()}
    found = [r for r in people.list_people(store, known["manager"]) if r["id"] not in skip and r["role"] == "staff"]
    return [people.get_person(store, r["id"]) for r in found[:n]]


def test_an_anonymous_suggestions_life_sends_nothing_to_or_about_its_author(org_store, known):
    author, manager, regional, admin = known["staff"], known["manager"], known["regional_manager"], known["admin"]
    hooks.add(org_store, admin, "slack", SLACK, author.office_id, author.team_id)
    receipt = submit_released(org_store, author, title=f"Month end {MARKER}",
                              description=f"The queue {MARKER} breaks at month end.")
    voters = team_mates(org_store, known, 2)
    for voter in voters:
        sg.vote(org_store, voter, receipt.id)
    triage.change_status(org_store, manager, receipt.id, "acknowledged")
    triage.reply(org_store, manager, receipt.id, "Which queue exactly?")
    today = accounts.utcnow().date()
    sg.author_reply(org_store, author, receipt.code, f"The refunds queue {MARKER}")
    assert not [r for r in rows(org_store) if "The author" in r["body"]]  # held until the next release
    release.release_anonymous(org_store, today + timedelta(days=1))
    triage.escalate(org_store, manager, receipt.id, note="Needs the region")

    sent = rows(org_store)
    assert {r["kind"] for r in sent} == {"queue_new", "status", "reply", "escalated_to_me"}
    assert all(r["person_id"] != author.id for r in sent)  # nothing to the author, whoever they are
    for row in sent:
        text = f"{row['key']} {row['subject']} {row['body']} {row['link']}"
        assert author.name not in text and author.email not in text and receipt.code not in text
        if MARKER in text:  # the text travels only to people who are not its author, never beside them
            assert row["person_id"] != author.id and row["to_name"] != author.name
    author_reply = [r for r in sent if r["kind"] == "reply" and "The refunds queue" in r["body"]]
    assert {r["person_id"] for r in author_reply} == {v.id for v in voters}
    assert all(r["subject"].startswith("The author replied") for r in author_reply)
    assert all(r["created_at"].time().hour == 0 for r in author_reply)  # dated at its day, like the reply
    told = {r["person_id"] for r in sent if r["kind"] == "status"}
    assert told == {v.id for v in voters}
    assert regional.id in {r["person_id"] for r in sent if r["kind"] == "escalated_to_me"}
    post = [r for r in sent if r["hook_id"] is not None]
    assert len(post) == 1 and post[0]["person_id"] is None and post[0]["created_at"].hour == 0


def test_an_anonymous_authors_escalation_names_nobody(org_store, known):
    author = known["staff"]
    receipt = submit_released(org_store, author)
    voter = team_mates(org_store, known, 1)[0]
    sg.vote(org_store, voter, receipt.id)
    today = accounts.utcnow().date()
    triage.escalate_with_code(org_store, author, receipt.code, today=today + timedelta(days=14), sla_days=5)
    release.release_anonymous(org_store, today + timedelta(days=1))
    sent = [r for r in rows(org_store) if r["kind"] in ("status", "escalated_to_me")]
    assert {r["person_id"] for r in sent if r["kind"] == "status"} == {voter.id}
    assert all(r["body"].startswith("The author escalated") for r in sent)
    assert all(author.name not in r["body"] and author.id != r["person_id"] for r in sent)


def test_a_chat_post_never_names_even_a_named_author(org_store, known):
    author, admin = known["staff"], known["admin"]
    hooks.add(org_store, admin, "slack", SLACK, author.office_id)
    submit(org_store, author)
    post = [r for r in rows(org_store) if r["hook_id"] is not None]
    assert len(post) == 1
    text = post[0]["subject"] + post[0]["body"]
    assert author.name not in text and author.email not in text and "Sam" not in text


def test_admins_see_pending_pulse_reminders_without_recipients(org_store, known):
    admin, staff = known["admin"], known["staff"]
    for person in team_mates(org_store, known, 3) + [staff]:
        org_store.write(lambda con, p=person: outbox.enqueue(
            con, key=f"p{p.id}:pulse:{date(2026, 11, 16)}:start", kind="pulse_reminder",
            subject="The pulse is open until Friday", body=f"Hello {p.name}, the pulse is open.", link="pulse",
            now=accounts.utcnow(), person_id=p.id))
    listed = outbox.listing(org_store, admin, kind="pulse_reminder")
    assert len(listed) == 4
    for row in listed:
        assert row["to"] == outbox.HIDDEN and row["body"] == ""
        shown = str(row)
        assert staff.name not in shown and staff.email not in shown and "Hello" not in shown
