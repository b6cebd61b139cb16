"""The outbox: each message is a row written in the transaction of the event that causes it, once per recipient
and cause (its key), for the delivery worker to send; the event hooks that write those rows; what admins read.

Nothing is ever addressed to an anonymous author (there is no address), and no message names one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from board.clock import utcnow
from board.errors import Invalid, NotFound
from board.feedback.workflow import KINDS as SUGGESTION_KINDS
from board.feedback.workflow import STATUS_LABELS
from board.notify import hooks
from board.notify.kinds import mode_for, mode_sql
from board.org import settings as org_settings
from board.org.access import SCOPES, Person, in_scope, require
from board.org.people import person_sql
from board.store import Conn, Database

PAGE = "admin_outbox"
COLUMNS = ("key", "person_id", "hook_id", "kind", "subject", "body", "link", "created_at", "mode", "next_at")
STATE_LABELS = {"pending": "Waiting", "sending": "Sending", "sent": "Sent", "failed": "Failed",
                "local": "Kept here (no mail server)", "skipped": "Not sent (recipient left or opted out)",
                "digested": "Sent in a daily digest"}
HIDDEN = "Hidden: pulse reminders are never listed by person"


def next_digest_at(now: datetime, settings: org_settings.Settings | None = None) -> datetime:
    """The next daily digest after `now`: digest_hour:00 in the organisation's time zone, as UTC without a zone."""
    settings = settings or org_settings.Settings()
    try:
        zone = ZoneInfo(settings.time_zone)
    except (ZoneInfoNotFoundError, ValueError):  # a status change must not fail over a setting
        zone = ZoneInfo("UTC")
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


# --- the event hooks: called by the services, in the transaction of the event ---------------------------------

ROUTES = {"status": "status", "escalated": "status", "duplicate_votes": "status", "reply": "reply",
          "comment": "reply", "author_reply": "reply", "discussed": "discussed"}
BY_AUTHOR = ("author_reply", "escalated", "submitted")  # the events an anonymous author makes (actor NULL)
LEVEL_WORDS = {"team": "the team", "office": "the office", "region": "the region", "leadership": "leadership"}

# Follower messages are written once in Python with these marks where each recipient's own values go (the
# suggestion's title, the actor's name, "which you raised" or "which you +1'd"), and one INSERT ... SELECT fills
# them in for every recipient: a status change costs one statement more. No stored text holds \x1e (clean()
# drops it). mark -> its SQL; its parameters; the join it needs.
SLOT_SQL = {"title": "s.title", "actor": "a.name", "original": "d.title", "original_id": "CAST(d.id AS VARCHAR)",
            "yours": "CASE WHEN p.id = s.author_id THEN CAST(? AS VARCHAR) ELSE CAST(? AS VARCHAR) END"}
SLOT_ARGS = {"yours": ("which you raised", "which you +1'd")}
SLOT_JOIN = {"actor": "a", "original": "d", "original_id": "d"}
MARK = {name: f"\x1e{name}\x1e" for name in SLOT_SQL}
JOINS = {"a": " LEFT JOIN people a ON a.id = ?",
         "d": " LEFT JOIN suggestions d ON d.id = coalesce(CAST(? AS INTEGER), s.duplicate_of)"}

# The status steps of one triage act already told, per transaction (each try of a write has its own Conn):
# (suggestion, time) -> (the status the act started from, the rows of the last step).
_ACTS: WeakKeyDictionary[Conn, dict[tuple[int, datetime], tuple[str, list[int]]]] = WeakKeyDictionary()

SUGGESTION_SQL = """
SELECT s.id, s.kind, s.category, s.title, s.status, s.level, s.team_id, s.office_id, s.region_id,
       s.anonymous, t.name AS team, o.name AS office, a.name AS actor
FROM suggestions s JOIN offices o ON o.id = s.office_id LEFT JOIN teams t ON t.id = s.team_id
LEFT JOIN people a ON a.id = ?
WHERE s.id = ?
"""


@dataclass(frozen=True)
class Event:
    """One suggestion event as record() wrote it."""

    id: int
    suggestion_id: int
    actor_id: int | None
    kind: str
    from_value: str | None
    to_value: str | None
    note: str
    now: datetime

    def who(self, actor: str | None) -> str:
        """Who did it, in words: a named person's name; 'The author' for an anonymous author's own act."""
        return actor or ("The author" if self.kind in BY_AUTHOR else "Someone")


