"""The app server that the session benchmark drives, started as `make run` starts it (`python -m board prepare`, then
`python -m streamlit run board/web/server.py` with the same options), in a folder of its own on a database of its
own, and what the benchmark reads of it: resident memory and CPU time from /proc, children included, and where its
time goes.

Where the time goes: py-spy samples the running server from outside (no change to the app; non-blocking, so the
server is never paused) and each sample is put in one category by the innermost frame that names one: database
queries, Plotly figures, serialisation (protobuf, Arrow, JSON for the browser), password hashing, the notification
worker, Streamlit's gc.collect() after a script run (when runner.postScriptGC is on); else the rest of the script rerun
(the pages, the services' Python, pandas, Streamlit's elements) or the server's event loop (websocket and HTTP)."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from board import store as db
from board.org import accounts

REPO = Path(__file__).resolve().parent.parent
SERVER = REPO / "board" / "web" / "server.py"
START_TIMEOUT = 120.0
PASSWORD = "bench-sessions"  # given to the people the sessions sign in as, on the benchmark's copy only
# Delivery settings the server must not inherit: the benchmark never sends a real email or chat post (the
# outbox is still written, as on a server without a mail server).
NOT_INHERITED = ("BOARD_DATABASE_URL", "BOARD_SMTP_HOST", "BOARD_SMTP_PORT", "BOARD_SMTP_USER", "BOARD_SMTP_PASSWORD",
                 "BOARD_SMTP_SECURITY")


class ServerProblem(Exception):
    """The server could not be prepared or started: the reason and the end of its output."""


@dataclass(frozen=True)
class AppServer:
    """A running app server: its process, address, folder and log."""

    proc: subprocess.Popen
    port: int
    workdir: Path
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(workdir: Path, database: Path, fresh: bool) -> dict[str, str]:
    """The server's environment: ours, on the benchmark's database, with HOME in its folder (a stray
    ~/.streamlit/secrets.toml would switch the sign-in mode). A fresh demo gets server secrets of its own, so that
    nothing is written to the project's data/; a given database keeps the ones make run would use."""
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    env.update(PYTHONPATH=str(REPO), BOARD_DB=str(database), HOME=str(workdir))
    if fresh:
        env.update(BOARD_PULSE_KEY=secrets.token_hex(32), BOARD_NOTIFY_SECRET=secrets.token_hex(32))
    return env


