"""Answering suggestions: the triage queue, workflow transitions, owners, due dates, replies, escalation."""

from __future__ import annotations

from datetime import date, datetime

from board.clock import utcnow
from board.errors import Invalid, NotAllowed
from board.feedback import receipts
from board.feedback.release import release_due
from board.feedback.suggestions import checked_text, clean, hold_author_event, milestones, record, summary_sql
from board.feedback.workflow import OPEN, STATUS_LABELS, escalation_target, sla_cutoff, transition_error
from board.org.access import Person, where
from board.store import Conn, Database

SORTS = {"age": "created_at ASC, id ASC", "votes": "votes DESC, id ASC", "category": "category, id"}
# role -> the levels its queue holds (None: every level): a regional manager what was escalated to the region or
# beyond, a leader what was escalated to leadership.
QUEUE_LEVELS = {"manager": None, "regional_manager": ("region", "leadership"), "leader": ("leadership",)}


def queue_scope(viewer: Person) -> tuple[str, tuple]:
    """Whose queue holds what (SQL on alias s): a manager their team's items and their office's office-level
    ones, a regional manager what was escalated to their region, a leader what was escalated to leadership."""
    condition, params = where(viewer, "triage_queue")
    levels = QUEUE_LEVELS[viewer.role]
    if levels is None:
        return condition, params
    return f"{condition} AND s.level IN ({', '.join('?' * len(levels))})", (*params, *levels)


OVERDUE_SQL = ("((status = 'new' AND created_at < ?) OR coalesce(due_date < ? AND status IN"
               f" ({', '.join('?' * len(OPEN))}), FALSE))")


def _overdue_params(today: date, sla_days: int) -> tuple:
    return (sla_cutoff(today, sla_days), today, *OPEN)


def queue(db: Database, viewer: Person, *, sort: str = "age", today: date, sla_days: int,
          include_closed: bool = False, limit: int = 300) -> list[dict]:
    """The first `limit` items of the viewer's triage queue, `overdue` marked (unacknowledged past the SLA,
    or past the due date)."""
    condition, params = queue_scope(viewer)
    states = "" if include_closed else f" AND s.status IN ({', '.join('?' * len(OPEN))})"
    with db.read() as con:
        return con.rows(
            f"SELECT *, {OVERDUE_SQL} AS overdue FROM ({summary_sql()} WHERE {condition}{states}) s"
            f" ORDER BY {SORTS.get(sort, SORTS['age'])} LIMIT ?",
            (*_overdue_params(today, sla_days), *params, *(() if include_closed else OPEN), limit))


def queue_counts(db: Database, viewer: Person, *, today: date, sla_days: int) -> dict:
    """How many open suggestions wait in the viewer's queue, and how many of them are overdue."""
    condition, params = queue_scope(viewer)
    with db.read() as con:
        counted = con.one(
            f"SELECT count(*) AS open, count(*) FILTER (WHERE {OVERDUE_SQL}) AS overdue FROM suggestions s"
            f" WHERE {condition} AND s.status IN ({', '.join('?' * len(OPEN))})",
            (*_overdue_params(today, sla_days), *params, *OPEN))
    assert counted is not None, "an aggregate without GROUP BY returns exactly one row"
    return counted


def _act(db: Database, actor: Person, suggestion_id: int, work) -> int:
    """Run one action on a suggestion: a role that acts on none is refused first; the scope is checked inside
    the transaction, where another unit's suggestion is never read; actions on one suggestion are serialised."""
    condition, params = where(actor, "act_on_suggestion")

    def apply(con: Conn) -> int:
        row = con.one("SELECT s.id, s.status, s.level, s.team_id, s.office_id, s.region_id, s.owner_id, s.author_id,"
                      f" s.created_at FROM suggestions s WHERE s.id = ? AND {condition}", (suggestion_id, *params))
        if row is None:
            raise NotAllowed("You are not allowed to act on this suggestion.")
        return work(con, row)

    return db.write(apply, lock=("suggestion", suggestion_id))


