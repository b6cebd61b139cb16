"""Benchmark: submit, similar-suggestions lookup and triage queue at the demo's size and at 1M suggestions.

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
from datetime import date
from pathlib import Path

from board import demo
from board import store as db
from board.feedback import suggestions as sg
from board.feedback import triage
from board.org import people, settings

WORDS = ("refund approval billing queue customer outage login portal invoice callback shift handover "
         "template policy training escalation chat phone email subscription delivery return warranty "
         "discount payment account password screen report schedule holiday overtime tool crash slow").split()


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
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 2), "n": repeat}


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

    results = {"submit": timed(submit, repeat), "similar": timed(similar, repeat)}
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
            fill_seconds = time.perf_counter() - start
            with store.read() as con:
                total = con.scalar("SELECT count(*) FROM suggestions")
            large = measure(store, repeat)
        finally:
            db.close_store(path)
    print(f"suggestions: {total:,} (bulk fill {fill_seconds:.1f} s); times in ms; ratio = large p50 / small p50")
    print(f"{'operation':<26}{'small p50':>10}{'small p95':>10}{'large p50':>10}{'large p95':>10}{'ratio':>8}")
    for name in small:
        few, many = small[name], large[name]
        print(f"{name:<26}{few['p50_ms']:>10}{few['p95_ms']:>10}{many['p50_ms']:>10}{many['p95_ms']:>10}"
              f"{many['p50_ms'] / max(few['p50_ms'], 0.01):>8.1f}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"suggestions": total, "fill_seconds": round(fill_seconds, 1),
                               "small": small, "large": large}, indent=2))
    print(f"written {out}")
    return 0
