"""Benchmark: real browser sessions against one app server. The server is started as `make run` starts it, on a fresh
demo organisation (or a copy of --db); sessions sign in through the sign-in form over the app's websocket and click
through their role's everyday pages with think time between clicks, in steps of more sessions at once. Per step it
measures each page view from the request to the end of the run (the time a person waits for the page), the server's
memory and CPU, and where the server's time goes.

Run: .venv/bin/python -m bench sessions [--quick] [--steps 25,50,100,200,300] [--hold 120] [--think 5 15]
     [--db PATH] [--no-profile] [--out data/bench_sessions.json]
Prints tables and writes JSON. The sessions are in bench/sessions_client.py (protocol) and bench/sessions_mix.py
(roles and clicks); the server, its memory, CPU and profile in bench/sessions_server.py; the figures and tables in
bench/sessions_report.py."""

from __future__ import annotations

import asyncio
import json
import os
import random
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import websockets

from bench import sessions_report, sessions_server
from bench.sessions_client import VIEW_TIMEOUT, Session, SessionError, View
from bench.sessions_mix import CLICKS, User, page_label, role_of, roles_needed
from bench.sessions_report import Record

STEPS = (25, 50, 100, 200, 300)
HOLD_S = 120.0  # measured seconds per step: 25 sessions at 10 s think time make about 300 page views
THINK_S = (5.0, 15.0)
QUICK_STEPS, QUICK_HOLD_S, QUICK_THINK_S = (4, 8), 15.0, (2.0, 5.0)  # a smoke run of about a minute
SIGN_INS_AT_ONCE = 8  # sign-ins in flight (the app's throttle counts each as a failure until it succeeds)
IDLE_S = 10.0  # the first step's sessions sit idle this long before their memory is read
SAMPLE_EVERY_S = 5.0  # memory and load average during a step's hold
# A step whose page p95 is above this has saturated the server: larger steps would only queue longer (and their
# sign-ins take minutes), so the ramp stops there and the report says so.
STOP_ABOVE_S = 10.0
CLOSE_S = 15.0  # at the end, the longest wait for the sessions to stop and their websockets to close
LOST = (SessionError, websockets.ConnectionClosed, OSError)


@dataclass(frozen=True)
class Settings:
    """What one run does: the steps of sessions at once, how long each is held, the think time."""

    steps: tuple[int, ...]
    hold_s: float
    think_s: tuple[float, float]
    profile: bool = True
    seed: int = 18
    database: Path | None = None  # None: a fresh demo organisation

    @property
    def settle_s(self) -> float:
        """Time after a step's sign-ins before measuring: every new session has made its first click by then."""
        return self.think_s[1]


