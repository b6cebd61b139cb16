"""The outbox: each message is a row, once per recipient and cause (its key), for the delivery worker to send;
how rows are added (board.notify.events decides who hears of what); what admins read.

Nothing is ever addressed to an anonymous author (there is no address), and no message names one."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from board import i18n
from board.clock import utcnow
from board.errors import Invalid, NotFound
from board.i18n import N_, _, zone_info
from board.notify import hooks
from board.notify.kinds import mode_for
from board.org import settings as org_settings
from board.org.access import Person, require
from board.store import Conn, Database

PAGE = "admin_outbox"
COLUMNS = ("key", "person_id", "hook_id", "kind", "subject", "body", "link", "created_at", "mode", "next_at")
STATE_LABELS = {"pending": N_("Waiting"), "sending": N_("Sending"), "sent": N_("Sent"), "failed": N_("Failed"),
                "local": N_("Kept here (no mail server)"), "skipped": N_("Not sent (recipient left or opted out)"),
                "digested": N_("Sent in a daily digest")}
HIDDEN = N_("Hidden: pulse reminders are never listed by person")


# --- languages: a message is written in its recipient's language when its row is made ----------------------------

def default_locale(con: Conn) -> str:
    """The organisation's language (settings.default_locale): a chat channel's, and a person's who chose none."""
    stored = con.scalar("SELECT value FROM settings WHERE key = 'default_locale'")
    return i18n.known(json.loads(stored) if stored else None) or i18n.SOURCE


def locale_of(chosen: str | None, default: str) -> str:
    """The language a person's messages are written in: their own choice (people.locale), else the default."""
    return i18n.known(chosen) or default


def locales(con: Conn, person_ids) -> dict[int, str]:
    """The language of each person's messages, in one query (people.locale, else the organisation's default)."""
    ids = sorted({int(i) for i in person_ids})
    default = default_locale(con)
    if not ids:
        return {}
    chosen = {r["id"]: r["locale"] for r in con.rows(
        f"SELECT id, locale FROM people WHERE id IN ({', '.join('?' * len(ids))})", ids)}
    return {i: locale_of(chosen.get(i), default) for i in ids}


def languages_in_use(con: Conn) -> tuple[str, tuple[str, ...]]:
    """The organisation's default language, and the other languages people chose (those an event's messages may
    need besides the default), in one query."""
    found = con.rows("SELECT 'p' AS source, locale AS value FROM (SELECT DISTINCT locale FROM people"
                     " WHERE locale IS NOT NULL) chosen"
                     " UNION ALL SELECT 's', value FROM settings WHERE key = 'default_locale'")
    stored = next((r["value"] for r in found if r["source"] == "s"), None)
    default = i18n.known(json.loads(stored) if stored else None) or i18n.SOURCE
    others = sorted({i18n.known(r["value"]) or default for r in found if r["source"] == "p"} - {default})
    return default, tuple(others)


def next_digest_at(now: datetime, settings: org_settings.Settings | None = None) -> datetime:
    """The next daily digest after `now`: digest_hour:00 in the organisation's time zone, as UTC without a zone."""
    settings = settings or org_settings.Settings()
    zone = zone_info(settings.time_zone)  # a status change must not fail over a setting
    hour = settings.digest_hour
    day = now.replace(tzinfo=UTC).astimezone(zone).date()
    while True:
        at = datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
        if at > now:
            return at
        day += timedelta(days=1)


@dataclass
class Batch:
    """Rows for one INSERT, each person's mode decided from their choice or their role's default; the settings
    are read once, and only when a row goes to a daily digest."""

    con: Conn
    now: datetime
    settings: org_settings.Settings | None = None
    rows: list[tuple] = field(default_factory=list)

    def person(self, person_id: int, role: str, chosen: str | None, *, key: str, kind: str, subject: str,
               body: str, link: str | None) -> None:
        mode = mode_for(role, kind, chosen)
        if mode == "never":
            return
        if mode == "daily" and self.settings is None:
            self.settings = org_settings.load_in(self.con)
        next_at = next_digest_at(self.now, self.settings) if mode == "daily" else self.now
        self.rows.append((key, person_id, None, kind, subject, body, link, self.now, mode, next_at))

    def hook(self, hook_id: int, *, key: str, kind: str, subject: str, body: str, link: str | None) -> None:
        self.rows.append((key, None, hook_id, kind, subject, body, link, self.now, "now", self.now))

    def write(self) -> None:
        """Add the rows in one statement; a key already there adds nothing."""
        if not self.rows:
            return
        one = "(" + ", ".join("?" * len(COLUMNS)) + ")"
        self.con.execute(f"INSERT INTO outbox ({', '.join(COLUMNS)}) VALUES {', '.join([one] * len(self.rows))}"
                         " ON CONFLICT (key) DO NOTHING", [value for row in self.rows for value in row])
        self.rows = []


