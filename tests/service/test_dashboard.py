"""Dashboard queries against a small hand-built dataset with known answers."""

from __future__ import annotations

import dataclasses
import statistics
from datetime import date, datetime, timedelta

import pytest

from board.errors import NotAllowed
from board.feedback import triage
from board.org import people
from board.reporting import dashboard, reports
from tests.support.suggestions import submit

MARCH = datetime(2026, 3, 2, 9)
FILTERS = dashboard.Filters(start=date(2026, 1, 1), end=date(2026, 12, 1))


@pytest.fixture
def built(org_store, known):
    """Three March suggestions of the Billing team: one implemented, one declined, one still new and escalated."""
    staff, manager = known["staff"], known["manager"]
    ids = []
    for n, category in enumerate(("policy", "policy", "system")):
        ids.append(submit(org_store, staff, key=f"k{n}", category=category, now=MARCH).id)
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
    monthly = {r["month"].date(): (r["submitted"], r["implemented"])
               for r in dashboard.monthly(org_store, leader, FILTERS)}
    assert monthly == {date(2026, 3, 1): (3, 1)}


def test_response_times_are_medians_and_p90s_in_days(org_store, known, built):
    (row,) = dashboard.response_times(org_store, known["leader"], FILTERS)
    within = lambda exact: pytest.approx(exact, rel=0.01)  # noqa: E731  read from 2%-wide buckets (counts.py)
    # acknowledged after 2 and 4 days
    assert (row["ack_median_days"], row["ack_p90_days"]) == (within(3.0), within(3.8))
    # resolved after 10 and 6
    assert (row["resolution_median_days"], row["resolution_p90_days"]) == (within(8.0), within(9.6))


def test_escalations_ageing_and_drill_down(org_store, known, built):
    leader = known["leader"]
    assert [(r["month"].date(), r["level"], r["escalations"])
            for r in dashboard.escalations(org_store, leader, FILTERS)] == [(date(2026, 3, 1), "region", 1)]
    ageing = dashboard.ageing(org_store, leader, FILTERS, today=date(2026, 3, 30), sla_cutoff=date(2026, 3, 23))
    assert ageing == [{"age": "8-30 days", "open": 1, "overdue": 1}]
    assert [r["id"] for r in dashboard.drill(org_store, leader, FILTERS, status="new")] == [built[2]]
    assert [r["id"] for r in dashboard.drill(org_store, leader, FILTERS, category="policy")] == built[1::-1]


def test_a_suggestion_stored_on_the_viewers_tomorrow_is_new_today(org_store, known):
    """Stored times are UTC: raised at 00:30 UTC on 4 December, a suggestion is on 3 December for a manager in
    Mexico City (UTC-6). Its age on their day is 0 days, in the first bucket and its list (it was -1, which no
    bucket holds, and the Suggestions tab failed every evening west of UTC)."""
    leader = known["leader"]
    raised = submit(org_store, known["staff"], key="late", now=datetime(2026, 12, 4, 0, 30)).id
    december = dashboard.Filters(start=date(2026, 12, 1), end=date(2027, 1, 1))
    ageing = dashboard.ageing(org_store, leader, december, today=date(2026, 12, 3), sla_cutoff=date(2026, 11, 26))
    assert ageing == [{"age": "0-7 days", "open": 1, "overdue": 0}]
    assert [r["id"] for r in dashboard.drill(org_store, leader, december, today=date(2026, 12, 3),
                                             age="0-7 days")] == [raised]


def test_filters_and_scope_narrow_every_number(org_store, known, built):
    other_office = dashboard.Filters(start=FILTERS.start, end=FILTERS.end, office_id=known["leader"].office_id)
    assert dashboard.funnel(org_store, known["leader"], other_office) == []
    assert dashboard.funnel(org_store, known["leader"],
                            dashboard.Filters(start=date(2026, 4, 1), end=FILTERS.end)) == []
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


def test_acknowledgement_days_per_team_and_per_office(org_store, known, built):
    assert dashboard.ack_days(org_store, known["leader"], FILTERS) == {known["staff"].team_id: 3.0}
    assert dashboard.ack_days(org_store, known["leader"], FILTERS, "office") == {known["staff"].office_id: 3.0}
    with pytest.raises(ValueError):
        dashboard.ack_days(org_store, known["leader"], FILTERS, "s.id) --")