@dataclass
class Run:
    """The sessions of one run and everything they recorded."""

    server: sessions_server.AppServer
    settings: Settings
    emails: dict[str, list[str]]
    records: list[Record] = field(default_factory=list)
    sign_ins: list[float] = field(default_factory=list)  # seconds per sign-in
    failures: list[str] = field(default_factory=list)  # sign-ins and sessions that could not go on, and why
    users: list[tuple[Session, User]] = field(default_factory=list)
    opened: list[Session] = field(default_factory=list)  # every session made, signed in or not: all are closed
    tasks: list[asyncio.Task] = field(default_factory=list)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(SIGN_INS_AT_ONCE))
    closing: bool = False  # the run is over: a session that stops now has not failed

    def record(self, role: str, shown: View) -> None:
        self.records.append(Record(page_label(shown.page), role, shown.started, shown.seconds, list(shown.problems)))

    async def pause(self, rng: random.Random) -> None:
        await asyncio.sleep(rng.uniform(*self.settings.think_s))

    def email_for(self, index: int) -> str:
        """The person of the index-th session: the role's people in turn (sessions share one when it has few)."""
        role = role_of(index)
        same_role = sum(1 for i in range(index) if role_of(i) == role)
        people = self.emails[role]
        return people[same_role % len(people)]

    async def sign_in(self, index: int) -> tuple[Session, User] | None:
        """Sign a new session in and open its home page; None (and the reason kept) if that fails. One sign-in per
        person at a time: the throttle would count parallel ones for one email as failures in a row."""
        email, role = self.email_for(index), role_of(index)
        rng = random.Random(self.settings.seed * 100_003 + index)
        session = self.new_session()
        user = User(session, role, rng, lambda shown: self.record(role, shown), lambda: self.pause(rng))
        try:
            async with self.locks.setdefault(email, asyncio.Lock()), self.gate:
                started = time.monotonic()
                await session.sign_in(email, sessions_server.PASSWORD)
                self.sign_ins.append(time.monotonic() - started)
            await user.open("")
        except LOST as error:
            self.failures.append(f"session {index} ({role}) could not sign in: {error}")
            await session.close()
            return None
        return session, user

    def new_session(self) -> Session:
        session = Session("127.0.0.1", self.server.port)
        self.opened.append(session)
        return session

    async def add(self, count: int) -> list[tuple[Session, User]]:
        """Sign in sessions until there are `count`; returns the new ones."""
        start = len(self.users)
        new = [u for u in await asyncio.gather(*(self.sign_in(i) for i in range(start, count))) if u is not None]
        self.users.extend(new)
        return new

    def click_on(self, users: list[tuple[Session, User]]) -> None:
        """Let these sessions click until the run ends, the first click within one think time."""
        self.tasks.extend(asyncio.create_task(self.play(user)) for _, user in users)

    async def play(self, user: User) -> None:
        """Click, think, click, until cancelled; a session that cannot go on is an error of its step."""
        await asyncio.sleep(user.rng.uniform(0, self.settings.think_s[1]))
        try:
            while not self.closing:
                await user.click()
                await user.pause()
        except LOST as error:
            if self.closing:  # its websocket was closed under it (Python 3.11's wait_for may swallow the cancel)
                return
            self.failures.append(f"a {user.role} session ended: {error}")
            self.records.append(Record("(session ended)", user.role, time.monotonic(), 0.0, [str(error)]))

    async def close(self) -> None:
        """Stop the clicking and close every websocket, within CLOSE_S even if the server is slow to answer."""
        self.closing = True
        for task in self.tasks:
            task.cancel()
        closing = [*self.tasks, *(asyncio.ensure_future(session.close()) for session in self.opened)]
        await asyncio.wait(closing, timeout=CLOSE_S)


async def warm_up(run: Run) -> None:
    """One session per role, at once, opens each of its pages once, then leaves: the server has imported and
    cached what any page needs before anything is measured (a first view after start is cold start's question)."""
    async def visit(role: str) -> None:
        session = run.new_session()
        try:
            await session.sign_in(run.emails[role][0], sessions_server.PASSWORD)
            for page in CLICKS[role]:
                if page != "suggestion":
                    shown = await session.view("" if page == "home" else page)
                    run.failures.extend(f"the warm-up's {role} session on {page}: {p}" for p in shown.problems)
        except LOST as error:
            run.failures.append(f"the warm-up's {role} session: {error}")
        finally:
            await session.close()

    await asyncio.gather(*(visit(role) for role in CLICKS))


async def hold_step(run: Run, workdir: Path) -> dict:
    """Measure one step: wait until its new sessions are all clicking, then hold for the settings' time while
    sampling the server's memory, CPU and load (and its profile); returns the step's machine figures."""
    settings, pid = run.settings, run.server.pid
    await asyncio.sleep(settings.settle_s)
    out = workdir / f"profile_{len(run.users)}.txt"
    sampling = asyncio.create_task(sessions_server.profile(pid, settings.hold_s, out)) if settings.profile else None
    begin, cpu, own = time.monotonic(), sessions_server.cpu_seconds(pid), time.process_time()
    rss, load = [sessions_server.rss_mb(pid)], [os.getloadavg()[0]]
    while time.monotonic() - begin < settings.hold_s:
        await asyncio.sleep(min(SAMPLE_EVERY_S, settings.hold_s - (time.monotonic() - begin)))
        rss.append(sessions_server.rss_mb(pid))
        load.append(os.getloadavg()[0])
    end = time.monotonic()
    await in_flight_done(run, end)
    return {"window": (begin, end), "rss_mb": max(rss), "load_average_1min": round(max(load), 2),
            "server_cpu_cores": round((sessions_server.cpu_seconds(pid) - cpu) / (end - begin), 2),
            "driver_cpu_cores": round((time.process_time() - own) / (end - begin), 2),
            "profile": await sampling if sampling else {"error": "not sampled (--no-profile)"}}


