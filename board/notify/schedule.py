"""Scheduled notifications: daily and weekly digests, acknowledgement-time warnings, actions falling due and pulse
reminders, each at settings.digest_hour in the organisation's time zone (settings.time_zone). What is overdue or
falls due, and whether a day is a working day, follows each office's calendar (board.org.calendar).

Every job is idempotent per (recipient, kind, period): each message's outbox key names both ("p12:weekly:2026-W49"),
and a job done for a whole period is recorded in schedule_runs ("weekly:2026-W49"), so a second run, a second
server or a restart adds nothing twice. A job runs on its day only (from the digest hour to midnight, local time):
a worker down for a whole day skips that day's job rather than sending it late.

The figures of a weekly digest are those the person's pages show (the triage queue, the review queue, the actions
of their unit), read for everyone at once and given to each person by the rules of board.org.access (`in_scope`),
the triage queue's levels and its order: they equal triage.queue_counts, triage.queue, review.queue and
actions.team_open for the same person (tests/service/test_notify_schedule.py checks). No digest carries any morale
or pulse figure. Pulse reminders say nothing about anyone else, and only their count is kept (schedule_runs.added);
the worker deletes each reminder once sent, so nothing lists who was reminded."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from board.clock import shown
from board.feedback.triage import ATTENTION_SQL, QUEUE_LEVELS, SORTS, overdue_sql
from board.feedback.workflow import OPEN, STATUS_LABELS
from board.i18n import _, format_date, format_day, label, ngettext, using, zone_info
from board.meetings.actions import action_sql, due_words, in_words, local_days
from board.meetings.minutes import list_sql, unit_words
from board.morale import pulse
from board.notify.kinds import DAILY_DIGEST, ROLE_KINDS
from board.notify.outbox import Batch, locales
from board.org import calendar
from board.org import settings as org_settings
from board.org.access import Person, in_scope, scope
from board.org.calendar import office_sql
from board.org.people import person_sql
from board.org.settings import Settings
from board.store import Conn, Database

LOCK = ("notify_schedule",)  # one scheduled job writes at a time, on every server
TOP = 3  # suggestions (and minutes) named in a weekly digest
WEEK = timedelta(days=7)
OVERDUE_REACH = timedelta(days=7)  # an action overdue longer than this when first seen is not announced
MANAGING = ("manager", "regional_manager", "leader")
CHUNK = 500  # rows per INSERT (PostgreSQL binds at most 65,535 parameters in one statement)
# Each active person's role and choice for a kind: what outbox.enqueue reads for one person, for everyone at once.
RECIPIENTS_SQL = ("SELECT p.id, p.role, np.mode AS chosen FROM people p LEFT JOIN notification_preferences np"
                  " ON np.person_id = p.id AND np.kind = ? WHERE p.active")


def run_due(db: Database, *, now: datetime) -> dict[str, int]:
    """Every job whose time has come at `now` (UTC, naive): how many messages each added."""
    current = org_settings.load(db)
    return {"daily_digest": daily_digests(db, now=now, settings=current),
            "weekly_digest": weekly_digests(db, now=now, settings=current),
            "queue_sla": sla_warnings(db, now=now, settings=current),
            "action_due": action_reminders(db, now=now, settings=current),
            "pulse_reminder": pulse_reminders(db, now=now, settings=current)}


# --- time in the organisation's zone ---------------------------------------------------------------------------

def zone(current: Settings) -> ZoneInfo:
    """The organisation's time zone (UTC if the saved name is no longer known)."""
    return zone_info(current.time_zone)


def local(now: datetime, current: Settings) -> datetime:
    """A stored (UTC, naive) time on the organisation's clock."""
    return now.replace(tzinfo=UTC).astimezone(zone(current))


def digest_moment(day: date, current: Settings) -> datetime:
    """digest_hour:00 of a local day, as a stored time (UTC, naive)."""
    return (datetime.combine(day, time(current.digest_hour), tzinfo=zone(current))
            .astimezone(UTC).replace(tzinfo=None))


def due_day(now: datetime, current: Settings) -> date | None:
    """The local day whose jobs are due at `now`: today once its digest hour has come, else None."""
    today = local(now, current).date()
    return today if digest_moment(today, current) <= now else None


