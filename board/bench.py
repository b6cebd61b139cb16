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

from board import db
from board.reporting import dashboard, reports
from board.org import people, settings
from board.bench_data import TODAY, _clock
from board.feedback.workflow import sla_cutoff

RUNS = 5
BUDGET_S = 120  # a query whose warm-up run takes longer is measured fewer times (the runs are recorded)
TARGETS = {"dashboard_ms": 1000, "overhead": 1.2, "sqlite_factor": 10, "memory_mb": 2048}

# --- recording what the reports layer runs -----------------------------------------------------------------

class _Recording:
    """A store whose cursors note every statement (SQL text and parameters) before running it."""

    def __init__(self, store: db.DuckStore):
        self._store, self.statements = store, []

    def __getattr__(self, name):
        return getattr(self._store, name)

    @contextmanager
    def read(self):
        with self._store.read() as con:
            yield _RecordingConn(con, self.statements)


class _RecordingConn:
    """Notes (sql, params, whether the result was fetched as numpy arrays) of every statement run."""

    def __init__(self, con: db.Conn, log: list):
        self._con, self._log = con, log

    def __getattr__(self, name):
        method = getattr(self._con, name)
        if name not in ("rows", "one", "scalar", "df", "arrays", "execute"):
            return method

        def noted(sql, params=(), *rest):
            self._log.append((sql, list(params), name == "arrays"))
            return method(sql, params, *rest)
        return noted


# --- SQLite: the same statements, translated minimally -----------------------------------------------------

class Untranslated(Exception):
    """A DuckDB construct the translation does not know (the SQLite column then says n/a)."""


AGGREGATE = re.compile(r"\b(count|sum|min|max|avg|quantile_cont|percentile_cont|median|arg_max)\s*\(", re.I)
DUCKDB_ONLY = ("quantile", "percentile", "WITHIN GROUP", "median(", "epoch", "extract(", "date_trunc", "date_diff",
               "AS TIMESTAMP", "::", "GROUP BY ALL", "GROUPING SETS", "unnest", "least(", "greatest(", "current_date",
               "arg_max", "list_", "QUALIFY")


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
    """The values behind percentile_cont(q) WITHIN GROUP (ORDER BY value), fetched with their group keys
    (Python sorts them per group and computes the percentile):
    (SQL, [(output name, value column, q) or (output name, key column)], number of key columns)."""
    head, items, rest = _final_select(sql)
    source, _, _ = _tail(rest)
    keys, values, plan = [], [], []
    for item in items:
        match = re.fullmatch(r"percentile_cont\(([0-9.]+)\) WITHIN GROUP \(ORDER BY (.*)\) AS (\w+)", item, re.S)
        if match:
            expr = match.group(2)
            if expr not in values:
                values.append(expr)
            plan.append((match.group(3), values.index(expr), float(match.group(1))))
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
    if "percentile_cont" in sql:
        sql, *plan = _quantiles(sql)
    sql = re.sub(r"CAST\(extract\(epoch FROM ([\w.]+) - ([\w.]+)\) AS DOUBLE(?: PRECISION)?\)",  # seconds between
                 r"((julianday(\1) - julianday(\2)) * 86400)", sql)
    sql = re.sub(r"CAST\(([\w.]+) AS TIMESTAMP\)", r"datetime(\1)", sql)
    sql = re.sub(r"CAST\(([^()]+?) AS DATE\) - CAST\(([^()]+?) AS DATE\)",  # days between two dates
                 r"CAST(julianday(date(\1)) - julianday(date(\2)) AS INTEGER)", sql)
    sql = re.sub(r"CAST\(([^()]+?) AS DATE\)", r"date(\1)", sql)
    month = r"date_trunc\('month', ([\w.]+|datetime\([\w.]+\))\)"  # of a timestamp, or of a date as a timestamp
    sql = re.sub(rf"CAST\({month} AS DATE\)", r"strftime('%Y-%m-01', \1)", sql)
    sql = re.sub(month, r"strftime('%Y-%m-01', \1)", sql)
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
    """percentile_cont (DuckDB's quantile_cont): linear interpolation between the closest ranks."""
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


