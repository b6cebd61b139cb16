"""The morale pulse: one answer per person per period, stored so that it cannot be joined back to them.

While a period is open, who answered is kept only as a keyed hash of (period, person) whose key is a server
secret, and no result of the period is shown. When it closes (`close_due`), all of its results appear at once:
answers of a team with fewer than k respondents are generalised up (office, then region, then organisation),
the rows are rewritten in random order, who answered becomes counts per team, and the file is checkpointed."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from board import DATA_DIR, server_secret
from board.clock import utcnow
from board.errors import BoardError, Invalid
from board.feedback.suggestions import clean
from board.i18n import N_, _
from board.morale import rollup
from board.org import calendar, settings
from board.org.access import Person
from board.org.people import team_size
from board.store import Conn, Database, StoreError

STATEMENTS = {
    "empowered": N_("I am empowered to resolve customer problems"),
    "tools": N_("I have the tools I need"),
    "acted_on": N_("My feedback is acted on"),
    "workload": N_("My workload is manageable"),
    "proud": N_("I am proud of what we sell"),
}
MAX_COMMENT = 1000
ANCHOR = date(2024, 1, 1)  # a Monday: periods line up from here
KEY_FILE = DATA_DIR / "secret_pulse.key"
LOCK = ("pulse",)  # one lock for answers and closing: the first answer of a period creates it once


class AlreadyAnswered(BoardError):
    """The person has answered in this period."""


@dataclass
class Answer:
    """One pulse answer as the form gives it: None where a question was left unanswered (validate refuses it)."""

    mood: int | None
    enps: int | None
    empowered: int | None
    tools: int | None
    acted_on: int | None
    workload: int | None
    proud: int | None
    comment: str = ""


def validate(answer: Answer) -> dict[str, str]:
    errors = {}
    if answer.mood not in range(1, 6):
        errors["mood"] = _("Choose a mood from 1 to 5.")
    if answer.enps not in range(0, 11):
        errors["enps"] = _("Choose 0 to 10.")
    for name in STATEMENTS:
        if getattr(answer, name) not in range(1, 6):
            errors[name] = _("Choose 1 (disagree) to 5 (agree).")
    if len(clean(answer.comment)) > MAX_COMMENT:
        errors["comment"] = _("Write at most {most} characters.", most=MAX_COMMENT)
    return errors


def period_bounds(today: date, length_days: int) -> tuple[date, date]:
    """The period containing today: [start, end) counted in whole periods from the anchor."""
    index = (today - ANCHOR).days // length_days
    start = ANCHOR + timedelta(days=index * length_days)
    return start, start + timedelta(days=length_days)


def voter_key(dialect: str = "duckdb") -> bytes:
    """The secret that turns (period, person) into a voter hash: $BOARD_PULSE_KEY, or on the embedded default a
    random key kept in data/secret_pulse.key (made once, readable by its owner only). Never in the database."""
    return server_secret(os.environ.get("BOARD_PULSE_KEY"), KEY_FILE, dialect=dialect, setting="BOARD_PULSE_KEY",
                         purpose="using the pulse")


def key_problem(dialect: str) -> str | None:
    """Why the pulse cannot record answers on this server (the app shows it and stops), or None."""
    try:
        voter_key(dialect)
    except (StoreError, OSError) as error:
        return str(error)
    return None


def voter(key: bytes, period_id: int, person_id: int) -> str:
    """The keyed hash standing for 'this person answered in this period' while it is open."""
    return hmac.new(key, f"{period_id}:{person_id}".encode(), hashlib.sha256).hexdigest()


def team_headcount(db: Database, team_id: int) -> int:
    """people.team_size, read on its own (the form's notice)."""
    with db.read() as con:
        return team_size(con, team_id)


def open_period(con: Conn, today: date) -> dict | None:
    """The period containing today, if it exists and has not closed."""
    return con.one("SELECT id, starts_on, ends_on FROM pulse_periods WHERE starts_on <= ? AND ? < ends_on"
                   " AND closed_at IS NULL ORDER BY id DESC LIMIT 1", (today, today))


def current_period(con: Conn, today: date, length_days: int) -> int:
    """The id of the open period containing today, created when the first person needs it."""
    found = open_period(con, today)
    if found is not None:
        return found["id"]
    start, end = period_bounds(today, length_days)
    latest = con.scalar("SELECT max(ends_on) FROM pulse_periods")
    if latest:
        start = max(start, latest)  # never overlap an earlier period
    return con.scalar("INSERT INTO pulse_periods (starts_on, ends_on) VALUES (?, ?) RETURNING id", (start, end))


def has_answered(db: Database, person: Person, *, today: date | None = None, length_days: int) -> bool:
    """Whether the person has answered in the period of `today` (by default their office's local day)."""
    today = today or calendar.person_today(db, person, utcnow())
    key = voter_key(db.dialect)
    with db.read() as con:
        period = open_period(con, today)
        if period is None:
            return False
        return bool(con.scalar(
            "SELECT (SELECT count(*) FROM pulse_voters WHERE voter = ?)"
            " + (SELECT count(*) FROM pulse_participation WHERE period_id = ? AND person_id = ?)",
            (voter(key, period["id"], person.id), period["id"], person.id)))


def submit(db: Database, person: Person, answer: Answer, *, today: date | None = None, length_days: int,
           now: datetime | None = None) -> None:
    """Store one answer for the period of the person's day (`today`; by default their office's local day at
    `now`): the response with team, office, region and period only; that the person answered as a keyed hash
    apart. Periods close once they have ended in every office (a given `today` stands for every office)."""
    errors = validate(answer)
    if errors:
        raise Invalid(errors)
    if today is None:
        calendars, now = calendar.load(db), now or utcnow()
        today, closing = calendars.of(person.office_id).today(now), calendars.earliest_today(now)
    else:
        closing = today
    close_due(db, closing)
    key = voter_key(db.dialect)

    def apply(con: Conn) -> None:
        period = current_period(con, today, length_days)
        done = con.scalar(
            "INSERT INTO pulse_voters (period_id, voter, team_id) SELECT ?, ?, ? WHERE NOT EXISTS"
            " (SELECT 1 FROM pulse_participation WHERE period_id = ? AND person_id = ?)"
            " ON CONFLICT DO NOTHING RETURNING 1",
            (period, voter(key, period, person.id), person.team_id, period, person.id))
        if not done:
            raise AlreadyAnswered(_("You have already answered the pulse for this period. Thank you!"))
        con.execute(
            "INSERT INTO pulse_responses (id, period_id, team_id, office_id, region_id, mood, enps, empowered,"
            " tools, acted_on, workload, proud, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (secrets.token_hex(16), period, person.team_id, person.office_id, person.region_id, answer.mood,
             answer.enps, answer.empowered, answer.tools, answer.acted_on, answer.workload, answer.proud,
             clean(answer.comment)))

    db.write(apply, lock=LOCK)


