"""What each event tells whom: the messages of suggestion events (to the named author and the +1ers, to the
managers whose queue a suggestion enters or reaches, to chat channels) and of a regional review, as outbox rows.

A status change, a reply, a comment, an author's reply and a discussion in minutes cost their transaction one
small row (`outbox_events`: the event's number): the delivery worker writes the event's messages from it before it
delivers (`fan_out`), reading the event as stored, and removes the row in the same transaction. A crash before
that leaves the row, so the messages are written on the next run; each message's key (person and event) refuses a
second copy. Messages whose recipients the event itself changes are written at once, in the event's transaction:
a new suggestion's and an escalation's (the queues they reach) and a merge's (its +1s move away with it).

Nothing is ever addressed to an anonymous author (there is no address), and no message names one.

Each message is written in its recipient's language (people.locale, else the organisation's default_locale), and a
chat channel's in the organisation's: the languages are read once per event (once per fan-out batch), and the
followers' one INSERT picks each person's text by their language."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from board.feedback.workflow import KINDS as SUGGESTION_KINDS
from board.feedback.workflow import STATUS_LABELS
from board.i18n import N_, _, label, using
from board.notify import hooks
from board.notify.kinds import mode_sql
from board.notify.outbox import COLUMNS, Batch, default_locale, languages_in_use, locale_of, next_digest_at
from board.org import settings as org_settings
from board.org.access import SCOPES, Person, in_scope
from board.org.people import person_sql
from board.store import Conn, Database

# --- the event hook: called by suggestions.record, in the transaction of the event -----------------------------

ROUTES = {"status": "status", "escalated": "status", "duplicate_votes": "status", "reply": "reply",
          "comment": "reply", "author_reply": "reply", "discussed": "discussed"}
BY_AUTHOR = ("author_reply", "escalated", "submitted")  # the events an anonymous author makes (actor NULL)
LEVEL_WORDS = {"team": N_("the team"), "office": N_("the office"), "region": N_("the region"),
               "leadership": N_("leadership")}
T = TypeVar("T")
# The organisation's default language and the other languages people chose (outbox.languages_in_use).
Languages = tuple[str, tuple[str, ...]]

# Follower messages are written once in Python with these marks where each recipient's own values go (the
# suggestion's title, the actor's name, "which you raised" or "which you +1'd"), and one INSERT ... SELECT fills
# them in for every recipient: a status change costs one statement more. No stored text holds \x1e (clean()
# drops it). mark -> its SQL; its parameters; the join it needs.
SLOT_SQL = {"title": "s.title", "actor": "a.name", "original": "d.title", "original_id": "CAST(d.id AS VARCHAR)",
            "yours": "CASE WHEN p.id = s.author_id THEN CAST(? AS VARCHAR) ELSE CAST(? AS VARCHAR) END"}
SLOT_ARGS = {"yours": (N_("which you raised"), N_("which you +1'd"))}  # translated where the text is written
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
        return actor or (_("The author") if self.kind in BY_AUTHOR else _("Someone"))


def in_each(make: Callable[[], T]) -> Callable[[str], T]:
    """`make()` written in a language, once per language asked for (a message for many recipients)."""
    made: dict[str, T] = {}

    def written(locale: str) -> T:
        if locale not in made:
            with using(locale):
                made[locale] = make()
        return made[locale]

    return written


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
        _tell_followers(con, event, ROUTES[kind], languages_in_use(con))


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
    languages = languages_in_use(con)  # once for the batch
    for event in stored:
        if event.kind == "status":
            steps = acts[(event.suggestion_id, event.now, event.actor_id)]
            if steps[-1]["id"] != event.id:
                continue  # an earlier step of a triage act: the last step tells the whole act
            event = replace(event, from_value=steps[0]["from_value"])
        _tell_followers(con, event, ROUTES[event.kind], languages)
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


def _text_sql(text: str, locale: str | None = None) -> tuple[str, list, set[str]]:
    """A message text with MARKs as SQL: its literal parts as parameters, each mark as its column (a mark's own
    words in `locale`); the joins its marks need."""
    sql: list[str] = []
    params: list = []
    joins: set[str] = set()
    for i, part in enumerate(re.split("\x1e(\\w+)\x1e", text)):
        if i % 2 and part in SLOT_SQL:
            sql.append(f"coalesce({SLOT_SQL[part]}, '')")
            with using(locale):
                params += [_(arg) for arg in SLOT_ARGS.get(part, ())]
            joins |= {SLOT_JOIN[part]} if part in SLOT_JOIN else set()
        elif part:
            sql.append("CAST(? AS VARCHAR)")
            params.append(part)
    return " || ".join(sql) or "''", params, joins


def _tell_followers(con: Conn, event: Event, kind: str, languages: Languages) -> None:
    """The event's message to the named author and the +1ers but the actor, in one statement, each in their
    language. A key already there (an escalation's +1er told as escalated_to_me; an event told again) adds
    nothing."""
    sql, params = _followers_insert(event, kind, languages)
    daily = [row["id"] for row in con.rows(sql, params) if row["mode"] == "daily"]
    if daily:  # rare: only people who chose a digest for this kind
        at = next_digest_at(event.now, org_settings.load_in(con))
        con.execute(f"UPDATE outbox SET next_at = ? WHERE id IN ({', '.join('?' * len(daily))})", (at, *daily))


def _followers_insert(event: Event, kind: str, languages: Languages) -> tuple[str, tuple]:
    """The INSERT ... SELECT of an event's messages to the named author and the +1ers (never the actor, never an
    inactive person), each with its message in their language and mode, and its parameters. DuckDB plans every
    statement anew, and each join and union costs: people are filtered, not joined, and a text is chosen by
    language only when someone chose a language other than the organisation's."""
    default, others = languages

    written = in_each(lambda: _followers_message(event, {**MARK, "actor": MARK["actor"] if event.actor_id else None}))
    link = written(default)[2]
    subject_sql, subject_args, subject_joins = _by_language(
        {locale: written(locale)[0] for locale in (default, *others)}, default)
    body_sql, body_args, body_joins = _by_language(
        {locale: written(locale)[1] for locale in (default, *others)}, default)
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


