"""Scale benchmark of the dashboards: python -m board bench [--quick] [--out PATH] (issue 5's targets).

A child process builds a deterministic large organisation in a temporary DuckDB file (bulk SQL, hash-based
values) and copies the same rows into SQLite with sensible indexes; this process then opens the file
read-only, so its peak memory is the dashboards' own. For a leader and a regional manager it measures
warm (one warm-up, then the median of 5 runs) every dashboard query three ways: through the reports
layer; as the very SQL the reports layer ran (recorded) straight on the DuckDB cursor, the floor; and that
SQL translated minimally for SQLite. Then the whole leader dashboard: its queries, the page's glue and
every figure of board/charts.py. Prints a table, writes JSON and says which targets are met.
"""

from __future__ import annotations

import json
import math
import os
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

from board import dashboard, db, people, reports, settings
from board.pulse import period_bounds
from board.suggestions import fill_milestones
from board.workflow import sla_cutoff

FULL = {"teams": 4_000, "offices": 200, "people": 50_000, "suggestions": 1_000_000,
        "suggestion_events": 4_000_000, "pulse_responses": 5_000_000, "meetings": 70_000, "meeting_items": 200_000}
REGIONS = 6
TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 12, 0)
HISTORY_DAYS = 540  # suggestions and minutes: 18 months
PERIOD_DAYS = 14
RUNS = 5
BUDGET_S = 120  # a query whose warm-up run takes longer is measured fewer times (the runs are recorded)
TARGETS = {"dashboard_ms": 1000, "overhead": 1.2, "sqlite_factor": 10, "memory_mb": 2048}
TABLES = ("regions", "offices", "teams", "people", "suggestions", "suggestion_events", "meetings", "meeting_items",
          "action_items", "action_events", "pulse_periods", "pulse_responses", "pulse_participation")
SQLITE_INDEXES = (
    "offices (region_id)", "teams (office_id)", "people (team_id)", "suggestions (created_at)",
    "suggestions (region_id, created_at)", "suggestions (office_id)", "suggestions (team_id)",
    "suggestion_events (suggestion_id)", "suggestion_events (kind, to_value)", "meetings (office_id, meeting_date)",
    "meetings (region_id)", "meeting_items (meeting_id)", "action_items (meeting_id)",
    "pulse_responses (period_id, team_id)", "pulse_participation (person_id)")
SQLITE_UNIQUE = ("pulse_responses (id)", "pulse_participation (period_id, person_id)", "people (email)",
                 "suggestions (submission_key)")
PATH = "['acknowledged', 'under_review', 'planned', 'in_progress', 'implemented']"
WORDS = "['refund', 'billing', 'queue', 'login', 'portal', 'invoice', 'callback', 'handover', 'template', 'policy']"
COMMENTS = ("['Too many system outages this month.', 'Good support from my manager.', 'Workload is heavy.',"
            " 'The refund trial made calls shorter.', 'More training on the new billing codes, please.']")


def sizes(scale: float) -> dict[str, int]:
    n = {name: max(1, round(count * scale)) for name, count in FULL.items()}
    n["regions"] = REGIONS
    n["offices"] = max(REGIONS, n["offices"])
    n["teams"] = max(n["offices"], n["teams"])
    n["people"] = max(n["teams"] + REGIONS + 10, n["people"])
    return n


def u(args: str, salt: int) -> str:
    """SQL for a deterministic pseudo-random number in [0, 1) from the arguments and a salt."""
    return f"((hash({args}, {salt}) % 1000003) / 1000003.0)"


def pick(options: str, args: str, salt: int) -> str:
    """SQL choosing one element of a SQL list literal, deterministically from the arguments and a salt."""
    return f"({options})[1 + CAST(hash({args}, {salt}) % len({options}) AS BIGINT)]"


CATEGORIES = "['system', 'system', 'process', 'process', 'policy', 'training', 'product', 'other']"
LIKELIHOODS = "['happening_now', 'likely', 'possible', 'brainstormed']"


def _clock(t0: float) -> str:
    return f"[{time.perf_counter() - t0:7.1f} s]"


# --- the dataset (runs in the child process) ------------------------------------------------------------

def generate(store: db.Store, n: dict, t0: float) -> dict[str, float]:
    """Fill an empty migrated store; return the seconds each step took."""
    spent = {}
    steps = (("organisation and people", _organisation), ("suggestions", _suggestions),
             ("suggestion events", _events), ("pulse", _pulse), ("minutes", _minutes))
    for name, step in steps:
        start = time.perf_counter()
        counts = store.write(lambda con, step=step: step(con, n))
        spent[name] = round(time.perf_counter() - start, 1)
        print(f"{_clock(t0)} {name}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items())
              + f" ({spent[name]} s)", flush=True)
    with store.read() as con:
        for scratch in ("bench_plan", "bench_steps", "bench_events", "bench_part"):
            con.execute(f"DROP TABLE IF EXISTS {scratch}")
        con.execute("CHECKPOINT")
    return spent


def _count(con: db.Conn, *tables: str) -> dict[str, int]:
    return {t: con.scalar(f"SELECT count(*) FROM {t}") for t in tables}


def _organisation(con: db.Conn, n: dict) -> dict:
    T, O, R, P = n["teams"], n["offices"], n["regions"], n["people"]
    con.execute(f"INSERT INTO regions (id, name) SELECT r, 'Region ' || r FROM range(1, {R} + 1) x(r)")
    con.execute(f"INSERT INTO offices (id, region_id, name) SELECT o, 1 + (o - 1) * {R} // {O}, 'Office ' || o"
                f" FROM range(1, {O} + 1) x(o)")
    con.execute(f"INSERT INTO teams (id, office_id, name) SELECT t, 1 + (t - 1) * {O} // {T}, 'Team ' || t"
                f" FROM range(1, {T} + 1) x(t)")
    # people 1..T manage team i; then one regional manager per region, the leader, the admin; the rest staff
    # spread over the teams by hash (team sizes vary, so some teams stay under the anonymity threshold).
    con.execute(f"""
        INSERT INTO people (id, email, name, role, team_id, active)
        WITH firsts AS (SELECT o.region_id, min(t.id) AS team_id FROM teams t JOIN offices o ON o.id = t.office_id
                        GROUP BY 1),
        p AS (SELECT i, CASE WHEN i <= {T} THEN 'manager' WHEN i <= {T + R} THEN 'regional_manager'
                             WHEN i = {T + R + 1} THEN 'leader' WHEN i = {T + R + 2} THEN 'admin'
                             ELSE 'staff' END AS role
              FROM range(1, {P} + 1) x(i))
        SELECT i, CASE role WHEN 'manager' THEN 'manager' || i WHEN 'regional_manager' THEN 'regional' || (i - {T})
                            WHEN 'staff' THEN 'staff' || i ELSE role END || '@bench.board',
            'Person ' || i, role,
            CASE WHEN i <= {T} THEN i WHEN role = 'regional_manager' THEN f.team_id ELSE 1 + hash(i, 11) % {T} END,
            role <> 'staff' OR {u('i', 12)} >= 0.02
        FROM p LEFT JOIN firsts f ON f.region_id = i - {T} AND role = 'regional_manager'""")
    return _count(con, "regions", "offices", "teams", "people")


