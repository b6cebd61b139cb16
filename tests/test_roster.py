"""Roster and organisation imports: all or nothing, errors by row number, upsert by email."""

from __future__ import annotations

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

    plan = roster.import_roster(org, changed.encode(), deactivate_missing=True)
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
