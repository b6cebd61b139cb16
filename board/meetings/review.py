"""Regional review of minutes: the queue of unreviewed minutes and the verdicts."""

from __future__ import annotations

from board.clock import utcnow
from board.errors import Invalid, NotAllowed
from board.feedback.suggestions import checked_text, clean
from board.i18n import N_, _
from board.meetings.minutes import list_sql, unit_words_of
from board.notify import events
from board.org.access import Person, where
from board.store import Conn, Database

VERDICTS = {"reviewed": N_("Reviewed"), "needs_follow_up": N_("Needs follow-up")}


def queue(db: Database, reviewer: Person) -> list[dict]:
    """The region's published minutes not yet reviewed, oldest meeting first; `no_problems` flags the ones
    that discussed no real or anticipated problem."""
    condition, params = where(reviewer, "review_minutes", "m")
    with db.read() as con:
        rows = con.rows(list_sql() + f" WHERE m.status = 'published' AND {condition} AND m.review_status IS NULL"
                        " ORDER BY m.meeting_date, m.id", params)
    for row in rows:
        unit_words_of(row)
        row["no_problems"] = row["problems"] == 0
    return rows


def review(db: Database, reviewer: Person, meeting_id: int, verdict: str, comment: str = "") -> None:
    """Record a verdict (a comment is required for needs follow-up); the author sees it with the minutes."""
    comment = clean(comment)
    if verdict not in VERDICTS:
        raise Invalid({"verdict": _("Choose reviewed or needs follow-up.")})
    if verdict == "needs_follow_up" and not comment:
        raise Invalid({"comment": _("Say what needs following up: the author will read it.")})
    checked_text("comment", comment, required=False)

    condition, params = where(reviewer, "review_minutes", "m", refuse=False)

    def apply(con: Conn) -> None:
        found = con.scalar(f"SELECT count(*) FROM meetings m WHERE m.id = ? AND m.status = 'published' AND {condition}",
                           (meeting_id, *params))
        if not found:
            raise NotAllowed(_("You may review only your region's published minutes."))
        con.execute("INSERT INTO meeting_reviews (meeting_id, reviewer_id, verdict, comment, created_at)"
                    " VALUES (?, ?, ?, ?, ?)", (meeting_id, reviewer.id, verdict, comment, utcnow()))
        con.execute("UPDATE meetings SET review_status = ? WHERE id = ?", (verdict, meeting_id))
        events.minutes_reviewed(con, meeting_id)

    db.write(apply, lock=("meeting", meeting_id))


def verdicts_for_author(db: Database, author: Person) -> list[dict]:
    """Reviews of minutes the person recorded, newest first."""
    with db.read() as con:
        return con.rows(
            "SELECT r.meeting_id, m.meeting_date, r.verdict, r.comment, p.name AS reviewer, r.created_at"
            " FROM meeting_reviews r JOIN meetings m ON m.id = r.meeting_id JOIN people p ON p.id = r.reviewer_id"
            " WHERE m.author_id = ? ORDER BY r.id DESC", (author.id,))
