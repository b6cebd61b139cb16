"""Scale benchmark of the dashboards: python -m bench dashboards [--quick] [--out PATH] (issue 5's targets).

A child process builds a deterministic large organisation in a temporary DuckDB file (bulk SQL, hash-based
values; bench/data.py) and copies the same rows into SQLite with sensible indexes; this process then opens
the file read-only, so its peak memory is the dashboards' own. For a leader and a regional manager it
measures warm (one warm-up, then the median of 5 runs) every dashboard query three ways: through the reports
layer; as the very SQL the reports layer ran (recorded), straight on a DuckDB connection of its own to the
same file, the floor; and that SQL translated minimally for SQLite (bench/sqlite.py). Then the whole leader
dashboard: its queries, the page's glue and every figure of board/reporting/charts.py. Prints a table,
writes JSON and says which targets are met. With --backend postgres, bench/postgres.py measures instead.
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from bench import postgres
from bench.data import TODAY, clock
from bench.measure import RUNS, dashboard_queries, measure_leader_page, ms, peak_mb, recorded, setting, timed
from bench.sqlite import Untranslated, run_sqlite, translate_statements
from board import store as db
from board.errors import BoardError

TARGETS = {"dashboard_ms": 1000, "overhead": 1.2, "sqlite_factor": 10, "memory_mb": 2048}
ROOT = Path(__file__).resolve().parent.parent  # the repository: bench/ and board/ beside each other


def measure_duckdb(store: db.DuckStore, queries: dict) -> dict:
    """Each query through the reports layer, and the statements it ran straight on a DuckDB connection.

    The floor runs on the benchmark's own connection to the store's file: DuckDB hands a second connection
    with the same configuration (read-only) in one process the same database instance, so both share the
    buffer cache and threads, and the figures compare the layer with the bare driver, nothing else."""
    results = {}
    raw_con = duckdb.connect(str(store.path), read_only=store.read_only)
    try:
        for name, fn in queries.items():
            statements = recorded(store, fn)

            def fetch(sql, params, numpy):  # as the layer fetches
                cur = raw_con.execute(sql, params)
                return cur.fetchnumpy() if numpy else cur.fetchall()

            layer, raw = timed(lambda fn=fn: fn(store),
                               lambda statements=statements: [fetch(*statement) for statement in statements])
            rows = [len(raw_con.execute(sql, params).fetchall()) for sql, params, _ in statements]
            results[name] = {"reports_ms": layer["median_ms"], "raw_ms": raw["median_ms"],
                             "overhead": round(layer["median_ms"] / max(raw["median_ms"], 0.01), 2),
                             "runs": {"reports": layer["runs"], "raw": raw["runs"]}, "statements": statements,
                             "duckdb_rows": rows}
    finally:
        raw_con.close()
    return results


def measure_sqlite(sq: sqlite3.Connection, results: dict) -> None:
    """The recorded statements of each query, translated, on SQLite (adds the figures to `results`)."""
    for result in results.values():
        try:
            statements = translate_statements(result["statements"])
        except Untranslated as error:
            result.update(sqlite_ms=None, sqlite_ratio=None, sqlite_note=f"not translated: {error}")
            continue
        try:
            took = timed(lambda statements=statements: run_sqlite(sq, statements))
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


def measure(store: db.DuckStore, sqlite_path: Path, t0: float) -> dict:
    load_before = os.getloadavg()
    viewers, k, months, filters = setting(store)
    queries = {}
    for role, viewer in viewers.items():
        print(f"{clock(t0)} DuckDB, {role}: reports layer and raw SQL, warm, median of {RUNS}", flush=True)
        queries[role] = measure_duckdb(store, dashboard_queries(viewer, filters, k, months))
        for name, r in queries[role].items():
            print(f"{clock(t0)}   {name}: {r['reports_ms']} ms, raw {r['raw_ms']} ms", flush=True)
    print(f"{clock(t0)} the whole leader dashboard", flush=True)
    page = measure_leader_page(store, viewers["leader"], filters, k)
    duckdb_peak = peak_mb()
    sq = sqlite3.connect(sqlite_path)
    sq.execute("PRAGMA cache_size = -262144")  # 256 MB page cache, as a user tuning for reads would set
    sq.execute("PRAGMA temp_store = MEMORY")
    for role in viewers:
        print(f"{clock(t0)} SQLite, {role}", flush=True)
        measure_sqlite(sq, queries[role])
        for name, r in queries[role].items():
            print(f"{clock(t0)}   {name}: {r['sqlite_ms']} ms {r['sqlite_note']}", flush=True)
    sq.close()
    for results in queries.values():
        for r in results.values():
            r["statements"] = len(r["statements"])
    return {"filters": {"start": str(filters.start), "end": str(filters.end), "k": k, "today": str(TODAY)},
            "queries": queries, "leader_dashboard": page,
            "memory_mb": {"measuring_duckdb": duckdb_peak, "measuring_with_sqlite": peak_mb()},
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
        "leader_dashboard": {"target": f"whole leader dashboard <= {TARGETS['dashboard_ms']} ms median"
                                       " (queries + figures)",
                             "met": page["total_ms"] <= TARGETS["dashboard_ms"], "value_ms": page["total_ms"]},
        "overhead": {"target": f"reports layer within {TARGETS['overhead']}x of raw DuckDB SQL, every query",
                     "met": not heavy, "missed_by": heavy},
        "sqlite": {"target": f"every query >= {TARGETS['sqlite_factor']}x faster than SQLite (raw SQL on each)",
                   "met": not slow, "missed_by": slow},
        "memory": {"target": f"peak memory < {TARGETS['memory_mb']} MB (this process, DuckDB measurements)",
                   "met": memory < TARGETS["memory_mb"], "value_mb": memory},
    }


def print_report(report: dict) -> None:
    for role, results in report["queries"].items():
        print(f"\n{role.replace('_', ' ')} (filters {report['filters']['start']} to {report['filters']['end']}, "
              f"k = {report['filters']['k']}); ms = median of warm runs")
        print(f"{'query':<18}{'reports ms':>11}{'DuckDB ms':>11}{'overhead':>9}{'SQLite ms':>11}{'SQLite/DuckDB':>14}"
              "  note")
        for name, r in results.items():
            ratio = "n/a" if r["sqlite_ratio"] is None else f"{r['sqlite_ratio']:,.1f}x"
            runs = "" if max(r["runs"].values()) == RUNS == min(r["runs"].values()) else f"runs {r['runs']}; "
            print(f"{name:<18}{ms(r['reports_ms']):>11}{ms(r['raw_ms']):>11}{r['overhead']:>8.2f}x"
                  f"{ms(r['sqlite_ms']):>11}{ratio:>14}  {runs}{r['sqlite_note']}")
    page = report["leader_dashboard"]
    print(f"\nwhole leader dashboard: {ms(page['total_ms'])} ms median; queries and page"
          f" glue {ms(page['queries_ms'])} ms, {page['figures']} figures {ms(page['figures_ms'])} ms, CSV for"
          f" every chart {ms(page['csv_ms'])} ms (rebuilt on every rerun, not cached)")
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


def run(quick: bool = False, out: Path | None = None, scale: float | None = None, url: str | None = None) -> int:
    """Build the dataset in a child process, measure, print, write JSON. With a PostgreSQL URL (checked by the
    caller), PostgreSQL beside DuckDB (bench/postgres.py) instead of DuckDB, raw SQL and SQLite."""
    scale = scale or (1 / 20 if quick else 1.0)
    t0 = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    with tempfile.TemporaryDirectory(prefix="board-bench-") as tmp:
        folder = Path(tmp)
        child = [sys.executable, "-m", "bench.data", str(folder), repr(scale), *(["nosqlite"] if url else [])]
        if subprocess.run(child, env=env).returncode:
            raise BoardError("the benchmark dataset could not be built (see the messages above)")
        built = json.loads((folder / "build.json").read_text())
        store = db.DuckStore(folder / "bench.duckdb", read_only=True)
        try:
            report = postgres.measure(store, url, t0) if url else measure(store, folder / "bench.sqlite", t0)
        finally:
            store.close()
    report = {"scale": scale, "quick": bool(quick), "backend": "postgres" if url else "duckdb",
              "dataset": built, **report, "cpu_count": os.cpu_count()}
    report["memory_mb"]["generating"] = max(built.pop("peak_mb"), peak_mb(resource.RUSAGE_CHILDREN))
    if url:
        postgres.print_report(report)
    else:
        report["targets"] = targets(report)
        print_report(report)
    out = out or Path(f"data/bench_dashboards{'_postgres' if url else ''}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"written {out} ({time.perf_counter() - t0:.0f} s in all)")
    return 0
