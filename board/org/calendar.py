"""Office calendars: each office's time zone, working week and public holidays, and the deadline arithmetic that
follows them (the acknowledgement time, due dates, overdue marks, a person's "today"). An office without a saved
calendar follows the organisation's time zone (settings.time_zone), Monday to Friday, without holidays.

Holidays come from a CSV (office, date, name; the office by name). An import is all or nothing, every error named
with its row, and it replaces the holidays of each office it names for each year it lists for that office: a file
of 2027's Warsaw holidays leaves Warsaw's 2026 and every other office alone.

Times are stored in UTC without a zone; a calendar turns a stored moment into its office's local day and a local day
back into a stored moment (its local midnight). Queries that cover many offices take one value per office as a
`ByOffice` (`office_sql` writes it as one CASE over the few distinct values)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Generic, TypeVar

from board.errors import Invalid
from board.i18n import _, ngettext, zone_info
from board.org import audit
from board.org import settings as org_settings
from board.org.access import Person, require
from board.org.roster import MAX_TEXT, ImportRefused, read_csv
from board.store import Conn, Database

MONDAY_TO_FRIDAY = frozenset(range(5))
HOLIDAY_COLUMNS = ("office", "date", "name")
LOCK = ("office_calendar",)
FIRST_YEAR, LAST_YEAR = 2000, 2100  # a holiday outside these years is a typing mistake
T = TypeVar("T")


@dataclass(frozen=True)
class OfficeCalendar:
    """One office's clock and working days (pure): `zone` an IANA name, `working_days` Python weekday numbers
    (0 = Monday), `holidays` days that are never working days."""

    zone: str = "UTC"
    working_days: frozenset[int] = MONDAY_TO_FRIDAY
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.working_days:  # never saved so (validate_week); a week without working days would never end
            object.__setattr__(self, "working_days", MONDAY_TO_FRIDAY)

    def today(self, now: datetime) -> date:
        """The office's local date at a stored moment (UTC, naive)."""
        return now.replace(tzinfo=UTC).astimezone(zone_info(self.zone)).date()

    def midnight(self, day: date) -> datetime:
        """The stored moment (UTC, naive) at which a local day begins in the office."""
        return datetime.combine(day, time(), tzinfo=zone_info(self.zone)).astimezone(UTC).replace(tzinfo=None)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.working_days and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after start (start itself when days <= 0)."""
        current = start
        while days > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                days -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after start up to and including end (0 when end <= start)."""
        if end <= start:
            return 0
        full_weeks, extra = divmod((end - start).days, 7)
        count = full_weeks * len(self.working_days)
        count += sum(1 for i in range(1, extra + 1) if (start + timedelta(days=i)).weekday() in self.working_days)
        return count - sum(1 for h in self.holidays if start < h <= end and h.weekday() in self.working_days)

    def sla_cutoff(self, today: date, days: int) -> date:
        """Suggestions raised before this local day and still new are overdue on `today` (`days` working days)."""
        current = today
        while days > 0:
            current -= timedelta(days=1)
            if self.is_working_day(current):
                days -= 1
        return current

    def sla_deadline(self, today: date, days: int) -> datetime:
        """sla_cutoff as a stored moment: raised before it (UTC, naive) and still new is overdue."""
        return self.midnight(self.sla_cutoff(today, days))


@dataclass(frozen=True)
class ByOffice(Generic[T]):
    """One value per office (office_id, value) pairs, and the value of any office not listed."""

    values: tuple[tuple[int, T], ...]
    default: T

    def get(self, office_id: int | None) -> T:
        return next((value for office, value in self.values if office == office_id), self.default)


# What office_sql writes: a cast parameter of these types, compared on these columns (fixed tables: no SQL text
# comes from a caller).
CASTS = {"DATE": "CAST(? AS DATE)", "TIMESTAMP": "CAST(? AS TIMESTAMP)"}
OFFICE_COLUMNS = {"office_id": "office_id", "s.office_id": "s.office_id", "m.office_id": "m.office_id"}


def office_sql(value: object, column: str, cast: str) -> tuple[str, tuple]:
    """SQL for a value that may differ by office, on an office_id column (OFFICE_COLUMNS): a single parameter when
    every office has the same one (as the SQL was before offices had calendars), else a CASE over the distinct
    values, each cast (a key of CASTS), the commonest one as its ELSE, so an office added since the calendars were
    read gets it."""
    placeholder, office = CASTS[cast], OFFICE_COLUMNS[column]
    if not isinstance(value, ByOffice):
        return "?", (value,)
    counted = Counter(v for _, v in value.values)
    other = counted.most_common(1)[0][0] if counted else value.default
    groups: dict[object, list[int]] = {}
    for listed_office, v in value.values:
        if v != other:
            groups.setdefault(v, []).append(listed_office)
    if not groups:
        return "?", (other,)
    parts, params = [], []
    for v, listed in groups.items():
        parts.append(f"WHEN {office} IN ({', '.join('?' * len(listed))}) THEN {placeholder}")
        params += [*listed, v]
    return f"CASE {' '.join(parts)} ELSE {placeholder} END", (*params, other)


