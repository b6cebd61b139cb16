"""Personal data: a copy of everything stored about a person (for them, or for an admin, audited), and the erasure
of a person who has left, pseudonymised so the organisation's history and every figure stay true.

Nothing anonymous is anyone's to export, because nothing links it to them: anonymous suggestions and what their
authors write through their codes, held rows, follow-up codes, pulse answers and who answered. The export reads
only rows that name the person, so it adds no link, and it leaves out pulse reminders: a reminder says that the
person had not answered yet, which the pulse page shows them only for the moment they look."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from board import i18n
from board.clock import utcnow
from board.errors import Invalid, NotFound
from board.feedback.attachments import LABELS as FILE_LABELS
from board.feedback.workflow import KINDS, LEVEL_LABELS, LIKELIHOODS, STATUS_LABELS
from board.i18n import N_, _
from board.meetings.actions import STATUS_LABELS as ACTION_LABELS
from board.meetings.minutes import ITEM_KINDS, unit_words
from board.meetings.review import VERDICTS
from board.notify.kinds import KINDS as MESSAGE_KINDS
from board.notify.kinds import MODES, SHORT
from board.notify.outbox import STATE_LABELS
from board.org import audit
from board.org.access import ROLE_LABELS, Person, require
from board.org.people import ERASED_DOMAIN  # never routable: nothing can ever be sent to an erased person
from board.reporting.export import to_csv
from board.reporting.reports import readable_change
from board.store import Conn, Database

NOT_INCLUDED = N_("Anonymous suggestions, what you wrote through a follow-up code, your pulse answers and whether"
                  " you answered: nothing stored links them to you, so they cannot be found for you.")
EVENT_WORDS = {"submitted": N_("Raised it"), "status": N_("Changed its status"), "assigned": N_("Named its owner"),
               "due": N_("Set its due date"), "escalated": N_("Escalated it"),
               "discussed": N_("Discussed it in minutes"), "duplicate_votes": N_("Moved its +1s to the original"),
               "reply": N_("Replied"), "comment": N_("Commented")}
CONVERSATION = ("reply", "comment")
WHEN = "%Y-%m-%d %H:%M"


# --- export ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Export:
    """A person's data as sheets: title -> (file name, headers in words, rows). `json()` and `csv_zip()` are the two
    downloads."""

    made_at: datetime
    sheets: dict[str, tuple[str, tuple[str, ...], list[tuple]]]

    def records(self, title: str) -> list[dict]:
        _, headers, rows = self.sheets[title]
        return [dict(zip(headers, row, strict=True)) for row in rows]

    def json(self) -> bytes:
        return json.dumps({title: self.records(title) for title in self.sheets}, ensure_ascii=False,
                          indent=2).encode("utf-8")

    def csv_zip(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, headers, rows in self.sheets.values():
                archive.writestr(name, to_csv(pd.DataFrame(rows, columns=list(headers), dtype=object)))
        return buffer.getvalue()

    @property
    def file_stem(self) -> str:
        return f"personal-data-{self.made_at:%Y-%m-%d}"


def export(db: Database, viewer: Person, person_id: int, *, now: datetime | None = None) -> Export:
    """Everything stored about a person: for themselves, or for an admin (the audit log records who exported
    whom)."""
    now = now or utcnow()
    if viewer.id == person_id:
        require(viewer, "account")
        with db.read() as con:
            return _export(con, person_id, now)
    require(viewer, "admin_people")

    def audited(con: Conn) -> Export:
        copy = _export(con, person_id, now)
        audit.record(con, viewer.id, "personal data exported",
                     con.scalar("SELECT email FROM people WHERE id = ?", (person_id,)))
        return copy

    return db.write(audited)


def _export(con: Conn, person_id: int, now: datetime) -> Export:
    person = con.one("SELECT id, name, email FROM people WHERE id = ?", (person_id,))
    if person is None:
        raise NotFound(_("There is no such person."))
    # Titles, headers and words in the language of the person who asked for the copy; what people wrote as written.
    about = [(_("Made on"), _("{moment} UTC", moment=f"{now:{WHEN}}")),
             (_("Times"), _("All times are UTC, to the minute.")), (_("Not included"), _(NOT_INCLUDED))]
    sheets: dict[str, tuple[str, tuple[str, ...], list[tuple]]] = {
        _("About this copy"): ("about.csv", (_("Item"), _("Value")), list(about))}
    for title, (name, headers, read) in SHEETS.items():
        sheets[_(title)] = (name, tuple(_(h) for h in headers),
                            [tuple(_shown(v) for v in row) for row in read(con, person)])
    return Export(now, sheets)


def _word(labels: dict[str, str], key: str | None, default: str = "") -> str:
    """A constant label (N_-marked where it is defined) for a key, in the current language; `default` without one."""
    return _(labels[key]) if key is not None and key in labels else default


def _shown(value):
    """A value as the files give it: times to the minute, dates as days, yes/no, and nothing for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return f"{value:{WHEN}}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _account(con: Conn, p: dict) -> list[tuple]:
    row = con.one("SELECT p.name, p.email, p.role, t.name AS team, o.name AS office, r.name AS region, p.active,"
                  " p.locale,"
                  " p.created_at, p.updated_at, (SELECT count(*) FROM accounts a WHERE a.person_id = p.id) > 0 AS pw"
                  " FROM people p JOIN team_members tm ON tm.person_id = p.id JOIN teams t ON t.id = tm.team_id"
                  " JOIN offices o ON o.id = t.office_id JOIN regions r ON r.id = o.region_id WHERE p.id = ?",
                  (p["id"],))
    assert row is not None, "every person has a team"
    return [(row["name"], row["email"], _(ROLE_LABELS[row["role"]]), row["team"], row["office"], row["region"],
             row["active"], row["created_at"], row["updated_at"], row["pw"],
             i18n.language_name(row["locale"]) if row["locale"] else _("Your browser's language"))]


