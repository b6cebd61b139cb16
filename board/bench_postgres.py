"""The dashboards on PostgreSQL, side by side with DuckDB: python -m board bench --backend postgres URL.

The same generated organisation as `python -m board bench` is copied into the empty PostgreSQL database
with copy-to-postgres (every table checked by count and content hash), vacuumed and analysed. Then, for a
leader and a regional manager, every dashboard query is measured warm, in turns in one loop so machine
noise touches all alike: through the reports layer on DuckDB, through the reports layer on PostgreSQL, and
as the very SQL the layer ran, straight on the PostgreSQL cursor (the floor). Then the whole leader
dashboard on both. Prints the table, states the target (the leader dashboard within 3 s on PostgreSQL)
and writes JSON.
"""

from __future__ import annotations

import os
import time

from board import db
from board.db import transfer
from board.bench import RUNS, _ms, _peak_mb, _Recording, dashboard_queries, measure_leader_page, setting, timed
from board.bench_data import _clock

TARGET_MS = 3000


def _raw(pg: db.PgStore, statements: list):
    """The recorded statements straight on a PostgreSQL cursor, fetched as the layer fetches them."""
    def run():
        with pg.read() as con:
            cur = con._cur  # the bare psycopg cursor under the reports layer's Conn: the floor
            for sql, params, _ in statements:
                cur.execute(db.placeholders(sql), params or None).fetchall()
    return run


def measure(duck: db.DuckStore, url: str, t0: float) -> dict:
    print(f"{_clock(t0)} copying the dataset into {db.redacted(url)} (copy-to-postgres, checked) ...", flush=True)
    started = time.perf_counter()
    copied = transfer.copy_to_postgres(duck, url)
    copy_s = round(time.perf_counter() - started, 1)
    print(f"{_clock(t0)} copied {copied.rows:,} rows in {copy_s} s; VACUUM ANALYZE ...", flush=True)
    pg = db.PgStore(url)
    try:
        started = time.perf_counter()
        with pg.read() as con:
            con.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load: statistics, visibility map
            size_mb = round(con.scalar("SELECT pg_database_size(current_database())") / 2**20)
        vacuum_s = round(time.perf_counter() - started, 1)
        viewers, k, months, filters = setting(duck)
        queries = {}
        for role, viewer in viewers.items():
            print(f"{_clock(t0)} {role}: DuckDB and PostgreSQL through the reports layer, PostgreSQL raw SQL",
                  flush=True)
            queries[role] = {}
            for name, fn in dashboard_queries(viewer, filters, k, months).items():
                recording = _Recording(pg)
                fn(recording)
                on_duck, on_pg, raw = timed(lambda: fn(duck), lambda: fn(pg), _raw(pg, recording.statements))
                queries[role][name] = {
                    "duckdb_ms": on_duck["median_ms"], "postgres_ms": on_pg["median_ms"],
                    "postgres_raw_ms": raw["median_ms"],
                    "overhead": round(on_pg["median_ms"] / max(raw["median_ms"], 0.01), 2),
                    "postgres_vs_duckdb": round(on_pg["median_ms"] / max(on_duck["median_ms"], 0.01), 1),
                    "runs": on_pg["runs"]}
                r = queries[role][name]
                print(f"{_clock(t0)}   {name}: DuckDB {r['duckdb_ms']} ms, PostgreSQL {r['postgres_ms']} ms"
                      f" (raw {r['postgres_raw_ms']} ms)", flush=True)
        print(f"{_clock(t0)} the whole leader dashboard on both", flush=True)
        page = {"duckdb": measure_leader_page(duck, viewers["leader"], filters, k),
                "postgres": measure_leader_page(pg, viewers["leader"], filters, k)}
    finally:
        pg.close()
    return {"filters": {"start": str(filters.start), "end": str(filters.end), "k": k},
            "copy": {"rows": copied.rows, "tables": copied.tables, "seconds": copy_s, "vacuum_analyze_s": vacuum_s,
                     "postgres_mb": size_mb},
            "queries": queries, "leader_dashboard": page, "memory_mb": {"measuring": _peak_mb()},
            "load_average": [round(v, 2) for v in os.getloadavg()],
            "target": {"target": f"whole leader dashboard on PostgreSQL <= {TARGET_MS} ms median",
                       "met": page["postgres"]["total_ms"] <= TARGET_MS,
                       "value_ms": page["postgres"]["total_ms"]}}


def print_report(report: dict) -> None:
    for role, results in report["queries"].items():
        print(f"\n{role.replace('_', ' ')} (filters {report['filters']['start']} to {report['filters']['end']}, "
              f"k = {report['filters']['k']}); ms = median of {RUNS} warm runs")
        print(f"{'query':<18}{'DuckDB ms':>11}{'Postgres ms':>13}{'PG raw ms':>11}{'overhead':>9}{'PG/DuckDB':>11}")
        for name, r in results.items():
            print(f"{name:<18}{_ms(r['duckdb_ms']):>11}{_ms(r['postgres_ms']):>13}{_ms(r['postgres_raw_ms']):>11}"
                  f"{r['overhead']:>8.2f}x{r['postgres_vs_duckdb']:>10.1f}x")
    for backend, page in report["leader_dashboard"].items():
        print(f"\nwhole leader dashboard on {backend}: {_ms(page['total_ms'])} ms median; queries and page glue "
              f"{_ms(page['queries_ms'])} ms, {page['figures']} figures {_ms(page['figures_ms'])} ms")
    copy = report["copy"]
    print(f"\ncopy-to-postgres: {copy['rows']:,} rows in {copy['tables']} tables, {copy['seconds']} s (counts and"
          f" hashes checked); VACUUM ANALYZE {copy['vacuum_analyze_s']} s; database {copy['postgres_mb']:,} MB")
    print(f"peak memory (ru_maxrss) {report['memory_mb']['measuring']:,} MB; load average {report['load_average']}")
    target = report["target"]
    print(f"{'MET   ' if target['met'] else 'MISSED'} {target['target']}: {target['value_ms']} ms")