def measure_duckdb(store: db.DuckStore, queries: dict) -> dict:
    """Each query through the reports layer, and the statements it ran straight on the DuckDB cursor."""
    results = {}
    for name, fn in queries.items():
        recording = _Recording(store)
        fn(recording)
        statements = recording.statements
        with store.read() as con:
            cur = con._cur  # the bare DuckDB cursor under the reports layer's Conn: the floor
            fetch = lambda sql, params, numpy: (cur.execute(sql, params).fetchnumpy() if numpy  # noqa: E731
                                                else cur.execute(sql, params).fetchall())  # as the layer fetches
            layer, raw = timed(lambda: fn(store), lambda: [fetch(*statement) for statement in statements])
            rows = [len(cur.execute(sql, params).fetchall()) for sql, params, _ in statements]
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
                          for sql, params, _ in result["statements"]]
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


def leader_page_data(store: db.DuckStore, viewer, f: dashboard.Filters, k: int) -> dict:
    """What the dashboard page computes for a leader's first view (board/web/app_pages/dashboard.py: the data
    version, the filters' units, the suggestions and minutes tables, and morale compared by region)."""
    dashboard.data_version(store)
    dashboard.units_in_scope(store, viewer)
    data = dashboard.suggestions_and_minutes(store, viewer, f, today=TODAY, sla_cutoff=sla_cutoff(TODAY, 5))
    morale = dashboard.morale_view(store, viewer, f, k=k, level="region")
    data.update(morale=morale["rows"], participation=morale["participation"],
                versus=dashboard.responsiveness_vs_morale(data["ack_days"], morale["teams"]))
    return data


def build_figures(data: dict) -> list:
    from board.reporting import charts
    return [getattr(charts, name)(data[source]) for name, source in CHARTS]


def csv_downloads(data: dict) -> int:
    """The CSV of every chart's data, as the page offers them."""
    import pandas as pd

    from board.reporting.export import to_csv
    tables = {source: data[source] for _, source in CHARTS}
    return sum(len(to_csv(value if isinstance(value, pd.DataFrame) else pd.DataFrame(value)))
               for value in tables.values())


def measure_leader_page(store: db.DuckStore, viewer, f, k: int) -> dict:
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


def setting(store: db.DuckStore) -> tuple[dict, int, list[date], dashboard.Filters]:
    """What every measurement uses: the two viewers, k, and the dashboard's default period (12 months)."""
    viewers = {"leader": people.find_by_email(store, "leader@bench.board"),
               "regional_manager": people.find_by_email(store, "regional1@bench.board")}
    months = _months_back(12)
    filters = dashboard.Filters(months[0], (months[-1] + timedelta(days=31)).replace(day=1))
    return viewers, settings.load(store).anonymity_k, months, filters


def measure(store: db.DuckStore, sqlite_path: Path, t0: float) -> dict:
    load_before = os.getloadavg()
    viewers, k, months, filters = setting(store)
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
    """python -m board bench: build, measure, print, write JSON (args: quick, out, scale, backend, url)."""
    from board.errors import BoardError

    postgres = getattr(args, "backend", "duckdb") == "postgres"
    url = getattr(args, "url", None) or os.environ.get("BOARD_DATABASE_URL")
    if postgres and not (url and db.is_url(url)):
        raise BoardError("--backend postgres needs the URL of an empty PostgreSQL database: "
                         "python -m board bench --backend postgres postgresql://user@host:5432/bench")
    scale = args.scale or (1 / 20 if args.quick else 1.0)
    t0 = time.perf_counter()
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH")) if p)}
    with tempfile.TemporaryDirectory(prefix="board-bench-") as tmp:
        folder = Path(tmp)
        child = [sys.executable, "-m", "board.bench_data", str(folder), repr(scale), *(["nosqlite"] if postgres else [])]
        if subprocess.run(child, env=env).returncode:
            raise BoardError("the benchmark dataset could not be built (see the messages above)")
        built = json.loads((folder / "build.json").read_text())
        store = db.DuckStore(folder / "bench.duckdb", read_only=True)
        try:
            if postgres:
                from board import bench_postgres
                report = bench_postgres.measure(store, url, t0)
            else:
                report = measure(store, folder / "bench.sqlite", t0)
        finally:
            store.close()
    report = {"scale": scale, "quick": bool(args.quick), "backend": "postgres" if postgres else "duckdb",
              "dataset": built, **report, "cpu_count": os.cpu_count()}
    report["memory_mb"]["generating"] = max(built.pop("peak_mb"), _peak_mb(resource.RUSAGE_CHILDREN))
    if postgres:
        bench_postgres.print_report(report)
    else:
        report["targets"] = targets(report)
        print_report(report)
    out = Path(args.out or f"data/bench_dashboards{'_postgres' if postgres else ''}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"written {out} ({time.perf_counter() - t0:.0f} s in all)")
    return 0