def prepare(workdir: Path, source: Path | None, port: int, env: dict[str, str]) -> float:
    """Copy the given database into the folder (the benchmark never changes the one it is given) or leave the
    folder empty for a fresh demo, then run `python -m board prepare` on it (migrate; seed the demo when empty).
    Returns the seconds taken."""
    started = time.monotonic()
    (workdir / ".streamlit").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / ".streamlit" / "config.toml", workdir / ".streamlit" / "config.toml")
    if source is not None:
        shutil.copy(source, env["BOARD_DB"])
        wal = source.with_name(source.name + ".wal")
        if wal.exists():
            shutil.copy(wal, env["BOARD_DB"] + ".wal")
    done = subprocess.run([sys.executable, "-m", "board", "prepare", "--port", str(port)], cwd=workdir, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise ServerProblem(f"python -m board prepare failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return time.monotonic() - started


def give_passwords(database: Path, needed: Mapping[str, int]) -> dict[str, list[str]]:
    """Give the benchmark's password to as many active people of each role as there will be sessions of it
    (fewer when the organisation has fewer: then sessions share a person, as tabs do), and return their emails
    by role. One hash for all: hashing is not what is measured. Ends in the database being closed again."""
    store = db.open_store(database)
    try:
        digest, emails = accounts.hash_password(PASSWORD), {}
        for role, count in needed.items():
            with store.read() as con:
                rows = con.rows("SELECT id, email FROM people WHERE active AND role = ? ORDER BY id LIMIT ?",
                                (role, count))
            if not rows:
                raise ServerProblem(f"the database has no active {role}: the sessions need one of each role")
            for row in rows:
                accounts.store_password_hash(store, row["id"], digest, action="password set by the benchmark")
            emails[role] = [row["email"] for row in rows]
        return emails
    finally:
        db.close_store(database)


def start(workdir: Path, port: int, env: dict[str, str]) -> AppServer:
    """Serve the app as make run does and wait until its health check answers."""
    log = workdir / "server.log"
    cmd = [sys.executable, "-m", "streamlit", "run", str(SERVER), "--server.address", "127.0.0.1",
           "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--secrets.files", str(workdir / ".streamlit" / "secrets.toml")]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    server = AppServer(proc, port, workdir, log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerProblem(f"the server exited with {proc.returncode}:\n{log_tail(log)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    return server
        except OSError:
            time.sleep(0.1)
    stop(server)
    raise ServerProblem(f"the server did not answer its health check within {START_TIMEOUT:.0f} s:\n{log_tail(log)}")


def stop(server: AppServer) -> None:
    """Terminate the server we started, then kill it if it lingers."""
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=15)


def log_tail(log: Path, chars: int = 3000) -> str:
    return log.read_text(errors="replace")[-chars:] if log.exists() else "(no log)"


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants still running."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # it ended meanwhile
                continue
            parents.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(parents.get(current, []))
    return tree


def rss_mb(pid: int) -> float:
    """Resident memory of the process and its children (VmRSS from /proc/PID/status), in MB."""
    total_kb = 0
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        total_kb += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return round(total_kb / 1024, 1)


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) the process and its running children have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


# --- where the time goes ----------------------------------------------------------------------------------------

RATE = 50  # samples a second: enough for shares over a step's hold, light on a 2-core machine
# (category, path fragments), tried from the innermost frame outwards; the first frame that matches decides.
CATEGORIES = (
    ("database queries", ("board/store/", "duckdb/", "psycopg")),
    ("Plotly figures", ("plotly/", "board/reporting/charts.py", "_plotly_utils/")),
    ("serialisation", ("google/protobuf/", "streamlit/proto/", "streamlit/runtime/runtime_util.py",
                       "streamlit/runtime/forward_msg", "pyarrow/", "streamlit/dataframe_util.py", "json/encoder.py")),
    ("password hashing", ("argon2/",)),
    ("notification worker", ("board/notify/",)),
)
SCRIPT = "streamlit/runtime/scriptrunner/"  # a thread running a page's script
# Streamlit's gc.collect(2) after every script run (runner.postScriptGC): py-spy sees no frame for the C function, so a
# sample whose innermost Python frame is the method that calls it is the collection (its other calls are in Python).
POST_RUN_GC = "gc.collect() after a script run"
POST_RUN_GC_FRAME = "_on_script_finished (streamlit/runtime/scriptrunner/script_runner.py:"
RERUN = "script rerun (pages, services, pandas, Streamlit elements)"
BREAKDOWN = 10  # the largest parts reported of the script rerun (by package) and of the queries (by caller)
EVENT_LOOP = "event loop (websocket, HTTP, sessions)"
OTHER = "other threads"
# A thread waiting for work is idle, although py-spy's non-blocking mode cannot always tell: its samples are left out.
WAITING = ("EpollSelector.select ", "Condition.wait ", "Event.wait ", "_worker (concurrent/futures/thread.py",
           "PollingPathWatcher._schedule.<locals>.task ")  # (Streamlit's secrets watcher sleeping between polls)


def py_spy() -> str | None:
    """The py-spy command beside this Python (tests/requirements.txt pins it), else one on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


async def profile(pid: int, seconds: float, out: Path) -> dict:
    """Sample the server for `seconds` and return the share of samples per category (or why there is none)."""
    command = py_spy()
    if command is None:
        return {"error": "py-spy is not installed (pip install -r tests/requirements.txt)"}
    proc = await asyncio.create_subprocess_exec(
        command, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))), "--rate", str(RATE),
        "--nonblocking", "--subprocesses", "--format", "raw", "--output", str(out),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    said, _ = await proc.communicate()
    if proc.returncode != 0 or not out.exists():
        return {"error": f"py-spy failed ({proc.returncode}): {said.decode(errors='replace').strip()[-300:]}"}
    return shares(out.read_text(errors="replace").splitlines())


def shares(lines: list[str]) -> dict:
    """Per category, its share of the samples of py-spy's raw output (one 'frame;frame;...;frame count' line per
    distinct stack, outermost first), the number of samples, and the packages whose code the samples of the
    script rerun were in (its innermost frame), the largest shares first: what the rerun's time is made of."""
    counts: Counter = Counter()
    rerun: Counter = Counter()
    queries: Counter = Counter()
    for line in lines:
        stack, _, number = line.rpartition(" ")
        frames = stack.split(";")
        if stack and number.isdigit() and not frames[-1].startswith(WAITING):
            kind = category(frames)
            counts[kind] += int(number)
            if kind == RERUN:
                rerun[package(frames[-1])] += int(number)
            elif kind == "database queries":
                queries[caller(frames)] += int(number)
    total = sum(counts.values())

    def top(counter: Counter) -> dict:
        return {name: round(n / total, 3) for name, n in counter.most_common(BREAKDOWN)}

    return {"samples": total, "shares": top(counts) if total else {},
            "rerun_by_package": top(rerun) if total else {}, "queries_by_caller": top(queries) if total else {}}


def caller(frames: list[str]) -> str:
    """Who asked for a query: the innermost frame of the app's code outside the store ("load (board/org/
    settings.py)"), so that the database's share splits by the service function that runs the SQL."""
    for frame in reversed(frames):
        if "(board/" in frame and "(board/store/" not in frame:
            function, _, where = frame.partition(" (")
            return f"{function} ({where.split(':')[0]})"
    return "(outside the app's code)"


def package(frame: str) -> str:
    """The package of a frame's code: board's subpackage ("board/web"), else the top folder or module of the path
    ("pandas", "streamlit", "threading")."""
    path = frame.rsplit("(", 1)[-1].split(":")[0]
    parts = path.removesuffix(".py").split("/")
    return "/".join(parts[:2]) if parts[0] == "board" and len(parts) > 2 else parts[0]


def category(frames: list[str]) -> str:
    """The category of one sampled stack (frames outermost first, each 'function (path:line)')."""
    if POST_RUN_GC_FRAME in frames[-1]:
        return POST_RUN_GC
    for frame in reversed(frames):
        for name, fragments in CATEGORIES:
            if any(fragment in frame for fragment in fragments):
                return name
    if any(SCRIPT in frame for frame in frames):
        return RERUN
    if any(marker in frame for frame in frames for marker in ("asyncio/", "uvicorn/", "starlette/")):
        return EVENT_LOOP
    return OTHER
