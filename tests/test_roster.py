"""Roster and organisation imports: all or nothing, errors by row number, upsert by email."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from board import people, roster

DATA = Path(__file__).resolve().parent.parent / "data"
HEADER = "email,name,role,region,office,team,manages\n"


@pytest.fixture
def org(store):
    roster.import_org(store, (DATA / "sample_org.csv").read_bytes())
    return store


def person_count(store) -> int:
    with store.read() as con:
        return con.scalar("SELECT count(*) FROM people")


def test_sample_files_import(org):
    plan = roster.import_roster(org, (DATA / "sample_roster.csv").read_bytes())
    assert len(plan.new) == 13 and person_count(org) == 13
    grace = people.find_by_email(org, "Grace.Lim@example.com")
    assert (grace.role, grace.office, grace.region) == ("regional_manager", "Singapore", "Asia Pacific")


@pytest.mark.parametrize("row, problem", [
    ("a@x.com,A,staff,Nowhere,Dublin,Onboarding,", "unknown region 'Nowhere'"),
    ("a@x.com,A,staff,Europe,Paris,Onboarding,", "unknown office 'Paris' in region 'Europe'"),
    ("a@x.com,A,staff,Europe,Dublin,Sales,", "unknown team 'Sales' in office 'Dublin'"),
    ("a@x.com,A,boss,Europe,Dublin,Onboarding,", "unknown role 'boss'"),
    ("a@x.com,,staff,Europe,Dublin,Onboarding,", "name is empty"),
    (",A,staff,Europe,Dublin,Onboarding,", "email is empty"),
    ("not-an-email,A,staff,Europe,Dublin,Onboarding,", "is not an email address"),
    ("a@x.com,A,manager,Europe,Dublin,Onboarding,Customer Care", "a manager must manage their own team"),
    ("a@x.com,A,regional_manager,Europe,Dublin,Onboarding,Asia Pacific", "must manage their own region"),
    ("a@x.com,A,staff,Europe,Dublin,Onboarding,Onboarding", "only managers and regional managers"),
])
def test_each_bad_row_is_reported_by_row_number_and_nothing_is_written(org, row, problem):
    good = "ok@x.com,Ok,staff,Europe,Dublin,Onboarding,\n"
    with pytest.raises(roster.ImportRefused) as refused:
        roster.import_roster(org, (HEADER + good + row + "\n").encode())
    assert list(refused.value.errors) == ["row 3"]
    assert problem in refused.value.errors["row 3"]
    assert person_count(org) == 0


def test_duplicate_email_names_both_rows(org):
    rows = "a@x.com,A,staff,Europe,Dublin,Onboarding,\nA@X.com,B,staff,Europe,Dublin,Onboarding,\n"
    with pytest.raises(roster.ImportRefused) as refused:
        roster.import_roster(org, (HEADER + rows).encode())
    assert refused.value.errors == {"row 3": "duplicate email a@x.com (also on row 2)"}


@pytest.mark.parametrize("data, problem", [
    (b"\xff\xfeemail,name\n", "not UTF-8"),
    (b"email,name,role\nx@y.z,X,staff\n", "Missing column(s): region, office, team"),
    (HEADER.encode(), "no data rows"),
])
def test_unusable_files_are_refused_whole(org, data, problem):
    with pytest.raises(roster.ImportRefused) as refused:
        roster.import_roster(org, data)
    assert problem in refused.value.errors["file"]
    assert person_count(org) == 0


def test_reimport_updates_by_email_and_keeps_missing_people_unless_asked(org):
    roster.import_roster(org, (DATA / "sample_roster.csv").read_bytes())
    changed = HEADER + (
        "nur.aziz@example.com,Nur Aziz-Rahman,manager,Asia Pacific,Kuala Lumpur,Billing,Billing\n"
        "ana.costa@example.com,Ana Costa,admin,Europe,Dublin,Onboarding,\n"
    )
    plan = roster.import_roster(org, changed.encode())
    assert [(p["email"], f) for p, f in plan.changed] == [("nur.aziz@example.com", ["name", "role"])]
    assert len(plan.missing_kept) == 11 and person_count(org) == 13
    nur = people.find_by_email(org, "nur.aziz@example.com")
    assert (nur.name, nur.role) == ("Nur Aziz-Rahman", "manager")
    assert people.find_by_email(org, "li.wei@example.com").active

    plan = roster.import_roster(org, changed.encode(), deactivate_missing=True, confirm_deactivations=True)
    assert len(plan.deactivate) == 11
    assert not people.find_by_email(org, "li.wei@example.com").active
    assert person_count(org) == 13  # nobody is deleted

    roster.import_roster(org, (DATA / "sample_roster.csv").read_bytes())
    assert people.find_by_email(org, "li.wei@example.com").active  # back in the file: active again


def test_plan_writes_nothing(org):
    plan = roster.plan_roster(org, (DATA / "sample_roster.csv").read_bytes())
    assert len(plan.new) == 13 and person_count(org) == 0


def test_import_cannot_remove_the_last_admin_or_the_importing_admin(org):
    roster.import_roster(org, (DATA / "sample_roster.csv").read_bytes())
    ana = people.find_by_email(org, "ana.costa@example.com")
    no_admin = HEADER + "nur.aziz@example.com,Nur Aziz,staff,Asia Pacific,Kuala Lumpur,Billing,\n"
    with pytest.raises(roster.ImportRefused, match="nothing was imported") as refused:
        roster.import_roster(org, no_admin.encode(), deactivate_missing=True)
    assert "no active admin" in refused.value.errors["file"]
    demoting_me = HEADER + "ana.costa@example.com,Ana Costa,staff,Europe,Dublin,Onboarding,\n" \
        "nur.aziz@example.com,Nur Aziz,admin,Asia Pacific,Kuala Lumpur,Billing,\n"
    with pytest.raises(roster.ImportRefused) as refused:
        roster.import_roster(org, demoting_me.encode(), actor_id=ana.id)
    assert "your own admin access" in refused.value.errors["file"]
    assert people.find_by_email(org, "ana.costa@example.com").role == "admin"


def test_org_import_adds_missing_units_only(store):
    assert roster.import_org(store, (DATA / "sample_org.csv").read_bytes()) == 5
    assert roster.import_org(store, (DATA / "sample_org.csv").read_bytes()) == 0
    moved = b"region,office,team\nEurope,Kuala Lumpur,Billing\nEurope,Dublin,\n"
    with pytest.raises(roster.ImportRefused) as refused:
        roster.import_org(store, moved)
    assert refused.value.errors == {
        "row 2": "office 'Kuala Lumpur' is already in region 'Asia Pacific'",
        "row 3": "team is empty",
    }
    assert len(people.units(store)) == 5


# --- moving people between teams, offices and roles keeps their history (issue 13, finding 5) ----------------

def _history(store, person_id: int) -> dict:
    """Everything that points at a person, by table (what a move must leave alone)."""
    refs = {"suggestions": "author_id", "suggestion_events": "actor_id", "meetings": "chair_id",
            "action_items": "owner_id"}
    with store.read() as con:
        found = {table: con.scalar(f"SELECT count(*) FROM {table} WHERE {column} = ?", (person_id,))
                 for table, column in refs.items()}
        found["attended"] = sum(person_id in r["attendee_ids"] for r in con.rows("SELECT attendee_ids FROM meetings"))
        return found


def _row(person, role: str, unit: dict, manages: str = "") -> str:
    return f"{person.email},{person.name},{role},{unit['region']},{unit['office']},{unit['team']},{manages}\n"


def _with_history(store, known):
    """The demo manager and staff member with suggestions, minutes (chair / attendees), actions and pulse answers."""
    from board import pulse, settings
    from tests.test_minutes import action, document, draft, item, publish
    from tests.test_suggestions import submit

    manager, staff = known["manager"], known["staff"]
    submit(store, manager, key="manager's")
    submit(store, staff, key="staff's")
    meeting_id = draft(store, manager)
    publish(store, manager, meeting_id,
            document(manager, item(acts=[action(staff), action(manager)]), attendees=[manager, staff]))
    length = settings.load(store).pulse_period_days
    for person in (manager, staff):
        pulse.submit(store, person, pulse.Answer(4, 9, 4, 3, 4, 2, 4), today=date.today(), length_days=length)
    before = {p.id: _history(store, p.id) for p in (manager, staff)}
    assert before[manager.id]["meetings"] == 1 and all(
        c["suggestions"] == c["action_items"] == c["attended"] == 1 for c in before.values()), before
    return manager, staff, meeting_id, before


def _answered(store, person) -> bool:
    from board import pulse, settings
    return pulse.has_answered(store, person, today=date.today(), length_days=settings.load(store).pulse_period_days)


def test_people_with_history_change_role_by_import(org_store, known):
    manager, staff, meeting_id, before = _with_history(org_store, known)
    own = {p.id: next(u for u in people.units(org_store) if u["team_id"] == p.team_id) for p in (manager, staff)}
    swap = HEADER + _row(manager, "staff", own[manager.id]) + _row(staff, "manager", own[staff.id], staff.team)
    plan = roster.import_roster(org_store, swap.encode(), actor_id=known["admin"].id)
    assert [(p["email"], p["changes"]) for p, _ in plan.changed] == [
        (manager.email, "role manager -> staff"), (staff.email, "role staff -> manager")]
    for old, role in ((manager, "staff"), (staff, "manager")):
        now = people.find_by_email(org_store, old.email)
        assert (now.id, now.role, now.team_id, now.active) == (old.id, role, old.team_id, True)
        assert _history(org_store, old.id) == before[old.id] and _answered(org_store, now)


def test_people_with_history_move_team_office_and_role_by_import(org_store, known, backend):
    manager, staff, meeting_id, before = _with_history(org_store, known)
    elsewhere = next(u for u in people.units(org_store) if u["office"] != manager.office)
    moves = HEADER + _row(manager, "staff", elsewhere) + _row(staff, "manager", elsewhere, elsewhere["team"])
    if backend == "duckdb":  # DuckDB 2.0.0 cannot update people.team_id of a referenced person (see roster.py)
        with pytest.raises(roster.ImportRefused) as refused:
            roster.plan_roster(org_store, moves.encode())
        assert list(refused.value.errors) == ["row 2", "row 3"]
        assert "cannot move such a person to another team" in refused.value.errors["row 2"]
        with pytest.raises(roster.ImportRefused):
            roster.import_roster(org_store, moves.encode(), actor_id=known["admin"].id)
        assert people.find_by_email(org_store, manager.email) == manager  # nothing written
        return
    preview = roster.plan_roster(org_store, moves.encode())
    moved = f"moves from team {manager.team}, {manager.office} to {elsewhere['team']}, {elsewhere['office']}"
    assert [(p["email"], p["changes"]) for p, _ in preview.changed] == [
        (manager.email, "role manager -> staff; " + moved), (staff.email, "role staff -> manager; " + moved)]
    plan = roster.import_roster(org_store, moves.encode(), actor_id=known["admin"].id)
    assert plan.summary() == preview.summary()

    for old, role in ((manager, "staff"), (staff, "manager")):
        now = people.find_by_email(org_store, old.email)
        assert (now.id, now.role, now.team, now.office, now.active) == (old.id, role, elsewhere["team"],
                                                                       elsewhere["office"], True)
        assert _history(org_store, old.id) == before[old.id] and _answered(org_store, now)
    with org_store.read() as con:
        assert con.scalar("SELECT author_id FROM suggestions WHERE submission_key = ?", ("staff's",)) == staff.id
        assert con.scalar("SELECT chair_id FROM meetings WHERE id = ?", (meeting_id,)) == manager.id


# --- the deactivation guard ---------------------------------------------------------------------------------

def test_deactivating_more_than_the_share_needs_confirming(org):
    roster.import_roster(org, (DATA / "sample_roster.csv").read_bytes())
    few = HEADER + "ana.costa@example.com,Ana Costa,admin,Europe,Dublin,Onboarding,\n"
    plan = roster.plan_roster(org, few.encode(), deactivate_missing=True)
    warning = "This import would deactivate 12 of the 13 active people (92%), more than the 40% allowed"
    assert plan.deactivation_warning().startswith(warning)
    with pytest.raises(roster.DeactivationsNeedConfirming) as refused:
        roster.import_roster(org, few.encode(), deactivate_missing=True)
    assert str(refused.value).startswith(warning) and "Nothing was imported" in str(refused.value)
    with org.read() as con:
        assert con.scalar("SELECT count(*) FROM people WHERE active") == 13
        assert not con.scalar("SELECT count(*) FROM audit_log WHERE action = 'roster imported' AND detail LIKE '%12 to%'")
    done = roster.import_roster(org, few.encode(), deactivate_missing=True, confirm_deactivations=True)
    assert len(done.deactivate) == 12
    with org.read() as con:
        assert con.scalar("SELECT count(*) FROM people WHERE active") == 1
        assert "confirmed" in con.scalar("SELECT detail FROM audit_log WHERE action = 'roster imported'"
                                         " ORDER BY id DESC LIMIT 1")


def test_deactivating_up_to_the_share_needs_no_confirming(org):
    roster.import_roster(org, (DATA / "sample_roster.csv").read_bytes())
    keep = (DATA / "sample_roster.csv").read_text().splitlines(keepends=True)
    rows = keep[1:8] + [r for r in keep if r.startswith("ana.costa")]  # the admin stays; 5 of 13 go: 38%
    plan = roster.import_roster(org, (keep[0] + "".join(rows)).encode(), deactivate_missing=True)
    assert len(plan.deactivate) == 5 and plan.deactivation_warning() is None