@dataclass(frozen=True)
class Calendars:
    """Every office's calendar, and the organisation's (for an office without one)."""

    offices: Mapping[int, OfficeCalendar]
    default: OfficeCalendar

    def of(self, office_id: int | None) -> OfficeCalendar:
        return self.offices.get(office_id, self.default) if office_id is not None else self.default

    def each(self, pick: Callable[[OfficeCalendar], T]) -> ByOffice[T]:
        """One value per office (and for any other office) from its calendar."""
        return ByOffice(tuple((office, pick(cal)) for office, cal in sorted(self.offices.items())),
                        pick(self.default))

    def days(self, *, now: datetime | None = None, today: date | None = None) -> ByOffice[date]:
        """Each office's local date at a stored moment (`now`), or one given day everywhere (`today`)."""
        return self.each(lambda cal: _local_day(cal, now, today))

    def sla_deadlines(self, days: int, *, now: datetime | None = None,
                      today: date | None = None) -> ByOffice[datetime]:
        """Per office: raised before this stored moment and still new is overdue (OfficeCalendar.sla_deadline)."""
        return self.each(lambda cal: cal.sla_deadline(_local_day(cal, now, today), days))

    def earliest_today(self, now: datetime) -> date:
        """The earliest local date of any office at `now`: a day is over everywhere once this has passed it."""
        return min([cal.today(now) for cal in (*self.offices.values(), self.default)])


def _local_day(cal: OfficeCalendar, now: datetime | None, today: date | None) -> date:
    if now is not None:
        return cal.today(now)
    assert today is not None, "a moment or a day"
    return today


def _working_days(text: str | None) -> frozenset[int]:
    days = {int(part) for part in (text or "").split(",") if part.strip().isdigit()}
    return frozenset(d for d in days if 0 <= d <= 6) or MONDAY_TO_FRIDAY


def week_text(days: Iterable[int]) -> str:
    """The stored form of a working week: weekday numbers in order from Monday ('0,1,2,3,4')."""
    return ",".join(str(d) for d in sorted(set(days)))


CALENDARS_SQL = ("SELECT o.id, c.time_zone, c.working_days, h.day FROM offices o"
                 " LEFT JOIN office_calendars c ON c.office_id = o.id"
                 " LEFT JOIN office_holidays h ON h.office_id = o.id ORDER BY o.id, h.day")


def calendars(con: Conn, organisation_zone: str | None = None) -> dict[int, OfficeCalendar]:
    """Every office's calendar by office id, read in one query (the organisation's zone where none is saved)."""
    zone = organisation_zone or org_settings.load_in(con).time_zone
    found: dict[int, tuple[str, frozenset[int], list[date]]] = {}
    for row in con.rows(CALENDARS_SQL):
        entry = found.setdefault(row["id"], (row["time_zone"] or zone, _working_days(row["working_days"]), []))
        if row["day"] is not None:
            entry[2].append(row["day"])
    return {office: OfficeCalendar(z, week, frozenset(days)) for office, (z, week, days) in found.items()}


def load_in(con: Conn) -> Calendars:
    zone = org_settings.load_in(con).time_zone
    return Calendars(calendars(con, zone), OfficeCalendar(zone))


def load(db: Database) -> Calendars:
    """Every office's calendar and the organisation's, for the deadlines of one page or job."""
    with db.read() as con:
        return load_in(con)


def of_office(con: Conn, office_id: int | None) -> OfficeCalendar:
    """One office's calendar (the organisation's for None or an unknown office)."""
    return load_in(con).of(office_id)


def person_zone(db: Database, person: Person, organisation_zone: str | None = None) -> str:
    """The time zone of a signed-in person's office (the organisation's, `organisation_zone` when the caller has
    the settings already, when it has none): one small read, made on every page run."""
    with db.read() as con:
        saved = con.scalar("SELECT time_zone FROM office_calendars WHERE office_id = ?", (person.office_id,))
        return saved or organisation_zone or org_settings.load_in(con).time_zone


