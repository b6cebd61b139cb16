"""The benchmark's dataset: a deterministic large organisation generated in bulk SQL with hash-based values
(python -m bench dashboards builds it in a child process: python -m bench.data FOLDER SCALE [nosqlite]), the
same rows copied into SQLite with sensible indexes for the comparison, and the cache of built datasets that
python -m bench dashboards --scales reuses (data/bench_cache, one folder per scale and generator)."""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from functools import partial
from itertools import pairwise
from pathlib import Path

import duckdb

from board import DATA_DIR
from board import store as db
from board.errors import BoardError
from board.feedback import counts
from board.feedback.suggestions import MILESTONES, fill_milestones
from board.meetings import minutes
from board.morale import pulse, rollup
from board.morale.pulse import period_bounds
from board.store.migrate import available_migrations

FULL = {"teams": 4_000, "offices": 200, "people": 50_000, "suggestions": 1_000_000,
        "suggestion_events": 4_000_000, "pulse_responses": 5_000_000, "meetings": 70_000, "meeting_items": 200_000}
REGIONS = 6
TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 12, 0)
HISTORY_DAYS = 540  # suggestions and minutes: 18 months
PERIOD_DAYS = 14
CHUNK_ROWS = 1_000_000  # rows per transaction into the largest tables: bounds each statement's sort and join
# DuckDB in the child that generates: its buffer manager (sorts, joins, key indexes) stays under memory_limit and
# spills the rest to a folder beside the file. A table's key index must stay in memory while rows are added to
# it: about 100 bytes per key for the pulse answers' random text ids, so 5 GB at 10x (50M answers). Hence 6 GB,
# which with Python and DuckDB's small allocations outside it keeps the child under 8 GB; two threads, the
# machine's cores (each thread adds its own sort and hash buffers).
GENERATING = {"memory_limit": "6GB", "threads": 2}
CACHE = DATA_DIR / "bench_cache"  # datasets kept between runs, one folder per scale and generator
ROOT = Path(__file__).resolve().parent.parent  # the repository: bench/ and board/ beside each other
TABLES = ("regions", "offices", "teams", "people", "team_members", "suggestions", "suggestion_events", "meetings",
          "meeting_items", "action_items", "action_events", "pulse_periods", "pulse_responses", "pulse_participation",
          "pulse_voters", "pulse_turnout")
SQLITE_INDEXES = (
    "offices (region_id)", "teams (office_id)", "team_members (team_id)", "suggestions (created_at)",
    "suggestions (region_id, created_at)", "suggestions (office_id)", "suggestions (team_id)",
    "suggestion_events (suggestion_id)", "suggestion_events (kind, to_value)", "meetings (office_id, meeting_date)",
    "meetings (region_id)", "meeting_items (meeting_id)", "action_items (meeting_id)",
    "pulse_responses (period_id, team_id)", "pulse_participation (person_id)")
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


def clock(t0: float) -> str:
    """The seconds since t0, as every progress line of the benchmarks starts."""
    return f"[{time.perf_counter() - t0:7.1f} s]"


# --- the dataset (runs in the child process) ------------------------------------------------------------

def generate(store: db.Database, n: dict, t0: float,
             chunk_rows: int = CHUNK_ROWS) -> tuple[dict[str, float], dict[str, float]]:
    """Fill an empty migrated store step by step; return the seconds each step took and the process's peak
    memory after it. The largest tables are written `chunk_rows` rows per transaction: a transaction keeps its
    new key index entries apart until it commits, then merges them, so one transaction over a whole table would
    hold its key index (5 GB for the pulse answers at 10x) about twice. A checkpoint after each step writes its
    rows and indexes to the file, so that DuckDB may evict them before the next."""
    spent, peaks = {}, {}
    steps = (("organisation and people", partial(store.write, partial(_organisation, n=n))),
             ("suggestions", partial(_suggestions, store, n, chunk_rows)),
             ("suggestion events", partial(_events, store, n, chunk_rows)),
             ("pulse", partial(_pulse, store, n, chunk_rows)),
             ("minutes", partial(store.write, partial(_minutes, n=n))),
             ("summaries", partial(store.write, _summaries)))
    for name, step in steps:
        start = time.perf_counter()
        counts = step()
        with store.read() as con:
            con.execute("CHECKPOINT")
        spent[name], peaks[name] = round(time.perf_counter() - start, 1), rss_peak_mb()
        print(f"{clock(t0)} {name}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items())
              + f" ({spent[name]} s; peak memory so far {peaks[name]:,.0f} MB)", flush=True)
    return spent, peaks


