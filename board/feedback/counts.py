"""The suggestion summaries the dashboards read (suggestion_cells, migration 0018): per month of raising and
category, how many suggestions are in each status, how many were implemented in each month, how many were
escalated in each month to each level, and how long they took to be acknowledged and resolved (in buckets).
Each is counted at every grain (a team, its office, its region, the whole organisation), so a dashboard reads only
the rows of the unit it shows, however large the organisation.

Every write that changes what they count adds its changes (+1 here, -1 there) as new rows in its own transaction,
in one statement, so the summaries are never stale and a write pays for one insert, which takes no lock another
write could wait on. Readers sum the rows of a cell. `compact` (the delivery worker's runs) merges the rows added
since into one row per cell. `rebuild` recounts everything after a bulk load (the demo, the benchmark), and
`recounted` is what they must equal at any moment (the property tests compare the two on both backends).

Beside them, each office's times to the first acknowledgement (ack_times, migration 0023), per month of raising:
what the dashboard's exact medians per office read. They are kept the same way: a first acknowledgement's seconds
ride on the cell row its status change adds (no second statement), `compact` moves them into their office's times
(`merge_ack_times`) before it merges the cells, `rebuild` recounts them, and `ack_times_recounted` is what they must
equal."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import numpy as np

from board.store import Conn, Database

GRAINS = ("org", "region", "office", "team")
# The grain rows of one suggestion s: its unit ids at each grain (finer ids 0), none at the team grain when it
# has no team (it was raised to its office).
_GRAIN_ROWS = (
    "g.grain, CASE WHEN g.grain = 'org' THEN 0 ELSE s.region_id END AS region_id,"
    " CASE WHEN g.grain IN ('office', 'team') THEN s.office_id ELSE 0 END AS office_id,"
    " CASE WHEN g.grain = 'team' THEN s.team_id ELSE 0 END AS team_id,"
    " CAST(date_trunc('month', s.created_at) AS DATE) AS month, s.category")
_GRAINS_JOIN = "CROSS JOIN (VALUES " + ", ".join(f"('{grain}')" for grain in GRAINS) + ") g (grain)"
_HAS_GRAIN = "(g.grain <> 'team' OR s.team_id IS NOT NULL)"
KEY = ("grain", "region_id", "office_id", "team_id", "month", "category", "measure", "status", "level", "bucket",
       "event_month")
COLUMNS = ", ".join((*KEY, "n"))

# Response times are counted in buckets 2% wide on a log scale (minutes + 1), so that a percentile read from
# them is within 1% (or a minute) of the exact one, whatever the number of suggestions; `bucket_days` is the value
# of a bucket.
BUCKET_GROWTH = 1.02
MILESTONES = {"acknowledged": "s.acknowledged_at", "resolved": "s.resolved_at", "implemented": "s.implemented_at"}
_MONTH = "CAST(date_trunc('month', {}) AS DATE)"


def _bucket(seconds: str) -> str:
    """SQL: the bucket of a time in seconds (SQL too). The write paths pass the seconds as a parameter and the
    recount computes them from the rows: both as the same double, so they always agree on the bucket."""
    return f"CAST(floor(ln(1 + greatest(0, {seconds}) / 60) / ln({BUCKET_GROWTH})) AS INTEGER)"


def _seconds(column: str) -> str:
    return f"CAST(extract(epoch FROM {column} - s.created_at) AS DOUBLE PRECISION)"


# A NULL of each part's type (grouped or unioned, an untyped NULL would be text on PostgreSQL)
_NONE = {"status": "CAST(NULL AS VARCHAR)", "level": "CAST(NULL AS VARCHAR)", "bucket": "CAST(NULL AS INTEGER)",
         "event_month": "CAST(NULL AS DATE)"}
# measure -> (status, level, bucket, event_month): its own part of the key over the raw rows (the suggestion s,
# the event e); the key parts a measure has not are NULL.
_PARTS = {
    "status": ("s.status", _NONE["level"], _NONE["bucket"], _NONE["event_month"]),
    "implemented": (_NONE["status"], _NONE["level"], _NONE["bucket"], _MONTH.format(MILESTONES["implemented"])),
    "acknowledged": (_NONE["status"], _NONE["level"], _bucket(_seconds(MILESTONES["acknowledged"])),
                     _NONE["event_month"]),
    "resolved": (_NONE["status"], _NONE["level"], _bucket(_seconds(MILESTONES["resolved"])), _NONE["event_month"]),
}
# The columns of a suggestion that place it in the summaries, read before a change.
PLACE = ("region_id", "office_id", "team_id", "created_at", "category")


def bucket_days(bucket: np.ndarray) -> np.ndarray:
    """The value each response-time bucket stands for, in days: the geometric middle of its bounds (a bucket b
    holds the times t, in minutes, with growth**b <= t + 1 < growth**(b + 1))."""
    return np.maximum(BUCKET_GROWTH ** (bucket + 0.5) - 1, 0.0) / 1440


def _finest(place: Mapping) -> tuple[str, int, int, int]:
    """A suggestion's finest grain and unit: its team, or its office when it was raised to the whole office."""
    region, office, team = place["region_id"], place["office_id"], place["team_id"]
    return ("team", region, office, team) if team is not None else ("office", region, office, 0)


