"""Answering suggestions: the triage queue (what needs attention first, filtered, paged), one triage act (answer,
move along the workflow, assign, date: all or nothing) and the single steps, escalation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from board.clock import utcnow
from board.errors import Invalid, NotAllowed
from board.feedback import counts, receipts
from board.feedback.release import release_due
from board.feedback.suggestions import checked_text, clean, hold_author_event, milestones, record, summary_sql
from board.feedback.workflow import (
    LEVEL_LABELS,
    OPEN,
    STATUS_LABELS,
    escalation_target,
    path_error,
    path_to,
    transition_error,
)
from board.i18n import N_, _, ngettext
from board.org import calendar
from board.org.access import Person, where
from board.org.calendar import OfficeCalendar, office_sql
from board.store import Conn, Database

Done = TypeVar("Done")
DECLINE_REASON = N_("Give the reason for declining: the author will read it.")


def escalate_wait(sla_days: int) -> str:
    """Why the author cannot escalate yet."""
    return ngettext("You can escalate once {n} working day has passed without an acknowledgement.",
                    "You can escalate once {n} working days have passed without an acknowledgement.", sla_days)

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


def overdue_sql(con: Conn, sla_days: int, *, today: date | None = None,
                now: datetime | None = None) -> tuple[str, tuple]:
    """SQL (on unqualified suggestion columns) and its parameters for `overdue`, each by its office's calendar:
    still new past the acknowledgement time (`sla_days` working days), or open past its due date. `now` (a stored
    moment; the default) is each office's own local day; `today` one given day in every office."""
    if today is None and now is None:
        now = utcnow()
    calendars = calendar.load_in(con)
    deadline, before = office_sql(calendars.sla_deadlines(sla_days, now=now, today=today), "office_id", "TIMESTAMP")
    local_day, on = office_sql(calendars.days(now=now, today=today), "office_id", "DATE")
    return (f"((status = 'new' AND created_at < {deadline}) OR coalesce(due_date < {local_day} AND status IN"
            f" ({', '.join('?' * len(OPEN))}), FALSE))", (*before, *on, *OPEN))


# What needs attention comes first, then the rest by the chosen sort: overdue, then new, then everything else.
ATTENTION_SQL = "CASE WHEN overdue THEN 0 WHEN status = 'new' THEN 1 ELSE 2 END"


def _queue_filter(viewer: Person, *, include_closed: bool, status: str | None, category: str | None,
                  overdue_only: bool, owner_id: int | None, unassigned: bool) -> tuple[str, tuple, str, tuple]:
    """The viewer's queue scope (on suggestions s) and the chosen filters (on the outer row s, with `overdue`)."""
    condition, params = queue_scope(viewer)
    parts: list[str] = ["TRUE"]
    args: list = []
    if status:
        parts.append("s.status = ?")
        args.append(status)
    elif not include_closed:
        parts.append(f"s.status IN ({', '.join('?' * len(OPEN))})")
        args += OPEN
    if category:
        parts.append("s.category = ?")
        args.append(category)
    if overdue_only:
        parts.append("s.overdue")
    if unassigned:
        parts.append("s.owner_id IS NULL")
    elif owner_id is not None:
        parts.append("s.owner_id = ?")
        args.append(owner_id)
    return condition, params, " AND ".join(parts), tuple(args)


def queue(db: Database, viewer: Person, *, sort: str = "age", today: date | None = None, sla_days: int,
          now: datetime | None = None,
          include_closed: bool = False, status: str | None = None, category: str | None = None,
          overdue_only: bool = False, owner_id: int | None = None, unassigned: bool = False,
          limit: int = 300, offset: int = 0) -> list[dict]:
    """Items of the viewer's triage queue, `overdue` marked (unacknowledged past the SLA, or past the due date):
    overdue ones first, then new ones, then the rest, each group by `sort`; filtered by status (open ones unless
    `include_closed`), category, overdue, owner or no owner; `limit` of them from `offset`. Overdue follows each
    suggestion's office calendar at `now` (overdue_sql)."""
    condition, params, chosen, args = _queue_filter(
        viewer, include_closed=include_closed, status=status, category=category, overdue_only=overdue_only,
        owner_id=owner_id, unassigned=unassigned)
    with db.read() as con:
        overdue, late = overdue_sql(con, sla_days, today=today, now=now)
        return con.rows(
            f"SELECT * FROM (SELECT *, {overdue} AS overdue FROM ({summary_sql()} WHERE {condition}) s) s"
            f" WHERE {chosen} ORDER BY {ATTENTION_SQL}, {SORTS.get(sort, SORTS['age'])} LIMIT ? OFFSET ?",
            (*late, *params, *args, limit, offset))


