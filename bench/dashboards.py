"""Scale benchmark of the dashboards: python -m bench dashboards [--quick] [--out PATH] (issue 5's targets), and
their cost as the organisation grows: python -m bench dashboards --scales 1,3,10 (issue 18's first target).

A child process builds a deterministic large organisation in a DuckDB file (bulk SQL, hash-based values;
bench/data.py) and, at 1x and below, copies the same rows into SQLite with sensible indexes; this process then
opens the file read-only, so its peak memory is the dashboards' own. For a leader and a regional manager it
measures warm (one warm-up, then the median of 5 runs) every dashboard query three ways: through the reports
layer; as the very SQL the reports layer ran (recorded), straight on a DuckDB connection of its own to the
same file, the floor; and that SQL translated minimally for SQLite (bench/sqlite.py). Then the whole leader
dashboard: its queries, the page's glue and every figure of board/reporting/charts.py. Prints a table,
writes JSON and says which targets are met. With --backend postgres, bench/postgres.py measures instead.

With --scales, the dataset of each scale comes from data/bench_cache (built there once per version of the
generator), the whole leader dashboard is measured on every scale in turns, and the per-query table on the
largest; SQLite is compared at 1x and below only.
"""

from __future__ import annotations

import json
import math
import os
import resource
import sqlite3
import tempfile
import time
from pathlib import Path

import duckdb

from bench import data, postgres
from bench.data import TODAY, clock
from bench.measure import (
    RUNS,
    dashboard_queries,
    leader_page_curve,
    measure_leader_page,
    ms,
    peak_mb,
    recorded,
    setting,
    timed,
)
from bench.sqlite import Untranslated, run_sqlite, translate_statements
from board import store as db
from board.errors import BoardError

TARGETS = {"dashboard_ms": 1000, "overhead": 1.2, "sqlite_factor": 10, "memory_mb": 2048}
SCALE_TARGETS = {"dashboard_ms": 1000, "memory_mb": 8192}  # at the largest scale; memory generating and measuring
SQLITE_UP_TO = 1.0  # copying 1x into SQLite takes 50 s and its slowest query seconds: above, it would take hours
SQLITE_SKIPPED = "not compared above 1x (SQLite is too slow there): python -m bench dashboards compares it at 1x"


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
                return cur.fetchnumpy() if numpy is True else cur.fetchall()

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


def duckdb_queries(store: db.DuckStore, t0: float) -> tuple[dict, dict]:
    """Every dashboard query of a leader and of a regional manager, through the reports layer and raw; (the
    figures per role, the filters measured)."""
    viewers, k, months, filters = setting(store)
    queries = {}
    for role, viewer in viewers.items():
        print(f"{clock(t0)} DuckDB, {role}: reports layer and raw SQL, warm, median of {RUNS}", flush=True)
        queries[role] = measure_duckdb(store, dashboard_queries(viewer, filters, k, months))
        for name, r in queries[role].items():
            print(f"{clock(t0)}   {name}: {r['reports_ms']} ms, raw {r['raw_ms']} ms", flush=True)
    return queries, {"start": str(filters.start), "end": str(filters.end), "k": k, "today": str(TODAY)}


def compare_sqlite(queries: dict, sqlite_path: Path | None, t0: float) -> None:
    """The same queries on the SQLite copy when there is one (at 1x and below), else each marked as skipped;
    then the recorded statements give way to their count."""
    if sqlite_path is None:
        print(f"{clock(t0)} SQLite {SQLITE_SKIPPED}", flush=True)
        for results in queries.values():
            for r in results.values():
                r.update(sqlite_ms=None, sqlite_ratio=None, sqlite_note=SQLITE_SKIPPED)
    else:
        sq = sqlite3.connect(sqlite_path)
        sq.execute("PRAGMA cache_size = -262144")  # 256 MB page cache, as a user tuning for reads would set
        sq.execute("PRAGMA temp_store = MEMORY")
        for role, results in queries.items():
            print(f"{clock(t0)} SQLite, {role}", flush=True)
            measure_sqlite(sq, results)
            for name, r in results.items():
                print(f"{clock(t0)}   {name}: {r['sqlite_ms']} ms {r['sqlite_note']}", flush=True)
        sq.close()
    for results in queries.values():
        for r in results.values():
            r["statements"] = len(r["statements"])