def _add(con: Conn, place: Mapping, changes: list[tuple[str, str | None, str | None, float | None, date | None,
                                                        int]]) -> None:
    """Add a suggestion's changes, (measure, status, level, seconds to the milestone, event month, +1 or -1) each,
    at its finest grain, not settled: one plain INSERT of a row or three, which no other write waits for. A first
    acknowledgement's row also carries its seconds, which merge_ack_times moves into its office's times."""
    created: datetime = place["created_at"]
    month, rows, params = date(created.year, created.month, 1), [], []
    for measure, status, level, seconds, event_month, sign in changes:
        bucket = _NONE["bucket"] if seconds is None else _bucket("CAST(? AS DOUBLE PRECISION)")
        rows.append(f"(?, ?, ?, ?, ?, ?, ?, ?, ?, {bucket}, ?, ?, FALSE, ?)")
        params += [*_finest(place), month, place["category"], measure, status, level,
                   *([] if seconds is None else [seconds]), event_month, sign,
                   seconds if measure == "acknowledged" else None]
    con.execute(f"INSERT INTO suggestion_cells ({COLUMNS}, settled, seconds) VALUES {', '.join(rows)}", params)


def added(con: Conn, row: Mapping) -> None:
    """Count a suggestion just stored (submitted, or released the day after; `row`: its PLACE columns): new, no
    milestone yet."""
    _add(con, row, [("status", "new", None, None, None, 1)])


def moved(con: Conn, before: Mapping, start: str, to: str, reached: Mapping[str, datetime]) -> None:
    """After a suggestion's status changed from `start` to `to` (`before`: its PLACE and milestone columns before
    the change; `reached`: the milestone columns the move sets, kept where already set): out of one status, into
    the other, and counted at each milestone it reached for the first time."""
    changes: list = [("status", start, None, None, None, -1), ("status", to, None, None, None, 1)]
    for measure in MILESTONES:
        moment = reached.get(f"{measure}_at")
        if moment is None or before[f"{measure}_at"] is not None:
            continue
        if measure == "implemented":
            changes.append((measure, None, None, None, date(moment.year, moment.month, 1), 1))
        else:
            changes.append((measure, None, None, (moment - before["created_at"]).total_seconds(), None, 1))
    _add(con, before, changes)


def escalated(con: Conn, suggestion_id: int, level: str, moment: datetime) -> None:
    """Count one escalation just recorded: in the month it happened, to the level it went to."""
    row = con.one(f"SELECT {', '.join(PLACE)} FROM suggestions WHERE id = ?", (suggestion_id,))
    if row is not None:
        _add(con, row, [("escalated", None, level, None, date(moment.year, moment.month, 1), 1)])


def recount_sql() -> str:
    """SELECT of every cell from the raw rows, one row per cell (what the summaries must equal)."""
    parts = []
    for measure, (status, level, bucket, month) in _PARTS.items():
        rows = "TRUE" if measure == "status" else f"{MILESTONES[measure]} IS NOT NULL"
        parts.append(f"SELECT {_GRAIN_ROWS}, '{measure}' AS measure, {status} AS status, {level} AS level,"
                     f" {bucket} AS bucket, {month} AS event_month, count(*) AS n"
                     f" FROM suggestions s {_GRAINS_JOIN} WHERE {_HAS_GRAIN} AND {rows} GROUP BY {_GROUPED}")
    parts.append(f"SELECT {_GRAIN_ROWS}, 'escalated', {_NONE['status']}, e.to_value, {_NONE['bucket']},"
                 f" {_MONTH.format('e.created_at')},"
                 f" count(*) FROM suggestion_events e JOIN suggestions s ON s.id = e.suggestion_id {_GRAINS_JOIN}"
                 f" WHERE e.kind = 'escalated' AND {_HAS_GRAIN} GROUP BY {_GROUPED}")
    return " UNION ALL ".join(parts)


