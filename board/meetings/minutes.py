"""Meeting minutes: drafts kept server-side, validated publishing, amendments with every version kept."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from board.clock import utcnow
from board.errors import Invalid, NotAllowed, NotFound
from board.feedback.suggestions import clean, record
from board.i18n import N_, _, format_long_date
from board.meetings import actions
from board.org.access import Person, where
from board.store import Conn, Database

ITEM_KINDS = {"real_problem": N_("Real problem"), "anticipated_problem": N_("Anticipated problem"),
              "brainstorm": N_("Brainstorm"), "decision": N_("Decision"), "information": N_("Information")}
PROBLEM_KINDS = ("real_problem", "anticipated_problem")  # the items counted as problems discussed
PROBLEM_ITEMS = "i.kind IN (" + ", ".join(f"'{kind}'" for kind in PROBLEM_KINDS) + ")"  # SQL on meeting_items i
# SQL: a meeting's problems discussed and solutions recorded (its items still in the minutes), as count_items keeps
# them in meetings.problems and meetings.solutions.
ITEM_COUNTS = ("problems = (SELECT count(*) FROM meeting_items i WHERE i.meeting_id = meetings.id AND NOT i.removed"
               f" AND {PROBLEM_ITEMS}), solutions = (SELECT count(*) FROM meeting_items i"
               " WHERE i.meeting_id = meetings.id AND NOT i.removed AND i.solution <> '')")
MAX_TEXT = 5000
MAX_ACTION = 500
MAX_DRAFT = 500_000
DUE_AFTER = timedelta(days=7)  # a new action's default time to do it: until the next (weekly) meeting


def empty_item() -> dict:
    return {"id": None, "kind": "real_problem", "category": None, "discussed": "", "solution": "",
            "suggestion_ids": [], "actions": []}


def empty_action(meeting_date: str | None = None, *, today: date | None = None) -> dict:
    """A new action: no owner yet (the author chooses one, never a stray default); due by default_due."""
    day = parse_date(meeting_date)
    due = default_due(day, today or date.today()) if day else None
    return {"id": None, "description": "", "owner_id": None, "due_date": due.isoformat() if due else None,
            "status": "open"}


def default_due(meeting_day: date, today: date) -> date:
    """One week after the meeting, when a weekly team meets again to check it; minutes written up so late that
    this day has passed give a week from today instead, so that no action is born overdue."""
    due = meeting_day + DUE_AFTER
    return due if due > today else today + DUE_AFTER


def action_status(action: dict, today: date) -> str:
    """Open, Open and overdue, Done or Dropped (in the current language)."""
    due = parse_date(action.get("due_date"))
    overdue = action.get("status") == "open" and due is not None and due < today
    if overdue:
        return _("Open and overdue")
    status = action.get("status", "")
    return _(actions.STATUS_LABELS[status]) if status in actions.STATUS_LABELS else _("Open")


# --- who may record, who may read --------------------------------------------------------

def recordable_units(db: Database, person: Person) -> list[dict]:
    """Where the person may record minutes: a manager their team, a regional manager any office of their region."""
    with db.read() as con:
        if person.role == "manager":
            return [{"team_id": person.team_id, "office_id": person.office_id,
                     "label": unit_words(person.team, person.office)}]
        if person.role == "regional_manager":
            return [{"team_id": None, "office_id": r["id"], "label": unit_words(None, r["name"])} for r in con.rows(
                "SELECT id, name FROM offices WHERE region_id = ? ORDER BY name", (person.region_id,))]
    return []


unit_words = actions.unit_words  # where a meeting was held, in words ("Billing team, Dublin", "Dublin office")


def unit_words_of(row: dict) -> dict:
    """A row with `team_name` and `office_name` read: its `unit` in words, those two taken out."""
    team, office = row.pop("team_name"), row.pop("office_name")
    if office is not None:
        row["unit"] = unit_words(team, office)
    return row


def visible(viewer: Person) -> tuple[str, tuple]:
    """SQL on alias m for the minutes a person may read: published, within access.SCOPES["read_minutes"]."""
    condition, params = where(viewer, "read_minutes", "m")
    return f"m.status = 'published' AND {condition}", params


# --- drafts --------------------------------------------------------------------------------

def start_draft(db: Database, author: Person, *, team_id: int | None, office_id: int, today: date) -> int:
    """A new draft for a unit the author may record for; dated today, chaired by the author."""
    if not any(u["team_id"] == team_id and u["office_id"] == office_id for u in recordable_units(db, author)):
        raise NotAllowed(_("You may record minutes only for your own team (managers) or your region's offices."))
    doc = {"meeting_date": today.isoformat(), "chair_id": author.id, "attendee_ids": [], "items": [empty_item()]}
    return db.write(lambda con: con.scalar(
        "INSERT INTO meetings (team_id, office_id, region_id, author_id, status, draft, created_at)"
        " SELECT ?, o.id, o.region_id, ?, 'draft', ?, ? FROM offices o WHERE o.id = ? RETURNING id",
        (team_id, author.id, json.dumps(doc), utcnow(), office_id)))


def meeting_unit(db: Database, meeting_id: int) -> dict:
    """The team and office a meeting belongs to (no content)."""
    with db.read() as con:
        row = con.one("SELECT team_id, office_id FROM meetings WHERE id = ?", (meeting_id,))
    if row is None:
        raise NotFound(_("There are no such minutes."))
    return row


def my_drafts(db: Database, author: Person) -> list[dict]:
    with db.read() as con:
        rows = con.rows(
            "SELECT m.id, m.created_at, t.name AS team_name, o.name AS office_name"
            " FROM meetings m JOIN offices o ON o.id = m.office_id LEFT JOIN teams t ON t.id = m.team_id"
            " WHERE m.author_id = ? AND m.status = 'draft' ORDER BY m.id DESC", (author.id,))
    for row in rows:  # the team alone ("Billing team") or the office ("Dublin office")
        team, office = row.pop("team_name"), row.pop("office_name")
        row["unit"] = _("{team} team", team=team) if team else _("{office} office", office=office)
    return rows


def save_draft(db: Database, author: Person, meeting_id: int, doc: dict) -> None:
    """Keep the working copy of the author's draft (no validation: a draft may be incomplete)."""
    text = json.dumps(doc, default=str)
    if len(text) > MAX_DRAFT:
        raise Invalid({"draft": _("These minutes are too long to keep as one draft; shorten some items.")})
    def apply(con: Conn) -> None:
        _own(con, author, meeting_id, status="draft")
        con.execute("UPDATE meetings SET draft = ? WHERE id = ?", (text, meeting_id))
    db.write(apply, lock=("meeting", meeting_id))