def measure(store: db.DuckStore, sqlite_path: Path | None, t0: float) -> dict:
    load_before = os.getloadavg()
    queries, filters = duckdb_queries(store, t0)
    print(f"{clock(t0)} the whole leader dashboard", flush=True)
    viewers, k, _, f = setting(store)
    page = measure_leader_page(store, viewers["leader"], f, k)
    duckdb_peak = peak_mb()
    compare_sqlite(queries, sqlite_path, t0)
    return {"filters": filters, "queries": queries, "leader_dashboard": page,
            "memory_mb": {"measuring_duckdb": duckdb_peak, "measuring_with_sqlite": peak_mb()},
            "load_average": {"before": [round(v, 2) for v in load_before],
                             "after": [round(v, 2) for v in os.getloadavg()]}}


def query_targets(queries: dict) -> dict:
    """The per-query targets: the reports layer's overhead and, where SQLite was compared, the factor."""
    rows = [(role, name, r) for role, results in queries.items() for name, r in results.items()]
    heavy = [f"{role} {name} {r['overhead']}x ({r['reports_ms']} vs {r['raw_ms']} ms)"
             for role, name, r in rows if r["overhead"] > TARGETS["overhead"]]
    found = {"overhead": {"target": f"reports layer within {TARGETS['overhead']}x of raw DuckDB SQL, every query",
                          "met": not heavy, "missed_by": heavy}}
    if all(r["sqlite_note"] == SQLITE_SKIPPED for _, _, r in rows):
        return found
    slow = [f"{role} {name} {r['sqlite_ratio']}x ({r['raw_ms']} vs SQLite {r['sqlite_ms']} ms)"
            for role, name, r in rows if r["sqlite_ratio"] is not None and r["sqlite_ratio"] < TARGETS["sqlite_factor"]]
    slow += [f"{role} {name}: {r['sqlite_note']}" for role, name, r in rows if r["sqlite_ratio"] is None]
    found["sqlite"] = {"target": f"every query >= {TARGETS['sqlite_factor']}x faster than SQLite (raw SQL on each)",
                       "met": not slow, "missed_by": slow}
    return found


def targets(report: dict) -> dict:
    page, memory = report["leader_dashboard"], report["memory_mb"]["measuring_duckdb"]
    return {
        "leader_dashboard": {"target": f"whole leader dashboard <= {TARGETS['dashboard_ms']} ms median"
                                       " (queries + figures)",
                             "met": page["total_ms"] <= TARGETS["dashboard_ms"], "value_ms": page["total_ms"]},
        **query_targets(report["queries"]),
        "memory": {"target": f"peak memory < {TARGETS['memory_mb']} MB (this process, DuckDB measurements)",
                   "met": memory < TARGETS["memory_mb"], "value_mb": memory},
    }


def print_queries(queries: dict, filters: dict) -> None:
    for role, results in queries.items():
        print(f"\n{role.replace('_', ' ')} (filters {filters['start']} to {filters['end']}, "
              f"k = {filters['k']}); ms = median of warm runs")
        print(f"{'query':<18}{'reports ms':>11}{'DuckDB ms':>11}{'overhead':>9}{'SQLite ms':>11}{'SQLite/DuckDB':>14}"
              "  note")
        for name, r in results.items():
            ratio = "n/a" if r["sqlite_ratio"] is None else f"{r['sqlite_ratio']:,.1f}x"
            runs = "" if max(r["runs"].values()) == RUNS == min(r["runs"].values()) else f"runs {r['runs']}; "
            note = "" if r["sqlite_note"] == SQLITE_SKIPPED else r["sqlite_note"]
            print(f"{name:<18}{ms(r['reports_ms']):>11}{ms(r['raw_ms']):>11}{r['overhead']:>8.2f}x"
                  f"{ms(r['sqlite_ms']):>11}{ratio:>14}  {runs}{note}")
    if any(r["sqlite_note"] == SQLITE_SKIPPED for results in queries.values() for r in results.values()):
        print(f"SQLite {SQLITE_SKIPPED}")