def _suggestions(con: Conn, p: dict) -> list[tuple]:
    return [(r["id"], r["created_at"], _word(KINDS, r["kind"], r["kind"]), r["category"], r["title"],
             r["description"], r["customer_impact"], r["proposed_solution"], _word(LIKELIHOODS, r["likelihood"]),
             _word(STATUS_LABELS, r["status"], r["status"]), _word(LEVEL_LABELS, r["level"], r["level"]),
             r["owner_id"] == p["id"], r["due_date"], i18n.language_of_text(r["language"]))
            for r in con.rows("SELECT * FROM suggestions WHERE author_id = ? AND NOT anonymous ORDER BY id",
                              (p["id"],))]


def _owned(con: Conn, p: dict) -> list[tuple]:
    return [(r["id"], _word(STATUS_LABELS, r["status"], r["status"]), r["due_date"]) for r in con.rows(
        "SELECT id, status, due_date FROM suggestions WHERE owner_id = ? ORDER BY id", (p["id"],))]


def _events(con: Conn, p: dict, conversation: bool) -> list[dict]:
    kinds = ", ".join("?" * len(CONVERSATION))
    return con.rows("SELECT suggestion_id, created_at, kind, from_value, to_value, note FROM suggestion_events"
                    f" WHERE actor_id = ? AND {'' if conversation else 'NOT '}kind IN ({kinds}) ORDER BY id",
                    (p["id"], *CONVERSATION))


def _comments(con: Conn, p: dict) -> list[tuple]:
    return [(r["suggestion_id"], r["created_at"], _word(EVENT_WORDS, r["kind"], r["kind"]), r["note"])
            for r in _events(con, p, True)]


def _changes(con: Conn, p: dict) -> list[tuple]:
    return [(r["suggestion_id"], r["created_at"], _word(EVENT_WORDS, r["kind"], _("Changed it")),
             _value(r["kind"], r["from_value"], p), _value(r["kind"], r["to_value"], p), r["note"])
            for r in _events(con, p, False)]


def _value(kind: str, value: str | None, p: dict) -> str:
    """An event's before or after value in words; an owner named by someone is "you" or "another person" (nothing
    of anyone else leaves with the copy)."""
    if value is None:
        return ""
    if kind == "assigned":
        return _("You") if value == p["name"] else _("Another person")
    if kind in ("status", "submitted"):
        return _word(STATUS_LABELS, value, value)
    if kind == "escalated":
        return _word(LEVEL_LABELS, value, value)
    if kind == "discussed":
        return _("Minutes #{number}", number=value)
    if kind == "duplicate_votes":
        return _("Suggestion #{number}", number=value)
    return value


