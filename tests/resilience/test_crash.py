"""Crash safety: a child doing acknowledged writes is killed with SIGKILL again and again; after every restart
the database opens, its migrations are intact and every acknowledged write is there exactly once."""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from board import store as db
from tests.support import crash_worker
from tests.support.crash_worker import kill_and_collect

pytestmark = pytest.mark.slow  # dozens of SIGKILLed children

# Kills per backend. Each phase a kill can land in is reached many times over: every STARTUP_EVERY-th kill (6) lands
# while the child opens the database (log replay, migration check); the other 30 land inside the writes after 1-14
# acknowledged ones, before, inside or after a commit, half of them with a 64 KB checkpoint threshold so that some
# land in a checkpoint; 5-15 land between sending a submission and its acknowledgement, and its retry must be stored
# once (asserted below). DuckDB used to take 66 kills (~400 writes checked in 73 s on a loaded machine); 36 check
# 240 writes in 40 s there, and 280-300 on PostgreSQL, where 36 was always the number.
KILLS = 36
STARTUP_EVERY = 6
SEED = 20260601
MIGRATION_KILLS = 20


@dataclass
class Ledger:
    """Everything the children acknowledged, over all cycles."""

    submits: dict[str, int] = field(default_factory=dict)  # submission key -> suggestion id
    held: set[str] = field(default_factory=set)  # submission keys of anonymous ones, held for the next release
    statuses: list[tuple[int, str]] = field(default_factory=list)  # (suggestion id, to)
    drafts: set[int] = field(default_factory=set)
    minutes: dict[int, str] = field(default_factory=dict)  # meeting id -> token
    pending: list[str] = field(default_factory=list)  # keys sent but never acknowledged: retried next cycle
    writes: int = 0
    retried: int = 0
    repeated: int = 0

    def take(self, output: str) -> int:
        """Record the whole lines of one child's output; return how many writes it acknowledged."""
        sent, acked = [], 0
        for line in output.splitlines():
            words = line.split()
            if not words or words[-1] != "END":
                continue  # cut off by the kill: not an acknowledgement
            if words[0] == "SEND":
                sent.append(words[1])
            elif words[0] == "ACK":
                acked += 1
                kind, args = words[1], words[2:-1]
                if kind == "submit":
                    assert self.submits.setdefault(args[0], int(args[1])) == int(args[1]), args
                    assert args[2] == "0" or args[0] in self.pending, f"a fresh key was already stored: {args}"
                    self.retried += args[0] in self.pending
                    self.repeated += args[2] == "1"  # a retry whose first attempt had committed before the kill
                elif kind == "held":
                    assert args[1] == "0" or args[0] in self.pending, f"a fresh key was already stored: {args}"
                    self.held.add(args[0])
                    self.retried += args[0] in self.pending
                    self.repeated += args[1] == "1"
                elif kind == "status":
                    self.statuses.append((int(args[0]), args[1]))
                elif kind == "draft":
                    self.drafts.add(int(args[0]))
                elif kind == "minutes":
                    self.minutes[int(args[0])] = args[1]
        self.pending = [key for key in dict.fromkeys(self.pending + sent)
                        if key not in self.submits and key not in self.held]
        self.writes += acked
        return acked


@pytest.fixture(autouse=True)
def plain_main(monkeypatch):
    """Children must not re-run the test process's __main__: an AppTest earlier in the run leaves a page script
    there, which the fork server would execute in every child (multiprocessing re-imports the main module)."""
    main = sys.modules["__main__"]
    monkeypatch.setattr(main, "__spec__", None, raising=False)
    monkeypatch.delattr(main, "__file__", raising=False)


