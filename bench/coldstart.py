"""Benchmark: the cold start of `make run` on a seeded database, as a person waits for it.

Run: .venv/bin/python -m bench coldstart [--runs 5] [--out data/bench_coldstart.json] [--compare DIR ...]

It seeds a demo database once in a temporary folder, then starts the app `--runs` times exactly as `make run` does
(the commands are read from `make -n run`, so they stay the Makefile's) on a free port, and measures each start:
prepare's time, the time until the server listens and until /_stcore/health answers 200 (from the server's start,
and from the start of prepare: what `make run` makes a person wait), and the first page view in Debian's headless
chromium: from the health answer until the sign-in form is visible, until that first script run has finished,
and a reload (the same page warm). Before the timed starts, one start of each project under `python -X importtime`
says where the time goes: the imports of prepare, of the server until it answers, and of the first page.

--compare DIR measures another checkout of the project (e.g. `git archive HEAD | tar -x -C DIR`, for the figures
before a change) in turns with this one, with this project's venv, so both see the same machine."""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNS = 5
OUT = Path("data/bench_coldstart.json")
TARGETS_S = {"health_s": 3.0, "first_view_s": 2.0}  # issue 18, target 5
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_ONLY = re.compile(r"^(?!https?://(localhost|127\.0\.0\.1)[:/])")  # offline: anything else is refused at once
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
SIGN_IN = re.compile(r"^Sign in")  # the form's button, or "Sign in with your company account" under OIDC
START_TIMEOUT_S = 60.0
POLL_S = 0.01
METRICS = {  # key -> what it is, as printed
    "prepare_s": "prepare (migrate, check the demo)",
    "listen_s": "server start -> port open",
    "server_health_s": "server start -> health 200",
    "health_s": "make run -> health 200",
    "first_view_s": "health -> sign-in form visible",
    "first_view_done_s": "health -> first script run done",
    "warm_view_s": "reload -> sign-in form visible",
    # CPU time, which other work on a shared machine changes far less than the waits above
    "prepare_cpu_s": "prepare, CPU",
    "server_cpu_health_s": "server CPU until health 200",
    "server_cpu_view_s": "server CPU for the first page view",
}
IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)")


class ColdStartError(Exception):
    """The benchmark could not measure: a command failed or the server never answered. str() says why."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `python -m bench coldstart`."""
    parser.add_argument("--runs", type=int, default=RUNS, help=f"starts measured per project (default {RUNS})")
    parser.add_argument("--out", type=Path, default=OUT, help=f"where the JSON goes (default {OUT})")
    parser.add_argument("--compare", type=Path, action="append", default=[], metavar="DIR",
                        help="another checkout of the project (for the figures before a change), measured in turns "
                             "with this one on this project's venv; may be given more than once")


def usage_error(args: argparse.Namespace) -> str | None:
    """What is wrong with arguments argparse accepted, found before any server starts."""
    if args.runs < 1:
        return f"--runs must be at least 1, not {args.runs}"
    if args.out.is_dir():
        return f"--out {args.out} is a folder: give the path of the JSON file to write"
    for project in args.compare:
        if not (project / "Makefile").is_file() or not (project / "board" / "web" / "server.py").is_file():
            return f"--compare {project} is not a checkout of Frontline Board (no Makefile or board/web/server.py)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: the first page view is measured in Debian's chromium " \
               "(`sudo apt-get install -y chromium`)"
    return None


# --- the commands of `make run` -------------------------------------------------------------------------------------


def venv_problem() -> str | None:
    """`make run` on a present, current venv is what is measured: say so when it would install first."""
    stale = subprocess.run(["make", "-q", "-C", str(REPO), "--no-print-directory", ".venv/.runtime"],
                           capture_output=True, text=True).returncode
    return None if stale == 0 else ("the venv is missing or older than requirements.txt, so `make run` would "
                                    "install first: run `make run` once, then measure")


def make_run_commands(project: Path, port: int) -> list[list[str]]:
    """The commands `make run` runs in `project` on `port` (the venv taken as current, python this one's), as
    make prints them: every one but the last prepares, the last serves."""
    made = subprocess.run(["make", "-n", "--no-print-directory", "-C", str(project), "-o", ".venv/.runtime", "run",
                           f"PORT={port}", f"PY={sys.executable}"], capture_output=True, text=True)
    if made.returncode != 0:
        raise ColdStartError(f"`make -n run` failed in {project}: {made.stderr.strip()}")
    commands = [shlex.split(line) for line in made.stdout.replace("\\\n", " ").splitlines() if line.strip()]
    if len(commands) < 2:
        raise ColdStartError(f"`make -n run` in {project} printed {len(commands)} command(s); expected the "
                             "preparation and then the server")
    return commands