def change_status(db: Database, actor: Person, suggestion_id: int, to: str, *, note: str = "",
                  duplicate_of: int | None = None, expected: str | None = None, now: datetime | None = None) -> int:
    """Move a suggestion along the workflow; declined needs a reason, duplicate the original (its +1s move)."""
    note, now = clean(note), now or utcnow()

    def work(con: Conn, row: dict) -> int:
        if expected is not None and row["status"] != expected:
            raise Invalid({"status": f"Someone changed this suggestion meanwhile: it is now "
                                     f"{STATUS_LABELS[row['status']].lower()}. Check it and try again."})
        problem = transition_error(row["status"], to)
        if problem:
            raise Invalid({"status": problem})
        if to == "declined" and not note:
            raise Invalid({"note": "Give the reason for declining: the author will read it."})
        checked_text("note", note, required=False)
        if to == "duplicate":
            _merge_into(con, actor, row, duplicate_of, now)
        reached = milestones(to, now)  # kept when already set: the first time counts
        con.execute("UPDATE suggestions SET status = ?, duplicate_of = ?"
                    + "".join(f", {column} = coalesce({column}, ?)" for column in reached) + " WHERE id = ?",
                    (to, duplicate_of if to == "duplicate" else None, *reached.values(), row["id"]))
        return record(con, row["id"], actor.id, "status", row["status"], to, note, now)

    return _act(db, actor, suggestion_id, work)


def _merge_into(con: Conn, actor: Person, row: dict, original_id: int | None, now: datetime) -> None:
    original = con.one("SELECT id, status, office_id FROM suggestions WHERE id = ?", (original_id,))
    if original is None or original["id"] == row["id"] or original["office_id"] != row["office_id"]:
        raise Invalid({"duplicate_of": "Name another suggestion of the same office as the original."})
    if original["status"] == "duplicate":
        raise Invalid({"duplicate_of": "That one is itself a duplicate: name the original instead."})
    con.execute(
        "INSERT INTO votes (suggestion_id, person_id, created_at) SELECT ?, person_id, created_at FROM votes"
        " WHERE suggestion_id = ? AND person_id NOT IN (SELECT person_id FROM votes WHERE suggestion_id = ?)"
        " ON CONFLICT DO NOTHING", (original["id"], row["id"], original["id"]))
    count = con.scalar("SELECT count(*) FROM votes WHERE suggestion_id = ?", (row["id"],))
    # The +1s now count on the original; the duplicate keeps an event saying where they went.
    con.execute("DELETE FROM votes WHERE suggestion_id = ?", (row["id"],))
    record(con, row["id"], actor.id, "duplicate_votes", str(row["id"]), str(original["id"]),
           f"{count} +1(s) moved to #{original['id']}", now)


def assign(db: Database, actor: Person, suggestion_id: int, owner_id: int, *, now: datetime | None = None) -> int:
    """Name the owner: an active person of the suggestion's region."""
    def work(con: Conn, row: dict) -> int:
        owner = con.one("SELECT p.name, o.region_id FROM people p JOIN team_members tm ON tm.person_id = p.id"
                        " JOIN teams t ON t.id = tm.team_id"
                        " JOIN offices o ON o.id = t.office_id WHERE p.id = ? AND p.active", (owner_id,))
        if owner is None or owner["region_id"] != row["region_id"]:
            raise Invalid({"owner": "Choose an active person of this suggestion's region."})
        con.execute("UPDATE suggestions SET owner_id = ? WHERE id = ?", (owner_id, row["id"]))
        return record(con, row["id"], actor.id, "assigned", None, owner["name"], "", now or utcnow())

    return _act(db, actor, suggestion_id, work)


def set_due(db: Database, actor: Person, suggestion_id: int, due: date, *, today: date,
            now: datetime | None = None) -> int:
    """Set a due date (today or later) on an open suggestion."""
    def work(con: Conn, row: dict) -> int:
        if due < today:
            raise Invalid({"due_date": "The due date cannot be in the past."})
        if row["status"] not in OPEN:
            raise Invalid({"due_date": "Only open suggestions take a due date."})
        con.execute("UPDATE suggestions SET due_date = ? WHERE id = ?", (due, row["id"]))
        return record(con, row["id"], actor.id, "due", None, due.isoformat(), "", now or utcnow())

    return _act(db, actor, suggestion_id, work)