def machine(report: dict) -> str:
    """The cores and the load average around the measurements, which the figures depend on."""
    load = report["load_average"]
    shared = max(load["before"][0], load["after"][0]) > report["cpu_count"]
    return (f"cpu_count {report['cpu_count']}; load average (1, 5, 15 min) {load['before']} before measuring,"
            f" {load['after']} after" + (" (above the core count: the machine was shared)" if shared else ""))


def print_targets(found: dict) -> None:
    for target in found.values():
        print(f"{'MET   ' if target['met'] else 'MISSED'} {target['target']}"
              + "".join(f"\n         {line}" for line in target.get("missed_by", []))
              + (f": {target['value_ms']} ms" if "value_ms" in target else "")
              + (f": {target['value_mb']} MB" if "value_mb" in target else ""))


def print_report(report: dict) -> None:
    print_queries(report["queries"], report["filters"])
    page = report["leader_dashboard"]
    print(f"\nwhole leader dashboard: {ms(page['total_ms'])} ms median; queries and page"
          f" glue {ms(page['queries_ms'])} ms, {page['figures']} figures {ms(page['figures_ms'])} ms, CSV for"
          f" every chart {ms(page['csv_ms'])} ms (rebuilt on every rerun, not cached); its first view (the Morale"
          f" tab alone, figures included; the other tabs compute when opened) {ms(page['first_view_ms'])} ms"
          f" ({ms(page['first_view_counted_ms'])} ms with Morale counted anew from its cells); every tab with"
          f" Morale counted anew (its kept figures stale) {ms(page['counted_morale_ms'])} ms; every tab again"
          f" with Morale's figures shared (every view after the first since a period closed)"
          f" {ms(page['shared_morale_ms'])} ms")
    data_ = report["dataset"]
    print("dataset: " + ", ".join(f"{v:,} {k}" for k, v in data_["rows"].items()))
    sqlite_mb = "not made" if data_["sqlite_mb"] is None else f"{data_['sqlite_mb']:,} MB"
    print(f"generated in {data_['generate_s']} s (" + ", ".join(f"{k} {v} s" for k, v in data_["seconds"].items())
          + f"); DuckDB file {data_['duckdb_mb']:,} MB, SQLite file {sqlite_mb}")
    memory = report["memory_mb"]
    print(f"peak memory (ru_maxrss): {memory['measuring_duckdb']:,} MB measuring DuckDB, "
          f"{memory['measuring_with_sqlite']:,} MB after SQLite too, {memory['generating']:,} MB generating (child);"
          f" {machine(report)}")
    print_targets(report["targets"])