def _own(con: Conn, author: Person, meeting_id: int, *, status: str) -> dict:
    """The author's own meeting; another person's is never read (the author is part of the query)."""
    row = con.one("SELECT * FROM meetings WHERE id = ? AND author_id = ?", (meeting_id, author.id))
    if row is None:
        raise NotAllowed(_("Only the person who recorded these minutes may change them."))
    if row["status"] != status:
        raise Invalid({"status": _("These minutes were already published.") if status == "draft"
                       else _("These minutes are still a draft.")})
    return row


def load_for_editing(db: Database, author: Person, meeting_id: int) -> dict:
    """The document the author edits: the draft's working copy, or the published content to amend."""
    with db.read() as con:
        row = con.one("SELECT * FROM meetings WHERE id = ? AND author_id = ?", (meeting_id, author.id))
        if row is None:
            raise NotAllowed(_("Only the person who recorded these minutes may change them."))
        if row["status"] == "draft":
            return json.loads(row["draft"])
        return _content(con, row)


def _content(con: Conn, row: dict) -> dict:
    """The published meeting as a document (the same shape a draft has)."""
    items = con.rows("SELECT id, kind, category, discussed, solution FROM meeting_items"
                     " WHERE meeting_id = ? AND NOT removed ORDER BY position", (row["id"],))
    for item in items:
        item["suggestion_ids"] = [r["suggestion_id"] for r in con.rows(
            "SELECT suggestion_id FROM item_links WHERE item_id = ? ORDER BY suggestion_id", (item["id"],))]
        item["actions"] = con.rows(
            "SELECT id, description, owner_id, CAST(due_date AS VARCHAR) AS due_date, status FROM action_items"
            " WHERE item_id = ? AND NOT removed ORDER BY id", (item["id"],))
    return {"meeting_date": row["meeting_date"].isoformat() if row["meeting_date"] else None,
            "chair_id": row["chair_id"], "attendee_ids": list(row["attendee_ids"]), "items": items}


