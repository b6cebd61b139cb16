"""Action items from minutes: my actions, a unit's open actions, one action with its history, closing one."""

from __future__ import annotations

from datetime import date

from board.clock import utcnow
from board.errors import Invalid, NotAllowed
from board.feedback.suggestions import checked_text, clean
from board.org.access import Person, where
from board.store import Conn, Database

STATUS_LABELS = {"open": "Open", "done": "Done", "dropped": "Dropped"}
SHOW = {"open": "Open", "done": "Done", "dropped": "Dropped", "all": "All"}  # what My actions lists

ACTION_SQL = """
SELECT a.id, a.description, a.due_date, a.status, a.closed_at, a.owner_id, p.name AS owner,
       m.id AS meeting_id, m.meeting_date, m.author_id, m.office_id, coalesce(m.team_id, 0) AS team_id,
       coalesce(t.name || ' team, ' || o.name, o.name || ' office') AS unit,
       a.status = 'open' AND a.due_date < ? AS overdue
FROM action_items a JOIN meetings m ON m.id = a.meeting_id JOIN people p ON p.id = a.owner_id
JOIN offices o ON o.id = m.office_id LEFT JOIN teams t ON t.id = m.team_id
WHERE NOT a.removed AND m.status = 'published'
"""


def due_words(row: dict, today: date) -> str:
    """When an action is due, in words: "due 09 Dec 2026", "due today", "overdue by 3 days", or, once closed,
    "done on 03 Dec 2026" (the day it was closed)."""
    if row["status"] != "open":
        closed = row["closed_at"]
        return f"{row['status']} on {closed:%d %b %Y}" if closed else row["status"]
    days = (row["due_date"] - today).days
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    if days > 0:
        return f"due {row['due_date']:%d %b %Y}"
    return f"overdue by {-days} day{'' if days == -1 else 's'}"


def mine(db: Database, person: Person, *, today: date, status: str = "open", overdue_only: bool = False) -> list[dict]:
    """The person's action items of a status (SHOW: "all" for every one), soonest due first."""
    if status not in SHOW:
        raise Invalid({"status": "Choose open, done, dropped or all."})
    condition, params = _narrowed(status=status, overdue_only=overdue_only, today=today)
    with db.read() as con:
        return con.rows(ACTION_SQL + f" AND a.owner_id = ?{condition} ORDER BY a.due_date, a.id",
                        (today, person.id, *params))


def team_open(db: Database, manager: Person, *, today: date, office_id: int | None = None,
              team_id: int | None = None, owner_id: int | None = None, overdue_only: bool = False) -> list[dict]:
    """Open actions from meetings of the manager's unit (a regional manager: their region's; a leader: all),
    soonest due first; narrowed to one unit (team_id 0: the office's own meetings), one owner, or the overdue."""
    condition, params = where(manager, "team_actions", "m")
    narrowed, extra = _narrowed(status="open", overdue_only=overdue_only, today=today, office_id=office_id,
                                team_id=team_id, owner_id=owner_id)
    with db.read() as con:
        return con.rows(ACTION_SQL + f" AND {condition}{narrowed} ORDER BY a.due_date, a.id",
                        (today, *params, *extra))


def team_units(db: Database, manager: Person, *, today: date) -> list[dict]:
    """The units with open actions in the manager's scope: how many are open and overdue, most overdue first."""
    condition, params = where(manager, "team_actions", "m")
    with db.read() as con:
        return con.rows(
            f"SELECT office_id, team_id, unit, count(*) AS open, count(*) FILTER (WHERE overdue) AS overdue"
            f" FROM ({ACTION_SQL} AND a.status = 'open' AND {condition}) x"
            " GROUP BY office_id, team_id, unit ORDER BY overdue DESC, open DESC, unit", (today, *params))


def team_owners(db: Database, manager: Person, *, today: date) -> list[dict]:
    """The people owning open actions in the manager's scope, by name, with how many each owns."""
    condition, params = where(manager, "team_actions", "m")
    with db.read() as con:
        return con.rows(f"SELECT owner_id, owner, count(*) AS open FROM ({ACTION_SQL} AND a.status = 'open'"
                        f" AND {condition}) x GROUP BY owner_id, owner ORDER BY owner, owner_id", (today, *params))


def _narrowed(*, status: str, overdue_only: bool, today: date, office_id: int | None = None,
              team_id: int | None = None, owner_id: int | None = None) -> tuple[str, tuple]:
    parts: list[str] = []
    params: list[object] = []
    if status != "all":
        parts.append("a.status = ?")
        params.append(status)
    if overdue_only:
        parts.append("a.status = 'open' AND a.due_date < ?")
        params.append(today)
    for column, value in (("m.office_id", office_id), ("coalesce(m.team_id, 0)", team_id), ("a.owner_id", owner_id)):
        if value is not None:
            parts.append(f"{column} = ?")
            params.append(value)
    return "".join(f" AND {p}" for p in parts), tuple(params)


def get(db: Database, viewer: Person, action_id: int, *, today: date) -> dict:
    """One action item, for its owner or anyone who may read its meeting's minutes (else NotAllowed), with its
    history (`events`, oldest first: who changed it, to what, with which note) and whether the viewer may close it."""
    condition, params = where(viewer, "read_minutes", "m", refuse=False)
    with db.read() as con:
        row = con.one(ACTION_SQL + f" AND a.id = ? AND (a.owner_id = ? OR {condition})",
                      (today, action_id, viewer.id, *params))
        if row is None:
            raise NotAllowed("You are not allowed to read this action, or it does not exist.")
        row["events"] = con.rows(
            "SELECT e.created_at, e.from_status, e.to_status, e.note, p.name AS actor FROM action_events e"
            " LEFT JOIN people p ON p.id = e.actor_id WHERE e.action_id = ? ORDER BY e.created_at, e.id",
            (action_id,))
    row["can_close"] = row["status"] == "open" and viewer.id in (row["owner_id"], row["author_id"])
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