def rss_peak_mb() -> float:
    """This process's peak resident memory so far (ru_maxrss, which Linux reports in KiB), in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def id_ranges(first: int, last: int, size: int) -> list[tuple[int, int]]:
    """[first, last] cut into consecutive inclusive ranges of at most `size` ids, in order: one INSERT ... SELECT
    each, so a statement over the largest tables sorts and joins a bounded number of rows."""
    return [(low, min(low + size - 1, last)) for low in range(first, last + 1, max(1, size))]


def _count(con: db.Conn, *tables: str) -> dict[str, int]:
    return {t: con.scalar(f"SELECT count(*) FROM {t}") for t in tables}


def _organisation(con: db.Conn, n: dict) -> dict:
    T, OF, R, P = n["teams"], n["offices"], n["regions"], n["people"]
    con.execute(f"INSERT INTO regions (id, name) SELECT r, 'Region ' || r FROM range(1, {R} + 1) x(r)")
    con.execute(f"INSERT INTO offices (id, region_id, name) SELECT o, 1 + (o - 1) * {R} // {OF}, 'Office ' || o"
                f" FROM range(1, {OF} + 1) x(o)")
    con.execute(f"INSERT INTO teams (id, office_id, name) SELECT t, 1 + (t - 1) * {OF} // {T}, 'Team ' || t"
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
    con.execute("INSERT INTO team_members (person_id, team_id) SELECT id, team_id FROM people")
    return _count(con, "regions", "offices", "teams", "people", "team_members")


def _suggestions(store: db.Database, n: dict, chunk: int) -> dict:
    """The plan of every suggestion's workflow (kept for the events step), then the suggestions themselves,
    `chunk` ids per transaction."""
    store.write(partial(_plan, n=n))
    for low, high in id_ranges(1, n["suggestions"], chunk):
        store.write(partial(_insert_suggestions, low=low, high=high))
    with store.read() as con:
        return _count(con, "suggestions")


def _plan(con: db.Conn, n: dict) -> None:
    """bench_plan, what becomes of each suggestion, and bench_steps, its status changes made before NOW."""
    T, OF, R, N = n["teams"], n["offices"], n["regions"], n["suggestions"]
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
            CAST(1 + (team - 1) * {OF} // {T} AS INTEGER) AS office_id,
            CAST(1 + (office_id - 1) * {R} // {OF} AS INTEGER) AS region_id,
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


def _insert_suggestions(con: db.Conn, low: int, high: int) -> None:
    """The suggestions of ids low to high from their plan (and its final status)."""
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
        FROM bench_plan p LEFT JOIN (SELECT id, arg_max(to_value, k) AS status FROM bench_steps
                                     WHERE id BETWEEN ? AND ? GROUP BY id) s ON s.id = p.id
        WHERE p.id BETWEEN ? AND ? ORDER BY p.id""", (low, high, low, high))


def _events(store: db.Database, n: dict, chunk: int) -> dict:
    """Every suggestion's events from its plan, numbered in time order one time slice of about `chunk` events per
    transaction (the same ids as one statement over them all); then its milestone columns, and the plan goes."""
    span = store.write(partial(_plan_events, n=n))
    first, last, slices = span["first"], span["last"], max(1, math.ceil(span["events"] / chunk))
    edges = [first + (last - first) * i / slices for i in range(slices)] + [last + timedelta(days=1)]
    for start, end in pairwise(edges):
        store.write(partial(_insert_events, start=start, end=end))
    return store.write(_finish_events)


def _plan_events(con: db.Conn, n: dict) -> dict:
    """bench_events, every event to write, exactly as many as planned; the span of their times and their count."""
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
    return con.rows("SELECT min(happened) AS first, max(happened) AS last, count(*) AS events FROM bench_events")[0]