def fork_server():
    """Children forked from a server that imported the worker (board, duckdb) and opened nothing: a restart
    costs milliseconds, and no lock or thread of this test process is inherited."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["tests.support.crash_worker"])
    return ctx


def run_child(ctx, path: Path | str, cycle: int, ledger: Ledger, rng: random.Random) -> tuple[str, bool]:
    """Start a child, kill it with SIGKILL at a random moment; (its output, whether it had started writing)."""
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=crash_worker.run, daemon=True,
                        args=(send, str(path), rng.randrange(10**9), cycle, bool(cycle % 2), ledger.pending))
    child.start()
    send.close()  # the child holds the only write end: reading ends when it dies
    lines = []
    try:
        if cycle % STARTUP_EVERY == STARTUP_EVERY - 1:
            time.sleep(rng.uniform(0.0, 0.1))  # while it opens the file, replays the log and checks migrations
            started = False
        else:
            # Kill at a random moment inside the write after a random number of acknowledged ones (a write
            # takes 5-400 ms: the kill lands before, inside or after its commit, or before its acknowledgement).
            wanted = rng.randint(1, 14)
            while sum(line.startswith("ACK") for line in lines) < wanted:
                assert receive.poll(60), f"the child went quiet after {lines[-1:]}"
                lines.append(receive.recv_bytes().decode())
                assert not lines[-1].startswith("ERROR"), lines[-1]
            assert lines[0] == "READY END", lines[0]
            time.sleep(rng.uniform(0.0, 0.04))
            started = True
        assert child.is_alive(), "the child stopped by itself"
    finally:
        kill_and_collect(child, receive, lines)
    errors = [line for line in lines if line.startswith("ERROR")]
    assert not errors, errors
    assert child.exitcode == -signal.SIGKILL
    return "\n".join(lines), started


def verify(path: Path | str, ledger: Ledger) -> None:
    """Open the file as the app does and check every acknowledged write and the invariants around it."""
    store = db.open_store(path)
    try:
        assert db.applied_migrations(store) == [name for name, _ in db.available_migrations(dialect=store.dialect)]
        with store.read() as con:
            keys = sorted(ledger.submits)
            found = con.rows("SELECT submission_key AS key, id, title FROM suggestions"
                             " WHERE submission_key = ANY(CAST(? AS VARCHAR[]))", (keys,))
            assert sorted(r["key"] for r in found) == keys  # each acknowledged key exactly once
            assert all(r["id"] == ledger.submits[r["key"]] and r["title"] == f"Crash token {r['key']}"
                       for r in found)
            held = con.rows("SELECT submission_key AS key, title FROM held_suggestions")
            assert {r["key"] for r in held} >= ledger.held  # each acknowledged anonymous one, still held
            assert all(r["title"] == f"Crash token {r['key']}" for r in held)
            titles = con.rows("SELECT title, count(*) AS n FROM (SELECT title FROM suggestions UNION ALL"
                              " SELECT title FROM held_suggestions) t GROUP BY title HAVING count(*) > 1")
            assert titles == [], titles  # no submission stored twice, acknowledged or not
            # Each suggestion has exactly one "submitted" event (row and event commit together).
            assert con.scalar("SELECT count(*) FROM suggestions s WHERE (SELECT count(*) FROM suggestion_events e"
                              " WHERE e.suggestion_id = s.id AND e.kind = 'submitted') <> 1") == 0

            events = con.rows("SELECT suggestion_id AS sid, to_value AS st FROM suggestion_events"
                              " WHERE kind = 'status' ORDER BY id")
            pairs = [(e["sid"], e["st"]) for e in events]
            assert len(pairs) == len(set(pairs))  # the workflow only moves forward: a pair twice is a duplicate
            assert set(ledger.statuses) <= set(pairs)  # every acknowledged status change is there
            last = {e["sid"]: e["st"] for e in events}
            statuses = {r["id"]: r["status"] for r in con.rows("SELECT id, status FROM suggestions")}
            assert {sid: st for sid, st in statuses.items() if st != "new"} == last

            drafts = {r["id"] for r in con.rows("SELECT id FROM meetings")}
            assert ledger.drafts <= drafts
            published = {r["id"]: (r["status"], r["version"]) for r in con.rows(
                "SELECT id, status, version FROM meetings WHERE id = ANY(CAST(? AS INTEGER[]))",
                (sorted(ledger.minutes),))}
            assert published == {m: ("published", 1) for m in ledger.minutes}
            for table, column, text in (("meeting_items", "discussed", "Discussed {}"),
                                        ("action_items", "description", "Act on {}")):
                wanted = sorted(text.format(token) for token in ledger.minutes.values())
                found = con.rows(f"SELECT {column} AS text, meeting_id, count(*) OVER (PARTITION BY {column}) AS n"
                                 f" FROM {table} WHERE {column} = ANY(CAST(? AS VARCHAR[]))", (wanted,))
                assert sorted(r["text"] for r in found) == wanted and all(r["n"] == 1 for r in found)
                assert all(text.format(ledger.minutes[r["meeting_id"]]) == r["text"] for r in found)
            # Published minutes commit with their version, actions with their first event, links with theirs.
            assert con.scalar("SELECT count(*) FROM meetings m WHERE status = 'published' AND version <>"
                              " (SELECT count(*) FROM meeting_versions v WHERE v.meeting_id = m.id)") == 0
            assert con.scalar("SELECT count(*) FROM action_items a WHERE (SELECT count(*) FROM action_events e"
                              " WHERE e.action_id = a.id) <> 1") == 0
            assert con.scalar("SELECT count(*) FROM item_links") == con.scalar(
                "SELECT count(*) FROM suggestion_events WHERE kind = 'discussed'")
    finally:
        db.close_store(path)


@pytest.fixture
def crash_target(request, backend, tmp_path):
    """Where the children write: a copy of the demo organisation as a DuckDB file, or a PostgreSQL database
    (there the kill ends an app server's process mid-transaction; the database server stays up)."""
    if backend == "duckdb":
        path = tmp_path / "crash.duckdb"
        shutil.copy(request.getfixturevalue("org_template"), path)
        yield path
        return
    cluster = request.getfixturevalue("pg_cluster")
    name = cluster.fresh_name("crash")
    url = cluster.create(name, request.getfixturevalue("pg_templates").get("org"))
    yield url
    db.close_store(url)
    cluster.drop(name)


def test_acknowledged_writes_survive_sigkill(crash_target):
    path, kills = crash_target, KILLS
    ctx = fork_server()
    rng, ledger, started = random.Random(SEED), Ledger(), time.monotonic()
    during_writes, checking = 0, 0.0
    for cycle in range(kills):
        output, writing = run_child(ctx, path, cycle, ledger, rng)
        acked = ledger.take(output)
        during_writes += writing and acked > 0
        checked = time.monotonic()
        verify(path, ledger)
        checking += time.monotonic() - checked
    elapsed = time.monotonic() - started
    print(f"\ncrash: {kills} kills ({during_writes} after acknowledged writes) in {elapsed:.1f} s"
          f" ({checking:.1f} s verifying);"
          f" {ledger.writes} acknowledged writes verified: {len(ledger.submits)} submits,"
          f" {len(ledger.statuses)} status changes, {len(ledger.drafts)} drafts, {len(ledger.minutes)} minutes;"
          f" {ledger.retried} submissions retried after a kill, {ledger.repeated} of them already stored")
    # Enough happened to prove something (per kill, the floors the 66-kill run had): writes were acknowledged before
    # most kills, and some kills landed inside a submission, whose retry then had to be stored exactly once.
    assert during_writes >= 0.75 * kills
    assert len(ledger.submits) >= 1.5 * kills and len(ledger.statuses) >= 0.75 * kills
    assert len(ledger.minutes) >= 0.45 * kills
    assert ledger.retried > 0


def _first_start(ctx, path: Path, kill_after: float | None) -> str:
    """Start a child creating a new database, kill it after `kill_after` s (or once it is ready); what it reached."""
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=crash_worker.migrate_fresh, args=(send, str(path)), daemon=True)
    child.start()
    send.close()
    try:
        if kill_after is None:
            assert receive.poll(60)
        else:
            time.sleep(kill_after)
        os.kill(child.pid, signal.SIGKILL)
        child.join(30)
        assert child.exitcode == -signal.SIGKILL
        try:
            return receive.recv_bytes().decode()
        except EOFError:
            return "killed while starting"
    finally:
        receive.close()


