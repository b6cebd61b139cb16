"""Two delivery servers on one PostgreSQL database: `python -m board notify --loop` twice, against one real SMTP
server on 127.0.0.1, while the test writes outbox rows (outbox.enqueue, as the events do) in batches.

Only the server holding the leadership lock delivers: the mail server looks up, for every message it accepts, which
process's socket sent it (/proc) and which process holds the lock in PostgreSQL (pg_locks, each server's
application_name), and the two are always the same. Every message arrives once. When the leader is killed with
SIGKILL in the middle of a delivery (frozen first with SIGSTOP, so the test knows it holds the lock with rows claimed)
its connections close, the lock is free, and the other server delivers every new message once; the rows the dead
server had claimed wait for their lease (nobody sends them meanwhile), then go out with their own Message-ID."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest

from board import store as db
from board.clock import utcnow
from board.notify import messages, outbox, schedule, worker
from board.notify.config import NotifyConfig
from board.store.postgres import LEADER_SPACE
from tests.support.mail import Mailbox, smtp_server
from tests.support.paths import REPO

pytestmark = pytest.mark.slow  # two server processes per test

SEED = 20261202
TAG = "two-servers"  # in every key the test writes: p<person>:two-servers:<batch>.<n>
BASE = "https://board.example.org"
SECRET = "tests-only-notify-secret-0123456789abcdef"
CONFIG = NotifyConfig(base_url=BASE)  # for Message-IDs: they depend on the app's address only
INTERVAL_S = 1  # BOARD_NOTIFY_INTERVAL: each server tries to lead once a second
# The mail server takes this long per message, as real ones do: a backlog of a hundred rows or more keeps the lead
# for longer than the other server's interval (over 1.2 s), so that one is sure to try (and be refused) meanwhile.
SMTP_DELAY_S = 0.01
POLL_S = 0.05
WAIT_S = 60.0  # a bound, never a pause: the machine is shared, so be generous
LATER_RUN = "board-later-run"  # this process, when it delivers as a server would once the lease has ended
LEADER_SQL = """
SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid::bigint = %s
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""
T = TypeVar("T")


# --- the mail server, and what it saw ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Seen:
    """One accepted message: its Message-ID, the process that sent it, the process leading at that moment."""

    message_id: str
    sender: str | None
    leader: str | None
    at: float  # time.monotonic() when its handling began


def socket_owner(client_port: int, server_port: int, processes: Mapping[int, str]) -> str | None:
    """The name of the process holding the client end of a TCP connection on 127.0.0.1 (from /proc), or None."""
    wanted = (f"0100007F:{client_port:04X}", f"0100007F:{server_port:04X}")
    with open("/proc/net/tcp") as table:
        inode = next((fields[9] for fields in map(str.split, table) if (fields[1], fields[2]) == wanted), None)
    if inode is None:
        return None
    for pid, name in list(processes.items()):
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in descriptors:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return name
            except OSError:  # closed meanwhile
                continue
    return None


class Witness(Mailbox):
    """A mail server that records, for each message, who sent it and who held the leadership lock then."""

    def __init__(self, url: str):
        super().__init__()
        self.processes: dict[int, str] = {}  # pid -> name of the processes that may send
        self.seen: list[Seen] = []
        self._senders: weakref.WeakKeyDictionary[Any, str | None] = weakref.WeakKeyDictionary()  # per connection
        self._pg = psycopg.connect(url, autocommit=True)

    def leader(self) -> str | None:
        """The application_name of the session holding the leadership lock, if any (aiosmtpd's thread only)."""
        names = [r[0] for r in self._pg.execute(LEADER_SQL, (LEADER_SPACE,)).fetchall()]
        assert len(names) <= 1, names
        return names[0] if names else None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        # Who sent it and who leads, looked up at once: the sender is waiting for the reply, holding the lock.
        began = time.monotonic()
        if session not in self._senders:
            self._senders[session] = socket_owner(session.peer[1], self.port, self.processes)
        sender, leader = self._senders[session], self.leader()
        await asyncio.sleep(SMTP_DELAY_S)
        reply = await super().handle_DATA(server, session, envelope)
        message_id = str(self.received()[-1]["Message-ID"])  # only this thread appends
        with self._lock:
            self.seen.append(Seen(message_id, sender, leader, began))
        return reply

    def ids(self) -> Counter[str]:
        with self._lock:
            return Counter(seen.message_id for seen in self.seen)

    def senders(self, ids: set[str]) -> set[str | None]:
        with self._lock:
            return {seen.sender for seen in self.seen if seen.message_id in ids}

    def close(self) -> None:
        self._pg.close()


