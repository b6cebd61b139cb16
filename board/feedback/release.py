"""The daily release: anonymous suggestions, and what their authors wrote through their codes, reach everyone at
once the next day, in random order and dated at their day's midnight, so no view, list, number or reload can
place one within its day."""

from __future__ import annotations

import random
from datetime import date

from board.clock import day_only, utcnow
from board.feedback.suggestions import insert, record
from board.store import Conn, Database

LOCK = ("anonymous_release",)
HELD_TABLES = ("held_suggestions", "held_author_events")
_shuffle = random.SystemRandom().shuffle


def due(db: Database, today: date) -> bool:
    """Whether anything held was written before `today` (one cheap query: the held tables stay small)."""
    with db.read() as con:
        return bool(con.scalar(
            "SELECT (SELECT count(*) FROM held_suggestions WHERE submitted_on < ?)"
            " + (SELECT count(*) FROM held_author_events WHERE written_on < ?)", (today, today)))


def release_due(db: Database, today: date | None = None) -> int:
    """Release what is due, if anything (every page calls this); how many suggestions and messages went out."""
    today = today or utcnow().date()
    return release_anonymous(db, today) if due(db, today) else 0


def release_anonymous(db: Database, today: date) -> int:
    """Move everything held from before `today` into suggestions and their histories, in one transaction.
    Idempotent, and safe when several servers call it at once (they take turns; the later ones find nothing).
    Then the held rows' traces go from the files too (the write-ahead log kept when they arrived)."""
    released = db.write(lambda con: _release(con, today), lock=LOCK)
    if released:
        db.reclaim(HELD_TABLES)
    return released


def _release(con: Conn, today: date) -> int:
    # A retried submission that was released already (a rare race) must not be released twice.
    con.execute("DELETE FROM held_suggestions WHERE submission_key IN (SELECT submission_key FROM suggestions)")
    held = con.rows("SELECT * FROM held_suggestions WHERE submitted_on < ?", (today,))
    _shuffle(held)  # the sequence then numbers a day's suggestions in no particular order
    for row in held:
        midnight = day_only(row["submitted_on"])
        suggestion_id = insert(con, {**row, "author_id": None, "anonymous": True, "created_at": midnight})
        record(con, suggestion_id, None, "submitted", None, "new", "", midnight)
        # Messages written today to a suggestion released now wait for tomorrow, addressed by its id.
        con.execute("UPDATE held_author_events SET suggestion_id = ?, held_id = NULL WHERE held_id = ?",
                    (suggestion_id, row["id"]))
    con.execute("DELETE FROM held_suggestions WHERE submitted_on < ?", (today,))
    events = con.rows("SELECT * FROM held_author_events WHERE written_on < ? AND suggestion_id IS NOT NULL"
                      " ORDER BY suggestion_id, position", (today,))
    for event in _interleaved(events):
        _apply(con, event)
    con.execute("DELETE FROM held_author_events WHERE written_on < ? AND suggestion_id IS NOT NULL", (today,))
    return len(held) + len(events)


def _interleaved(events: list[dict]) -> list[dict]:
    """The events in a random order that keeps each suggestion's own messages in the order they were written."""
    queues: dict[int, list[dict]] = {}
    for event in events:
        queues.setdefault(event["suggestion_id"], []).append(event)
    turns = [event["suggestion_id"] for event in events]
    _shuffle(turns)
    return [queues[suggestion_id].pop(0) for suggestion_id in turns]


def _apply(con: Conn, event: dict) -> None:
    midnight = day_only(event["written_on"])
    if event["kind"] == "author_reply":
        record(con, event["suggestion_id"], None, "author_reply", None, None, event["note"], midnight)
        return
    row = con.one("SELECT id, status, level FROM suggestions WHERE id = ?", (event["suggestion_id"],))
    # Acknowledged or escalated by someone else meanwhile: the escalation has nothing left to do.
    if row is not None and row["status"] == "new" and row["level"] in ("team", "office"):
        con.execute("UPDATE suggestions SET level = 'region' WHERE id = ?", (row["id"],))
        record(con, row["id"], None, "escalated", row["level"], "region", event["note"], midnight)