def _suggestions(con: db.Conn, n: dict) -> dict:
    T, O, R, N = n["teams"], n["offices"], n["regions"], n["suggestions"]
    start, span = datetime.combine(TODAY - timedelta(days=HISTORY_DAYS), datetime.min.time()), HISTORY_DAYS * 86400
    days = lambda expr: f"to_seconds(CAST(86400 * ({expr}) AS BIGINT))"  # noqa: E731
    # One plan row per suggestion: where it lands, how far its workflow goes (final status) and when each step
    # would happen; acknowledgement speed depends on the team, so teams differ in responsiveness.
    con.execute(f"""
        CREATE TABLE bench_plan AS SELECT
            i + 1 AS id,
            {u('i', 1)} < 0.2 AS anonymous,
            anonymous AND {u('i', 2)} < 0.3 AS office_level,
            CAST(1 + hash(i, 3) % {T} AS INTEGER) AS team,
            CAST(1 + (team - 1) * {O} // {T} AS INTEGER) AS office_id,
            CAST(1 + (office_id - 1) * {R} // {O} AS INTEGER) AS region_id,
            CASE WHEN office_level THEN {T} + region_id ELSE team END AS manager,
            CASE WHEN anonymous THEN NULL ELSE CAST(1 + hash(i, 24) % {n['people']} AS INTEGER) END AS author_id,
            TIMESTAMP '{start}' + to_seconds(CAST(i * {span} // {N} AS BIGINT)) AS raw_created,
            CASE WHEN anonymous THEN date_trunc('day', raw_created) ELSE raw_created END AS created_at,
            {u('i', 7)} AS f,
            CASE WHEN f < 0.16 THEN 'new' WHEN f < 0.21 THEN 'duplicate' WHEN f < 0.36 THEN 'declined'
                 WHEN f < 0.46 THEN 'acknowledged' WHEN f < 0.54 THEN 'under_review' WHEN f < 0.62 THEN 'planned'
                 WHEN f < 0.70 THEN 'in_progress' ELSE 'implemented' END AS fin,
            CASE fin WHEN 'new' THEN 0 WHEN 'duplicate' THEN 1 WHEN 'declined' THEN 2 WHEN 'acknowledged' THEN 1
                 WHEN 'under_review' THEN 2 WHEN 'planned' THEN 3 WHEN 'in_progress' THEN 4 ELSE 5 END AS nsteps,
            created_at + {days(f"0.05 - ln(1 - {u('i', 8)}) * 2.5 * (0.4 + 1.6 * {u('team', 9)})")} AS t1,
            t1 + {days(f"1 + 11 * {u('i', 13)}")} AS t2, t2 + {days(f"1 + 11 * {u('i', 14)}")} AS t3,
            t3 + {days(f"1 + 11 * {u('i', 15)}")} AS t4, t4 + {days(f"1 + 11 * {u('i', 16)}")} AS t5,
            fin <> 'duplicate' AND {u('i', 20)} < 0.12 AS escalates,
            created_at + {days(f"2 + 7 * {u('i', 21)}")} AS e1,
            escalates AND {u('i', 22)} < 0.3 AS escalates_twice,
            e1 + {days(f"1 + 3 * {u('i', 23)}")} AS e2
        FROM range({N}) x(i)""")
    con.execute(f"""
        CREATE TABLE bench_steps AS SELECT * FROM (
            SELECT p.id, x.k,
                CASE WHEN p.fin = 'duplicate' THEN 'duplicate' WHEN p.fin = 'declined' AND x.k = 2 THEN 'declined'
                     ELSE ({PATH})[x.k] END AS to_value,
                CASE WHEN x.k = 1 THEN 'new' ELSE ({PATH})[x.k - 1] END AS from_value,
                ([p.t1, p.t2, p.t3, p.t4, p.t5])[x.k] AS happened
            FROM bench_plan p JOIN range(1, 6) x(k) ON x.k <= p.nsteps) WHERE happened < TIMESTAMP '{NOW}'""")
    con.execute(f"""
        INSERT INTO suggestions (id, kind, category, title, description, likelihood, author_id, anonymous, team_id,
            office_id, region_id, status, level, owner_id, submission_key, created_at)
        SELECT p.id, CASE WHEN {u('p.id', 5)} < 0.35 THEN 'anticipated_problem' ELSE 'improvement' END AS kind,
            {pick(CATEGORIES, 'p.id', 4)},
            'The ' || {pick(WORDS, 'p.id', 40)} || ' ' || {pick(WORDS, 'p.id', 41)} || ' needs work',
            'Customers notice that the ' || {pick(WORDS, 'p.id', 42)} || ' fails often.',
            CASE WHEN kind = 'anticipated_problem' THEN {pick(LIKELIHOODS, 'p.id', 6)} END,
            p.author_id, p.anonymous, CASE WHEN p.office_level THEN NULL ELSE p.team END, p.office_id, p.region_id,
            coalesce(s.status, 'new'),
            CASE WHEN p.escalates_twice AND p.e2 < TIMESTAMP '{NOW}' THEN 'leadership'
                 WHEN p.escalates AND p.e1 < TIMESTAMP '{NOW}' THEN 'region'
                 WHEN p.office_level THEN 'office' ELSE 'team' END,
            CASE WHEN s.status IS NOT NULL THEN p.manager END, 'bench' || p.id, p.created_at
        FROM bench_plan p LEFT JOIN (SELECT id, arg_max(to_value, k) AS status FROM bench_steps GROUP BY id) s
          ON s.id = p.id ORDER BY p.id""")
    return _count(con, "suggestions")