@contextmanager
def witness_server(url: str) -> Iterator[Witness]:
    """A started Witness on a free port of 127.0.0.1, stopped at the end."""
    box = Witness(url)
    try:
        with smtp_server(box=box):
            yield box
    finally:
        box.close()


# --- the servers ---------------------------------------------------------------------------------------------------

@dataclass
class Server:
    """One `python -m board notify --loop` process and its output."""

    name: str  # its application_name in PostgreSQL, and how the witness names it
    process: subprocess.Popen
    out: Path
    err: Path

    def runs(self) -> list[str]:
        """What each finished run reported (worker.summary), in order."""
        return [line.split(" UTC: ", 1)[1] for line in self.out.read_text().splitlines() if " UTC: " in line]

    def sent(self) -> int:
        return sum(int(m.group(1)) for run in self.runs() if (m := re.search(r"(\d+) sent,", run)))

    def refused(self) -> int:
        return self.runs().count(worker.summary(None))

    def ready(self) -> bool:
        return self.out.read_text().startswith("Delivering notifications from")

    def check(self) -> None:
        assert self.process.poll() is None, \
            f"{self.name} stopped ({self.process.returncode}): {self.err.read_text()[-2000:]}"

    def stop(self) -> None:
        """SIGTERM: the run in progress ends (and is reported), then the loop."""
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(30) == 0, self.err.read_text()[-2000:]


def start_server(name: str, url: str, smtp_port: int, workdir: Path) -> Server:
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOARD_", "PG"))}
    env.update(PYTHONPATH=str(REPO), PGAPPNAME=name, BOARD_DATABASE_URL=url, BOARD_SMTP_HOST="127.0.0.1",
               BOARD_SMTP_PORT=str(smtp_port), BOARD_NOTIFY_INTERVAL=str(INTERVAL_S), BOARD_BASE_URL=BASE,
               BOARD_NOTIFY_SECRET=SECRET, BOARD_PULSE_KEY=os.environ["BOARD_PULSE_KEY"])
    out, err = workdir / "out.log", workdir / "err.log"
    with out.open("w") as stdout, err.open("w") as stderr:  # its own working directory: no stray secrets.toml
        process = subprocess.Popen([sys.executable, "-m", "board", "notify", "--loop"], cwd=workdir, env=env,
                                   stdout=stdout, stderr=stderr)
    return Server(name, process, out, err)