_GROUPED = ", ".join(str(i) for i in range(1, len(KEY) + 1))


def rebuild(con: Conn) -> None:
    """Recount every suggestion summary from the raw rows (after a bulk load that bypassed the write paths)."""
    con.execute("DELETE FROM suggestion_cells")
    con.execute(f"INSERT INTO suggestion_cells ({COLUMNS}, settled) SELECT *, TRUE FROM ({recount_sql()}) c"
                f" ORDER BY {_GROUPED}")
    con.execute("DELETE FROM ack_times")
    found = con.arrays("SELECT region_id, office_id, CAST(extract(year FROM month) * 12 + extract(month FROM month)"
                       f" - 1 AS INTEGER) AS month, seconds FROM ({ACK_RECOUNT}) a")  # a month as one number,
    # which PostgreSQL's arrays read in binary
    _insert_times(con, found["region_id"], found["office_id"], found["month"], found["seconds"])


def recounted(con: Conn) -> set[tuple]:
    """The non-zero cells as the raw rows give them now, as (key..., count) tuples."""
    return {tuple(row.values()) for row in con.rows(recount_sql())}


def stored(con: Conn) -> set[tuple]:
    """The non-zero cells as readers see them (settled rows, and the rows added since rolled up to every grain),
    in the shape of `recounted`."""
    return {tuple(row.values()) for row in con.rows(
        f"SELECT {', '.join(KEY)}, CAST(sum(n) AS BIGINT) FROM ({_EVERY_GRAIN}) c GROUP BY {_GROUPED}"
        " HAVING sum(n) <> 0")}


# The rows added since the last merge (a table or CTE named `fresh`) at every grain from their own up.
_ROLLED_UP = (
    "SELECT g.grain, CASE WHEN g.grain = 'org' THEN 0 ELSE c.region_id END AS region_id,"
    " CASE WHEN g.grain IN ('office', 'team') THEN c.office_id ELSE 0 END AS office_id,"
    " CASE WHEN g.grain = 'team' THEN c.team_id ELSE 0 END AS team_id, "
    + ", ".join(f"c.{column}" for column in KEY[4:])
    + f", c.n FROM {{fresh}} c {_GRAINS_JOIN} WHERE (g.grain <> 'team' OR c.grain = 'team')")
_FRESH = "(SELECT * FROM suggestion_cells WHERE NOT settled)"
# What compaction merges: the rows added since, but for acknowledgements whose seconds merge_ack_times has not
# moved into their office's times yet (it runs first; rows added meanwhile wait for the next run)
_MERGED = "NOT settled AND seconds IS NULL"
_COMPACTED = f"(SELECT * FROM suggestion_cells WHERE {_MERGED})"
# Every row as readers count it: settled rows as they are, the rows added since rolled up.
_EVERY_GRAIN = (f"SELECT {', '.join(KEY)}, n FROM suggestion_cells WHERE settled UNION ALL "
                + _ROLLED_UP.format(fresh=_FRESH))
_NULLABLE = ("status", "level", "bucket", "event_month")  # a measure's own parts; the rest are never NULL
_SAME_KEY = " AND ".join(f"c.{column} IS NOT DISTINCT FROM f.{column}" if column in _NULLABLE
                         else f"c.{column} = f.{column}" for column in KEY)

