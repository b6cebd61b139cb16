"""Crash safety of delivery: a child process writes outbox rows and replies to a named suggestion (each reply leaves
its event for the worker's fan-out to turn into the author's message), writes those messages and delivers
everything to a real SMTP server on 127.0.0.1, and is killed with SIGKILL at random points again and again, then
restarted. In the end every row is delivered, no
Message-ID ever stands for two rows, and a message sent again after a kill (it was accepted by the mail server, the
kill came before its outcome was recorded) carries the same Message-ID, so mail systems drop the copy: at most one
such copy per kill."""

from __future__ import annotations

import multiprocessing
import random
import shutil
import signal
import statistics
import sys
import time
import traceback
from collections import defaultdict
from datetime import datetime, timedelta
from multiprocessing.connection import Connection

import pytest

from board import store as db
from board.demo import KNOWN
from board.feedback import triage
from board.notify import events, messages, worker
from board.notify.config import NotifyConfig
from board.org.people import find_by_email, get_person
from tests.support.crash_worker import kill_and_collect
from tests.support.mail import smtp_server
from tests.support.suggestions import submit

pytestmark = pytest.mark.slow  # dozens of SIGKILLed children

KILLS = 36
SEED = 20261116
T0 = datetime(2026, 11, 16, 8, 0)
CYCLE = timedelta(days=1)  # each child's clock starts a day after the last one's: past every lease it left
BASE = "https://board.example.org"
SECRET = "tests-only-notify-secret-0123456789abcdef"
INSERT = ("INSERT INTO outbox (key, person_id, kind, subject, body, link, created_at, mode, next_at)"
          " VALUES (?, ?, 'status', ?, ?, 'suggestion?id=1', ?, 'now', ?)")


def config(port: int) -> NotifyConfig:
    return NotifyConfig(smtp_host="127.0.0.1", smtp_port=port, base_url=BASE, secret=SECRET)


# --- the child -----------------------------------------------------------------------------------------------------

def child(out: Connection, target: str, port: int, seed: int, cycle: int, people: list[int],
          reply_to: tuple[int, int]) -> None:
    """Write a few outbox rows, reply to the suggestion (as its manager), write the replies' messages (the worker's
    fan-out) and deliver what is due, again and again until killed. One message per step through the pipe, each
    written whole only after the step committed:
        READY <rows left claimed by the last child> | ADDED <key>... | REPLIED <event id>
        | DELIVERED <sent> <seconds it took> | ERROR <traceback>"""
    def say(*words) -> None:
        out.send_bytes(" ".join(map(str, (*words, "END"))).encode())

    try:
        store, rng, start = db.open_store(target), random.Random(seed), T0 + cycle * CYCLE
        suggestion_id, manager = reply_to[0], get_person(store, reply_to[1])
        with store.read() as con:  # what the last child left claimed when it was killed
            say("READY", con.scalar("SELECT count(*) FROM outbox WHERE state = 'sending'"))
        for n in range(10**6):
            now = start + timedelta(seconds=n)
            keys = [f"k{cycle}.{n}.{j}" for j in range(rng.randint(1, 4))]
            rows = [(key, rng.choice(people), f"Crash {key}", f"Row {key} of the crash test.", now, now)
                    for key in keys]
            store.write(lambda con, rows=rows: con.executemany(INSERT, rows))
            say("ADDED", *keys)
            if rng.random() < 0.5:
                say("REPLIED", triage.reply(store, manager, suggestion_id, f"Reply {cycle}.{n}", now=now))
            began = time.monotonic()
            events.fan_out(store)
            counts = worker.deliver_due(store, config(port), now=now, limit=rng.randint(1, 6))
            say("DELIVERED", counts["sent"], round(time.monotonic() - began, 4))
    except BaseException:
        say("ERROR", traceback.format_exc().replace("\n", " | "))
        raise


# --- the parent ----------------------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def plain_main(monkeypatch):
    """Children must not re-run the test process's __main__ (see tests/resilience/test_crash.py)."""
    main = sys.modules["__main__"]
    monkeypatch.setattr(main, "__spec__", None, raising=False)
    monkeypatch.delattr(main, "__file__", raising=False)


@pytest.fixture
def crash_target(request, backend, tmp_path):
    """The demo organisation as a DuckDB file (the child holds it; the parent reads it only while no child runs),
    or a PostgreSQL database (the child is an app server's worker; the database server stays up)."""
    if backend == "duckdb":
        path = tmp_path / "crash.duckdb"
        shutil.copy(request.getfixturevalue("org_template"), path)
        yield str(path)
        return
    cluster = request.getfixturevalue("pg_cluster")
    name = cluster.fresh_name("notify_crash")
    url = cluster.create(name, request.getfixturevalue("pg_templates").get("org"))
    yield url
    db.close_store(url)
    cluster.drop(name)