def _insert_events(con: db.Conn, start: datetime, end: datetime) -> None:
    """The events of the time slice [start, end), numbered after those written before."""
    con.execute("""
        INSERT INTO suggestion_events (id, suggestion_id, actor_id, kind, from_value, to_value, note, created_at)
        SELECT ? + row_number() OVER (ORDER BY happened, suggestion_id, ord), suggestion_id, actor_id, kind,
            from_value, to_value, note, happened
        FROM bench_events WHERE happened >= ? AND happened < ? ORDER BY 1""",
                (con.scalar("SELECT count(*) FROM suggestion_events"), start, end))


def _finish_events(con: db.Conn) -> dict:
    """The milestone columns from the events written; the plan goes."""
    _drop(con, ("bench_events", "bench_steps", "bench_plan"))
    fill_milestones(con)
    return _count(con, "suggestion_events")


def _summaries(con: db.Conn) -> dict:
    """The dashboards' summaries of what the bulk steps wrote past the write paths: the suggestions' cells and
    each office's times to acknowledgement (counts.rebuild), and the closed pulse periods' cells and Morale's
    figures (pulse.rebuild_cells)."""
    counts.rebuild(con)
    pulse.rebuild_cells(con)
    return _count(con, "suggestion_cells", "pulse_cells", "ack_times", "pulse_rollup")


def _drop(con: db.Conn, tables: tuple[str, ...]) -> None:
    """Drop scratch tables once no step needs them, so the file keeps only the dataset."""
    for table in tables:
        con.execute(f"DROP TABLE {table}")


