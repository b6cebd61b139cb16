"""Suggestion flows through the real pages (AppTest): inbox, the suggestion page, anonymous follow-up, scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from board.feedback import release, triage
from board.feedback import suggestions as sg
from tests.support.pages import open_page, texts
from tests.support.suggestions import submit


def fill_raise_form(at: AppTest, title: str, description: str) -> None:
    at.text_input(key="raise_title").input(title)
    at.text_area(key="raise_description").input(description)
    at.button(key="FormSubmitter:raise_form-Continue").click().run()


@pytest.mark.slow
def test_staff_raises_manager_answers_staff_sees_it_in_the_inbox(org_store, known):
    staff, manager = known["staff"], known["manager"]
    at = open_page(org_store, staff, "raise")
    fill_raise_form(at, "Refund approvals take ten days", "Small refunds wait ten days for a supervisor.")
    assert "Saved as suggestion #" in texts(at)
    sid = sg.mine(org_store, staff)[0]["id"]

    at = open_page(org_store, manager, "triage")
    assert next(s for s in at.selectbox if s.label == "Act on").value == sid
    at.button(key="FormSubmitter:status_form-Change status").click().run()  # first allowed: acknowledged
    at.text_area[-1].input("Thanks, checking with finance.")
    at.button(key="FormSubmitter:reply_form-Send reply").click().run()
    assert not at.exception
    assert sg.get(org_store, staff, sid)["status"] == "acknowledged"

    at = open_page(org_store, staff, "inbox")
    table = at.dataframe[0].value
    assert list(table["note"])[:1] == ["Thanks, checking with finance."] and (table[""] == "new").sum() == 2


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
    triage.reply(org_store, manager, sid, "Which queue tool?")
    at = open_page(org_store, staff, "follow")
    at.text_input[0].input(code)
    at.button(key="FormSubmitter:code_form-Open").click().run()
    assert "Which queue tool?" in list(at.dataframe[0].value["note"])
    at.text_area[0].input("The billing queue.")
    at.button(key="FormSubmitter:author_reply-Send reply").click().run()
    assert not at.exception and list(at.dataframe[-1].value["note"]) == ["The billing queue."]  # waiting
    assert [e["actor"] for e in sg.timeline(org_store, sid)][-1] == "Maya Manager"
    release.release_anonymous(org_store, today + timedelta(days=1))
    assert [e["actor"] for e in sg.timeline(org_store, sid)][-1] == "Anonymous author"


def test_wrong_code_gets_the_one_message(org_store, known):
    at = open_page(org_store, known["staff"], "follow")
    at.text_input[0].input("AAAAAA-BBBB-CCCC-DDDD-EEEE")
    at.button(key="FormSubmitter:code_form-Open").click().run()
    assert [e.value for e in at.error] == ["That code does not open any suggestion. Check it and try again."]


def test_author_escalates_after_the_sla_from_my_suggestions(org_store, known):
    sid = submit(org_store, known["staff"]).id
    org_store.write(lambda con: con.execute("UPDATE suggestions SET created_at = ? WHERE id = ?",
                                            (datetime.now() - timedelta(days=20), sid)))
    at = open_page(org_store, known["staff"], "my_suggestions")
    assert any("You may escalate it to your region" in w.value for w in at.warning)
    next(b for b in at.button if b.label == "Escalate to the region").click().run()
    assert sg.get(org_store, known["staff"], sid)["level"] == "region"


@pytest.mark.parametrize("role, allowed", [("staff", True), ("manager", True), ("regional_manager", True),
                                           ("leader", True), ("admin", False)])
def test_opening_a_suggestion_by_id_respects_scope(org_store, known, role, allowed):
    sid = submit(org_store, known["staff"]).id  # Kuala Lumpur; the demo admin works in Dublin
    at = open_page(org_store, known[role], "browse", query={"id": sid})
    shown = any("Refunds under 20 dollars" in t.value for t in at.text)
    assert shown is allowed
    if not allowed:
        assert any("not allowed" in e.value for e in at.error)


def test_a_link_opens_its_suggestion_even_among_the_newest(org_store, known):
    older = submit(org_store, known["staff"], key="older", title="Refunds under 20 dollars take too long").id
    newer = submit(org_store, known["staff"], key="newer", title="The queue screen freezes at noon").id
    assert older < newer  # both among the newest 100; the newest is the default choice
    at = open_page(org_store, known["manager"], "browse", query={"id": older})
    assert not at.exception
    assert next(s for s in at.selectbox if s.label == "Open a suggestion").value == older
    assert at.query_params["id"] == str(older)
    cards = [t.value for t in at.text if t.value.startswith("#")]
    assert cards[0] == f"#{older} · Refunds under 20 dollars take too long", cards