def queue_total(db: Database, viewer: Person, *, today: date | None = None, sla_days: int,
                now: datetime | None = None, include_closed: bool = False,
                status: str | None = None, category: str | None = None, overdue_only: bool = False,
                owner_id: int | None = None, unassigned: bool = False) -> int:
    """How many items `queue` lists with the same filters, over all its pages."""
    condition, params, chosen, args = _queue_filter(
        viewer, include_closed=include_closed, status=status, category=category, overdue_only=overdue_only,
        owner_id=owner_id, unassigned=unassigned)
    with db.read() as con:
        overdue, late = overdue_sql(con, sla_days, today=today, now=now)
        return con.scalar(
            f"SELECT count(*) FROM (SELECT *, {overdue} AS overdue FROM (SELECT s.* FROM suggestions s"
            f" WHERE {condition}) s) s WHERE {chosen}", (*late, *params, *args))


def queue_owners(db: Database, viewer: Person) -> list[dict]:
    """The people who own something in the viewer's queue (id, name), by name: the choices of its owner filter."""
    condition, params = queue_scope(viewer)
    with db.read() as con:
        return con.rows(f"SELECT DISTINCT p.id, p.name FROM suggestions s JOIN people p ON p.id = s.owner_id"
                        f" WHERE {condition} ORDER BY p.name, p.id", params)


def queue_counts(db: Database, viewer: Person, *, today: date | None = None, sla_days: int,
                 now: datetime | None = None) -> dict:
    """How many open suggestions wait in the viewer's queue, and how many of them are overdue."""
    condition, params = queue_scope(viewer)
    with db.read() as con:
        overdue, late = overdue_sql(con, sla_days, today=today, now=now)
        counted = con.one(
            f"SELECT count(*) AS open, count(*) FILTER (WHERE {overdue}) AS overdue FROM suggestions s"
            f" WHERE {condition} AND s.status IN ({', '.join('?' * len(OPEN))})", (*late, *params, *OPEN))
    assert counted is not None, "an aggregate without GROUP BY returns exactly one row"
    return counted


def _act(db: Database, actor: Person, suggestion_id: int, work: Callable[[Conn, dict], Done]) -> Done:
    """Run one action on a suggestion: a role that acts on none is refused first; the scope is checked inside
    the transaction, where another unit's suggestion is never read; actions on one suggestion are serialised."""
    where(actor, "act_on_suggestion")  # a role that acts on nothing is refused before any transaction
    return db.write(lambda con: work(con, _acted_on(con, actor, suggestion_id)), lock=("suggestion", suggestion_id))


def _acted_on(con: Conn, actor: Person, suggestion_id: int) -> dict:
    """The suggestion an action is on, read only within the actor's scope (`where`); NotAllowed otherwise."""
    condition, params = where(actor, "act_on_suggestion")
    row = con.one("SELECT s.id, s.status, s.level, s.team_id, s.office_id, s.region_id, s.owner_id, s.author_id,"
                  " s.created_at, s.due_date, s.category, s.acknowledged_at, s.resolved_at, s.implemented_at"
                  f" FROM suggestions s WHERE s.id = ? AND {condition}",
                  (suggestion_id, *params))
    if row is None:
        raise NotAllowed(_("You are not allowed to act on this suggestion."))
    return row


@dataclass(frozen=True)
class Plan:
    """What one triage act will do, checked: the status it starts from and each step to the target (the target
    last; none when the status stays), the reply, the new owner's name, the due date, the original of a duplicate.
    A part left as it is is empty (None or "")."""

    suggestion_id: int
    start: str
    steps: tuple[str, ...] = ()
    reply: str = ""
    owner_id: int | None = None
    owner: str | None = None
    due: date | None = None
    duplicate_of: int | None = None

    @property
    def target(self) -> str:
        return self.steps[-1] if self.steps else self.start


def plan(db: Database, actor: Person, suggestion_id: int, *, to: str | None = None, reply: str = "",
         owner_id: int | None = None, due: date | None = None, duplicate_of: int | None = None,
         expected: str | None = None, today: date | None = None) -> Plan:
    """What `act` would do with these changes, checked as `act` checks them, without changing anything (`today`:
    the day a due date may not be before; by default the suggestion's office's local day)."""
    with db.read() as con:
        row = _acted_on(con, actor, suggestion_id)
        return _planned(con, row, to=to, reply=reply, owner_id=owner_id, due=due, duplicate_of=duplicate_of,
                        expected=expected, today=today)


