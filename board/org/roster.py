"""Roster and organisation imports from CSV: validate every row, then apply all or nothing."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from board import i18n
from board.errors import Invalid
from board.i18n import _
from board.org import audit
from board.org.access import ROLES, Person, require
from board.org.people import normalise_email
from board.store import Conn, Database
from board.text import clean

ROSTER_COLUMNS = ("email", "name", "role", "region", "office", "team", "manages")
ORG_COLUMNS = ("region", "office", "team")
REQUIRED = ("email", "name", "role", "region", "office", "team")
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
MAX_ROWS = 100_000
MAX_TEXT = 200
# An import may deactivate at most this share of the active people unless the importer confirms it (as HR-sync
# tools do): a roster exported from the wrong system, or cut short, must not switch most of the company off.
MAX_DEACTIVATE_SHARE = 0.40


class ImportRefused(Invalid):
    """The file has errors; `errors` maps "row N" (or "file") to what is wrong. Nothing was written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors, _("The file has {n} problem(s); nothing was imported.", n=len(errors)))


class DeactivationsNeedConfirming(Invalid):
    """The import would deactivate more than MAX_DEACTIVATE_SHARE of the active people and was not confirmed.
    Nothing was written."""

    def __init__(self, sentence: str):
        super().__init__({"file": sentence}, sentence)


@dataclass
class RosterPlan:
    """What an import would do: people to add, to change (with the fields, and `changes` in words on each
    person: a move names the old and the new team), to deactivate."""

    new: list[dict] = field(default_factory=list)
    changed: list[tuple[dict, list[str]]] = field(default_factory=list)
    unchanged: int = 0
    deactivate: list[dict] = field(default_factory=list)
    missing_kept: list[dict] = field(default_factory=list)
    active_before: int = 0

    def summary(self) -> str:
        return _("{new} new, {changed} changed, {unchanged} unchanged, {deactivate} to deactivate, {missing} missing"
                 " from the file kept active", new=len(self.new), changed=len(self.changed), unchanged=self.unchanged,
                 deactivate=len(self.deactivate), missing=len(self.missing_kept))

    def deactivation_warning(self) -> str | None:
        """One plain sentence when the import would deactivate more than MAX_DEACTIVATE_SHARE of the active
        people (then it needs confirming), else None."""
        count, active = len(self.deactivate), self.active_before
        if not count or count <= MAX_DEACTIVATE_SHARE * active:
            return None
        return _("This import would deactivate {count} of the {active} active people ({share}), more than the"
                 " {allowed} allowed without confirmation.", count=count, active=active,
                 share=i18n.format_percent(count / active), allowed=i18n.format_percent(MAX_DEACTIVATE_SHARE))