def _pulse(store: db.Database, n: dict, chunk: int) -> dict:
    """Fortnightly periods back from today, as many as the response count needs at 55-85% participation
    (one team in eleven answers at 30%); one answer per person and period; a morale dip in region 3. The
    answers are written about `chunk` per transaction, a range of periods each."""
    periods = store.write(partial(_plan_pulse, n=n))
    for low, high in id_ranges(1, periods, chunk * periods // n["pulse_responses"]):
        store.write(partial(_insert_answers, n=n, periods=periods, low=low, high=high))
    store.write(partial(_drop, tables=("bench_part",)))
    with store.read() as con:
        return _count(con, "pulse_periods", "pulse_responses", "pulse_turnout", "pulse_voters")


def _plan_pulse(con: db.Conn, n: dict) -> int:
    """The periods, bench_part (who answers in which period), the turnout of closed periods and the voters of the
    open one; how many periods."""
    N = n["pulse_responses"]
    rate = f"CASE WHEN team_id % 11 = 6 THEN 0.3 ELSE 0.55 + 0.30 * {u('team_id', 51)} END"
    per_period = con.scalar(f"SELECT sum({rate}) FROM people WHERE active")
    periods = max(1, math.ceil(N / per_period * 1.01))
    current, _ = period_bounds(TODAY, PERIOD_DAYS)
    con.execute(f"INSERT INTO pulse_periods (id, starts_on, ends_on) SELECT p, DATE '{current}'"
                f" + CAST((p - {periods}) * {PERIOD_DAYS} AS INTEGER), DATE '{current}'"
                f" + CAST((p - {periods} + 1) * {PERIOD_DAYS} AS INTEGER) FROM range(1, {periods} + 1) x(p)")
    con.execute("UPDATE pulse_periods SET closed_at = ? WHERE ends_on <= ?", (NOW, TODAY))  # all but the current
    # Exactly N answers: those of the smallest draws. The few above N (about 1%) are found with a small top-k,
    # and the rest kept below its smallest draw, rather than sorting every possible answer.
    answers = (f"SELECT x.p AS period_id, id AS person_id, team_id, hash(id, x.p, 52) AS draw"
               f" FROM people, range(1, {periods} + 1) x(p) WHERE active AND {u('id, x.p', 50)} < {rate}")
    extra = con.scalar(f"SELECT count(*) FROM ({answers})") - N
    cut = con.scalar(f"SELECT min(draw) FROM (SELECT draw FROM ({answers}) ORDER BY draw DESC LIMIT {max(0, extra)})")
    kept = f"WHERE draw < {cut}" if extra > 0 else ""
    con.execute(f"CREATE TABLE bench_part AS SELECT period_id, person_id, team_id FROM ({answers}) {kept}")
    # Closed periods keep counts per team; the open one keeps voter hashes (a stand-in key: md5 of the pair).
    con.execute("INSERT INTO pulse_turnout (period_id, team_id, answered, people)"
                " SELECT b.period_id, b.team_id, count(*), (SELECT count(*) FROM people q WHERE q.team_id = b.team_id"
                " AND q.active) FROM bench_part b WHERE b.period_id < ? GROUP BY b.period_id, b.team_id", (periods,))
    con.execute("INSERT INTO pulse_voters (period_id, voter, team_id) SELECT period_id,"
                " md5(CAST(hash(person_id, period_id, 53) AS VARCHAR)), team_id FROM bench_part WHERE period_id = ?",
                (periods,))
    return periods


def _insert_answers(con: db.Conn, n: dict, periods: int, low: int, high: int) -> None:
    """The answers of periods low to high."""
    T, OF, R = n["teams"], n["offices"], n["regions"]
    score = lambda salt, shift=0.0: (f"CAST(greatest(1, least(5, round(base + {shift} + 0.8 * "  # noqa: E731
                                     f"({u('person_id, period_id', salt)} - 0.5)))) AS INTEGER)")
    region = f"(1 + ((1 + (team_id - 1) * {OF} // {T}) - 1) * {R} // {OF})"
    dip = (f"CASE WHEN {region} = 3 AND period_id BETWEEN {int(periods * 0.6)} AND {int(periods * 0.75)}"
           " THEN 0.8 ELSE 0 END")
    con.execute(f"""
        INSERT INTO pulse_responses (id, period_id, team_id, office_id, region_id, mood, enps, empowered, tools,
            acted_on, workload, proud, comment)
        SELECT md5(CAST(hash(person_id, period_id, 54) AS VARCHAR)) AS id, period_id, team_id,
            (SELECT t.office_id FROM teams t WHERE t.id = team_id), {region}, {score(59)},
            CAST(greatest(0, least(10, round(2 * base + 1 + 3 * ({u('person_id, period_id', 60)} - 0.5)))) AS INTEGER),
            {score(61)}, {score(62)}, {score(63)}, {score(64, -0.3)}, {score(65)},
            CASE WHEN {u('person_id, period_id', 66)} < 0.08
                 THEN {pick(COMMENTS, 'person_id, period_id', 67)} ELSE '' END
        FROM (SELECT *, 3.55 + 0.9 * ({u('team_id', 55)} - 0.5) - ({dip}) + ({u('person_id, period_id', 56)}
                  + {u('person_id, period_id', 57)} + {u('person_id, period_id', 58)} - 1.5) AS base
              FROM bench_part WHERE period_id BETWEEN ? AND ?)
        ORDER BY period_id, id""", (low, high))


def _minutes(con: db.Conn, n: dict) -> dict:
    """Meetings spread over 18 months and the teams (3% office meetings, 5% drafts), 2-3 items each, actions
    for about a third of the items of published minutes; offices 17, 34, ... never discuss a problem."""
    T, OF, R, M, ITEMS = n["teams"], n["offices"], n["regions"], n["meetings"], n["meeting_items"]
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
                  CAST(1 + (team - 1) * {OF} // {T} AS INTEGER) AS office,
                  CAST(1 + (office - 1) * {R} // {OF} AS INTEGER) AS region, {u('j', 61)} < 0.03 AS office_meeting,
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
    minutes.count_items(con)  # each meeting's problems and solutions, as publishing keeps them
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


def export_sqlite(store: db.Database, path: Path, t0: float) -> float:
    """Copy every table row for row into SQLite (dates and times as ISO text), then index it as DuckDB is (its
    keys and indexes) and with SQLITE_INDEXES, the lookups SQLite needs where DuckDB scans."""
    start = time.perf_counter()
    sq = sqlite3.connect(path)
    sq.execute("PRAGMA journal_mode = OFF")
    sq.execute("PRAGMA synchronous = OFF")
    with store.read() as con:
        tables = [r["name"] for r in con.rows("SELECT table_name AS name FROM information_schema.tables"
                                              " WHERE table_schema = 'main' AND table_type = 'BASE TABLE'")]
        for table in tables:
            cols = con.rows("SELECT column_name AS name, data_type AS type FROM information_schema.columns"
                            " WHERE table_name = ? ORDER BY ordinal_position", (table,))
            sq.execute(f"CREATE TABLE {table} (" + ", ".join(_sqlite_column(c) for c in cols) + ")")
            select = ", ".join(_sqlite_value(c) for c in cols)
            insert = f"INSERT INTO {table} VALUES ({', '.join('?' * len(cols))})"
            for _, chunk in con.batches(f"SELECT {select} FROM {table}", size=100_000):  # chunks, not one list
                sq.executemany(insert, chunk)
            sq.commit()
        indexes = _sqlite_indexes(con, sq)
        for number, index in enumerate(indexes):
            sq.execute(index.format(name=f"i{number}"))
        sq.execute("ANALYZE")
        sq.commit()
    sq.close()
    print(f"{clock(t0)} SQLite copy of {len(tables)} tables with {len(indexes)} indexes:"
          f" {path.stat().st_size / 2**20:,.0f} MB ({time.perf_counter() - start:.1f} s)", flush=True)
    return round(time.perf_counter() - start, 1)


def _sqlite_indexes(con: db.Conn, sq: sqlite3.Connection) -> list[str]:
    """CREATE INDEX statements (named {name}) for the SQLite copy: a unique one per DuckDB primary key or unique
    constraint (but an integer id, which is SQLite's rowid already), one per DuckDB index, and SQLITE_INDEXES."""
    rowid = {t for t, in sq.execute("SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c"
                                    " WHERE m.type = 'table' AND c.name = 'id' AND c.pk = 1 AND c.type = 'INTEGER'")}
    constraints = con.rows("SELECT table_name AS t, constraint_column_names AS columns FROM duckdb_constraints()"
                           " WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE') ORDER BY ALL")
    keys = [f"{r['t']} ({', '.join(r['columns'])})" for r in constraints
            if r["columns"] != ["id"] or r["t"] not in rowid]
    own = [f"{r['t']} ({r['columns'].strip('[]')})"
           for r in con.rows("SELECT table_name AS t, expressions AS columns FROM duckdb_indexes() ORDER BY ALL")]
    plain = [index for index in dict.fromkeys(own + list(SQLITE_INDEXES)) if index not in keys]
    return ([f"CREATE UNIQUE INDEX {{name}} ON {index}" for index in keys]
            + [f"CREATE INDEX {{name}} ON {index}" for index in plain])


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


def build(folder: Path, scale: float, sqlite: bool = True) -> dict:
    """The child process: generate under GENERATING's limits, copy to SQLite (when it is compared), report what
    was built and how long each step took."""
    t0, n = time.perf_counter(), sizes(scale)
    print(f"{clock(t0)} generating at scale {scale:g}: " + ", ".join(f"{v:,} {k}" for k, v in n.items()), flush=True)
    store = db.open_store(folder / "bench.duckdb")
    with store.read() as con:
        for name, value in GENERATING.items():
            con.execute(f"SET GLOBAL {name} = '{value}'")
    spent, peaks = generate(store, n, t0)
    with store.read() as con:
        rows = _count(con, *TABLES)
    if sqlite:
        spent["sqlite copy"] = export_sqlite(store, folder / "bench.sqlite", t0)
        peaks["sqlite copy"] = rss_peak_mb()
    db.close_store(folder / "bench.duckdb")
    generating = sum(v for k, v in spent.items() if k != "sqlite copy")
    return {"rows": rows, "seconds": spent, "peak_mb_after": peaks, "generate_s": round(generating, 1),
            "duckdb_mb": round((folder / "bench.duckdb").stat().st_size / 2**20, 1),
            "sqlite_mb": round((folder / "bench.sqlite").stat().st_size / 2**20, 1) if sqlite else None,
            "peak_mb": rss_peak_mb(), "settings": GENERATING, "generator": generator_hash(),
            "built": datetime.now().isoformat(timespec="seconds")}


def build_in_child(folder: Path, scale: float, sqlite: bool) -> dict:
    """Build the dataset into `folder` in a child process (so the caller's peak memory stays its own); what
    build() reported there."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    child = [sys.executable, "-m", "bench.data", str(folder), repr(scale), *([] if sqlite else ["nosqlite"])]
    if subprocess.run(child, env=env).returncode:
        raise BoardError("the benchmark dataset could not be built (see the messages above)")
    return json.loads((folder / "build.json").read_text())


# --- the cache of built datasets (python -m bench dashboards --scales) ---------------------------------------

def generator_hash() -> str:
    """Twelve hex digits naming how the dataset is made: this module's source, the migrations DuckDB runs, the board's
    functions that fill it and DuckDB's version (its file format), so a changed generator never reuses a dataset
    an older one built."""
    parts = [Path(__file__).read_text(), duckdb.__version__, repr(MILESTONES), counts.COLUMNS, counts.recount_sql(),
             pulse.CELLS, minutes.ITEM_COUNTS,
             *(inspect.getsource(fn) for fn in (fill_milestones, period_bounds, counts.rebuild, counts._insert_times,
                                                minutes.count_items, pulse.rebuild_cells, rollup.count, rollup.store)),
             *(name + sql for name, sql in available_migrations() if not name.endswith(".postgres.sql"))]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:12]


def cached(scale: float, *, sqlite: bool, t0: float) -> tuple[Path, dict]:
    """The folder of the dataset at `scale` (bench.duckdb, build.json, and bench.sqlite when `sqlite`), reused
    when this generator built it before, else built now in a child process and kept. A build goes into a
    .partial folder renamed when complete, so an interrupted build is never taken for a dataset."""
    folder = cache_folder() / f"scale-{scale:g}-{generator_hash()}"
    if (folder / "build.json").is_file() and (not sqlite or (folder / "bench.sqlite").is_file()):
        built = json.loads((folder / "build.json").read_text())
        print(f"{clock(t0)} scale {scale:g}: reusing {folder} (built {built['built']} in {built['generate_s']} s)",
              flush=True)
        return folder, {**built, "cached": True}
    building = folder.with_name(folder.name + ".partial")
    for old in (folder, building):
        shutil.rmtree(old, ignore_errors=True)
    building.mkdir()
    print(f"{clock(t0)} scale {scale:g}: building {folder} ({free_gb(folder.parent):,.1f} GB free on its disk)",
          flush=True)
    built = build_in_child(building, scale, sqlite)
    building.rename(folder)
    return folder, {**built, "cached": False}


def prune_cache(t0: float) -> None:
    """Delete the cached datasets no run can reuse (another generator's, interrupted builds): at 10x one takes
    11 GB."""
    current = generator_hash()
    for entry in sorted(cache_folder().glob("scale-*")):
        if entry.name.endswith(f"-{current}"):
            continue
        size = sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())
        shutil.rmtree(entry)
        why = "an interrupted build" if entry.name.endswith(".partial") else "built by another generator"
        print(f"{clock(t0)} removed the cached dataset {entry.name} ({size / 2**30:,.1f} GB): {why}", flush=True)


def cache_folder() -> Path:
    """CACHE, made when missing with a .gitignore of its own (as pytest's cache has), so git never sees it."""
    CACHE.mkdir(parents=True, exist_ok=True)
    ignore = CACHE / ".gitignore"
    if not ignore.is_file():
        ignore.write_text("# datasets of python -m bench dashboards --scales, rebuilt when missing\n*\n")
    return CACHE


def free_gb(path: Path) -> float:
    return shutil.disk_usage(path).free / 2**30


if __name__ == "__main__":  # the child that builds the dataset: python -m bench.data FOLDER SCALE [nosqlite]
    _folder = Path(sys.argv[1])
    (_folder / "build.json").write_text(json.dumps(build(_folder, float(sys.argv[2]), "nosqlite" not in sys.argv)))
