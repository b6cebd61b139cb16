"""Regional review of minutes: the queue of unreviewed minutes and the verdicts."""

from __future__ import annotations

from board.org.access import Person
from board.org.accounts import utcnow
from board.db import Conn, Database
from board.errors import Invalid, NotAllowed
from board.meetings.minutes import LIST_SQL
from board.feedback.suggestions import checked_text, clean

VERDICTS = {"reviewed": "Reviewed", "needs_follow_up": "Needs follow-up"}


def queue(db: Database, reviewer: Person) -> list[dict]:
    """The region's published minutes not yet reviewed, oldest meeting first; `no_problems` flags the ones
    that discussed no real or anticipated problem."""
    if reviewer.role != "regional_manager":
        raise NotAllowed()
    with db.read() as con:
        rows = con.rows(LIST_SQL + " WHERE m.status = 'published' AND m.region_id = ? AND m.review_status IS NULL"
                        " ORDER BY m.meeting_date, m.id", (reviewer.region_id,))
    for row in rows:
        row["no_problems"] = row["problems"] == 0
    return rows


def review(db: Database, reviewer: Person, meeting_id: int, verdict: str, comment: str = "") -> None:
    """Record a verdict (a comment is required for needs follow-up); the author sees it with the minutes."""
    comment = clean(comment)
    if verdict not in VERDICTS:
        raise Invalid({"verdict": "Choose reviewed or needs follow-up."})
    if verdict == "needs_follow_up" and not comment:
        raise Invalid({"comment": "Say what needs following up: the author will read it."})
    checked_text("comment", comment, required=False)

    def apply(con: Conn) -> None:
        found = reviewer.role == "regional_manager" and con.scalar(
            "SELECT count(*) FROM meetings WHERE id = ? AND status = 'published' AND region_id = ?",
            (meeting_id, reviewer.region_id))
        if not found:
            raise NotAllowed("You may review only your region's published minutes.")
        con.execute("INSERT INTO meeting_reviews (meeting_id, reviewer_id, verdict, comment, created_at)"
                    " VALUES (?, ?, ?, ?, ?)", (meeting_id, reviewer.id, verdict, comment, utcnow()))
        con.execute("UPDATE meetings SET review_status = ? WHERE id = ?", (verdict, meeting_id))

    db.write(apply, lock=("meeting", meeting_id))


def verdicts_for_author(db: Database, author: Person) -> list[dict]:
    """Reviews of minutes the person recorded, newest first."""
    with db.read() as con:
        return con.rows(
            "SELECT r.meeting_id, m.meeting_date, r.verdict, r.comment, p.name AS reviewer, r.created_at"
            " FROM meeting_reviews r JOIN meetings m ON m.id = r.meeting_id JOIN people p ON p.id = r.reviewer_id"
            " WHERE m.author_id = ? ORDER BY r.id DESC", (author.id,))