def _votes(con: Conn, p: dict) -> list[tuple]:
    return [(r["suggestion_id"], r["created_at"]) for r in con.rows(
        "SELECT suggestion_id, created_at FROM votes WHERE person_id = ? ORDER BY created_at, suggestion_id",
        (p["id"],))]


def _minutes(con: Conn, p: dict) -> list[tuple]:
    rows = con.rows("SELECT m.id, m.meeting_date, m.status, m.author_id = ? AS wrote, m.chair_id = ? AS chaired,"
                    " ? = ANY(m.attendee_ids) AS attended,"
                    " t.name AS team, o.name AS office"
                    " FROM meetings m JOIN offices o ON o.id = m.office_id LEFT JOIN teams t ON t.id = m.team_id"
                    " WHERE m.author_id = ? OR m.chair_id = ? OR ? = ANY(m.attendee_ids) ORDER BY m.id",
                    (p["id"],) * 6)
    return [(r["id"], r["meeting_date"], unit_words(r["team"], r["office"]),
             _("Published") if r["status"] == "published" else _("Draft"),
             ", ".join(part for part, yes in ((_("Recorded them"), r["wrote"]), (_("Chair"), r["chaired"]),
                                              (_("Attended"), r["attended"])) if yes)) for r in rows]


def _items(con: Conn, p: dict) -> list[tuple]:
    """The items of the minutes the person recorded: published ones as they stand, and their drafts' working copy."""
    found = [(r["meeting_id"], _("Published"), _word(ITEM_KINDS, r["kind"]), r["discussed"], r["solution"])
             for r in con.rows("SELECT i.meeting_id, i.kind, i.discussed, i.solution FROM meeting_items i"
                               " JOIN meetings m ON m.id = i.meeting_id WHERE m.author_id = ? AND NOT i.removed"
                               " ORDER BY i.meeting_id, i.position", (p["id"],))]
    for draft in con.rows("SELECT id, draft FROM meetings WHERE author_id = ? AND status = 'draft' AND draft IS NOT"
                          " NULL ORDER BY id", (p["id"],)):
        items = json.loads(draft["draft"]).get("items", [])
        found += [(draft["id"], _("Draft"), _word(ITEM_KINDS, i.get("kind")), str(i.get("discussed") or ""),
                   str(i.get("solution") or "")) for i in items if isinstance(i, dict)]
    return found


def _versions(con: Conn, p: dict) -> list[tuple]:
    return [(r["meeting_id"], r["version"], r["created_at"]) for r in con.rows(
        "SELECT meeting_id, version, created_at FROM meeting_versions WHERE author_id = ? ORDER BY meeting_id,"
        " version", (p["id"],))]


def _reviews(con: Conn, p: dict) -> list[tuple]:
    return [(r["meeting_id"], r["created_at"], _word(VERDICTS, r["verdict"], r["verdict"]), r["comment"])
            for r in con.rows(
        "SELECT meeting_id, created_at, verdict, comment FROM meeting_reviews WHERE reviewer_id = ? ORDER BY id",
        (p["id"],))]


def _actions(con: Conn, p: dict) -> list[tuple]:
    return [(r["id"], r["meeting_id"], r["description"], r["due_date"], _word(ACTION_LABELS, r["status"], r["status"]),
             r["closed_at"],
             r["removed"]) for r in con.rows(
        "SELECT id, meeting_id, description, due_date, status, closed_at, removed FROM action_items"
        " WHERE owner_id = ? ORDER BY id", (p["id"],))]


def _action_updates(con: Conn, p: dict) -> list[tuple]:
    return [(r["action_id"], r["created_at"], _word(ACTION_LABELS, r["from_status"]),
             _word(ACTION_LABELS, r["to_status"], r["to_status"]), r["note"]) for r in con.rows(
        "SELECT action_id, created_at, from_status, to_status, note FROM action_events WHERE actor_id = ?"
        " ORDER BY id", (p["id"],))]