def _events(con: db.Conn, n: dict) -> dict:
    now = f"TIMESTAMP '{NOW}'"
    con.execute(f"""
        CREATE TABLE bench_events AS
        SELECT id AS suggestion_id, 0 AS ord, author_id AS actor_id, 'submitted' AS kind, NULL AS from_value,
            'new' AS to_value, '' AS note, created_at AS happened FROM bench_plan
        UNION ALL SELECT s.id, s.k, p.manager, 'status', s.from_value, s.to_value, '', s.happened
            FROM bench_steps s JOIN bench_plan p ON p.id = s.id
        UNION ALL SELECT id, 10, manager, 'escalated', CASE WHEN office_level THEN 'office' ELSE 'team' END,
            'region', 'Needs the region', e1 FROM bench_plan WHERE escalates AND e1 < {now}
        UNION ALL SELECT id, 11, {n['teams']} + region_id, 'escalated', 'region', 'leadership', '', e2
            FROM bench_plan WHERE escalates_twice AND e2 < {now}""")
    # Replies (after an acknowledgement) make up the rest, so the table holds exactly the planned count.
    missing = n["suggestion_events"] - con.scalar("SELECT count(*) FROM bench_events")
    acks = con.scalar("SELECT count(*) FROM bench_steps WHERE k = 1 AND to_value = 'acknowledged'")
    if missing > 0 and acks:
        con.execute(f"""
            INSERT INTO bench_events SELECT s.id, 20 + j, p.manager, 'reply', NULL, NULL,
                'Thanks for raising this: we are looking at it.', s.happened + to_hours(CAST(1 + 24 * j AS BIGINT))
            FROM bench_steps s JOIN bench_plan p ON p.id = s.id, range({math.ceil(missing / acks)}) x(j)
            WHERE s.k = 1 AND s.to_value = 'acknowledged' ORDER BY j, hash(s.id, 30) LIMIT {missing}""")
    con.execute("""
        INSERT INTO suggestion_events (id, suggestion_id, actor_id, kind, from_value, to_value, note, created_at)
        SELECT row_number() OVER (ORDER BY happened, suggestion_id, ord), suggestion_id, actor_id, kind, from_value,
            to_value, note, happened FROM bench_events ORDER BY 1""")
    fill_milestones(con)
    return _count(con, "suggestion_events")


def _pulse(con: db.Conn, n: dict) -> dict:
    """Fortnightly periods back from today, as many as the response count needs at 55-85% participation
    (one team in eleven answers at 30%); one answer per person and period; a morale dip in region 3."""
    T, O, R, N = n["teams"], n["offices"], n["regions"], n["pulse_responses"]
    rate = f"CASE WHEN team_id % 11 = 6 THEN 0.3 ELSE 0.55 + 0.30 * {u('team_id', 51)} END"
    per_period = con.scalar(f"SELECT sum({rate}) FROM people WHERE active")
    periods = max(1, math.ceil(N / per_period * 1.01))
    current, _ = period_bounds(TODAY, PERIOD_DAYS)
    con.execute(f"INSERT INTO pulse_periods (id, starts_on, ends_on) SELECT p, DATE '{current}'"
                f" + CAST((p - {periods}) * {PERIOD_DAYS} AS INTEGER), DATE '{current}'"
                f" + CAST((p - {periods} + 1) * {PERIOD_DAYS} AS INTEGER) FROM range(1, {periods} + 1) x(p)")
    con.execute(f"""
        CREATE TABLE bench_part AS SELECT period_id, person_id, team_id FROM (
            SELECT x.p AS period_id, id AS person_id, team_id FROM people, range(1, {periods} + 1) x(p)
            WHERE active AND {u('id, x.p', 50)} < {rate}) ORDER BY hash(person_id, period_id, 52) LIMIT {N}""")
    con.execute("INSERT INTO pulse_participation (period_id, person_id)"
                " SELECT period_id, person_id FROM bench_part ORDER BY period_id, hash(person_id, period_id, 53)")
    score = lambda salt, shift=0.0: (f"CAST(greatest(1, least(5, round(base + {shift} + 0.8 * "  # noqa: E731
                                     f"({u('person_id, period_id', salt)} - 0.5)))) AS INTEGER)")
    region = f"(1 + ((1 + (team_id - 1) * {O} // {T}) - 1) * {R} // {O})"
    dip = (f"CASE WHEN {region} = 3 AND period_id BETWEEN {int(periods * 0.6)} AND {int(periods * 0.75)}"
           " THEN 0.8 ELSE 0 END")
    con.execute(f"""
        INSERT INTO pulse_responses (id, period_id, team_id, mood, enps, empowered, tools, acted_on, workload,
            proud, comment)
        SELECT md5(CAST(hash(person_id, period_id, 54) AS VARCHAR)) AS id, period_id, team_id, {score(59)},
            CAST(greatest(0, least(10, round(2 * base + 1 + 3 * ({u('person_id, period_id', 60)} - 0.5)))) AS INTEGER),
            {score(61)}, {score(62)}, {score(63)}, {score(64, -0.3)}, {score(65)},
            CASE WHEN {u('person_id, period_id', 66)} < 0.08
                 THEN {pick(COMMENTS, 'person_id, period_id', 67)} ELSE '' END
        FROM (SELECT *, 3.55 + 0.9 * ({u('team_id', 55)} - 0.5) - ({dip}) + ({u('person_id, period_id', 56)}
                  + {u('person_id, period_id', 57)} + {u('person_id, period_id', 58)} - 1.5) AS base FROM bench_part)
        ORDER BY period_id, id""")
    return _count(con, "pulse_periods", "pulse_responses", "pulse_participation")