def run(quick: bool = False, out: Path | None = None, scale: float | None = None, url: str | None = None,
        scales: list[float] | None = None) -> int:
    """Build the dataset in a child process, measure, print, write JSON. With a PostgreSQL URL (checked by the
    caller), PostgreSQL beside DuckDB (bench/postgres.py) instead of DuckDB, raw SQL and SQLite. With `scales`,
    the growth curve from cached datasets instead (run_scales)."""
    if scales:
        if quick or scale or url:
            raise BoardError("--scales measures DuckDB at the scales it names: leave out --quick, --scale and"
                             " --backend postgres (e.g. python -m bench dashboards --scales 1,3,10)")
        return run_scales(scales, out or Path("data/bench_scale.json"))
    scale = scale or (1 / 20 if quick else 1.0)
    t0 = time.perf_counter()
    sqlite = not url and scale <= SQLITE_UP_TO
    with tempfile.TemporaryDirectory(prefix="board-bench-") as tmp:
        if url and scale >= 1:  # a full-size dataset for PostgreSQL comes from the cache that --scales keeps
            folder, built = data.cached(scale, sqlite=False, t0=t0)  # its peak_mb is its build's, then or now
        else:
            folder = Path(tmp)
            built = data.build_in_child(folder, scale, sqlite)
        store = db.DuckStore(folder / "bench.duckdb", read_only=True)
        try:
            report = (postgres.measure(store, url, t0, scale) if url
                      else measure(store, folder / "bench.sqlite" if sqlite else None, t0))
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
    return write(report, out or Path(f"data/bench_dashboards{'_postgres' if url else ''}.json"), t0)


def write(report: dict, out: Path, t0: float) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"written {out} ({time.perf_counter() - t0:.0f} s in all)")
    return 0


# --- the growth curve: python -m bench dashboards --scales 1,3,10 -------------------------------------------

def run_scales(scales: list[float], out: Path) -> int:
    """Each scale's dataset from the cache (built in a child process when missing), the whole leader dashboard
    on all of them in turns, the per-query table on the largest, then the curve, the targets and JSON."""
    t0, scales = time.perf_counter(), sorted(scales)
    data.prune_cache(t0)
    built = {s: data.cached(s, sqlite=s == scales[-1] and s <= SQLITE_UP_TO, t0=t0) for s in scales}
    stores = {s: db.DuckStore(folder / "bench.duckdb", read_only=True) for s, (folder, _) in built.items()}
    try:
        load_before = os.getloadavg()
        print(f"{clock(t0)} the whole leader dashboard at {', '.join(f'{s:g}x' for s in scales)}, in turns",
              flush=True)
        pages = leader_page_curve(stores)
        queries, filters = duckdb_queries(stores[scales[-1]], t0)
        measuring = peak_mb()
        folder, _ = built[scales[-1]]
        compare_sqlite(queries, folder / "bench.sqlite" if scales[-1] <= SQLITE_UP_TO else None, t0)
    finally:
        for store in stores.values():
            store.close()
    datasets = {f"{s:g}": info for s, (_, info) in built.items()}
    report = {"scales": scales, "backend": "duckdb", "cache": str(data.CACHE), "generator": data.generator_hash(),
              "curve": curve(pages, datasets), "datasets": datasets,
              "largest": {"scale": scales[-1], "filters": filters, "queries": queries},
              "memory_mb": {"measuring": measuring, "generating": {s: d["peak_mb"] for s, d in datasets.items()}},
              "load_average": {"before": [round(v, 2) for v in load_before],
                               "after": [round(v, 2) for v in os.getloadavg()]},
              "cpu_count": os.cpu_count()}
    report["targets"] = scale_targets(report)
    print_scales(report)
    return write(report, out, t0)


def curve(pages: dict[float, dict], datasets: dict[str, dict]) -> list[dict]:
    """One point per scale: the dataset's size, the dashboard's median, and both as ratios to the smallest
    scale; the exponent log(time ratio) / log(data ratio) is 1 for linear growth and 0 for none."""
    base = min(pages)
    points = []
    for s, page in pages.items():
        ratio, data_ratio = page["total_ms"] / pages[base]["total_ms"], s / base
        rows = datasets[f"{s:g}"]["rows"]
        points.append({"scale": s, **{k: rows[k] for k in ("people", "teams", "suggestions", "suggestion_events",
                                                          "pulse_responses", "meeting_items")},
                       "leader_dashboard_ms": page["total_ms"], **{k: v for k, v in page.items() if k != "total_ms"},
                       "ratio": round(ratio, 2), "data_ratio": round(data_ratio, 2),
                       "exponent": round(math.log(ratio) / math.log(data_ratio), 2) if s != base else None})
    return points


