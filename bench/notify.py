"""Benchmark of notifications: python -m bench notify [--quick] [--repeat N] [--out PATH] (issue 16's targets).

A child process builds the dashboards' large organisation (bench/data.py: 50,000 people, 1,000,000 suggestions)
in a temporary DuckDB file; this process then opens it and
1. builds and writes every weekly digest (board.notify.schedule.weekly_digests: one per manager, regional manager
   and leader, figures read once for everyone), timed, its Python peak memory traced (tracemalloc, a second build)
   and the process's peak resident memory read (ru_maxrss, DuckDB's memory included); a sample of the digests'
   figures is checked against the pages' own functions (triage, review, actions) for the same people;
2. measures what the outbox adds to a triage status change: the same change (new -> acknowledged, by the
   team's manager, of a suggestion with a named author) with the outbox hook and with it switched off for the
   call, taking turns, p50 and p95 of each; the time spent inside the hook itself; the cheapest statement there is
   (SELECT ?) in a write transaction, as the machine's floor; and the worker's fan-out of those events' messages;
3. times the largest pulse reminder run: one reminder to each of the 50,000 (nobody has answered, as far as the
   dataset's stand-in voter hashes tell).
Prints the figures and writes JSON (default data/bench_notify.json)."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from bench.data import NOW, TODAY, clock
from board import store as db
from board.errors import BoardError
from board.feedback import triage
from board.meetings import actions, review
from board.notify import events, schedule
from board.org import people, settings
from board.org.access import Person

TARGETS = {"weekly_s": 60, "memory_mb": 1024, "outbox_ms": 2.0}
ROOT = Path(__file__).resolve().parent.parent
SAMPLE = 20  # managers whose digest figures are checked against the pages' functions (with every other role)


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2), "n": len(ordered)}


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux reports KiB


# --- weekly digests ----------------------------------------------------------------------------------------------

def measure_weekly(store: db.Database, t0: float) -> dict:
    """Every weekly digest of the organisation, built and written as the worker would on the digest day."""
    store.write(lambda con: settings.put(con, "weekly_digest_day", TODAY.weekday()))
    current = settings.load(store)
    now = datetime.combine(TODAY, datetime.min.time()) + timedelta(hours=current.digest_hour)
    print(f"{clock(t0)} weekly digests for {TODAY:%A %d %b %Y}", flush=True)
    start = time.perf_counter()
    added = schedule.weekly_digests(store, now=now, settings=current)
    seconds = time.perf_counter() - start
    rss = peak_rss_mb()
    tracemalloc.start()
    start = time.perf_counter()
    texts = schedule.weekly_texts(store, today=TODAY, settings=current)
    traced_s = time.perf_counter() - start
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figures = schedule.weekly_figures(store, today=TODAY, settings=current)
    with store.read() as con:
        written = con.scalar("SELECT count(*) FROM outbox WHERE kind = 'weekly_digest'")
        body_kb = con.scalar("SELECT sum(length(body)) FROM outbox WHERE kind = 'weekly_digest'") / 1024
    roles = Counter(f["person"].role for f in figures.values())
    print(f"{clock(t0)}   {added:,} digests in {seconds:.1f} s ({dict(roles)}); peak RSS {rss:,} MB,"
          f" Python heap peak {traced_peak / 2**20:,.0f} MB", flush=True)
    checked = spot_check(store, figures, current.ack_sla_days)
    print(f"{clock(t0)}   figures of {checked['people']} recipients equal the pages' functions:"
          f" {checked['equal']}", flush=True)
    return {"now": str(now), "recipients": len(figures), "added": added, "written": written,
            "by_role": dict(roles), "seconds": round(seconds, 2), "build_traced_s": round(traced_s, 2),
            "python_peak_mb": round(traced_peak / 2**20, 1), "process_peak_mb": rss,
            "body_kb_total": round(body_kb, 1), "texts": len(texts), "spot_check": checked}


def spot_check(store: db.Database, figures: dict, sla_days: int) -> dict:
    """The figures of SAMPLE managers and every regional manager and leader against triage.queue_counts,
    triage.queue, actions.team_open and review.queue for the same person."""
    managers = [f for f in figures.values() if f["person"].role == "manager"][:SAMPLE]
    others = [f for f in figures.values() if f["person"].role != "manager"]
    wrong = []
    for f in managers + others:
        person = f["person"]
        own = actions.team_open(store, person, today=TODAY)
        expected = {
            "queue": triage.queue_counts(store, person, today=TODAY, sla_days=sla_days),
            "first": [r["id"] for r in triage.queue(store, person, today=TODAY, sla_days=sla_days, limit=3)],
            "actions": {"open": len(own), "overdue": sum(1 for a in own if a["overdue"]),
                        "due_this_week": sum(1 for a in own if TODAY <= a["due_date"] < TODAY + timedelta(days=7))}}
        got = {"queue": f["queue"], "first": [r["id"] for r in f["first"]], "actions": f["actions"]}
        if person.role == "regional_manager":
            expected["review"] = [r["id"] for r in review.queue(store, person)]
            got["review"] = [r["id"] for r in f["review"]]
        if got != expected:
            wrong.append(person.id)
    return {"people": len(managers) + len(others), "equal": not wrong, "differing": wrong}


# --- the outbox's cost on a status change ----------------------------------------------------------------------

@contextmanager
def hook_off():
    """The outbox hook switched off (suggestions.record calls events.suggestion_event): the change without it."""
    real = events.suggestion_event
    events.suggestion_event = lambda *args, **kwargs: None
    try:
        yield
    finally:
        events.suggestion_event = real


@contextmanager
def hook_timed(samples: list[float]):
    """The outbox hook as it is, the time spent inside it noted per call."""
    real = events.suggestion_event

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            samples.append((time.perf_counter() - start) * 1000)

    events.suggestion_event = timed
    try:
        yield
    finally:
        events.suggestion_event = real


def one_statement(con: db.Conn, samples: list[float]) -> None:
    """The floor: the time of the cheapest statement there is, inside a write transaction, on this machine now."""
    start = time.perf_counter()
    con.scalar("SELECT ?", (len(samples),))
    samples.append((time.perf_counter() - start) * 1000)


def advance_sequences(con: db.Conn) -> None:
    """The dataset's rows were inserted with their ids: the sequences move past them before the app writes."""
    for sequence, table in (("suggestion_event_id_seq", "suggestion_events"), ("notification_id_seq", "notifications"),
                            ("meeting_review_id_seq", "meeting_reviews")):
        last = con.scalar(f"SELECT max(id) FROM {table}")
        if last:
            con.scalar("SELECT setval(?, ?)", (sequence, last))