def act(db: Database, actor: Person, suggestion_id: int, *, to: str | None = None, reply: str = "",
        owner_id: int | None = None, due: date | None = None, duplicate_of: int | None = None,
        expected: str | None = None, today: date | None = None, now: datetime | None = None) -> Plan:
    """Answer, move, assign and date a suggestion in one transaction, all or nothing: the status goes to any
    reachable target with each step recorded as its own status event, then the reply (the reason, when declining),
    the owner and the due date. Everything is checked first; a status changed since `expected` is refused."""
    now = now or utcnow()

    def work(con: Conn, row: dict) -> Plan:
        checked = _planned(con, row, to=to, reply=reply, owner_id=owner_id, due=due, duplicate_of=duplicate_of,
                           expected=expected, today=today)
        _apply(con, actor, checked, row, now)
        return checked

    return _act(db, actor, suggestion_id, work)


def _planned(con: Conn, row: dict, *, to: str | None, reply: str, owner_id: int | None, due: date | None,
             duplicate_of: int | None, expected: str | None, today: date | None) -> Plan:
    _check_not_stale(row, expected)
    today = today or calendar.of_office(con, row["office_id"]).today(utcnow())
    errors: dict[str, str] = {}
    to = None if to == row["status"] else to
    steps = path_to(row["status"], to) if to else ()
    if steps is None:
        errors["status"] = path_error(row["status"], str(to)) or ""
    target = to if to and steps is not None else row["status"]
    try:
        reply = checked_text("reply", reply, required=False)
    except Invalid as error:
        errors.update(error.errors)
    if to == "declined" and not reply and "reply" not in errors:
        errors["reply"] = _(DECLINE_REASON)
    if to == "duplicate":
        errors.update(_original_error(con, row, duplicate_of))
    owner = _owner_name(con, row, owner_id, errors) if owner_id is not None and owner_id != row["owner_id"] else None
    due = None if due == row["due_date"] else due
    if due is not None:
        errors.update(_due_error(due, target, today))
    if not errors and not (steps or reply or owner or due):
        errors["changes"] = _("Nothing to change: choose a new status, write a reply, or set an owner or a due date.")
    if errors:
        raise Invalid(errors)
    return Plan(row["id"], row["status"], steps or (), reply, owner_id if owner else None, owner, due,
                duplicate_of if to == "duplicate" else None)


def _apply(con: Conn, actor: Person, checked: Plan, row: dict, now: datetime) -> None:
    row_id, current = checked.suggestion_id, checked.start
    if checked.duplicate_of is not None:
        _move_votes(con, actor, row_id, checked.duplicate_of, now)
    for step in checked.steps:
        # a declined suggestion's reason stays on its status event, where the author reads it with the change
        note = checked.reply if step == "declined" else ""
        _set_status(con, actor, row, current, step, note, checked.duplicate_of, now)
        current = step
    if checked.reply and checked.target != "declined":
        record(con, row_id, actor.id, "reply", None, None, checked.reply, now)
    if checked.owner is not None:
        con.execute("UPDATE suggestions SET owner_id = ? WHERE id = ?", (checked.owner_id, row_id))
        record(con, row_id, actor.id, "assigned", None, checked.owner, "", now)
    if checked.due is not None:
        con.execute("UPDATE suggestions SET due_date = ? WHERE id = ?", (checked.due, row_id))
        record(con, row_id, actor.id, "due", None, checked.due.isoformat(), "", now)


def _check_not_stale(row: dict, expected: str | None) -> None:
    if expected is not None and row["status"] != expected:
        raise Invalid({"status": _("Someone changed this suggestion meanwhile: it is now {status}. Check it and try"
                                   " again.", status=_(STATUS_LABELS[row["status"]]).lower())})


def _set_status(con: Conn, actor: Person, row: dict, start: str, to: str, note: str,
                duplicate_of: int | None, now: datetime) -> int:
    """Move the suggestion (`row`, as _acted_on read it, its milestones kept up to date here for a next step) from
    `start` to `to`, count the move in the dashboards' summaries and record it."""
    reached = milestones(to, now)  # kept when already set: the first time counts
    con.execute("UPDATE suggestions SET status = ?, duplicate_of = ?"
                + "".join(f", {column} = coalesce({column}, ?)" for column in reached) + " WHERE id = ?",
                (to, duplicate_of if to == "duplicate" else None, *reached.values(), row["id"]))
    counts.moved(con, row, start, to, reached)
    row.update({column: moment for column, moment in reached.items() if row[column] is None}, status=to)
    return record(con, row["id"], actor.id, "status", start, to, note, now)