def close_due(db: Database, today: date | None = None) -> list[int]:
    """Close every period that ended before today (see the module's docstring) and return their ids; cheap
    when there is none. Safe to call from any page and any server: each period closes once. By default `today`
    is the earliest local day of any office: a period closes once it has ended everywhere."""
    if today is None:
        today = calendar.load(db).earliest_today(utcnow())
    with db.read() as con:
        due = con.scalar("SELECT count(*) FROM pulse_periods WHERE ends_on <= ? AND closed_at IS NULL", (today,))
        legacy = con.scalar("SELECT count(*) FROM pulse_participation")
    if not due and not legacy:
        return []
    key, k = voter_key(db.dialect), settings.load(db).anonymity_k

    def apply(con: Conn) -> list[int]:
        _hash_legacy_participation(con, key, today)
        periods = [r["id"] for r in con.rows("SELECT id FROM pulse_periods WHERE ends_on <= ? AND closed_at IS NULL"
                                             " ORDER BY id", (today,))]
        for period_id in periods:
            seal(con, period_id, k)
        return periods

    closed = db.write(apply, lock=LOCK)
    if closed:
        db.reclaim(("pulse_responses", "pulse_voters", "pulse_participation", "pulse_turnout"))
    return closed


def _hash_legacy_participation(con: Conn, key: bytes, today: date) -> None:
    """Participation rows of an open period written before voter hashes existed become hashes."""
    rows = con.rows("SELECT pp.period_id, pp.person_id, tm.team_id FROM pulse_participation pp"
                    " JOIN team_members tm ON tm.person_id = pp.person_id"
                    " JOIN pulse_periods per ON per.id = pp.period_id"
                    " WHERE per.ends_on > ?", (today,))
    if rows:
        con.executemany("INSERT INTO pulse_voters (period_id, voter, team_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                        [(r["period_id"], voter(key, r["period_id"], r["person_id"]), r["team_id"]) for r in rows])
        con.execute("DELETE FROM pulse_participation WHERE period_id IN"
                    " (SELECT id FROM pulse_periods WHERE ends_on > ?)", (today,))


def seal(con: Conn, period_id: int, k: int) -> None:
    """Close one period inside the caller's transaction: generalise small cells up, rewrite the responses in
    random order, replace who answered by counts per team, mark it closed (its results show from now on) and keep
    its figures for the dashboards (morale.rollup)."""
    cells = {(r["team_id"], r["office_id"], r["region_id"]): r["n"] for r in con.rows(
        "SELECT team_id, office_id, region_id, count(*) AS n FROM pulse_responses WHERE period_id = ?"
        " GROUP BY team_id, office_id, region_id", (period_id,))}
    moves = generalised(cells, k)
    con.executemany(
        "UPDATE pulse_responses SET team_id = ?, office_id = ?, region_id = ? WHERE period_id = ?"
        " AND team_id IS NOT DISTINCT FROM ? AND office_id IS NOT DISTINCT FROM ? AND region_id IS NOT DISTINCT FROM ?",
        [(*to, period_id, *cell) for cell, to in moves.items() if to is not None and to != cell])
    dropped = [cell for cell, to in moves.items() if to is None]
    con.executemany(
        "DELETE FROM pulse_responses WHERE period_id = ? AND team_id IS NOT DISTINCT FROM ?"
        " AND office_id IS NOT DISTINCT FROM ? AND region_id IS NOT DISTINCT FROM ?",
        [(period_id, *cell) for cell in dropped])
    con.execute("CREATE TEMP TABLE shuffled AS SELECT * FROM pulse_responses WHERE period_id = ? ORDER BY random()",
                (period_id,))
    con.execute("DELETE FROM pulse_responses WHERE period_id = ?", (period_id,))
    con.execute("INSERT INTO pulse_responses SELECT * FROM shuffled")
    con.execute("DROP TABLE shuffled")
    con.execute(f"INSERT INTO pulse_cells {CELLS} WHERE period_id = ? GROUP BY 1, 2, 3, 4", (period_id,))
    con.execute(
        "INSERT INTO pulse_turnout (period_id, team_id, answered, people)"
        " SELECT ?, t.id, (SELECT count(*) FROM pulse_voters v WHERE v.period_id = ? AND v.team_id = t.id)"
        "  + (SELECT count(*) FROM pulse_participation pp JOIN team_members tm ON tm.person_id = pp.person_id"
        "     WHERE pp.period_id = ? AND tm.team_id = t.id),"
        " (SELECT count(*) FROM team_members tm JOIN people p ON p.id = tm.person_id"  # people.team_size's rule
        "  WHERE tm.team_id = t.id AND p.active) FROM teams t"
        " ON CONFLICT DO NOTHING", (period_id, period_id, period_id))
    con.execute("DELETE FROM pulse_voters WHERE period_id = ?", (period_id,))
    con.execute("DELETE FROM pulse_participation WHERE period_id = ?", (period_id,))
    con.execute("UPDATE pulse_periods SET closed_at = ? WHERE id = ?", (utcnow(), period_id))
    rollup.store(con, [period_id], k)  # the figures every dashboard reads, counted once


# The answers of closed periods per cell, as pulse_cells stores them (migration 0018) for the morale dashboards:
# answers, the sum of moods, eNPS promoters (9-10) and detractors (0-6).
CELLS = ("SELECT period_id, team_id, office_id, region_id, count(*) AS answers, sum(mood) AS mood,"
         " count(*) FILTER (WHERE enps >= 9) AS promoters, count(*) FILTER (WHERE enps <= 6) AS detractors"
         " FROM pulse_responses")


def rebuild_cells(con: Conn) -> None:
    """Recount pulse_cells from the answers of every closed period, and their figures (morale.rollup), after a
    bulk load that bypassed seal."""
    con.execute("DELETE FROM pulse_cells")
    con.execute(f"INSERT INTO pulse_cells {CELLS} WHERE period_id IN (SELECT id FROM pulse_periods"
                " WHERE closed_at IS NOT NULL) GROUP BY 1, 2, 3, 4")
    closed = [r["id"] for r in con.rows("SELECT id FROM pulse_periods WHERE closed_at IS NOT NULL ORDER BY id")]
    rollup.store(con, closed, settings.load_in(con).anonymity_k)


Cell = tuple  # (team_id, office_id, region_id), None where generalised away


def generalised(cells: dict[Cell, int], k: int) -> dict[Cell, Cell | None]:
    """Where each cell's answers go so that every kept cell has at least k: a team below k moves to its office,
    an office's pooled answers below k to its region, a region's to the organisation; if the organisation's
    pool is still below k, the smallest cell of the highest level is pulled into it; if the whole period has
    fewer than k answers, they are dropped (None). Pure; cells not in the result stay where they are."""
    moves: dict[Cell, Cell | None] = {cell: cell for cell in cells}
    for level in range(3):  # 0: teams -> office, 1: office pools -> region, 2: region pools -> organisation
        pools: dict[Cell, int] = {}
        for cell, to in moves.items():
            if to is not None and _depth(to) == level:
                pools[to] = pools.get(to, 0) + cells[cell]
        small = {pool for pool, n in pools.items() if n < k}
        for cell, to in moves.items():
            if to in small:
                moves[cell] = _up(to)
    top = (None, None, None)
    while 0 < sum(cells[c] for c, to in moves.items() if to == top) < k:
        kept: dict[Cell, int] = {}
        for cell, to in moves.items():
            if to is not None and to != top:
                kept[to] = kept.get(to, 0) + cells[cell]
        if not kept:
            return {cell: None for cell in cells}
        pulled = min(kept, key=lambda pool: (-_depth(pool), kept[pool], str(pool)))
        for cell, to in moves.items():
            if to == pulled:
                moves[cell] = top
    return moves


def _depth(cell: Cell) -> int:
    """0 for a team cell, 1 for an office pool, 2 for a region pool, 3 for the organisation."""
    return sum(part is None for part in cell)


def _up(cell: Cell) -> Cell:
    team, office, region = cell
    if team is not None:
        return (None, office, region)
    if office is not None:
        return (None, None, region)
    return (None, None, None)