def read_csv(data: bytes, columns: tuple[str, ...]) -> list[tuple[int, dict]]:
    """(spreadsheet row number, row) for each data row; the header is row 1."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused({"file": _("The file is not UTF-8 text (bad byte at position {position}); save it as"
                                       " CSV UTF-8.", position=error.start)}) from error
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in columns if c not in header and c != "manages"]
    if missing:
        raise ImportRefused({"file": _("Missing column(s): {missing}. Expected: {expected}.",
                                       missing=", ".join(missing), expected=", ".join(columns))})
    reader.fieldnames = header
    rows = []
    try:
        for number, raw in enumerate(reader, start=2):
            if number - 1 > MAX_ROWS:
                raise ImportRefused({"file": _("More than {n} rows; split the file.", n=MAX_ROWS)})
            row = {c: clean(raw.get(c)) for c in columns}  # the one cleaning rule, as for typed text
            if any(row.values()):
                rows.append((number, row))
    except csv.Error as error:  # e.g. a cell longer than the csv module's limit of 131,072 characters
        problem = _("This line cannot be read as CSV ({error}); cells hold at most {n} characters.", error=error,
                    n=MAX_TEXT)
        raise ImportRefused({f"line {reader.line_num}": problem}) from error
    if not rows:
        raise ImportRefused({"file": _("The file has no data rows.")})
    return rows


def _units(con: Conn) -> dict[tuple[str, str, str], int]:
    return {
        (r["region"].lower(), r["office"].lower(), r["team"].lower()): r["team_id"]
        for r in con.rows(
            "SELECT r.name AS region, o.name AS office, t.name AS team, t.id AS team_id"
            " FROM teams t JOIN offices o ON o.id = t.office_id JOIN regions r ON r.id = o.region_id"
        )
    }


def _row_errors(row: dict, units: dict, seen: dict[str, int]) -> list[str]:
    errors = [_("{column} is empty", column=c) for c in REQUIRED if not row[c]]
    errors += [_("{column} is longer than {n} characters", column=c, n=MAX_TEXT)
               for c in ROSTER_COLUMNS if len(row[c]) > MAX_TEXT]
    email, role = normalise_email(row["email"]), row["role"].lower()
    if row["email"] and not EMAIL.match(email):
        errors.append(_("'{email}' is not an email address", email=row["email"]))
    if email in seen:
        errors.append(_("duplicate email {email} (also on row {row})", email=email, row=seen[email]))
    if row["role"] and role not in ROLES:
        errors.append(_("unknown role '{role}' (use one of: {roles})", role=row["role"], roles=", ".join(ROLES)))
    if all(row[c] for c in ORG_COLUMNS):
        errors += _unit_errors(row, units)
    manages = row["manages"].lower()
    if role == "manager" and manages != row["team"].lower():
        errors.append(_("a manager must manage their own team: manages is '{manages}', team is '{team}'",
                        manages=row["manages"], team=row["team"]))
    elif role == "regional_manager" and manages != row["region"].lower():
        errors.append(_("a regional manager must manage their own region: manages is '{manages}', region is"
                        " '{region}'", manages=row["manages"], region=row["region"]))
    elif role not in ("manager", "regional_manager") and manages:
        errors.append(_("only managers and regional managers have 'manages'"))
    return errors


def _unit_errors(row: dict, units: dict) -> list[str]:
    region, office, team = (row[c].lower() for c in ORG_COLUMNS)
    if not any(k[0] == region for k in units):
        return [_("unknown region '{region}'", region=row["region"])]
    if not any(k[:2] == (region, office) for k in units):
        return [_("unknown office '{office}' in region '{region}'", office=row["office"], region=row["region"])]
    if (region, office, team) not in units:
        return [_("unknown team '{team}' in office '{office}'", team=row["team"], office=row["office"])]
    return []


def validate_roster(con: Conn, rows: list[tuple[int, dict]]) -> list[dict]:
    """Every row checked; ImportRefused lists all errors by row number, else the clean people."""
    units = _units(con)
    seen: dict[str, int] = {}
    errors: dict[str, str] = {}
    people: list[dict] = []
    for number, row in rows:
        problems = _row_errors(row, units, seen)
        email = normalise_email(row["email"])
        seen.setdefault(email, number)
        if problems:
            errors[f"row {number}"] = "; ".join(problems)
            continue
        key = tuple(row[c].lower() for c in ORG_COLUMNS)
        people.append({"email": email, "name": row["name"], "role": row["role"].lower(), "team_id": units[key]})
    if errors:
        raise ImportRefused(errors)
    return people


def plan_roster(db: Database, data: bytes, *, deactivate_missing: bool = False,
                actor_id: int | None = None) -> RosterPlan:
    """Validate a roster file and describe what importing it would change (writes nothing)."""
    with db.read() as con:
        return _plan(con, read_csv(data, ROSTER_COLUMNS), deactivate_missing, actor_id)


def _plan(con: Conn, rows, deactivate_missing: bool, actor_id: int | None) -> RosterPlan:
    people = validate_roster(con, rows)
    existing = {r["email"]: r for r in con.rows("SELECT p.id, p.email, p.name, p.role, tm.team_id, p.active"
                                                " FROM people p JOIN team_members tm ON tm.person_id = p.id")}
    plan = RosterPlan(active_before=sum(1 for r in existing.values() if r["active"]))
    teams = {r["id"]: f"{r['team']}, {r['office']}" for r in con.rows(
        "SELECT t.id, t.name AS team, o.name AS office FROM teams t JOIN offices o ON o.id = t.office_id")}
    for person in people:
        before = existing.get(person["email"])
        if before is None:
            plan.new.append(person)
            continue
        fields = [f for f in ("name", "role", "team_id") if before[f] != person[f]]
        fields += [] if before["active"] else ["active"]
        if fields:
            person["id"] = before["id"]
            person["changes"] = "; ".join(_change(f, before, person, teams) for f in fields)
            plan.changed.append((person, fields))
        else:
            plan.unchanged += 1
    in_file = {p["email"] for p in people}
    missing = [r for r in existing.values() if r["active"] and r["email"] not in in_file]
    (plan.deactivate if deactivate_missing else plan.missing_kept).extend(missing)
    _check_admins_remain(con, plan, people, actor_id)
    return plan


def _change(field: str, before: dict, after: dict, teams: dict[int, str]) -> str:
    """One change in words, e.g. "moves from team Billing, Dublin to Onboarding, Kuala Lumpur"."""
    if field == "team_id":
        return _("moves from team {before} to {after}", before=teams[before["team_id"]], after=teams[after["team_id"]])
    if field == "active":
        return _("active again")
    if field == "role":
        return _("role {before} -> {after}", before=before[field], after=after[field])
    return _("name {before} -> {after}", before=before[field], after=after[field])


def _check_admins_remain(con: Conn, plan: RosterPlan, people: list[dict], actor_id: int | None) -> None:
    """Refuse an import that would leave no active admin or remove the importing admin."""
    in_file = {p["email"]: p["role"] for p in people}
    gone = {p["email"] for p in plan.deactivate}
    admins_after = {e for e, role in in_file.items() if role == "admin"} | {
        r["email"] for r in con.rows("SELECT email FROM people WHERE active AND role = 'admin'")
        if r["email"] not in in_file and r["email"] not in gone
    }
    actor = con.scalar("SELECT email FROM people WHERE id = ?", (actor_id,)) if actor_id else None
    if actor and actor not in admins_after:
        raise ImportRefused({"file": _("This import would remove your own admin access; keep yourself in the file as"
                                       " admin.")})
    if not admins_after and con.scalar("SELECT count(*) FROM people WHERE active AND role = 'admin'"):
        raise ImportRefused({"file": _("This import would leave no active admin.")})


def import_roster(db: Database, data: bytes, *, deactivate_missing: bool = False, actor_id: int | None = None,
                  confirm_deactivations: bool = False) -> RosterPlan:
    """Validate and apply a roster file in one transaction: add the new people, update the changed ones by id
    (a move changes their team_members row only, so every reference to them stays), optionally deactivate the
    missing. Deactivating more than MAX_DEACTIVATE_SHARE of the active people raises DeactivationsNeedConfirming
    unless confirmed."""
    rows = read_csv(data, ROSTER_COLUMNS)

    def apply(con: Conn) -> RosterPlan:
        plan = _plan(con, rows, deactivate_missing, actor_id)
        warning = plan.deactivation_warning()
        if warning and not confirm_deactivations:
            raise DeactivationsNeedConfirming(_("{warning} Nothing was imported.", warning=warning))
        # people.team_id is the team a person was first added to, never updated (migration 0011).
        con.executemany(
            "INSERT INTO people (email, name, role, team_id) VALUES (?, ?, ?, ?)",
            [(p["email"], p["name"], p["role"], p["team_id"]) for p in plan.new],
        )
        con.executemany("INSERT INTO team_members (person_id, team_id) SELECT p.id, ? FROM people p WHERE p.email = ?",
                        [(p["team_id"], p["email"]) for p in plan.new])
        # Plain UPDATEs by id of columns without an index, never an upsert: DuckDB runs ON CONFLICT DO UPDATE,
        # and an update of an indexed column, as delete + insert, which fails for anyone referenced by
        # suggestions, minutes, actions or pulse participation. Nothing references team_members.
        con.executemany("UPDATE people SET name = ?, role = ?, active = TRUE, updated_at = now() WHERE id = ?",
                        [(p["name"], p["role"], p["id"]) for p, _ in plan.changed])
        con.executemany("UPDATE team_members SET team_id = ? WHERE person_id = ?",
                        [(p["team_id"], p["id"]) for p, f in plan.changed if "team_id" in f])
        con.executemany(
            "UPDATE people SET active = FALSE, updated_at = now() WHERE id = ?", [(p["id"],) for p in plan.deactivate]
        )
        with i18n.using(i18n.SOURCE):  # the audit log is kept in one language, the source's
            summary = plan.summary()
        audit.record(con, actor_id, "roster imported", summary + ("; the deactivations were confirmed"
                                                                  if warning else ""))
        return plan

    return db.write(apply, lock=("roster",))


def import_org(db: Database, data: bytes, *, actor_id: int | None = None) -> int:
    """Add the regions, offices and teams of a region,office,team file (never removes); returns teams added."""
    rows = read_csv(data, ORG_COLUMNS)

    def apply(con: Conn) -> int:
        errors, office_region = {}, {r["o"].lower(): r["r"] for r in con.rows(
            "SELECT o.name AS o, r.name AS r FROM offices o JOIN regions r ON r.id = o.region_id")}
        for number, row in rows:
            problems = [_("{column} is empty", column=c) for c in ORG_COLUMNS if not row[c]]
            problems += [_("{column} is longer than {n} characters", column=c, n=MAX_TEXT)
                         for c in ORG_COLUMNS if len(row[c]) > MAX_TEXT]
            office, region = row["office"].lower(), row["region"]
            if office and office_region.setdefault(office, region).lower() != region.lower():
                problems.append(_("office '{office}' is already in region '{region}'", office=row["office"],
                                  region=office_region[office]))
            if problems:
                errors[f"row {number}"] = "; ".join(problems)
        if errors:
            raise ImportRefused(errors)
        added = sum(_add_unit(con, row) for _, row in rows)
        audit.record(con, actor_id, "organisation imported", f"{added} team(s) added")
        return added

    return db.write(apply, lock=("roster",))


def _add_unit(con: Conn, row: dict) -> int:
    """Create the region, office and team of a row where missing; 1 if the team is new."""
    region_id = con.scalar("SELECT id FROM regions WHERE lower(name) = lower(?)", (row["region"],)) or con.scalar(
        "INSERT INTO regions (name) VALUES (?) RETURNING id", (row["region"],))
    office_id = con.scalar("SELECT id FROM offices WHERE lower(name) = lower(?)", (row["office"],)) or con.scalar(
        "INSERT INTO offices (region_id, name) VALUES (?, ?) RETURNING id", (region_id, row["office"]))
    if con.scalar("SELECT id FROM teams WHERE office_id = ? AND lower(name) = lower(?)", (office_id, row["team"])):
        return 0
    con.execute("INSERT INTO teams (office_id, name) VALUES (?, ?)", (office_id, row["team"]))
    return 1


# --- the app's entry points: an admin, checked here (the command line is the server's operator) -----------

def admin_plan_roster(db: Database, admin: Person, data: bytes, *, deactivate_missing: bool = False) -> RosterPlan:
    """What importing a roster file would change (admins only; writes nothing)."""
    require(admin, "admin_roster")
    return plan_roster(db, data, deactivate_missing=deactivate_missing, actor_id=admin.id)


def admin_import_roster(db: Database, admin: Person, data: bytes, *, deactivate_missing: bool = False,
                        confirm_deactivations: bool = False) -> RosterPlan:
    """Import a roster file (admins only), as import_roster; the admin is on record."""
    require(admin, "admin_roster")
    return import_roster(db, data, deactivate_missing=deactivate_missing, actor_id=admin.id,
                         confirm_deactivations=confirm_deactivations)


def admin_import_org(db: Database, admin: Person, data: bytes) -> int:
    """Add organisation units from a file (admins only), as import_org; the admin is on record."""
    require(admin, "admin_roster")
    return import_org(db, data, actor_id=admin.id)
