"""Office calendars on both backends: the demo offices' calendars, saving a zone and working week (checked, audited,
nothing changed on error), the holiday import (errors by row, nothing changed; what it replaces), and deadlines by
office: the acknowledgement time in the triage queue, the author's escalation, actions overdue, the pulse period."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from board.errors import Invalid, NotAllowed
from board.feedback import suggestions as sg
from board.feedback import triage
from board.meetings import actions
from board.morale import pulse
from board.org import audit, calendar, people
from board.org.roster import ImportRefused
from tests.support.minutes import action, document, draft, item, publish
from tests.support.suggestions import CATEGORIES
from tests.support.suggestions import draft as suggestion_draft

RAISED = datetime(2026, 11, 9, 12, 0)  # Monday: 23:00 in Sydney, 06:00 in Mexico City
NOW = datetime(2026, 11, 10, 14, 0)  # Tuesday 14:00 UTC: Wednesday 01:00 in Sydney, Tuesday 08:00 in Mexico City


def submit(store, person, *, key: str, now: datetime):
    """A named suggestion raised at `now`."""
    return sg.submit(store, person, suggestion_draft(), categories=CATEGORIES, submission_key=key, now=now)


def office_ids(store, admin) -> dict[str, int]:
    return {o["name"]: o["id"] for o in calendar.offices(store, admin)}


def someone(store, role: str, office_id: int):
    with store.read() as con:
        pid = con.scalar("SELECT p.id FROM people p JOIN team_members tm ON tm.person_id = p.id"
                         " JOIN teams t ON t.id = tm.team_id WHERE p.active AND p.role = ? AND t.office_id = ?"
                         " ORDER BY p.id LIMIT 1", (role, office_id))
    return people.get_person(store, pid)


def test_the_demo_offices_have_their_zones_weeks_and_holidays(org_store, known):
    offices = office_ids(org_store, known["admin"])
    calendars = calendar.load(org_store)
    warsaw, sydney = calendars.of(offices["Warsaw"]), calendars.of(offices["Sydney"])
    assert (warsaw.zone, sydney.zone) == ("Europe/Warsaw", "Australia/Sydney")
    assert warsaw.working_days == frozenset(range(5)) and not warsaw.is_working_day(date(2026, 11, 11))
    assert calendars.of(offices["Mexico City"]).zone == "America/Mexico_City"
    assert calendar.person_zone(org_store, known["staff"]) == "Asia/Kuala_Lumpur"


def test_saving_an_office_calendar_checks_every_field_changes_nothing_on_error_and_is_audited(org_store, known):
    admin, warsaw = known["admin"], office_ids(org_store, known["admin"])["Warsaw"]
    before = calendar.load(org_store).of(warsaw)
    with pytest.raises(Invalid) as refused:
        calendar.admin_save(org_store, admin, warsaw, time_zone="Mars/Olympus", working_days=[])
    assert set(refused.value.errors) == {"time_zone", "working_days"}
    with pytest.raises(NotAllowed):
        calendar.admin_save(org_store, known["manager"], warsaw, time_zone="Asia/Dubai", working_days=[6, 0])
    assert calendar.load(org_store).of(warsaw) == before
    saved = calendar.admin_save(org_store, admin, warsaw, time_zone="Asia/Dubai", working_days=[6, 0, 1, 2, 3])
    assert saved.zone == "Asia/Dubai" and saved.working_days == frozenset({6, 0, 1, 2, 3})
    assert saved.holidays == before.holidays
    entry = audit.recent(org_store, admin, limit=1)[0]
    assert entry["action"] == "office calendar changed" and '"working_days": "0,1,2,3,6"' in entry["detail"]
    organisation = calendar.admin_save(org_store, admin, warsaw, time_zone=None, working_days=range(5))
    assert organisation.zone == "UTC"  # none of its own: the organisation's


BAD_HOLIDAYS = (b"office,date,name\n"
                b"Warsaw,2027-11-11,Independence Day\n"
                b"Atlantis,2027-01-01,New Year\n"
                b"Warsaw,2027-13-01,Nobody's day\n"
                b"Warsaw,2027-11-11,Twice\n"
                b"Warsaw,2027-05-03,\n")


def test_a_holiday_file_with_errors_names_each_row_and_changes_nothing(org_store, known):
    before = calendar.load(org_store)
    with pytest.raises(ImportRefused) as refused:
        calendar.admin_import_holidays(org_store, known["admin"], BAD_HOLIDAYS)
    errors = refused.value.errors
    assert list(errors) == ["row 3", "row 4", "row 5", "row 6"]
    assert "unknown office 'Atlantis'" in errors["row 3"]
    assert "'2027-13-01' is not a date" in errors["row 4"]
    assert "Warsaw on 2027-11-11 is also on row 2" in errors["row 5"]
    assert "the name is empty" in errors["row 6"]
    with pytest.raises(ImportRefused) as missing:
        calendar.admin_import_holidays(org_store, known["admin"], b"office,day\nWarsaw,2027-01-01\n")
    assert "Missing column(s): date, name" in missing.value.errors["file"]
    assert calendar.load(org_store) == before


def test_a_holiday_import_replaces_the_named_offices_years_only(org_store, known):
    admin = known["admin"]
    offices = office_ids(org_store, admin)
    before = calendar.load(org_store)
    data = ("office,date,name\nwarsaw,2027-11-11,Narodowe Święto Niepodległości\n"
            "Warsaw,2027-01-01,Nowy Rok (renamed)\n").encode()
    plan = calendar.admin_plan_holidays(org_store, admin, data)
    assert plan.years == {"Warsaw": [2027]}
    assert [r["date"] for r in plan.added] == [date(2027, 11, 11)]
    assert [(r["date"], r["was"]) for r in plan.renamed] == [(date(2027, 1, 1), "Nowy Rok")]
    assert [r["date"] for r in plan.removed] == [date(2027, 1, 6), date(2027, 3, 29)]
    assert calendar.load(org_store) == before  # the preview writes nothing
    calendar.admin_import_holidays(org_store, admin, data)
    after = calendar.load(org_store)
    warsaw = after.of(offices["Warsaw"]).holidays
    assert {d for d in warsaw if d.year == 2027} == {date(2027, 1, 1), date(2027, 11, 11)}
    assert {d for d in warsaw if d.year == 2026} == {d for d in before.of(offices["Warsaw"]).holidays
                                                     if d.year == 2026}
    assert after.of(offices["Sydney"]) == before.of(offices["Sydney"])
    assert audit.recent(org_store, admin, limit=1)[0]["action"] == "holidays imported"


def test_the_same_moment_is_overdue_in_sydney_and_not_yet_in_mexico_city(org_store, known):
    offices = office_ids(org_store, known["admin"])
    raised = {}
    for name in ("Sydney", "Mexico City"):
        author = someone(org_store, "staff", offices[name])
        raised[name] = triage_row = submit(org_store, author, key=name, now=RAISED).id
        assert triage_row
    for name, overdue in (("Sydney", True), ("Mexico City", False)):
        manager = someone(org_store, "manager", offices[name])
        rows = [r for r in triage.queue(org_store, manager, now=NOW, sla_days=1) if r["id"] == raised[name]]
        assert [r["overdue"] for r in rows] == [overdue], name
        assert triage.queue_counts(org_store, manager, now=NOW, sla_days=1)["overdue"] == int(overdue)
    # a day later Mexico City's acknowledgement time has passed too
    manager = someone(org_store, "manager", offices["Mexico City"])
    assert triage.queue(org_store, manager, now=NOW + timedelta(days=1), sla_days=1)[0]["overdue"] is True


def test_the_author_may_escalate_once_their_offices_acknowledgement_time_has_passed(org_store, known):
    offices = office_ids(org_store, known["admin"])
    sydney, mexico = (someone(org_store, "staff", offices[n]) for n in ("Sydney", "Mexico City"))
    first, second = submit(org_store, sydney, key="s", now=RAISED).id, submit(org_store, mexico, key="m",
                                                                              now=RAISED).id
    with pytest.raises(Invalid):
        triage.escalate_as_author(org_store, mexico, second, sla_days=1, now=NOW)
    triage.escalate_as_author(org_store, sydney, first, sla_days=1, now=NOW)
    triage.escalate_as_author(org_store, mexico, second, sla_days=1, now=NOW + timedelta(days=1))


def test_a_weekend_and_a_holiday_give_more_time_by_the_offices_calendar(org_store, known):
    """Two working days in Warsaw: raised on Thursday 5 Nov, they are Friday and Monday (overdue from Tuesday);
    raised on Monday 9 Nov, Tuesday and Thursday, as Wednesday 11 is Independence Day (overdue from Friday 13,
    local time: 23:30 UTC on Thursday)."""
    warsaw = office_ids(org_store, known["admin"])["Warsaw"]
    author, manager = someone(org_store, "staff", warsaw), someone(org_store, "manager", warsaw)
    before_weekend = submit(org_store, author, key="thu", now=datetime(2026, 11, 5, 10, 0)).id
    before_holiday = submit(org_store, author, key="mon", now=datetime(2026, 11, 9, 10, 0)).id

    def overdue(sid: int, now: datetime) -> bool:
        return next(r["overdue"] for r in triage.queue(org_store, manager, now=now, sla_days=2) if r["id"] == sid)

    assert not overdue(before_weekend, datetime(2026, 11, 9, 12, 0))
    assert overdue(before_weekend, datetime(2026, 11, 10, 12, 0))
    assert not overdue(before_holiday, datetime(2026, 11, 12, 22, 30))  # Thursday 23:30 in Warsaw
    assert overdue(before_holiday, datetime(2026, 11, 12, 23, 30))  # Friday 00:30 in Warsaw


def _action_of(store, office_id: int, due: date) -> int:
    manager, staff = someone(store, "manager", office_id), someone(store, "staff", office_id)
    meeting = draft(store, manager)
    publish(store, manager, meeting, document(manager, item(acts=[action(staff, due, f"Due in {office_id}")]),
                                              day=due - timedelta(days=7)))
    return actions.mine(store, staff, today=due)[0]["id"]


def test_an_action_is_overdue_by_its_offices_local_day(org_store, known):
    offices = office_ids(org_store, known["admin"])
    due = date(2026, 11, 10)
    sydney, mexico = _action_of(org_store, offices["Sydney"], due), _action_of(org_store, offices["Mexico City"], due)
    leader = known["leader"]
    rows = {r["id"]: r for r in actions.team_open(org_store, leader, now=NOW)}
    assert (rows[sydney]["overdue"], rows[mexico]["overdue"]) == (True, False)
    assert (actions.due_words(rows[sydney]), actions.due_words(rows[mexico])) == ("overdue by 1 day", "due today")
    overdue = [r["id"] for r in actions.team_open(org_store, leader, now=NOW, overdue_only=True)]
    assert sydney in overdue and mexico not in overdue
    assert actions.get(org_store, leader, mexico, now=NOW + timedelta(days=1))["overdue"] is True


def test_the_pulse_period_follows_each_persons_local_day_and_closes_once_over_everywhere(org_store, known):
    offices = office_ids(org_store, known["admin"])
    length = 14
    boundary, _ = pulse.period_bounds(date(2026, 11, 20), length)  # a period starts on this day
    now = datetime.combine(boundary, datetime.min.time()) + timedelta(hours=5)  # Sydney: the new period
    sydney, mexico = (someone(org_store, "staff", offices[n]) for n in ("Sydney", "Mexico City"))
    assert calendar.person_today(org_store, sydney, now) == boundary
    assert calendar.person_today(org_store, mexico, now) == boundary - timedelta(days=1)
    answer = pulse.Answer(mood=4, enps=8, empowered=4, tools=4, acted_on=3, workload=3, proud=5)
    pulse.submit(org_store, mexico, answer, length_days=length, now=now)
    pulse.submit(org_store, sydney, answer, length_days=length, now=now)
    with org_store.read() as con:
        periods = con.rows("SELECT starts_on, ends_on, closed_at FROM pulse_periods ORDER BY id")
    assert [(p["ends_on"], p["closed_at"]) for p in periods] == [(boundary, None), (boundary + timedelta(days=14),
                                                                                    None)]
    assert pulse.close_due(org_store, calendar.load(org_store).earliest_today(now)) == []
    later = now + timedelta(hours=8)  # 13:00 UTC: the new day in Mexico City too
    assert len(pulse.close_due(org_store, calendar.load(org_store).earliest_today(later))) == 1