def _minutes(con: db.Conn, n: dict) -> dict:
    """Meetings spread over 18 months and the teams (3% office meetings, 5% drafts), 2-3 items each, actions
    for about a third of the items of published minutes; offices 17, 34, ... never discuss a problem."""
    T, O, R, M, ITEMS = n["teams"], n["offices"], n["regions"], n["meetings"], n["meeting_items"]
    first = TODAY - timedelta(days=HISTORY_DAYS)
    con.execute(f"""
        INSERT INTO meetings (id, team_id, office_id, region_id, meeting_date, chair_id, author_id, status,
            review_status, version, created_at, published_at)
        SELECT j, CASE WHEN office_meeting THEN NULL ELSE team END, office, region, day, author, author,
            CASE WHEN draft THEN 'draft' ELSE 'published' END,
            CASE WHEN draft THEN NULL WHEN {u('j', 64)} < 0.6 THEN 'reviewed' WHEN {u('j', 64)} < 0.7
                 THEN 'needs_follow_up' END,
            CASE WHEN draft THEN 0 WHEN {u('j', 65)} < 0.05 THEN 2 ELSE 1 END,
            CAST(day AS TIMESTAMP) + INTERVAL 17 HOUR,
            CASE WHEN NOT draft THEN CAST(day AS TIMESTAMP) + INTERVAL 18 HOUR END
        FROM (SELECT j, CAST(1 + hash(j, 60) % {T} AS INTEGER) AS team,
                  CAST(1 + (team - 1) * {O} // {T} AS INTEGER) AS office,
                  CAST(1 + (office - 1) * {R} // {O} AS INTEGER) AS region, {u('j', 61)} < 0.03 AS office_meeting,
                  CASE WHEN office_meeting THEN {T} + region ELSE team END AS author,
                  DATE '{first}' + CAST((j - 1) * {HISTORY_DAYS} // {M} AS INTEGER) AS day,
                  {u('j', 62)} < 0.05 AS draft
              FROM range(1, {M} + 1) x(j))""")
    con.execute(f"""
        INSERT INTO meeting_items (id, meeting_id, position, kind, category, discussed, solution, removed)
        SELECT i.n, i.m, row_number() OVER (PARTITION BY i.m ORDER BY i.n) - 1,
            CASE WHEN mt.office_id % 17 = 0 AND i.f < 0.5 THEN 'information' WHEN i.f < 0.30 THEN 'real_problem'
                 WHEN i.f < 0.50 THEN 'anticipated_problem' WHEN i.f < 0.65 THEN 'brainstorm'
                 WHEN i.f < 0.80 THEN 'decision' ELSE 'information' END,
            {pick(CATEGORIES, 'i.n', 71)},
            'The ' || {pick(WORDS, 'i.n', 74)} || ' came up again (item ' || i.n || ').',
            CASE WHEN {u('i.n', 72)} < 0.55 THEN 'Agreed: fix the ' || {pick(WORDS, 'i.n', 75)} ELSE '' END,
            {u('i.n', 73)} < 0.02
        FROM (SELECT n, CAST(1 + (n - 1) * {M} // {ITEMS} AS INTEGER) AS m, {u('n', 70)} AS f
              FROM range(1, {ITEMS} + 1) x(n)) i JOIN meetings mt ON mt.id = i.m""")
    con.execute(f"""
        INSERT INTO action_items (id, item_id, meeting_id, description, owner_id, due_date, status, closed_at, removed)
        SELECT row_number() OVER (ORDER BY id), id, meeting_id, 'Follow up item ' || id, author_id, due,
            status, CASE WHEN status <> 'open' THEN least(CAST(due AS TIMESTAMP)
                + to_seconds(CAST(86400 * (-6 + 9 * {u('id', 83)}) AS BIGINT)), TIMESTAMP '{NOW}') END,
            {u('id', 84)} < 0.01
        FROM (SELECT i.id, i.meeting_id, m.author_id,
                  m.meeting_date + CAST(7 + 28 * {u('i.id', 81)} AS INTEGER) AS due,
                  CASE WHEN due >= DATE '{TODAY}' THEN (CASE WHEN {u('i.id', 82)} < 0.15 THEN 'done' ELSE 'open' END)
                       WHEN {u('i.id', 82)} < 0.65 THEN 'done' WHEN {u('i.id', 82)} < 0.9 THEN 'open'
                       ELSE 'dropped' END AS status
              FROM meeting_items i JOIN meetings m ON m.id = i.meeting_id
              WHERE m.status = 'published' AND {u('i.id', 80)} < 0.3)""")
    return _count(con, "meetings", "meeting_items", "action_items")


def export_sqlite(store: db.Store, path: Path, t0: float) -> float:
    """Copy the dashboard tables row for row into SQLite (dates and times as ISO text), then index them."""
    start = time.perf_counter()
    sq = sqlite3.connect(path)
    sq.execute("PRAGMA journal_mode = OFF")
    sq.execute("PRAGMA synchronous = OFF")
    with store.read() as con:
        for table in TABLES:
            cols = con.rows("SELECT column_name AS name, data_type AS type FROM information_schema.columns"
                            " WHERE table_name = ? ORDER BY ordinal_position", (table,))
            sq.execute(f"CREATE TABLE {table} (" + ", ".join(_sqlite_column(c) for c in cols) + ")")
            select = ", ".join(_sqlite_value(c) for c in cols)
            insert = f"INSERT INTO {table} VALUES ({', '.join('?' * len(cols))})"
            cur = con._cur.execute(f"SELECT {select} FROM {table}")  # the raw cursor: chunks, not one list
            while chunk := cur.fetchmany(100_000):
                sq.executemany(insert, chunk)
            sq.commit()
        for number, index in enumerate(SQLITE_UNIQUE + SQLITE_INDEXES):
            unique = "UNIQUE " if index in SQLITE_UNIQUE else ""
            sq.execute(f"CREATE {unique}INDEX i{number} ON {index}")
        sq.execute("ANALYZE")
        sq.commit()
    sq.close()
    print(f"{_clock(t0)} SQLite copy with {len(SQLITE_UNIQUE + SQLITE_INDEXES)} indexes:"
          f" {path.stat().st_size / 2**20:,.0f} MB ({time.perf_counter() - start:.1f} s)", flush=True)
    return round(time.perf_counter() - start, 1)


def _sqlite_column(column: dict) -> str:
    kind = column["type"].upper()
    if column["name"] == "id" and kind in ("INTEGER", "BIGINT"):
        return "id INTEGER PRIMARY KEY"
    affinity = "INTEGER" if kind in ("INTEGER", "BIGINT", "BOOLEAN") else "REAL" if kind == "DOUBLE" else "TEXT"
    return f"{column['name']} {affinity}"


def _sqlite_value(column: dict) -> str:
    name, kind = f'"{column["name"]}"', column["type"].upper()
    if kind == "TIMESTAMP":
        return f"strftime({name}, '%Y-%m-%d %H:%M:%S')"
    if kind == "BOOLEAN":
        return f"CAST({name} AS INTEGER)"
    if kind in ("DATE",) or kind.endswith("[]"):
        return f"CAST({name} AS VARCHAR)"
    return name


