"""Action items from minutes: my actions, a unit's open actions, one action with its history, closing one. An action
is overdue once its due date has passed in the local day of its meeting's office (board.org.calendar)."""

from __future__ import annotations

from datetime import date, datetime

from board.clock import utcnow
from board.errors import Invalid, NotAllowed
from board.feedback.suggestions import checked_text, clean
from board.i18n import N_, _, format_day, ngettext
from board.org import calendar
from board.org.access import Person, where
from board.org.calendar import ByOffice, office_sql
from board.store import Conn, Database

STATUS_LABELS = {"open": N_("Open"), "done": N_("Done"), "dropped": N_("Dropped")}
SHOW = {"open": N_("Open"), "done": N_("Done"), "dropped": N_("Dropped"), "all": N_("All")}  # what My actions lists

# {today}: each action's local day, by the office of its meeting (action_sql); ACTION_SQL takes one day as ?.
ACTION_TEMPLATE = """
SELECT a.id, a.description, a.due_date, a.status, a.closed_at, a.owner_id, p.name AS owner,
       m.id AS meeting_id, m.meeting_date, m.author_id, m.office_id, coalesce(m.team_id, 0) AS team_id,
       coalesce(t.name || ' team, ' || o.name, o.name || ' office') AS unit, t.name AS team_name, o.name AS office_name,
       a.status = 'open' AND a.due_date < {today} AS overdue
FROM action_items a JOIN meetings m ON m.id = a.meeting_id JOIN people p ON p.id = a.owner_id
JOIN offices o ON o.id = m.office_id LEFT JOIN teams t ON t.id = m.team_id
WHERE NOT a.removed AND m.status = 'published'
"""
ACTION_SQL = ACTION_TEMPLATE.replace("{today}", "?")


def local_days(con: Conn, *, today: date | None = None, now: datetime | None = None) -> ByOffice[date]:
    """Each office's local day at `now` (a stored moment, the default), or one given day in every office."""
    return calendar.load_in(con).days(now=now or (utcnow() if today is None else None), today=today)


def action_sql(days: ByOffice[date]) -> tuple[str, tuple, str, tuple]:
    """ACTION_SQL with each action overdue by its meeting's office's local day, its parameters, and the
    condition (and parameters) "open and overdue" for a WHERE."""
    local_day, params = office_sql(days, "m.office_id", "DATE")
    return (ACTION_TEMPLATE.replace("{today}", local_day), params,
            f"a.status = 'open' AND a.due_date < {local_day}", params)


def unit_words(team: str | None, office: str) -> str:
    """Where a meeting was held, in words: "Billing team, Dublin", or "Dublin office" for a whole office (the one
    rule: minutes reads it from here, since minutes imports this module)."""
    return _("{team} team, {office}", team=team, office=office) if team else _("{office} office", office=office)


def in_words(row: dict) -> dict:
    """A row of action_sql (or grouped by its unit) with its `unit` in the viewer's words, from the names read."""
    if "office_name" in row:
        row["unit"] = unit_words(row.pop("team_name", None), row.pop("office_name"))
    return row


def _dated(rows: list[dict], days: ByOffice[date]) -> list[dict]:
    """Each row with `today`, the local day of its office (due_words reads it), and its unit in words."""
    for row in rows:
        row["today"] = days.get(row["office_id"])
        in_words(row)
    return rows


def due_words(row: dict, today: date | None = None) -> str:
    """When an action is due, in words: "due 09 Dec 2026", "due today", "overdue by 3 days", or, once closed,
    "done on 03 Dec 2026" (the day it was closed); counted from `today`, by default the row's own (its office's
    local day, as the reads here give it)."""
    today = today if today is not None else row["today"]
    if row["status"] != "open":
        closed = row["closed_at"]
        if closed and row["status"] == "done":
            return _("done on {day}", day=format_day(closed))
        if closed and row["status"] == "dropped":
            return _("dropped on {day}", day=format_day(closed))
        return _(STATUS_LABELS[row["status"]]).lower() if row["status"] in STATUS_LABELS else row["status"]
    days = (row["due_date"] - today).days
    if days == 0:
        return _("due today")
    if days == 1:
        return _("due tomorrow")
    if days > 0:
        return _("due {day}", day=format_day(row["due_date"]))
    return ngettext("overdue by {n} day", "overdue by {n} days", -days)


def mine(db: Database, person: Person, *, today: date | None = None, now: datetime | None = None,
         status: str = "open", overdue_only: bool = False) -> list[dict]:
    """The person's action items of a status (SHOW: "all" for every one), soonest due first; overdue by the
    local day of each one's office at `now` (the default), or on one given day (`today`)."""
    if status not in SHOW:
        raise Invalid({"status": _("Choose open, done, dropped or all.")})
    with db.read() as con:
        days = local_days(con, today=today, now=now)
        source, first, condition, params = _narrowed(days, status=status, overdue_only=overdue_only)
        return _dated(con.rows(source + f" AND a.owner_id = ?{condition} ORDER BY a.due_date, a.id",
                               (*first, person.id, *params)), days)