def _attachments(con: Conn, p: dict) -> list[tuple]:
    return [(r["created_at"], r["name"], _word(FILE_LABELS, r["media_type"]), r["size"], r["suggestion_id"],
             r["item_id"]) for r in con.rows(
        "SELECT a.created_at, a.name, a.media_type, a.size, s.id AS suggestion_id, a.item_id FROM attachments a"
        " LEFT JOIN suggestions s ON s.submission_key = a.suggestion_key WHERE a.actor_id = ?"
        " ORDER BY a.created_at, a.id", (p["id"],))]


def _inbox(con: Conn, p: dict) -> list[tuple]:
    return [(r["suggestion_id"], r["created_at"], _word(EVENT_WORDS, r["kind"], _("Updated")), r["read_at"])
            for r in con.rows("SELECT n.suggestion_id, e.created_at, e.kind, n.read_at FROM notifications n"
                              " LEFT JOIN suggestion_events e ON e.id = n.event_id WHERE n.person_id = ?"
                              " ORDER BY n.id", (p["id"],))]


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _audit(con: Conn, p: dict) -> list[tuple]:
    """Entries by the person, and entries that name them; any other address in them reads "another person"."""
    rows = con.rows("SELECT created_at, action, detail, actor_id = ? AS by_you FROM audit_log"
                    " WHERE actor_id = ? OR strpos(lower(detail), ?) > 0 ORDER BY id",
                    (p["id"], p["id"], p["email"].lower()))
    def hide(found: re.Match) -> str:
        return found.group() if found.group().lower() == p["email"].lower() else _("another person")

    return [(r["created_at"], audit.action_words(r["action"]),
             EMAIL.sub(hide, readable_change(r["action"], r["detail"])),
             bool(r["by_you"])) for r in rows]


def _sessions(con: Conn, p: dict) -> list[tuple]:
    return [(r["created_at"], r["last_seen_at"], r["ended_at"]) for r in con.rows(
        "SELECT created_at, last_seen_at, ended_at FROM sessions WHERE person_id = ? ORDER BY created_at",
        (p["id"],))]


def _sign_in_waits(con: Conn, p: dict) -> list[tuple]:
    return [(r["failures"], r["wait_until"]) for r in con.rows(
        "SELECT failures, wait_until FROM sign_in_waits WHERE email = ?", (p["email"],))]


def _preferences(con: Conn, p: dict) -> list[tuple]:
    return [(_word(MESSAGE_KINDS, r["kind"], _word(SHORT, r["kind"])), _word(MODES, r["mode"], r["mode"]),
             r["updated_at"])
            for r in con.rows("SELECT kind, mode, updated_at FROM notification_preferences WHERE person_id = ?"
                              " ORDER BY kind", (p["id"],))]


def _messages(con: Conn, p: dict) -> list[tuple]:
    return [(r["created_at"], _word(SHORT, r["kind"]), r["subject"], r["body"],
             _word(STATE_LABELS, r["state"], r["state"]), r["sent_at"]) for r in con.rows(
        "SELECT created_at, kind, subject, body, state, sent_at FROM outbox WHERE person_id = ?"
        " AND kind <> 'pulse_reminder' ORDER BY id", (p["id"],))]


