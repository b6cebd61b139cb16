"""Action items from minutes: my actions, a team's open actions, closing one with a note."""

from __future__ import annotations

from datetime import date

from board.clock import utcnow
from board.errors import Invalid, NotAllowed, NotFound
from board.feedback.suggestions import checked_text, clean
from board.org.access import Person, where
from board.store import Conn, Database

ACTION_SQL = """
SELECT a.id, a.description, a.due_date, a.status, a.closed_at, a.owner_id, p.name AS owner,
       m.id AS meeting_id, m.meeting_date, coalesce(t.name || ' team, ' || o.name, o.name || ' office') AS unit,
       a.status = 'open' AND a.due_date < ? AS overdue
FROM action_items a JOIN meetings m ON m.id = a.meeting_id JOIN people p ON p.id = a.owner_id
JOIN offices o ON o.id = m.office_id LEFT JOIN teams t ON t.id = m.team_id
WHERE NOT a.removed AND m.status = 'published'
"""


def mine(db: Database, person: Person, *, today: date, include_closed: bool = False) -> list[dict]:
    """The person's action items, soonest due first."""
    closed = "" if include_closed else " AND a.status = 'open'"
    with db.read() as con:
        return con.rows(ACTION_SQL + f" AND a.owner_id = ?{closed} ORDER BY a.due_date, a.id", (today, person.id))


def team_open(db: Database, manager: Person, *, today: date) -> list[dict]:
    """Open actions from the manager's team meetings (a regional manager: their region's), soonest due first."""
    condition, params = where(manager, "team_actions", "m")
    with db.read() as con:
        return con.rows(ACTION_SQL + f" AND a.status = 'open' AND {condition} ORDER BY a.due_date, a.id",
                        (today, *params))


def get(db: Database, viewer: Person, action_id: int, *, today: date) -> dict:
    """One action item, for its owner or anyone who may read its meeting's minutes; else NotFound."""
    condition, params = where(viewer, "read_minutes", "m", refuse=False)
    with db.read() as con:
        row = con.one(ACTION_SQL + f" AND a.id = ? AND (a.owner_id = ? OR {condition})",
                      (today, action_id, viewer.id, *params))
    if row is None:
        raise NotFound("You are not allowed to read this action, or it does not exist.")
    return row


def close(db: Database, person: Person, action_id: int, to: str, note: str = "") -> None:
    """The owner (or whoever recorded the minutes) marks an open action done or dropped; dropping needs a note."""
    note = clean(note)
    if to not in ("done", "dropped"):
        raise Invalid({"status": "Mark it done or dropped."})
    if to == "dropped" and not note:
        raise Invalid({"note": "Say why the action is dropped."})
    checked_text("note", note, required=False)

    def apply(con: Conn) -> None:
        row = con.one("SELECT a.status FROM action_items a JOIN meetings m ON m.id = a.meeting_id"
                      " WHERE a.id = ? AND NOT a.removed AND ? IN (a.owner_id, m.author_id)", (action_id, person.id))
        if row is None:
            raise NotAllowed("Only the action's owner or the minutes' author may close it.")
        if row["status"] != "open":
            raise Invalid({"status": f"This action is already {row['status']}."})
        now = utcnow()
        con.execute("UPDATE action_items SET status = ?, closed_at = ? WHERE id = ?", (to, now, action_id))
        con.execute("INSERT INTO action_events (action_id, actor_id, from_status, to_status, note, created_at)"
                    " VALUES (?, ?, 'open', ?, ?, ?)", (action_id, person.id, to, note, now))

    db.write(apply, lock=("action", action_id))