def suggestion_event(con: Conn, event_id: int, suggestion_id: int, actor_id: int | None, kind: str,
                     from_value, to_value, note: str, now: datetime) -> None:
    """Tell whoever should hear of a suggestion event (suggestions.record calls this for every event): the named
    author and the +1ers, never the actor; on escalation also the managers whose queue it reaches; when a new
    suggestion enters a queue (a named one at once, an anonymous one at its release) the managers who may act on
    it and the chat channels of its team or office."""
    event = Event(event_id, suggestion_id, actor_id, kind, from_value and str(from_value),
                  to_value and str(to_value), note or "", now)
    if kind == "submitted":
        _queued(con, event)
        return
    route = ROUTES.get(kind)
    if route is None:
        return
    if kind == "escalated":
        # First: a +1er whose queue it reaches hears of it once (the same key), as an escalation to them.
        batch = Batch(con, now)
        _escalated_to_me(batch, event)
        batch.write()
    _tell_followers(con, event, route)


def _text_sql(text: str) -> tuple[str, list, set[str]]:
    """A message text with MARKs as SQL: its literal parts as parameters, each mark as its column; the joins its
    marks need."""
    sql: list[str] = []
    params: list = []
    joins: set[str] = set()
    for i, part in enumerate(re.split("\x1e(\\w+)\x1e", text)):
        if i % 2 and part in SLOT_SQL:
            sql.append(f"coalesce({SLOT_SQL[part]}, '')")
            params += SLOT_ARGS.get(part, ())
            joins |= {SLOT_JOIN[part]} if part in SLOT_JOIN else set()
        elif part:
            sql.append("CAST(? AS VARCHAR)")
            params.append(part)
    return " || ".join(sql) or "''", params, joins


def _tell_followers(con: Conn, event: Event, kind: str) -> None:
    """The event's message to the named author and the +1ers but the actor, in one statement. The steps of one
    triage act (new -> planned) make one message: each step replaces the last one's, from the act's first status.
    An event's rows are written with it, in its transaction, so its keys are new: a second write of the same
    event is refused by the key's uniqueness (only an escalation, whose +1ers may have had it as escalated_to_me,
    meets its own keys)."""
    acts = _ACTS.setdefault(con, {})
    act = (event.suggestion_id, event.now)
    if event.kind == "status" and act in acts:
        first, earlier = acts[act]
        if earlier:
            con.execute(f"DELETE FROM outbox WHERE id IN ({', '.join('?' * len(earlier))})", earlier)
        event = replace(event, from_value=first)
    sql, params = _followers_insert(event, kind)
    added = con.rows(sql, params)
    if event.kind == "status":
        acts[act] = (acts.get(act, (event.from_value or "", []))[0], [row["id"] for row in added])
    daily = [row["id"] for row in added if row["mode"] == "daily"]
    if daily:  # rare: only people who chose a digest for this kind
        at = next_digest_at(event.now, org_settings.load_in(con))
        con.execute(f"UPDATE outbox SET next_at = ? WHERE id IN ({', '.join('?' * len(daily))})", (at, *daily))


def _followers_insert(event: Event, kind: str) -> tuple[str, tuple]:
    """The INSERT ... SELECT of an event's messages to the named author and the +1ers (never the actor, never an
    inactive person), each with its message and mode, and its parameters. DuckDB plans every statement anew, and
    each join and union costs: people are filtered, not joined."""
    subject, body, link = _followers_message(event, {**MARK, "actor": MARK["actor"] if event.actor_id else None})
    subject_sql, subject_args, subject_joins = _text_sql(subject)
    body_sql, body_args, body_joins = _text_sql(body)
    mode, mode_args = mode_sql(kind)
    joins = sorted(subject_joins | body_joins)
    original = int(event.to_value) if event.kind == "duplicate_votes" and event.to_value \
        and event.to_value.isdigit() else None
    join_args = {"a": event.actor_id, "d": original}
    # A merge tells the +1ers where their +1s went; its author hears it with the status change to duplicate.
    author = "" if event.kind == "duplicate_votes" else "p.id = s.author_id OR "
    conflict = " ON CONFLICT (key) DO NOTHING" if event.kind == "escalated" else ""
    return (f"INSERT INTO outbox ({', '.join(COLUMNS)}) SELECT key, person_id, CAST(NULL AS INTEGER),"
            " CAST(? AS VARCHAR), subject, body, CAST(? AS VARCHAR), ?, mode, ? FROM ("
            "SELECT 'p' || CAST(p.id AS VARCHAR) || CAST(? AS VARCHAR) AS key, p.id AS person_id,"
            f" {subject_sql} AS subject, {body_sql} AS body, {mode} AS mode"
            " FROM people p JOIN suggestions s ON s.id = ?"
            f" LEFT JOIN notification_preferences np ON np.person_id = p.id AND np.kind = ?"
            f"{''.join(JOINS[j] for j in joins)} WHERE p.active AND p.id IS DISTINCT FROM ?"
            f" AND ({author}p.id IN (SELECT person_id FROM votes WHERE suggestion_id = ?))) q"
            f" WHERE mode <> 'never'{conflict} RETURNING id, mode",
            (kind, link, event.now, event.now, f":e{event.id}", *subject_args, *body_args, *mode_args,
             event.suggestion_id, kind, *(join_args[j] for j in joins), event.actor_id, event.suggestion_id))