async def in_flight_done(run: Run, end: float) -> None:
    """Wait until the page views asked for before `end` have finished (the slowest would otherwise be left out
    of the step); the sessions go on clicking meanwhile."""
    deadline = time.monotonic() + VIEW_TIMEOUT + 5
    while time.monotonic() < deadline and any(
            session.busy_since is not None and session.busy_since <= end for session, _ in run.users):
        await asyncio.sleep(0.2)


async def drive(run: Run, workdir: Path) -> dict:
    """Warm up, sign in the first step and read its idle memory, then ramp through the steps."""
    pid, settings = run.server.pid, run.settings
    memory = {"idle_before_sessions": sessions_server.rss_mb(pid)}
    steps: list[dict] = []
    try:
        await warm_up(run)
        memory["after_warm_up"] = sessions_server.rss_mb(pid)
        for index, target in enumerate(settings.steps):
            new = await run.add(target)
            if index == 0:  # signed in, home page open, nobody clicking yet
                await asyncio.sleep(min(IDLE_S, settings.hold_s))
                memory["with_idle_sessions"] = sessions_server.rss_mb(pid)
                memory["idle_sessions"] = len(run.users)
            run.click_on(new)
            figures = await hold_step(run, workdir)
            steps.append(sessions_report.step_figures(run.records, len(run.users), figures))
            print(sessions_report.step_line(steps[-1]), flush=True)
            if steps[-1].get("p95_ms", 0) > STOP_ABOVE_S * 1000 and index + 1 < len(settings.steps):
                stopped = (f"after {target} sessions: page p95 {steps[-1]['p95_ms'] / 1000:.1f} s is above "
                           f"{STOP_ABOVE_S:g} s, so the steps of {list(settings.steps[index + 1:])} were not run")
                print(f"  The ramp stopped {stopped}", flush=True)
                return {"memory_mb": memory, "steps": steps, "stopped": stopped}
    finally:
        await run.close()
    return {"memory_mb": memory, "steps": steps, "stopped": None}


def run(*, quick: bool = False, steps: tuple[int, ...] | None = None, hold: float | None = None,
        think: tuple[float, float] | None = None, database: Path | None = None, profile: bool = True,
        out: Path = Path("data/bench_sessions.json")) -> int:
    """Prepare and start the server, drive the sessions, print the tables and write the JSON; 0 when done."""
    settings = Settings(steps or (QUICK_STEPS if quick else STEPS), hold or (QUICK_HOLD_S if quick else HOLD_S),
                        think or (QUICK_THINK_S if quick else THINK_S), profile, database=database)
    load_before = os.getloadavg()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench_sessions_") as folder:
        workdir = Path(folder)
        port = sessions_server.free_port()
        env = sessions_server.environment(workdir, workdir / "board.duckdb", fresh=database is None)
        print(f"Preparing {'a fresh demo organisation' if database is None else f'a copy of {database}'} ...",
              flush=True)
        prepare_s = sessions_server.prepare(workdir, database, port, env)
        # as many people as sessions of each role, and one of each for the warm-up
        needed = roles_needed(max(settings.steps)) | Counter(dict.fromkeys(CLICKS, 1))
        emails = sessions_server.give_passwords(workdir / "board.duckdb", needed)
        server = sessions_server.start(workdir, port, env)
        print(f"Server up on port {port} (pid {server.pid}); steps {list(settings.steps)} sessions, "
              f"{settings.hold_s:.0f} s held each, think time {settings.think_s[0]:g}-{settings.think_s[1]:g} s",
              flush=True)
        try:
            the_run = Run(server, settings, emails)
            driven = asyncio.run(drive(the_run, workdir))
        finally:
            sessions_server.stop(server)
        log_tail = sessions_server.log_tail(server.log)
    report = sessions_report.assemble(
        driven, the_run.records, the_run.sign_ins, the_run.failures,
        settings={**asdict(settings), "database": str(database) if database else "fresh demo organisation",
                  "settle_s": settings.settle_s, "quick": quick},
        machine={"cpu_count": os.cpu_count(), "load_average_before": [round(v, 2) for v in load_before],
                 "load_average_after": [round(v, 2) for v in os.getloadavg()]},
        timing={"prepare_s": round(prepare_s, 1), "total_s": round(time.monotonic() - started, 1)},
        roles=dict(roles_needed(max(settings.steps))), log_tail=log_tail)
    sessions_report.print_report(report)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nwritten to {out}")
    return 0