def measure_status_changes(store: db.Database, repeat: int, t0: float) -> dict:
    """`repeat` status changes with the hook and `repeat` without, taking turns (drift on a busy machine touches
    both alike), each on a suggestion of its own."""
    store.write(advance_sequences)
    with store.read() as con:
        found = con.rows("SELECT s.id, s.team_id FROM suggestions s WHERE s.status = 'new' AND s.level = 'team'"
                         " AND s.author_id IS NOT NULL AND s.team_id IS NOT NULL ORDER BY hash(s.id) LIMIT ?",
                         (2 * repeat,))
        managers = {r["team_id"]: Person(**r) for r in con.rows(
            people.person_sql() + " WHERE p.active AND p.role = 'manager' ORDER BY p.id DESC")}
    changes = [(row["id"], managers[row["team_id"]]) for row in found if row["team_id"] in managers]
    print(f"{clock(t0)} {len(changes) // 2} status changes with the outbox hook and as many without, taking turns",
          flush=True)
    with_hook: list[float] = []
    without: list[float] = []
    inside: list[float] = []
    floor: list[float] = []
    for n, (suggestion_id, manager) in enumerate(changes):
        store.write(lambda con: one_statement(con, floor))
        start = time.perf_counter()
        if n % 2:
            with hook_off():
                triage.change_status(store, manager, suggestion_id, "acknowledged", now=NOW)
            without.append((time.perf_counter() - start) * 1000)
        else:
            with hook_timed(inside):
                triage.change_status(store, manager, suggestion_id, "acknowledged", now=NOW)
            with_hook.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    told = events.fan_out(store)  # what the worker does next: the messages of the events the hook left
    fan_out_ms = (time.perf_counter() - start) * 1000
    with store.read() as con:
        written = con.scalar("SELECT count(*) FROM outbox WHERE kind = 'status'")
    report = {"with_hook": percentiles(with_hook), "without_hook": percentiles(without),
              "inside_hook": percentiles(inside), "one_statement": percentiles(floor), "outbox_rows_written": written,
              "worker_fan_out": {"events": told, "ms": round(fan_out_ms, 1),
                                 "ms_per_event": round(fan_out_ms / max(told, 1), 2)}}
    report["added_p50_ms"] = round(report["with_hook"]["p50_ms"] - report["without_hook"]["p50_ms"], 2)
    report["added_p95_ms"] = round(report["with_hook"]["p95_ms"] - report["without_hook"]["p95_ms"], 2)
    print(f"{clock(t0)}   with {report['with_hook']}, without {report['without_hook']}, inside the hook"
          f" {report['inside_hook']}, one bare statement {report['one_statement']}; the worker wrote their"
          f" messages in {report['worker_fan_out']}", flush=True)
    return report


