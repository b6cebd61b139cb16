"""The audit log: who changed roles, settings and the roster, insert-only."""

from __future__ import annotations

from board.org.access import Person, require
from board.store import Conn, Database


def record(con: Conn, actor_id: int | None, action: str, detail: str = "") -> None:
    """Add one entry inside the caller's transaction."""
    con.execute(
        "INSERT INTO audit_log (actor_id, action, detail) VALUES (?, ?, ?)", (actor_id, action, detail)
    )


def recent(db: Database, viewer: Person, limit: int = 50) -> list[dict]:
    """The newest entries with the actor's name (admins only: changes to people, roles, settings, imports)."""
    require(viewer, "admin_people")
    with db.read() as con:
        return con.rows(
            "SELECT a.created_at, coalesce(p.name, 'system') AS actor, a.action, a.detail"
            " FROM audit_log a LEFT JOIN people p ON p.id = a.actor_id"
            " ORDER BY a.id DESC LIMIT ?",
            (limit,),
        )
