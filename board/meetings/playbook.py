"""The playbook: solutions from minutes and implemented suggestions, searchable by everyone.

Each entry has a key: "m12" for minutes item 12, "s7" for suggestion 7 (its URL is /playbook?entry=KEY). Entries
telling the same problem and solution (in any case, spacing or punctuation) form one group, shown once with where
and how often it was seen."""

from __future__ import annotations

import re

from board.errors import NotFound
from board.feedback.suggestions import clean
from board.feedback.workflow import KINDS
from board.i18n import _
from board.meetings.minutes import ITEM_KINDS, visible
from board.org.access import Person, where
from board.store import Database

PLAYBOOK_KINDS = {**ITEM_KINDS, **KINDS}
ENTRY_KEY = re.compile(r"[ms][0-9]{1,18}")
PER_PAGE = 10


# What entries telling the same thing share: problem and solution in lower case, punctuation and runs of spaces as one
GROUP_KEY = " || '|' || ".join(f"trim(regexp_replace(lower({column}), '[[:space:][:punct:]]+', ' ', 'g'))"
                               for column in ("problem", "solution"))


def _entries(viewer: Person) -> tuple[str, tuple]:
    """SQL of every playbook entry, with `can_open`: whether the viewer may open where it came from (the
    solution itself is shared knowledge), and `grp`: what entries telling the same thing share."""
    minutes_scope, minutes_params = visible(viewer)
    suggestion_scope, suggestion_params = where(viewer, "read_suggestions")
    return (
        f"SELECT *, {GROUP_KEY} AS grp FROM ("
        " SELECT 'm' || CAST(i.id AS VARCHAR) AS key, 'minutes' AS source, m.id AS source_id, i.kind, i.category,"
        "  i.discussed AS problem, i.solution, m.meeting_date AS day, o.name AS office,"
        f"  coalesce({minutes_scope}, FALSE) AS can_open"
        " FROM meeting_items i JOIN meetings m ON m.id = i.meeting_id JOIN offices o ON o.id = m.office_id"
        " WHERE m.status = 'published' AND NOT i.removed AND i.solution <> ''"
        " UNION ALL"
        " SELECT 's' || CAST(s.id AS VARCHAR), 'suggestion', s.id, s.kind, s.category, s.title,"
        "  CASE WHEN s.proposed_solution <> '' THEN s.proposed_solution ELSE s.description END,"
        "  CAST(s.created_at AS DATE), o.name,"
        f"  coalesce({suggestion_scope}, FALSE)"
        " FROM suggestions s JOIN offices o ON o.id = s.office_id WHERE s.status = 'implemented'"
        ") e", (*minutes_params, *suggestion_params))


def _filters(text: str, category: str | None, kind: str | None) -> tuple[str, list]:
    filters, params = [], []
    for word in clean(text).lower().split()[:8]:
        filters.append("strpos(lower(problem || ' ' || solution), ?) > 0")
        params.append(word)
    for column, value in (("category", category), ("kind", kind)):
        if value:
            filters.append(f"{column} = ?")
            params.append(value)
    return (" WHERE " + " AND ".join(filters) if filters else ""), params


def search(db: Database, viewer: Person, *, text: str = "", category: str | None = None, kind: str | None = None,
           limit: int = 50) -> list[dict]:
    """Entries whose problem or solution contains every word, newest first, each with `can_open` (see _entries)."""
    entries, params = _entries(viewer)
    narrowed, extra = _filters(text, category, kind)
    with db.read() as con:
        rows = con.rows(f"SELECT * FROM ({entries}) p{narrowed} ORDER BY day DESC, source, source_id DESC LIMIT ?",
                        (*params, *extra, limit))
    for row in rows:
        del row["grp"]
    return rows


def groups(db: Database, viewer: Person, *, text: str = "", category: str | None = None, kind: str | None = None,
           page: int = 1, per_page: int = PER_PAGE) -> tuple[list[dict], int]:
    """One page of the matching entries grouped (see the module), the most recently seen first, and how many
    groups match in all. A group is its newest entry with `times` (entries), `offices`, `first_day`, and
    `source`, `source_id`, `source_day` of its newest entry the viewer may open (None when none)."""
    entries, params = _entries(viewer)
    narrowed, extra = _filters(text, category, kind)
    with db.read() as con:
        found = con.rows(
            f"WITH e AS (SELECT *, row_number() OVER (PARTITION BY grp ORDER BY day DESC, key) AS newest,"
            "  row_number() OVER (PARTITION BY grp ORDER BY can_open DESC, day DESC, key) AS openable"
            f"  FROM (SELECT * FROM ({entries}) p{narrowed}) x),"
            " g AS (SELECT grp, count(*) AS times, count(DISTINCT office) AS offices, min(day) AS first_day,"
            "  count(*) OVER () AS total FROM e GROUP BY grp)"
            " SELECT n.key, n.kind, n.category, n.problem, n.solution, n.day, n.office, g.times, g.offices,"
            "  g.first_day, g.total, CASE WHEN o.can_open THEN o.source END AS source,"
            "  CASE WHEN o.can_open THEN o.source_id END AS source_id,"
            "  CASE WHEN o.can_open THEN o.day END AS source_day"
            " FROM g JOIN e n ON n.grp = g.grp AND n.newest = 1 JOIN e o ON o.grp = g.grp AND o.openable = 1"
            " ORDER BY n.day DESC, g.times DESC, n.key LIMIT ? OFFSET ?",
            (*params, *extra, per_page, (max(page, 1) - 1) * per_page))
        total = found[0]["total"] if found else con.scalar(
            f"SELECT count(DISTINCT grp) FROM ({entries}) p{narrowed}", (*params, *extra))
    for row in found:
        del row["total"]
    return found, total


def entry(db: Database, viewer: Person, key: str) -> dict:
    """One entry by its key, with `can_open`, and where else the same was seen: `times` (entries in its group) and
    `seen_in` (the group's offices, by name). NotFound for a key that names no entry."""
    if not ENTRY_KEY.fullmatch(key or ""):
        raise NotFound(_("There is no such playbook entry."))
    entries, params = _entries(viewer)
    with db.read() as con:
        row = con.one(f"SELECT * FROM ({entries}) p WHERE key = ?", (*params, key))
        if row is None:
            raise NotFound(_("There is no such playbook entry."))
        seen = con.rows(f"SELECT office, count(*) AS times FROM ({entries}) p WHERE grp = ?"
                        " GROUP BY office ORDER BY office", (*params, row.pop("grp")))
    row["times"] = sum(s["times"] for s in seen)
    row["seen_in"] = [s["office"] for s in seen]
    return row
