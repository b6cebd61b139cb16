"""Benchmark: submit, a status change, similar-suggestions lookup and triage queue at the demo's size and at 1M
suggestions. Submit and the status change are also timed without the dashboards' summaries (feedback.counts),
in turns with the real thing in the same loop, so their cost shows as a ratio however busy the machine is.

Run: .venv/bin/python -m bench suggestions [--rows 1000000] [--repeat 100] [--out data/bench_suggestions.json]
Prints a table (p50/p95 in ms, and the ratio large/small measured in the same run) and writes JSON.
"""

from __future__ import annotations

import json
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from board import demo
from board import store as db
from board.feedback import counts, triage
from board.feedback import suggestions as sg
from board.org import people, settings

WORDS = ("refund approval billing queue customer outage login portal invoice callback shift handover "
         "template policy training escalation chat phone email subscription delivery return warranty "
         "discount payment account password screen report schedule holiday overtime tool crash slow").split()


SUMMARY_COST = 1.3  # a write with the summaries may take at most 1.3x its p95 without them


def fill(store: db.Database, rows: int) -> None:
    """Bulk-add `rows` suggestions (spread over every team, 40% open) with submitted events and +1s."""
    store.write(lambda con: con.execute(
        "CREATE TABLE w AS SELECT unnest(?::VARCHAR[]) AS word, generate_subscripts(?::VARCHAR[], 1) AS n",
        (list(WORDS), list(WORDS))))
    store.write(lambda con: con.execute(f"""
        INSERT INTO suggestions (id, kind, category, title, description, author_id, anonymous, team_id, office_id,
            region_id, status, level, submission_key, created_at)
        SELECT 1000000 + i, CASE WHEN i % 3 = 0 THEN 'anticipated_problem' ELSE 'improvement' END,
            (['policy','system','process','training','product','other'])[1 + i % 6],
            'The ' || w1.word || ' ' || w2.word || ' needs work #' || i,
            'Customers notice that the ' || w3.word || ' and the ' || w1.word || ' ' || w4.word || ' fail often.',
            NULL, TRUE, t.id, t.office_id, o.region_id,
            (['new','acknowledged','under_review','planned','implemented','implemented','declined',
              'implemented','in_progress','implemented'])[1 + i % 10],
            (['team','team','team','team','team','team','team','region','region','leadership'])[1 + (i // 7) % 10],
            'bench' || i, TIMESTAMP '2025-01-01' + to_minutes(i % 900000)
        FROM range({rows}) r(i)
        JOIN (SELECT t.id, t.office_id, row_number() OVER (ORDER BY t.id) - 1 AS k FROM teams t) t
          ON t.k = i % (SELECT count(*) FROM teams)
        JOIN offices o ON o.id = t.office_id
        JOIN w w1 ON w1.n = 1 + (i * 7) % {len(WORDS)} JOIN w w2 ON w2.n = 1 + (i * 13) % {len(WORDS)}
        JOIN w w3 ON w3.n = 1 + (i * 17) % {len(WORDS)} JOIN w w4 ON w4.n = 1 + (i * 29) % {len(WORDS)};
        INSERT INTO suggestion_events (suggestion_id, kind, to_value, created_at)
        SELECT id, 'submitted', 'new', created_at FROM suggestions WHERE id >= 1000000;
        INSERT INTO votes (suggestion_id, person_id)
        SELECT DISTINCT 1000000 + (i * 7919) % {rows}, p.id FROM range({rows}) r(i)
        JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM people) p
          ON p.k = i % (SELECT count(*) FROM people);
        DROP TABLE w;
    """))


def timed(fn, repeat: int) -> dict:
    return _figures(_samples(fn, repeat))