Reader = Callable[[Conn, dict], list[tuple]]
# title -> (file in the zip, headers, reader); every title appears in both downloads, empty or not.
SHEETS: dict[str, tuple[str, tuple[str, ...], Reader]] = {
    N_("Account"): ("account.csv", (
        N_("Name"), N_("Email"), N_("Role"), N_("Team"), N_("Office"), N_("Region"), N_("Active"),
        N_("In the roster since"), N_("Last changed"), N_("Password set"), N_("Language")), _account),
    N_("Suggestions you raised"): ("suggestions.csv", (
        N_("Suggestion"), N_("Raised"), N_("Kind"), N_("Category"), N_("Title"), N_("Description"),
        N_("Customer impact"), N_("Proposed solution"), N_("How real"), N_("Status"), N_("Level"), N_("You own it"),
        N_("Due date"), N_("Written in")), _suggestions),
    N_("Suggestions you own"): ("owned-suggestions.csv", (N_("Suggestion"), N_("Status"), N_("Due date")), _owned),
    N_("Comments and replies"): ("comments.csv", (N_("Suggestion"), N_("When"), N_("What"), N_("Text")), _comments),
    N_("Changes you made to suggestions"): ("suggestion-changes.csv", (
        N_("Suggestion"), N_("When"), N_("What"), N_("From"), N_("To"), N_("Note")), _changes),
    N_("Your +1s"): ("plus-ones.csv", (N_("Suggestion"), N_("When")), _votes),
    N_("Minutes you took part in"): ("minutes.csv", (
        N_("Minutes"), N_("Meeting date"), N_("Team or office"), N_("State"), N_("How you took part")), _minutes),
    N_("Minutes items you recorded"): ("minutes-items.csv", (
        N_("Minutes"), N_("State"), N_("Kind"), N_("Discussed"), N_("Solution")), _items),
    N_("Minutes versions you published"): ("minutes-versions.csv", (N_("Minutes"), N_("Version"), N_("When")),
                                           _versions),
    N_("Minutes reviews you wrote"): ("minutes-reviews.csv", (N_("Minutes"), N_("When"), N_("Verdict"),
                                                              N_("Comment")), _reviews),
    N_("Actions you own"): ("actions.csv", (
        N_("Action"), N_("Minutes"), N_("Description"), N_("Due date"), N_("Status"), N_("Closed"),
        N_("Removed from the minutes")), _actions),
    N_("Action updates you made"): ("action-updates.csv", (N_("Action"), N_("When"), N_("From"), N_("To"),
                                                           N_("Note")), _action_updates),
    N_("Files you attached"): ("attachments.csv", (
        N_("When"), N_("File name"), N_("Type"), N_("Size in bytes"), N_("Suggestion"), N_("Minutes item")),
        _attachments),
    N_("Inbox"): ("inbox.csv", (N_("Suggestion"), N_("When"), N_("What happened"), N_("Read")), _inbox),
    N_("Audit log"): ("audit-log.csv", (N_("When"), N_("What was done"), N_("Detail"), N_("By you")), _audit),
    N_("Sign-in sessions"): ("sessions.csv", (N_("Began"), N_("Last used"), N_("Ended")), _sessions),
    N_("Failed sign-ins with your email"): ("sign-in-waits.csv", (N_("Failures in a row"),
                                                                  N_("Next attempt waits until")), _sign_in_waits),
    N_("Notification choices"): ("notification-choices.csv", (N_("Messages"), N_("How"), N_("Chosen")),
                                 _preferences),
    N_("Messages to you"): ("messages.csv", (N_("Written"), N_("Kind"), N_("Subject"), N_("Text"), N_("State"),
                                            N_("Sent")), _messages),
}


# --- erasure --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Erasure:
    """Who is erased (their id), what they were called, and the pseudonym that replaces it."""

    person_id: int
    name: str
    email: str
    pseudonym: str
    pseudonym_email: str


# Every column with a foreign key to people (tests/service/test_personal_data.py checks this against the schema).
REFERENCES = (("accounts", "person_id"), ("sessions", "person_id"), ("suggestions", "author_id"),
              ("suggestions", "owner_id"), ("suggestion_events", "actor_id"), ("votes", "person_id"),
              ("notifications", "person_id"), ("meetings", "chair_id"), ("meetings", "author_id"),
              ("action_items", "owner_id"), ("action_events", "actor_id"), ("meeting_reviews", "reviewer_id"),
              ("pulse_participation", "person_id"), ("team_members", "person_id"), ("attachments", "actor_id"),
              ("outbox", "person_id"), ("notification_preferences", "person_id"))
# What only served the person (signing in, being told): deleted. The outbox keeps what was sent, for the figures.
FORGOTTEN = ("DELETE FROM accounts WHERE person_id = ?", "DELETE FROM sessions WHERE person_id = ?",
             "DELETE FROM session_handoffs WHERE person_id = ?", "DELETE FROM notifications WHERE person_id = ?",
             "DELETE FROM notification_preferences WHERE person_id = ?",
             "DELETE FROM outbox WHERE person_id = ? AND state IN ('pending', 'sending')")