def run_child(ctx, target: str, port: int, cycle: int, people: list[int], reply_to: tuple[int, int],
              rng: random.Random, took: list[float]) -> list[str]:
    """Start a child and SIGKILL it at a random moment of a delivery round (after its rows were written, within
    about as long as a round takes: before, during or after a send, or its record); the child's whole lines."""
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=child, args=(send, target, port, rng.randrange(10**9), cycle, people, reply_to),
                          daemon=True)
    process.start()
    send.close()
    lines: list[str] = []
    try:
        wanted = rng.randint(1, 3)
        while sum(line.startswith("ADDED") for line in lines) < wanted:
            assert receive.poll(60), f"the child went quiet after {lines[-1:]}"
            lines.append(receive.recv_bytes().decode())
            assert not lines[-1].startswith("ERROR"), lines[-1]
            if lines[-1].startswith("DELIVERED"):
                took.append(float(lines[-1].split()[2]))
        time.sleep(rng.uniform(0.0, 1.2 * statistics.median(took or [0.1])))
        assert process.is_alive(), "the child stopped by itself"
    finally:
        kill_and_collect(process, receive, lines)
    assert not [line for line in lines if line.startswith("ERROR")]
    assert process.exitcode == -signal.SIGKILL
    return [line for line in lines if line.endswith(" END")]


def read(target: str, sql: str, params=()) -> list[dict]:
    """Rows from the database between children (a DuckDB file is opened only while no child holds it)."""
    store = db.make_store(target)
    try:
        with store.read() as con:
            return con.rows(sql, params)
    finally:
        store.close()


def named_suggestion(target: str) -> tuple[int, tuple[int, int]]:
    """A named suggestion of the demo's staff member, raised here: (its author, (its id, its manager))."""
    store = db.make_store(target)
    try:
        staff, manager = (find_by_email(store, KNOWN[role][0]) for role in ("staff", "manager"))
        assert staff is not None and manager is not None
        return staff.id, (submit(store, staff, "crash-reply").id, manager.id)
    finally:
        store.close()


def test_every_row_is_delivered_and_a_copy_after_a_kill_keeps_its_message_id(crash_target):
    target = crash_target
    people = [r["id"] for r in read(target, "SELECT id FROM people WHERE active ORDER BY id LIMIT 12")]
    author, reply_to = named_suggestion(target)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    rng, acked, replied, took, started = random.Random(SEED), set(), set(), [], time.monotonic()
    interrupted = 0  # kills that left messages claimed: being sent, or sent but not yet recorded
    with smtp_server() as box:
        for cycle in range(KILLS):
            for line in run_child(ctx, target, box.port, cycle, people, reply_to, rng, took):
                if line.startswith("ADDED"):
                    acked.update(line.split()[1:-1])
                elif line.startswith("REPLIED"):
                    replied.add(int(line.split()[1]))
                elif line.startswith("READY"):
                    interrupted += line.split()[1] != "0"
        store = db.make_store(target)  # the last child is dead: deliver everything left, as the next start would
        try:
            with store.read() as con:
                interrupted += bool(con.scalar("SELECT count(*) FROM outbox WHERE state = 'sending'"))
            later = T0 + (KILLS + 1) * CYCLE
            events.fan_out(store)
            while sum(worker.deliver_due(store, config(box.port), now=later).values()):
                pass
            with store.read() as con:
                rows = con.rows("SELECT key, state, attempts FROM outbox WHERE key LIKE 'k%'")
                told = con.rows("SELECT key, state FROM outbox WHERE kind = 'reply'")
                events_left = con.scalar("SELECT count(*) FROM outbox_events")
                reply_events = {r["id"] for r in con.rows("SELECT id FROM suggestion_events WHERE kind = 'reply'"
                                                          " AND suggestion_id = ?", (reply_to[0],))}
        finally:
            store.close()
        received = box.received()

    # every reply that committed (acknowledged or written just before a kill) was told to the author once, and sent
    assert replied <= reply_events and events_left == 0
    assert sorted(r["key"] for r in told) == sorted(f"p{author}:e{e}" for e in reply_events)
    assert {r["state"] for r in told} == {"sent"}
    keys = {r["key"] for r in rows} | {r["key"] for r in told}
    assert acked <= keys  # every row whose write was acknowledged is there (and some written just before a kill)
    assert {r["state"] for r in rows} == {"sent"}
    by_id: dict[str, set[str]] = defaultdict(set)
    for message in received:
        by_id[str(message["Message-ID"])].add(str(message["Subject"]))
    cfg = config(0)
    assert all(len(subjects) == 1 for subjects in by_id.values())  # no Message-ID stands for two rows
    assert all(mid == messages.message_id(subject.removeprefix("Crash "), cfg)
               for mid, (subject,) in by_id.items() if subject.startswith("Crash "))
    assert set(by_id) == {messages.message_id(key, cfg) for key in keys}  # every row arrived
    copies = len(received) - len(by_id)
    elapsed = time.monotonic() - started
    print(f"\nnotify crash ({db.is_url(target) and 'postgres' or 'duckdb'}): {KILLS} kills in {elapsed:.1f} s,"
          f" {interrupted} of them while a message was claimed; {len(keys)} rows ({len(acked)} acknowledged,"
          f" {len(told)} replies told through the fan-out),"
          f" {len(received)} messages received, {copies} copies sent again after a kill (same Message-ID)")
    assert copies <= interrupted <= KILLS  # at most one message in flight per kill
    assert interrupted >= KILLS // 3  # the kills did land inside deliveries