def week_label(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


# --- shared helpers ------------------------------------------------------------------------------------------------

def _done(con: Conn, key: str) -> bool:
    return bool(con.scalar("SELECT count(*) FROM schedule_runs WHERE key = ?", (key,)))


def _record(con: Conn, key: str, now: datetime, added: int) -> None:
    con.execute("INSERT INTO schedule_runs (key, ran_at, added) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
                (key, now, added))


def _existing(con: Conn, keys: list[str]) -> set[str]:
    """The keys among these already in the outbox."""
    found: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        part = keys[start:start + CHUNK]
        found.update(r["key"] for r in con.rows(
            f"SELECT key FROM outbox WHERE key IN ({', '.join('?' * len(part))})", part))
    return found


def add(con: Conn, kind: str, messages: list[dict], *, now: datetime, settings: Settings) -> int:
    """Add many messages of one kind inside the caller's transaction, as outbox.enqueue adds one: each to an active
    person ({person_id, key, subject, body, link}) as they chose to receive the kind (nothing for 'never'), a key
    already in the outbox adding nothing; in batches of CHUNK rows. How many were added."""
    there = _existing(con, [m["key"] for m in messages])
    people = {r["id"]: r for r in con.rows(RECIPIENTS_SQL, (kind,))} if messages else {}
    batch, added = Batch(con, now, settings), 0
    for m in messages:
        person = people.get(m["person_id"])
        if person is None or m["key"] in there:
            continue
        batch.person(m["person_id"], person["role"], person["chosen"], key=m["key"], kind=kind,
                     subject=m["subject"], body=m["body"], link=m["link"])
        there.add(m["key"])
        if len(batch.rows) >= CHUNK:
            added += len(batch.rows)
            batch.write()
    added += len(batch.rows)
    batch.write()
    return added


def _people(con: Conn, roles: Iterable[str]) -> list[Person]:
    """The active people of some roles, with their units (people.person_sql)."""
    roles = tuple(roles)
    return [Person(**row) for row in con.rows(
        person_sql() + f" WHERE p.active AND p.role IN ({', '.join('?' * len(roles))}) ORDER BY p.id", roles)]


def _unit_index(rows: list[dict]) -> dict[tuple, list[dict]]:
    """Rows (with office_id and region_id) by office, by region and all together: where to look for a person's."""
    index: dict[tuple, list[dict]] = {("all", 0): rows}
    for row in rows:
        index.setdefault(("office", row["office_id"]), []).append(row)
        index.setdefault(("region", row["region_id"]), []).append(row)
    return index


def reached(person: Person, rule: str, index: dict[tuple, list[dict]]) -> list[dict]:
    """The rows of an index a person reaches under an access rule: `in_scope`, looked for only where the rule's
    reach can find any (their office for a team or office, their region, everything)."""
    reach = scope(person, rule)
    if reach is None:
        return []
    where = {"all": ("all", 0), "region": ("region", person.region_id)}.get(reach, ("office", person.office_id))
    return [row for row in index.get(where, []) if in_scope(person, rule, row)]


def in_queue(person: Person, row: dict) -> bool:
    """Whether a suggestion (or a group of them, by unit and level) is in the person's triage queue:
    triage.queue_scope's rule, for rows in memory."""
    levels = QUEUE_LEVELS.get(person.role)
    return in_scope(person, "triage_queue", row) and (levels is None or row["level"] in levels)


# --- daily digest --------------------------------------------------------------------------------------------------

def daily_digests(db: Database, *, now: datetime, settings: Settings) -> int:
    """For each person with 'daily' items due: one message listing them, and those items marked digested with it,
    in one transaction (items of a person who left are skipped). A digest is keyed by its local day: an item due
    after the day's digest went out waits for the next one."""
    with db.read() as con:
        if not con.scalar(f"SELECT count(*) FROM outbox WHERE {DAILY_DUE}", (now,)):
            return 0
    return db.write(lambda con: _daily(con, local(now, settings).date(), now, settings), lock=LOCK)


# The daily items due: never a pulse reminder (kinds.NOW_OR_NEVER keeps them out; this says it again).
DAILY_DUE = ("mode = 'daily' AND state = 'pending' AND next_at <= ? AND person_id IS NOT NULL"
             " AND kind <> 'pulse_reminder'")


def _daily(con: Conn, day: date, now: datetime, settings: Settings) -> int:
    items: dict[int, list[dict]] = {}
    for row in con.rows(f"SELECT id, person_id, subject, link FROM outbox WHERE {DAILY_DUE}"
                        " ORDER BY person_id, created_at, id", (now,)):
        items.setdefault(row["person_id"], []).append(row)
    keys = {person_id: f"p{person_id}:daily:{day.isoformat()}" for person_id in items}
    done = _existing(con, list(keys.values()))
    waiting = {person_id: rows for person_id, rows in items.items() if keys[person_id] not in done}
    languages = locales(con, waiting)
    added = add(con, DAILY_DIGEST, [_daily_text(person_id, keys[person_id], rows, languages[person_id])
                                    for person_id, rows in waiting.items()], now=now, settings=settings)
    digests = _ids(con, [keys[person_id] for person_id in waiting])
    carried = [(row["id"], digests[keys[person_id]]) for person_id, rows in waiting.items()
               if keys[person_id] in digests for row in rows]
    left = [row["id"] for person_id, rows in waiting.items() if keys[person_id] not in digests for row in rows]
    if carried:
        con.execute("UPDATE outbox SET state = 'digested', digest_id = d.digest_id FROM (SELECT unnest(?::BIGINT[])"
                    " AS id, unnest(?::BIGINT[]) AS digest_id) d WHERE outbox.id = d.id",
                    ([i for i, _digest in carried], [d for _item, d in carried]))
    if left:  # the person left: never to be sent
        con.execute("UPDATE outbox SET state = 'skipped' WHERE id IN (SELECT unnest(?::BIGINT[]))", (left,))
    return added


def _ids(con: Conn, keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(keys), CHUNK):
        part = keys[start:start + CHUNK]
        found.update((r["key"], r["id"]) for r in con.rows(
            f"SELECT id, key FROM outbox WHERE key IN ({', '.join('?' * len(part))})", part))
    return found


def _daily_text(person_id: int, key: str, rows: list[dict], locale: str) -> dict:
    """Each item's subject (written in the person's language when it was queued) and link, in the order they
    happened; the subject in the person's language."""
    body = "\n\n".join(row["subject"] + (f"\n{row['link']}" if row["link"] else "") for row in rows)
    with using(locale):
        subject = ngettext("Your daily summary: {n} update", "Your daily summary: {n} updates", len(rows))
    return {"person_id": person_id, "key": key, "subject": subject, "body": body, "link": None}


# --- weekly digest -------------------------------------------------------------------------------------------------

def weekly_digests(db: Database, *, now: datetime, settings: Settings) -> int:
    """On settings.weekly_digest_day, once a week: each manager, regional manager and leader gets the digest of
    their scope (unless they chose never)."""
    day = due_day(now, settings)
    if day is None or day.weekday() != settings.weekly_digest_day:
        return 0
    run = f"weekly:{week_label(day)}"
    with db.read() as con:
        if _done(con, run):
            return 0
    digests = weekly_texts(db, today=day, settings=settings, now=now)

    def work(con: Conn) -> int:
        if _done(con, run):
            return 0
        added = add(con, "weekly_digest", [{"person_id": person_id, "key": f"p{person_id}:weekly:{week_label(day)}",
                                            **text} for person_id, text in digests.items()], now=now, settings=settings)
        _record(con, run, now, added)
        return added

    return db.write(work, lock=LOCK)


def weekly_figures(db: Database, *, today: date, settings: Settings, now: datetime | None = None) -> dict[int, dict]:
    """Per active manager, regional manager and leader (by id): `person`, `queue` (open, overdue), `first` (the
    first TOP suggestions of their triage queue, in its order), `actions` (open, overdue, due_this_week of their
    unit's minutes) and, for a regional manager, `review` (their review queue, oldest first); for a leader
    `regions` (per region: escalated to it and open, minutes awaiting review). Read once for everyone. Overdue and
    due this week by each office's local day at `now`, or on `today` everywhere when `now` is not given."""
    local = None if now is not None else today
    with db.read() as con:
        persons = _people(con, MANAGING)
        groups, tops = _queue_groups(con, settings.ack_sla_days, today=local, now=now)
        actions = _action_rows(con, today=local, now=now)
        minutes = con.rows(f"SELECT x.*, m.region_id FROM ({list_sql()} WHERE m.status = 'published'"
                           " AND m.review_status IS NULL) x JOIN meetings m ON m.id = x.id"
                           " ORDER BY x.meeting_date, x.id")
        regions = con.rows("SELECT id, name FROM regions ORDER BY name")
    group_index, top_index = _unit_index(groups), _unit_index(tops)
    action_index, minutes_index = _unit_index(actions), _unit_index(minutes)
    figures = {}
    for person in persons:
        queued = [g for g in reached(person, "triage_queue", group_index) if in_queue(person, g)]
        first = sorted((t for t in reached(person, "triage_queue", top_index) if in_queue(person, t)),
                       key=lambda t: (t["attention"], t["created_at"], t["id"]))[:TOP]
        own = reached(person, "team_actions", action_index)
        figures[person.id] = {
            "person": person, "first": first,
            "queue": {"open": sum(g["open"] for g in queued), "overdue": sum(g["overdue"] for g in queued)},
            "actions": {"open": len(own), "overdue": sum(1 for a in own if a["overdue"]),
                        "due_this_week": sum(1 for a in own if a["today"] <= a["due_date"] < a["today"] + WEEK)}}
        if person.role == "regional_manager":
            figures[person.id]["review"] = reached(person, "review_minutes", minutes_index)
        if person.role == "leader":
            figures[person.id]["regions"] = [
                {"region": r["name"], "escalated": sum(g["open"] for g in group_index.get(("region", r["id"]), [])
                                                       if g["level"] == "region"),
                 "awaiting_review": len(minutes_index.get(("region", r["id"]), []))} for r in regions]
    return figures


def _queue_groups(con: Conn, sla_days: int, *, today: date | None,
                  now: datetime | None) -> tuple[list[dict], list[dict]]:
    """Open suggestions counted per unit and level (open, overdue: triage.overdue_sql), and the first TOP of each
    such group in the triage queue's order (ATTENTION_SQL, then by age)."""
    overdue, late = overdue_sql(con, sla_days, today=today, now=now)
    source = (f"SELECT s.id, s.title, s.status, s.level, s.team_id, s.office_id, s.region_id, s.created_at,"
              f" s.due_date, {overdue} AS overdue FROM suggestions s"
              f" WHERE s.status IN ({', '.join('?' * len(OPEN))})")
    params = (*late, *OPEN)
    groups = con.rows(f"SELECT team_id, office_id, region_id, level, count(*) AS open,"
                      f" count(*) FILTER (WHERE overdue) AS overdue FROM ({source}) s"
                      " GROUP BY team_id, office_id, region_id, level", params)
    tops = con.rows(f"SELECT * FROM (SELECT s.*, {ATTENTION_SQL} AS attention, row_number() OVER (PARTITION BY"
                    f" team_id, office_id, region_id, level ORDER BY {ATTENTION_SQL}, {SORTS['age']}) AS place"
                    f" FROM ({source}) s) s WHERE place <= ?", (*params, TOP))
    return groups, tops


def _action_rows(con: Conn, *, today: date | None, now: datetime | None) -> list[dict]:
    """Every open action of published minutes (actions.action_sql) with its unit's ids and its office's `today`."""
    days = local_days(con, today=today, now=now)
    source, params, *_late = action_sql(days)
    rows = con.rows(f"SELECT x.id, x.due_date, x.overdue, x.office_id, m.team_id, m.region_id FROM"
                    f" ({source} AND a.status = 'open') x JOIN meetings m ON m.id = x.meeting_id", params)
    for row in rows:
        row["today"] = days.get(row["office_id"])
    return rows


def weekly_texts(db: Database, *, today: date, settings: Settings, now: datetime | None = None) -> dict[int, dict]:
    """Per recipient (id): the subject, body and link of their weekly digest, in their language."""
    figures = weekly_figures(db, today=today, settings=settings, now=now)
    with db.read() as con:
        languages = locales(con, figures)
    texts = {}
    for person_id, f in figures.items():
        with using(languages[person_id]):
            texts[person_id] = _weekly_text(f, today)
    return texts


def _weekly_text(f: dict, today: date) -> dict:
    person: Person = f["person"]
    queue, acts = f["queue"], f["actions"]
    lines = [_("Your weekly digest for the week of {day}.", day=format_day(today)), ""]
    counts = {"open": queue["open"], "overdue": queue["overdue"]}
    if person.role == "manager":
        queued = _("Your triage queue (your team and your office): {open} open, {overdue} overdue.", **counts)
    elif person.role == "regional_manager":
        queued = _("Escalated to {region} (and from there to leadership): {open} open, {overdue} overdue.",
                   region=person.region, **counts)
    else:
        queued = _("Escalated to leadership: {open} open, {overdue} overdue.", **counts)
    lines += [queued, "triage"]
    if f["first"]:
        lines += ["", _("First in the queue (overdue first, then the oldest):")]
        lines += [_suggestion_line(row) for row in f["first"]]
    if person.role == "regional_manager":
        waiting = f["review"]
        lines += ["", _("Minutes awaiting your review: {n}.", n=len(waiting)), "review"]
        lines += [f"- {format_day(row['meeting_date'])} · {unit_words(row['team_name'], row['office_name'])}"
                  f"\n  review?id={row['id']}" for row in waiting[:TOP]]
    if person.role == "leader":
        lines += ["", _("By region: escalated to the region and still open; minutes awaiting regional review.")]
        lines += ["- " + _("{region}: {open} open, {minutes} minutes", region=r["region"], open=r["escalated"],
                           minutes=r["awaiting_review"]) for r in f["regions"]]
    done = {"open": acts["open"], "due": acts["due_this_week"], "overdue": acts["overdue"]}
    if person.role == "manager":
        acted = _("Actions from your team's minutes: {open} open, {due} due this week, {overdue} overdue.", **done)
    elif person.role == "regional_manager":
        acted = _("Actions from minutes in {region}: {open} open, {due} due this week, {overdue} overdue.",
                  region=person.region, **done)
    else:
        acted = _("Actions from minutes across the organisation: {open} open, {due} due this week, {overdue} overdue.",
                  **done)
    lines += ["", acted, "my_actions"]
    subject = (_("Your weekly digest: {open} open, {overdue} overdue, {review} minutes to review",
                 review=len(f["review"]), **counts) if person.role == "regional_manager"
               else _("Your weekly digest: {open} open, {overdue} overdue", **counts))
    return {"subject": subject, "body": "\n".join(lines), "link": "triage"}


def _suggestion_line(row: dict) -> str:
    """One suggestion of a digest: number, title, status, the day it was raised (the day alone, as for anonymous
    ones) and whether it is overdue; never who raised it."""
    late = " · " + _("overdue") if row["overdue"] else ""
    return (f"- #{row['id']} {row['title']} · {label(STATUS_LABELS, row['status'])} · "
            + _("raised {day}", day=shown(row["created_at"], day_only=True))
            + f"{late}\n  suggestion?id={row['id']}")


# --- acknowledgement-time warnings ---------------------------------------------------------------------------------

def sla_warnings(db: Database, *, now: datetime, settings: Settings) -> int:
    """Once a day: each suggestion that passes the acknowledgement time at the end of its office's local day (still
    new, and overdue from the office's next working day on: OfficeCalendar.sla_deadline) to each manager whose
    queue holds it; nothing for an office whose local day is not a working day."""
    day = due_day(now, settings)
    if day is None:
        return 0
    run = f"queue_sla:{day.isoformat()}"
    sla = settings.ack_sla_days

    def window(cal: calendar.OfficeCalendar) -> tuple[datetime, datetime]:
        local = cal.today(now)
        if not cal.is_working_day(local):
            return now, now  # empty
        return cal.sla_deadline(local, sla), cal.sla_deadline(cal.add_working_days(local, 1), sla)

    def work(con: Conn) -> int:
        calendars = calendar.load_in(con)
        if _done(con, run) or not _working_somewhere(calendars, now):
            return 0
        start, first = office_sql(calendars.each(lambda cal: window(cal)[0]), "s.office_id", "TIMESTAMP")
        end, second = office_sql(calendars.each(lambda cal: window(cal)[1]), "s.office_id", "TIMESTAMP")
        rows = con.rows("SELECT s.id, s.title, s.level, s.team_id, s.office_id, s.region_id, s.created_at"
                        f" FROM suggestions s WHERE s.status = 'new' AND s.created_at >= {start}"
                        f" AND s.created_at < {end} ORDER BY s.id", (*first, *second))
        managers = _unit_index([{**vars(p), "person": p} for p in _people(con, MANAGING)] if rows else [])
        told = [(row, candidate) for row in rows for candidate in _candidates(managers, row)
                if in_queue(candidate, row)]
        languages = locales(con, (candidate.id for _row, candidate in told))
        texts: dict[tuple[int, str], dict] = {}  # each suggestion's warning, once per language
        for row, candidate in told:
            locale = languages[candidate.id]
            if (row["id"], locale) not in texts:
                with using(locale):
                    texts[row["id"], locale] = _sla_text(row, settings)
        added = add(con, "queue_sla", [{"person_id": candidate.id, "key": f"p{candidate.id}:sla:{row['id']}",
                                        **texts[row["id"], languages[candidate.id]]} for row, candidate in told],
                    now=now, settings=settings)
        _record(con, run, now, added)
        return added

    return db.write(work, lock=LOCK)


def _working_somewhere(calendars: calendar.Calendars, now: datetime) -> bool:
    """Whether it is a working day anywhere at `now`: a day off everywhere is not recorded as run."""
    return any(cal.is_working_day(cal.today(now)) for cal in (*calendars.offices.values(), calendars.default))


def _candidates(index: dict[tuple, list[dict]], row: dict) -> list[Person]:
    """The people who could have a suggestion in their queue: those of its office or region, and leaders."""
    found = {p["id"]: p["person"] for key in (("office", row["office_id"]), ("region", row["region_id"]))
             for p in index.get(key, [])}
    found.update({p["id"]: p["person"] for p in index[("all", 0)] if p["role"] == "leader"})
    return list(found.values())


def _sla_text(row: dict, settings: Settings) -> dict:
    return {"subject": _("Suggestion #{number} needs an acknowledgement today", number=row["id"]),
            "body": f"#{row['id']} {row['title']}\n" + ngettext(
                "Raised {day} and not acknowledged yet. From tomorrow it is overdue: the acknowledgement time is {n}"
                " working day.",
                "Raised {day} and not acknowledged yet. From tomorrow it is overdue: the acknowledgement time is {n}"
                " working days.", settings.ack_sla_days, day=shown(row["created_at"], day_only=True)),
            "link": f"suggestion?id={row['id']}"}


# --- actions falling due and overdue -------------------------------------------------------------------------------

def action_reminders(db: Database, *, now: datetime, settings: Settings) -> int:
    """Once a day, by the calendar of each action's office (nothing where its local day is not a working day):
    owners of open actions due by the next working day (once per due date: one due on Monday is announced on
    Friday, one due today only if it was not announced before), and of actions that went overdue in the last week
    (once per action: one long overdue when this first runs is left to the digests)."""
    day = due_day(now, settings)
    if day is None:
        return 0
    run = f"action_due:{day.isoformat()}"

    def work(con: Conn) -> int:
        calendars = calendar.load_in(con)
        if _done(con, run) or not _working_somewhere(calendars, now):
            return 0
        days = calendars.days(now=now)
        source, params, *_late = action_sql(days)
        low, first = office_sql(calendars.each(lambda cal: cal.today(now) - OVERDUE_REACH), "m.office_id", "DATE")
        high, second = office_sql(calendars.each(
            lambda cal: cal.add_working_days(cal.today(now), 1) if cal.is_working_day(cal.today(now))
            else date.min), "m.office_id", "DATE")
        rows = con.rows(source + f" AND a.status = 'open' AND a.due_date >= {low} AND a.due_date <= {high}"
                        " ORDER BY a.due_date, a.id", (*params, *first, *second))
        languages = locales(con, (row["owner_id"] for row in rows))
        messages = []
        for row in rows:
            row["today"] = days.get(row["office_id"])
            with using(languages[row["owner_id"]]):
                messages.append(_action_text(in_words(row)))
        added = add(con, "action_due", messages, now=now, settings=settings)
        _record(con, run, now, added)
        return added

    return db.write(work, lock=LOCK)


def _action_text(row: dict) -> dict:
    """To the owner, in their language: once per due date before it, once when it went overdue (by its office's
    local day)."""
    key = (f"p{row['owner_id']}:overdue:{row['id']}" if row["overdue"]
           else f"p{row['owner_id']}:due:{row['id']}:{row['due_date'].isoformat()}")
    words = due_words(row)
    return {"person_id": row["owner_id"], "key": key,
            "subject": _("Your action is {due}: {action}", due=words, action=_short(row["description"])),
            "body": row["description"] + "\n" + _("From the minutes of {day}, {unit}.",
                                                   day=format_day(row["meeting_date"]), unit=row["unit"]),
            "link": f"action?id={row['id']}"}


def _short(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"


# --- pulse reminders -----------------------------------------------------------------------------------------------

def reminder_days(starts_on: date, ends_on: date, steps: Iterable[str]) -> dict[str, date]:
    """The day of each reminder step of a period [starts_on, ends_on): its first day, halfway, two days before its
    last day; one falling on a Saturday or Sunday moves to the Monday, or is dropped if the period is over by then."""
    last = ends_on - timedelta(days=1)
    planned = {"start": starts_on, "halfway": starts_on + timedelta(days=(ends_on - starts_on).days // 2),
               "two_days_before_end": last - timedelta(days=2)}
    days = {}
    for step in steps:
        day = planned[step]
        day += timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)
        if starts_on <= day <= last:
            days[step] = day
    return days


def pulse_reminders(db: Database, *, now: datetime, settings: Settings) -> int:
    """On a weekday at the digest hour, for the current pulse period's latest step due and not yet run: a reminder
    to each active person who answers the pulse and has not answered in this period (unless they chose never).
    Earlier steps missed meanwhile are recorded as run with none sent: one reminder, never a burst."""
    day = due_day(now, settings)
    if day is None or day.weekday() >= 5 or not settings.pulse_reminders:
        return 0
    with db.read() as con:
        period = pulse.open_period(con, day)
    if period is None:  # nobody has answered yet: the period starts now, as the first answer would start it
        db.write(lambda con: pulse.current_period(con, day, settings.pulse_period_days), lock=pulse.LOCK)
        with db.read() as con:
            period = pulse.open_period(con, day)
    if period is None:
        return 0
    steps = reminder_days(period["starts_on"], period["ends_on"], settings.pulse_reminders)
    due = [step for step, when in sorted(steps.items(), key=lambda item: item[1]) if when <= day]
    if not due:
        return 0
    key = pulse.voter_key(db.dialect)
    return db.write(lambda con: _remind(con, period, due, key, now, settings), lock=LOCK)


def _remind(con: Conn, period: dict, due: list[str], key: bytes, now: datetime, settings: Settings) -> int:
    runs = {step: f"pulse:{period['id']}:{step}" for step in due}
    ran = [i for i, step in enumerate(due) if _done(con, runs[step])]
    pending = due[max(ran, default=-1) + 1:]  # a step before one already run is over
    if not pending:
        return 0
    step = pending[-1]
    answered = {r["voter"] for r in con.rows("SELECT voter FROM pulse_voters WHERE period_id = ?", (period["id"],))}
    answered_before = {r["person_id"] for r in con.rows(  # answers recorded before voter hashes existed
        "SELECT person_id FROM pulse_participation WHERE period_id = ?", (period["id"],))}
    roles = [role for role, kinds in ROLE_KINDS.items() if "pulse_reminder" in kinds]
    reminded = [person.id for person in _people(con, roles) if person.id not in answered_before
                and pulse.voter(key, period["id"], person.id) not in answered]
    languages = locales(con, reminded)
    texts = {}  # the same words for everyone, once per language
    for locale in sorted(set(languages.values())):
        with using(locale):
            texts[locale] = _pulse_text(period)
    added = add(con, "pulse_reminder", [{"person_id": person_id, "key": f"p{person_id}:pulse:{period['id']}:{step}",
                                         **texts[languages[person_id]]} for person_id in reminded],
                now=now, settings=settings)
    for earlier in pending[:-1]:
        _record(con, runs[earlier], now, 0)
    _record(con, runs[step], now, added)
    return added


def _pulse_text(period: dict) -> dict:
    """The reminder: the same words for everyone, about the period only."""
    last = period["ends_on"] - timedelta(days=1)
    return {"subject": _("The morale pulse is open until {day}", day=format_date(last, "EEEE dd MMM")),
            "body": _("How is work going? The morale pulse takes about a minute. Answers are anonymous: results are "
                      "shown only for groups large enough, after the period ends on {day}.",
                      day=format_date(last, "EEEE dd MMM y")),
            "link": "pulse"}