# Texts the app itself wrote with people's names or addresses in them: (table, key columns, text column).
TEXTS = (("audit_log", "id", "detail"), ("outbox", "id", "subject"), ("outbox", "id", "body"),
         ("outbox", "id", "last_error"), ("suggestion_events", "id", "to_value"))
# Documents the app wrote as JSON, where a person may stand under one of PERSON_KEYS (the minutes store ids today).
DOCUMENTS = (("meeting_versions", ("meeting_id", "version"), "content"), ("meetings", ("id",), "draft"))
PERSON_KEYS = frozenset({"chair", "attendees", "owner", "author", "reviewer", "name", "email"})
# Tables whose old pages may still hold what was replaced or deleted (PostgreSQL rewrites them; DuckDB checkpoints).
RECLAIMED = ("people", "accounts", "sessions", "session_handoffs", "sign_in_waits", "notification_preferences",
             "notifications", "outbox", "audit_log", "suggestion_events", "meeting_versions", "meetings")


def pseudonym(person_id: int, taken: Callable[[str, str], bool] = lambda name, email: False) -> tuple[str, str]:
    """The stable pseudonym of a person: "Former colleague 7F3A" and an address at an unroutable domain, from a hash
    of their id (longer when another person already has those four characters)."""
    digest = hashlib.sha256(f"frontline-board former colleague {person_id}".encode()).hexdigest().upper()
    for size in (4, 6, 8, len(digest)):
        name = f"Former colleague {digest[:size]}"
        email = _pseudonym_email(name)
        if not taken(name, email):
            break
    return name, email


def erase(db: Database, admin: Person, person_id: int, *, now: datetime | None = None) -> str:
    """Erase a person who has left (admins only; an active person is refused): their name and email become a
    pseudonym everywhere, their password, sessions, sign-in codes and waits, notification choices, inbox and
    waiting messages go, and what they wrote stays under the pseudonym. Audited without their name. The
    pseudonym."""
    require(admin, "admin_people")
    now, lock = now or utcnow(), ("person", person_id)
    if db.dialect != "duckdb":
        erased = db.write(lambda con: _erase(con, admin, person_id, now, stand_in=False), lock=lock)
    else:
        # DuckDB runs an update of people.email (an indexed column) as delete plus insert, which it refuses while
        # committed rows reference the person, even when this transaction moved them. So the references move to a
        # stand-in row first, in a transaction of their own; then the person is renamed and takes them back; then
        # the stand-in goes. Each step can run again: erasing the same person again finishes the job.
        erased = db.write(lambda con: _erase(con, admin, person_id, now, stand_in=True), lock=lock)
        db.write(lambda con: _take_back(con, erased, now), lock=lock)
        db.write(lambda con: con.execute("DELETE FROM people WHERE email = ?", (_stand_in_email(person_id),)),
                 lock=lock)
    db.reclaim(RECLAIMED)
    return erased.pseudonym


def _stand_in_email(person_id: int) -> str:
    return f"erasing-{person_id}@{ERASED_DOMAIN}"


def _erase(con: Conn, admin: Person, person_id: int, now: datetime, *, stand_in: bool) -> Erasure:
    row = con.one("SELECT id, name, email, active FROM people WHERE id = ?", (person_id,))
    if row is None:
        raise NotFound(_("There is no such person."))
    waiting = con.one("SELECT id, name FROM people WHERE email = ?", (_stand_in_email(person_id),))
    if waiting is not None:  # an erasure stopped halfway: its first step is done, finish the others
        _move(con, person_id, waiting["id"])
        return Erasure(person_id, row["name"], row["email"], waiting["name"], _pseudonym_email(waiting["name"]))
    if row["active"]:
        raise Invalid({"erase": _("{name} is still active. Only a person who has left can be erased: untick Active,"
                                  " save, then erase.", name=row["name"])})
    if row["email"].endswith("@" + ERASED_DOMAIN):
        raise Invalid({"erase": _("This person's personal data was erased already.")})
    name, email = pseudonym(person_id, lambda n, e: bool(con.scalar(
        "SELECT count(*) FROM people WHERE (name = ? OR email = ?) AND id <> ?", (n, e, person_id))))
    erased = Erasure(person_id, row["name"], row["email"], name, email)
    for sql in FORGOTTEN:
        con.execute(sql, (person_id,))
    con.execute("DELETE FROM sign_in_waits WHERE email = ?", (row["email"],))
    _replace_in_texts(con, erased)
    audit.record(con, admin.id, "personal data erased", f"{name}: name and email replaced by this pseudonym; password,"
                 " sessions, notification choices, inbox and waiting messages removed")
    if not stand_in:
        _rename(con, erased, now)
        return erased
    substitute = con.scalar("INSERT INTO people (email, name, role, team_id) SELECT ?, ?, p.role, tm.team_id"
                            " FROM people p JOIN team_members tm ON tm.person_id = p.id WHERE p.id = ? RETURNING id",
                            (_stand_in_email(person_id), name, person_id))
    con.execute("UPDATE people SET active = FALSE, updated_at = ?,"
                " created_at = (SELECT created_at FROM people WHERE id = ?) WHERE id = ?",
                (now, person_id, substitute))
    _move(con, person_id, substitute)
    return erased