def measure_pulse(store: db.Database, t0: float) -> dict:
    """The pulse reminders of the open period at the digest hour: the dataset's voter hashes are stand-ins, so
    nobody counts as having answered and everyone who answers the pulse is reminded (the largest run there is)."""
    os.environ.setdefault("BOARD_PULSE_KEY", "bench-only-pulse-key")  # never a key file in the project's data
    current = settings.load(store)
    now = datetime.combine(TODAY, datetime.min.time()) + timedelta(hours=current.digest_hour)
    start = time.perf_counter()
    added = schedule.pulse_reminders(store, now=now, settings=current)
    seconds = time.perf_counter() - start
    print(f"{clock(t0)} pulse reminders: {added:,} in {seconds:.1f} s", flush=True)
    return {"added": added, "seconds": round(seconds, 2), "process_peak_mb": peak_rss_mb()}


# --- the run -------------------------------------------------------------------------------------------------------

def targets(report: dict) -> dict:
    weekly, status = report["weekly"], report["status_change"]
    memory = max(weekly["process_peak_mb"], weekly["python_peak_mb"])
    return {
        "weekly": {"target": f"every weekly digest built (and written) in < {TARGETS['weekly_s']} s",
                   "met": weekly["seconds"] < TARGETS["weekly_s"], "value_s": weekly["seconds"]},
        "memory": {"target": f"peak memory < {TARGETS['memory_mb']} MB (this process, DuckDB included)",
                   "met": memory < TARGETS["memory_mb"], "value_mb": memory},
        "outbox": {"target": f"the outbox adds < {TARGETS['outbox_ms']} ms p95 to a status change"
                             " (p95 of the time inside the hook)",
                   "met": status["inside_hook"]["p95_ms"] < TARGETS["outbox_ms"],
                   "value_ms": status["inside_hook"]["p95_ms"], "p95_difference_ms": status["added_p95_ms"]},
        "figures": {"target": "digest figures equal the pages' functions for the same people",
                    "met": weekly["spot_check"]["equal"]},
    }


def print_report(report: dict) -> None:
    weekly, status = report["weekly"], report["status_change"]
    data = report["dataset"]
    print("\ndataset: " + ", ".join(f"{v:,} {k}" for k, v in data["rows"].items() if k in (
        "people", "teams", "suggestions", "suggestion_events", "meetings", "action_items")))
    print(f"weekly digests: {weekly['added']:,} ({weekly['by_role']}) in {weekly['seconds']} s;"
          f" figures and texts alone {weekly['build_traced_s']} s under tracemalloc;"
          f" peak memory {weekly['process_peak_mb']:,} MB (process), {weekly['python_peak_mb']:,} MB (Python heap)")
    parts = {"with the outbox": "with_hook", "without": "without_hook", "inside the hook": "inside_hook",
             "one bare statement": "one_statement"}
    print("status change (ms): " + "; ".join(f"{label} p50 {status[key]['p50_ms']} p95 {status[key]['p95_ms']}"
                                             for label, key in parts.items())
          + f" (n = {status['with_hook']['n']} each); the worker then wrote their messages in"
          f" {status['worker_fan_out']['ms_per_event']} ms an event")
    reminders = report["pulse_reminders"]
    print(f"pulse reminders to everyone who answers the pulse: {reminders['added']:,} in {reminders['seconds']} s"
          f" (peak memory of the whole run {reminders['process_peak_mb']:,} MB)")
    for target in report["targets"].values():
        value = next((f": {v}" for k, v in target.items() if k.startswith("value")), "")
        print(f"{'MET   ' if target['met'] else 'MISSED'} {target['target']}{value}")


def run(quick: bool = False, out: Path | None = None, scale: float | None = None, repeat: int = 200) -> int:
    """Build the dataset in a child process, measure, print, write JSON."""
    scale = scale or (1 / 20 if quick else 1.0)
    t0 = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    with tempfile.TemporaryDirectory(prefix="board-bench-") as tmp:
        folder = Path(tmp)
        if subprocess.run([sys.executable, "-m", "bench.data", str(folder), repr(scale), "nosqlite"],
                          env=env).returncode:
            raise BoardError("the benchmark dataset could not be built (see the messages above)")
        built = json.loads((folder / "build.json").read_text())
        store = db.open_store(folder / "bench.duckdb")
        try:
            weekly = measure_weekly(store, t0)
            status = measure_status_changes(store, repeat, t0)
            reminders = measure_pulse(store, t0)
        finally:
            db.close_store(folder / "bench.duckdb")
    report = {"scale": scale, "today": str(TODAY), "dataset": built, "weekly": weekly, "status_change": status,
              "pulse_reminders": reminders,
              "cpu_count": os.cpu_count(), "load_average": [round(v, 2) for v in os.getloadavg()]}
    report["targets"] = targets(report)
    print_report(report)
    out = out or Path("data/bench_notify.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"written {out} ({time.perf_counter() - t0:.0f} s in all)")
    return 0