def test_a_kill_during_the_first_migration_leaves_a_database_that_opens(tmp_path):
    """Killed while creating a new file's schema: each migration commits with its record or not at all, so the
    next start applies the rest instead of failing on half a migration."""
    ctx, rng, outcomes = fork_server(), random.Random(SEED), Counter()
    for name in ("warm-up", "timing"):  # the first child also waits for the fork server to start
        started = time.monotonic()
        assert _first_start(ctx, tmp_path / f"{name}.duckdb", None) == "READY END"
    first_start = time.monotonic() - started  # how long creating the schema takes here
    for attempt in range(MIGRATION_KILLS):
        path = tmp_path / f"fresh{attempt}.duckdb"
        reached = _first_start(ctx, path, rng.uniform(0.0, first_start))
        outcomes["killed after migrating" if reached == "READY END" else reached] += 1
        if path.exists():
            raw = db.DuckStore(path)  # as the killed process left it, before the next start migrates the rest
            try:
                done = len(db.applied_migrations(raw))
            finally:
                raw.close()
            outcomes["killed between migrations"] += 0 < done < len(db.available_migrations())
            store = db.open_store(path)
            try:
                assert db.applied_migrations(store) == [name for name, _ in db.available_migrations()]
            finally:
                db.close_store(path)
    print(f"\nfirst start ({first_start:.2f} s) killed {MIGRATION_KILLS} times: {dict(outcomes)}")
    assert outcomes["killed while starting"] > 0
