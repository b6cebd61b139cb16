"""Dashboard queries (read-only, part of the reports layer): suggestions, minutes and responsiveness,
always limited to the viewer's scope and the chosen filters. Morale figures come from reports.morale,
where the anonymity threshold is enforced."""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import cast

import numpy as np

from board.clock import shown
from board.errors import NotAllowed
from board.feedback import counts
from board.feedback.workflow import OPEN
from board.i18n import N_
from board.org.access import Person, scope, where
from board.org.calendar import ByOffice, office_sql
from board.store import Database

OPEN_SQL = "s.status IN (" + ", ".join(f"'{status}'" for status in OPEN) + ")"  # workflow's open statuses
# Ages of open suggestions: (fewest days, most days, label); the label is the value the queries return and take (a
# page shows it translated, _(label)).
AGE_BUCKETS = ((0, 7, N_("0-7 days")), (8, 30, N_("8-30 days")), (31, 90, N_("31-90 days")),
               (91, 100_000, N_("over 90 days")))
# An open suggestion's age in days on the viewer's day (the parameter). It was stored on its UTC day, and a viewer
# west of UTC can still be on the day before: raised today where they are, so 0 days, never -1 (which no bucket
# holds).
AGE_SQL = "greatest(CAST(? AS DATE) - CAST(s.created_at AS DATE), 0)"


@dataclass(frozen=True)
class Filters:
    """What the viewer narrowed the dashboard to; None means everything in scope."""

    start: date
    end: date  # exclusive
    region_id: int | None = None
    office_id: int | None = None
    team_id: int | None = None
    category: str | None = None


def scope_sql(viewer: Person, filters: Filters, alias: str = "s", *, category: bool = True) -> tuple[str, list]:
    """SQL on an alias with region_id/office_id/team_id columns: the viewer's scope (access.SCOPES["dashboard"]),
    then the filters."""
    condition, scoped = where(viewer, "dashboard", alias)
    parts, params = ([], []) if condition == "TRUE" else ([condition], list(scoped))
    for column in ("region_id", "office_id", "team_id"):
        value = getattr(filters, column)
        if value is not None:
            parts.append(f"{alias}.{column} = ?")
            params.append(value)
    if category and filters.category:
        parts.append(f"{alias}.category = ?")
        params.append(filters.category)
    return " AND ".join(parts) or "TRUE", params


def _suggestions(viewer: Person, filters: Filters, *, offices: bool = False) -> tuple[str, list]:
    """The suggestions of the dashboard: in scope, matching the filters, submitted in the period (`offices`:
    joined to their offices o)."""
    condition, params = scope_sql(viewer, filters)
    return ("FROM suggestions s" + (" JOIN offices o ON o.id = s.office_id" if offices else "")
            + f" WHERE {condition} AND s.created_at >= ? AND s.created_at < ?", [*params, filters.start, filters.end])


def _grain(viewer: Person, filters: Filters) -> str:
    """The coarsest grain of the summaries (feedback.counts) that still tells the viewer's scope and filters
    apart: a team's rows for one team, an office's for one office, and so on."""
    reach = scope(viewer, "dashboard")
    if filters.team_id is not None or reach == "team":
        return "team"
    if filters.office_id is not None or reach == "office":
        return "office"
    if filters.region_id is not None or reach == "region":
        return "region"
    return "org"


def _cells(viewer: Person, filters: Filters, measure: str) -> tuple[str, list]:
    """FROM and WHERE over the suggestion summaries (feedback.counts) of one measure, aliased c: the viewer's
    grain, scope and filters, and the months of the period. The summaries count by month, so the period must run
    from a month's first day to another's (as the page's month slider gives)."""
    if filters.start.day != 1 or filters.end.day != 1:
        raise ValueError(f"the dashboard's period runs from the first of a month: {filters.start} - {filters.end}")
    condition, params = scope_sql(viewer, filters, "c")
    # The settled rows of the grain, and the rows added since the worker last merged them, which sit at their own
    # finest grain: a team's rows carry its office and region, an office's rows (no team) count for no team. Two
    # branches, not one OR: each is then one range of an index (PostgreSQL) or of the file's row groups (DuckDB
    # skips those whose grain, or settled, cannot match: 4 ms instead of 60 at 1x).
    rest = f"c.measure = ? AND {condition} AND c.month >= ? AND c.month < ?"
    grain, own = _grain(viewer, filters), [measure, *params, filters.start, filters.end]
    return (f"FROM (SELECT * FROM suggestion_cells c WHERE c.grain = ? AND {rest} UNION ALL"
            f" SELECT * FROM suggestion_cells c WHERE NOT c.settled AND c.grain <> ? AND {rest}) c",
            [grain, *own, grain, *own])