def team_open(db: Database, manager: Person, *, today: date | None = None, now: datetime | None = None,
              office_id: int | None = None, team_id: int | None = None, owner_id: int | None = None,
              overdue_only: bool = False) -> list[dict]:
    """Open actions from meetings of the manager's unit (a regional manager: their region's; a leader: all),
    soonest due first; narrowed to one unit (team_id 0: the office's own meetings), one owner, or the overdue."""
    condition, params = where(manager, "team_actions", "m")
    with db.read() as con:
        days = local_days(con, today=today, now=now)
        source, first, narrowed, extra = _narrowed(days, status="open", overdue_only=overdue_only,
                                                   office_id=office_id, team_id=team_id, owner_id=owner_id)
        return _dated(con.rows(source + f" AND {condition}{narrowed} ORDER BY a.due_date, a.id",
                               (*first, *params, *extra)), days)


def team_units(db: Database, manager: Person, *, today: date | None = None,
               now: datetime | None = None) -> list[dict]:
    """The units with open actions in the manager's scope: how many are open and overdue, most overdue first."""
    condition, params = where(manager, "team_actions", "m")
    with db.read() as con:
        source, first, *_late = action_sql(local_days(con, today=today, now=now))
        return [in_words(row) for row in con.rows(
            f"SELECT office_id, team_id, unit, team_name, office_name, count(*) AS open,"
            f" count(*) FILTER (WHERE overdue) AS overdue FROM ({source} AND a.status = 'open' AND {condition}) x"
            " GROUP BY office_id, team_id, unit, team_name, office_name ORDER BY overdue DESC, open DESC, unit",
            (*first, *params))]


def team_owners(db: Database, manager: Person, *, today: date | None = None,
                now: datetime | None = None) -> list[dict]:
    """The people owning open actions in the manager's scope, by name, with how many each owns."""
    condition, params = where(manager, "team_actions", "m")
    with db.read() as con:
        source, first, *_late = action_sql(local_days(con, today=today, now=now))
        return con.rows(f"SELECT owner_id, owner, count(*) AS open FROM ({source} AND a.status = 'open'"
                        f" AND {condition}) x GROUP BY owner_id, owner ORDER BY owner, owner_id", (*first, *params))


def _narrowed(days: ByOffice[date], *, status: str, overdue_only: bool, office_id: int | None = None,
              team_id: int | None = None, owner_id: int | None = None) -> tuple[str, tuple, str, tuple]:
    """action_sql's source and parameters, and the conditions chosen (with theirs)."""
    source, first, late, late_params = action_sql(days)
    parts: list[str] = []
    params: list[object] = []
    if status != "all":
        parts.append("a.status = ?")
        params.append(status)
    if overdue_only:
        parts.append(late)
        params.extend(late_params)
    for column, value in (("m.office_id", office_id), ("coalesce(m.team_id, 0)", team_id), ("a.owner_id", owner_id)):
        if value is not None:
            parts.append(f"{column} = ?")
            params.append(value)
    return source, first, "".join(f" AND {p}" for p in parts), tuple(params)


def get(db: Database, viewer: Person, action_id: int, *, today: date | None = None,
        now: datetime | None = None) -> dict:
    """One action item, for its owner or anyone who may read its meeting's minutes (else NotAllowed), with its
    history (`events`, oldest first: who changed it, to what, with which note) and whether the viewer may close it."""
    condition, params = where(viewer, "read_minutes", "m", refuse=False)
    with db.read() as con:
        days = local_days(con, today=today, now=now)
        source, first, *_late = action_sql(days)
        row = con.one(source + f" AND a.id = ? AND (a.owner_id = ? OR {condition})",
                      (*first, action_id, viewer.id, *params))
        if row is None:
            raise NotAllowed(_("You are not allowed to read this action, or it does not exist."))
        _dated([row], days)
        row["events"] = con.rows(
            "SELECT e.created_at, e.from_status, e.to_status, e.note, p.name AS actor FROM action_events e"
            " LEFT JOIN people p ON p.id = e.actor_id WHERE e.action_id = ? ORDER BY e.created_at, e.id",
            (action_id,))
    row["can_close"] = row["status"] == "open" and viewer.id in (row["owner_id"], row["author_id"])
    return row


def close(db: Database, person: Person, action_id: int, to: str, note: str = "") -> None:
    """The owner (or whoever recorded the minutes) marks an open action done or dropped; dropping needs a note."""
    note = clean(note)
    if to not in ("done", "dropped"):
        raise Invalid({"status": _("Mark it done or dropped.")})
    if to == "dropped" and not note:
        raise Invalid({"note": _("Say why the action is dropped.")})
    checked_text("note", note, required=False)

    def apply(con: Conn) -> None:
        row = con.one("SELECT a.status FROM action_items a JOIN meetings m ON m.id = a.meeting_id"
                      " WHERE a.id = ? AND NOT a.removed AND ? IN (a.owner_id, m.author_id)", (action_id, person.id))
        if row is None:
            raise NotAllowed(_("Only the action's owner or the minutes' author may close it."))
        if row["status"] != "open":
            raise Invalid({"status": _("This action is already {status}.",
                                       status=_(STATUS_LABELS[row["status"]]).lower())})
        now = utcnow()
        con.execute("UPDATE action_items SET status = ?, closed_at = ? WHERE id = ?", (to, now, action_id))
        con.execute("INSERT INTO action_events (action_id, actor_id, from_status, to_status, note, created_at)"
                    " VALUES (?, ?, 'open', ?, ?, ?)", (action_id, person.id, to, note, now))

    db.write(apply, lock=("action", action_id))