def change_status(db: Database, actor: Person, suggestion_id: int, to: str, *, note: str = "",
                  duplicate_of: int | None = None, expected: str | None = None, now: datetime | None = None) -> int:
    """Move a suggestion one step along the workflow; declined needs a reason, duplicate the original (its +1s
    move)."""
    note, now = clean(note), now or utcnow()

    def work(con: Conn, row: dict) -> int:
        _check_not_stale(row, expected)
        problem = transition_error(row["status"], to)
        if problem:
            raise Invalid({"status": problem})
        if to == "declined" and not note:
            raise Invalid({"note": _(DECLINE_REASON)})
        checked_text("note", note, required=False)
        if to == "duplicate":
            problems = _original_error(con, row, duplicate_of)
            if problems:
                raise Invalid(problems)
            assert duplicate_of is not None, "_original_error refuses a missing original"
            _move_votes(con, actor, row["id"], duplicate_of, now)
        return _set_status(con, actor, row, row["status"], to, note, duplicate_of, now)

    return _act(db, actor, suggestion_id, work)


def _original_error(con: Conn, row: dict, original_id: int | None) -> dict[str, str]:
    """Why a suggestion cannot be marked a duplicate of another (by field), or nothing."""
    original = con.one("SELECT id, status, office_id FROM suggestions WHERE id = ?", (original_id,)) \
        if original_id is not None else None
    if original is None or original["id"] == row["id"] or original["office_id"] != row["office_id"]:
        return {"duplicate_of": _("Name another suggestion of the same office as the original.")}
    if original["status"] == "duplicate":
        return {"duplicate_of": _("That one is itself a duplicate: name the original instead.")}
    return {}


def _move_votes(con: Conn, actor: Person, suggestion_id: int, original_id: int, now: datetime) -> None:
    con.execute(
        "INSERT INTO votes (suggestion_id, person_id, created_at) SELECT ?, person_id, created_at FROM votes"
        " WHERE suggestion_id = ? AND person_id NOT IN (SELECT person_id FROM votes WHERE suggestion_id = ?)"
        " ON CONFLICT DO NOTHING", (original_id, suggestion_id, original_id))
    count = con.scalar("SELECT count(*) FROM votes WHERE suggestion_id = ?", (suggestion_id,))
    # The +1s now count on the original; the duplicate keeps an event saying where they went. It is recorded
    # before the duplicate's votes are cleared: its +1ers are told (the outbox reads them from the votes).
    record(con, suggestion_id, actor.id, "duplicate_votes", str(suggestion_id), str(original_id),
           _("{count} +1(s) moved to #{number}", count=count, number=original_id), now)
    con.execute("DELETE FROM votes WHERE suggestion_id = ?", (suggestion_id,))


def _owner_name(con: Conn, row: dict, owner_id: int, errors: dict[str, str]) -> str | None:
    """The name of a person who may own the suggestion (active, of its region); otherwise a message in errors."""
    owner = con.one("SELECT p.name, o.region_id FROM people p JOIN team_members tm ON tm.person_id = p.id"
                    " JOIN teams t ON t.id = tm.team_id"
                    " JOIN offices o ON o.id = t.office_id WHERE p.id = ? AND p.active", (owner_id,))
    if owner is None or owner["region_id"] != row["region_id"]:
        errors["owner"] = _("Choose an active person of this suggestion's region.")
        return None
    return owner["name"]


def _due_error(due: date, status: str, today: date) -> dict[str, str]:
    if due < today:
        return {"due_date": _("The due date cannot be in the past.")}
    if status not in OPEN:
        return {"due_date": _("Only open suggestions take a due date.")}
    return {}


def assign(db: Database, actor: Person, suggestion_id: int, owner_id: int, *, now: datetime | None = None) -> int:
    """Name the owner: an active person of the suggestion's region."""
    def work(con: Conn, row: dict) -> int:
        errors: dict[str, str] = {}
        name = _owner_name(con, row, owner_id, errors)
        if name is None:
            raise Invalid(errors)
        con.execute("UPDATE suggestions SET owner_id = ? WHERE id = ?", (owner_id, row["id"]))
        return record(con, row["id"], actor.id, "assigned", None, name, "", now or utcnow())

    return _act(db, actor, suggestion_id, work)


