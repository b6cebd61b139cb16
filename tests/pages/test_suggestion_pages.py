"""Suggestion flows through the real pages (AppTest): a suggestion's own page, its conversation, All suggestions,
the inbox, my suggestions, anonymous follow-up, and scope."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from board import i18n
from board.feedback import inbox, release, triage
from board.feedback import suggestions as sg
from board.org import people
from tests.support.minutes import document, draft, item, publish
from tests.support.pages import errors, open_page, texts, titles
from tests.support.suggestions import submit, submit_released

LONG_REPLY = ("Thanks for raising this. We looked at the refund queue with finance this week; please keep "
              "sending examples of refunds under 20 dollars that waited more than two days, with the ticket "
              "number, so that we can show the pattern to the regional team. " * 3).strip()


def fill_raise_form(at: AppTest, title: str, description: str) -> None:
    at.text_input(key="raise_title").input(title)
    at.text_area(key="raise_description").input(description)
    at.button(key="FormSubmitter:raise_form-Continue").click().run()


def suggestion_links(at: AppTest) -> list[int]:
    """The suggestion ids the page links to (their own pages), in order."""
    return [int(parse_qs(link.proto.query_string)["id"][0]) for link in at.page_link
            if link.proto.page == "suggestion"]  # the page's url path


def backdate(store, sid: int, days: int) -> None:
    store.write(lambda con: con.execute("UPDATE suggestions SET created_at = ? WHERE id = ?",
                                        (datetime.now() - timedelta(days=days), sid)))


# --- the suggestion's own page --------------------------------------------------------------------

@pytest.mark.slow
def test_staff_raises_manager_answers_staff_reads_the_whole_reply_from_the_inbox(org_store, known):
    staff, manager = known["staff"], known["manager"]
    at = open_page(org_store, staff, "raise")
    fill_raise_form(at, "Refund approvals take ten days", "Small refunds wait ten days for a supervisor.")
    assert "Saved as suggestion #" in texts(at)
    sid = sg.mine(org_store, staff)[0]["id"]
    triage.change_status(org_store, manager, sid, "acknowledged")
    triage.reply(org_store, manager, sid, LONG_REPLY)

    at = open_page(org_store, staff, "inbox")
    shown = texts(at)
    assert "2 unread" in shown and LONG_REPLY in shown  # whole, not cut in a cell
    assert "Unread · Maya Manager replied" in shown and "changed the status: New → Acknowledged" in shown
    assert suggestion_links(at) == [sid, sid] and not at.dataframe
    next(b for b in at.button if b.label == "Mark all as read").click().run()
    assert "All read" in texts(at) and inbox.unread_count(org_store, staff) == 0

    at = open_page(org_store, staff, "suggestion", query={"id": sid})
    assert titles(at) == [f"Suggestion #{sid}"]
    shown = texts(at)
    assert LONG_REPLY in shown and "New → Acknowledged, " in shown and ", by Maya Manager" in shown
    assert "Status: Acknowledged" in shown


def test_the_thread_lists_the_anonymous_author_reply_after_the_reply_it_answers(org_store, known):
    staff, manager = known["staff"], known["manager"]
    receipt = submit_released(org_store, staff)
    triage.reply(org_store, manager, receipt.id, "Which queue tool do you mean?")
    sg.author_reply(org_store, staff, receipt.code, "The billing queue.")
    release.release_anonymous(org_store, datetime.now(UTC).date() + timedelta(days=1))

    at = open_page(org_store, manager, "suggestion", query={"id": receipt.id})
    lines = [t.value for t in at.text]
    asked = lines.index("Which queue tool do you mean?")
    answered = lines.index("The billing queue.")
    assert asked < answered
    assert lines[answered - 1].startswith("Anonymous author replied · ") and lines[asked - 1].startswith(
        "Maya Manager replied · ")
    assert "00:00" not in texts(at) and "Sam Staff" not in texts(at)


@pytest.mark.parametrize("role, allowed", [("staff", True), ("manager", True), ("regional_manager", True),
                                           ("leader", True), ("admin", False)])
def test_opening_a_suggestion_by_id_respects_scope(org_store, known, role, allowed):
    sid = submit(org_store, known["staff"]).id  # Kuala Lumpur; the demo admin works in Dublin
    at = open_page(org_store, known[role], "suggestion", query={"id": sid})
    shown = any("Refunds under 20 dollars" in t.value for t in at.text)
    assert shown is allowed
    if not allowed:
        assert errors(at) == [sg.NOT_VISIBLE] and titles(at) == [] and not at.main.text and not at.main.button


def test_a_missing_suggestion_is_refused_with_the_one_message(org_store, known):
    at = open_page(org_store, known["leader"], "suggestion", query={"id": 999999})
    assert errors(at) == [sg.NOT_VISIBLE] and titles(at) == [] and not at.main.text


def test_no_plus_one_on_your_own_suggestion_named_or_anonymous(org_store, known):
    staff, manager = known["staff"], known["manager"]
    sid = submit(org_store, staff).id
    at = open_page(org_store, staff, "suggestion", query={"id": sid})
    assert not [b for b in at.button if b.label == "+1"]
    anonymous = submit_released(org_store, staff, key="anon").id
    at = open_page(org_store, manager, "suggestion", query={"id": anonymous}, state={"own_anonymous": {anonymous}})
    assert not [b for b in at.button if b.label == "+1"]

    at = open_page(org_store, manager, "suggestion", query={"id": sid})
    assert "no +1s yet" in texts(at)
    next(b for b in at.button if b.label == "+1").click().run()
    assert not at.exception and "You +1'd this" in texts(at) and " · 1 +1" in texts(at)
    assert not [b for b in at.button if b.label == "+1"]


def test_a_comment_joins_the_thread_with_its_author_marked(org_store, known):
    staff = known["staff"]
    sid = submit(org_store, staff).id
    at = open_page(org_store, staff, "suggestion", query={"id": sid})
    assert "No replies or comments yet." in texts(at)
    at.text_area[0].input("It happened again today.")
    at.button(key="FormSubmitter:comment-Comment").click().run()
    lines = [t.value for t in at.text]
    assert lines[lines.index("It happened again today.") - 1].startswith("Sam Staff (author) commented · ")


def test_author_escalates_after_the_sla_from_the_suggestion_page(org_store, known):
    sid = submit(org_store, known["staff"]).id
    backdate(org_store, sid, 20)
    at = open_page(org_store, known["staff"], "my_suggestions")
    assert "open it to escalate it to your region" in texts(at) and suggestion_links(at) == [sid]
    assert not [b for b in at.button if b.label == "Escalate to the region"]  # on the suggestion's page now
    at = open_page(org_store, known["staff"], "suggestion", query={"id": sid})
    assert any("You may escalate it to your region" in w.value for w in at.warning)
    next(b for b in at.button if b.label == "Escalate to the region").click().run()
    assert sg.get(org_store, known["staff"], sid)["level"] == "region"
    assert "Escalated from Team to Region, " in texts(at)


def test_a_duplicate_links_to_its_original_and_minutes_are_links(org_store, known):
    staff, manager = known["staff"], known["manager"]
    original = submit(org_store, staff, key="a").id
    copy = submit(org_store, staff, key="b").id
    triage.change_status(org_store, manager, copy, "duplicate", duplicate_of=original)
    meeting_id = draft(org_store, manager)
    publish(org_store, manager, meeting_id, document(manager, item(links=[copy]), day=date(2026, 3, 12)))
    at = open_page(org_store, staff, "suggestion", query={"id": copy})
    assert suggestion_links(at) == [original]
    assert [(link.proto.page, link.proto.query_string, link.proto.label) for link in at.page_link
            if link.proto.page == "minutes"] == [("minutes", f"id={meeting_id}", "Minutes of 12 Mar 2026")]


def test_a_manager_answers_on_the_suggestion_page_and_staff_see_no_triage_form(org_store, known):
    sid = submit(org_store, known["staff"]).id
    assert "Answer and move" in [h.value for h in open_page(org_store, known["manager"], "suggestion",
                                                             query={"id": sid}).subheader]
    assert "Answer and move" not in [h.value for h in open_page(org_store, known["staff"], "suggestion",
                                                                 query={"id": sid}).subheader]


# --- lists --------------------------------------------------------------------------------------

def test_an_old_browse_link_opens_that_suggestion_even_when_it_is_not_among_the_newest(org_store, known):
    first = submit(org_store, known["staff"], key="first", title="Refunds under 20 dollars take too long").id
    for n in range(30):
        submit(org_store, known["staff"], key=f"k{n}", title=f"The queue screen freezes, case {n}")
    at = open_page(org_store, known["manager"], "browse", query={"id": first})
    assert titles(at) == [f"Suggestion #{first}"]
    assert f"#{first} · Refunds under 20 dollars take too long" in [t.value for t in at.text]
    assert not [s for s in at.selectbox if s.label == "Open a suggestion"]


def test_browse_lists_a_page_at_a_time_with_links(org_store, known):
    ids = [submit(org_store, known["staff"], key=f"k{n}", title=f"The queue screen freezes, case {n}").id
           for n in range(30)]
    at = open_page(org_store, known["staff"], "browse")
    assert suggestion_links(at) == sorted(ids, reverse=True)[:25] and not at.dataframe
    assert "30 suggestions" in texts(at) and "page 1 of 2" in texts(at)
    next(b for b in at.button if b.label == "Next").click().run()
    assert suggestion_links(at) == sorted(ids, reverse=True)[25:] and "page 2 of 2" in texts(at)
    assert "The queue screen freezes, case 0" in texts(at)


def test_my_suggestions_shows_a_card_each_with_the_latest_reply_whole(org_store, known):
    staff, manager = known["staff"], known["manager"]
    sid = submit(org_store, staff).id
    triage.assign(org_store, manager, sid, manager.id)
    triage.reply(org_store, manager, sid, LONG_REPLY)
    at = open_page(org_store, staff, "my_suggestions")
    shown = texts(at)
    assert LONG_REPLY in shown and "New · owner: Maya Manager · raised today · no +1s yet" in shown
    assert suggestion_links(at) == [sid] and not at.dataframe


# --- the anonymous author -----------------------------------------------------------------------

@pytest.mark.slow
def test_anonymous_raise_shows_the_code_once_and_follow_replies_both_ways(org_store, known):
    staff, manager = known["staff"], known["manager"]
    at = open_page(org_store, staff, "raise")
    at.toggle(key="raise_anonymous").set_value(True).run()
    fill_raise_form(at, "Queue tool crashes at month end", "The queue tool crashed twice in the last month end.")
    code = at.code[0].value
    assert len(code.replace("-", "")) == 22 and sg.mine(org_store, staff) == []
    assert "passed on together" in texts(at) and "#" not in texts(at)  # held: no number yet
    today = datetime.now(UTC).date()
    assert triage.queue(org_store, manager, today=today, sla_days=5) == []  # nobody sees it before the release

    release.release_anonymous(org_store, today + timedelta(days=1))  # the next morning
    sid = triage.queue(org_store, manager, today=today, sla_days=5)[0]["id"]
    triage.reply(org_store, manager, sid, LONG_REPLY)
    at = open_page(org_store, staff, "follow")
    at.text_input[0].input(code)
    at.button(key="FormSubmitter:code_form-Open").click().run()
    assert LONG_REPLY in texts(at) and not at.dataframe
    at.text_area[0].input("The billing queue.")
    at.button(key="FormSubmitter:author_reply-Send reply").click().run()
    assert not at.exception and "Waiting to be passed on" in [h.value for h in at.subheader]
    lines = [t.value for t in at.text]
    assert lines[lines.index("The billing queue.") - 1] == f"Your reply · written {today:%d %b %Y}"
    assert [e["actor"] for e in sg.timeline(org_store, sid)][-1] == "Maya Manager"
    release.release_anonymous(org_store, today + timedelta(days=1))
    assert [e["actor"] for e in sg.timeline(org_store, sid)][-1] == "Anonymous author"
    at.run()
    lines = [t.value for t in at.text]
    assert lines[lines.index("The billing queue.") - 1] == f"You (anonymous) replied · {today:%d %b %Y}"
    assert "00:00" not in texts(at)


def test_wrong_code_gets_the_one_message(org_store, known):
    at = open_page(org_store, known["staff"], "follow")
    at.text_input[0].input("AAAAAA-BBBB-CCCC-DDDD-EEEE")
    at.button(key="FormSubmitter:code_form-Open").click().run()
    assert [e.value for e in at.error] == ["That code does not open any suggestion. Check it and try again."]


def test_a_suggestion_in_another_language_than_the_page_says_which(org_store, known):
    staff = known["staff"]
    spanish = submit(org_store, known["manager"], key="es", language="es").id
    english = submit(org_store, known["manager"], key="en", language="en").id
    unknown = submit(org_store, known["manager"], key="none").id
    captions = {number: [c.value for c in open_page(org_store, staff, "suggestion", query={"id": number}).caption]
                for number in (spanish, english, unknown)}
    assert "Written in Spanish" in captions[spanish]
    assert not [c for c in captions[english] + captions[unknown] if c.startswith("Written in")]

    people.set_locale(org_store, staff, "es")  # a Spanish reader: the Spanish one needs no note, the English one does
    with i18n.using("es"):
        in_spanish = i18n._("Written in {language}", language=i18n.language_of_text("es"))
        in_english = i18n._("Written in {language}", language=i18n.language_of_text("en"))
    assert in_spanish not in [c.value for c in open_page(org_store, staff, "suggestion", query={"id": spanish}).caption]
    assert in_english in [c.value for c in open_page(org_store, staff, "suggestion", query={"id": english}).caption]
