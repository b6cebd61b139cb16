"""Suggestions and anticipated problems: raise (named or anonymous), read within scope, +1, comment."""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from board import i18n
from board.clock import utcnow
from board.errors import Invalid, NotAllowed
from board.feedback import counts, receipts
from board.feedback.workflow import KINDS, LIKELIHOODS, OPEN
from board.i18n import N_, _
from board.notify import events
from board.org.access import Person, where
from board.org.people import team_size
from board.store import Conn, Database
from board.text import clean

TITLE = (3, 120)
DESCRIPTION = (10, 5000)
LONG_TEXT = 5000
COMMENT = (1, 2000)
PAGE = 25  # suggestions on one page of a list
NOT_VISIBLE = N_("You are not allowed to see this suggestion, or it does not exist.")
NOTIFY_KINDS = ("status", "reply", "escalated", "duplicate_votes", "discussed")
STOPWORDS = frozenset(
    "the and for with that this from have has are was were our not but can when they their them into about "
    "there which what will would should could been also more than then only very some your you its it's".split())


@dataclass(frozen=True, kw_only=True)
class Draft:
    """What an author typed into the raise form."""

    kind: str
    category: str
    title: str
    description: str
    customer_impact: str = ""
    proposed_solution: str = ""
    likelihood: str | None = None
    anonymous: bool = False
    office_level: bool = False
    language: str | None = None  # the language the author wrote in, as they said (one of i18n.SHIPPED), or None


@dataclass
class Receipt:
    """The outcome of a submission; `code` only for a new anonymous one (shown once, never stored). An anonymous
    one is held (no id yet) until the next day's release (board.release)."""

    id: int | None
    code: str | None = None
    repeated: bool = False
    held: bool = False


@dataclass
class Found:
    """A page of suggestions and how many matched in all."""

    rows: list[dict] = field(default_factory=list)
    total: int = 0


def checked_text(field: str, text: str | None, *, required: bool) -> str:
    """The cleaned text of a reply, comment or note; Invalid names the field when it is empty (if required)
    or longer than COMMENT allows."""
    text = clean(text)
    if required and not COMMENT[0] <= len(text) <= COMMENT[1]:
        raise Invalid({field: _("Write 1 to {most} characters.", most=COMMENT[1])})
    if len(text) > COMMENT[1]:
        raise Invalid({field: _("Write at most {most} characters.", most=COMMENT[1])})
    return text


def validate(draft: Draft, categories: tuple[str, ...]) -> dict[str, str]:
    """{field: message} for each invalid field of a draft."""
    errors = {}
    if draft.kind not in KINDS:
        errors["kind"] = _("Choose improvement or anticipated problem.")
    if draft.category not in categories:
        errors["category"] = _("Choose one of the categories.")
    for name, (low, high) in (("title", TITLE), ("description", DESCRIPTION)):
        length = len(clean(getattr(draft, name)))
        if not low <= length <= high:
            errors[name] = _("Write {low} to {high} characters (now {length}).", low=low, high=high, length=length)
    for name in ("customer_impact", "proposed_solution"):
        if len(clean(getattr(draft, name))) > LONG_TEXT:
            errors[name] = _("Write at most {most} characters.", most=LONG_TEXT)
    if draft.kind == "anticipated_problem" and draft.likelihood not in LIKELIHOODS:
        errors["likelihood"] = _("Say how real the problem is.")
    if draft.language is not None and draft.language not in i18n.SHIPPED:
        errors["language"] = _("Choose a language from the list.")
    return errors


def anonymity_at_risk(db: Database, person: Person, k: int) -> bool:
    """Whether the person's team is so small (fewer than k active people) that anonymity could be broken."""
    with db.read() as con:
        return team_size(con, person.team_id) < k


CONTENT = ("kind", "category", "title", "description", "customer_impact", "proposed_solution", "likelihood",
           "language")
ROUTING = ("team_id", "office_id", "region_id", "level")
RECEIPT = ("receipt_lookup", "receipt_hash", "submission_key")
COLUMNS = (*CONTENT, *ROUTING, *RECEIPT, "author_id", "anonymous", "created_at")
HELD_COLUMNS = ("id", *CONTENT, *ROUTING, *RECEIPT, "submitted_on")
INSERT_SQL = f"INSERT INTO suggestions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) RETURNING id"
HOLD_SQL = f"INSERT INTO held_suggestions ({', '.join(HELD_COLUMNS)}) VALUES ({', '.join('?' * len(HELD_COLUMNS))})"


