"""The playbook: solutions from minutes and implemented suggestions, searchable by everyone."""

from __future__ import annotations

from board.feedback.suggestions import clean
from board.feedback.workflow import KINDS
from board.meetings.minutes import ITEM_KINDS, visible
from board.org.access import Person, where
from board.store import Database

PLAYBOOK_KINDS = {**ITEM_KINDS, **KINDS}


def search(db: Database, viewer: Person, *, text: str = "", category: str | None = None, kind: str | None = None,
           limit: int = 50) -> list[dict]:
    """Solutions whose problem or solution contains every word, newest first; `can_open` says whether the
    reader may open where each came from (the solution itself is shared knowledge)."""
    minutes_scope, minutes_params = visible(viewer)
    suggestion_scope, suggestion_params = where(viewer, "read_suggestions")
    filters, params = [], []
    for word in clean(text).lower().split()[:8]:
        filters.append("strpos(lower(problem || ' ' || solution), ?) > 0")
        params.append(word)
    for column, value in (("category", category), ("kind", kind)):
        if value:
            filters.append(f"{column} = ?")
            params.append(value)
    narrowed = " WHERE " + " AND ".join(filters) if filters else ""
    with db.read() as con:
        return con.rows(
            "SELECT * FROM ("
            " SELECT 'minutes' AS source, m.id AS source_id, i.kind, i.category, i.discussed AS problem,"
            "  i.solution, m.meeting_date AS day, o.name AS office,"
            f"  ({minutes_scope}) AS can_open"
            " FROM meeting_items i JOIN meetings m ON m.id = i.meeting_id JOIN offices o ON o.id = m.office_id"
            " WHERE m.status = 'published' AND NOT i.removed AND i.solution <> ''"
            " UNION ALL"
            " SELECT 'suggestion', s.id, s.kind, s.category, s.title,"
            "  CASE WHEN s.proposed_solution <> '' THEN s.proposed_solution ELSE s.description END,"
            "  CAST(s.created_at AS DATE), o.name,"
            f"  ({suggestion_scope})"
            " FROM suggestions s JOIN offices o ON o.id = s.office_id WHERE s.status = 'implemented'"
            f") p{narrowed} ORDER BY day DESC, source, source_id DESC LIMIT ?",
            (*minutes_params, *suggestion_params, *params, limit))