# --- validation ----------------------------------------------------------------------------

def validate(con: Conn, doc: dict, meeting: dict, *, today: date, categories: tuple[str, ...]) -> dict[str, str]:
    """{field path: message}; paths look like "meeting_date", "items.0.discussed", "items.0.actions.1.owner_id"."""
    errors: dict[str, str] = {}
    day = parse_date(doc.get("meeting_date"))
    if day is None:
        errors["meeting_date"] = _("Give the date of the meeting.")
    elif day > today:
        errors["meeting_date"] = _("The meeting date cannot be in the future.")
    roster = {r["id"] for r in con.rows("SELECT id FROM people WHERE active")}
    if doc.get("chair_id") not in roster:
        errors["chair_id"] = _("Choose the chair from the roster.")
    if any(a not in roster for a in doc.get("attendee_ids", [])):
        errors["attendee_ids"] = _("Every attendee must be an active person in the roster.")
    if not doc.get("items"):
        errors["items"] = _("Add at least one item: what was discussed.")
    office_suggestions = {r["id"] for r in con.rows("SELECT id FROM suggestions WHERE office_id = ?",
                                                    (meeting["office_id"],))}
    for i, item in enumerate(doc.get("items", [])):
        errors.update(_item_errors(f"items.{i}", item, day, roster, office_suggestions, categories))
    return errors


def _item_errors(path: str, item: dict, day: date | None, roster: set, suggestion_ids: set,
                 categories: tuple[str, ...]) -> dict[str, str]:
    errors = {}
    if item.get("kind") not in ITEM_KINDS:
        errors[f"{path}.kind"] = _("Choose what kind of item this is.")
    if not clean(item.get("discussed")):
        errors[f"{path}.discussed"] = _("Say what was discussed.")
    for name in ("discussed", "solution"):
        if len(clean(item.get(name))) > MAX_TEXT:
            errors[f"{path}.{name}"] = _("Write at most {most} characters.", most=MAX_TEXT)
    if item.get("category") not in (None, "", *categories):
        errors[f"{path}.category"] = _("Choose one of the categories.")
    if any(s not in suggestion_ids for s in item.get("suggestion_ids", [])):
        errors[f"{path}.suggestion_ids"] = _("Link only suggestions of this office.")
    for j, action in enumerate(item.get("actions", [])):
        where = f"{path}.actions.{j}"
        if not clean(action.get("description")):
            errors[f"{where}.description"] = _("Say what is to be done.")
        elif len(clean(action.get("description"))) > MAX_ACTION:
            errors[f"{where}.description"] = _("Write at most {most} characters.", most=MAX_ACTION)
        if action.get("owner_id") not in roster:
            errors[f"{where}.owner_id"] = _("Choose the owner from the roster.")
        due = parse_date(action.get("due_date"))
        if due is None:
            errors[f"{where}.due_date"] = _("Give a due date.")
        elif day is not None and due < day:
            errors[f"{where}.due_date"] = _("The due date cannot be before the meeting.")
    return errors


def parse_date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


# --- publishing and amending ----------------------------------------------------------------