def person_today(db: Database, person: Person, now: datetime) -> date:
    """A person's local date at `now`: their office's (the pulse period, their due dates)."""
    return OfficeCalendar(person_zone(db, person)).today(now)


# --- saving an office's time zone and working week --------------------------------------------------------------

def validate_week(*, time_zone: str | None, working_days: Iterable[int]) -> dict[str, str]:
    """{field: message} for an invalid office time zone (None or "": the organisation's) or working week."""
    errors = {}
    if time_zone and time_zone not in org_settings.time_zones():
        errors["time_zone"] = _("Choose a time zone from the list.")
    days = list(working_days) if not isinstance(working_days, (str, bytes)) else [None]
    if not days or any(not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 6 for d in days):
        errors["working_days"] = _("Choose at least one working day of the week.")
    return errors


def offices(db: Database, admin: Person) -> list[dict]:
    """Each office (id, name, region) with its saved time zone (None: the organisation's) and working days."""
    require(admin, "admin_settings")
    with db.read() as con:
        rows = con.rows("SELECT o.id, o.name, r.name AS region, c.time_zone, c.working_days FROM offices o"
                        " JOIN regions r ON r.id = o.region_id LEFT JOIN office_calendars c ON c.office_id = o.id"
                        " ORDER BY r.name, o.name")
    return [{**r, "working_days": sorted(_working_days(r["working_days"]))} for r in rows]


def save(db: Database, office_id: int, *, time_zone: str | None, working_days: Iterable[int],
         actor_id: int | None = None) -> OfficeCalendar:
    """Save an office's time zone (None or "": the organisation's) and working week; nothing is saved when either
    is invalid (Invalid names each field). The change is audited."""
    days = list(working_days) if not isinstance(working_days, (str, bytes)) else working_days
    errors = validate_week(time_zone=time_zone, working_days=days)
    if errors:
        raise Invalid(errors)
    week = week_text(days)

    def apply(con: Conn) -> OfficeCalendar:
        name = con.scalar("SELECT name FROM offices WHERE id = ?", (office_id,))
        if name is None:
            raise Invalid({"office_id": _("Choose an office from the list.")})
        con.execute("INSERT INTO office_calendars (office_id, time_zone, working_days) VALUES (?, ?, ?)"
                    " ON CONFLICT (office_id) DO UPDATE SET time_zone = excluded.time_zone,"
                    " working_days = excluded.working_days", (office_id, time_zone or None, week))
        audit.record(con, actor_id, "office calendar changed",
                     json.dumps({"office": name, "time_zone": time_zone or None, "working_days": week},
                                ensure_ascii=False))
        return of_office(con, office_id)

    return db.write(apply, lock=LOCK)


# --- holidays ----------------------------------------------------------------------------------------------------

@dataclass
class HolidayPlan:
    """What a holiday import does: per office, the years it replaces; holidays added, renamed, removed, kept."""

    years: dict[str, list[int]] = field(default_factory=dict)
    added: list[dict] = field(default_factory=list)
    renamed: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> str:
        return _("{added} added, {renamed} renamed, {removed} removed, {unchanged} unchanged",
                 added=len(self.added), renamed=len(self.renamed), removed=len(self.removed),
                 unchanged=self.unchanged)


def _parse_day(text: str) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR and len(text) == 10 else None


def _checked_holidays(con: Conn, data: bytes) -> list[dict]:
    """Every row checked: ImportRefused names each error with its row number (the header is row 1)."""
    rows = read_csv(data, HOLIDAY_COLUMNS)
    known = {r["name"].lower(): r for r in con.rows("SELECT id, name FROM offices")}
    errors: dict[str, str] = {}
    seen: dict[tuple[int, date], int] = {}
    clean_rows: list[dict] = []
    for number, row in rows:
        problems = []
        office = known.get(row["office"].lower())
        if not row["office"]:
            problems.append(_("the office is empty"))
        elif office is None:
            problems.append(_("unknown office '{office}'", office=row["office"]))
        day = _parse_day(row["date"])
        if day is None:
            problems.append(_("'{date}' is not a date written as YYYY-MM-DD (years {first} to {last})",
                              date=row["date"], first=FIRST_YEAR, last=LAST_YEAR))
        if not row["name"]:
            problems.append(_("the name is empty"))
        elif len(row["name"]) > MAX_TEXT:
            problems.append(_("the name is longer than {n} characters", n=MAX_TEXT))
        if office is not None and day is not None:
            earlier = seen.setdefault((office["id"], day), number)
            if earlier != number:
                problems.append(_("{office} on {date} is also on row {row}", office=office["name"],
                                  date=day.isoformat(), row=earlier))
        if problems:
            errors[_("row {n}", n=number)] = "; ".join(problems)
        else:
            assert office is not None and day is not None
            clean_rows.append({"office_id": office["id"], "office": office["name"], "day": day, "name": row["name"]})
    if errors:
        raise ImportRefused(errors)
    return clean_rows


