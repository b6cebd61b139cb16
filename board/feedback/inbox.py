"""The inbox: updates on suggestions a person wrote (named) or +1'd, with an unread count."""

from __future__ import annotations

from board.clock import utcnow
from board.org.access import Person
from board.store import Database


def unread_count(db: Database, person: Person) -> int:
    with db.read() as con:
        return con.scalar("SELECT count(*) FROM notifications WHERE person_id = ? AND read_at IS NULL",
                          (person.id,))


def count(db: Database, person: Person) -> int:
    """How many updates the person has in all (read or not)."""
    with db.read() as con:
        return con.scalar("SELECT count(*) FROM notifications WHERE person_id = ?", (person.id,))


def updates(db: Database, person: Person, *, limit: int = 100, offset: int = 0) -> list[dict]:
    """The person's updates, newest first (`limit` of them after the first `offset`): which suggestion, what
    happened, who did it, read or not."""
    with db.read() as con:
        return con.rows(
            "SELECT n.id, n.suggestion_id, s.title, e.kind, e.from_value, e.to_value, e.note, e.created_at,"
            " coalesce(p.name, 'Anonymous author') AS actor, n.read_at IS NOT NULL AS read"
            " FROM notifications n JOIN suggestion_events e ON e.id = n.event_id"
            " JOIN suggestions s ON s.id = n.suggestion_id LEFT JOIN people p ON p.id = e.actor_id"
            " WHERE n.person_id = ? ORDER BY n.id DESC LIMIT ? OFFSET ?", (person.id, limit, max(offset, 0)))


def mark_all_read(db: Database, person: Person) -> None:
    db.write(lambda con: con.execute(
        "UPDATE notifications SET read_at = ? WHERE person_id = ? AND read_at IS NULL", (utcnow(), person.id)),
        lock=("inbox", person.id))
