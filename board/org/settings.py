"""Organisation settings (anonymity threshold, acknowledgement SLA, categories), validated before saving."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from board.errors import Invalid
from board.org import audit
from board.org.access import Person, require
from board.store import Conn, Database
from board.text import clean

MIN_K = 3
DEFAULT_CATEGORIES = ("policy", "system", "process", "training", "product", "other")


@dataclass(frozen=True)
class Settings:
    anonymity_k: int = 5
    ack_sla_days: int = 5
    categories: tuple[str, ...] = field(default=DEFAULT_CATEGORIES)
    pulse_period_days: int = 14
    session_days: int = 7  # a built-in session ends this long after sign-in, however often it is used
    demo: bool = False


def load(db: Database) -> Settings:
    """The saved settings over the defaults."""
    with db.read() as con:
        return load_in(con)


def load_in(con: Conn) -> Settings:
    saved = {r["key"]: json.loads(r["value"]) for r in con.rows("SELECT key, value FROM settings")}
    known = {k: v for k, v in saved.items() if k in Settings.__dataclass_fields__}
    if "categories" in known:
        known["categories"] = tuple(known["categories"])
    return Settings(**known)


def validate(anonymity_k, ack_sla_days, categories, pulse_period_days=14, session_days=7) -> dict[str, str]:
    """{field: message} for each invalid value; empty when all are valid."""
    errors = {}
    if not isinstance(session_days, int) or not 1 <= session_days <= 30:
        errors["session_days"] = "A sign-in lasts a whole number of days from 1 to 30."
    if not isinstance(pulse_period_days, int) or not 7 <= pulse_period_days <= 91:
        errors["pulse_period_days"] = "A pulse period is a whole number of days from 7 to 91."
    if not isinstance(anonymity_k, int) or not MIN_K <= anonymity_k <= 50:
        errors["anonymity_k"] = f"Minimum group size must be a whole number from {MIN_K} to 50."
    if not isinstance(ack_sla_days, int) or not 1 <= ack_sla_days <= 60:
        errors["ack_sla_days"] = "Acknowledgement time must be a whole number of working days from 1 to 60."
    names = [clean(c) for c in categories]
    if not names or any(not c for c in names):
        errors["categories"] = "Give at least one category, one per line, none empty."
    elif len({c.lower() for c in names}) != len(names):
        errors["categories"] = "Each category may appear only once."
    elif any(len(c) > 40 for c in names) or len(names) > 30:
        errors["categories"] = "At most 30 categories of at most 40 characters each."
    return errors


def save(db: Database, actor: Person, *, anonymity_k, ack_sla_days, categories, pulse_period_days=14,
         session_days=7) -> Settings:
    """Validate and save the settings at once (admins only); nothing is saved when one is invalid."""
    require(actor, "admin_settings")
    errors = validate(anonymity_k, ack_sla_days, categories, pulse_period_days, session_days)
    if errors:
        raise Invalid(errors)
    values = {"anonymity_k": anonymity_k, "ack_sla_days": ack_sla_days, "categories": [clean(c) for c in categories],
              "pulse_period_days": pulse_period_days, "session_days": session_days}

    def apply(con: Conn) -> Settings:
        before = asdict(load_in(con))
        for key, value in values.items():
            put(con, key, value)
        changed = {k: v for k, v in values.items() if before[k] != (tuple(v) if k == "categories" else v)}
        audit.record(con, actor.id, "settings changed", json.dumps(changed))
        return load_in(con)

    return db.write(apply, lock=("settings",))


def put(con: Conn, key: str, value) -> None:
    """Store one setting inside the caller's transaction."""
    con.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()",
        (key, json.dumps(value)),
    )
