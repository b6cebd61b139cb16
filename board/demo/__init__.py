"""The deterministic demo organisation: one generator feeds the demo, the unit tests and the browser tests."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime, timedelta

from board.clock import utcnow
from board.errors import Invalid
from board.org import accounts, audit, people, roster, settings
from board.org.access import Person, require
from board.store import Conn, Database

SEED = 20261122
PASSWORD = "demo"
MONTHS = 18

REGIONS = {
    "Asia Pacific": ["Kuala Lumpur", "Singapore", "Sydney"],
    "Europe": ["Dublin", "Lisbon", "Warsaw"],
    "Americas": ["Toronto", "Mexico City"],
}
TEAMS = ["Billing", "Customer Care", "Onboarding"]
TEAM_SIZE = 12  # one manager and eleven staff

# The default categories in the shipped languages, as an admin names them under Settings > Languages.
CATEGORY_NAMES = {
    "policy": {"es": "política", "pl": "zasady"}, "system": {"es": "sistemas", "pl": "systemy"},
    "process": {"es": "procesos", "pl": "procesy"}, "training": {"es": "formación", "pl": "szkolenia"},
    "product": {"es": "producto", "pl": "produkt"}, "other": {"es": "otros", "pl": "inne"},
}

# The five known people of the demo; staff@ sits in the first team, managed by manager@.
KNOWN = {
    "staff": ("staff@demo.board", "Sam Staff"),
    "manager": ("manager@demo.board", "Maya Manager"),
    "regional_manager": ("regional@demo.board", "Rahul Regional"),
    "leader": ("leader@demo.board", "Lena Leader"),
    "admin": ("admin@demo.board", "Adam Admin"),
}

FIRST = ["Aisha", "Ben", "Chen", "Dara", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jon", "Kofi", "Lucia",
         "Mei", "Nico", "Olga", "Pedro", "Qi", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wen", "Yusuf", "Zoe"]
LAST = ["Abdullah", "Byrne", "Costa", "Dubois", "Evans", "Fernandes", "Garcia", "Hassan", "Ivanova", "Jensen",
        "Kowalski", "Lim", "Murphy", "Nair", "Okafor", "Silva", "Tan", "Walsh", "Yilmaz", "Zhang"]


def org_csv() -> bytes:
    """The demo's regions, offices and teams as an organisation CSV."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(roster.ORG_COLUMNS)
    for region, offices in REGIONS.items():
        for office in offices:
            for team in TEAMS:
                writer.writerow([region, office, team])
    return out.getvalue().encode()


def roster_rows(rng: random.Random) -> list[dict]:
    """About 300 people: a manager and eleven staff per team, a regional manager per region, leaders, admins."""
    pool = sorted(f"{first} {last}" for first in FIRST for last in LAST)
    rng.shuffle(pool)  # shuffle a sorted list: a set's order would change with PYTHONHASHSEED
    names = iter(pool)
    rows, regional_done = [], set()
    for region, offices in REGIONS.items():
        for office in offices:
            for team in TEAMS:
                for i in range(TEAM_SIZE):
                    role = "manager" if i == 0 else "staff"
                    rows.append(_row(next(names), role, region, office, team))
                if region not in regional_done:
                    regional_done.add(region)
                    rows.append(_row(next(names), "regional_manager", region, office, team))
    for i in range(3):
        rows.append(_row(next(names), "leader", "Europe", "Dublin", TEAMS[i]))
    rows.append(_row(next(names), "admin", "Europe", "Dublin", "Billing"))
    _make_known(rows)
    return rows


def _row(name: str, role: str, region: str, office: str, team: str) -> dict:
    email = name.lower().replace(" ", ".") + "@example.com"
    manages = team if role == "manager" else region if role == "regional_manager" else ""
    return {"email": email, "name": name, "role": role, "region": region, "office": office, "team": team,
            "manages": manages}


def _make_known(rows: list[dict]) -> None:
    """Give the known demo emails to staff and the manager of the first team, its regional manager, a leader,
    the admin."""
    first_team = [rows[0][c] for c in roster.ORG_COLUMNS]
    for role, (email, name) in KNOWN.items():
        row = next(r for r in rows if r["role"] == role
                   and (role not in ("staff", "manager") or [r[c] for c in roster.ORG_COLUMNS] == first_team))
        row.update(email=email, name=name)