def set_due(db: Database, actor: Person, suggestion_id: int, due: date, *, today: date | None = None,
            now: datetime | None = None) -> int:
    """Set a due date (today or later, by default the office's local today) on an open suggestion."""
    def work(con: Conn, row: dict) -> int:
        day = today or calendar.of_office(con, row["office_id"]).today(now or utcnow())
        problems = _due_error(due, row["status"], day)
        if problems:
            raise Invalid(problems)
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
            raise Invalid({"level": _("You cannot escalate this suggestion from the {level} level.",
                                      level=_(LEVEL_LABELS[row["level"]]).lower())})
        target = escalation_target(row["level"])
        assert target is not None, "can_escalate allows only the levels that have one above them"
        return _escalate(con, row, actor.id, target, checked_text("note", note, required=False), now or utcnow())

    return _act(db, actor, suggestion_id, work)


def _escalate(con: Conn, row: dict, actor_id: int | None, target: str, note: str, now: datetime) -> int:
    con.execute("UPDATE suggestions SET level = ? WHERE id = ?", (target, row["id"]))
    return record(con, row["id"], actor_id, "escalated", row["level"], target, note, now)


def author_may_escalate(row: dict, *, today: date | None = None, sla_days: int, now: datetime | None = None,
                        office: OfficeCalendar | None = None) -> bool:
    """The author may escalate a still-new suggestion once the acknowledgement time has passed by its office's
    calendar (`office`: calendar.of_office; the organisation's default week when not given), on `today` (a local
    day) or at `now` (a stored moment, the default)."""
    office = office or OfficeCalendar()
    day = today if today is not None else office.today(now or utcnow())
    return (row["status"] == "new" and row["level"] in ("team", "office")
            and row["created_at"] < office.sla_deadline(day, sla_days))


def escalate_as_author(db: Database, author: Person, suggestion_id: int, *, today: date | None = None,
                       sla_days: int, note: str = "", now: datetime | None = None) -> int:
    """The named author escalates their unanswered suggestion to the region."""
    return _author_escalation(db, suggestion_id, author.id, today=today, sla_days=sla_days, note=note,
                              now=now or utcnow())


def escalate_with_code(db: Database, person: Person, code: str, *, today: date | None = None, sla_days: int,
                       note: str = "", now: datetime | None = None, tried: list[datetime] | None = None) -> str:
    """The anonymous author escalates through their follow-up code once the SLA has passed; like their replies,
    the escalation waits (with its day only) for the next day's release, so its time cannot point at them."""
    now = now or utcnow()
    release_due(db, now.date())
    opened = receipts.open_code(db, code, now=now, tried=tried)
    note = checked_text("note", note, required=False)

    def apply(con: Conn) -> str:
        row = con.one("SELECT id, status, level, author_id, office_id, created_at FROM suggestions WHERE id = ?",
                      (opened.suggestion_id,))
        if row is None or not author_may_escalate(row, today=today, sla_days=sla_days, now=now,
                                                  office=calendar.of_office(con, row["office_id"])):
            raise Invalid({"level": escalate_wait(sla_days)})
        if con.scalar("SELECT count(*) FROM held_author_events WHERE suggestion_id = ? AND kind = 'escalated'",
                      (row["id"],)):
            raise Invalid({"level": _("Your escalation is already waiting to be passed on.")})
        return hold_author_event(con, opened, "escalated", note, now.date())

    return db.write(apply, lock=("author", opened.suggestion_id, opened.held_id))


def _author_escalation(db: Database, suggestion_id: int, author_id: int, *, today: date | None, sla_days: int,
                       note: str, now: datetime) -> int:
    def apply(con: Conn) -> int:
        row = con.one("SELECT id, status, level, author_id, office_id, created_at FROM suggestions WHERE id = ?",
                      (suggestion_id,))
        if row is None or row["author_id"] != author_id:
            raise NotAllowed(_("Only the author can escalate this suggestion this way."))
        if not author_may_escalate(row, today=today, sla_days=sla_days, now=now,
                                   office=calendar.of_office(con, row["office_id"])):
            raise Invalid({"level": escalate_wait(sla_days)})
        return _escalate(con, row, author_id, "region", checked_text("note", note, required=False), now)

    return db.write(apply, lock=("suggestion", suggestion_id))
