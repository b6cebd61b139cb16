"""The organisation: regions, offices, teams and people; all their SQL lives here."""

from __future__ import annotations

from board import i18n
from board.errors import Invalid, NotFound
from board.i18n import _
from board.org import audit
from board.org.access import ROLES, Person, require, where
from board.store import Conn, Database


def person_sql(*, updated_at: bool = False) -> str:
    """SELECT ... FROM people p with their team t, office o and region r (a Person's fields), before any WHERE;
    `updated_at` adds when the roster last changed the person (first)."""
    return ("SELECT" + (" p.updated_at," if updated_at else "") + """ p.id, p.email, p.name, p.role, p.active, p.locale,
       t.id AS team_id, t.name AS team, o.id AS office_id, o.name AS office,
       r.id AS region_id, r.name AS region
FROM people p JOIN team_members tm ON tm.person_id = p.id JOIN teams t ON t.id = tm.team_id
JOIN offices o ON o.id = t.office_id JOIN regions r ON r.id = o.region_id
""")


def _person(row: dict | None) -> Person | None:
    return Person(**row) if row else None


def get_person(db: Database, person_id: int) -> Person | None:
    """The person with this id (active or not), or None."""
    with db.read() as con:
        return _person(con.one(person_sql() + " WHERE p.id = ?", (person_id,)))


def find_by_email(db: Database, email: str) -> Person | None:
    """The person with this email (case-insensitive), or None."""
    with db.read() as con:
        return _person(con.one(person_sql() + " WHERE p.email = ?", (normalise_email(email),)))


def set_locale(db: Database, person: Person, locale: str | None) -> None:
    """A person's own choice of language (None: their browser's, else the organisation's default)."""
    if locale is not None and locale not in i18n.KNOWN:
        raise Invalid({"locale": _("Choose a language from the list.")})
    db.write(lambda con: con.execute("UPDATE people SET locale = ? WHERE id = ?", (locale, person.id)))


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def list_people(db: Database, viewer: Person, *, include_inactive: bool = False) -> list[dict]:
    """People the viewer may see: a manager their team, a regional manager their region, leaders and admins all."""
    require(viewer, "people")
    condition, params = where(viewer, "roster", "t")
    active = "" if include_inactive else " AND p.active"
    with db.read() as con:
        return con.rows(
            person_sql(updated_at=True) + f" WHERE {condition}{active} ORDER BY r.name, o.name, t.name, p.name",
            params,
        )


def units(db: Database) -> list[dict]:
    """Every team with its office and region, and how many active people and managers it has."""
    with db.read() as con:
        return con.rows(
            "SELECT r.id AS region_id, r.name AS region, o.id AS office_id, o.name AS office,"
            " t.id AS team_id, t.name AS team,"
            " count(p.id) FILTER (WHERE p.active) AS people,"
            " count(p.id) FILTER (WHERE p.active AND p.role = 'manager') AS managers"
            " FROM regions r JOIN offices o ON o.region_id = r.id JOIN teams t ON t.office_id = o.id"
            " LEFT JOIN team_members tm ON tm.team_id = t.id LEFT JOIN people p ON p.id = tm.person_id"
            " GROUP BY r.id, r.name, o.id, o.name, t.id, t.name ORDER BY region, office, team"
        )


def counts(db: Database) -> dict:
    """Headline counts of the organisation."""
    with db.read() as con:
        counted = con.one(
            "SELECT (SELECT count(*) FROM regions) AS regions, (SELECT count(*) FROM offices) AS offices,"
            " (SELECT count(*) FROM teams) AS teams,"
            " (SELECT count(*) FROM people WHERE active) AS active_people,"
            " (SELECT count(*) FROM people WHERE NOT active) AS inactive_people"
        )
    assert counted is not None, "a SELECT without FROM returns exactly one row"
    return counted


def active_admins(con: Conn) -> set[int]:
    return {r["id"] for r in con.rows("SELECT id FROM people WHERE active AND role = 'admin'")}


ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never routable; an erased person's address (board.org.personal_data)


def change_person(db: Database, actor: Person, person_id: int, *, role: str, active: bool) -> None:
    """Set a person's role and active flag (admins only); the last active admin cannot be removed, an erased
    person cannot come back (their name and address are gone)."""
    require(actor, "admin_people")
    if role not in ROLES:
        raise Invalid({"role": _("Unknown role '{role}'.", role=role)})

    def apply(con: Conn) -> None:
        before = con.one("SELECT email, role, active FROM people WHERE id = ?", (person_id,))
        if before is None:
            raise NotFound(_("There is no such person."))
        if active and before["email"].endswith("@" + ERASED_DOMAIN):
            raise Invalid({"active": _("This person's personal data was erased: they cannot be made active again."
                                       " Add them anew with the roster import if they come back.")})
        admins = active_admins(con) - {person_id}
        if not admins and (role != "admin" or not active):
            raise Invalid({"role": _("This is the last active admin: make someone else admin first.")})
        con.execute(
            "UPDATE people SET role = ?, active = ?, updated_at = now() WHERE id = ?",
            (role, active, person_id),
        )
        audit.record(
            con, actor.id, "person changed",
            f"{before['email']}: role {before['role']} -> {role}, active {before['active']} -> {active}",
        )

    db.write(apply, lock=("person", person_id))


def team_size(con: Conn, team_id: int) -> int:
    """The one rule for who counts in a team wherever k applies (the anonymous-suggestion and pulse notices,
    generalisation and suppression): its active people, its manager included. A manager belongs to the team
    they manage, so their own answer counts once, there."""
    return con.scalar("SELECT count(*) FROM team_members tm JOIN people p ON p.id = tm.person_id"
                      " WHERE tm.team_id = ? AND p.active", (team_id,))
