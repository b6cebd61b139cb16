"""Roster and organisation imports: all or nothing, errors by row number, upsert by email."""

from __future__ import annotations

import ast
import re
from datetime import date, timedelta

import pytest

from board.org import people, roster
from board.reporting import dashboard
from tests.conftest import store_before
from tests.support.paths import REPO

DATA = REPO / "data"
BOARD = DATA.parent / "board"
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

REFERENCES = (("suggestions", "author_id"), ("suggestion_events", "actor_id"), ("meetings", "chair_id"),
              ("meetings", "author_id"), ("action_items", "owner_id"))


def _history(store, person_id: int) -> dict:
    """The ids of everything that points at a person, by table and column (what a move must leave alone)."""
    with store.read() as con:
        found = {f"{table}.{column}": [r["id"] for r in con.rows(
            f"SELECT id FROM {table} WHERE {column} = ? ORDER BY id", (person_id,))] for table, column in REFERENCES}
        found["meetings.attendee_ids"] = sorted(
            r["id"] for r in con.rows("SELECT id, attendee_ids FROM meetings") if person_id in r["attendee_ids"])
        return found


def _pulse_kept(store) -> dict:
    """What the pulse keeps: each response by period, the open period's voter hashes (with the team they
    answered in), the closed periods' turnout per team."""
    with store.read() as con:
        return {"responses": con.rows("SELECT period_id, id, team_id FROM pulse_responses ORDER BY period_id, id"),
                "voters": con.rows("SELECT period_id, voter, team_id FROM pulse_voters ORDER BY voter"),
                "turnout": con.rows("SELECT period_id, team_id, answered, people FROM pulse_turnout"
                                    " ORDER BY period_id, team_id")}


def _closed_turnout(store, leader, team_id: int) -> list[dict]:
    """The participation the dashboards show for one team's closed periods."""
    from board.reporting import reports
    return [r for r in reports.participation(store, leader, team_id=team_id) if r["closed"]]


def _row(person, role: str, unit: dict, manages: str = "") -> str:
    return f"{person.email},{person.name},{role},{unit['region']},{unit['office']},{unit['team']},{manages}\n"


def _with_history(store, known):
    """The demo manager and staff member with suggestions, minutes (chair, recorder, attendees), actions, and
    pulse answers in the last period (now closed: turnout per team) and the open one (voter hashes)."""
    from board.morale import pulse
    from board.org import settings
    from tests.support.minutes import action, document, draft, item, publish
    from tests.support.suggestions import submit

    manager, staff = known["manager"], known["staff"]
    submit(store, manager, key="manager's")
    submit(store, staff, key="staff's")
    meeting_id = draft(store, manager)
    publish(store, manager, meeting_id,
            document(manager, item(acts=[action(staff), action(manager)]), attendees=[manager, staff]))
    length = settings.load(store).pulse_period_days
    for day in (date.today() - timedelta(days=length), date.today()):  # answering today closes the last period
        for person in (manager, staff):
            pulse.submit(store, person, pulse.Answer(4, 9, 4, 3, 4, 2, 4), today=day, length_days=length)
    before = {p.id: _history(store, p.id) for p in (manager, staff)}
    assert len(before[manager.id]["meetings.chair_id"]) == len(before[manager.id]["meetings.author_id"]) == 1
    assert all(len(h["suggestions.author_id"]) == len(h["action_items.owner_id"])
               == len(h["meetings.attendee_ids"]) == 1 for h in before.values()), before
    kept = _pulse_kept(store)
    assert {r["period_id"] for r in kept["turnout"]} and len(kept["voters"]) == 2, kept
    assert sum(r["answered"] for r in kept["turnout"]) == 2
    return manager, staff, meeting_id, before


def _answered(store, person) -> bool:
    from board.morale import pulse
    from board.org import settings
    return pulse.has_answered(store, person, today=date.today(), length_days=settings.load(store).pulse_period_days)