def _by_language(texts: dict[str, str], default: str) -> tuple[str, list, set[str]]:
    """A message text written in each language as the SQL of one expression choosing by the person's language
    (p.locale; the default's text for anyone who chose none or the default), its parameters and joins."""
    sql, args, joins = _text_sql(texts[default], default)
    if len(texts) == 1:
        return sql, args, joins
    case, params = "CASE p.locale", []
    for locale, text in texts.items():
        if locale != default:
            when, when_args, when_joins = _text_sql(text, locale)
            case += f" WHEN CAST(? AS VARCHAR) THEN {when}"
            params += [locale, *when_args]
            joins = joins | when_joins
    return f"{case} ELSE {sql} END", [*params, *args], joins


def _quoted(event: Event, title: str) -> tuple[str, str]:
    """How a suggestion is named in a subject and in a sentence."""
    return (_("Suggestion #{number} '{title}'", number=event.suggestion_id, title=title),
            _('suggestion #{number} "{title}"', number=event.suggestion_id, title=title))


def _followers_message(event: Event, row: dict) -> tuple[str, str, str]:
    """Subject, body and link of an event's message to the author or a +1er (`row`: title, actor, yours,
    original and original_id, as values or MARKs)."""
    named, sentence = _quoted(event, row["title"])
    who, yours = event.who(row["actor"]), row["yours"]
    link = f"suggestion?id={event.suggestion_id}"
    kind, old, new, note = event.kind, event.from_value or "", event.to_value or "", event.note
    if kind == "status":
        subject = _("{suggestion} is now {status}", suggestion=named, status=label(STATUS_LABELS, new))
        body = _("{who} moved {suggestion}, {yours}, from {old} to {new}.", who=who, suggestion=sentence,
                 yours=yours, old=label(STATUS_LABELS, old), new=label(STATUS_LABELS, new))
        if new == "duplicate":
            body += " " + _('It repeats suggestion #{number} "{title}", where its +1s now count.',
                            number=row["original_id"], title=row["original"])
        if note:
            body += "\n\n" + (_("The reason:") if new == "declined" else _("Their note:")) + "\n" + note
    elif kind == "escalated":
        subject = _("{suggestion} was escalated to {level}", suggestion=named, level=label(LEVEL_WORDS, new))
        body = _("{who} escalated {suggestion}, {yours}, from {old} to {new}.", who=who, suggestion=sentence,
                 yours=yours, old=label(LEVEL_WORDS, old), new=label(LEVEL_WORDS, new))
        body += "\n\n" + _("Their note:") + "\n" + note if note else ""
    elif kind == "duplicate_votes":
        subject = _("{suggestion} was merged into suggestion #{number}", suggestion=named, number=new)
        body = _('{who} merged {suggestion}, {yours}, into suggestion #{number} "{title}": its +1s count there.',
                 who=who, suggestion=sentence, yours=yours, number=new, title=row["original"])
    elif kind == "discussed":
        subject = _("{suggestion} was discussed in a meeting", suggestion=named)
        body = (_("{note}: {suggestion}, {yours}.", note=note or _("Discussed in a meeting"), suggestion=sentence,
                  yours=yours) + "\n\n" + _("The minutes: {link}", link=f"minutes?id={new}") + "\n"
                + _("The suggestion: {link}", link=link))
        link = f"minutes?id={new}"
    elif kind == "comment":
        subject = _("{who} commented on {suggestion}", who=who, suggestion=sentence)
        body = _("{who} commented on {suggestion}, {yours}:", who=who, suggestion=sentence, yours=yours)
        body += "\n\n" + note
    elif kind == "author_reply":
        subject = _("{who} replied on {suggestion}", who=who, suggestion=sentence)
        body = _("{who} replied on {suggestion}, {yours}:", who=who, suggestion=sentence, yours=yours)
        body += "\n\n" + note
    else:
        subject = _("{who} replied to {suggestion}", who=who, suggestion=sentence)
        body = _("{who} replied to {suggestion}, {yours}:", who=who, suggestion=sentence, yours=yours)
        body += "\n\n" + note
    return subject, body, link


