"""Triage through the real page (AppTest): one form to answer, move, assign and date, with a confirmation."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from board.feedback import suggestions as sg
from board.feedback import triage
from tests.support.pages import open_page
from tests.support.suggestions import submit


def fill_raise_form(at: AppTest, title: str, description: str) -> None:
    at.text_input(key="raise_title").input(title)
    at.text_area(key="raise_description").input(description)
    at.button(key="FormSubmitter:raise_form-Continue").click().run()


def test_declining_without_a_reason_is_refused_beside_the_field(org_store, known):
    sid = submit(org_store, known["staff"]).id
    at = open_page(org_store, known["manager"], "triage")
    status_box = next(s for s in at.selectbox if s.label == "New status")
    status_box.select("declined")
    at.button(key="FormSubmitter:status_form-Change status").click().run()
    assert any("reason for declining" in e.value for e in at.error)
    assert sg.get(org_store, known["staff"], sid)["status"] == "new"


def test_marking_a_duplicate_in_triage_moves_the_plus_ones(org_store, known):
    original = submit(org_store, known["staff"], key="o").id
    copy = submit(org_store, known["staff"], key="c", title="Small refunds are slow again").id
    sg.vote(org_store, known["regional_manager"], copy)
    at = open_page(org_store, known["manager"], "triage", query={"id": copy})
    next(s for s in at.selectbox if s.label == "New status").select("duplicate")
    next(n for n in at.number_input if n.label.startswith("Original")).set_value(original)
    at.button(key="FormSubmitter:status_form-Change status").click().run()
    assert not at.exception and not at.error
    assert (sg.get(org_store, known["staff"], original)["votes"],
            sg.get(org_store, known["staff"], copy)["votes"]) == (1, 0)
    assert sg.get(org_store, known["staff"], copy)["duplicate_of"] == original


def test_a_status_change_made_meanwhile_is_not_overwritten_from_a_stale_form(org_store, known):
    """The manager's form was drawn while the suggestion was new; the leader (on this or another server)
    acknowledges it first. The manager's submit is refused with a message, not applied on top."""
    sid = submit(org_store, known["staff"], key="stale").id
    at = open_page(org_store, known["manager"], "triage", query={"id": sid})
    triage.change_status(org_store, known["leader"], sid, "acknowledged")
    next(s for s in at.selectbox if s.label == "New status").select("acknowledged")
    at.button(key="FormSubmitter:status_form-Change status").click().run()
    assert not at.exception
    assert any("Someone changed this suggestion meanwhile: it is now acknowledged" in e.value for e in at.error)
    with org_store.read() as con:
        assert con.scalar("SELECT count(*) FROM suggestion_events WHERE suggestion_id = ? AND kind = 'status'",
                          (sid,)) == 1
    at.button(key="FormSubmitter:status_form-Change status").click().run()  # now drawn from the fresh status
    assert sg.get(org_store, known["staff"], sid)["status"] != "acknowledged"