def _quoted(event: Event, title: str) -> tuple[str, str]:
    """How a suggestion is named in a subject and in a sentence."""
    return f"Suggestion #{event.suggestion_id} '{title}'", f'suggestion #{event.suggestion_id} "{title}"'


def _followers_message(event: Event, row: dict) -> tuple[str, str, str]:
    """Subject, body and link of an event's message to the author or a +1er (`row`: title, actor, yours,
    original and original_id, as values or MARKs)."""
    named, sentence = _quoted(event, row["title"])
    who, yours = event.who(row["actor"]), row["yours"]
    link = f"suggestion?id={event.suggestion_id}"
    kind, old, new, note = event.kind, event.from_value or "", event.to_value or "", event.note
    if kind == "status":
        subject = f"{named} is now {STATUS_LABELS.get(new, new)}"
        body = f"{who} moved {sentence}, {yours}, from {STATUS_LABELS.get(old, old)} to {STATUS_LABELS.get(new, new)}."
        if new == "duplicate":
            body += (f" It repeats suggestion #{row['original_id']} \"{row['original']}\", where its +1s now"
                     " count.")
        if note:
            body += f"\n\n{'The reason' if new == 'declined' else 'Their note'}:\n{note}"
    elif kind == "escalated":
        subject = f"{named} was escalated to {LEVEL_WORDS.get(new, new)}"
        body = f"{who} escalated {sentence}, {yours}, from {LEVEL_WORDS.get(old, old)} to {LEVEL_WORDS.get(new, new)}."
        body += f"\n\nTheir note:\n{note}" if note else ""
    elif kind == "duplicate_votes":
        subject = f"{named} was merged into suggestion #{new}"
        body = f"{who} merged {sentence}, {yours}, into suggestion #{new} \"{row['original']}\": its +1s count there."
    elif kind == "discussed":
        subject = f"{named} was discussed in a meeting"
        body = (f"{note or 'Discussed in a meeting'}: {sentence}, {yours}.\n\nThe minutes: minutes?id={new}\n"
                f"The suggestion: {link}")
        link = f"minutes?id={new}"
    else:
        verb = {"comment": "commented on", "author_reply": "replied on"}.get(kind, "replied to")
        subject = f"{who} {verb} {sentence}"
        body = f"{who} {verb} {sentence}, {yours}:\n\n{note}"
    return subject, body, link


def _suggestion(con: Conn, event: Event) -> dict:
    row = con.one(SUGGESTION_SQL, (event.actor_id, event.suggestion_id))
    assert row is not None, "an event is recorded on an existing suggestion"
    row["place"] = f"{row['team']}, {row['office']}" if row["team"] else f"{row['office']} (whole office)"
    return row


def _queue_holders(con: Conn, row: dict, kind: str, *, before: str | None = None) -> list[dict]:
    """The active people whose triage queue holds the suggestion at its level (triage.QUEUE_LEVELS and the
    access rule 'triage_queue', the rule the queue itself uses), with their choice for `kind`; with `before`,
    only those whose queue did not hold it at that level."""
    from board.feedback.triage import QUEUE_LEVELS  # triage imports suggestions, which calls these hooks

    def holds(role: str, level: str | None) -> bool:
        return role in QUEUE_LEVELS and (QUEUE_LEVELS[role] is None or level in (QUEUE_LEVELS[role] or ()))

    roles = [role for role in QUEUE_LEVELS if holds(role, row["level"]) and not (before and holds(role, before))]
    if not roles:
        return []
    everywhere = [role for role in roles if SCOPES["triage_queue"].get(role) == "all"] or ["-"]
    # Every reach but 'all' lies within the person's region: the region's people are checked by in_scope.
    candidates = con.rows(
        f"SELECT q.*, np.mode AS chosen FROM ({person_sql()} WHERE p.active AND p.role IN"
        f" ({', '.join('?' * len(roles))}) AND (r.id = ? OR p.role IN ({', '.join('?' * len(everywhere))}))) q"
        " LEFT JOIN notification_preferences np ON np.person_id = q.id AND np.kind = ? ORDER BY q.id",
        (*roles, row["region_id"], *everywhere, kind))
    fields = Person.__dataclass_fields__
    return [c for c in candidates if in_scope(Person(**{k: c[k] for k in fields}), "triage_queue", row)]