def test_people_with_history_change_role_by_import(org_store, known):
    manager, staff, _, before = _with_history(org_store, known)
    own = {p.id: next(u for u in people.units(org_store) if u["team_id"] == p.team_id) for p in (manager, staff)}
    swap = HEADER + _row(manager, "staff", own[manager.id]) + _row(staff, "manager", own[staff.id], staff.team)
    plan = roster.import_roster(org_store, swap.encode(), actor_id=known["admin"].id)
    assert [(p["email"], p["changes"]) for p, _ in plan.changed] == [
        (manager.email, "role manager -> staff"), (staff.email, "role staff -> manager")]
    for old, role in ((manager, "staff"), (staff, "manager")):
        now = people.find_by_email(org_store, old.email)
        assert (now.id, now.role, now.team_id, now.active) == (old.id, role, old.team_id, True)
        assert _history(org_store, old.id) == before[old.id] and _answered(org_store, now)


def test_people_with_history_move_team_office_and_role_by_import(org_store, known):
    """On both engines: the person's row changes team, office and role; everything they did stays theirs, and
    the pulse keeps what it had (responses and turnout stay with the team they answered in)."""
    manager, staff, meeting_id, before = _with_history(org_store, known)
    leader, home = known["leader"], manager.team_id
    pulse_before, turnout_before = _pulse_kept(org_store), _closed_turnout(org_store, leader, home)
    sizes_before = {u["team_id"]: u["people"] for u in people.units(org_store)}
    version_before = dashboard.data_version(org_store)
    elsewhere = next(u for u in people.units(org_store) if u["office"] != manager.office)
    moves = HEADER + _row(manager, "staff", elsewhere) + _row(staff, "manager", elsewhere, elsewhere["team"])

    preview = roster.plan_roster(org_store, moves.encode())
    moved = f"moves from team {manager.team}, {manager.office} to {elsewhere['team']}, {elsewhere['office']}"
    assert [(p["email"], p["changes"]) for p, _ in preview.changed] == [
        (manager.email, "role manager -> staff; " + moved), (staff.email, "role staff -> manager; " + moved)]
    plan = roster.import_roster(org_store, moves.encode(), actor_id=known["admin"].id)
    assert plan.summary() == preview.summary()

    for old, role in ((manager, "staff"), (staff, "manager")):
        now = people.find_by_email(org_store, old.email)
        assert (now.id, now.role, now.team_id, now.team, now.office, now.region, now.active) == (
            old.id, role, elsewhere["team_id"], elsewhere["team"], elsewhere["office"], elsewhere["region"], True)
        assert _history(org_store, old.id) == before[old.id] and _answered(org_store, now)
    assert _pulse_kept(org_store) == pulse_before
    assert _closed_turnout(org_store, leader, home) == turnout_before and turnout_before[0]["answered"] == 2
    sizes = {u["team_id"]: u["people"] for u in people.units(org_store)}
    assert (sizes[home], sizes[elsewhere["team_id"]]) == (sizes_before[home] - 2,
                                                          sizes_before[elsewhere["team_id"]] + 2)
    version = dashboard.data_version(org_store)  # the dashboards' caches see the new team sizes
    assert version["pulse"] != version_before["pulse"] and version["suggestions"] != version_before["suggestions"]
    with org_store.read() as con:
        assert con.scalar("SELECT author_id FROM suggestions WHERE submission_key = ?", ("staff's",)) == staff.id
        assert con.scalar("SELECT chair_id FROM meetings WHERE id = ?", (meeting_id,)) == manager.id
        assert people.team_size(con, elsewhere["team_id"]) == sizes[elsewhere["team_id"]]

    back = HEADER + _row(manager, "manager", {**elsewhere, "team": manager.team, "office": manager.office,
                                              "region": manager.region}, manager.team)
    roster.import_roster(org_store, back.encode())  # and back again: a move is not once only
    assert people.find_by_email(org_store, manager.email).team_id == home
    assert _history(org_store, manager.id) == before[manager.id]


def test_the_roster_page_moves_a_person_with_history(org_store, known):
    from tests.support.pages import by_label, errors, open_page

    _, staff, _, before = _with_history(org_store, known)
    elsewhere = next(u for u in people.units(org_store) if u["office"] != staff.office)
    data = (HEADER + _row(staff, "manager", elsewhere, elsewhere["team"])).encode()
    at = open_page(org_store, known["admin"], "admin_roster")
    at.file_uploader(key="roster_file").upload("roster.csv", data, "text/csv")
    at.run()
    assert not at.exception and not errors(at)
    assert any(m.value.startswith("Preview: 0 new, 1 changed") for m in at.markdown)
    by_label(at.button, "Import this roster").click().run()
    assert not at.exception and not errors(at)
    assert at.success[0].value.startswith("Imported: 0 new, 1 changed")
    now = people.find_by_email(org_store, staff.email)
    assert (now.id, now.role, now.team_id, now.office) == (staff.id, "manager", elsewhere["team_id"],
                                                           elsewhere["office"])
    assert _history(org_store, staff.id) == before[staff.id]