@dataclass
class Setup:
    url: str
    store: Any  # the test's own connections: writing rows, reading them back
    box: Witness
    servers: list[Server]  # those still running
    people: list[int]
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    keys: list[str] = field(default_factory=list)

    def wait(self, condition: Callable[[], T], what: str, timeout: float = WAIT_S) -> T:
        """Poll until condition() is true (its value), failing at once if a running server stopped."""
        deadline = time.monotonic() + timeout
        while not (result := condition()):
            for server in self.servers:
                server.check()
            assert time.monotonic() < deadline, f"gave up after {timeout:g} s waiting for {what}"
            time.sleep(POLL_S)
        return result

    def write(self, batch: str, size: int) -> list[str]:
        """`size` messages to people (kind 'status', sent at once), in one transaction, as an event writes them."""
        now = utcnow()
        rows = [(f"p{person}:{TAG}:{batch}.{n}", person) for n in range(size)
                for person in [self.rng.choice(self.people)]]

        def work(con) -> list[bool]:
            return [outbox.enqueue(con, key=key, kind="status", subject=f"Two servers {key}",
                                   body=f"Row {key} of the two-server test.", link="suggestion?id=1", now=now,
                                   person_id=person) for key, person in rows]

        assert all(self.store.write(work))
        keys = [key for key, _ in rows]
        self.keys += keys
        return keys

    def count(self, batch: str = "", where: str = "state = 'sent'", params: tuple = ()) -> int:
        """How many rows of a batch (by default of all the test's rows) are as `where` says."""
        like = f"%:{TAG}:{batch}.%" if batch else f"%:{TAG}:%"
        with self.store.read() as con:
            return con.scalar(f"SELECT count(*) FROM outbox WHERE key LIKE ? AND {where}", (like, *params))

    def rows(self) -> dict[str, dict]:
        with self.store.read() as con:
            return {r["key"]: r for r in con.rows(
                "SELECT key, state, attempts, claimed_until FROM outbox WHERE key LIKE ?", (f"%:{TAG}:%",))}

    def leader(self) -> str | None:
        with self.store.read() as con:
            return con.scalar(LEADER_SQL.replace("%s", "?"), (LEADER_SPACE,))

    def connections(self, name: str) -> int:
        with self.store.read() as con:
            return con.scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?", (name,))


@pytest.fixture
def two_servers(pg_cluster, pg_templates, tmp_path) -> Iterator[Setup]:
    """The demo organisation on a fresh PostgreSQL database, today's scheduled jobs already done, a witnessing mail
    server, and two delivery servers started on them."""
    name = pg_cluster.fresh_name("two_notify")
    url = pg_cluster.create(name, pg_templates.get("org"))
    store = db.PgStore(url, pool_size=2)
    servers: list[Server] = []
    try:
        # Today's digests and reminders were sent by an earlier server (without a mail server here: kept in the
        # local outbox), so the servers deliver the test's rows only, whatever the day.
        schedule.run_due(store, now=utcnow())
        while sum(worker.deliver_due(store, NotifyConfig(), now=utcnow()).values()):
            pass
        with store.read() as con:
            people = [r["id"] for r in con.rows(
                "SELECT id FROM people p WHERE active AND email LIKE '%@%' AND NOT EXISTS (SELECT 1 FROM"
                " notification_preferences n WHERE n.person_id = p.id AND n.kind = 'status') ORDER BY id LIMIT 40")]
        assert len(people) == 40
        with witness_server(url) as box:
            try:
                for server_name in ("board-notify-a", "board-notify-b"):
                    servers.append(start_server(server_name, url, box.port, tmp_path / server_name))
                    box.processes[servers[-1].process.pid] = server_name
                setup = Setup(url, store, box, list(servers), people)
                setup.wait(lambda: all(s.ready() for s in servers), "both servers to start")
                yield setup
            finally:
                for server in servers:
                    server.process.kill()
                    server.process.wait(30)
    finally:
        store.close()
        pg_cluster.drop(name)


def message_ids(keys: list[str]) -> set[str]:
    return {messages.message_id(key, CONFIG) for key in keys}


def ours(arrived: Counter[str]) -> Counter[str]:
    """The messages of the test's rows (a scheduled job falling due meanwhile may add others)."""
    return Counter({mid: n for mid, n in arrived.items() if f"={ord(':'):02X}{TAG}={ord(':'):02X}" in mid})


def assert_only_the_leader_sent(box: Witness, names: set[str], *, killed: float | None = None) -> list[Seen]:
    """Every message was sent by one of `names`, and that process held the leadership lock as it did. A message
    whose handling began after a kill (at `killed`) is left out: the killed sender's socket and lock may be gone by
    the time the mail server looks; such messages (at most one, the one in flight) are returned."""
    late = [seen for seen in box.seen if killed is not None and seen.at > killed
            and (seen.sender not in names or seen.sender != seen.leader)]
    strays = [seen for seen in box.seen
              if seen not in late and (seen.sender not in names or seen.sender != seen.leader)]
    assert not strays, f"{len(strays)} of {len(box.seen)} messages not sent by the leader, e.g. {strays[:3]}"
    assert len(late) <= 1, late
    return late