def publish(db: Database, author: Person, meeting_id: int, doc: dict, *, today: date,
            categories: tuple[str, ...]) -> int:
    """Validate and publish a draft in one transaction; the draft stays as it was when invalid."""
    return _write_version(db, author, meeting_id, doc, today=today, categories=categories, status="draft")


def amend(db: Database, author: Person, meeting_id: int, doc: dict, *, today: date,
          categories: tuple[str, ...]) -> int:
    """The author amends published minutes; the previous versions stay in the history."""
    return _write_version(db, author, meeting_id, doc, today=today, categories=categories, status="published")


def _write_version(db: Database, author: Person, meeting_id: int, doc: dict, *, today: date,
                   categories: tuple[str, ...], status: str) -> int:
    def apply(con: Conn) -> int:
        meeting = _own(con, author, meeting_id, status=status)
        errors = validate(con, doc, meeting, today=today, categories=categories)
        if errors:
            raise Invalid(errors)
        now = utcnow()
        con.execute(
            "UPDATE meetings SET status = 'published', draft = NULL, meeting_date = ?, chair_id = ?,"
            " attendee_ids = ?, version = version + 1, published_at = coalesce(published_at, ?) WHERE id = ?",
            (parse_date(doc["meeting_date"]), doc["chair_id"], list(doc["attendee_ids"]), now, meeting_id))
        _apply_items(con, author, meeting, doc, now)
        count_items(con, meeting_id)
        saved = _content(con, {**meeting, "meeting_date": parse_date(doc["meeting_date"]), "chair_id": doc["chair_id"],
                               "attendee_ids": doc["attendee_ids"]})
        version = meeting["version"] + 1
        con.execute("INSERT INTO meeting_versions (meeting_id, version, author_id, content, created_at)"
                    " VALUES (?, ?, ?, ?, ?)", (meeting_id, version, author.id, json.dumps(saved), now))
        return version

    return db.write(apply, lock=("meeting", meeting_id))


def _apply_items(con: Conn, author: Person, meeting: dict, doc: dict, now: datetime) -> None:
    """Update items and actions by id, insert new ones, mark the dropped ones removed; record new links."""
    # Only this meeting's own item ids count: any other id in the document becomes a new item.
    own = {r["id"] for r in con.rows("SELECT id FROM meeting_items WHERE meeting_id = ? AND NOT removed",
                                     (meeting["id"],))}
    kept = {i["id"] for i in doc["items"] if i.get("id") in own}
    con.execute("UPDATE meeting_items SET removed = TRUE"
                " WHERE meeting_id = ? AND NOT (id = ANY(CAST(? AS INTEGER[])))", (meeting["id"], sorted(kept)))
    con.execute("UPDATE action_items SET removed = TRUE WHERE meeting_id = ? AND item_id IN"
                " (SELECT id FROM meeting_items WHERE meeting_id = ? AND removed)", (meeting["id"], meeting["id"]))
    for position, item in enumerate(doc["items"]):
        values = (item["kind"], item.get("category") or None, clean(item["discussed"]), clean(item.get("solution")))
        if item.get("id") in kept:
            item_id = item["id"]
            con.execute("UPDATE meeting_items SET position = ?, kind = ?, category = ?, discussed = ?, solution = ?"
                        " WHERE id = ? AND meeting_id = ?", (position, *values, item_id, meeting["id"]))
        else:
            item_id = con.scalar("INSERT INTO meeting_items (meeting_id, position, kind, category, discussed, solution)"
                                 " VALUES (?, ?, ?, ?, ?, ?) RETURNING id", (meeting["id"], position, *values))
        _apply_actions(con, meeting["id"], item_id, item.get("actions", []), author, now)
        # An unlinked suggestion leaves this item; the versions table keeps that it was linked.
        linked = list(item.get("suggestion_ids", []))
        con.execute("DELETE FROM item_links WHERE item_id = ? AND NOT (suggestion_id = ANY(CAST(? AS INTEGER[])))",
                    (item_id, linked))
        for suggestion_id in item.get("suggestion_ids", []):
            if con.scalar("INSERT INTO item_links (item_id, suggestion_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
                          " RETURNING 1", (item_id, suggestion_id)):
                day = parse_date(doc["meeting_date"])
                assert day is not None, "validate() refuses minutes without a meeting date"
                record(con, suggestion_id, author.id, "discussed", None, str(meeting["id"]),
                       discussed_note(con, meeting, day), now)