def environment(folder: Path, database: Path) -> dict[str, str]:
    """The environment of every command: the database in `folder`, and none of the developer's BOARD_ settings
    (a mail server or PostgreSQL would be touched) nor their ~/.streamlit (a secrets file switches sign-in)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("BOARD_")}
    return {**env, "BOARD_DB": str(database), "HOME": str(folder)}


def prepare(commands: list[list[str]], project: Path, env: dict[str, str]) -> tuple[float, float]:
    """Run the preparing commands in order; their time and their CPU time in seconds."""
    start, cpu = time.perf_counter(), _children_cpu()
    for command in commands:
        done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise ColdStartError(f"{shlex.join(command[1:4])} failed with {done.returncode}:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start, _children_cpu() - cpu


def _children_cpu() -> float:
    """CPU seconds of this process's children that have ended (the server, still running, is not among them)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds a running process has used so far, all its threads (Linux: /proc/PID/stat, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime and stime, fields 14 and 15


# --- one start -------------------------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
            return answer.status == 200
    except OSError:  # refused, reset, or an HTTP error such as 503 while the runtime starts
        return False


def wait_for_health(server: subprocess.Popen, port: int, started: float, log: Path) -> tuple[float, float, float]:
    """Poll until the port accepts a connection and then until the health check answers 200; (port open after,
    healthy after, the clock at the answer). Streamlit opens the port before it loads the app's server.py: a
    request waits in the queue until the app serves. A server that exits or never answers stops the benchmark."""
    listen_s = None
    while time.perf_counter() - started < START_TIMEOUT_S:
        if server.poll() is not None:
            raise ColdStartError(f"the server exited with {server.returncode} before answering:\n{_tail(log)}")
        if listen_s is None and _listening(port):
            listen_s = time.perf_counter() - started
        if listen_s is not None and _healthy(port):
            answered = time.perf_counter()
            return listen_s, answered - started, answered
        time.sleep(POLL_S)
    raise ColdStartError(f"the server did not answer its health check within {START_TIMEOUT_S:.0f} s:\n{_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:] if log.exists() else "(no output)"


def stop(server: subprocess.Popen) -> None:
    """Stop a server this benchmark started (Ctrl-C's signal first, so it stops as it would under make run)."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


def view(page, url: str | None, since: float) -> tuple[float, float]:
    """Open url (or reload the page) and wait for the sign-in form, then for the end of the script run: the
    seconds from `since` to each."""
    if url is None:
        page.reload(wait_until="commit")
    else:
        page.goto(url, wait_until="commit")
    page.get_by_role("button", name=SIGN_IN).first.wait_for(state="visible")
    visible = time.perf_counter() - since
    page.wait_for_selector(IDLE, state="attached")  # the form is drawn while the script still runs
    return visible, time.perf_counter() - since


def fresh_page(browser):
    """A page in a new browser context: nothing cached, no cookie, only this machine reachable."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(START_TIMEOUT_S * 1000)
    context.route(LOCAL_ONLY, lambda route: route.abort())
    return context, context.new_page()


def measure_start(project: Path, folder: Path, env: dict[str, str], browser) -> dict[str, float]:
    """One start as `make run` does it, on the seeded database, and the first page view in a fresh browser context
    opened before the start (a person's browser is already running)."""
    port = free_port()
    *preparing, serving = make_run_commands(project, port)
    (context, page), log = fresh_page(browser), folder / "server.log"
    try:
        started = time.perf_counter()
        prepare_s, prepare_cpu_s = prepare(preparing, project, env)
        with log.open("wb") as out:
            server_started = time.perf_counter()
            server = subprocess.Popen(serving, cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL)
        try:
            listen_s, server_health_s, answered = wait_for_health(server, port, server_started, log)
            cpu_at_health = process_cpu(server.pid)
            first_view_s, first_view_done_s = view(page, f"http://localhost:{port}/", answered)
            cpu_at_view = process_cpu(server.pid)
            warm_view_s, _done = view(page, None, time.perf_counter())
        finally:
            stop(server)
    finally:
        context.close()
    return {"prepare_s": prepare_s, "listen_s": listen_s, "server_health_s": server_health_s,
            "health_s": answered - started, "first_view_s": first_view_s, "first_view_done_s": first_view_done_s,
            "warm_view_s": warm_view_s, "prepare_cpu_s": prepare_cpu_s, "server_cpu_health_s": cpu_at_health,
            "server_cpu_view_s": cpu_at_view - cpu_at_health}


# --- where the time goes ---------------------------------------------------------------------------------------------


def import_profile(text: str, top: int = 8) -> dict:
    """-X importtime's lines, summed: the total, the heaviest imports by cumulative time (those not imported by
    another import of the same text) and the heaviest by their own time (work done at import: the place to fix)."""
    rows = [(int(m[1]), int(m[2]), len(m[3]) // 2, m[4]) for m in IMPORT_LINE.finditer(text)]
    outer = sorted((r for r in rows if r[2] == 0), key=lambda r: -r[1])
    own = sorted(rows, key=lambda r: -r[0])
    return {"modules": len(rows), "total_ms": round(sum(r[1] for r in outer) / 1000, 1),
            "heaviest": [{"module": r[3], "ms": round(r[1] / 1000, 1)} for r in outer[:top]],
            "heaviest_own": [{"module": r[3], "ms": round(r[0] / 1000, 1)} for r in own[:top]]}


def _importtime(command: list[str]) -> list[str]:
    return [command[0], "-X", "importtime", *command[1:]]


def profile_start(project: Path, folder: Path, env: dict[str, str], browser) -> dict:
    """One start under -X importtime (untimed; it also warms the file cache and compiles any missing .pyc): the
    imports of prepare, of the server until its health check answers, and from then to the end of the first page
    view (with any the server imports in a thread of its own meanwhile)."""
    port = free_port()
    *preparing, serving = make_run_commands(project, port)
    prepared = [subprocess.run(_importtime(c), cwd=project, env=env, capture_output=True, text=True).stderr
                for c in preparing]
    stderr, log = folder / "importtime.txt", folder / "server.log"
    context, page = fresh_page(browser)
    try:
        with stderr.open("wb") as err, log.open("wb") as out:
            started = time.perf_counter()
            server = subprocess.Popen(_importtime(serving), cwd=project, env=env, stdout=out, stderr=err,
                                      stdin=subprocess.DEVNULL)
        try:
            wait_for_health(server, port, started, stderr)
            at_health = stderr.stat().st_size
            view(page, f"http://localhost:{port}/", time.perf_counter())
        finally:
            stop(server)
    finally:
        context.close()
    text = stderr.read_bytes()
    return {"prepare": import_profile("".join(prepared)),
            "server_until_health": import_profile(text[:at_health].decode(errors="replace")),
            "first_page": import_profile(text[at_health:].decode(errors="replace"))}


# --- the run ---------------------------------------------------------------------------------------------------------


def summary(samples: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Median, min and max of each measure, in seconds."""
    return {key: {"median": round(statistics.median(s[key] for s in samples), 3),
                  "min": round(min(s[key] for s in samples), 3), "max": round(max(s[key] for s in samples), 3)}
            for key in METRICS}


def seed(project: Path, folder: Path) -> tuple[dict[str, str], float]:
    """A seeded demo database for `project` in `folder` (prepare on an empty file); its environment and the
    seconds seeding took."""
    folder.mkdir(parents=True)
    env = environment(folder, folder / "board.duckdb")
    return env, prepare(make_run_commands(project, free_port())[:-1], project, env)[0]


def measure(projects: list[Path], runs: int, tmp: Path, browser) -> list[dict]:
    """Seed and profile each project, then measure `runs` starts of each, the projects in turns."""
    results, setups = [], []
    for n, project in enumerate(projects):
        folder = tmp / f"project{n}"
        env, seed_s = seed(project, folder)
        print(f"{project}: demo seeded in {seed_s:.1f} s; profiling one start ...", flush=True)
        setups.append((project, folder, env))
        results.append({"project": str(project), "seed_s": round(seed_s, 2),
                        "commands": [shlex.join(c) for c in make_run_commands(project, 8501)],
                        "imports": profile_start(project, folder, env, browser)})
    samples: list[list[dict[str, float]]] = [[] for _ in projects]
    for i in range(runs):
        for (project, folder, env), taken in zip(setups, samples, strict=True):
            sample = measure_start(project, folder, env, browser)
            taken.append({key: round(value, 3) for key, value in sample.items()})
            print(f"  start {i + 1}/{runs} of {project}: health after {sample['health_s']:.2f} s, "
                  f"sign-in form {sample['first_view_s']:.2f} s later", flush=True)
    for result, taken in zip(results, samples, strict=True):
        result["runs"], result["summary"] = taken, summary(taken)
    return results


def targets(result: dict) -> dict[str, dict]:
    """Each target of issue 18 against this project's median."""
    return {key: {"target_s": limit, "median_s": result["summary"][key]["median"],
                  "met": result["summary"][key]["median"] < limit} for key, limit in TARGETS_S.items()}


def _cell(stats: dict[str, float]) -> str:
    return f"{stats['median']:.2f} [{stats['min']:.2f}-{stats['max']:.2f}]"


def report(results: list[dict], met: dict[str, dict], load: tuple[list[float], list[float]]) -> None:
    """The figures, for people: every project side by side (median and range), where the time goes, the targets."""
    cores = os.cpu_count() or 1
    print(f"\ncold start of `make run` on a seeded demo database; {cores} cores, load average (1, 5, 15 min) "
          f"{load[0]} before and {load[1]} after")
    if max(load[0][0], load[1][0]) > cores:
        print("The machine was shared (load above its cores): the waits are longer than on an idle machine; the CPU "
              "lines change far less.")
    names = [chr(ord("A") + n) for n in range(len(results))]
    for name, result in zip(names, results, strict=True):
        runs = len(result['runs'])
        print(f"{name}: {result['project']} ({runs} start{'' if runs == 1 else 's'})")
    print(f"\n{'seconds: median [min-max]':<36}" + "".join(f"{name:>20}" for name in names))
    for key, label in METRICS.items():
        print(f"{label:<36}" + "".join(f"{_cell(r['summary'][key]):>20}" for r in results))
    print("\nimports under -X importtime, one start each (inflated by the profiling: read them as shares), in ms:")
    for name, result in zip(names, results, strict=True):
        for phase, profile in result["imports"].items():
            heaviest = ", ".join(f"{m['module']} {m['ms']:.0f}" for m in profile["heaviest"][:4])
            own = ", ".join(f"{m['module']} {m['ms']:.0f}" for m in profile["heaviest_own"][:3])
            print(f"  {name} {phase}: {profile['total_ms']:.0f} in {profile['modules']} modules; heaviest {heaviest}; "
                  f"most work of their own {own}")
    for key, target in met.items():
        print(f"target (A) {METRICS[key]} under {target['target_s']:.0f} s: median {target['median_s']:.2f} s, "
              f"{'MET' if target['met'] else 'MISSED'}")


def run(args: argparse.Namespace) -> int:
    """`_run` on a thread of its own when this one runs an asyncio loop (as inside a test process that ran one):
    Playwright's sync API refuses to run inside a loop."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run(args)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_run, args).result()


def _run(args: argparse.Namespace) -> int:
    """Measure this project (and any --compare checkouts); print the figures and write the JSON. 0 when done, 2
    for bad arguments, 1 when something on the way failed."""
    problem = usage_error(args) or venv_problem()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("error: the first page view is measured through Playwright: install tests/requirements.txt "
              "(make test does)", file=sys.stderr)
        return 2
    load_before = [round(v, 2) for v in os.getloadavg()]
    try:
        with tempfile.TemporaryDirectory(prefix="board-coldstart-") as tmp, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                results = measure([REPO, *(p.resolve() for p in args.compare)], args.runs, Path(tmp), browser)
            finally:
                browser.close()
    except (ColdStartError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    load = (load_before, [round(v, 2) for v in os.getloadavg()])
    met = targets(results[0])
    report(results, met, load)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"runs": args.runs, "python": sys.executable, "cpu_count": os.cpu_count(),
                                    "load_average": {"before": load[0], "after": load[1]}, "targets": met,
                                    "projects": results}, indent=2))
    print(f"written {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """python -m bench.coldstart [options]: the same as python -m bench coldstart."""
    parser = argparse.ArgumentParser(prog="python -m bench coldstart", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