def assert_no_errors(servers: list[Server]) -> None:
    for server in servers:
        assert not server.err.read_text().strip(), f"{server.name}: {server.err.read_text()[-2000:]}"


# --- the tests -----------------------------------------------------------------------------------------------------

def test_two_servers_deliver_each_message_once_and_only_the_leader_sends(two_servers):
    setup, started = two_servers, time.monotonic()
    a, b = setup.servers
    batches = [("first", 120)] + [(f"more{n}", setup.rng.randint(10, 40)) for n in range(5)]
    for n, (batch, size) in enumerate(batches):  # a backlog that takes seconds, then more while it is delivered
        if n:
            setup.wait(lambda last=batches[n - 1][0]: setup.count(last), f"a message of {batches[n - 1][0]}")
        setup.write(batch, size)
    setup.wait(lambda: setup.count() == len(setup.keys), "every row to be sent")
    for server in (a, b):  # their last runs reported: every sent row is in some server's summary
        server.stop()

    rows = setup.rows()
    assert len(rows) == len(setup.keys) == len(set(setup.keys)) == sum(size for _, size in batches)
    assert {(r["state"], r["attempts"]) for r in rows.values()} == {("sent", 1)}  # each claimed and sent once
    arrived = setup.box.ids()
    assert set(arrived.values()) == {1}  # no Message-ID arrived twice
    assert message_ids(setup.keys) == ours(arrived).keys()  # one message per row: no more, no fewer
    assert_only_the_leader_sent(setup.box, {a.name, b.name})
    by_sender = Counter(seen.sender for seen in setup.box.seen)
    assert [a.sent(), b.sent()] == [by_sender[a.name], by_sender[b.name]]  # the logs agree with the mail server
    assert a.runs() and b.runs()  # both ran ...
    assert a.refused() + b.refused() >= 1  # ... and one was refused the lead while the other delivered
    assert_no_errors([a, b])
    print(f"\ntwo servers: {len(rows)} rows in {len(batches)} batches, {len(arrived)} messages in"
          f" {time.monotonic() - started:.1f} s; sent by a {by_sender[a.name]}, by b {by_sender[b.name]};"
          f" runs a {len(a.runs())} ({a.refused()} refused), b {len(b.runs())} ({b.refused()} refused)")


