"""Raising, reading, +1 and comments: validation, idempotency, scope, similarity."""

from __future__ import annotations

import pytest

from board.errors import Invalid, NotAllowed
from board.feedback import suggestions as sg
from tests.support.suggestions import submit


def count(store, table="suggestions") -> int:
    with store.read() as con:
        return con.scalar(f"SELECT count(*) FROM {table}")


@pytest.mark.parametrize("changes, field", [
    ({"title": "ab"}, "title"),
    ({"title": "x" * 121}, "title"),
    ({"description": "too short"}, "description"),
    ({"description": "x" * 5001}, "description"),
    ({"category": "gossip"}, "category"),
    ({"kind": "complaint"}, "kind"),
    ({"kind": "anticipated_problem", "likelihood": None}, "likelihood"),
    ({"customer_impact": "x" * 5001}, "customer_impact"),
])
def test_invalid_fields_are_named_and_nothing_is_saved(org_store, known, changes, field):
    with pytest.raises(Invalid) as invalid:
        submit(org_store, known["staff"], **changes)
    assert list(invalid.value.errors) == [field]
    assert count(org_store) == 0


def test_a_repeated_submission_creates_one_suggestion(org_store, known):
    first = submit(org_store, known["staff"], key="same")
    again = submit(org_store, known["staff"], key="same")
    assert again.id == first.id and again.repeated and count(org_store) == 1
    assert count(org_store, "suggestion_events") == 1


def test_named_suggestion_records_author_team_and_a_submitted_event(org_store, known):
    staff = known["staff"]
    receipt = submit(org_store, staff, title="  Refund   approvals are slow  ", customer_impact="Angry calls")
    row = sg.get(org_store, staff, receipt.id)
    assert (row["author"], row["team"], row["status"], row["level"]) == ("Sam Staff", "Billing", "new", "team")
    assert row["title"] == "Refund   approvals are slow" and receipt.code is None
    assert [(e["kind"], e["to_value"], e["actor"]) for e in sg.timeline(org_store, receipt.id)] == [
        ("submitted", "new", "Sam Staff")]


def test_scope_office_for_staff_region_for_regional_all_for_leaders(org_store, known):
    receipt = submit(org_store, known["staff"])
    outsider = known["leader"]  # Dublin, another region, but a leader sees everything
    assert sg.get(org_store, outsider, receipt.id)["id"] == receipt.id
    assert sg.get(org_store, known["regional_manager"], receipt.id)
    admin = known["admin"]  # Dublin office: not Kuala Lumpur's suggestions
    with pytest.raises(NotAllowed):
        sg.get(org_store, admin, receipt.id)
    with pytest.raises(NotAllowed):
        sg.vote(org_store, admin, receipt.id)
    with pytest.raises(NotAllowed):
        sg.comment(org_store, admin, receipt.id, "hello")
    assert sg.browse(org_store, admin).total == 0 and sg.browse(org_store, known["manager"]).total == 1


def test_plus_one_counts_once_and_never_for_the_author(org_store, known):
    receipt = submit(org_store, known["staff"])
    assert sg.vote(org_store, known["manager"], receipt.id) is True
    assert sg.vote(org_store, known["manager"], receipt.id) is False
    with pytest.raises(Invalid, match="Please correct"):
        sg.vote(org_store, known["staff"], receipt.id)
    assert sg.get(org_store, known["manager"], receipt.id)["votes"] == 1


def test_similar_open_suggestions_of_the_office_come_first(org_store, known):
    staff = known["staff"]
    refund = submit(org_store, staff, key="a").id
    submit(org_store, staff, key="b", title="Printer on floor two jams", description="The printer jams every morning.")
    found = sg.similar(org_store, staff, "Refunds are slow", "Small refunds wait ten days for approval")
    assert [r["id"] for r in found] == [refund]
    assert sg.similar(org_store, known["admin"], "Refunds are slow", "Small refunds wait ten days") == []


def test_browse_filters_and_text_search(org_store, known):
    staff = known["staff"]
    submit(org_store, staff, key="a")
    submit(org_store, staff, key="b", kind="anticipated_problem", likelihood="likely", category="system",
           title="Phone queue will overflow in December", description="Holiday volumes doubled last year.")
    assert sg.browse(org_store, staff, kind="anticipated_problem").total == 1
    assert sg.browse(org_store, staff, category="policy").total == 1
    assert sg.browse(org_store, staff, text="HOLIDAY").total == 1
    assert sg.browse(org_store, staff, status="implemented").total == 0


def test_comment_is_plain_text_kept_verbatim(org_store, known):
    receipt = submit(org_store, known["staff"])
    hostile = "![x](http://127.0.0.1:9/p.png) <script>alert(1)</script>"
    sg.comment(org_store, known["manager"], receipt.id, hostile)
    assert sg.timeline(org_store, receipt.id)[-1]["note"] == hostile
    with pytest.raises(Invalid):
        sg.comment(org_store, known["manager"], receipt.id, "   ")


def test_mine_lists_only_my_named_suggestions(org_store, known):
    submit(org_store, known["staff"], key="named")
    submit(org_store, known["staff"], key="anon", anonymous=True)
    mine = sg.mine(org_store, known["staff"])
    assert [(r["anonymous"], r["days_waiting"]) for r in mine] == [(False, 0)]