def compact(db: Database) -> int:
    """Merge the rows added since the last compaction into one settled row per cell (cells that sum to zero go),
    and the acknowledgements added since into their office's times (merge_ack_times); how many added rows were
    merged. Readers see the same sums before and after, on both backends: PostgreSQL
    does it in one statement, so rows added meanwhile by other writers wait for the next run."""
    def work(con: Conn) -> int:
        fresh = con.scalar(f"SELECT count(*) FROM suggestion_cells WHERE {_MERGED}")
        if not fresh:
            return 0
        if db.dialect == "postgres":
            con.execute(
                f"WITH fresh AS (DELETE FROM suggestion_cells WHERE {_MERGED} RETURNING *),"
                f" f AS ({_ROLLED_UP.format(fresh='fresh')}),"
                " old AS (DELETE FROM suggestion_cells c WHERE c.settled AND EXISTS"
                f"  (SELECT 1 FROM f WHERE {_SAME_KEY}) RETURNING c.*)"
                f" INSERT INTO suggestion_cells ({COLUMNS}, settled) SELECT {', '.join(KEY)}, sum(n), TRUE FROM"
                f" (SELECT {', '.join(KEY)}, n FROM f UNION ALL SELECT {', '.join(KEY)}, n FROM old) m"
                f" GROUP BY {_GROUPED} HAVING sum(n) <> 0")
            return int(fresh)
        con.execute(f"CREATE TEMP TABLE f AS SELECT {', '.join(KEY)}, sum(n) AS n FROM"
                    f" ({_ROLLED_UP.format(fresh=_COMPACTED)}) c"
                    f" GROUP BY {_GROUPED}")
        con.execute(f"CREATE TEMP TABLE merged AS SELECT {', '.join(KEY)}, sum(n) AS n FROM (SELECT * FROM f"
                    f" UNION ALL SELECT {', '.join(f'c.{column}' for column in KEY)}, c.n FROM suggestion_cells c"
                    f" WHERE c.settled AND EXISTS (SELECT 1 FROM f WHERE {_SAME_KEY})) m GROUP BY {_GROUPED}")
        con.execute(f"DELETE FROM suggestion_cells c WHERE ({_MERGED.replace('settled', 'c.settled')})"
                    f" OR (c.settled AND EXISTS (SELECT 1 FROM f WHERE {_SAME_KEY}))")
        con.execute(f"INSERT INTO suggestion_cells ({COLUMNS}, settled) SELECT *, TRUE FROM merged WHERE n <> 0")
        con.execute("DROP TABLE f")
        con.execute("DROP TABLE merged")
        return int(fresh)

    merged = 0
    while True:  # first each office's times to acknowledgement, a batch of offices a transaction
        added, left = db.write(merge_ack_times, lock=("suggestion_cells",))
        merged += added
        if not left:
            break
    return merged + db.write(work, lock=("suggestion_cells",))


# --- each office's times to acknowledgement (ack_times, migration 0023) -----------------------------------------
# What the dashboard's medians per office read (reporting.dashboard.ack_days): a first acknowledgement's seconds ride
# on the row it adds to suggestion_cells (its `seconds`, in the one INSERT the status change makes anyway), and the
# migration wrote a row of its own (`seconds`) per acknowledgement already stored; `merge_ack_times` (the worker's
# compaction) puts both into one row per region, office and month of raising whose `times` holds every time, sorted,
# as TIMES. Readers take all three (FRESH_TIMES).
TIMES = np.dtype("<f8")
# Every acknowledged suggestion's place and time, as the raw rows give them (what ack_times must hold)
ACK_RECOUNT = (f"SELECT s.region_id, s.office_id, {_MONTH.format('s.created_at')} AS month,"
               f" {_seconds(MILESTONES['acknowledged'])} AS seconds FROM suggestions s"
               " WHERE s.acknowledged_at IS NOT NULL AND s.office_id IS NOT NULL AND s.region_id IS NOT NULL")
MERGED_OFFICES = 100  # offices merged per transaction: a database just migrated holds a row per acknowledgement
# Every time not merged yet, where each is (alias a: region_id, office_id, month, seconds)
FRESH_TIMES = ("(SELECT region_id, office_id, month, seconds FROM ack_times WHERE seconds IS NOT NULL UNION ALL"
               " SELECT region_id, office_id, month, seconds FROM suggestion_cells WHERE NOT settled"
               " AND seconds IS NOT NULL)")


