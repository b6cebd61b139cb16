"""Each person's choice, per kind of message, of how they receive it: immediately, in a daily digest, or never.
A kind without a saved choice takes the role's default (board.notify.kinds)."""

from __future__ import annotations

from datetime import datetime

from board.clock import utcnow
from board.errors import Invalid
from board.i18n import N_, _
from board.notify.kinds import KINDS, MODES, NOW_OR_NEVER, ROLE_KINDS, allowed_modes, mode_for
from board.org.access import Person
from board.store import Conn, Database

NOT_YOURS = N_("This is not a kind of message your role receives.")


def chosen_in(con: Conn, person_id: int) -> dict[str, str]:
    """The choices a person saved, by kind."""
    return {r["kind"]: r["mode"] for r in con.rows(
        "SELECT kind, mode FROM notification_preferences WHERE person_id = ?", (person_id,))}


def get(db: Database, person: Person) -> dict[str, str]:
    """How the person receives each kind their role receives, in the order of the form: their choice or the
    default."""
    with db.read() as con:
        chosen = chosen_in(con, person.id)
    return {kind: mode_for(person.role, kind, chosen.get(kind)) for kind in ROLE_KINDS.get(person.role, ())}


def validate(role: str, choices: dict[str, str]) -> dict[str, str]:
    """{kind: message} for each choice that cannot be saved: a kind the role does not receive, a mode the kind
    does not offer."""
    errors = {}
    for kind, mode in choices.items():
        if kind not in ROLE_KINDS.get(role, ()):
            errors[kind] = _(NOT_YOURS)
        elif mode not in allowed_modes(kind):
            errors[kind] = (_("Choose immediately or never.") if kind in NOW_OR_NEVER
                            else _("Choose immediately, in a daily digest, or never."))
    return errors


def set_in(con: Conn, person_id: int, kind: str, mode: str, now: datetime) -> None:
    """Save one choice inside the caller's transaction."""
    assert kind in KINDS and mode in MODES, "validated by the caller"
    con.execute("INSERT INTO notification_preferences (person_id, kind, mode, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (person_id, kind) DO UPDATE SET mode = excluded.mode, updated_at = excluded.updated_at",
                (person_id, kind, mode, now))


def save(db: Database, person: Person, choices: dict[str, str], *, now: datetime | None = None) -> dict[str, str]:
    """Save the person's choices, all or nothing (Invalid names each field that cannot be saved); how they now
    receive each kind."""
    errors = validate(person.role, choices)
    if errors:
        raise Invalid(errors)
    now = now or utcnow()

    def apply(con: Conn) -> None:
        for kind, mode in choices.items():
            set_in(con, person.id, kind, mode, now)

    db.write(apply, lock=("notification_preferences", person.id))
    return get(db, person)