def _queued(con: Conn, event: Event) -> None:
    """A new suggestion entered a queue: its managers (not the author) and its unit's chat channels hear of it."""
    row = _suggestion(con, event)
    named, sentence = _quoted(event, row["title"])
    link = f"suggestion?id={event.suggestion_id}"
    what = f"{SUGGESTION_KINDS.get(row['kind'], 'suggestion').lower()} ({row['category']}) in {row['place']}"
    raised_by = "anonymously" if row["anonymous"] or not row["actor"] else f"by {row['actor']}"
    body = f"A new {what}, raised {raised_by}: {sentence}."
    batch = Batch(con, event.now)
    for person in _queue_holders(con, row, "queue_new"):
        if person["id"] != event.actor_id:
            batch.person(person["id"], person["role"], person["chosen"], key=f"p{person['id']}:new:{row['id']}",
                         kind="queue_new", subject=f"New in your queue: {named}", body=body, link=link)
    for hook_id in hooks.for_unit(con, row["team_id"], row["office_id"]):  # a channel never names the author
        batch.hook(hook_id, key=f"h{hook_id}:e{event.id}", kind="queue_new", subject=f"New: {named}",
                   body=f"A new {what}: {sentence}.", link=link)
    batch.write()


def _escalated_to_me(batch: Batch, event: Event) -> None:
    """The escalation's message to the managers whose queue it now reaches."""
    row = _suggestion(batch.con, event)
    named, sentence = _quoted(event, row["title"])
    level = LEVEL_WORDS.get(event.to_value or "", event.to_value or "")
    body = (f"{event.who(row['actor'])} escalated {sentence} from {row['place']} to {level}; it is now in your"
            f" queue, {STATUS_LABELS.get(row['status'], row['status']).lower()}.")
    body += f"\n\nTheir note:\n{event.note}" if event.note else ""
    for person in _queue_holders(batch.con, row, "escalated_to_me", before=event.from_value):
        if person["id"] != event.actor_id:
            batch.person(person["id"], person["role"], person["chosen"], key=f"p{person['id']}:e{event.id}",
                         kind="escalated_to_me", subject=f"Escalated to you: {named}", body=body,
                         link=f"suggestion?id={event.suggestion_id}")


REVIEW_SQL = """
SELECT r.id, r.verdict, r.comment, r.reviewer_id, r.created_at, v.name AS reviewer, m.author_id, m.meeting_date,
       coalesce(t.name || ' team', o.name || ' office') AS unit, a.role, np.mode AS chosen
FROM meeting_reviews r JOIN meetings m ON m.id = r.meeting_id JOIN people v ON v.id = r.reviewer_id
JOIN people a ON a.id = m.author_id AND a.active JOIN offices o ON o.id = m.office_id
LEFT JOIN teams t ON t.id = m.team_id
LEFT JOIN notification_preferences np ON np.person_id = a.id AND np.kind = 'minutes_review'
WHERE r.meeting_id = ? ORDER BY r.id DESC LIMIT 1
"""


def minutes_reviewed(con: Conn, meeting_id: int) -> None:
    """Tell the minutes' author the regional review's verdict and comment (review.review calls this after
    recording it)."""
    from board.meetings.minutes import long_date  # minutes imports suggestions, which imports this module
    from board.meetings.review import VERDICTS

    row = con.one(REVIEW_SQL, (meeting_id,))
    if row is None or row["reviewer_id"] == row["author_id"]:
        return
    verdict, day = VERDICTS.get(row["verdict"], row["verdict"]), long_date(row["meeting_date"])
    body = f"{row['reviewer']} reviewed your minutes of the {row['unit']} meeting of {day}: {verdict.lower()}."
    body += f"\n\nTheir comment:\n{row['comment']}" if row["comment"] else ""
    batch = Batch(con, row["created_at"])
    batch.person(row["author_id"], row["role"], row["chosen"], key=f"p{row['author_id']}:review:{row['id']}",
                 kind="minutes_review", subject=f"Your minutes of {day} were reviewed: {verdict}", body=body,
                 link=f"minutes?id={meeting_id}")
    batch.write()


# --- Admin > Outbox --------------------------------------------------------------------------------------------

LISTING_SQL = f"""
SELECT x.id, x.kind, x.subject, x.body, x.link, x.state, x.mode, x.attempts, x.created_at, x.next_at, x.sent_at,
       x.last_error, x.person_id IS NOT NULL AS to_person, p.name, p.email, h.service, {hooks.PLACE_SQL} AS place
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
        to = HIDDEN
    elif row["to_person"]:
        to = f"{row['name']} <{row['email']}>"
    else:
        to = f"{hooks.SERVICES.get(row['service'], 'Chat')} channel, {row['place'] or 'since removed'}"
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
            raise NotFound("There is no such message.")
        if state != "failed":
            raise Invalid({"state": "Only a message that failed can be sent again."})
        con.execute("UPDATE outbox SET state = 'pending', next_at = ?, claimed_until = NULL WHERE id = ?",
                    (now, outbox_id))

    db.write(apply, lock=("outbox", outbox_id))