def _samples(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _figures(samples: list[float]) -> dict:
    samples = sorted(samples)
    return {"p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 2), "n": len(samples)}


@contextmanager
def without_summaries() -> Iterator[None]:
    """The write paths as they were before the dashboards' summaries: every summary update left out (the
    benchmark's own switch; the app always keeps them)."""
    saved = counts._add
    counts._add = lambda *args, **kwargs: None
    try:
        yield
    finally:
        counts._add = saved


def in_turns(fn: Callable[[], object], repeat: int) -> tuple[dict, dict]:
    """fn with the summaries and without them, one run of each in turn; the figures of both."""
    kept: list[float] = []
    left_out: list[float] = []
    for _ in range(repeat):
        kept += _samples(fn, 1)
        with without_summaries():
            left_out += _samples(fn, 1)
    return _figures(kept), _figures(left_out)


def measure(store: db.Database, repeat: int) -> dict:
    known = {}
    for role, (email, _) in demo.KNOWN.items():
        person = people.find_by_email(store, email)
        assert person is not None, email  # the demo was just seeded
        known[role] = person
    categories, rng = settings.load(store).categories, random.Random(7)

    def submit():
        title = f"The {rng.choice(WORDS)} {rng.choice(WORDS)} is slow for customers"
        draft = sg.Draft(kind="improvement", category="system", title=title, description=title + " every single day.")
        sg.submit(store, known["staff"], draft, categories=categories, submission_key=secrets.token_hex(8))

    def similar():
        sg.similar(store, known["staff"], f"{rng.choice(WORDS)} {rng.choice(WORDS)} problem",
                   f"the {rng.choice(WORDS)} and {rng.choice(WORDS)} fail for customers")

    fresh: list[int] = []

    def status_change():
        """Acknowledge one of the staff member's new suggestions (submitted for it beforehand)."""
        triage.change_status(store, known["leader"], fresh.pop(), "acknowledged")

    results: dict[str, dict] = {}
    results["submit"], results["submit without summaries"] = in_turns(submit, repeat)
    for _ in range(2 * repeat):
        submit()
    with store.read() as con:
        fresh += [r["id"] for r in con.rows("SELECT id FROM suggestions WHERE author_id = ? AND status = 'new'"
                                            " ORDER BY id DESC LIMIT ?", (known["staff"].id, 2 * repeat))]
    results["status change"], results["status change without summaries"] = in_turns(status_change, repeat)
    results["similar"] = timed(similar, repeat)
    for role in ("manager", "regional_manager", "leader"):
        results[f"triage_{role}"] = timed(lambda role=role: triage.queue(store, known[role], today=date(2026, 11, 20),
                                                                        sla_days=5), max(10, repeat // 4))
    return results


def run(rows: int = 1_000_000, repeat: int = 100, out: Path = Path("data/bench_suggestions.json")) -> int:
    """Seed the demo, measure, bulk-add `rows` suggestions, measure again; print the table and write JSON."""
    with tempfile.TemporaryDirectory(prefix="board-bench-") as tmp:
        path = Path(tmp) / "bench.duckdb"
        store = db.open_store(path)
        try:
            demo.seed(store, today=date(2026, 11, 20))
            small = measure(store, repeat)
            start = time.perf_counter()
            fill(store, rows)
            store.write(sg.after_bulk_load)  # the milestones and summaries the bulk insert skipped
            fill_seconds = time.perf_counter() - start
            with store.read() as con:
                total = con.scalar("SELECT count(*) FROM suggestions")
            large = measure(store, repeat)
        finally:
            db.close_store(path)
    print(f"suggestions: {total:,} (bulk fill {fill_seconds:.1f} s); times in ms; ratio = large p50 / small p50")
    print(f"{'operation':<34}{'small p50':>10}{'small p95':>10}{'large p50':>10}{'large p95':>10}{'ratio':>8}")
    for name in small:
        few, many = small[name], large[name]
        print(f"{name:<34}{few['p50_ms']:>10}{few['p95_ms']:>10}{many['p50_ms']:>10}{many['p95_ms']:>10}"
              f"{many['p50_ms'] / max(few['p50_ms'], 0.01):>8.1f}")
    summaries = {f"{name} {size}": round(figures[name]["p95_ms"] / max(figures[f"{name} without summaries"]["p95_ms"],
                                                                        0.01), 2)
                 for size, figures in (("(demo)", small), ("(large)", large))
                 for name in ("submit", "status change")}
    for name, ratio in summaries.items():
        verdict = "met" if ratio <= SUMMARY_COST else "MISSED"
        print(f"{verdict}: {name} p95 with the summaries / without = {ratio}x (target <= {SUMMARY_COST}x)")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"suggestions": total, "fill_seconds": round(fill_seconds, 1),
                               "small": small, "large": large, "summary_cost_p95": summaries}, indent=2))
    print(f"written {out}")
    return 0