def roster_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=roster.ROSTER_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def is_empty(db: Database) -> bool:
    with db.read() as con:
        return not con.scalar("SELECT count(*) FROM people")


def seed(db: Database, *, today: date | None = None, activity: bool = True) -> dict:
    """Fill an empty database with the demo organisation (and, with activity, its history); returns counts."""
    # Imported here: they bring pandas, which `python -m board prepare` (make run's first step) on a seeded database
    # does not need (about half a second of every start). The morale module too: a global `pulse` would be taken for
    # the submodule board.demo.pulse by the import below, and then overwritten by it.
    from board.demo import calendars as demo_calendars
    from board.demo import minutes as demo_minutes
    from board.demo import pulse as demo_pulse
    from board.demo import suggestions as demo_suggestions
    from board.morale import pulse

    today, rng = today or date.today(), random.Random(SEED)
    roster.import_org(db, org_csv())
    demo_calendars.seed(db, {u["office"]: u["office_id"] for u in people.units(db)})
    rows = roster_rows(rng)
    roster.import_roster(db, roster_csv(rows))
    demo_hash = accounts.hash_password(PASSWORD)
    with db.read() as con:
        known = con.rows("SELECT id FROM people WHERE email LIKE '%@demo.board'")
    for person in known:
        accounts.store_password_hash(db, person["id"], demo_hash)
    db.write(lambda con: _history(con, rng, today))
    if activity:
        db.write(lambda con: demo_suggestions.seed(con, rng, today, MONTHS))
        db.write(lambda con: demo_minutes.seed(con, rng, today, MONTHS))
        key = pulse.voter_key(db.dialect)
        db.write(lambda con: demo_pulse.seed(con, rng, today, MONTHS, key))
        pulse.close_due(db, today)
    return {"people": len(rows), "known": len(known)}


def _history(con: Conn, rng: random.Random, today: date) -> None:
    """Eighteen months of organisation history: join dates, a few leavers, monthly roster imports."""
    start = datetime.combine(today - timedelta(days=30 * MONTHS), datetime.min.time())
    ids = [r["id"] for r in con.rows("SELECT id FROM people WHERE email NOT LIKE '%@demo.board' ORDER BY id")]
    for person_id in ids:
        joined = start + timedelta(days=rng.randint(0, 30 * MONTHS - 30), hours=rng.randint(8, 17))
        con.execute("UPDATE people SET created_at = ?, updated_at = ? WHERE id = ?", (joined, joined, person_id))
    con.execute("UPDATE people SET created_at = ?, updated_at = ? WHERE email LIKE '%@demo.board'", (start, start))
    for person_id in rng.sample(ids, 12):  # leavers stay in the roster, inactive
        con.execute("UPDATE people SET active = FALSE WHERE id = ? AND role = 'staff'", (person_id,))
    for month in range(MONTHS):
        when = start + timedelta(days=30 * month + 1, hours=9)
        con.execute(
            "INSERT INTO audit_log (actor_id, action, detail, created_at) VALUES (NULL, 'roster imported', ?, ?)",
            (f"{rng.randint(0, 6)} new, {rng.randint(0, 9)} changed", when),
        )
    settings.put(con, "demo", True)
    settings.put(con, "category_names", CATEGORY_NAMES)


def is_demo(db: Database) -> bool:
    """Whether the database is marked as the demo organisation."""
    return settings.load(db).demo


def end_demo(db: Database, actor: Person) -> None:
    """Unmark the demo and remove the known demo people's passwords and sessions (admins only)."""
    require(actor, "admin_settings")
    if actor.email.endswith("@demo.board"):
        raise Invalid({"demo": "Sign in as a real admin first (give one a password under Accounts and roles): "
                               "ending demo mode removes the demo admin's password too."})

    def apply(con: Conn) -> None:
        known = "SELECT id FROM people WHERE email LIKE '%@demo.board'"
        con.execute(f"DELETE FROM accounts WHERE person_id IN ({known})")
        con.execute(f"UPDATE sessions SET ended_at = ? WHERE ended_at IS NULL AND person_id IN ({known})",
                    (accounts.coarse(utcnow()),))
        settings.put(con, "demo", False)
        audit.record(con, actor.id, "demo mode ended")

    db.write(apply, lock=("settings",))