def build(folder: Path, scale: float) -> dict:
    """The child process: generate, copy to SQLite, report what was built."""
    t0, n = time.perf_counter(), sizes(scale)
    print(f"{_clock(t0)} generating at scale {scale:g}: " + ", ".join(f"{v:,} {k}" for k, v in n.items()), flush=True)
    store = db.open_store(folder / "bench.duckdb")
    spent = generate(store, n, t0)
    with store.read() as con:
        rows = _count(con, *TABLES)
    spent["sqlite copy"] = export_sqlite(store, folder / "bench.sqlite", t0)
    db.close_store(folder / "bench.duckdb")
    generating = sum(v for k, v in spent.items() if k != "sqlite copy")
    return {"rows": rows, "seconds": spent, "generate_s": round(generating, 1),
            "duckdb_mb": round((folder / "bench.duckdb").stat().st_size / 2**20, 1),
            "sqlite_mb": round((folder / "bench.sqlite").stat().st_size / 2**20, 1),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


# --- recording what the reports layer runs -----------------------------------------------------------------

class _Recording:
    """A store whose cursors note every statement (SQL text and parameters) before running it."""

    def __init__(self, store: db.Store):
        self._store, self.statements = store, []

    def __getattr__(self, name):
        return getattr(self._store, name)

    @contextmanager
    def read(self):
        with self._store.read() as con:
            yield _RecordingConn(con, self.statements)


class _RecordingConn:
    def __init__(self, con: db.Conn, log: list):
        self._con, self._log = con, log

    def __getattr__(self, name):
        method = getattr(self._con, name)
        if name not in ("rows", "one", "scalar", "df", "execute"):
            return method

        def noted(sql, params=(), *rest):
            self._log.append((sql, list(params)))
            return method(sql, params, *rest)
        return noted


# --- SQLite: the same statements, translated minimally -----------------------------------------------------

class Untranslated(Exception):
    """A DuckDB construct the translation does not know (the SQLite column then says n/a)."""


AGGREGATE = re.compile(r"\b(count|sum|min|max|avg|quantile_cont|median|arg_max)\s*\(", re.I)
DUCKDB_ONLY = ("quantile", "median(", "epoch(", "date_trunc", "date_diff", "::", "GROUP BY ALL", "GROUPING SETS",
               "unnest", "least(", "greatest(", "current_date", "arg_max", "list_", "QUALIFY")


def _top_level(sql: str, word: str) -> list[int]:
    """Where `word` occurs outside parentheses and string literals."""
    found, depth, quoted, i = [], 0, False, 0
    while i < len(sql):
        c = sql[i]
        if c == "'":
            quoted = not quoted
        elif not quoted and c == "(":
            depth += 1
        elif not quoted and c == ")":
            depth -= 1
        elif not quoted and depth == 0 and sql.startswith(word, i) and (
                i == 0 or not (word[0].isalnum() and sql[i - 1].isalnum())):
            found.append(i)
        i += 1
    return found


def _split(text: str) -> list[str]:
    cuts = [-1] + _top_level(text, ",") + [len(text)]
    return [text[a + 1:b].strip() for a, b in zip(cuts, cuts[1:])]


def _final_select(sql: str) -> tuple[str, list[str], str]:
    """(what precedes the statement's final top-level SELECT, that SELECT's items, everything after its FROM)"""
    at = _top_level(sql, "SELECT")[-1]
    body = sql[at + len("SELECT"):]
    cut = _top_level(body, " FROM ")[0]
    return sql[:at], _split(body[:cut]), body[cut + len(" FROM "):]


def _alias(item: str) -> str:
    match = re.search(r"\s+AS\s+(\w+)$", item, re.I)
    return match.group(1) if match else item.split(".")[-1]


def _expression(item: str) -> str:
    return re.sub(r"\s+AS\s+\w+$", "", item, flags=re.I)


def _tail(rest: str) -> tuple[str, str, str]:
    """Split the FROM part into (from/where, GROUP BY clause, ORDER BY clause) at top level."""
    group = _top_level(rest, " GROUP BY ")
    order = _top_level(rest, " ORDER BY ")
    end = group[0] if group else order[0] if order else len(rest)
    grouped = rest[group[0] + len(" GROUP BY "):order[0] if order else len(rest)] if group else ""
    return rest[:end], grouped.strip(), rest[order[0] + len(" ORDER BY "):].strip() if order else ""


def _grouping_sets(sql: str) -> str:
    """GROUP BY GROUPING SETS (...) as a UNION ALL of plain GROUP BYs, absent keys as NULL."""
    head, items, rest = _final_select(sql)
    source, grouped, order = _tail(rest)
    sets = [_split(s.strip()[1:-1]) for s in _split(grouped[len("GROUPING SETS"):].strip()[1:-1])]
    parts = []
    for keys in sets:
        chosen = [item if AGGREGATE.search(item) or _expression(item) in keys else f"NULL AS {_alias(item)}"
                  for item in items]
        parts.append(f"SELECT {', '.join(chosen)} FROM {source} GROUP BY {', '.join(keys)}")
    return head + " UNION ALL ".join(parts) + (f" ORDER BY {order}" if order else "")


def _group_by_all(sql: str) -> str:
    _, items, _ = _final_select(sql)
    keys = [_expression(item) for item in items if not AGGREGATE.search(item)]
    return sql.replace("GROUP BY ALL", "GROUP BY " + ", ".join(keys))


def _quantiles(sql: str) -> tuple[str, list, int]:
    """The values behind quantile_cont(...), fetched with their group keys (Python sorts them per group and
    computes the percentile):
    (SQL, [(output name, value column, q) or (output name, key column)], number of key columns)."""
    head, items, rest = _final_select(sql)
    source, _, _ = _tail(rest)
    keys, values, plan = [], [], []
    for item in items:
        match = re.fullmatch(r"quantile_cont\((.*), ([0-9.]+)\) AS (\w+)", item, re.S)
        if match:
            expr = match.group(1)
            if expr not in values:
                values.append(expr)
            plan.append((match.group(3), values.index(expr), float(match.group(2))))
        else:
            keys.append(item)
            plan.append((_alias(item), len(keys) - 1))
    columns = keys + [f"{v} AS v{n}" for n, v in enumerate(values)]
    return f"{head}SELECT {', '.join(columns)} FROM {source}", plan, len(keys)


def translate(sql: str) -> tuple[str, tuple | None]:
    """DuckDB SQL of the reports layer -> SQLite SQL, and the quantile plan when Python must finish it."""
    plan = None
    if "GROUPING SETS" in sql:
        sql = _grouping_sets(sql)
    if "GROUP BY ALL" in sql:
        sql = _group_by_all(sql)
    if "quantile_cont" in sql:
        sql, *plan = _quantiles(sql)
    sql = re.sub(r"date_diff\('day', CAST\(([^()]+?) AS DATE\), CAST\(([^()]+?) AS DATE\)\)",
                 r"CAST(julianday(date(\2)) - julianday(date(\1)) AS INTEGER)", sql)
    sql = re.sub(r"CAST\(([^()]+?) AS DATE\)", r"date(\1)", sql)
    sql = re.sub(r"date_trunc\('month', ([\w.]+)\)", r"strftime('%Y-%m-01', \1)", sql)
    sql = re.sub(r"epoch\(([\w.]+) - ([\w.]+)\)", r"((julianday(\1) - julianday(\2)) * 86400)", sql)
    sql = re.sub(r"SELECT unnest\(\?::DATE\[\]\) AS (\w+)", r"SELECT value AS \1 FROM json_each(?)", sql)
    sql = sql.replace("least(", "min(").replace("greatest(", "max(").replace("current_date", "date('now')")
    left = [word for word in DUCKDB_ONLY if word.lower() in sql.lower()]
    if left:
        raise Untranslated(", ".join(left))
    return sql, (tuple(plan) if plan else None)


def _sqlite_param(value):
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return json.dumps([_sqlite_param(v) for v in value])
    if isinstance(value, bool):
        return int(value)
    return value


def quantile_cont(ordered: list[float], q: float) -> float | None:
    """DuckDB's quantile_cont: linear interpolation between the closest ranks."""
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _finish_quantiles(rows: list[tuple], plan: list, key_count: int) -> list[tuple]:
    """Group the fetched (keys..., values...) rows by key and compute each percentile over sorted values."""
    groups: dict[tuple, list[list]] = {}
    for row in rows:
        bucket = groups.setdefault(row[:key_count], [[] for _ in range(len(row) - key_count)])
        for n, value in enumerate(row[key_count:]):
            if value is not None:
                bucket[n].append(value)
    out = []
    for key, columns in sorted(groups.items(), key=lambda item: tuple((v is None, v) for v in item[0])):
        ordered = [sorted(c) for c in columns]
        out.append(tuple(key[step[1]] if len(step) == 2 else quantile_cont(ordered[step[1]], step[2])
                         for step in plan))
    return out


def run_sqlite(sq: sqlite3.Connection, statements: list) -> list[int]:
    """Run translated statements; return the row count of each."""
    counts = []
    for sql, params, quantiles in statements:
        rows = sq.execute(sql, params).fetchall()
        if quantiles:
            rows = _finish_quantiles(rows, quantiles[0], quantiles[1])
        counts.append(len(rows))
    return counts


# --- measuring -------------------------------------------------------------------------------------------------

def timed(*fns, runs: int = RUNS) -> list[dict] | dict:
    """One warm-up run of each function, then the median of `runs` runs, the functions taking turns (so drift
    on a busy machine touches all alike); fewer runs when they would blow the time budget."""
    warmup = 0.0
    for fn in fns:
        start = time.perf_counter()
        fn()
        warmup += time.perf_counter() - start
    runs = runs if warmup * runs <= BUDGET_S else max(1, int(BUDGET_S // max(warmup, 1e-9)))
    samples = [[] for _ in fns]
    for _ in range(runs):
        for fn, taken in zip(fns, samples):
            start = time.perf_counter()
            fn()
            taken.append((time.perf_counter() - start) * 1000)
    found = [{"median_ms": round(statistics.median(s), 2), "min_ms": round(min(s), 2), "max_ms": round(max(s), 2),
              "runs": runs} for s in samples]
    return found if len(fns) > 1 else found[0]


def dashboard_queries(viewer, filters: dashboard.Filters, k: int, months: list[date]) -> dict:
    """Every query of the dashboards for one viewer, as functions of a store."""
    f = filters
    queries = {
        "funnel": lambda s: dashboard.funnel(s, viewer, f),
        "monthly": lambda s: dashboard.monthly(s, viewer, f),
        "response_times": lambda s: dashboard.response_times(s, viewer, f),
        "ageing": lambda s: dashboard.ageing(s, viewer, f, today=TODAY, sla_cutoff=sla_cutoff(TODAY, 5)),
        "categories": lambda s: dashboard.categories(s, viewer, f),
        "escalations": lambda s: dashboard.escalations(s, viewer, f),
        "newest": lambda s: dashboard.newest(s, viewer, f),
        "drill (status)": lambda s: dashboard.drill(s, viewer, f, status="implemented"),
        "team_ack_days": lambda s: dashboard.team_ack_days(s, viewer, f),
        "minutes_monthly": lambda s: dashboard.minutes_monthly(s, viewer, f),
        "minutes_overview": lambda s: reports.minutes_overview(s, viewer, months=months, today=TODAY),
        "morale (region)": lambda s: reports.morale(s, viewer, k=k, level="region", start=f.start, end=f.end),
        "morale (team)": lambda s: reports.morale(s, viewer, k=k, level="team", start=f.start, end=f.end),
        "participation": lambda s: reports.participation(s, viewer, start=f.start, end=f.end),
        "data_version": lambda s: dashboard.data_version(s),
        "units_in_scope": lambda s: dashboard.units_in_scope(s, viewer),
    }
    if viewer.role != "leader":
        del queries["newest"]
    return queries


def measure_duckdb(store: db.Store, queries: dict) -> dict:
    """Each query through the reports layer, and the statements it ran straight on the DuckDB cursor."""
    results = {}
    for name, fn in queries.items():
        recording = _Recording(store)
        fn(recording)
        statements = recording.statements
        with store.read() as con:
            cur = con._cur  # the bare DuckDB cursor under the reports layer's Conn: the floor
            layer, raw = timed(lambda: fn(store), lambda: [cur.execute(sql, params).fetchall()
                                                           for sql, params in statements])
            rows = [len(cur.execute(sql, params).fetchall()) for sql, params in statements]
        results[name] = {"reports_ms": layer["median_ms"], "raw_ms": raw["median_ms"],
                         "overhead": round(layer["median_ms"] / max(raw["median_ms"], 0.01), 2),
                         "runs": {"reports": layer["runs"], "raw": raw["runs"]}, "statements": statements,
                         "duckdb_rows": rows}
    return results


def _repeat(params: list, sql: str) -> list:
    """Parameters for SQL whose source was repeated (grouping sets as UNION ALL): each copy takes them all."""
    holes = sql.count("?")
    return params * (holes // len(params)) if params and holes != len(params) and holes % len(params) == 0 else params


def measure_sqlite(sq: sqlite3.Connection, results: dict) -> None:
    """The recorded statements of each query, translated, on SQLite (adds the figures to `results`)."""
    for name, result in results.items():
        try:
            statements = [(*translate(sql), _repeat([_sqlite_param(p) for p in params], translate(sql)[0]))
                          for sql, params in result["statements"]]
        except Untranslated as error:
            result.update(sqlite_ms=None, sqlite_ratio=None, sqlite_note=f"not translated: {error}")
            continue
        statements = [(sql, params, plan) for sql, plan, params in statements]
        try:
            took = timed(lambda: run_sqlite(sq, statements))
        except sqlite3.Error as error:
            result.update(sqlite_ms=None, sqlite_ratio=None, sqlite_note=f"SQLite failed: {error}")
            continue
        rows = run_sqlite(sq, statements)
        notes = []
        if any(plan for _, _, plan in statements):
            notes.append("percentiles in Python")
        if any("UNION ALL" in sql for sql, _, _ in statements):
            notes.append("grouping sets as UNION ALL")
        if rows != result["duckdb_rows"]:
            notes.append(f"row counts differ: SQLite {rows}, DuckDB {result['duckdb_rows']}")
        ratio = round(took["median_ms"] / max(result["raw_ms"], 0.01), 1)
        result.update(sqlite_ms=took["median_ms"], sqlite_ratio=ratio, sqlite_note="; ".join(notes), sqlite_rows=rows)
        result["runs"]["sqlite"] = took["runs"]


CHARTS = (("morale_trend", "morale"), ("enps_trend", "morale"), ("participation_rate", "participation"),
          ("funnel", "funnel"), ("submitted_vs_implemented", "monthly"), ("response_times", "response_times"),
          ("ageing", "ageing"), ("categories", "categories"), ("escalations", "escalations"),
          ("minutes_coverage", "coverage"), ("problems_discussed", "minutes_monthly"),
          ("actions_on_time", "minutes_monthly"), ("responsiveness_vs_morale", "versus"))


def leader_page_data(store: db.Store, viewer, f: dashboard.Filters, k: int) -> dict:
    """What the dashboard page computes for a leader's first view (board/app_pages/dashboard.py: the data
    version, the filters' units, the suggestions and minutes tables, and morale compared by region)."""
    dashboard.data_version(store)
    dashboard.units_in_scope(store, viewer)
    data = dashboard.suggestions_and_minutes(store, viewer, f, today=TODAY, sla_cutoff=sla_cutoff(TODAY, 5))
    morale = dashboard.morale_view(store, viewer, f, k=k, level="region")
    data.update(morale=morale["rows"], participation=morale["participation"],
                versus=dashboard.responsiveness_vs_morale(data["ack_days"], morale["teams"]))
    return data


def build_figures(data: dict) -> list:
    from board import charts
    return [getattr(charts, name)(data[source]) for name, source in CHARTS]


def csv_downloads(data: dict) -> int:
    """The CSV of every chart's data, as the page offers them."""
    import pandas as pd

    from board.export import to_csv
    tables = {source: data[source] for _, source in CHARTS}
    return sum(len(to_csv(value if isinstance(value, pd.DataFrame) else pd.DataFrame(value)))
               for value in tables.values())


def measure_leader_page(store: db.Store, viewer, f, k: int) -> dict:
    queries = timed(lambda: leader_page_data(store, viewer, f, k))
    data = leader_page_data(store, viewer, f, k)
    whole = timed(lambda: build_figures(leader_page_data(store, viewer, f, k)))
    return {"queries_ms": queries["median_ms"], "figures_ms": timed(lambda: build_figures(data))["median_ms"],
            "total_ms": whole["median_ms"], "figures": len(build_figures(data)),
            "csv_ms": timed(lambda: csv_downloads(data))["median_ms"]}


# --- the command -----------------------------------------------------------------------------------------------

def _peak_mb(who=resource.RUSAGE_SELF) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # Linux reports KiB


def _months_back(count: int) -> list[date]:
    months, day = [], TODAY.replace(day=1)
    for _ in range(count):
        months.insert(0, day)
        day = (day - timedelta(days=1)).replace(day=1)
    return months


def measure(store: db.Store, sqlite_path: Path, t0: float) -> dict:
    load_before = os.getloadavg()
    viewers = {"leader": people.find_by_email(store, "leader@bench.board"),
               "regional_manager": people.find_by_email(store, "regional1@bench.board")}
    k = settings.load(store).anonymity_k
    months = _months_back(12)  # the dashboard's default period: the last 12 months
    filters = dashboard.Filters(months[0], (months[-1] + timedelta(days=31)).replace(day=1))
    queries = {}
    for role, viewer in viewers.items():
        print(f"{_clock(t0)} DuckDB, {role}: reports layer and raw SQL, warm, median of {RUNS}", flush=True)
        queries[role] = measure_duckdb(store, dashboard_queries(viewer, filters, k, months))
        for name, r in queries[role].items():
            print(f"{_clock(t0)}   {name}: {r['reports_ms']} ms, raw {r['raw_ms']} ms", flush=True)
    print(f"{_clock(t0)} the whole leader dashboard", flush=True)
    page = measure_leader_page(store, viewers["leader"], filters, k)
    duckdb_peak = _peak_mb()
    sq = sqlite3.connect(sqlite_path)
    sq.execute("PRAGMA cache_size = -262144")  # 256 MB page cache, as a user tuning for reads would set
    sq.execute("PRAGMA temp_store = MEMORY")
    for role in viewers:
        print(f"{_clock(t0)} SQLite, {role}", flush=True)
        measure_sqlite(sq, queries[role])
        for name, r in queries[role].items():
            print(f"{_clock(t0)}   {name}: {r['sqlite_ms']} ms {r['sqlite_note']}", flush=True)
    sq.close()
    for results in queries.values():
        for r in results.values():
            r["statements"] = len(r["statements"])
    return {"filters": {"start": str(filters.start), "end": str(filters.end), "k": k, "today": str(TODAY)},
            "queries": queries, "leader_dashboard": page,
            "memory_mb": {"measuring_duckdb": duckdb_peak, "measuring_with_sqlite": _peak_mb()},
            "load_average": {"before": [round(v, 2) for v in load_before],
                             "after": [round(v, 2) for v in os.getloadavg()]}}


def targets(report: dict) -> dict:
    page, memory = report["leader_dashboard"], report["memory_mb"]["measuring_duckdb"]
    rows = [(role, name, r) for role, results in report["queries"].items() for name, r in results.items()]
    heavy = [f"{role} {name} {r['overhead']}x ({r['reports_ms']} vs {r['raw_ms']} ms)"
             for role, name, r in rows if r["overhead"] > TARGETS["overhead"]]
    slow = [f"{role} {name} {r['sqlite_ratio']}x ({r['raw_ms']} vs SQLite {r['sqlite_ms']} ms)"
            for role, name, r in rows if r["sqlite_ratio"] is not None and r["sqlite_ratio"] < TARGETS["sqlite_factor"]]
    slow += [f"{role} {name}: {r['sqlite_note']}" for role, name, r in rows if r["sqlite_ratio"] is None]
    return {
        "leader_dashboard": {"target": f"whole leader dashboard <= {TARGETS['dashboard_ms']} ms median (queries + figures)",
                             "met": page["total_ms"] <= TARGETS["dashboard_ms"], "value_ms": page["total_ms"]},
        "overhead": {"target": f"reports layer within {TARGETS['overhead']}x of raw DuckDB SQL, every query",
                     "met": not heavy, "missed_by": heavy},
        "sqlite": {"target": f"every query >= {TARGETS['sqlite_factor']}x faster than SQLite (raw SQL on each)",
                   "met": not slow, "missed_by": slow},
        "memory": {"target": f"peak memory < {TARGETS['memory_mb']} MB (this process, DuckDB measurements)",
                   "met": memory < TARGETS["memory_mb"], "value_mb": memory},
    }


def _ms(value) -> str:
    return "n/a" if value is None else f"{value:,.1f}"


def print_report(report: dict) -> None:
    for role, results in report["queries"].items():
        print(f"\n{role.replace('_', ' ')} (filters {report['filters']['start']} to {report['filters']['end']}, "
              f"k = {report['filters']['k']}); ms = median of warm runs")
        print(f"{'query':<18}{'reports ms':>11}{'DuckDB ms':>11}{'overhead':>9}{'SQLite ms':>11}{'SQLite/DuckDB':>14}"
              "  note")
        for name, r in results.items():
            ratio = "n/a" if r["sqlite_ratio"] is None else f"{r['sqlite_ratio']:,.1f}x"
            runs = "" if max(r["runs"].values()) == RUNS == min(r["runs"].values()) else f"runs {r['runs']}; "
            print(f"{name:<18}{_ms(r['reports_ms']):>11}{_ms(r['raw_ms']):>11}{r['overhead']:>8.2f}x"
                  f"{_ms(r['sqlite_ms']):>11}{ratio:>14}  {runs}{r['sqlite_note']}")
    page = report["leader_dashboard"]
    print(f"\nwhole leader dashboard: {_ms(page['total_ms'])} ms median; queries and page"
          f" glue {_ms(page['queries_ms'])} ms, {page['figures']} figures {_ms(page['figures_ms'])} ms, CSV for"
          f" every chart {_ms(page['csv_ms'])} ms (rebuilt on every rerun, not cached)")
    data = report["dataset"]
    print("dataset: " + ", ".join(f"{v:,} {k}" for k, v in data["rows"].items()))
    print(f"generated in {data['generate_s']} s (" + ", ".join(f"{k} {v} s" for k, v in data["seconds"].items())
          + f"); DuckDB file {data['duckdb_mb']:,} MB, SQLite file {data['sqlite_mb']:,} MB")
    memory = report["memory_mb"]
    print(f"peak memory (ru_maxrss): {memory['measuring_duckdb']:,} MB measuring DuckDB, "
          f"{memory['measuring_with_sqlite']:,} MB after SQLite too, {memory['generating']:,} MB generating (child);"
          f" cpu_count {report['cpu_count']}; load average (1, 5, 15 min) {report['load_average']['before']} before"
          f" measuring, {report['load_average']['after']} after (above the core count: the machine was shared)")
    for target in report["targets"].values():
        print(f"{'MET   ' if target['met'] else 'MISSED'} {target['target']}"
              + "".join(f"\n         {line}" for line in target.get("missed_by", []))
              + (f": {target['value_ms']} ms" if "value_ms" in target else "")
              + (f": {target['value_mb']} MB" if "value_mb" in target else ""))


def main(args) -> int:
    """python -m board bench: build, measure, print, write JSON (args: quick, out, scale)."""
    from board.errors import BoardError

    scale = args.scale or (1 / 20 if args.quick else 1.0)
    t0 = time.perf_counter()
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH")) if p)}
    with tempfile.TemporaryDirectory(prefix="board-bench-") as tmp:
        folder = Path(tmp)
        if subprocess.run([sys.executable, "-m", "board.bench", str(folder), repr(scale)], env=env).returncode:
            raise BoardError("the benchmark dataset could not be built (see the messages above)")
        built = json.loads((folder / "build.json").read_text())
        store = db.Store(folder / "bench.duckdb", read_only=True)
        try:
            report = measure(store, folder / "bench.sqlite", t0)
        finally:
            store.close()
    report = {"scale": scale, "quick": bool(args.quick), "dataset": built, **report, "cpu_count": os.cpu_count()}
    report["memory_mb"]["generating"] = max(built.pop("peak_mb"), _peak_mb(resource.RUSAGE_CHILDREN))
    report["targets"] = targets(report)
    print_report(report)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"written {out} ({time.perf_counter() - t0:.0f} s in all)")
    return 0


if __name__ == "__main__":  # the child process that builds the dataset: python -m board.bench FOLDER SCALE
    _folder = Path(sys.argv[1])
    (_folder / "build.json").write_text(json.dumps(build(_folder, float(sys.argv[2]))))