def funnel(db: Database, viewer: Person, filters: Filters) -> list[dict]:
    """How many suggestions are in each status."""
    cells, params = _cells(viewer, filters, "status")
    with db.read() as con:
        return con.rows(f"SELECT c.status, CAST(sum(c.n) AS BIGINT) AS suggestions {cells} GROUP BY c.status"
                        " HAVING sum(c.n) > 0", params)


def monthly(db: Database, viewer: Person, filters: Filters) -> list[dict]:
    """Per month: suggestions submitted, and suggestions implemented (by the month they were implemented)."""
    made, made_params = _cells(viewer, filters, "status")
    done, done_params = _cells(viewer, filters, "implemented")
    with db.read() as con:
        return con.rows(
            f"WITH made AS (SELECT c.month, sum(c.n) AS submitted {made} GROUP BY 1 HAVING sum(c.n) > 0),"
            f" done AS (SELECT c.event_month AS month, sum(c.n) AS implemented {done} GROUP BY 1 HAVING sum(c.n) > 0)"
            " SELECT CAST(coalesce(made.month, done.month) AS TIMESTAMP) AS month,"
            " CAST(coalesce(submitted, 0) AS BIGINT) AS submitted, CAST(coalesce(implemented, 0) AS BIGINT)"
            " AS implemented FROM made FULL JOIN done ON done.month = made.month ORDER BY 1",
            [*made_params, *done_params])


