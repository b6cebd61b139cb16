"""What each event tells whom: the messages of suggestion events (to the named author and the +1ers, to the
managers whose queue a suggestion enters or reaches, to chat channels) and of a regional review, as outbox rows.

A status change, a reply, a comment, an author's reply and a discussion in minutes cost their transaction one
small row (`outbox_events`: the event's number): the delivery worker writes the event's messages from it before it
delivers (`fan_out`), reading the event as stored, and removes the row in the same transaction. A crash before
that leaves the row, so the messages are written on the next run; each message's key (person and event) refuses a
second copy. Messages whose recipients the event itself changes are written at once, in the event's transaction:
a new suggestion's and an escalation's (the queues they reach) and a merge's (its +1s move away with it).

Nothing is ever addressed to an anonymous author (there is no address), and no message names one."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from board.feedback.workflow import KINDS as SUGGESTION_KINDS
from board.feedback.workflow import STATUS_LABELS
from board.notify import hooks
from board.notify.kinds import mode_sql
from board.notify.outbox import COLUMNS, Batch, next_digest_at
from board.org import settings as org_settings
from board.org.access import SCOPES, Person, in_scope
from board.org.people import person_sql
from board.store import Conn, Database

# --- the event hook: called by suggestions.record, in the transaction of the event -----------------------------

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
DEFERRED = ("status", "reply", "comment", "author_reply", "discussed")  # told by fan_out, from outbox_events
FAN_OUT_BATCH = 50  # events per transaction of fan_out: short transactions beside the app's writes

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
    it and the chat channels of its team or office. The common events only leave their number for fan_out."""
    if kind in DEFERRED:
        con.execute("INSERT INTO outbox_events (event_id) VALUES (?)", (event_id,))
        return
    event = Event(event_id, suggestion_id, actor_id, kind, from_value and str(from_value),
                  to_value and str(to_value), note or "", now)
    if kind == "submitted":
        _queued(con, event)
        return
    if kind == "escalated":
        # First: a +1er whose queue it reaches hears of it once (the same key), as an escalation to them.
        batch = Batch(con, now)
        _escalated_to_me(batch, event)
        batch.write()
    if kind in ROUTES:
        _tell_followers(con, event, ROUTES[kind])


# --- fan-out: the worker writes the deferred events' messages ---------------------------------------------------

def fan_out(db: Database) -> int:
    """Write the messages of every event waiting in outbox_events, a batch per transaction (the worker runs this
    before it delivers; Admin > Outbox before it lists); how many events were told."""
    told = 0
    while True:
        done = db.write(_fan_out_batch, lock=("outbox_events",))
        told += done
        if done < FAN_OUT_BATCH:
            return told


def _fan_out_batch(con: Conn) -> int:
    waiting = [r["event_id"] for r in con.rows("SELECT event_id FROM outbox_events ORDER BY event_id LIMIT ?",
                                               (FAN_OUT_BATCH,))]
    if not waiting:
        return 0
    marks = ", ".join("?" * len(waiting))
    stored = [Event(r["id"], r["suggestion_id"], r["actor_id"], r["kind"], r["from_value"], r["to_value"],
                    r["note"] or "", r["created_at"])
              for r in con.rows("SELECT id, suggestion_id, actor_id, kind, from_value, to_value, note, created_at"
                                f" FROM suggestion_events WHERE id IN ({marks}) ORDER BY id", waiting)]
    acts = _acts(con, [e for e in stored if e.kind == "status"])
    for event in stored:
        if event.kind == "status":
            steps = acts[(event.suggestion_id, event.now, event.actor_id)]
            if steps[-1]["id"] != event.id:
                continue  # an earlier step of a triage act: the last step tells the whole act
            event = replace(event, from_value=steps[0]["from_value"])
        _tell_followers(con, event, ROUTES[event.kind])
    con.execute(f"DELETE FROM outbox_events WHERE event_id IN ({marks})", waiting)
    return len(waiting)


def _acts(con: Conn, status_events: list[Event]) -> dict[tuple, list[dict]]:
    """The status steps of each triage act among the events (one actor, one suggestion, one moment: new ->
    acknowledged -> planned make one message, from the act's first status), read in one statement."""
    if not status_events:
        return {}
    suggestions = sorted({e.suggestion_id for e in status_events})
    moments = sorted({e.now for e in status_events})
    acts: dict[tuple, list[dict]] = {}
    for row in con.rows("SELECT id, suggestion_id, created_at, actor_id, from_value FROM suggestion_events"
                        f" WHERE kind = 'status' AND suggestion_id IN ({', '.join('?' * len(suggestions))})"
                        f" AND created_at IN ({', '.join('?' * len(moments))}) ORDER BY id",
                        (*suggestions, *moments)):
        acts.setdefault((row["suggestion_id"], row["created_at"], row["actor_id"]), []).append(row)
    return acts


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
    """The event's message to the named author and the +1ers but the actor, in one statement. A key already there
    (an escalation's +1er told as escalated_to_me; an event told again) adds nothing."""
    sql, params = _followers_insert(event, kind)
    daily = [row["id"] for row in con.rows(sql, params) if row["mode"] == "daily"]
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
    return (f"INSERT INTO outbox ({', '.join(COLUMNS)}) SELECT key, person_id, CAST(NULL AS INTEGER),"
            " CAST(? AS VARCHAR), subject, body, CAST(? AS VARCHAR), ?, mode, ? FROM ("
            "SELECT 'p' || CAST(p.id AS VARCHAR) || CAST(? AS VARCHAR) AS key, p.id AS person_id,"
            f" {subject_sql} AS subject, {body_sql} AS body, {mode} AS mode"
            " FROM people p JOIN suggestions s ON s.id = ?"
            f" LEFT JOIN notification_preferences np ON np.person_id = p.id AND np.kind = ?"
            f"{''.join(JOINS[j] for j in joins)} WHERE p.active AND p.id IS DISTINCT FROM ?"
            f" AND ({author}p.id IN (SELECT person_id FROM votes WHERE suggestion_id = ?))) q"
            " WHERE mode <> 'never' ON CONFLICT (key) DO NOTHING RETURNING id, mode",
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