def submit(db: Database, author: Person, draft: Draft, *, categories: tuple[str, ...], submission_key: str,
           now: datetime | None = None, language: str | None = None) -> Receipt:
    """Save a suggestion once per submission key. An anonymous one stores no trace of the author and is held,
    with its day only, until the next day's release. `language` (or the draft's): the language the author says
    they wrote in, one of i18n.SHIPPED, or None (not said); it is shown to whoever reads the suggestion."""
    if language is not None:
        draft = replace(draft, language=language)
    errors = validate(draft, categories)
    if errors:
        raise Invalid(errors)
    now = now or utcnow()
    office_level = draft.anonymous and draft.office_level
    fields = {"kind": draft.kind, "category": draft.category, "title": clean(draft.title),
              "description": clean(draft.description), "customer_impact": clean(draft.customer_impact),
              "proposed_solution": clean(draft.proposed_solution),
              "likelihood": draft.likelihood if draft.kind == "anticipated_problem" else None,
              "language": draft.language,
              "team_id": None if office_level else author.team_id, "office_id": author.office_id,
              "region_id": author.region_id, "level": "office" if office_level else "team"}
    code, lookup, digest = receipts.new_code() if draft.anonymous else (None, None, None)  # slow: before the lock

    def apply(con: Conn) -> Receipt:
        # One statement over both tables, so a release committing meanwhile cannot hide the first submission.
        existing = con.one("SELECT id AS suggestion_id, CAST(NULL AS VARCHAR) AS held_id FROM suggestions"
                           " WHERE submission_key = ? UNION ALL SELECT CAST(NULL AS INTEGER), id"
                           " FROM held_suggestions WHERE submission_key = ?", (submission_key, submission_key))
        if existing is not None:
            return Receipt(existing["suggestion_id"], repeated=True, held=existing["held_id"] is not None)
        if draft.anonymous:
            _hold(con, {**fields, "receipt_lookup": lookup, "receipt_hash": digest}, submission_key, now.date())
            return Receipt(None, code, held=True)
        suggestion_id = insert(con, {**fields, "receipt_lookup": None, "receipt_hash": None, "author_id": author.id,
                                     "anonymous": False, "submission_key": submission_key, "created_at": now})
        record(con, suggestion_id, author.id, "submitted", None, "new", "", now)
        return Receipt(suggestion_id)

    return db.write(apply, lock=("submission", submission_key))


def insert(con: Conn, row: dict) -> int:
    """Insert one suggestion (a value for each of COLUMNS), count it in the dashboards' summaries and return its
    id from the sequence."""
    suggestion_id = con.scalar(INSERT_SQL, tuple(row.get(column) if column == "language" else row[column]
                                                 for column in COLUMNS))
    counts.added(con, row)
    return suggestion_id


def _hold(con: Conn, fields: dict, submission_key: str, day: date) -> None:
    """Keep an anonymous suggestion for the next day's release: a random key, the day, no time, no person."""
    row = {"id": secrets.token_hex(16), **fields, "submission_key": submission_key, "submitted_on": day}
    con.execute(HOLD_SQL, tuple(row[column] for column in HELD_COLUMNS))


MILESTONES = {"acknowledged_at": ("acknowledged",), "resolved_at": ("implemented", "declined", "duplicate"),
              "implemented_at": ("implemented",)}


def milestones(to: str, now: datetime) -> dict[str, datetime]:
    """The milestone columns a move to status `to` sets (triage keeps a column once it is set)."""
    return {column: now for column, statuses in MILESTONES.items() if to in statuses}


def after_bulk_load(con: Conn) -> None:
    """What rows inserted in bulk (the demo, the benchmark) skipped: every suggestion's milestone columns from
    its status events, then the dashboards' summaries recounted."""
    fill_milestones(con)
    counts.rebuild(con)


def fill_milestones(con: Conn) -> None:
    """Set every suggestion's milestone columns from its status events."""
    firsts = ", ".join(f"min(created_at) FILTER (WHERE to_value IN ({', '.join('?' * len(statuses))})) AS {column}"
                       for column, statuses in MILESTONES.items())
    con.execute(f"UPDATE suggestions SET {', '.join(f'{c} = f.{c}' for c in MILESTONES)} FROM (SELECT suggestion_id,"
                f" {firsts} FROM suggestion_events WHERE kind = 'status' GROUP BY suggestion_id) f"
                " WHERE f.suggestion_id = suggestions.id", [s for statuses in MILESTONES.values() for s in statuses])