def _insert_times(con: Conn, region: np.ndarray, office: np.ndarray, month: np.ndarray,
                  seconds: np.ndarray) -> None:
    """Insert one merged row per (region, office, month number) of the given times, its seconds sorted."""
    import pandas as pd

    if not len(seconds):
        return
    order = np.lexsort((seconds, month, office, region))
    region, office, month, seconds = (np.asarray(a)[order] for a in (region, office, month, seconds))
    starts = np.flatnonzero(np.r_[True, (np.diff(region) != 0) | (np.diff(office) != 0) | (np.diff(month) != 0)])
    ends = np.r_[starts[1:], len(seconds)]
    times = seconds.astype(TIMES)
    con.insert_frame("ack_times", pd.DataFrame({
        "region_id": region[starts].astype(np.int64), "office_id": office[starts].astype(np.int64),
        "month": [date(int(m) // 12, int(m) % 12 + 1, 1) for m in month[starts]],
        "times": [times[a:b].tobytes() for a, b in zip(starts, ends, strict=True)]}))


def merge_ack_times(con: Conn) -> tuple[int, bool]:
    """Merge the acknowledgements added since the last merge (FRESH_TIMES), of up to MERGED_OFFICES offices, into
    one row per region, office and month with what those already held: (how many were merged, whether others are
    left). Every time it takes out goes back merged, and each suggestion cell it takes a time from goes back as it
    was without it, so readers see the same before and after; on PostgreSQL rows added meanwhile by other writers
    are not taken (each DELETE takes what it sees) and wait for the next run."""
    ids = [r["office_id"] for r in con.rows(
        f"SELECT DISTINCT office_id FROM {FRESH_TIMES} a ORDER BY 1 LIMIT ?", (MERGED_OFFICES + 1,))]
    if not ids:
        return 0, False
    left, ids = len(ids) > MERGED_OFFICES, ids[:MERGED_OFFICES]
    fresh = con.rows("DELETE FROM ack_times WHERE seconds IS NOT NULL AND office_id = ANY(CAST(? AS INTEGER[]))"
                     " RETURNING region_id, office_id, month, seconds", (ids,))
    cells = con.rows("DELETE FROM suggestion_cells WHERE NOT settled AND seconds IS NOT NULL"
                     f" AND office_id = ANY(CAST(? AS INTEGER[])) RETURNING {COLUMNS}, seconds", (ids,))
    con.executemany(f"INSERT INTO suggestion_cells ({COLUMNS}, settled) VALUES ({', '.join('?' * len(KEY))}, ?,"
                    " FALSE)", [tuple(c[column] for column in (*KEY, "n")) for c in cells])
    fresh += cells
    months = sorted({r["month"] for r in fresh})
    merged = con.rows("DELETE FROM ack_times WHERE times IS NOT NULL AND office_id = ANY(CAST(? AS INTEGER[]))"
                      " AND month = ANY(CAST(? AS DATE[])) RETURNING region_id, office_id, month, times",
                      (ids, months)) if fresh else []
    parts = [(r["region_id"], r["office_id"], r["month"], np.frombuffer(r["times"], TIMES)) for r in merged]
    parts += [(r["region_id"], r["office_id"], r["month"], np.array([r["seconds"]], TIMES)) for r in fresh]
    if parts:
        sizes = [len(p[3]) for p in parts]
        _insert_times(con, np.repeat([p[0] for p in parts], sizes), np.repeat([p[1] for p in parts], sizes),
                      np.repeat([p[2].year * 12 + p[2].month - 1 for p in parts], sizes),
                      np.concatenate([p[3] for p in parts]))
    return len(fresh), left


def ack_times_stored(con: Conn) -> dict[tuple, list[float]]:
    """Every (region, office, month) with its times as readers take them (merged and not), sorted."""
    found: dict[tuple, list[float]] = {}
    for r in con.rows("SELECT region_id, office_id, month, seconds, times FROM ack_times WHERE times IS NOT NULL"
                      f" UNION ALL SELECT region_id, office_id, month, seconds, NULL FROM {FRESH_TIMES} a"):
        values = [r["seconds"]] if r["times"] is None else np.frombuffer(r["times"], TIMES).tolist()
        found.setdefault((r["region_id"], r["office_id"], r["month"]), []).extend(values)
    return {key: sorted(values) for key, values in found.items()}


def ack_times_recounted(con: Conn) -> dict[tuple, list[float]]:
    """The same from the raw rows: what ack_times must hold at any moment."""
    found: dict[tuple, list[float]] = {}
    for r in con.rows(ACK_RECOUNT):
        found.setdefault((r["region_id"], r["office_id"], r["month"]), []).append(r["seconds"])
    return {key: sorted(values) for key, values in found.items()}
