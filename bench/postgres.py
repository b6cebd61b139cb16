"""The dashboards on PostgreSQL, side by side with DuckDB: python -m bench dashboards --backend postgres URL.

The same generated organisation as `python -m bench dashboards` is copied into the empty PostgreSQL database
with copy-to-postgres (every table checked by count and content hash), vacuumed and analysed. Then, for a
leader and a regional manager, every dashboard query is measured warm, in turns in one loop so machine
noise touches all alike: through the reports layer on DuckDB, through the reports layer on PostgreSQL, and
as the very SQL the layer ran, straight on a psycopg connection of the benchmark's own (the floor). Then the
whole leader dashboard on both. Prints the table, states the target (the leader dashboard within 1 s on
PostgreSQL at 1x, 3 s at 10x) and writes JSON. A dataset of scale 1 or more comes from the cache that
`--scales` keeps (data/bench_cache), so `--scale 10` builds the 10x dataset once.
"""

from __future__ import annotations

import os
import time
from typing import Any

from bench.data import TABLES, _count, clock
from bench.measure import RUNS, dashboard_queries, measure_leader_page, ms, peak_mb, recorded, setting, timed
from board import store as db
from board.errors import BoardError
from board.store import transfer

TARGETS_MS = {1: 1000, 10: 3000}  # issue 18: the whole leader dashboard at 1x and at 10x (between: the larger)


def target_ms(scale: float) -> int:
    """The target for a dataset of this scale: the first whose scale it does not exceed, else the last."""
    return next((ms for at, ms in sorted(TARGETS_MS.items()) if scale <= at), TARGETS_MS[max(TARGETS_MS)])


def connect_raw(url: str) -> Any:
    """A bare psycopg connection configured as the app's are: autocommit, $n placeholders as written,
    numeric loaded as float and json as text."""
    import psycopg

    from board.store import postgres

    pg = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.RawCursor, options=postgres.CONNECT_OPTIONS,
                         connect_timeout=10)
    postgres.configure(pg)  # the same settings and loaders as the app's connections: they differ by the layer only
    return pg


def raw_runner(pg: Any, statements: list):
    """The recorded statements straight on a psycopg cursor, fetched as the layer fetches them."""
    def run():
        with pg.cursor() as cur:
            for sql, params, fetched in statements:
                cur.execute(db.placeholders(sql), params or None, binary=fetched == "binary" or None).fetchall()
    return run


def copied_before(duck: db.DuckStore, url: str) -> int | None:
    """The rows of the dataset when an earlier run copied it into url already (every table of the dataset there
    with as many rows, at this version's migrations), None when url is empty; refused when it holds anything
    else, so a measurement never runs on other data."""
    pg = db.PgStore(url, pool_size=1)
    try:
        with pg.read() as con:
            present = {r["t"] for r in con.rows("SELECT table_name AS t FROM information_schema.tables"
                                                " WHERE table_schema = current_schema()")}
            if not present:
                return None
            tables = (*TABLES, "suggestion_cells", "pulse_cells", "ack_times", "pulse_rollup", "pulse_rollup_made")
            same = set(tables) <= present and [r["name"] for r in con.rows(
                "SELECT name FROM schema_migrations ORDER BY name")] == [
                name for name, _ in db.available_migrations(dialect="postgres")]
            there = _count(con, *tables) if same else {}
    finally:
        pg.close()
    with duck.read() as con:
        here = _count(con, *tables)
    if there != here:
        raise BoardError(f"{db.redacted(url)} holds other data than this dataset: name an empty database"
                         " (createdb) for the benchmark to copy it into")
    return sum(here.values())