def _pseudonym_email(name: str) -> str:
    """The address pseudonym() pairs with a pseudonym name."""
    return f"former-colleague-{name.removeprefix('Former colleague ').lower()}@{ERASED_DOMAIN}"


def _take_back(con: Conn, erased: Erasure, now: datetime) -> None:
    """DuckDB's second step: the person takes their pseudonym, then their references back from the stand-in."""
    _rename(con, erased, now)
    substitute = con.scalar("SELECT id FROM people WHERE email = ?", (_stand_in_email(erased.person_id),))
    if substitute is not None:
        _move(con, substitute, erased.person_id)


def _rename(con: Conn, erased: Erasure, now: datetime) -> None:
    con.execute("UPDATE people SET name = ?, email = ?, locale = NULL, updated_at = ? WHERE id = ?",
                (erased.pseudonym, erased.pseudonym_email, now, erased.person_id))


def _move(con: Conn, source: int, target: int) -> None:
    """Every reference to person `source` now names `target`."""
    for table, column in REFERENCES:
        con.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (target, source))


def _replace_in_texts(con: Conn, erased: Erasure) -> None:
    """The person's name and address in texts the app wrote (whole words only) and in its JSON documents (values
    under PERSON_KEYS only: what people typed is theirs and stays as typed)."""
    name = re.compile(rf"(?<!\w){re.escape(erased.name)}(?!\w)")
    email = re.compile(rf"(?<![\w.+-]){re.escape(erased.email)}(?![\w-]|\.\w)", re.IGNORECASE)

    def replaced(text: str) -> str:
        return name.sub(erased.pseudonym, email.sub(erased.pseudonym_email, text))

    search = (erased.name or "\x00", erased.email.lower())  # an empty name finds nothing (clean() drops NUL)
    for table, key, column in TEXTS:
        for row in con.rows(f"SELECT {key} AS k, {column} AS v FROM {table}"
                            f" WHERE strpos({column}, ?) > 0 OR strpos(lower({column}), ?) > 0", search):
            con.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", (replaced(row["v"]), row["k"]))
    for table, keys, column in DOCUMENTS:
        match = " AND ".join(f"{k} = ?" for k in keys)
        for row in con.rows(f"SELECT {', '.join(keys)}, {column} AS v FROM {table}"
                            f" WHERE strpos({column}, ?) > 0 OR strpos(lower({column}), ?) > 0", search):
            document = _replaced_values(json.loads(row["v"]), erased, under=False)
            con.execute(f"UPDATE {table} SET {column} = ? WHERE {match}",
                        (json.dumps(document), *(row[k] for k in keys)))


def _replaced_values(value, erased: Erasure, *, under: bool):
    """A JSON value with the person's name or address, where it stands alone under one of PERSON_KEYS, replaced."""
    if isinstance(value, dict):
        return {k: _replaced_values(v, erased, under=k in PERSON_KEYS) for k, v in value.items()}
    if isinstance(value, list):
        return [_replaced_values(v, erased, under=under) for v in value]
    if under and isinstance(value, str):
        if value == erased.name:
            return erased.pseudonym
        if value.lower() == erased.email.lower():
            return erased.pseudonym_email
    return value