def test_when_the_leader_is_killed_the_other_server_takes_over_and_sends_each_new_message_once(two_servers):
    setup, started = two_servers, time.monotonic()
    setup.write("before", 120)

    def frozen_mid_delivery() -> Server | None:
        """The server delivering the batch, stopped (SIGSTOP) while it holds the lock with rows claimed; None, and
        on it goes, if its run ended before it stopped."""
        leader = setup.leader()
        if leader is None or setup.count("before") < 10:
            return None
        server = next(server for server in setup.servers if server.name == leader)
        server.process.send_signal(signal.SIGSTOP)
        if setup.leader() == leader and setup.count("before", "state = 'sending'"):
            return server
        server.process.send_signal(signal.SIGCONT)
        return None

    victim = setup.wait(frozen_mid_delivery, "a server to be delivering the batch")
    survivor = next(server for server in setup.servers if server is not victim)
    killed_at, killed_mono = utcnow(), time.monotonic()
    victim.process.send_signal(signal.SIGKILL)
    assert victim.process.wait(30) == -signal.SIGKILL
    setup.servers = [survivor]
    setup.wait(lambda: setup.connections(victim.name) == 0,
               "PostgreSQL to close the killed server's connections (and so free its lock)")

    after = setup.write("after0", setup.rng.randint(15, 35))
    setup.wait(lambda: setup.count("after0"), "the other server to send a message written after the kill")
    after += setup.write("after1", setup.rng.randint(15, 35))
    # Settled: nothing waits but rows claimed before the kill (their lease runs out after killed_at + LEASE).
    waiting = "NOT (state = 'sent' OR state = 'sending' AND claimed_until < ?)"
    setup.wait(lambda: setup.count(where=waiting, params=(killed_at + worker.LEASE,)) == 0,
               "the other server to send everything but the rows the dead one had claimed")
    survivor.stop()
    took = time.monotonic() - started

    rows = setup.rows()
    stuck = [key for key, r in rows.items() if r["state"] != "sent"]
    assert 0 < len(stuck) <= worker.BATCH  # killed mid-delivery: the rest of its batch is claimed, not recorded
    assert all(rows[key]["state"] == "sending" and rows[key]["claimed_until"] < killed_at + worker.LEASE
               for key in stuck)  # claimed before the kill and left alone since: still under the dead one's lease
    assert {rows[key]["attempts"] for key in rows if key not in stuck} == {1}
    arrived = setup.box.ids()
    assert set(arrived.values()) == {1}
    assert message_ids(after) <= arrived.keys()  # every new row arrived once ...
    assert setup.box.senders(message_ids(after)) == {survivor.name}  # ... sent by the survivor
    # The dead one's claims are left to their lease (None: a message in flight, looked up after the kill).
    assert setup.box.senders(message_ids(stuck)) <= {victim.name, None}
    assert not setup.box.senders(message_ids(after)) & {victim.name}
    in_flight = message_ids(stuck) & arrived.keys()  # accepted by the mail server, killed before recording it
    assert len(in_flight) <= 1
    assert message_ids([key for key in rows if key not in stuck]) | in_flight == ours(arrived).keys()
    late = assert_only_the_leader_sent(setup.box, {victim.name, survivor.name}, killed=killed_mono)
    assert {seen.message_id for seen in late} <= in_flight
    by_sender = Counter(seen.sender for seen in setup.box.seen)
    assert survivor.sent() == by_sender[survivor.name]  # its log agrees with the mail server
    assert victim.sent() < by_sender[victim.name]  # the run it died in was never reported
    assert_no_errors([victim, survivor])

    # Once the lease has ended the next run sends them: this process, its clock past the lease, as a server would.
    later = db.PgStore(f"{setup.url}?application_name={LATER_RUN}", pool_size=2)
    setup.box.processes[os.getpid()] = LATER_RUN
    try:
        counts = worker.run_led(later, NotifyConfig(smtp_host="127.0.0.1", smtp_port=setup.box.port, base_url=BASE,
                                                    secret=SECRET), now=utcnow() + worker.LEASE + timedelta(minutes=1))
    finally:
        later.close()
    assert counts is not None and counts["sent"] >= len(stuck)
    assert {r["state"] for r in setup.rows().values()} == {"sent"}
    arrived = setup.box.ids()
    assert ours(arrived).keys() == message_ids(setup.keys)
    assert {mid for mid, n in arrived.items() if n > 1} == in_flight  # only that one came again, same Message-ID
    assert assert_only_the_leader_sent(setup.box, {victim.name, survivor.name, LATER_RUN}, killed=killed_mono) == late
    print(f"\ntakeover: {victim.name} killed after {by_sender[victim.name]} messages with {len(stuck)} rows claimed"
          f" ({len(in_flight)} in flight); {survivor.name} sent {by_sender[survivor.name]} ({len(after)} new"
          f" rows), {took:.1f} s in all; the run after the lease sent {counts['sent']}")


def test_socket_owner_names_the_process_holding_the_client_end():
    """The evidence above rests on socket_owner: it finds this process's end of a connection, and no owner among
    processes that do not hold it."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            mine = client.getsockname()[1]
            assert socket_owner(mine, port, {os.getpid(): "this process"}) == "this process"
            assert socket_owner(mine, port, {os.getppid(): "the parent"}) is None
            assert socket_owner(mine, port + 1, {os.getpid(): "this process"}) is None
