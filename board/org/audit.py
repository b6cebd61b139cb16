"""The audit log: who changed roles, settings and the roster, insert-only."""

from __future__ import annotations

from board.i18n import N_, _
from board.org.access import Person, require
from board.store import Conn, Database

# The actions the log records, as admins read them (stored in English; shown with `action_words`).
ACTIONS = frozenset({
    N_("settings changed"), N_("person changed"), N_("password set"), N_("password changed"),
    N_("password change: current wrong"), N_("sign-in failed"), N_("sign-in refused"), N_("roster imported"),
    N_("organisation imported"), N_("chat channel added"), N_("chat channel removed"), N_("demo mode ended"),
    N_("office calendar changed"), N_("holidays imported"), N_("personal data exported"),
    N_("personal data erased"),
})


def action_words(action: str) -> str:
    """An entry's action in the viewer's language (an action this list does not know, as stored)."""
    return _(action) if action in ACTIONS else action


def record(con: Conn, actor_id: int | None, action: str, detail: str = "") -> None:
    """Add one entry inside the caller's transaction."""
    con.execute(
        "INSERT INTO audit_log (actor_id, action, detail) VALUES (?, ?, ?)", (actor_id, action, detail)
    )


def recent(db: Database, viewer: Person, limit: int = 50) -> list[dict]:
    """The newest entries with the actor's name (admins only: changes to people, roles, settings, imports)."""
    require(viewer, "admin_people")
    with db.read() as con:
        rows = con.rows(
            "SELECT a.created_at, p.name AS actor, a.action, a.detail"
            " FROM audit_log a LEFT JOIN people p ON p.id = a.actor_id"
            " ORDER BY a.id DESC LIMIT ?",
            (limit,),
        )
    for row in rows:  # an entry no person made (a sign-in refused, an import from the command line)
        row["actor"] = row["actor"] if row["actor"] is not None else _("system")
    return rows