def _plan_holidays(con: Conn, data: bytes) -> tuple[HolidayPlan, list[dict], set[tuple[int, int]]]:
    wanted = _checked_holidays(con, data)
    years = sorted({(r["office_id"], r["day"].year) for r in wanted})
    names = {r["office_id"]: r["office"] for r in wanted}
    saved = {(r["office_id"], r["day"]): r for r in con.rows(
        "SELECT h.office_id, o.name AS office, h.day, h.name FROM office_holidays h"
        " JOIN offices o ON o.id = h.office_id ORDER BY h.day")
        if (r["office_id"], r["day"].year) in years}
    plan = HolidayPlan()
    for office_id, year in years:
        plan.years.setdefault(names[office_id], []).append(year)
    new = {(r["office_id"], r["day"]): r for r in wanted}
    for key, row in sorted(new.items(), key=lambda item: (item[1]["office"], item[1]["day"])):
        before = saved.get(key)
        if before is None:
            plan.added.append(_shown(row))
        elif before["name"] != row["name"]:
            plan.renamed.append({**_shown(row), "was": before["name"]})
        else:
            plan.unchanged += 1
    plan.removed = [_shown(r) for key, r in sorted(saved.items(), key=lambda item: (item[1]["office"], item[0][1]))
                    if key not in new]
    return plan, wanted, set(years)


def _shown(row: dict) -> dict:
    return {"office": row["office"], "date": row["day"], "name": row["name"]}


def plan_holidays(db: Database, data: bytes) -> HolidayPlan:
    """What importing a holiday file would change (writes nothing); ImportRefused lists its errors by row."""
    with db.read() as con:
        return _plan_holidays(con, data)[0]


def import_holidays(db: Database, data: bytes, *, actor_id: int | None = None) -> HolidayPlan:
    """Replace the holidays of each office the file names for each year it lists for that office, in one
    transaction: all or nothing (ImportRefused lists every error by row), audited."""

    def apply(con: Conn) -> HolidayPlan:
        plan, wanted, years = _plan_holidays(con, data)
        for office_id, year in sorted(years):
            con.execute("DELETE FROM office_holidays WHERE office_id = ? AND day >= ? AND day < ?",
                        (office_id, date(year, 1, 1), date(year + 1, 1, 1)))
        con.executemany("INSERT INTO office_holidays (office_id, day, name) VALUES (?, ?, ?)",
                        [(r["office_id"], r["day"], r["name"]) for r in wanted])
        audit.record(con, actor_id, "holidays imported", json.dumps(
            {"years": plan.years, "summary": plan.summary()}, ensure_ascii=False))
        return plan

    return db.write(apply, lock=LOCK)


def coming_holidays(db: Database, admin: Person, *, today: date, days: int = 366) -> list[dict]:
    """Every office's holidays from today for a year (office, date, name), by office then date (admins only)."""
    require(admin, "admin_settings")
    with db.read() as con:
        return con.rows("SELECT o.name AS office, h.day AS date, h.name FROM office_holidays h"
                        " JOIN offices o ON o.id = h.office_id WHERE h.day >= ? AND h.day < ?"
                        " ORDER BY o.name, h.day", (today, today + timedelta(days=days)))


def holiday_count(n: int) -> str:
    return ngettext("{n} holiday", "{n} holidays", n)


# --- the app's entry points: an admin, checked here (the demo and the command line act as the system) -------------

def admin_save(db: Database, admin: Person, office_id: int, *, time_zone: str | None,
               working_days: Iterable[int]) -> OfficeCalendar:
    """Save an office's time zone and working week (admins only), as save; the admin is on record."""
    require(admin, "admin_settings")
    return save(db, office_id, time_zone=time_zone, working_days=working_days, actor_id=admin.id)


def admin_plan_holidays(db: Database, admin: Person, data: bytes) -> HolidayPlan:
    """What importing a holiday file would change (admins only; writes nothing)."""
    require(admin, "admin_settings")
    return plan_holidays(db, data)


def admin_import_holidays(db: Database, admin: Person, data: bytes) -> HolidayPlan:
    """Import a holiday file (admins only), as import_holidays; the admin is on record."""
    require(admin, "admin_settings")
    return import_holidays(db, data, actor_id=admin.id)