def test_responsiveness_compares_offices_above_the_most_teams_one_chart_shows(demo_store, known, monkeypatch):
    """Each office's exact median days to acknowledgement (from its raw rows) beside its mood, once the filtered
    teams are more than MOST_LISTED; teams again within one office."""
    leader, period = known["leader"], dashboard.Filters(start=date(2025, 12, 1), end=date(2026, 12, 1))
    with demo_store.read() as con:
        teams = con.scalar("SELECT count(*) FROM teams")
        waits: dict[int, list[float]] = {}
        for r in con.rows("SELECT office_id, acknowledged_at, created_at FROM suggestions WHERE acknowledged_at"
                          " IS NOT NULL AND created_at >= ? AND created_at < ?", (period.start, period.end)):
            waits.setdefault(r["office_id"], []).append((r["acknowledged_at"] - r["created_at"]).total_seconds())
    monkeypatch.setattr(dashboard, "MOST_LISTED", teams - 1)
    versus = dashboard.tab_tables(demo_store, leader, period, today=date(2026, 11, 30), sla_cutoff=date(2026, 11, 23),
                                  k=5, tabs=("versus",))["versus"]
    assert "office" in versus.columns and "team" not in versus.columns and len(versus) > 1
    for row in versus.to_dict("records"):
        assert row["ack_days"] == pytest.approx(statistics.median(waits[row["office_id"]]) / 86400, abs=0.051)
        assert row["responses"] >= 5
    office = int(versus["office_id"].iloc[0])
    listed = dashboard.drill(demo_store, leader, period, office_id=office)  # the list behind one office's point
    with demo_store.read() as con:
        assert {r["id"] for r in listed} == {r["id"] for r in con.rows(
            "SELECT id FROM suggestions WHERE office_id = ? AND created_at >= ? AND created_at < ?"
            " ORDER BY id DESC LIMIT 500", (office, period.start, period.end))}
    one_office = dataclasses.replace(period, office_id=office)
    assert dashboard.versus_level(demo_store, leader, one_office) == "team"


def test_every_suggestion_chart_drills_down_to_the_suggestions_behind_it(org_store, known, built):
    leader, (first, second, third) = known["leader"], built
    drill = lambda **chosen: [r["id"] for r in dashboard.drill(org_store, leader, FILTERS, **chosen)]  # noqa: E731
    assert drill(month=date(2026, 3, 1)) == [third, second, first] and drill(month=date(2026, 4, 1)) == []
    assert drill(age="8-30 days", today=date(2026, 3, 30)) == [third]  # the only open one, 28 days old
    assert drill(age="0-7 days", today=date(2026, 3, 30)) == []
    assert drill(escalated_to="region") == [third] and drill(escalated_to="leadership") == []
    assert drill(team_id=known["staff"].team_id) == [third, second, first]
    acknowledged = {r["id"]: r["acknowledged_at"] for r in dashboard.drill(org_store, leader, FILTERS)}
    assert acknowledged == {first: MARCH + timedelta(days=2), second: MARCH + timedelta(days=4), third: None}
    europe_team = known["leader"].team_id  # a team outside the manager's scope lists nothing for them
    assert dashboard.drill(org_store, known["manager"], FILTERS, team_id=europe_team) == []


@pytest.mark.slow
def test_minutes_charts_drill_down_to_the_meetings_and_actions_they_count(demo_store, known):
    today = date(2026, 11, 1)
    filters = dashboard.Filters(start=date(2025, 11, 1), end=date(2026, 11, 1))
    for viewer in (known["leader"], known["regional_manager"], known["manager"]):
        for row in dashboard.minutes_monthly(demo_store, viewer, filters):
            month = row["month"].date()
            meetings = dashboard.drill_meetings(demo_store, viewer, filters, month=month)
            assert len(meetings) == row["meetings"] and sum(m["problems"] for m in meetings) == row["problems"]
            actions = dashboard.drill_actions(demo_store, viewer, filters, month=month, today=today)
            if row["actions_on_time_pct"] is not None and month < today.replace(day=1):
                share = 100 * sum(a["on_time"] for a in actions) / len(actions)
                assert abs(share - row["actions_on_time_pct"]) <= 0.5  # the chart shows it rounded
    coverage = [r for r in dashboard.minutes_coverage(demo_store, known["regional_manager"], filters)
                if r["meetings"]]
    for cell in coverage[:10]:
        listed = dashboard.drill_meetings(demo_store, known["regional_manager"], filters, month=cell["month"],
                                          office=cell["office"])
        assert len(listed) == cell["meetings"] and {m["office"] for m in listed} == {cell["office"]}


def test_a_team_filter_shows_that_teams_own_minutes_coverage(demo_store, known):
    filters = dashboard.Filters(start=date(2025, 11, 1), end=date(2026, 11, 1), team_id=known["manager"].team_id)
    leader_view = dashboard.minutes_coverage(demo_store, known["leader"], filters)
    manager_view = dashboard.minutes_coverage(demo_store, known["manager"], filters)
    assert leader_view == manager_view and len(leader_view) == 12  # the team's meetings, not its whole office's
    assert {r["office"] for r in leader_view} == {"Billing, Kuala Lumpur"}


def test_minutes_coverage_counts_each_offices_meetings_as_the_office_overview_does(demo_store, known):
    filters = dashboard.Filters(start=date(2025, 12, 1), end=date(2026, 12, 1))
    months = [date(2025 + (m > 0), (11 + m) % 12 + 1, 1) for m in range(12)]
    for viewer in (known["leader"], known["regional_manager"]):
        overview = {(r["office"], r["month"]): r["meetings"]
                    for r in reports.minutes_overview(demo_store, viewer, months=months, today=date(2026, 12, 1))}
        coverage = {(r["office"], r["month"]): r["meetings"] for r in dashboard.minutes_coverage(demo_store, viewer,
                                                                                                 filters)}
        assert coverage == overview and sum(coverage.values()) > 0  # the same offices, months and meetings


