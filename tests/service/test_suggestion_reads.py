"""What the suggestion pages read: a page of suggestions, the history in the order it happened, the minutes that
discussed one, and the inbox page by page."""

from __future__ import annotations

from datetime import date, timedelta

from board.clock import utcnow
from board.feedback import inbox, release, triage
from board.feedback import suggestions as sg
from tests.support.minutes import document, draft, item, publish
from tests.support.suggestions import submit, submit_released


def test_browse_gives_a_page_after_an_offset_and_the_total(org_store, known):
    ids = [submit(org_store, known["staff"], key=f"k{n}", title=f"Suggestion number {n}").id for n in range(7)]
    first = sg.browse(org_store, known["manager"], limit=3)
    second = sg.browse(org_store, known["manager"], limit=3, offset=3)
    last = sg.browse(org_store, known["manager"], limit=3, offset=6)
    assert [first.total, second.total, last.total] == [7, 7, 7]
    assert [r["id"] for r in first.rows + second.rows + last.rows] == sorted(ids, reverse=True)  # newest first


def test_the_history_keeps_the_order_things_happened_though_the_author_reply_is_dated_at_midnight(org_store, known):
    staff, manager = known["staff"], known["manager"]
    receipt = submit_released(org_store, staff)
    triage.reply(org_store, manager, receipt.id, "Which queue tool do you mean?")
    sg.author_reply(org_store, staff, receipt.code, "The billing queue.")
    release.release_anonymous(org_store, utcnow().date() + timedelta(days=1))  # the next morning
    events = sg.timeline(org_store, receipt.id)
    assert [(e["kind"], e["actor"]) for e in events] == [
        ("submitted", "Anonymous author"), ("reply", "Maya Manager"), ("author_reply", "Anonymous author")]
    reply, answer = events[1], events[2]
    assert answer["created_at"] < reply["created_at"]  # its day's midnight: by time it would come first
    assert answer["created_at"].time().isoformat() == "00:00:00" and answer["actor_id"] is None


def test_minutes_that_discussed_a_suggestion_are_found_for_those_who_may_read_them(org_store, known):
    staff, manager, admin = known["staff"], known["manager"], known["admin"]
    sid = submit(org_store, staff).id
    assert sg.discussed_in(org_store, staff, sid) == []
    meeting_id = draft(org_store, manager)
    publish(org_store, manager, meeting_id, document(manager, item(links=[sid]), day=date(2026, 3, 12)))
    found = [{"id": meeting_id, "meeting_date": date(2026, 3, 12)}]
    assert sg.discussed_in(org_store, staff, sid) == found
    assert sg.discussed_in(org_store, known["leader"], sid) == found
    assert sg.discussed_in(org_store, admin, sid) == []  # another office: neither the suggestion nor the minutes


def test_the_inbox_pages_newest_first_and_counts_them_all(org_store, known):
    staff, manager = known["staff"], known["manager"]
    sid = submit(org_store, staff).id
    for n in range(5):
        triage.reply(org_store, manager, sid, f"Reply {n}")
    assert inbox.count(org_store, staff) == 5
    pages = [inbox.updates(org_store, staff, limit=2, offset=o) for o in (0, 2, 4)]
    assert [[u["note"] for u in page] for page in pages] == [["Reply 4", "Reply 3"], ["Reply 2", "Reply 1"],
                                                             ["Reply 0"]]