def _suggestion(con: Conn, event: Event) -> dict:
    row = con.one(SUGGESTION_SQL, (event.actor_id, event.suggestion_id))
    assert row is not None, "an event is recorded on an existing suggestion"
    return row


def _place(row: dict) -> str:
    """Where a suggestion was raised, in words: its team and office, or its office as a whole."""
    if row["team"]:
        return _("{team}, {office}", team=row["team"], office=row["office"])
    return _("{office} (whole office)", office=row["office"])


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
    link = f"suggestion?id={event.suggestion_id}"

    def write() -> tuple[str, str, str, str]:
        """(subject, body) to a manager, (subject, body) to a channel, in the current language."""
        named, sentence = _quoted(event, row["title"])
        kind = (_(SUGGESTION_KINDS[row["kind"]]) if row["kind"] in SUGGESTION_KINDS else _("suggestion")).lower()
        words = {"kind": kind, "category": row["category"], "place": _place(row), "suggestion": sentence}
        if row["anonymous"] or not row["actor"]:
            body = _("A new {kind} ({category}) in {place}, raised anonymously: {suggestion}.", **words)
        else:
            body = _("A new {kind} ({category}) in {place}, raised by {name}: {suggestion}.", name=row["actor"],
                     **words)
        return (_("New in your queue: {suggestion}", suggestion=named), body,
                _("New: {suggestion}", suggestion=named), _("A new {kind} ({category}) in {place}: {suggestion}.",
                                                             **words))

    written = in_each(write)
    batch = Batch(con, event.now)
    holders = [person for person in _queue_holders(con, row, "queue_new") if person["id"] != event.actor_id]
    channels = hooks.for_unit(con, row["team_id"], row["office_id"])
    default = default_locale(con) if holders or channels else ""
    for person in holders:
        subject, body, _channel_subject, _channel_body = written(locale_of(person["locale"], default))
        batch.person(person["id"], person["role"], person["chosen"], key=f"p{person['id']}:new:{row['id']}",
                     kind="queue_new", subject=subject, body=body, link=link)
    for hook_id in channels:  # a channel never names the author; it reads the organisation's language
        _subject, _body, subject, body = written(default)
        batch.hook(hook_id, key=f"h{hook_id}:e{event.id}", kind="queue_new", subject=subject, body=body, link=link)
    batch.write()


def _escalated_to_me(batch: Batch, event: Event) -> None:
    """The escalation's message to the managers whose queue it now reaches."""
    row = _suggestion(batch.con, event)

    def write() -> tuple[str, str]:
        named, sentence = _quoted(event, row["title"])
        body = _("{who} escalated {suggestion} from {place} to {level}; it is now in your queue, {status}.",
                 who=event.who(row["actor"]), suggestion=sentence, place=_place(row),
                 level=label(LEVEL_WORDS, event.to_value or ""), status=label(STATUS_LABELS, row["status"]).lower())
        body += "\n\n" + _("Their note:") + "\n" + event.note if event.note else ""
        return _("Escalated to you: {suggestion}", suggestion=named), body

    written = in_each(write)
    holders = [person for person in _queue_holders(batch.con, row, "escalated_to_me", before=event.from_value)
               if person["id"] != event.actor_id]
    default = default_locale(batch.con) if holders else ""
    for person in holders:
        subject, body = written(locale_of(person["locale"], default))
        batch.person(person["id"], person["role"], person["chosen"], key=f"p{person['id']}:e{event.id}",
                     kind="escalated_to_me", subject=subject, body=body, link=f"suggestion?id={event.suggestion_id}")


REVIEW_SQL = """
SELECT r.id, r.verdict, r.comment, r.reviewer_id, r.created_at, v.name AS reviewer, m.author_id, m.meeting_date,
       t.name AS team, o.name AS office, a.role, a.locale, np.mode AS chosen
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
    with using(locale_of(row["locale"], default_locale(con))):  # in the author's language
        verdict, day = label(VERDICTS, row["verdict"]), long_date(row["meeting_date"])
        unit = (_("{team} team", team=row["team"]) if row["team"] is not None
                else _("{office} office", office=row["office"]))
        body = _("{reviewer} reviewed your minutes of the {unit} meeting of {day}: {verdict}.",
                 reviewer=row["reviewer"], unit=unit, day=day, verdict=verdict.lower())
        body += "\n\n" + _("Their comment:") + "\n" + row["comment"] if row["comment"] else ""
        subject = _("Your minutes of {day} were reviewed: {verdict}", day=day, verdict=verdict)
    batch = Batch(con, row["created_at"])
    batch.person(row["author_id"], row["role"], row["chosen"], key=f"p{row['author_id']}:review:{row['id']}",
                 kind="minutes_review", subject=subject, body=body, link=f"minutes?id={meeting_id}")
    batch.write()