def enqueue(con: Conn, *, key: str, kind: str, subject: str, body: str, link: str | None, now: datetime,
            person_id: int | None = None, hook_id: int | None = None,
            settings: org_settings.Settings | None = None) -> bool:
    """Add one message inside the caller's transaction, for a person (as they chose to receive this kind; nothing
    for an inactive person or 'never') or a chat channel; True when a row was added (a key already there adds
    nothing)."""
    if (person_id is None) == (hook_id is None):
        raise ValueError("a message goes to a person or a chat channel")
    batch = Batch(con, now, settings)
    if person_id is not None:
        row = con.one("SELECT p.role, np.mode FROM people p LEFT JOIN notification_preferences np"
                      " ON np.person_id = p.id AND np.kind = ? WHERE p.id = ? AND p.active", (kind, person_id))
        if row is None:
            return False
        batch.person(person_id, row["role"], row["mode"], key=key, kind=kind, subject=subject, body=body, link=link)
    elif hook_id is not None:
        batch.hook(hook_id, key=key, kind=kind, subject=subject, body=body, link=link)
    if not batch.rows:
        return False
    one = "(" + ", ".join("?" * len(COLUMNS)) + ")"
    return bool(con.scalar(f"INSERT INTO outbox ({', '.join(COLUMNS)}) VALUES {one} ON CONFLICT (key) DO NOTHING"
                           " RETURNING 1", batch.rows[0]))


# --- Admin > Outbox --------------------------------------------------------------------------------------------

LISTING_SQL = """
SELECT x.id, x.kind, x.subject, x.body, x.link, x.state, x.mode, x.attempts, x.created_at, x.next_at, x.sent_at,
       x.last_error, x.person_id IS NOT NULL AS to_person, p.name, p.email, h.service, t.name AS team,
       o.name AS office
FROM outbox x LEFT JOIN people p ON p.id = x.person_id AND x.kind <> 'pulse_reminder'
LEFT JOIN chat_hooks h ON h.id = x.hook_id LEFT JOIN teams t ON t.id = h.team_id
LEFT JOIN offices o ON o.id = h.office_id
"""


def _filter(state: str | None, kind: str | None) -> tuple[str, list]:
    parts, args = ["TRUE"], []
    for column, value in (("state", state), ("kind", kind)):
        if value:
            parts.append(f"x.{column} = ?")
            args.append(value)
    return " AND ".join(parts), args


def listing(db: Database, admin: Person, *, state: str | None = None, kind: str | None = None, offset: int = 0,
            limit: int = 50) -> list[dict]:
    """Messages newest first (admins only): id, to (a person's name and address, or the channel and its place),
    kind, subject, body, link, state, mode, attempts, last_error and the times. A pulse reminder never shows its
    recipient, body or error: who has not answered is nobody's to read."""
    require(admin, PAGE)
    condition, args = _filter(state, kind)
    with db.read() as con:
        rows = con.rows(LISTING_SQL + f" WHERE {condition} ORDER BY x.id DESC LIMIT ? OFFSET ?",
                        (*args, limit, max(offset, 0)))
    return [_listed(row) for row in rows]


def count(db: Database, admin: Person, *, state: str | None = None, kind: str | None = None) -> int:
    """How many messages `listing` lists with the same filters, over all its pages (admins only)."""
    require(admin, PAGE)
    condition, args = _filter(state, kind)
    with db.read() as con:
        return con.scalar(f"SELECT count(*) FROM outbox x WHERE {condition}", args)


def _listed(row: dict) -> dict:
    reminder = row["kind"] == "pulse_reminder"
    if reminder:
        to = _(HIDDEN)
    elif row["to_person"]:
        to = f"{row['name']} <{row['email']}>"
    else:
        to = _("{service} channel, {place}", service=hooks.SERVICES.get(row["service"]) or _("Chat"),
               place=hooks.place_words(row["team"], row["office"]) if row["office"] else _("since removed"))
    keep = ("id", "kind", "subject", "link", "state", "mode", "attempts", "created_at", "next_at", "sent_at")
    return {**{k: row[k] for k in keep}, "to": to, "body": "" if reminder else row["body"],
            "last_error": None if reminder else row["last_error"]}


def counts(db: Database, admin: Person) -> dict[str, int]:
    """How many messages are in each state (admins only), every state named."""
    require(admin, PAGE)
    with db.read() as con:
        found = {r["state"]: r["n"] for r in con.rows("SELECT state, count(*) AS n FROM outbox GROUP BY state")}
    return {state: found.get(state, 0) for state in STATE_LABELS}


def retry(db: Database, admin: Person, outbox_id: int, *, now: datetime | None = None) -> None:
    """Send a failed message again (admins only): it waits for the worker's next round; its attempts are kept."""
    require(admin, PAGE)
    now = now or utcnow()

    def apply(con: Conn) -> None:
        state = con.scalar("SELECT state FROM outbox WHERE id = ?", (outbox_id,))
        if state is None:
            raise NotFound(_("There is no such message."))
        if state != "failed":
            raise Invalid({"state": _("Only a message that failed can be sent again.")})
        con.execute("UPDATE outbox SET state = 'pending', next_at = ?, claimed_until = NULL WHERE id = ?",
                    (now, outbox_id))

    db.write(apply, lock=("outbox", outbox_id))
