"""The morale pulse: one answer per person per period, stored so that it cannot be joined back to them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from board.access import Person
from board.db import Conn, Store
from board.errors import BoardError, Invalid
from board.suggestions import clean

STATEMENTS = {
    "empowered": "I am empowered to resolve customer problems",
    "tools": "I have the tools I need",
    "acted_on": "My feedback is acted on",
    "workload": "My workload is manageable",
    "proud": "I am proud of what we sell",
}
MAX_COMMENT = 1000
ANCHOR = date(2024, 1, 1)  # a Monday: periods line up from here


class AlreadyAnswered(BoardError):
    """The person has answered in this period."""


@dataclass
class Answer:
    mood: int
    enps: int
    empowered: int
    tools: int
    acted_on: int
    workload: int
    proud: int
    comment: str = ""


def validate(answer: Answer) -> dict[str, str]:
    errors = {}
    if answer.mood not in range(1, 6):
        errors["mood"] = "Choose a mood from 1 to 5."
    if answer.enps not in range(0, 11):
        errors["enps"] = "Choose 0 to 10."
    for name in STATEMENTS:
        if getattr(answer, name) not in range(1, 6):
            errors[name] = "Choose 1 (disagree) to 5 (agree)."
    if len(clean(answer.comment)) > MAX_COMMENT:
        errors["comment"] = f"Write at most {MAX_COMMENT} characters."
    return errors


def period_bounds(today: date, length_days: int) -> tuple[date, date]:
    """The period containing today: [start, end) counted in whole periods from the anchor."""
    index = (today - ANCHOR).days // length_days
    start = ANCHOR + timedelta(days=index * length_days)
    return start, start + timedelta(days=length_days)


def current_period(con: Conn, today: date, length_days: int) -> int:
    """The id of the period containing today, created when the first person needs it."""
    found = con.scalar("SELECT id FROM pulse_periods WHERE starts_on <= ? AND ? < ends_on ORDER BY id DESC LIMIT 1",
                       (today, today))
    if found is not None:
        return found
    start, end = period_bounds(today, length_days)
    latest = con.one("SELECT id, ends_on FROM pulse_periods ORDER BY ends_on DESC LIMIT 1")
    if latest:
        start = max(start, latest["ends_on"])  # never overlap an earlier period
        shuffle_period(con, latest["id"])
    return con.scalar("INSERT INTO pulse_periods (starts_on, ends_on) VALUES (?, ?) RETURNING id", (start, end))


def shuffle_period(con: Conn, period_id: int) -> None:
    """Rewrite a closed period's responses and participation in random order, so the n-th response can no
    longer be matched with the n-th participation row by their physical position."""
    for table in ("pulse_responses", "pulse_participation"):
        con.execute(f"CREATE TEMP TABLE shuffled AS SELECT * FROM {table} WHERE period_id = ? ORDER BY random()",
                    (period_id,))
        con.execute(f"DELETE FROM {table} WHERE period_id = ?", (period_id,))
        con.execute(f"INSERT INTO {table} SELECT * FROM shuffled")
        con.execute("DROP TABLE shuffled")


def has_answered(db: Store, person: Person, *, today: date, length_days: int) -> bool:
    with db.read() as con:
        return bool(con.scalar(
            "SELECT count(*) FROM pulse_participation pp JOIN pulse_periods p ON p.id = pp.period_id"
            " WHERE pp.person_id = ? AND p.starts_on <= ? AND ? < p.ends_on", (person.id, today, today)))


def submit(db: Store, person: Person, answer: Answer, *, today: date, length_days: int) -> None:
    """Store one answer for this period: the response with team and period only, participation apart."""
    errors = validate(answer)
    if errors:
        raise Invalid(errors)

    def apply(con: Conn) -> None:
        period = current_period(con, today, length_days)
        done = con.scalar("INSERT INTO pulse_participation (period_id, person_id) VALUES (?, ?)"
                          " ON CONFLICT DO NOTHING RETURNING 1", (period, person.id))
        if not done:
            raise AlreadyAnswered("You have already answered the pulse for this period. Thank you!")
        con.execute(
            "INSERT INTO pulse_responses (id, period_id, team_id, mood, enps, empowered, tools, acted_on,"
            " workload, proud, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (secrets.token_hex(16), period, person.team_id, answer.mood, answer.enps, answer.empowered,
             answer.tools, answer.acted_on, answer.workload, answer.proud, clean(answer.comment)))

    db.write(apply, lock=("pulse",))  # one lock: the first answer of a period creates the period once