def scale_targets(report: dict) -> dict:
    largest, limit = report["curve"][-1], SCALE_TARGETS["memory_mb"]
    growing = [p for p in report["curve"] if p["exponent"] is not None]
    generating = max(report["memory_mb"]["generating"].values())
    return {
        "leader_dashboard": {"target": f"whole leader dashboard <= {SCALE_TARGETS['dashboard_ms']} ms median at"
                                       f" {largest['scale']:g}x (queries + figures)",
                             "met": largest["leader_dashboard_ms"] <= SCALE_TARGETS["dashboard_ms"],
                             "value_ms": largest["leader_dashboard_ms"]},
        "growth": {"target": "the dashboard's time grows under linearly with the data (exponent below 1)",
                   "met": all(p["exponent"] < 1 for p in growing),
                   "missed_by": [f"{p['scale']:g}x: exponent {p['exponent']}" for p in growing if p["exponent"] >= 1]},
        "memory_generating": {"target": f"peak memory generating < {limit} MB (each scale's child process)",
                              "met": generating < limit, "value_mb": generating},
        "memory_measuring": {"target": f"peak memory measuring < {limit} MB (this process, every scale open)",
                             "met": report["memory_mb"]["measuring"] < limit,
                             "value_mb": report["memory_mb"]["measuring"]},
        **query_targets(report["largest"]["queries"]),
    }


def print_scales(report: dict) -> None:
    largest = report["largest"]
    print(f"\nper query at the largest scale, {largest['scale']:g}x:", end="")
    print_queries(largest["queries"], largest["filters"])
    base = report["curve"][0]["scale"]
    print(f"\nwhole leader dashboard by scale (median of {RUNS} warm runs, the scales in turns; exponent: log(time"
          " ratio) / log(data ratio), 1 = linear, 0 = flat; first view: the Morale tab alone, figures included, as"
          " the page computes it before the other tabs are opened; shared: every tab with Morale's figures shared,"
          " as every view after the first since a pulse period closed or the server started; counted: every tab"
          " with Morale counted anew from its cells, as while its kept figures are stale)")
    print(f"{'scale':>8}{'people':>10}{'suggestions':>13}{'pulse answers':>15}{'total ms':>11}{'queries ms':>12}"
          f"{f'vs {base:g}x':>12}{'data':>8}{'exponent':>10}{'first view ms':>15}{'shared ms':>11}{'counted ms':>12}")
    for p in report["curve"]:
        exponent = "" if p["exponent"] is None else f"{p['exponent']:.2f}"
        print(f"{p['scale']:>7g}x{p['people']:>10,}{p['suggestions']:>13,}{p['pulse_responses']:>15,}"
              f"{ms(p['leader_dashboard_ms']):>11}{ms(p['queries_ms']):>12}{p['ratio']:>11.2f}x{p['data_ratio']:>7g}x"
              f"{exponent:>10}{ms(p['first_view_ms']):>15}{ms(p['shared_morale_ms']):>11}"
              f"{ms(p['counted_morale_ms']):>12}")
    print(f"\ndatasets in {report['cache']} (generator {report['generator']}):")
    for s, d in report["datasets"].items():
        how = f"reused, built {d['built']}" if d["cached"] else "built now"
        steps = ", ".join(f"{k} {v} s ({d['peak_mb_after'][k]:,.0f} MB)" for k, v in d["seconds"].items())
        print(f"{s:>5}x: {how} in {d['generate_s']} s: {steps}; peak memory {d['peak_mb']:,} MB;"
              f" DuckDB file {d['duckdb_mb']:,} MB")
    print(f"peak memory (ru_maxrss) measuring {report['memory_mb']['measuring']:,} MB with every scale open;"
          f" {machine(report)}")
    print_targets(report["targets"])