def count_items(con: Conn, meeting_id: int | None = None) -> None:
    """Set a meeting's problems and solutions from its items, in the transaction that wrote them (every meeting's
    when none is named: after a bulk load). The dashboards and lists read these counts, never the items."""
    which, params = ("WHERE id = ?", (meeting_id,)) if meeting_id is not None else ("", ())
    con.execute(f"UPDATE meetings SET {ITEM_COUNTS} {which}", params)


def _apply_actions(con: Conn, meeting_id: int, item_id: int, actions: list[dict], author: Person,
                   now: datetime) -> None:
    own = {r["id"] for r in con.rows("SELECT id FROM action_items WHERE item_id = ? AND NOT removed", (item_id,))}
    kept = sorted(a["id"] for a in actions if a.get("id") in own)
    con.execute("UPDATE action_items SET removed = TRUE"
                " WHERE item_id = ? AND NOT (id = ANY(CAST(? AS INTEGER[])))", (item_id, kept))
    for action in actions:
        values = (clean(action["description"]), action["owner_id"], parse_date(action["due_date"]))
        if action.get("id") in own:
            con.execute("UPDATE action_items SET description = ?, owner_id = ?, due_date = ? WHERE id = ?"
                        " AND item_id = ?", (*values, action["id"], item_id))
            continue
        action_id = con.scalar(
            "INSERT INTO action_items (item_id, meeting_id, description, owner_id, due_date, status)"
            " VALUES (?, ?, ?, ?, ?, 'open') RETURNING id", (item_id, meeting_id, *values))
        con.execute("INSERT INTO action_events (action_id, actor_id, to_status, created_at) VALUES (?, ?, 'open', ?)",
                    (action_id, author.id, now))


def long_date(day: date) -> str:
    """12 March 2026 (no leading zero), the month in the current language."""
    return format_long_date(day)


def discussed_note(con: Conn, meeting: dict, day: date) -> str:
    """The note of a suggestion's 'discussed' event, in the language of the person publishing the minutes: "Discussed
    in the Billing team, Dublin meeting of 12 March 2026" (or "the Dublin office meeting")."""
    names = con.one("SELECT t.name AS team, o.name AS office FROM offices o LEFT JOIN teams t ON t.id = ?"
                    " WHERE o.id = ?", (meeting["team_id"], meeting["office_id"]))
    assert names is not None, "a meeting's office exists"
    return _("Discussed in the {unit} meeting of {day}", unit=unit_words(names["team"], names["office"]),
             day=long_date(day))


# --- reading -----------------------------------------------------------------------------------

def list_sql(*, attendees: bool = False) -> str:
    """SELECT ... FROM meetings m (with unit, chair, author, and how many problems and solutions), before any
    WHERE; `attendees` adds the attendee and chair ids (first)."""
    return ("SELECT" + (" m.attendee_ids, m.chair_id," if attendees else "")
            + """ m.id, m.meeting_date, coalesce(t.name || ' team, ' || o.name, o.name || ' office') AS unit,
       t.name AS team_name, o.name AS office_name,
       c.name AS chair, a.name AS author, m.review_status, m.version, m.author_id, m.team_id, m.office_id,
       m.problems, m.solutions
FROM meetings m JOIN offices o ON o.id = m.office_id LEFT JOIN teams t ON t.id = m.team_id
LEFT JOIN people c ON c.id = m.chair_id JOIN people a ON a.id = m.author_id
""")


