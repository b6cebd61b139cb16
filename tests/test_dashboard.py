"""Dashboard queries against a small hand-built dataset with known answers."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from board import dashboard, people, triage
from board.errors import NotAllowed
from tests.test_suggestions import submit

MARCH = datetime(2026, 3, 2, 9)
FILTERS = dashboard.Filters(start=date(2026, 1, 1), end=date(2026, 12, 1))


@pytest.fixture
def built(org_store, known):
    """Three March suggestions of the Billing team: one implemented, one declined, one still new and escalated."""
    staff, manager = known["staff"], known["manager"]
    ids = []
    for n, category in enumerate(("policy", "policy", "system")):
        sid = submit(org_store, staff, key=f"k{n}", category=category)
        org_store.write(lambda con, sid=sid.id: con.execute("UPDATE suggestions SET created_at = ? WHERE id = ?",
                                                            (MARCH, sid)))
        org_store.write(lambda con, sid=sid.id: con.execute(
            "UPDATE suggestion_events SET created_at = ? WHERE suggestion_id = ?", (MARCH, sid)))
        ids.append(sid.id)
    first, second, third = ids
    at = lambda days: MARCH + timedelta(days=days)  # noqa: E731
    triage.change_status(org_store, manager, first, "acknowledged", now=at(2))
    for step, status in enumerate(("under_review", "planned", "in_progress", "implemented"), start=3):
        triage.change_status(org_store, manager, first, status, now=at(step if status != "implemented" else 10))
    triage.change_status(org_store, manager, second, "acknowledged", now=at(4))
    triage.change_status(org_store, manager, second, "declined", note="Not now", now=at(6))
    triage.escalate(org_store, manager, third, now=at(8))
    return ids


def test_funnel_categories_and_monthly(org_store, known, built):
    leader = known["leader"]
    assert {r["status"]: r["suggestions"] for r in dashboard.funnel(org_store, leader, FILTERS)} == {
        "implemented": 1, "declined": 1, "new": 1}
    assert {r["category"]: r["suggestions"] for r in dashboard.categories(org_store, leader, FILTERS)} == {
        "policy": 2, "system": 1}
    monthly = {r["month"].date(): (r["submitted"], r["implemented"]) for r in dashboard.monthly(org_store, leader, FILTERS)}
    assert monthly == {date(2026, 3, 1): (3, 1)}


def test_response_times_are_medians_and_p90s_in_days(org_store, known, built):
    (row,) = dashboard.response_times(org_store, known["leader"], FILTERS)
    assert (row["ack_median_days"], round(row["ack_p90_days"], 2)) == (3.0, 3.8)  # acknowledged after 2 and 4 days
    assert (row["resolution_median_days"], round(row["resolution_p90_days"], 2)) == (8.0, 9.6)  # resolved after 10 and 6


def test_escalations_ageing_and_drill_down(org_store, known, built):
    leader = known["leader"]
    assert [(r["month"].date(), r["level"], r["escalations"]) for r in dashboard.escalations(org_store, leader, FILTERS)] == [
        (date(2026, 3, 1), "region", 1)]
    ageing = dashboard.ageing(org_store, leader, FILTERS, today=date(2026, 3, 30), sla_cutoff=date(2026, 3, 23))
    assert ageing == [{"age": "8-30 days", "open": 1, "overdue": 1}]
    assert [r["id"] for r in dashboard.drill(org_store, leader, FILTERS, status="new")] == [built[2]]
    assert [r["id"] for r in dashboard.drill(org_store, leader, FILTERS, category="policy")] == built[1::-1]


def test_filters_and_scope_narrow_every_number(org_store, known, built):
    other_office = dashboard.Filters(start=FILTERS.start, end=FILTERS.end, office_id=known["leader"].office_id)
    assert dashboard.funnel(org_store, known["leader"], other_office) == []
    assert dashboard.funnel(org_store, known["leader"], dashboard.Filters(start=date(2026, 4, 1), end=FILTERS.end)) == []
    assert sum(r["suggestions"] for r in dashboard.funnel(org_store, known["manager"], FILTERS)) == 3
    europe = next(people.get_person(org_store, p["id"]) for p in people.list_people(org_store, known["admin"])
                  if p["role"] == "regional_manager" and p["region"] == "Europe")
    assert dashboard.funnel(org_store, europe, FILTERS) == []
    for role in ("staff", "admin"):
        with pytest.raises(NotAllowed):
            dashboard.funnel(org_store, known[role], FILTERS)
    with pytest.raises(NotAllowed):
        dashboard.newest(org_store, known["manager"], FILTERS)
    assert [r["id"] for r in dashboard.newest(org_store, known["leader"], FILTERS)] == built[::-1]


def test_team_acknowledgement_days(org_store, known, built):
    assert dashboard.team_ack_days(org_store, known["leader"], FILTERS) == {known["staff"].team_id: 3.0}