def reply(db: Database, actor: Person, suggestion_id: int, text: str, *, now: datetime | None = None) -> int:
    """Answer the author (1-2,000 characters); the author and +1ers see it in their inbox."""
    text = checked_text("reply", text, required=True)
    return _act(db, actor, suggestion_id,
                lambda con, row: record(con, row["id"], actor.id, "reply", None, None, text, now or utcnow()))


def can_escalate(actor: Person, row: dict) -> bool:
    """A manager escalates open team or office items to the region, a regional manager region items to leadership."""
    levels = {"manager": ("team", "office"), "regional_manager": ("region",)}.get(actor.role, ())
    return row["status"] in OPEN and row["level"] in levels


def escalate(db: Database, actor: Person, suggestion_id: int, *, note: str = "", now: datetime | None = None) -> int:
    """A manager escalates to the region, a regional manager to leadership."""
    def work(con: Conn, row: dict) -> int:
        if not can_escalate(actor, row):
            raise Invalid({"level": f"You cannot escalate this suggestion from the {row['level']} level."})
        target = escalation_target(row["level"])
        assert target is not None, "can_escalate allows only the levels that have one above them"
        return _escalate(con, row, actor.id, target, checked_text("note", note, required=False), now or utcnow())

    return _act(db, actor, suggestion_id, work)


def _escalate(con: Conn, row: dict, actor_id: int | None, target: str, note: str, now: datetime) -> int:
    con.execute("UPDATE suggestions SET level = ? WHERE id = ?", (target, row["id"]))
    return record(con, row["id"], actor_id, "escalated", row["level"], target, note, now)


def author_may_escalate(row: dict, *, today: date, sla_days: int) -> bool:
    """The author may escalate a still-new suggestion once the acknowledgement SLA has passed."""
    return (row["status"] == "new" and row["level"] in ("team", "office")
            and row["created_at"].date() < sla_cutoff(today, sla_days))


def escalate_as_author(db: Database, author: Person, suggestion_id: int, *, today: date, sla_days: int,
                       note: str = "", now: datetime | None = None) -> int:
    """The named author escalates their unanswered suggestion to the region."""
    return _author_escalation(db, suggestion_id, author.id, today=today, sla_days=sla_days, note=note,
                              now=now or utcnow())


def escalate_with_code(db: Database, person: Person, code: str, *, today: date, sla_days: int,
                       note: str = "", now: datetime | None = None, tried: list[datetime] | None = None) -> str:
    """The anonymous author escalates through their follow-up code once the SLA has passed; like their replies,
    the escalation waits (with its day only) for the next day's release, so its time cannot point at them."""
    now = now or utcnow()
    release_due(db, now.date())
    opened = receipts.open_code(db, code, now=now, tried=tried)
    note = checked_text("note", note, required=False)

    def apply(con: Conn) -> str:
        row = con.one("SELECT id, status, level, author_id, created_at FROM suggestions WHERE id = ?",
                      (opened.suggestion_id,))
        if row is None or not author_may_escalate(row, today=today, sla_days=sla_days):
            raise Invalid({"level": f"You can escalate once {sla_days} working days have passed without an "
                                    "acknowledgement."})
        if con.scalar("SELECT count(*) FROM held_author_events WHERE suggestion_id = ? AND kind = 'escalated'",
                      (row["id"],)):
            raise Invalid({"level": "Your escalation is already waiting to be passed on."})
        return hold_author_event(con, opened, "escalated", note, now.date())

    return db.write(apply, lock=("author", opened.suggestion_id, opened.held_id))


def _author_escalation(db: Database, suggestion_id: int, author_id: int, *, today: date, sla_days: int,
                       note: str, now: datetime) -> int:
    def apply(con: Conn) -> int:
        row = con.one("SELECT id, status, level, author_id, created_at FROM suggestions WHERE id = ?",
                      (suggestion_id,))
        if row is None or row["author_id"] != author_id:
            raise NotAllowed("Only the author can escalate this suggestion this way.")
        if not author_may_escalate(row, today=today, sla_days=sla_days):
            raise Invalid({"level": f"You can escalate once {sla_days} working days have passed without an "
                                    "acknowledgement."})
        return _escalate(con, row, author_id, "region", checked_text("note", note, required=False), now)

    return db.write(apply, lock=("suggestion", suggestion_id))