def record(con: Conn, suggestion_id: int, actor_id: int | None, kind: str, from_value, to_value,
           note: str, now: datetime) -> int:
    """Append one event and tell the author (if named) and the +1ers, except the actor, in the app and (the
    outbox) by email and chat as each chose."""
    event_id = con.scalar(
        "INSERT INTO suggestion_events (suggestion_id, actor_id, kind, from_value, to_value, note, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (suggestion_id, actor_id, kind, from_value, to_value, note, now))
    if kind == "escalated":
        counts.escalated(con, suggestion_id, to_value, now)
    if kind in NOTIFY_KINDS:
        con.execute(
            "INSERT INTO notifications (person_id, suggestion_id, event_id)"
            " SELECT DISTINCT person_id, ?, ? FROM ("
            "  SELECT author_id AS person_id FROM suggestions WHERE id = ? AND author_id IS NOT NULL"
            "  UNION SELECT person_id FROM votes WHERE suggestion_id = ?) s"
            " WHERE person_id IS DISTINCT FROM ?",
            (suggestion_id, event_id, suggestion_id, suggestion_id, actor_id))
    events.suggestion_event(con, event_id, suggestion_id, actor_id, kind, from_value, to_value, note, now)
    return event_id


# --- reading, within the reader's scope -------------------------------------------------

def summary_sql(*, details: bool = False, waiting: bool = False) -> str:
    """SELECT ... FROM suggestions s (with its office, team, author, owner and +1s), before any WHERE: each
    suggestion in summary; `details` adds the full text, `waiting` (first) the days since it was raised and the
    latest reply."""
    return (
        "SELECT"
        + (" CAST(CAST(now() AS TIMESTAMP) AS DATE) - CAST(s.created_at AS DATE) AS days_waiting,"
           " (SELECT note FROM suggestion_events e WHERE e.suggestion_id = s.id"
           "  AND e.kind = 'reply' ORDER BY e.id DESC LIMIT 1) AS latest_reply," if waiting else "")
        + " s.id,"
        + (" s.description, s.customer_impact, s.proposed_solution, s.likelihood," if details else "")
        + """ s.kind, s.category, s.title, s.status, s.level, s.anonymous, s.created_at, s.due_date, s.language,
       s.duplicate_of, s.team_id, s.office_id, s.region_id, s.author_id, s.owner_id,
       CASE WHEN s.anonymous THEN 'Anonymous' ELSE a.name END AS author,
       coalesce(t.name, 'whole office') AS team, o.name AS office, ow.name AS owner,
       (SELECT count(*) FROM votes v WHERE v.suggestion_id = s.id) AS votes
FROM suggestions s JOIN offices o ON o.id = s.office_id
LEFT JOIN teams t ON t.id = s.team_id LEFT JOIN people a ON a.id = s.author_id
LEFT JOIN people ow ON ow.id = s.owner_id
""")


def get(db: Database, viewer: Person, suggestion_id: int) -> dict:
    """One suggestion in full, if the viewer's scope covers it; NotAllowed otherwise (no data read)."""
    condition, params = where(viewer, "read_suggestions")
    with db.read() as con:
        row = con.one(summary_sql(details=True) + f" WHERE s.id = ? AND {condition}", (suggestion_id, *params))
        if row is None:
            raise NotAllowed(_(NOT_VISIBLE))
        row["voted"] = bool(con.scalar("SELECT count(*) FROM votes WHERE suggestion_id = ? AND person_id = ?",
                                       (suggestion_id, viewer.id)))
    return shown(row)


def shown(row: dict) -> dict:
    """A suggestion row (summary_sql's) with the words the query fills in for a hidden author and a suggestion of
    the whole office in the viewer's language (the query writes them in English)."""
    if row.get("anonymous") and row.get("author") == "Anonymous":
        row["author"] = _("Anonymous")
    if row.get("team_id") is None and row.get("team") == "whole office":
        row["team"] = _("whole office")
    return row


def timeline(db: Database, suggestion_id: int) -> list[dict]:
    """Every event of a suggestion in the order it was recorded, with the actor's name ('Anonymous author' when
    hidden). By id, not time: the anonymous author's events carry their day's midnight and are recorded the day
    after, so by time they would come before the replies they answer."""
    with db.read() as con:
        return con.rows(
            "SELECT e.id, e.actor_id, e.created_at, e.kind, e.from_value, e.to_value, e.note,"
            " CASE WHEN e.actor_id IS NULL THEN"
            "   CASE WHEN e.kind IN ('submitted', 'author_reply', 'escalated') THEN 'Anonymous author'"
            "   ELSE 'system' END"
            " ELSE p.name END AS actor"
            " FROM suggestion_events e LEFT JOIN people p ON p.id = e.actor_id"
            " WHERE e.suggestion_id = ? ORDER BY e.id", (suggestion_id,))


def browse(db: Database, viewer: Person, *, status: str | None = None, category: str | None = None,
           kind: str | None = None, text: str = "", limit: int = 100, offset: int = 0) -> Found:
    """Suggestions in the viewer's scope, newest first, filtered (text matches title or description): `limit`
    of them after the first `offset`, and how many matched in all."""
    condition, params = where(viewer, "read_suggestions")
    parts, args = [condition], list(params)
    for column, value in (("status", status), ("category", category), ("kind", kind)):
        if value:
            parts.append(f"s.{column} = ?")
            args.append(value)
    if clean(text):
        parts.append("(strpos(lower(s.title), ?) > 0 OR strpos(lower(s.description), ?) > 0)")
        args += [clean(text).lower()] * 2
    sql_where = " WHERE " + " AND ".join(parts)
    with db.read() as con:
        total = con.scalar("SELECT count(*) FROM suggestions s" + sql_where, args)
        rows = con.rows(summary_sql() + sql_where + " ORDER BY s.id DESC LIMIT ? OFFSET ?",
                        [*args, limit, max(offset, 0)])
    return Found([shown(row) for row in rows], total)


def discussed_in(db: Database, viewer: Person, suggestion_id: int) -> list[dict]:
    """The published minutes that link a suggestion in the viewer's scope (through one of their items) and that
    the viewer may read, newest meeting first: id, meeting_date."""
    from board.meetings.minutes import visible  # minutes imports this module (to record 'discussed' events)

    readable, minutes_params = visible(viewer)
    condition, params = where(viewer, "read_suggestions")
    with db.read() as con:
        return con.rows(
            "SELECT DISTINCT m.id, m.meeting_date FROM meetings m JOIN meeting_items i ON i.meeting_id = m.id"
            " JOIN item_links l ON l.item_id = i.id JOIN suggestions s ON s.id = l.suggestion_id"
            f" WHERE s.id = ? AND NOT i.removed AND {condition} AND {readable}"
            " ORDER BY m.meeting_date DESC, m.id DESC", (suggestion_id, *params, *minutes_params))


def keywords(text: str, limit: int = 12) -> list[str]:
    """The distinctive words of a text (lower case, 4+ letters, no stop words), longest first."""
    words = {w for w in re.findall(r"[^\W_]{4,}", clean(text).lower()) if w not in STOPWORDS}
    return sorted(words, key=lambda w: (-len(w), w))[:limit]


def similar(db: Database, viewer: Person, title: str, description: str, limit: int = 5) -> list[dict]:
    """Up to `limit` open suggestions in the viewer's office sharing the most words (title counts double); `own`
    says the viewer raised it by name (nobody is offered a +1 on their own)."""
    words = keywords(f"{title} {description}")
    if not words:
        return []
    score = " + ".join(["(CASE WHEN strpos(lt, ?) > 0 THEN 2 ELSE 0 END"
                        " + CASE WHEN strpos(ld, ?) > 0 THEN 1 ELSE 0 END)"] * len(words))
    open_states = ", ".join("?" * len(OPEN))
    with db.read() as con:  # lower-case each row once; count +1s only for the few best matches
        return con.rows(
            f"SELECT m.id, m.title, m.status, m.category, m.score, coalesce(m.author_id = ?, FALSE) AS own,"
            " (SELECT count(*) FROM votes v WHERE v.suggestion_id = m.id) AS votes FROM ("
            f"  SELECT id, title, status, category, author_id, {score} AS score FROM ("
            "   SELECT id, title, status, category, author_id, lower(title) AS lt, lower(description) AS ld"
            f"   FROM suggestions WHERE office_id = ? AND status IN ({open_states})) c) m"
            " WHERE m.score >= ? ORDER BY m.score DESC, m.id DESC LIMIT ?",
            (viewer.id, *[w for w in words for _ in (0, 1)], viewer.office_id, *OPEN, min(3, len(words)), limit))


def mine(db: Database, person: Person) -> list[dict]:
    """The person's named suggestions with status, owner, days waiting and the latest reply."""
    with db.read() as con:
        rows = con.rows(summary_sql(waiting=True) + " WHERE s.author_id = ? ORDER BY s.id DESC", (person.id,))
    return [shown(row) for row in rows]


def _in_scope(con: Conn, viewer: Person, suggestion_id: int) -> dict:
    condition, params = where(viewer, "read_suggestions")
    row = con.one(f"SELECT s.id, s.status, s.author_id FROM suggestions s WHERE s.id = ? AND {condition}",
                  (suggestion_id, *params))
    if row is None:
        raise NotAllowed(_(NOT_VISIBLE))
    return row


def vote(db: Database, person: Person, suggestion_id: int, *, own_anonymous: Collection[int] = ()) -> bool:
    """+1 once (True if counted now); not on your own suggestion, named or (`own_anonymous`: the ids this browser
    session opened with a follow-up code) anonymous; only on open ones in your scope."""
    def apply(con: Conn) -> bool:
        row = _in_scope(con, person, suggestion_id)
        if row["author_id"] == person.id or suggestion_id in own_anonymous:
            raise Invalid({"vote": _("You cannot +1 your own suggestion.")})
        if row["status"] not in OPEN:
            raise Invalid({"vote": _("Only open suggestions take +1s.")})
        added = con.scalar("INSERT INTO votes (suggestion_id, person_id) VALUES (?, ?)"
                           " ON CONFLICT DO NOTHING RETURNING 1", (suggestion_id, person.id))
        return bool(added)

    return db.write(apply, lock=("suggestion", suggestion_id))


def comment(db: Database, person: Person, suggestion_id: int, text: str, *, now: datetime | None = None) -> int:
    """Add a comment (1-2,000 characters) to a suggestion in the person's scope."""
    text = checked_text("comment", text, required=True)

    def apply(con: Conn) -> int:
        _in_scope(con, person, suggestion_id)
        return record(con, suggestion_id, person.id, "comment", None, None, text, now or utcnow())

    return db.write(apply, lock=("suggestion", suggestion_id))


# --- the anonymous author, through their follow-up code --------------------------------

HELD_SQL = """
SELECT h.id AS held_id, h.kind, h.category, h.title, h.description, h.customer_impact, h.proposed_solution,
       h.likelihood, h.level, h.submitted_on, h.language, h.team_id, coalesce(t.name, 'whole office') AS team,
       o.name AS office
FROM held_suggestions h JOIN offices o ON o.id = h.office_id LEFT JOIN teams t ON t.id = h.team_id
WHERE h.id = ?
"""


def follow(db: Database, person: Person, code: str, *, now: datetime | None = None,
           tried: list[datetime] | None = None) -> dict:
    """What an anonymous author sees through their code (the code is the only check; `tried` is the browser
    session's wrong attempts): the suggestion and its history, or a held one's text, and what they wrote
    that waits for the next release (`waiting`)."""
    opened = receipts.open_code(db, code, now=now or utcnow(), tried=tried)
    with db.read() as con:
        if opened.held_id is not None:
            held = con.one(HELD_SQL, (opened.held_id,))
            assert held is not None, "the code was just matched to this held suggestion"
            row = shown({**held, "held": True, "id": None, "timeline": []})
        else:
            released = con.one(summary_sql(details=True) + " WHERE s.id = ?", (opened.suggestion_id,))
            assert released is not None, "the code was just matched to this suggestion, and none is ever deleted"
            row = shown({**released, "held": False})
        row["waiting"] = con.rows(
            "SELECT kind, note, written_on FROM held_author_events WHERE suggestion_id = ? OR held_id = ?"
            " ORDER BY position", (opened.suggestion_id, opened.held_id))
    if not row["held"]:
        assert opened.suggestion_id is not None, "a code that opened no held suggestion opened a released one"
        row["timeline"] = timeline(db, opened.suggestion_id)
    return row


def hold_author_event(con: Conn, opened: receipts.Opened, kind: str, note: str, day: date) -> str:
    """Keep what an anonymous author wrote or did (a reply, an escalation) for the next day's release."""
    position = con.scalar("SELECT count(*) FROM held_author_events WHERE suggestion_id = ? OR held_id = ?",
                          (opened.suggestion_id, opened.held_id)) + 1
    key = secrets.token_hex(16)
    con.execute("INSERT INTO held_author_events (id, suggestion_id, held_id, kind, note, written_on, position)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, opened.suggestion_id, opened.held_id, kind, note, day, position))
    return key


def author_reply(db: Database, person: Person, code: str, text: str, *, now: datetime | None = None,
                 tried: list[datetime] | None = None) -> str:
    """The anonymous author answers through their code; nothing about them is stored, and the reply waits
    (with its day only) for the next day's release, so its time cannot point at them."""
    text = checked_text("reply", text, required=True)
    now = now or utcnow()
    opened = receipts.open_code(db, code, now=now, tried=tried)
    return db.write(lambda con: hold_author_event(con, opened, "author_reply", text, now.date()),
                    lock=("author", opened.suggestion_id, opened.held_id))