def test_a_database_from_before_team_members_keeps_every_team_and_then_moves_people(request, backend, tmp_path):
    """Migration 0011 gives everyone their current team; a person with history moves on the upgraded file."""
    from board import store as db

    with store_before(request, backend, tmp_path, "0011") as store:
        store.write(lambda con: con.execute(
            "INSERT INTO regions (id, name) VALUES (1, 'Europe');"
            " INSERT INTO offices (id, region_id, name) VALUES (1, 1, 'Dublin'), (2, 1, 'Lisbon');"
            " INSERT INTO teams (id, office_id, name) VALUES (1, 1, 'Billing'), (2, 2, 'Onboarding');"
            " INSERT INTO people (id, email, name, role, team_id) VALUES (1, 'a@b.c', 'A', 'staff', 1),"
            "  (2, 'admin@b.c', 'Admin', 'admin', 2);"
            " INSERT INTO sessions (token_hash, person_id) VALUES ('x', 1)"))
        assert "0011_team_members.sql" in db.migrate(store)
        with store.read() as con:
            assert con.rows("SELECT person_id, team_id FROM team_members ORDER BY person_id") == [
                {"person_id": 1, "team_id": 1}, {"person_id": 2, "team_id": 2}]
        roster.import_roster(store, (HEADER + "a@b.c,A,manager,Europe,Lisbon,Onboarding,Onboarding\n").encode())
        moved = people.find_by_email(store, "a@b.c")
        assert (moved.id, moved.role, moved.team, moved.office) == (1, "manager", "Onboarding", "Lisbon")


# people.team_id keeps the team a person was first added to (migration 0011); the SQL that reads a person's
# team must take it from team_members, or someone who moved would count in their old team.
PEOPLE = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE)\s+people\b(?:\s+(?:AS\s+)?([A-Za-z_]\w*))?", re.IGNORECASE)
NOT_ALIASES = {"where", "join", "left", "inner", "cross", "on", "order", "group", "set", "values", "using", "limit",
               "union", "returning", "having", "window"}
# the one statement that writes people.team_id: a person's first team, with their team_members row beside it
WRITES_FIRST_TEAM = "INSERT INTO people (email, name, role, team_id)"


def people_team_reads(source: str) -> list[str]:
    """The SQL strings of a module that read people.team_id (by its alias, or bare where people has none)."""
    texts = [n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    found = []
    for text in texts:
        if text.startswith(WRITES_FIRST_TEAM):
            continue
        for match in PEOPLE.finditer(text):
            alias = match.group(1)
            if alias and alias.lower() not in NOT_ALIASES:
                hit = re.search(rf"\b{alias}\.team_id\b", text)
            else:
                hit = re.search(r"(?<![.\w])team_id\b", text)
            if hit:
                found.append(text.strip()[:80])
                break
    return found


def test_the_app_reads_a_persons_team_from_team_members_only():
    reads = {p.name: people_team_reads(p.read_text()) for p in sorted(BOARD.rglob("*.py"))}
    assert {name: found for name, found in reads.items() if found} == {}


def test_the_team_check_sees_reads_of_people_team_id():
    old = ('con.rows("SELECT p.name FROM people p JOIN teams t ON t.id = p.team_id")\n'
           'con.scalar("SELECT count(*) FROM people WHERE team_id = ? AND active", (team_id,))\n'
           'con.rows("SELECT id FROM team_members tm JOIN people AS q ON q.id = tm.person_id WHERE q.team_id = 1")\n')
    new = ('con.rows("SELECT p.name FROM people p JOIN team_members tm ON tm.person_id = p.id'
           ' JOIN teams t ON t.id = tm.team_id")\n'
           'con.execute("INSERT INTO pulse_turnout (period_id, team_id, answered, people) SELECT 1, 2, 3, 4")\n')
    assert len(people_team_reads(old)) == 3 and people_team_reads(new) == []


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
        assert not con.scalar(
            "SELECT count(*) FROM audit_log WHERE action = 'roster imported' AND detail LIKE '%12 to%'")
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