def test_the_units_to_filter_by_narrow_to_the_filters_and_to_offices(demo_store, known):
    leader = known["leader"]
    every = dashboard.units_in_scope(demo_store, leader)
    region = known["regional_manager"].region_id
    inside = dashboard.units_in_scope(demo_store, leader, within=dashboard.Filters(FILTERS.start, FILTERS.end,
                                                                                  region_id=region))
    assert inside == [u for u in every if u["region_id"] == region] and 0 < len(inside) < len(every)
    offices = dashboard.units_in_scope(demo_store, leader, offices=True)
    assert [(u["region_id"], u["region"], u["office_id"], u["office"]) for u in offices] == sorted(
        {(u["region_id"], u["region"], u["office_id"], u["office"]) for u in every}, key=lambda u: (u[1], u[3]))
    assert {u["office_id"]: u["teams"] for u in offices} == {
        office: sum(u["office_id"] == office for u in every) for office in {u["office_id"] for u in every}}
    assert sum(u["teams"] for u in offices) == len(every) and max(u["teams"] for u in offices) > 1
    manager = known["manager"]  # a manager's scope is one team: its office counts that team alone
    assert dashboard.units_in_scope(demo_store, manager, offices=True) == [
        {"region_id": manager.region_id, "region": manager.region, "office_id": manager.office_id,
         "office": manager.office, "teams": 1}]


@pytest.mark.parametrize("window", [0, 5, 10**9])
def test_the_newest_feed_is_the_same_however_few_ids_it_looks_among_first(demo_store, known, monkeypatch, window):
    leader = known["leader"]
    filters = [dashboard.Filters(start=date(2025, 1, 1), end=date(2027, 1, 1)),
               dashboard.Filters(start=date(2025, 1, 1), end=date(2027, 1, 1), team_id=known["staff"].team_id)]
    with demo_store.read() as con:
        expected = [[r["id"] for r in con.rows(
            "SELECT s.id FROM suggestions s WHERE s.created_at >= ? AND s.created_at < ?"
            + (" AND s.team_id = ?" if f.team_id else "") + " ORDER BY s.id DESC LIMIT 50",
            [f.start, f.end, *([f.team_id] if f.team_id else [])])] for f in filters]
    monkeypatch.setattr(dashboard, "NEWEST_WINDOW", window)
    assert [[r["id"] for r in dashboard.newest(demo_store, leader, f)] for f in filters] == expected
    assert len(expected[0]) == 50 and 0 < len(expected[1]) <= 50


@pytest.mark.parametrize("parts", [2, 3])
def test_each_offices_median_is_exact_from_its_times_and_from_the_suggestions_in_parts(demo_store, known,
                                                                                     monkeypatch, parts):
    """Each office's median days to acknowledgement is exact whichever way it is counted: from each office's times
    (ack_times, merged by the demo's bulk load) without filters, and from the suggestions themselves for a category,
    which PostgreSQL counts in ranges of office ids at once (ACK_PARTS): none twice or missing."""
    leader, period = known["leader"], dashboard.Filters(start=date(2025, 12, 1), end=date(2026, 12, 1))
    with demo_store.read() as con:
        offices = con.scalar("SELECT count(*) FROM offices")
        category = con.scalar("SELECT category FROM suggestions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        acknowledged = con.rows("SELECT region_id, office_id, category, acknowledged_at, created_at FROM suggestions"
                                " WHERE acknowledged_at IS NOT NULL AND created_at >= ? AND created_at < ?",
                                (period.start, period.end))
        assert con.scalar("SELECT count(*) FROM ack_times WHERE times IS NOT NULL") > 0
    monkeypatch.setattr(dashboard, "ACK_PARTS", parts)
    regional = known["regional_manager"]
    for viewer in (leader, regional):
        for filters in (period, dataclasses.replace(period, category=category)):
            waits: dict[int, list[float]] = {}
            for r in acknowledged:
                if filters.category in (None, r["category"]) and (viewer is leader
                                                                  or r["region_id"] == regional.region_id):
                    waits.setdefault(r["office_id"], []).append(
                        (r["acknowledged_at"] - r["created_at"]).total_seconds())
            found = dashboard.ack_days(demo_store, viewer, filters, "office")
            assert set(found) == set(waits) and len(found) > (parts if viewer is leader else 1)
            for office, days in found.items():
                assert days == pytest.approx(statistics.median(waits[office]) / 86400, abs=1e-6), (office, filters)
    assert offices > parts
    assert dashboard.ack_days(demo_store, leader, dashboard.Filters(date(2020, 1, 1), date(2020, 2, 1)), "office") == {}