def response_times(db: Database, viewer: Person, filters: Filters) -> list[dict]:
    """Per month of submission: median and p90 days to the first acknowledgement and to resolution (read from
    the response-time buckets of feedback.counts: within 1%, or a minute, of the exact figures)."""
    names = {"acknowledged": "ack", "resolved": "resolution"}
    found: dict[int, dict[str, float | None]] = {}
    with db.read() as con:
        for measure, name in names.items():
            cells, params = _cells(viewer, filters, measure)
            counted = con.arrays(  # the month as a number (year * 12 + month - 1): one type on both engines
                "SELECT CAST(extract(year FROM c.month) * 12 + extract(month FROM c.month) - 1 AS INTEGER) AS month,"
                f" c.bucket, CAST(sum(c.n) AS BIGINT) AS n {cells} GROUP BY 1, 2 HAVING sum(c.n) > 0 ORDER BY 1, 2",
                params)
            months = np.asarray(counted["month"], dtype=np.int64)
            days = counts.bucket_days(np.asarray(counted["bucket"], dtype=np.float64))
            n = np.asarray(counted["n"], dtype=np.int64)
            for month, first, last in _runs(months):
                figures = found.setdefault(month, {f"{other}_{label}_days": None for other in names.values()
                                                   for label in ("median", "p90")})
                for label, share in (("median", 0.5), ("p90", 0.9)):
                    figures[f"{name}_{label}_days"] = _percentile(days[first:last], n[first:last], share)
    return [{"month": datetime(month // 12, month % 12 + 1, 1), **figures} for month, figures in sorted(found.items())]


def _runs(values: np.ndarray) -> list[tuple[int, int, int]]:
    """(value, first, end) of each run of equal values in a sorted array."""
    if not len(values):
        return []
    starts = np.flatnonzero(np.diff(values)) + 1
    bounds = [0, *starts.tolist(), len(values)]
    return [(int(values[a]), a, b) for a, b in zip(bounds, bounds[1:], strict=False)]


def _percentile(values: np.ndarray, counts_of: np.ndarray, share: float) -> float | None:
    """percentile_cont over ascending values each counted some times: the value at position share * (n - 1),
    interpolated between its two neighbours; None when there are none."""
    total = int(counts_of.sum())
    if not total:
        return None
    position = share * (total - 1)
    below, above = int(position), min(int(position) + 1, total - 1)
    ends = np.cumsum(counts_of)  # the value at rank r is the first whose running count passes r
    low, high = (float(values[np.searchsorted(ends, rank, side="right")]) for rank in (below, above))
    return low + (high - low) * (position - below)


def ageing(db: Database, viewer: Person, filters: Filters, *, today: date,
           sla_cutoff: date | ByOffice[datetime]) -> list[dict]:
    """Open suggestions by age on `today`, with how many of each age are overdue for acknowledgement: raised before
    `sla_cutoff` and still new (one day or moment for all, or each office's: Calendars.sla_deadlines)."""
    source, params = _suggestions(viewer, filters)
    cases = " ".join(f"WHEN age BETWEEN {low} AND {high} THEN '{label}'" for low, high, label in AGE_BUCKETS)
    cutoff, cutoffs = office_sql(sla_cutoff, "s.office_id", "TIMESTAMP")
    with db.read() as con:
        rows = con.rows(  # counted per age in days first, then bucketed: the CASE runs once a day, not once a
            # suggestion (about half the time on PostgreSQL)
            f"SELECT CASE {cases} END AS age, sum(open) AS open, sum(overdue) AS overdue FROM ("
            "  SELECT age, count(*) AS open, count(*) FILTER (WHERE overdue) AS overdue FROM ("
            f"   SELECT {AGE_SQL} AS age,"
            f"   s.status = 'new' AND s.created_at < {cutoff} AS overdue"
            f"   {source} AND {OPEN_SQL}) a GROUP BY age) b"
            " GROUP BY 1", [today, *cutoffs, *params])
    order = [label for _low, _high, label in AGE_BUCKETS]
    return sorted(rows, key=lambda r: order.index(r["age"]))


def categories(db: Database, viewer: Person, filters: Filters) -> list[dict]:
    cells, params = _cells(viewer, filters, "status")
    with db.read() as con:
        return con.rows(f"SELECT c.category, CAST(sum(c.n) AS BIGINT) AS suggestions {cells} GROUP BY 1"
                        " HAVING sum(c.n) > 0 ORDER BY 2 DESC, 1", params)


def escalations(db: Database, viewer: Person, filters: Filters) -> list[dict]:
    """Escalations per month and the level they went to."""
    cells, params = _cells(viewer, filters, "escalated")
    with db.read() as con:
        return con.rows("SELECT CAST(c.event_month AS TIMESTAMP) AS month, c.level,"
                        f" CAST(sum(c.n) AS BIGINT) AS escalations {cells}"
                        " GROUP BY 1, 2 HAVING sum(c.n) > 0 ORDER BY 1, 2", params)


NEWEST_WINDOW = 20_000  # the newest ids `newest` looks among first


def newest(db: Database, viewer: Person, filters: Filters, limit: int = 50) -> list[dict]:
    """The unfiltered feed of the newest suggestions, exactly as written (leaders only)."""
    if viewer.role != "leader":
        raise NotAllowed()
    source, params = _suggestions(viewer, filters, offices=True)
    select = "SELECT s.id, s.created_at, s.anonymous, s.kind, s.category, s.status, s.title, o.name AS office"
    with db.read() as con:
        # First among the newest ids only: when they hold `limit` rows, those are the newest of all (every other
        # id is smaller). DuckDB then reads the last row groups instead of sorting 10M rows (180 ms at 10x).
        # Narrow filters (one team) find fewer there and read everything.
        recent = (con.scalar("SELECT max(id) FROM suggestions") or 0) - NEWEST_WINDOW
        rows = con.rows(f"{select} {source} AND s.id > ? ORDER BY s.id DESC LIMIT ?", [*params, recent, limit])
        if len(rows) < limit:
            rows = con.rows(f"{select} {source} ORDER BY s.id DESC LIMIT ?", [*params, limit])
    return _submitted(rows)


def _submitted(rows: list[dict]) -> list[dict]:
    """created_at becomes `submitted` as shown: the day alone for an anonymous suggestion (it is stored as the
    day's midnight and released the next day; a time would be a false one), otherwise to the minute."""
    for row in rows:
        moment, anonymous = row.pop("created_at"), row.pop("anonymous", row.get("author") == "Anonymous")
        row["submitted"] = shown(moment, day_only=anonymous)
    return [{"id": r.pop("id"), "submitted": r.pop("submitted"), **r} for r in rows]


def drill(db: Database, viewer: Person, filters: Filters, *, status: str | None = None, category: str | None = None,
          month: date | None = None, age: str | None = None, escalated_to: str | None = None,
          team_id: int | None = None, office_id: int | None = None, today: date | None = None,
          limit: int = 500) -> list[dict]:
    """The suggestions behind a number on a chart: a status, a category, a month of submission, an age of the
    open ones on `today`, a level escalated to, a team or an office (always within the viewer's scope and
    filters)."""
    source, params = _suggestions(viewer, filters)
    extra: list[str] = []
    more: list[object] = []
    for column, value in (("s.status", status), ("s.category", category), ("s.team_id", team_id),
                          ("s.office_id", office_id)):
        if value is not None:
            extra.append(f"{column} = ?")
            more.append(value)
    if month:
        extra.append("date_trunc('month', s.created_at) = ?")
        more.append(month)
    if age is not None:
        low, high = next((low, high) for low, high, label in AGE_BUCKETS if label == age)
        extra.append(f"{OPEN_SQL} AND {AGE_SQL} BETWEEN ? AND ?")
        more.extend([today or date.today(), low, high])
    if escalated_to is not None:
        extra.append("EXISTS (SELECT 1 FROM suggestion_events e WHERE e.suggestion_id = s.id"
                     " AND e.kind = 'escalated' AND e.to_value = ?)")
        more.append(escalated_to)
    narrowed = "".join(f" AND {e}" for e in extra)
    with db.read() as con:
        return _submitted(con.rows(
            "SELECT s.id, s.created_at, s.status, s.category, s.level,"
            " CASE WHEN s.anonymous THEN 'Anonymous' ELSE 'named' END AS author, s.title,"
            f" s.acknowledged_at {source}{narrowed} ORDER BY s.id DESC LIMIT ?", [*params, *more, limit]))


def drill_meetings(db: Database, viewer: Person, filters: Filters, *, month: date, office: str | None = None,
                   limit: int = 500) -> list[dict]:
    """The published meetings behind the minutes charts: one month, optionally one office (by name); `team` None
    for a whole office's meeting, `review` None while not reviewed."""
    condition, params = scope_sql(viewer, filters, "m", category=False)
    narrowed, more = ("", []) if office is None else (" AND o.name = ?", [office])
    with db.read() as con:
        return con.rows(
            "SELECT m.id, m.meeting_date, o.name AS office, t.name AS team,"
            " m.problems,"
            " (SELECT count(*) FROM action_items a WHERE a.meeting_id = m.id AND NOT a.removed) AS actions,"
            " m.review_status AS review"
            " FROM meetings m JOIN offices o ON o.id = m.office_id LEFT JOIN teams t ON t.id = m.team_id"
            f" WHERE m.status = 'published' AND {condition}"
            f" AND date_trunc('month', CAST(m.meeting_date AS TIMESTAMP)) = ?{narrowed}"
            " ORDER BY m.meeting_date DESC, m.id DESC LIMIT ?", [*params, month, *more, limit])


def drill_actions(db: Database, viewer: Person, filters: Filters, *, month: date, today: date,
                  limit: int = 500) -> list[dict]:
    """The actions behind 'closed on time': those of published minutes due in the month (before today)."""
    condition, params = scope_sql(viewer, filters, "m", category=False)
    with db.read() as con:
        return con.rows(
            "SELECT a.id, a.due_date, a.description, p.name AS owner, a.status, CAST(a.closed_at AS DATE) AS closed_on,"
            " a.status = 'done' AND CAST(a.closed_at AS DATE) <= a.due_date AS on_time, o.name AS office"
            " FROM action_items a JOIN meetings m ON m.id = a.meeting_id JOIN offices o ON o.id = m.office_id"
            " JOIN people p ON p.id = a.owner_id"
            f" WHERE NOT a.removed AND m.status = 'published' AND {condition}"
            " AND date_trunc('month', CAST(a.due_date AS TIMESTAMP)) = ? AND a.due_date < ?"
            " ORDER BY a.due_date, a.id LIMIT ?",
            [*params, month, today, limit])


def minutes_monthly(db: Database, viewer: Person, filters: Filters) -> list[dict]:
    """Per month: meetings held, problems discussed and the share of actions due that month closed on time."""
    condition, params = scope_sql(viewer, filters, "m", category=False)
    with db.read() as con:
        return con.rows(  # each meeting's problems as counted when its minutes were written (count_items)
            "WITH held AS (SELECT date_trunc('month', CAST(m.meeting_date AS TIMESTAMP)) AS month,"
            "  count(*) AS meetings, sum(m.problems) AS problems FROM meetings m"
            f"  WHERE m.status = 'published' AND {condition} AND m.meeting_date >= ? AND m.meeting_date < ?"
            "  GROUP BY 1),"
            " due AS (SELECT date_trunc('month', CAST(a.due_date AS TIMESTAMP)) AS month, count(*) AS due,"
            "  count(*) FILTER (WHERE a.status = 'done' AND CAST(a.closed_at AS DATE) <= a.due_date) AS on_time"
            "  FROM action_items a JOIN meetings m ON m.id = a.meeting_id"
            f"  WHERE m.status = 'published' AND {condition} AND NOT a.removed AND a.due_date >= ?"
            "  AND a.due_date < least(?, current_date) GROUP BY 1)"
            " SELECT coalesce(held.month, due.month) AS month, coalesce(meetings, 0) AS meetings,"
            " coalesce(problems, 0) AS problems,"
            " CASE WHEN due > 0 THEN round(100.0 * on_time / due) END AS actions_on_time_pct"
            " FROM held FULL JOIN due ON due.month = held.month ORDER BY month",
            [*params, filters.start, filters.end, *params, filters.start, filters.end])


# Medians per office (what a scope of more than MOST_LISTED teams compares) come from each office's times
# (ack_times: 2.1 s to about 0.3 s at 10x on PostgreSQL). For a category, which those do not hold, they come from
# the suggestions, and PostgreSQL, which sorts each group's times on one core, counts ACK_PARTS ranges of office ids
# at once, each on its own pooled connection (every category at 10x, 2 cores: 2.1 s alone became 1.0 s; 4 parts
# were no faster). DuckDB spreads one query over every core by itself (parallel_reads 1): one range there.
ACK_PARTS = 2


def ack_days(db: Database, viewer: Person, filters: Filters, level: str = "team") -> dict[int, float]:
    """Median days to the first acknowledgement per team, or per office (with its suggestions raised to the
    whole office), by id: for responsiveness against morale."""
    if level not in VERSUS_LEVELS:
        raise ValueError(level)
    if (level == "office" and filters.team_id is None and filters.category is None and filters.start.day == 1
            and filters.end.day == 1 and scope(viewer, "dashboard") in ("all", "region", "office")):
        return _office_ack_days(db, viewer, filters)
    source, params = _suggestions(viewer, filters)
    # date_part: a double on PostgreSQL (extract gives a numeric, 100 ms slower at 1x)
    sql = (f"SELECT s.{level}_id AS unit, percentile_cont(0.5) WITHIN GROUP (ORDER BY"
           " date_part('epoch', s.acknowledged_at - s.created_at) / 86400) AS ack_days"
           f" {source} AND s.{level}_id IS NOT NULL AND s.acknowledged_at IS NOT NULL")
    ranges: list[tuple[int | None, int | None]] = [(None, None)]  # office ids from (None: the first), to (before)
    parts = min(ACK_PARTS, db.parallel_reads) if level == "office" else 1
    if parts > 1:
        with db.read() as con:
            ids = [r["id"] for r in con.rows("SELECT id FROM offices ORDER BY id")]
        cuts = sorted({ids[len(ids) * i // parts] for i in range(1, parts)}) if len(ids) >= parts else []
        bounds = [None, *cuts, None]
        ranges = list(zip(bounds, bounds[1:], strict=False))

    def count(office_ids: tuple[int | None, int | None]) -> list[dict]:
        low, high = office_ids
        within = (" AND s.office_id >= ?" if low is not None else "") + (" AND s.office_id < ?" if high is not None
                                                                          else "")
        with db.read() as con:
            return con.rows(f"{sql}{within} GROUP BY 1", [*params, *(v for v in office_ids if v is not None)])

    with ThreadPoolExecutor(max_workers=len(ranges)) as pool:
        return {r["unit"]: r["ack_days"] for rows in pool.map(count, ranges) for r in rows}


def _office_ack_days(db: Database, viewer: Person, filters: Filters) -> dict[int, float]:
    """ack_days per office from each office's times (feedback.counts, ack_times): their exact medians, reading a
    row per office and month instead of every acknowledged suggestion. Its rows hold no team or category, so a
    team's scope, a team filter and a category filter count the suggestions themselves."""
    condition, params = scope_sql(viewer, filters, "a", category=False)
    with db.read() as con:
        rows = con.rows(  # the merged rows, and the times not merged yet
            f"SELECT a.office_id, a.seconds, a.times FROM (SELECT region_id, office_id, month, CAST(NULL AS DOUBLE"
            f" PRECISION) AS seconds, times FROM ack_times WHERE times IS NOT NULL UNION ALL SELECT *, NULL FROM"
            f" {counts.FRESH_TIMES} f) a WHERE {condition} AND a.month >= ? AND a.month < ? ORDER BY a.office_id",
            [*params, filters.start, filters.end], binary=True)
    # every time in one array, office after office (one join and one read instead of one per row and office)
    chunks = [np.array([r["seconds"]], counts.TIMES).tobytes() if r["times"] is None else r["times"] for r in rows]
    times = np.frombuffer(b"".join(chunks), counts.TIMES)
    offices = np.array([r["office_id"] for r in rows], dtype=np.int64)
    ends = np.cumsum([len(chunk) // counts.TIMES.itemsize for chunk in chunks], dtype=np.int64)
    if not len(offices):
        return {}
    last = np.flatnonzero(np.r_[offices[1:] != offices[:-1], True])  # each office's last row
    starts = np.r_[0, ends[last][:-1]]
    return {int(offices[i]): _median(times[a:b]) / 86400
            for i, a, b in zip(last.tolist(), starts.tolist(), ends[last].tolist(), strict=True)}


def _median(values: np.ndarray) -> float:
    """percentile_cont(0.5) of some values (the mean of the middle two of an even number), by one partition:
    np.median's own checks cost more than the work for 2,000 offices of a few thousand times each."""
    middle = len(values) // 2
    if len(values) % 2:
        return float(np.partition(values, middle)[middle])
    low, high = np.partition(values, (middle - 1, middle))[middle - 1:middle + 1]
    return float(low + high) / 2


def data_version(db: Database) -> dict:
    """A cheap fingerprint of the data the dashboards read, part by part (cache key parts): "suggestions"
    changes with every suggestion, status event, published minutes and action; "pulse" with every pulse answer
    and period; "organisation" with the teams, who is active and in which team (every roster change of a person,
    a move too, sets their updated_at)."""
    with db.read() as con:
        row = con.one(
            "SELECT (SELECT max(id) FROM suggestions) AS suggestions,"
            " (SELECT max(id) FROM suggestion_events) AS events,"
            " (SELECT count(*) || ':' || coalesce(sum(version), 0) FROM meetings WHERE status = 'published')"
            "  AS meetings,"
            " (SELECT max(id) FROM action_events) AS actions,"
            " (SELECT count(*) || ':' || count(closed_at) FROM pulse_periods) AS periods,"
            " (SELECT count(*) || ':' || max(id) FROM teams) AS teams,"
            " (SELECT count(*) FILTER (WHERE active) || ':' || max(id) || ':' || CAST(max(updated_at) AS VARCHAR)"
            "  FROM people) AS people")
        # A smaller id can commit after a bigger one, and pulse answers have no ordered id: the store's
        # change counters of the big tables catch both (cheap on each backend, unlike count(*) on PostgreSQL).
        changed = con.change_counts(("suggestions", "suggestion_events", "action_events", "pulse_responses",
                                     "pulse_voters"))
    assert row is not None, "a SELECT without FROM returns exactly one row"
    organisation = (row["teams"], row["people"])
    return {"suggestions": (row["suggestions"], row["events"], row["meetings"], row["actions"],
                            changed["suggestions"], changed["suggestion_events"], changed["action_events"],
                            *organisation),
            "pulse": (changed["pulse_responses"], changed["pulse_voters"], row["periods"], *organisation)}


# The most teams a filter lists or a chart compares side by side, and the most choices a chart's drill-down
# offers. An organisation of 40,000 teams is first narrowed to a region or an office: a longer list is slow to
# count and send, and nobody reads it.
MOST_LISTED = 300


def units_in_scope(db: Database, viewer: Person, *, within: Filters | None = None,
                   offices: bool = False) -> list[dict]:
    """The regions, offices and teams (ids and names) the viewer may filter the dashboards by; `within`: only
    those inside its region, office and team; `offices`: one row per office with the number of its teams in
    scope, not a row per team (an organisation of 40,000 teams has a few thousand offices)."""
    condition, params = where(viewer, "dashboard", "t")
    parts, values = [condition], list(params)
    for key, column in (("region_id", "r.id"), ("office_id", "o.id"), ("team_id", "t.id")):
        if within is not None and getattr(within, key) is not None:
            parts.append(f"{column} = ?")
            values.append(getattr(within, key))
    office = "r.id AS region_id, r.name AS region, o.id AS office_id, o.name AS office"
    if offices:
        columns = f"{office}, count(*) AS teams"
        grouped = " GROUP BY r.id, r.name, o.id, o.name ORDER BY region, office"
    else:
        columns, grouped = f"{office}, t.id AS team_id, t.name AS team", " ORDER BY region, office, team"
    with db.read() as con:
        return con.rows(f"SELECT {columns} FROM regions r JOIN offices o ON o.region_id = r.id"
                        f" JOIN teams t ON t.office_id = o.id WHERE {' AND '.join(parts)}{grouped}", values)


def responsiveness_vs_morale(days: dict[int, float], moods: dict[int, dict], level: str = "team") -> list[dict]:
    """Per team (or office): median days to acknowledgement beside its mean mood over the shown periods only
    (reports.Morale.mood_of), as columns `team_id` and `team` (or `office_id` and `office`), `ack_days`, `mood`
    and `responses`; groups with no shown period or no acknowledgement are left out."""
    return [{f"{level}_id": unit, level: m["group"], "ack_days": round(days[unit], 1), "mood": m["mood"],
             "responses": m["responses"]}
            for unit, m in sorted(moods.items(), key=lambda item: item[1]["group"])
            if days.get(unit) is not None]


# Responsiveness against morale compares teams while the filtered scope holds at most MOST_LISTED of them, then
# offices: 40,000 points are an unreadable cloud, and their medians took 0.6 s at 10x (offices: 0.25 s).
VERSUS_LEVELS = ("team", "office")


def versus_level(db: Database, viewer: Person, filters: Filters) -> str:
    """The level responsiveness against morale compares for these filters (VERSUS_LEVELS)."""
    teams = sum(u["teams"] for u in units_in_scope(db, viewer, within=filters, offices=True))
    return "team" if teams <= MOST_LISTED else "office"


def minutes_coverage(db: Database, viewer: Person, filters: Filters) -> list[dict]:
    """Meetings held per office in scope and month of the period (0 when none), narrowed to the filtered
    offices. A manager's scope is their team: its own meetings, one row per month."""
    months = [date(y, m, 1) for y in range(filters.start.year, filters.end.year + 1) for m in range(1, 13)
              if filters.start <= date(y, m, 1) < filters.end]
    if scope(viewer, "dashboard") == "team" or filters.team_id is not None:  # one team: its meetings by month
        units = units_in_scope(db, viewer, within=filters)
        if not units:
            return []
        held = {r["month"].date(): r["meetings"] for r in minutes_monthly(db, viewer, filters)}
        unit = units[0]
        return [{"region": unit["region"], "office": f"{unit['team']}, {unit['office']}", "month": month,
                 "meetings": held.get(month, 0)} for month in months]
    # Each office of the scope (those with a team: the ones the filters offer) for each month, as
    # reports.minutes_overview counts meetings, without its items and actions (a tenth of the time at 2,000 offices)
    condition, params = where(viewer, "office_overview", "o")
    parts, values = [condition], list(params)
    for key, column in (("region_id", "o.region_id"), ("office_id", "o.id")):
        if getattr(filters, key) is not None:
            parts.append(f"{column} = ?")
            values.append(getattr(filters, key))
    with db.read() as con:
        return con.rows(
            "WITH month AS (SELECT unnest(?::DATE[]) AS month),"
            " held AS (SELECT m.office_id, CAST(date_trunc('month', CAST(m.meeting_date AS TIMESTAMP)) AS DATE)"
            "  AS month, count(*) AS meetings FROM meetings m"
            "  WHERE m.status = 'published' AND m.meeting_date >= ? AND m.meeting_date < ? GROUP BY 1, 2)"
            " SELECT r.name AS region, o.name AS office, month.month, coalesce(held.meetings, 0) AS meetings"
            " FROM offices o JOIN regions r ON r.id = o.region_id CROSS JOIN month"
            " LEFT JOIN held ON held.office_id = o.id AND held.month = month.month"
            f" WHERE {' AND '.join(parts)} AND EXISTS (SELECT 1 FROM teams t WHERE t.office_id = o.id)"
            " ORDER BY r.name, o.name, month.month", (months, filters.start, filters.end, *values))


def _within(filters: Filters) -> dict[str, int | None]:
    return {key: getattr(filters, key) for key in ("region_id", "office_id", "team_id")}


def morale_view(db: Database, viewer: Person, filters: Filters, *, k: int, level: str) -> dict:
    """Morale rows of one level (suppression included), narrowed to the filtered groups, and participation, for
    the pulse periods starting in the period."""
    from board.reporting.reports import Morale, participation
    with ThreadPoolExecutor(max_workers=db.parallel_reads) as pool:  # as in tab_tables
        answers = pool.submit(participation, db, viewer, region_id=filters.region_id, office_id=filters.office_id,
                              team_id=filters.team_id, start=filters.start, end=filters.end)
        figures = Morale(db, k=k, start=filters.start, end=filters.end)
        rates = answers.result()
    return {"rows": figures.rows(viewer, level, _within(filters)), "participation": rates}


def moods(db: Database, viewer: Person, filters: Filters, *, k: int, level: str = "team") -> dict[int, dict]:
    """Each filtered team's (or office's) mood over the shown periods starting in the period
    (reports.Morale.mood_of), for responsiveness against morale."""
    from board.reporting.reports import Morale
    where(viewer, "dashboard")  # NotAllowed for staff and admins: the dashboards' readers only
    return Morale(db, k=k, start=filters.start, end=filters.end).mood_of(viewer, level, _within(filters))


# The dashboard's tabs after its first, Morale: each is computed only when it is open (`tab_tables`).
TABS = ("suggestions", "minutes", "versus")


def tab_tables(db: Database, viewer: Person, filters: Filters, *, today: date, sla_cutoff: date | ByOffice[datetime],
               k: int, tabs: Collection[str] = TABS) -> dict:
    """Everything the given tabs (TABS) read, as tables (the page caches this): the suggestions tab, the
    minutes tab, and responsiveness against morale ("versus": each team's median days to acknowledgement beside
    its mood, or each office's above MOST_LISTED teams: versus_level)."""
    import pandas as pd

    def table(rows: list[dict]) -> pd.DataFrame:
        frame = pd.DataFrame(rows)
        if "month" in frame.columns:
            frame["month"] = pd.to_datetime(frame["month"]).dt.date
        return frame

    if not set(tabs) <= set(TABS):
        raise ValueError(f"no such tab: {sorted(set(tabs) - set(TABS))}")
    jobs: dict[str, Callable[[], list[dict] | dict[int, float] | dict[int, dict]]] = {}
    if "suggestions" in tabs:
        jobs.update({name: partial(query, db, viewer, filters) for name, query in (
            ("funnel", funnel), ("monthly", monthly), ("response_times", response_times),
            ("categories", categories), ("escalations", escalations))})
        jobs["ageing"] = partial(ageing, db, viewer, filters, today=today, sla_cutoff=sla_cutoff)
        if viewer.role == "leader":
            jobs["newest"] = partial(newest, db, viewer, filters)
    if "minutes" in tabs:
        jobs["minutes_monthly"] = partial(minutes_monthly, db, viewer, filters)
        jobs["coverage"] = partial(minutes_coverage, db, viewer, filters)
    if "versus" in tabs:
        level = versus_level(db, viewer, filters)
        jobs["ack_days"] = partial(ack_days, db, viewer, filters, level)
        jobs["moods"] = partial(moods, db, viewer, filters, k=k, level=level)
    # PostgreSQL runs each query on one core: independent queries on their own pooled connections use them
    # all. DuckDB already spreads one query over every core, so there they run one after another.
    with ThreadPoolExecutor(max_workers=db.parallel_reads) as pool:
        running = {name: pool.submit(job) for name, job in jobs.items()}
        done = {name: future.result() for name, future in running.items()}
    found = {name: table(value) if isinstance(value, list) else value  # versus' two dicts, joined below
             for name, value in done.items()}
    if "versus" in tabs:
        days, groups = found.pop("ack_days"), found.pop("moods")
        found["versus"] = table(responsiveness_vs_morale(cast(dict[int, float], days), cast(dict[int, dict], groups),
                                                         level))
    return found