def measure(duck: db.DuckStore, url: str, t0: float, scale: float = 1.0) -> dict:
    started = time.perf_counter()
    rows = copied_before(duck, url)
    if rows is None:
        print(f"{clock(t0)} copying the dataset into {db.redacted(url)} (copy-to-postgres, checked) ...", flush=True)
        copied = transfer.copy_to_postgres(duck, url)
        copy_s: float | None = round(time.perf_counter() - started, 1)
        print(f"{clock(t0)} copied {copied.rows:,} rows in {copy_s} s; VACUUM ANALYZE ...", flush=True)
    else:
        copied, copy_s = transfer.Copied(tables=0, rows=rows), None
        print(f"{clock(t0)} {db.redacted(url)} holds this dataset already ({rows:,} rows counted): measuring it;"
              " VACUUM ANALYZE ...", flush=True)
    pg = db.PgStore(url)
    raw_pg = None
    try:
        started = time.perf_counter()
        with pg.read() as con:
            con.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load: statistics, visibility map
            size_mb = round(con.scalar("SELECT pg_database_size(current_database())") / 2**20)
        vacuum_s = round(time.perf_counter() - started, 1)
        raw_pg = connect_raw(url)
        viewers, k, months, filters = setting(duck)
        queries: dict[str, dict] = {}
        for role, viewer in viewers.items():
            print(f"{clock(t0)} {role}: DuckDB and PostgreSQL through the reports layer, PostgreSQL raw SQL",
                  flush=True)
            queries[role] = {}
            for name, fn in dashboard_queries(viewer, filters, k, months).items():
                raw = raw_runner(raw_pg, recorded(pg, fn))
                on_duck, on_pg, on_raw = timed(lambda fn=fn: fn(duck), lambda fn=fn: fn(pg), raw)
                queries[role][name] = {
                    "duckdb_ms": on_duck["median_ms"], "postgres_ms": on_pg["median_ms"],
                    "postgres_raw_ms": on_raw["median_ms"],
                    "overhead": round(on_pg["median_ms"] / max(on_raw["median_ms"], 0.01), 2),
                    "postgres_vs_duckdb": round(on_pg["median_ms"] / max(on_duck["median_ms"], 0.01), 1),
                    "runs": on_pg["runs"]}
                r = queries[role][name]
                print(f"{clock(t0)}   {name}: DuckDB {r['duckdb_ms']} ms, PostgreSQL {r['postgres_ms']} ms"
                      f" (raw {r['postgres_raw_ms']} ms)", flush=True)
        print(f"{clock(t0)} the whole leader dashboard on both", flush=True)
        page = {"duckdb": measure_leader_page(duck, viewers["leader"], filters, k),
                "postgres": measure_leader_page(pg, viewers["leader"], filters, k)}
    finally:
        if raw_pg is not None:
            raw_pg.close()
        pg.close()
    return {"filters": {"start": str(filters.start), "end": str(filters.end), "k": k},
            "copy": {"rows": copied.rows, "tables": copied.tables, "seconds": copy_s, "vacuum_analyze_s": vacuum_s,
                     "postgres_mb": size_mb},
            "queries": queries, "leader_dashboard": page, "memory_mb": {"measuring": peak_mb()},
            "load_average": [round(v, 2) for v in os.getloadavg()],
            "target": {"target": f"whole leader dashboard on PostgreSQL <= {target_ms(scale)} ms median",
                       "met": page["postgres"]["total_ms"] <= target_ms(scale),
                       "value_ms": page["postgres"]["total_ms"]}}


def print_report(report: dict) -> None:
    for role, results in report["queries"].items():
        print(f"\n{role.replace('_', ' ')} (filters {report['filters']['start']} to {report['filters']['end']}, "
              f"k = {report['filters']['k']}); ms = median of {RUNS} warm runs")
        print(f"{'query':<18}{'DuckDB ms':>11}{'Postgres ms':>13}{'PG raw ms':>11}{'overhead':>9}{'PG/DuckDB':>11}")
        for name, r in results.items():
            print(f"{name:<18}{ms(r['duckdb_ms']):>11}{ms(r['postgres_ms']):>13}{ms(r['postgres_raw_ms']):>11}"
                  f"{r['overhead']:>8.2f}x{r['postgres_vs_duckdb']:>10.1f}x")
    for backend, page in report["leader_dashboard"].items():
        print(f"\nwhole leader dashboard on {backend}: {ms(page['total_ms'])} ms median; queries and page glue "
              f"{ms(page['queries_ms'])} ms, {page['figures']} figures {ms(page['figures_ms'])} ms; first view (the"
              f" Morale tab alone) {ms(page['first_view_ms'])} ms ({ms(page['first_view_counted_ms'])} ms with"
              f" Morale counted anew); every tab with Morale counted anew (its kept figures stale)"
              f" {ms(page['counted_morale_ms'])} ms; every tab with Morale's figures shared (every view after the"
              f" first since a period closed) {ms(page['shared_morale_ms'])} ms")
    copy = report["copy"]
    copied = (f"{copy['rows']:,} rows in {copy['tables']} tables, {copy['seconds']} s (counts and hashes checked)"
              if copy["seconds"] is not None else f"not run: the database held the dataset ({copy['rows']:,} rows)")
    print(f"\ncopy-to-postgres: {copied}; VACUUM ANALYZE {copy['vacuum_analyze_s']} s; database"
          f" {copy['postgres_mb']:,} MB")
    print(f"peak memory (ru_maxrss) {report['memory_mb']['measuring']:,} MB; load average {report['load_average']}")
    target = report["target"]
    print(f"{'MET   ' if target['met'] else 'MISSED'} {target['target']}: {target['value_ms']} ms")