def list_minutes(db: Database, viewer: Person, *, limit: int = 200, offset: int = 0) -> list[dict]:
    """Published minutes the viewer may read, newest meeting first (`limit` of them after the first `offset`)."""
    condition, params = visible(viewer)
    with db.read() as con:
        rows = con.rows(list_sql() + f" WHERE {condition} ORDER BY m.meeting_date DESC, m.id DESC LIMIT ? OFFSET ?",
                        (*params, limit, offset))
    return [unit_words_of(row) for row in rows]


def get_meeting(db: Database, viewer: Person, meeting_id: int) -> dict:
    """One published meeting with items, actions, links, reviews and versions; NotAllowed outside scope."""
    condition, params = visible(viewer)
    with db.read() as con:
        row = con.one(list_sql(attendees=True) + f" WHERE m.id = ? AND {condition}", (meeting_id, *params))
        if row is None:
            raise NotAllowed(_("You are not allowed to read these minutes, or they do not exist."))
        unit_words_of(row)
        row["items"] = _content(con, row)["items"]
        _name_people(con, row)
        row["reviews"] = con.rows("SELECT r.created_at, p.name AS reviewer, r.verdict, r.comment FROM meeting_reviews r"
                                  " JOIN people p ON p.id = r.reviewer_id WHERE r.meeting_id = ? ORDER BY r.id",
                                  (meeting_id,))
        row["versions"] = con.rows("SELECT v.version, v.created_at, p.name AS author FROM meeting_versions v"
                                   " JOIN people p ON p.id = v.author_id WHERE v.meeting_id = ? ORDER BY v.version",
                                   (meeting_id,))
    return row


def version_content(db: Database, viewer: Person, meeting_id: int, version: int) -> dict:
    """What a given version said (readers of the meeting only)."""
    get_meeting(db, viewer, meeting_id)
    with db.read() as con:
        content = con.scalar("SELECT content FROM meeting_versions WHERE meeting_id = ? AND version = ?",
                             (meeting_id, version))
        if content is None:
            raise NotFound(_("There is no such version."))
        return _name_people(con, json.loads(content))


FORMER = N_("someone no longer in the roster")


def _name_people(con: Conn, doc: dict) -> dict:
    """Add to the document (a version, or a meeting with its items) the names of the people it holds by id: its
    `chair` and `attendees`, and each action's `owner` (a version may name someone since removed)."""
    acts = [a for item in doc.get("items", []) for a in item.get("actions", [])]
    ids = [doc.get("chair_id"), *doc.get("attendee_ids", []), *(a.get("owner_id") for a in acts)]
    wanted = sorted({i for i in ids if isinstance(i, int)})
    names = {r["id"]: r["name"] for r in con.rows(
        "SELECT id, name FROM people WHERE id = ANY(CAST(? AS INTEGER[]))", (wanted,))}
    former = _(FORMER)
    for action in acts:
        action["owner"] = names.get(action.get("owner_id"), former)
    chair = doc.get("chair_id")
    doc["chair"] = names.get(chair, former) if chair is not None else None
    doc["attendees"] = [names.get(i, former) for i in doc.get("attendee_ids", [])]
    return doc


def carried_actions(db: Database, author: Person, meeting_id: int, *, today: date) -> list[dict]:
    """The open actions agreed in earlier published minutes of the same team (or office) as the author's
    meeting, soonest due first (actions.team_open's rows): a recurring meeting picks up what is still to do."""
    with db.read() as con:
        unit = con.one("SELECT team_id, office_id FROM meetings WHERE id = ? AND author_id = ?",
                       (meeting_id, author.id))
    if unit is None:
        raise NotAllowed(_("Only the person who recorded these minutes may change them."))
    carried = actions.team_open(db, author, today=today, office_id=unit["office_id"], team_id=unit["team_id"] or 0)
    return [a for a in carried if a["meeting_id"] != meeting_id]
