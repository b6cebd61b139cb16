"""Anonymous means anonymous: no trace of the author anywhere; a one-time code opens the suggestion."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

import pytest

from board.errors import BoardError, Invalid
from board.feedback import receipts, release, triage
from board.feedback import suggestions as sg
from board.org import accounts
from tests.support.anonymity import PERSON_COLUMNS, new_rows, snapshot
from tests.support.suggestions import submit_released


def test_anonymous_submission_and_replies_store_nothing_of_the_author(org_store, known, caplog):
    caplog.set_level(logging.DEBUG)
    author, marker = known["staff"], "MARKER-7f3a9c"
    before = snapshot(org_store)
    receipt = submit_released(org_store, author, description=f"Queue {marker} breaks at month end.",
                              replies=(f"More detail {marker}",))
    sg.vote(org_store, known["manager"], receipt.id)
    rows = new_rows(before, snapshot(org_store))
    assert rows, "the submission wrote rows"
    for row in rows:
        for column in PERSON_COLUMNS:
            assert row.get(column) != author.id, (column, row)
        text = " ".join(str(v) for v in row.values())
        assert author.email not in text and author.name not in text
        assert receipt.code not in text and receipt.code.replace("-", "")[6:] not in text  # only a hash
    stored = next(r for r in rows if r.get("receipt_hash"))
    assert stored["created_at"].hour == 0 and stored["team_id"] == author.team_id  # day only; team for routing
    logged = caplog.text
    assert author.email not in logged and author.name not in logged and receipt.code not in logged


def test_code_has_at_least_64_random_bits_and_is_easy_to_copy():
    code, lookup, digest = receipts.new_code()
    secret = code.replace("-", "")[receipts.LOOKUP_CHARS:]
    assert len(secret) * 5 >= 64 and digest.startswith("$argon2id$")
    assert all(ch in receipts.ALPHABET + "-" for ch in code)
    assert receipts.normalise(code.lower().replace("-", " ")) == code.replace("-", "")


def test_follow_with_the_code_shows_status_history_and_replies(org_store, known):
    receipt = submit_released(org_store, known["staff"])
    triage.change_status(org_store, known["manager"], receipt.id, "acknowledged")
    triage.reply(org_store, known["manager"], receipt.id, "Can you say which queue?")
    # any signed-in person with the code
    sg.author_reply(org_store, known["leader"], receipt.code, "The billing queue.")
    seen = sg.follow(org_store, known["leader"], receipt.code.lower())
    assert seen["status"] == "acknowledged" and seen["author"] == "Anonymous"
    assert [e["actor"] for e in seen["timeline"]] == ["Anonymous author", "Maya Manager", "Maya Manager"]
    assert [(w["kind"], w["note"]) for w in seen["waiting"]] == [("author_reply", "The billing queue.")]
    release.release_anonymous(org_store, accounts.utcnow().date() + timedelta(days=1))  # the next morning
    seen = sg.follow(org_store, known["leader"], receipt.code)
    assert [e["actor"] for e in seen["timeline"]][-1] == "Anonymous author" and seen["waiting"] == []
    assert seen["timeline"][-1]["note"] == "The billing queue."


@pytest.mark.slow
def test_wrong_and_unknown_codes_get_one_message_and_are_throttled_per_browser_session(org_store, known):
    receipt = submit_released(org_store, known["staff"])
    wrong = receipt.code[:-1] + ("0" if receipt.code[-1] != "0" else "1")
    now, tried = accounts.utcnow(), []  # one browser session's wrong attempts, kept in its memory
    messages = set()
    for code in (wrong, "ZZZZZZ-0000-0000-0000-0000", "", "x" * 500, wrong):
        with pytest.raises(BoardError) as refused:
            sg.follow(org_store, known["staff"], code, now=now, tried=tried)
        messages.add(str(refused.value))
    assert messages == {receipts.WRONG} and len(tried) == receipts.MAX_FAILURES
    with pytest.raises(receipts.CodeThrottled):
        sg.follow(org_store, known["staff"], receipt.code, now=now, tried=tried)
    assert sg.follow(org_store, known["staff"], receipt.code, now=now, tried=[])["id"] == receipt.id  # per session
    assert sg.follow(org_store, known["staff"], receipt.code, now=now + receipts.PAUSE + timedelta(seconds=1),
                     tried=tried)


def test_small_team_can_route_at_office_level(org_store, known):
    staff = known["staff"]
    assert not sg.anonymity_at_risk(org_store, staff, k=5)
    assert sg.anonymity_at_risk(org_store, staff, k=50)
    receipt = submit_released(org_store, staff, office_level=True)
    row = sg.get(org_store, staff, receipt.id)
    assert (row["team_id"], row["level"], row["team"]) == (None, "office", "whole office")
    assert receipt.id in [r["id"] for r in triage.queue(org_store, known["manager"], today=row["created_at"].date(),
                                                         sla_days=5)]


def test_anonymous_author_escalates_with_the_code_and_it_is_passed_on_the_next_day(org_store, known):
    receipt = submit_released(org_store, known["staff"])
    today = accounts.utcnow().date()
    later = today + timedelta(days=14)
    triage.escalate_with_code(org_store, known["staff"], receipt.code, today=later, sla_days=5)
    assert sg.get(org_store, known["manager"], receipt.id)["level"] == "team"  # waits for the next release
    with pytest.raises(Invalid) as again:
        triage.escalate_with_code(org_store, known["staff"], receipt.code, today=later, sla_days=5)
    assert "already waiting" in again.value.errors["level"]
    release.release_anonymous(org_store, today + timedelta(days=1))
    events = sg.timeline(org_store, receipt.id)
    assert (events[-1]["kind"], events[-1]["actor"], events[-1]["created_at"]) == (
        "escalated", "Anonymous author", datetime.combine(today, time()))
    assert sg.get(org_store, known["manager"], receipt.id)["level"] == "region"
